#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# kernels: 6.1 6.12 (the debug kernel runs a subset: README, "Tests on the debug kernel")
# timeout: 180
# core: yes
#
# What the keepalive is for: a floating static route. r1 reaches r2's LAN
# address over the tunnel (metric 10) with a backup over a second link
# (metric 100). With ignore_routes_with_linkdown=1, taking the tunnel's
# carrier down moves the traffic to the backup while the tunnel path is
# cut, and back once it is repaired. Keepalive runs on both ends and the
# peers answer each other with the module's reflector.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ka.sh"

PERIOD=200
R1_LAN=192.0.2.1
R2_LAN=192.0.2.2

setup_backup() {
	veth_pair r1 eth1 203.0.113.1/24 r2 eth1 203.0.113.2/24 &&
		ip -n r1 addr add $R1_LAN/32 dev lo &&
		ip -n r2 addr add $R2_LAN/32 dev lo &&
		ns_exec r1 sysctl -qw net.ipv4.conf.gre1.ignore_routes_with_linkdown=1 &&
		ns_exec r2 sysctl -qw net.ipv4.conf.gre1.ignore_routes_with_linkdown=1 &&
		ip -n r1 route add $R2_LAN/32 via "$R2_IN" dev gre1 metric 10 &&
		ip -n r1 route add $R2_LAN/32 via 203.0.113.2 dev eth1 metric 100 &&
		ip -n r2 route add $R1_LAN/32 via "$R1_IN" dev gre1 metric 10 &&
		ip -n r2 route add $R1_LAN/32 via 203.0.113.1 dev eth1 metric 100
}

# route_dev NS DST: the device the kernel would send to DST from.
route_dev() {
	ip -n "$1" route get "$2" from "$3" | sed -n 's/.* dev \([^ ]*\).*/\1/p' | head -n1
}
route_via() {
	[ "$(route_dev "$1" "$2" "$3")" = "$4" ]
}

TOPO_STOCK_REFLECTOR=0 check "two routers with a GRE tunnel" topo_two_routers
check "backup link and floating static routes" setup_backup
check "module loads" load_module
check "keepalive on r1" ka_enable r1 gre1 $PERIOD 3
check "keepalive on r2" ka_enable r2 gre1 $PERIOD 3
both_answered() {
	ka_stat_ge r1 gre1 rx 2 && ka_stat_ge r2 gre1 rx 2
}
check "both ends answered" wait_for 10 "rx on both" both_answered
check "r2 reflected r1's keepalives" ka_stat_ge r2 gre1 reflected 1
check "primary path is the tunnel" route_via r1 $R2_LAN $R1_LAN gre1
check "LAN to LAN ping over the tunnel" \
	ns_exec r1 ping -q -c2 -W1 -I $R1_LAN $R2_LAN

# A ping runs through the whole outage; -O reports each unanswered one.
PING_LOG=$GRE_KA_OUT/t-11-ping.log
ns_exec r1 ping -O -i 0.1 -W1 -I $R1_LAN $R2_LAN >"$PING_LOG" 2>&1 &
bg_register $!

check "cut the tunnel's path" path_cut
check "r1 line protocol down" wait_for 10 "r1 down" ka_state_is r1 gre1 down
check "r2 line protocol down" wait_for 10 "r2 down" ka_state_is r2 gre1 down
check "route fails over to the backup link" route_via r1 $R2_LAN $R1_LAN eth1
rx_backup=$(sys_read r2 class/net/eth1/statistics/rx_packets)
check "ping works during the outage" ns_exec r1 ping -q -c3 -W1 -I $R1_LAN $R2_LAN
check "the backup link carried it" test \
	"$(sys_read r2 class/net/eth1/statistics/rx_packets)" -ge $((rx_backup + 3))

check "repair the path" path_repair
check "r1 line protocol up" wait_for 10 "r1 up" ka_state_is r1 gre1 up
check "r2 line protocol up" wait_for 10 "r2 up" ka_state_is r2 gre1 up
check "route fails back to the tunnel" route_via r1 $R2_LAN $R1_LAN gre1
rx_gre=$(sys_read r2 class/net/gre1/statistics/rx_packets)
check "ping works after repair" ns_exec r1 ping -q -c3 -W1 -I $R1_LAN $R2_LAN
check "the tunnel carried it" test \
	"$(sys_read r2 class/net/gre1/statistics/rx_packets)" -ge $((rx_gre + 3))

pkill -f "ping -O -i 0.1 -W1 -I $R1_LAN"
answered=$(grep -c "bytes from" "$PING_LOG")
lost=$(grep -c "no answer yet" "$PING_LOG")
diag "continuous ping through the outage: $answered answered, $lost unanswered (100 ms apart)"
check "the continuous ping was answered before, during and after" test "$answered" -ge 10
test_done
