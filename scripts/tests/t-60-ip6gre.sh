#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# kernels: 6.1 6.12 (the debug kernel runs a subset: README, "Tests on the debug kernel")
# timeout: 200
# core: yes
#
# Core keepalive over an IPv6 underlay (ip6gre) against a stock Linux peer
# (IPv6 forwarding, module reflection off): up in steady state, down within
# the Cisco window after a path cut, keepalives keep going, up after the
# repair; then the variants whose outer header we build ourselves: output
# key, checksum and sequence numbers towards a peer with iseq, and a tunnel
# without a local address.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ka.sh"
. "$(dirname "$0")/ka6.sh"

PERIOD=200
RETRIES=3

check "two routers with an ip6gre tunnel" topo6_two_routers
check "static neighbours" static_neigh6
check "stock IPv6 reflector on r2" make_stock_reflector6 r2
check "module loads" load_module
check "keepalive directory on ip6gre" ns_exec r1 test -d /sys/class/net/gre6/keepalive/statistics
check_eq "disabled by default" disabled "$(ka_get r1 gre6 state)"
check "peer does not reflect with the module" ka_set r2 gre6 reflect 0
check "enable keepalive" ka_enable r1 gre6 $PERIOD $RETRIES

check "replies arrive from the stock peer" \
	wait_for 10 "statistics/rx >= 3" ka_stat_ge r1 gre6 rx 3
check_eq "up in steady state" up "$(ka_get r1 gre6 state)"
check "carrier on" has_carrier r1 gre6
check_eq "no reply rejected" 0 "$(ka_stat r1 gre6 rx_invalid)"
check "the reply carried an RTT" test "$(ka_stat r1 gre6 rtt_max_us)" -gt 0
check_eq "peer module did not reflect" 0 "$(ka_stat r2 gre6 reflected)"
check "data flows over the tunnel" ping_ok r1 "$R2_IN6"

ka_timed_cut r1 gre6 $PERIOD $RETRIES
check "carrier off" has_no_carrier r1 gre6
check "ip link shows NO-CARRIER" no_carrier_shown r1 gre6
tx=$(ka_stat r1 gre6 tx)
check "keepalives keep going out while down" \
	wait_for 5 "tx grows" ka_stat_ge r1 gre6 tx $((tx + 3))

ka_timed_repair r1 gre6 $PERIOD
check "carrier on again" has_carrier r1 gre6
check "kernel logged both transitions" \
	sh -c 'dmesg | grep -q "gre6: keepalive: line protocol changed state to down" &&
		dmesg | grep -q "gre6: keepalive: line protocol changed state to up"'
check "disable" ka_set r1 gre6 enabled 0
check "carrier on when disabled" has_carrier r1 gre6
check "unload" unload_module
ns_delete r1
ns_delete r2

# Output key, checksum and sequence numbers: r2 accepts our keepalives
# only if the outer GRE header we build carries r1's okey, a valid
# checksum and in-order sequence numbers. r2 has iseq, so keepalive
# cannot run on r2 itself, but its module still reflects.
export GRE6_OPTS_R1="okey 1001 ikey 2002 ocsum icsum oseq"
export GRE6_OPTS_R2="ikey 1001 okey 2002 icsum ocsum iseq"
check "keyed, checksummed, sequenced tunnel" topo6_two_routers
check "static neighbours" static_neigh6
check "module loads" load_module
check_fail "keepalive refused on r2 (iseq)" ka_set r2 gre6 enabled 1
check "reason given for r2" sh -c 'dmesg | grep -q "gre6: keepalive: cannot enable: input sequencing"'
check "enable keepalive on r1" ka_enable r1 gre6 $PERIOD $RETRIES
check "r2's module reflects through its iseq tunnel" \
	wait_for 10 "r2 reflected >= 3" ka_stat_ge r2 gre6 reflected 3
check "r1 gets replies" wait_for 10 "rx >= 3" ka_stat_ge r1 gre6 rx 3
check_eq "r1 up" up "$(ka_get r1 gre6 state)"
rx_errors=$(ip -n r2 -s -s link show gre6 | awk '/RX errors:/ {getline; print $1}')
check_eq "r2's ip6gre dropped nothing (seq, csum)" 0 "${rx_errors:-x}"

# The tunnel device in another netns than its underlay: keepalives are
# still routed, and replies found, in the underlay's netns.
check "netns r1b" ns_create r1b
check "move r1's gre6 to r1b" ip -n r1 link set gre6 netns r1b
check "address and up in r1b" sh -c "ip -n r1b addr add $R1_IN6/30 dev gre6 &&
	ip -n r1b link set gre6 up"
check_eq "settings survived the move" 1 "$(ka_get r1b gre6 enabled)"
rx=$(ka_stat r1b gre6 rx)
check "replies keep arriving in r1b" wait_for 10 "rx grows" ka_stat_ge r1b gre6 rx $((rx + 3))
check_eq "up in r1b" up "$(ka_get r1b gre6 state)"
check "data flows from r1b" wait_for 5 "ping" ping_ok r1b "$R2_IN6"
check "unload" unload_module
ns_delete r1b
ns_delete r1
ns_delete r2
unset GRE6_OPTS_R1 GRE6_OPTS_R2

# A tunnel without a local address: the inner destination is the source
# the underlay picks, and the reply still finds the tunnel. (ip6gre itself
# sends no data through such a tunnel: ip6_tnl_xmit_ctl() wants a unicast
# local address. Keepalives, which we encapsulate ourselves, do go out.)
export TOPO6_LOCAL1=::
check "r1 tunnel without local address" topo6_two_routers
check "static neighbours" static_neigh6
check "module loads" load_module
check "enable keepalive" ka_enable r1 gre6 $PERIOD $RETRIES
check "replies arrive (r2's module reflects)" \
	wait_for 10 "rx >= 3" ka_stat_ge r1 gre6 rx 3
check_eq "up" up "$(ka_get r1 gre6 state)"
check "r2 counted the reflections" ka_stat_ge r2 gre6 reflected 3
unset TOPO6_LOCAL1

# What cannot run says why; what is not an ip6gre device is left alone.
check "ip6gre without remote (multipoint)" ip -n r2 link add g6nr type ip6gre local "$R2_UL6"
check "enabling a multipoint ip6gre works" ka_set r2 g6nr enabled 1
check_eq "its own line up, no peers yet" "up 0" "$(ka_get r2 g6nr state) $(ka_get r2 g6nr peers)"
check "off again" ka_set r2 g6nr enabled 0
check "ip6gre external" ip -n r2 link add g6md type ip6gre external
check_fail "enable refused on external" ka_set r2 g6md enabled 1
check "ip6gretap" ip -n r2 link add g6tap type ip6gretap local "$R2_UL6" remote "$R1_UL6"
check "no keepalive directory on ip6gretap" \
	sh -c '! ip netns exec r2 test -e /sys/class/net/g6tap/keepalive'
test_done
