#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 180
#
# Core keepalive against a stock Linux peer (forwarding/accept_local/
# rp_filter sysctls, module reflection off): up in steady state, down
# within the Cisco window after a path cut, up again after repair, and
# keepalives keep going out while down.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ka.sh"

PERIOD=200
RETRIES=3

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

check "replies arrive from the stock peer" \
	wait_for 10 "statistics/rx >= 3" ka_stat_ge r1 gre1 rx 3
check_eq "still up in steady state" up "$(ka_get r1 gre1 state)"
check "carrier on in steady state" has_carrier r1 gre1
check "counter stays low while answered" test "$(ka_get r1 gre1 counter)" -le 1
check_eq "no reply rejected" 0 "$(ka_stat r1 gre1 rx_invalid)"
check "the reply carried an RTT" test "$(ka_stat r1 gre1 rtt_max_us)" -gt 0
check_eq "peer module did not reflect" 0 "$(ka_stat r2 gre1 reflected)"
check "data still flows over the tunnel" ping_ok r1 "$R2_IN"

# Cut the path. Down must come at the send after `retries` unanswered
# keepalives: no earlier than (retries - 1) x period after the cut (one may
# have been in flight), no later than (retries + 1) x period. The moment of
# the transition is the kernel's (last_change_ms), not when we polled it;
# 300 ms of slack cover timer latency on an emulated CPU.
# Cutting only r1's side is one command, so the moment of the cut is known
# closely even on a slow debug kernel; with no keepalives reaching r2 there
# is nothing for it to answer.
t_lo=$(now_ms)
check "cut the path" ns_exec r1 tc qdisc replace dev eth0 root netem loss 100%
t_hi=$(now_ms)
check "line protocol goes down" \
	wait_for 10 "state down" ka_state_is r1 gre1 down
age=$(ka_get r1 gre1 last_change_ms)
t_down=$(( $(now_ms) - age ))
diag "down $((t_down - t_lo)) ms after the cut began, $((t_down - t_hi)) ms after it ended (window $((RETRIES * PERIOD))..$(((RETRIES + 1) * PERIOD)) ms)"
check "not down before (retries - 1) x period" test $((t_down - t_lo)) -ge $(((RETRIES - 1) * PERIOD - 20))
check "down within (retries + 1) x period" test $((t_down - t_hi)) -le $(((RETRIES + 1) * PERIOD + 300))
check "carrier off" has_no_carrier r1 gre1
check "ip link shows NO-CARRIER" no_carrier_shown r1 gre1
check_eq "one down transition" 1 "$(ka_stat r1 gre1 down_transitions)"
check "counter passed retries" test "$(ka_get r1 gre1 counter)" -gt $RETRIES
tx=$(ka_stat r1 gre1 tx)
check "keepalives keep going out while down" \
	wait_for 5 "tx grows" ka_stat_ge r1 gre1 tx $((tx + 3))
check_eq "still down" down "$(ka_get r1 gre1 state)"

t_lo=$(now_ms)
check "repair the path" ns_exec r1 tc qdisc del dev eth0 root
t_hi=$(now_ms)
check "line protocol comes back up" \
	wait_for 10 "state up" ka_state_is r1 gre1 up
age=$(ka_get r1 gre1 last_change_ms)
t_up=$(( $(now_ms) - age ))
diag "up $((t_up - t_lo)) ms after the repair began"
# The first reply after the repair brings it up.
check "up within two periods of the repair" \
	test $((t_up - t_hi)) -le $((2 * PERIOD + 300))
check "carrier on" has_carrier r1 gre1
check "no NO-CARRIER in ip link" sh -c '! ip -n r1 link show dev gre1 | grep -q NO-CARRIER'
check_eq "one up transition" 1 "$(ka_stat r1 gre1 up_transitions)"
check "counter reset by the reply" test "$(ka_get r1 gre1 counter)" -le 1
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
