#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 240
# core: yes
#
# Multipoint GRE over an IPv6 underlay (ip6gre with an any remote): the
# same per-peer keepalives as t-25, through the paths that differ, i.e.
# keepalives encapsulated to a peer's IPv6 NBMA address, and replies
# attributed by the outer IPv6 source (ip6gre attaches no metadata).
#
#   h   eth0 2001:db8::1   mgre6 (ip6gre, local 2001:db8::1, key 7)
#       fd00::1/64, neighbour fd00::2 -> 2001:db8::2 (16-byte lladdr)
#   s   eth0 2001:db8::2   g6 (ip6gre, local ::2, remote ::1, key 7)
#
# - the neighbour makes 2001:db8::2 a peer, up on the spoke's answers;
# - cut: down within the window, its entry held failed; repair: up,
#   the entry back as made;
# - a static peer over netlink takes an IPv6 address, not an IPv4 one.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ka.sh"

HERE=$(dirname "$0")
NL=(/usr/bin/python3 "$HERE/gk_nl.py")
P=300
R=3
# 2001:db8::2 as the 16 link-layer bytes of an ip6gre neighbour entry.
LL2=20:01:0d:b8:00:00:00:00:00:00:00:00:00:00:00:02

peers_wait() {
	ns_exec h "${NL[@]}" wait mgre6 "$@" >"$GRE_KA_OUT/t-27-peers.json"
}

check "hub" ns_create h
check "spoke" ns_create s
check "underlay" veth_pair h eth0 2001:db8::1/64 s eth0 2001:db8::2/64
check "no DAD on the underlay" sh -c '
	for ns in h s; do ip netns exec $ns sysctl -qw net.ipv6.conf.eth0.accept_dad=0 || exit 1; done'
check "static neighbours on the underlay" sh -c "
	ip -n h neigh replace 2001:db8::2 lladdr \$(ip -n s -br link show eth0 | awk '{print \$3}') dev eth0 &&
	ip -n s neigh replace 2001:db8::1 lladdr \$(ip -n h -br link show eth0 | awk '{print \$3}') dev eth0"
check "hub mgre6 (ip6gre, any remote)" sh -c "
	ip -n h link add mgre6 type ip6gre local 2001:db8::1 key 7 hoplimit 255 &&
	ip -n h addr add fd00::1/64 dev mgre6 nodad && ip -n h link set mgre6 up"
check "spoke g6 to the hub" sh -c "
	ip -n s link add g6 type ip6gre local 2001:db8::2 remote 2001:db8::1 key 7 hoplimit 255 &&
	ip -n s addr add fd00::2/64 dev g6 nodad && ip -n s link set g6 up"
check "hub: neighbour fd00::2 -> 2001:db8::2" \
	ip -n h -6 neigh add fd00::2 lladdr "$LL2" dev mgre6 nud permanent
orig=$(ip -n h -6 neigh show fd00::2 dev mgre6)
diag "as made: $orig"
check "module loads" load_module
check "hub keepalive ${P} ms x ${R}" ka_enable h mgre6 $P $R
check "2001:db8::2 a peer (neigh), up, answered" peers_wait 20 \
	'p["2001:db8::2"]["origins"] == ["neigh"] and p["2001:db8::2"]["state"] == "up" and p["2001:db8::2"].get("rx", 0) >= 3'
check "the spoke answered them" ka_stat_ge s g6 reflected 3
check "cut the spoke" tc -n s qdisc replace dev eth0 root netem loss 100%
check "the peer goes down" peers_wait 10 'p["2001:db8::2"]["state"] == "down"'
check "its entry held failed" wait_for 5 "fd00::2 FAILED" \
	sh -c "ip -n h -6 neigh show fd00::2 dev mgre6 | grep -q FAILED"
check "the device keeps its carrier" has_carrier h mgre6
check "repair" tc -n s qdisc del dev eth0 root
check "up again" peers_wait 10 'p["2001:db8::2"]["state"] == "up"'
check "its entry back as made" wait_for 5 "fd00::2 restored" \
	test "$(ip -n h -6 neigh show fd00::2 dev mgre6)" = "$orig"
check "static peer 2001:db8::99" text_has \
	"$(ns_exec h "${NL[@]}" peer-add mgre6 2001:db8::99)" '^ok$'
check "static, and down (nobody there)" peers_wait 10 \
	'p["2001:db8::99"]["origins"] == ["static"] and p["2001:db8::99"]["state"] == "down"'
check "an IPv4 peer of an IPv6 tunnel: refused" text_has \
	"$(ns_exec h "${NL[@]}" peer-add mgre6 192.0.2.1)" "^errno 22: the peer's address is not of the tunnel's family$"
check "module unloads" unload_module
test_done
