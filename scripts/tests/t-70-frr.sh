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

# KA_PERIOD, KA_RETRIES and FIB_LATE_MS: frr.sh.
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

one_full() {
	[ "$(vty r1 'show ip ospf neighbor' | grep -c ' Full/')" = 1 ]
}

routing_keepalive_checks
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
