#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# kernels: 6.1 6.12 (the debug kernel runs a subset: README, "Tests on the debug kernel")
# timeout: 150
#
# Tracepoints gre_ka:* (for perf, trace-cmd, bpftrace): each keepalive sent,
# each reply with its verdict and RTT, each reflection and each line
# protocol change shows up in the trace buffer with the device's name.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ka.sh"

PERIOD=100
T=$KA_TRACEFS

# trace_has REGEX: the trace buffer has a matching line
trace_has() {
	grep -qE "$1" $T/trace
}

TOPO_STOCK_REFLECTOR=0 check "two routers" topo_two_routers
check "static neighbours" static_neigh
check "module loads" load_module
check "tracefs mounted" ka_tracefs
for e in gre_ka_send gre_ka_reply gre_ka_reflect gre_ka_state_change; do
	check "event gre_ka:$e exists" test -d "$T/events/gre_ka/$e"
done
check "clear the buffer" sh -c "echo > $T/trace"
check "enable gre_ka events" sh -c "echo 1 > $T/events/gre_ka/enable"
check "enable keepalive on r1" ka_enable r1 gre1 $PERIOD 3
check "enable keepalive on r2" ka_enable r2 gre1 $PERIOD 3
check "replies counted" wait_for 10 "rx >= 3" ka_stat_ge r1 gre1 rx 3
check "send events" trace_has 'gre_ka_send: dev=gre1 ifindex=[0-9]+ seq=[0-9]+ counter=[0-9]+ line=up'
check "every event names its peer (the remote)" trace_has 'gre_ka_send: dev=gre1 .* peer=198\.51\.100\.2$'
check "reply events with verdict ok and an RTT" \
	trace_has 'gre_ka_reply: dev=gre1 ifindex=[0-9]+ verdict=ok accepted=1 seq=[0-9]+ rtt_ns=[0-9]+'
check "reflect events" trace_has 'gre_ka_reflect: dev=gre1 ifindex=[0-9]+ family=inet len=[0-9]+ err=0'
check "cut the path" path_cut
check "line goes down" wait_for 10 "down" ka_state_is r1 gre1 down
check "state_change event for down" \
	trace_has 'gre_ka_state_change: dev=gre1 ifindex=[0-9]+ line=down counter=[0-9]+ up_needed=1'
check "send events say the line is down" trace_has 'gre_ka_send: dev=gre1 .* line=down'
check "repair the path" path_repair
check "line comes back" wait_for 10 "up" ka_state_is r1 gre1 up
check "state_change event for up" trace_has 'gre_ka_state_change: dev=gre1 ifindex=[0-9]+ line=up'
n=$(grep -c 'gre_ka_state_change: dev=gre1' $T/trace)
downs=$(( $(ka_stat r1 gre1 down_transitions) + $(ka_stat r2 gre1 down_transitions) ))
ups=$(( $(ka_stat r1 gre1 up_transitions) + $(ka_stat r2 gre1 up_transitions) ))
check_eq "one state_change event per transition" $((downs + ups)) "$n"
check "forge two replies with our magic and a wrong MAC" ns_exec r2 \
	/usr/bin/python3 "$(dirname "$0")/gre_reply.py" forge --src "$R2_UL" \
	--dst "$R1_UL" --count 2 --magic
check "rejected replies traced with their verdict" \
	wait_for 5 "bad_mac in trace" trace_has 'gre_ka_reply: dev=gre1 ifindex=[0-9]+ verdict=bad_mac accepted=0'
check "disable events" sh -c "echo 0 > $T/events/gre_ka/enable"
test_done
