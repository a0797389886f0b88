#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# debug: kmemleak (keepalives, replies and line changes: where a leak shows)
# timeout: 240
# core: yes
#
# Core keepalive against a stock Linux peer (forwarding/accept_local/
# rp_filter sysctls, module reflection off): up in steady state, down
# within the Cisco window after a path cut, up again after repair, and
# keepalives keep going out while down.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ka.sh"

PERIOD=200
RETRIES=3

# Every queued keepalive timer has the slack gre_ka_tx.c gives it, a
# sixteenth of its interval (the period here): "expires at SOFT-HARD" in
# /proc/timer_list. Fails if none is queued (it may be running: retried).
timer_slack_is() {
	awk -v want="$1" '
		/gre_ka_timer_fn/ { ours = 1; next }
		ours && /expires at/ {
			split($4, e, "-"); n++
			if (e[2] - e[1] != want) { print "slack " e[2] - e[1]; bad = 1 }
		}
		{ ours = 0 }
		END { exit !(n && !bad) }' /proc/timer_list
}

check "two routers with a GRE tunnel" topo_two_routers
check "static neighbours" static_neigh
check "module loads" load_module
check "keepalive directory exists" ns_exec r1 test -d /sys/class/net/gre1/keepalive/statistics
check_eq "disabled by default" disabled "$(ka_get r1 gre1 state)"
check_eq "default period is 10 s" 10000 "$(ka_get r1 gre1 period_ms)"
check_eq "default retries is 3" 3 "$(ka_get r1 gre1 retries)"
check "peer does not reflect with the module" ka_set r2 gre1 reflect 0
check "enable keepalive" ka_enable r1 gre1 $PERIOD $RETRIES
check_eq "state up after enable" up "$(ka_get r1 gre1 state)"
check "the keepalive timer has a sixteenth of the period as slack" \
	wait_for 5 "gre_ka_timer_fn with slack $((PERIOD * 1000000 / 16)) ns" \
	timer_slack_is $((PERIOD * 1000000 / 16))

check "replies arrive from the stock peer" \
	wait_for 10 "statistics/rx >= 3" ka_stat_ge r1 gre1 rx 3
check_eq "still up in steady state" up "$(ka_get r1 gre1 state)"
check "carrier on in steady state" has_carrier r1 gre1
# A reply resets the counter the send raised; "at some moment" rather than
# "now", since one reply may be late on an emulated CPU that shares a host.
check "counter reset by replies while answered" \
	wait_for 5 "counter <= 1" ka_counter_le r1 gre1 1
check_eq "no reply rejected" 0 "$(ka_stat r1 gre1 rx_invalid)"
check "the reply carried an RTT" test "$(ka_stat r1 gre1 rtt_max_us)" -gt 0
check_eq "peer module did not reflect" 0 "$(ka_stat r2 gre1 reflected)"
check "data still flows over the tunnel" ping_ok r1 "$R2_IN"

ka_timed_cut r1 gre1 $PERIOD $RETRIES
check "carrier off" has_no_carrier r1 gre1
check "ip link shows NO-CARRIER" no_carrier_shown r1 gre1
check_eq "one down transition" 1 "$(ka_stat r1 gre1 down_transitions)"
check "counter passed retries" test "$(ka_get r1 gre1 counter)" -gt $RETRIES
tx=$(ka_stat r1 gre1 tx)
check "keepalives keep going out while down" \
	wait_for 5 "tx grows" ka_stat_ge r1 gre1 tx $((tx + 3))
check_eq "still down" down "$(ka_get r1 gre1 state)"

ka_timed_repair r1 gre1 $PERIOD
check "carrier on" has_carrier r1 gre1
check "no NO-CARRIER in ip link" sh -c '! ip -n r1 link show dev gre1 | grep -q NO-CARRIER'
check_eq "one up transition" 1 "$(ka_stat r1 gre1 up_transitions)"
check "counter reset by the replies" wait_for 5 "counter <= 1" ka_counter_le r1 gre1 1
check "data flows again" wait_for 5 "ping" ping_ok r1 "$R2_IN"
check "kernel logged the down transition" \
	sh -c 'dmesg | grep -q "gre1: keepalive: line protocol changed state to down"'
check "kernel logged the up transition" \
	sh -c 'dmesg | grep -q "gre1: keepalive: line protocol changed state to up"'

check "disable" ka_set r1 gre1 enabled 0
check_eq "state disabled" disabled "$(ka_get r1 gre1 state)"
check "carrier on when disabled" has_carrier r1 gre1
tx=$(ka_stat r1 gre1 tx)
sleep 1	# give a wrongly running timer the chance to send
check_eq "no keepalives while disabled" "$tx" "$(ka_stat r1 gre1 tx)"
test_done
