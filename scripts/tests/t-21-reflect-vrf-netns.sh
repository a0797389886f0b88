#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# kernels: 6.1 6.12 (the debug kernel runs a subset: README, "Tests on the debug kernel")
# timeout: 240
#
# Reflection where Cisco documents keepalives failing: r2's tunnel device
# enslaved to a VRF whose table cannot reach r1, and r2's tunnel device in
# another netns than its underlay. r2 is on default sysctls throughout; r1
# keeps keepalive on and must stay up.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ka.sh"

PERIOD=200

rx_grows() {
	local rx
	rx=$(ka_stat r1 gre1 rx)
	wait_for 10 "r1 rx grows by 3" ka_stat_ge r1 gre1 rx $((rx + 3))
}

TOPO_STOCK_REFLECTOR=0 check "two routers" topo_two_routers
check "r2 rp_filter strict" ns_exec r2 sysctl -qw net.ipv4.conf.all.rp_filter=1
check "module loads" load_module
check "r1 keepalive on" ka_enable r1 gre1 $PERIOD 3
check "r1 up" wait_for 10 "rx" ka_stat_ge r1 gre1 rx 2

check "VRF blue (table 10) on r2" sh -c \
	'ip -n r2 link add blue type vrf table 10 && ip -n r2 link set blue up &&
	 ip -n r2 route add unreachable default metric 4278198272 table 10'
check "r2 gre1 enslaved to blue" ip -n r2 link set gre1 master blue
check_fail "table 10 has no route to r1's underlay" \
	ip -n r2 route get vrf blue $R1_UL
check "r1 stays answered through the VRF" rx_grows
check_eq "r1 up" up "$(ka_get r1 gre1 state)"
check "r2 counted the reflections" ka_stat_ge r2 gre1 reflected 3
check "r2 gre1 out of the VRF" ip -n r2 link set gre1 nomaster

check "netns r2in" ns_create r2in
check "r2 gre1 moved to r2in (underlay stays in r2)" ip -n r2 link set gre1 netns r2in
check "r2in gre1 up" ip -n r2in link set gre1 up
check_eq "reflect setting survived the move" 1 "$(ka_get r2in gre1 reflect)"
check "r1 answered across netns" rx_grows
check "r2in gre1 counted the reflections" ka_stat_ge r2in gre1 reflected 3
check "delete netns r2in with the tunnel in it" \
	ns_delete r2in
check "r1 goes down" wait_for 10 "down" ka_state_is r1 gre1 down
test_done
