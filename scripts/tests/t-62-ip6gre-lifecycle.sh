#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# kernels: 6.1 6.12 (the debug kernel runs a subset: README, "Tests on the debug kernel")
# timeout: 240
#
# ip6gre lifecycle: the keepalive follows `ip link set ... type ip6gre`
# changes of the remote address and keys (the parameter snapshot is
# refreshed), admin down/up resets the state, a reflecting peer whose
# tunnel sits in a VRF that cannot reach us still answers (reflections are
# routed in the underlay) and with its tunnel's fwmark, and rmmod while
# down gives the carrier back.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ka.sh"
. "$(dirname "$0")/ka6.sh"

PERIOD=200
RETRIES=3

# rx_grows NS: statistics/rx of gre6 grows by 3 within 10 s
rx_grows() {
	local rx
	rx=$(ka_stat "$1" gre6 rx)
	wait_for 10 "$1 gre6 rx grows" ka_stat_ge "$1" gre6 rx $((rx + 3))
}

check "two routers with an ip6gre tunnel" topo6_two_routers
check "static neighbours" static_neigh6
check "module loads" load_module
check "enable keepalive on r1" ka_enable r1 gre6 $PERIOD $RETRIES
check "answered by r2's module" rx_grows r1
check_eq "up" up "$(ka_get r1 gre6 state)"

check "remote changed to an address nobody has" \
	ip -n r1 link set gre6 type ip6gre remote 2001:db8:ff::99
check "line protocol goes down" wait_for 10 "down" ka_state_is r1 gre6 down
check "remote changed back" ip -n r1 link set gre6 type ip6gre remote "$R2_UL6"
check "line protocol comes back" wait_for 10 "up" ka_state_is r1 gre6 up

check "r1 now keyed, r2 not" ip -n r1 link set gre6 type ip6gre ikey 5 okey 5
check "r2 drops r1's keyed keepalives: down" wait_for 10 "down" ka_state_is r1 gre6 down
check "r2 keyed too" ip -n r2 link set gre6 type ip6gre ikey 5 okey 5
check "keyed keepalives answered: up" wait_for 10 "up" ka_state_is r1 gre6 up

check "cut the path" ns_exec r1 tc qdisc replace dev eth0 root netem loss 100%
check "down" wait_for 10 "down" ka_state_is r1 gre6 down
check "admin down" ip -n r1 link set gre6 down
check_eq "state up (reset) while admin down" up "$(ka_get r1 gre6 state)"
check_eq "counter reset" 0 "$(ka_get r1 gre6 counter)"
tx=$(ka_stat r1 gre6 tx)
sleep 1	# give a wrongly running timer the chance to send
check_eq "no keepalives while admin down" "$tx" "$(ka_stat r1 gre6 tx)"
check "repair the path" ns_exec r1 tc qdisc del dev eth0 root
check "admin up" ip -n r1 link set gre6 up
check "answered after admin up" rx_grows r1
check_eq "up" up "$(ka_get r1 gre6 state)"

check "VRF blue (table 10) on r2" sh -c \
	'ip -n r2 link add blue type vrf table 10 && ip -n r2 link set blue up &&
	 ip -n r2 -6 route add unreachable default metric 4278198272 table 10'
check "r2 gre6 enslaved to blue" ip -n r2 link set gre6 master blue
check_fail "table 10 has no route to r1's underlay" \
	ip -n r2 -6 route get vrf blue "$R1_UL6"
check "r1 stays answered through the VRF" rx_grows r1
check_eq "r1 up" up "$(ka_get r1 gre6 state)"

# fwmark: r2's main table cannot reach r1, table 7 (fwmark 7) can. The
# reflections follow the tunnel's fwmark.
check "r2: main table cannot reach r1, table 7 can" sh -c \
	"ip -n r2 -6 route add unreachable $R1_UL6/128 &&
	 ip -n r2 -6 route add $R1_UL6/128 dev eth0 table 7 &&
	 ip -n r2 -6 rule add fwmark 7 lookup 7"
check "r2 gre6 with fwmark 7" ip -n r2 link set gre6 type ip6gre fwmark 7
check "r1 answered via table 7" rx_grows r1
check_eq "r1 up" up "$(ka_get r1 gre6 state)"
dropped=$(ka_stat r2 gre6 reflect_dropped)
check "r2 gre6 without fwmark" ip -n r2 link set gre6 type ip6gre fwmark 0
check "r1 goes down: no route for the reflections" \
	wait_for 10 "down" ka_state_is r1 gre6 down
check "r2 counted the unroutable reflections" \
	ka_stat_ge r2 gre6 reflect_dropped $((dropped + 1))
check "fwmark 7 again" ip -n r2 link set gre6 type ip6gre fwmark 7
check "r1 comes back" wait_for 10 "up" ka_state_is r1 gre6 up

check "cut the path again" ns_exec r1 tc qdisc replace dev eth0 root netem loss 100%
check "down" wait_for 10 "down" ka_state_is r1 gre6 down
check "carrier off" has_no_carrier r1 gre6
check "rmmod while down" unload_module
check "rmmod gave the carrier back" has_carrier r1 gre6
test_done
