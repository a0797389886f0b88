#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# kernels: 6.1 6.12 (the mGRE core runs on every kernel in t-25)
# timeout: 300
#
# A dual-hub spoke: one mGRE device to two hubs, an ECMP route over both.
#
#   sw: a bridge, the underlay 192.0.2.0/24
#   s   eth0 .10  mgre1 (local .10, key 42) 10.9.0.10/24, neighbours
#                 10.9.0.1 -> 192.0.2.1 and 10.9.0.2 -> 192.0.2.2;
#                 203.0.113.0/24 nexthop via 10.9.0.1 nexthop via 10.9.0.2,
#                 fib_multipath_use_neigh=1, hash policy 1 (ports)
#   hN  eth0 .N   gre1 (local .N, remote .10, key 42) 10.9.0.N/24, the
#                 service 203.0.113.1 on both (anycast), our module
#                 answering the spoke's keepalives
#
# - both hubs up, flows spread over both;
# - hub 1 dies (its replies lost): the spoke's peer 192.0.2.1 goes down
#   within the keepalive window, its neighbour entry is held failed, and
#   every new flow goes to hub 2 (none to hub 1, which still receives);
# - hub 1 returns: the peer is up, the entry back as it was, flows on
#   both hubs again.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ka.sh"

HERE=$(dirname "$0")
NL=(/usr/bin/python3 "$HERE/gk_nl.py")
P=300
R=3
FLOWS=60

peers_wait() {
	ns_exec s "${NL[@]}" wait mgre1 "$@" >"$GRE_KA_OUT/t-26-peers.json"
}

# udp_at NS: UDP datagrams to the service NS's input hook counted.
udp_at() {
	ip netns exec "$1" nft list counter inet t svc |
		sed -n 's/.*packets \([0-9]*\).*/\1/p'
}

# flows N: N new flows from the spoke (a socket each: a random source
# port, a destination port of its own), to the anycast service.
flows() {
	ip netns exec s bash -c 'for i in $(seq 1 '"$1"'); do
		echo x >/dev/udp/203.0.113.1/$((10000 + RANDOM % 10000)); done'
}

NFT=$(mktemp /tmp/gre_ka-nft.XXXXXX)
cat >"$NFT" <<'EOF'
table inet t {
	counter svc { }
	chain in {
		type filter hook input priority 0;
		ip daddr 203.0.113.1 udp dport 10000-19999 counter name svc
	}
}
EOF

check "the underlay: a bridge" ns_create sw
check "br0" sh -c 'ip -n sw link add br0 type bridge && ip -n sw link set br0 up'
# underlay NS ADDR: NS's eth0 on the bridge.
underlay() {
	ip link add eth0 netns "$1" type veth peer name "$1-p" netns sw &&
		ip -n sw link set "$1-p" master br0 up &&
		ip -n "$1" addr add "$2/24" dev eth0 && ip -n "$1" link set eth0 up
}
mac() {
	ip -n "$1" -br link show eth0 | awk '{print $3}'
}
check "spoke" ns_create s
check "spoke underlay" underlay s 192.0.2.10
for n in 1 2; do
	check "hub h$n" ns_create "h$n"
	check "h$n underlay" underlay "h$n" "192.0.2.$n"
	check "h$n gre1 to the spoke" sh -c "
		ip -n h$n link add gre1 type gre local 192.0.2.$n remote 192.0.2.10 key 42 ttl 255 &&
		ip -n h$n addr add 10.9.0.$n/24 dev gre1 && ip -n h$n link set gre1 up &&
		ip -n h$n link add dummy0 type dummy && ip -n h$n link set dummy0 up &&
		ip -n h$n addr add 203.0.113.1/32 dev dummy0"
	check "h$n counts the service's datagrams" ip netns exec "h$n" nft -f "$NFT"
	# A cut must not also fail ARP.
	check "h$n <-> spoke: static ARP" sh -c "
		ip -n s neigh replace 192.0.2.$n lladdr $(mac "h$n") dev eth0 &&
		ip -n h$n neigh replace 192.0.2.10 lladdr $(mac s) dev eth0"
done
check "spoke mgre1" sh -c "ip -n s link add mgre1 type gre local 192.0.2.10 key 42 ttl 255 &&
	ip -n s addr add 10.9.0.10/24 dev mgre1 && ip -n s link set mgre1 up"
for n in 1 2; do
	check "spoke: neighbour 10.9.0.$n -> 192.0.2.$n" \
		ip -n s neigh add "10.9.0.$n" lladdr "192.0.2.$n" dev mgre1 nud permanent
done
orig1=$(ip -n s neigh show 10.9.0.1 dev mgre1)
check "ECMP over both hubs" ip -n s route add 203.0.113.0/24 \
	nexthop via 10.9.0.1 dev mgre1 nexthop via 10.9.0.2 dev mgre1
check "FIB: skip next hops whose neighbour is not valid; hash ports" \
	ns_exec s sysctl -qw net.ipv4.fib_multipath_use_neigh=1 \
	net.ipv4.fib_multipath_hash_policy=1
check "module loads" load_module
check "spoke keepalive ${P} ms x ${R}" ka_enable s mgre1 $P $R
check "both hubs up" peers_wait 20 \
	'len(p) == 2 and all(x["state"] == "up" and x.get("rx", 0) >= 3 for x in p.values())'

a1=$(udp_at h1) a2=$(udp_at h2)
check "$FLOWS flows" flows $FLOWS
check "all arrived" wait_for 10 "$FLOWS at the hubs" \
	test $(($(udp_at h1) + $(udp_at h2) - a1 - a2)) -ge $FLOWS
d1=$(($(udp_at h1) - a1)) d2=$(($(udp_at h2) - a2))
diag "both up: hub 1 $d1, hub 2 $d2 of $FLOWS flows"
check "spread over both hubs" test "$d1" -gt 0 -a "$d2" -gt 0

# Hub 1 dies: its answers are lost (what it receives still arrives).
modprobe -q sch_netem 2>/dev/null
t_lo=$(now_ms)
check "cut hub 1's replies" tc -n h1 qdisc replace dev eth0 root netem loss 100%
t_hi=$(now_ms)
check "peer 192.0.2.1 goes down, 192.0.2.2 stays up" peers_wait 10 \
	'p["192.0.2.1"]["state"] == "down" and p["192.0.2.2"]["state"] == "up"'
at=$(/usr/bin/python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
print(d["uptime_ms"] - d["peers"]["192.0.2.1"]["last_change_ms"])' "$GRE_KA_OUT/t-26-peers.json")
diag "hub 1 down $((at - t_hi))..$((at - t_lo)) ms after the cut (window $(((R - 1) * P))..$(((R + 1) * P)) ms)"
check "down within (retries + 1) x period" test $((at - t_hi)) -le $(((R + 1) * P + KA_LATE_MS))
check "its neighbour entry held failed" wait_for 5 "10.9.0.1 FAILED" \
	sh -c "ip -n s neigh show 10.9.0.1 dev mgre1 | grep -q FAILED"
diag "held: $(ip -n s neigh show 10.9.0.1 dev mgre1)"
a1=$(udp_at h1) a2=$(udp_at h2)
check "$FLOWS new flows" flows $FLOWS
check "all of them at hub 2" wait_for 10 "$FLOWS at hub 2" \
	test $(($(udp_at h2) - a2)) -ge $FLOWS
check_eq "none at hub 1" 0 $(($(udp_at h1) - a1))

check "hub 1 returns" tc -n h1 qdisc del dev eth0 root
check "peer 192.0.2.1 up again" peers_wait 10 'p["192.0.2.1"]["state"] == "up"'
check "its entry back as it was" wait_for 5 "10.9.0.1 restored" \
	test "$(ip -n s neigh show 10.9.0.1 dev mgre1)" = "$orig1"
a1=$(udp_at h1) a2=$(udp_at h2)
check "$FLOWS new flows" flows $FLOWS
check "all arrived" wait_for 10 "$FLOWS at the hubs" \
	test $(($(udp_at h1) + $(udp_at h2) - a1 - a2)) -ge $FLOWS
d1=$(($(udp_at h1) - a1)) d2=$(($(udp_at h2) - a2))
diag "both up again: hub 1 $d1, hub 2 $d2 of $FLOWS flows"
check "both hubs used again" test "$d1" -gt 0 -a "$d2" -gt 0
check "module unloads" unload_module
test_done
