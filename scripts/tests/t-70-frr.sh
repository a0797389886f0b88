#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# kernels: 6.12
# timeout: 180
#
# The keepalive moves routes in a routing daemon: FRR (Debian's frr, zebra
# + ospfd per router namespace) runs OSPF over gre1 (cost 10) with a
# costlier backup link eth1 (cost 100); r2 has a prefix behind it
# (192.0.2.0/24 on a dummy device; topology in frr.sh). Keepalive on both
# ends (200 ms x 3). Cutting the tunnel's underlay (netem loss 100% on
# r1's eth0) takes the carrier down, zebra sees it, and ospfd moves the
# route to eth1 with no OSPF timer involved (dead interval 10 s); the
# repair brings it back. The FIB change is timed from outside the daemons,
# by `ip -ts monitor route` in r1's namespace, against clock readings
# around the cut. This is the OSPF recipe of Documentation/routing.rst.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ka.sh"
. "$(dirname "$0")/frr.sh"

KA_PERIOD=200
KA_RETRIES=3
# How late after its window the route may move. The carrier itself may
# come up to KA_LATE_MS (600 ms) late on this emulated, shared CPU (see
# ka.sh); after it, linkwatch, zebra and ospfd take a median of tens of
# ms here (make bench's frr section, Documentation/bench.rst) and a few
# hundred when the host stalls the guest. 1.5 s in all: still far below
# OSPF's dead interval (10 s), so a route moving within it was moved by
# the carrier.
FIB_LATE_MS=1500

ospf_conf() {
	# ospf_conf NS ROUTER_ID
	frr_conf "$1" ospfd <<EOF
hostname $1
log file $FRR_LOG/$1-ospfd.log
!
interface gre1
 ip ospf area 0
 ip ospf network point-to-point
 ip ospf cost 10
 ip ospf hello-interval 1
 ip ospf dead-interval 10
!
interface eth1
 ip ospf area 0
 ip ospf network point-to-point
 ip ospf cost 100
 ip ospf hello-interval 1
 ip ospf dead-interval 10
!
interface lan0
 ip ospf area 0
 ip ospf passive
!
router ospf
 ospf router-id $2
!
EOF
}

start_frr() {
	local ns
	for ns in r1 r2; do
		frr_conf "$ns" zebra <<EOF || return 1
hostname $ns
log file $FRR_LOG/$ns-zebra.log
EOF
		frr_start "$ns" zebra || return 1
	done
	ospf_conf r1 10.0.0.1 && ospf_conf r2 10.0.0.2 &&
		frr_start r1 ospfd && frr_start r2 ospfd
}

both_answered() {
	ka_stat_ge r1 gre1 rx 1 && ka_stat_ge r2 gre1 rx 1
}

one_full() {
	[ "$(vty r1 'show ip ospf neighbor' | grep -c ' Full/')" = 1 ]
}

check "two routers, a GRE tunnel, a backup link, a prefix behind r2" routing_topo
check "module loads" load_module
check "keepalive on r1" ka_enable r1 gre1 $KA_PERIOD $KA_RETRIES
check "keepalive on r2" ka_enable r2 gre1 $KA_PERIOD $KA_RETRIES
check "both ends answered" wait_for 10 "rx on both" both_answered
check "zebra and ospfd run in both namespaces" start_frr
check "OSPF adjacencies Full on both links" wait_for 60 "2 Full neighbours" ospf_full r1 2
check "the route to the prefix behind r2 is on gre1" \
	wait_for 30 "$ROUTE_PREFIX via gre1" route_on r1 $ROUTE_PREFIX gre1
check "ping over the tunnel" ns_exec r1 ping -q -c2 -W2 -I 192.0.2.129 192.0.2.1
timed_failover ospf "$FIB_LATE_MS" "the neighbour on gre1 is gone, eth1's stays Full" \
	wait_for 10 "1 Full neighbour" one_full
check "OSPF Full on both links again" wait_for 30 "2 Full neighbours" ospf_full r1 2
check "the FRR daemons are still running" frr_alive
frr_stop
test_done
