#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# kernels: 6.1 6.12 (the debug kernel runs a subset: README, "Tests on the debug kernel")
# timeout: 120
#
# The sysfs ABI: every file of the DESIGN table exists with its mode;
# bad writes fail with the right errno, log one line and change nothing;
# unsupported tunnels (collect_md, iseq) refuse enabling; one without a
# remote is multipoint and enables.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ka.sh"


# write_err NS DEV FILE VALUE: the error text of a write (bash says
# "...: write error: <strerror>"), or "ok".
write_err() {
	local e
	if e=$({ ka_set "$@"; } 2>&1); then
		echo ok
	else
		echo "${e##*: }"
	fi
}

# bad_write FILE VALUE ERRTEXT: fails with ERRTEXT, one log line, no change.
bad_write() {
	local file=$1 val=$2 err=$3 before after lines0 lines1
	before=$(ka_get r1 gre1 "$file")
	lines0=$(dmesg | grep -c "gre1: keepalive: $file:")
	check_eq "$file=$val fails: $err" "$err" "$(write_err r1 gre1 "$file" "$val")"
	after=$(ka_get r1 gre1 "$file")
	check_eq "$file=$val changes nothing" "$before" "$after"
	lines1=$(dmesg | grep -c "gre1: keepalive: $file:")
	check_eq "$file=$val logs one line" $((lines0 + 1)) "$lines1"
}

check "two routers" topo_two_routers
check "module loads" load_module
# r1's own sysfs (ka.sh), read without a mount namespace per file:
# ip netns exec costs one, which under the debug kernel is most of a run.
check "r1's sysfs" ka_sys r1
KA=$_KA_SYS_ROOT/r1/class/net/gre1/keepalive

for f in enabled period_ms retries up_count reflect auth passive; do
	check_eq "$f is rw" "-rw-r--r--" "$(stat -c %A $KA/$f)"
done
for f in state counter up_needed last_change_ms peer_period_ms peers peers_down; do
	check_eq "$f is ro" "-r--r--r--" "$(stat -c %A $KA/$f)"
done
check_eq "a point-to-point tunnel: one peer, not down" "1 0" \
	"$(ka_get r1 gre1 peers) $(ka_get r1 gre1 peers_down)"
for f in tx rx rx_invalid reflected reflect_dropped down_transitions \
	up_transitions rtt_last_us rtt_min_us rtt_avg_us rtt_max_us rx_requests; do
	check_eq "statistics/$f is ro" "-r--r--r--" \
		"$(stat -c %A $KA/statistics/$f)"
done
# Why a keepalive was not answered or a reply not accepted: one counter
# per reason (the names of enum gre_ka_reason).
REASONS="reply_short reply_foreign reply_bad_mac reply_stale reply_future
	reply_replay request_malformed request_fragment request_options
	request_bad_gre request_address request_too_big request_ttl
	request_rate_limit request_no_route request_loop request_nomem
	request_replay request_huawei_probe request_reflect_off reply_not_peer
	request_not_peer request_peer_limit"
for f in $REASONS; do
	check_eq "refused/$f is ro and 0" "-r--r--r-- 0" \
		"$(stat -c %A $KA/refused/$f) $(ka_get r1 gre1 refused/$f)"
done
check_eq "no other file in refused/" "$(echo $REASONS | tr ' ' '\n' | sort | paste -sd' ')" \
	"$(ls $KA/refused | sort | paste -sd' ')"
check_eq "defaults" "0 10000 3 1 1 1 0 disabled 0 0" \
	"$(for f in enabled period_ms retries up_count reflect auth passive state counter peer_period_ms; do ka_get r1 gre1 $f; done | paste -sd' ')"

bad_write period_ms 9 "Numerical result out of range"
bad_write period_ms 32767001 "Numerical result out of range"
bad_write period_ms abc "Invalid argument"
bad_write period_ms -1 "Invalid argument"
bad_write retries 0 "Numerical result out of range"
bad_write retries 256 "Numerical result out of range"
bad_write up_count 0 "Numerical result out of range"
bad_write up_count 256 "Numerical result out of range"
bad_write enabled 2 "Numerical result out of range"
bad_write reflect 2 "Numerical result out of range"
bad_write auth yes "Invalid argument"
bad_write passive 2 "Numerical result out of range"

check "period_ms=10 accepted" ka_set r1 gre1 period_ms 10
check "period_ms=32767000 accepted" ka_set r1 gre1 period_ms 32767000
check "retries=255 accepted" ka_set r1 gre1 retries 255
check "up_count=255 accepted" ka_set r1 gre1 up_count 255
check_eq "values read back" "32767000 255 255" \
	"$(ka_get r1 gre1 period_ms) $(ka_get r1 gre1 retries) $(ka_get r1 gre1 up_count)"
check_fail "state is read-only" ka_set r1 gre1 state up
check_fail "counter is read-only" ka_set r1 gre1 counter 0
check_fail "statistics are read-only" ka_set r1 gre1 statistics/tx 0
check_fail "refused/ is read-only" ka_set r1 gre1 refused/request_ttl 0

# A tunnel without a remote is multipoint (mGRE): supported, per peer.
check "tunnel without a remote" ip -n r1 link add gre7 type gre local "$R1_UL"
check "gre7: enabling works" ka_set r1 gre7 enabled 1
check_eq "gre7: its own line up, no peers yet" "up 0 0" \
	"$(ka_get r1 gre7 state) $(ka_get r1 gre7 peers) $(ka_get r1 gre7 peers_down)"
check "gre7: off again" ka_set r1 gre7 enabled 0

# Unsupported tunnels.
check "collect_md tunnel" ip -n r1 link add gre8 type gre external
check "tunnel with iseq" ip -n r1 link add gre9 type gre local "$R1_UL" remote 198.51.100.9 iseq
check "multipoint tunnel with iseq" ip -n r1 link add gre6 type gre local "$R1_UL" key 6 iseq
for t in gre6 gre8 gre9; do
	check_eq "$t: enabling fails" "Operation not supported" \
		"$(write_err r1 $t enabled 1)"
	check_eq "$t: stays disabled" disabled "$(ka_get r1 $t state)"
	check_eq "$t: passive fails too" "Operation not supported" \
		"$(write_err r1 $t passive 1)"
done
check "reason logged: iseq on a multipoint tunnel" sh -c 'dmesg | grep -q "gre6: keepalive: cannot enable: input sequencing"'
check "reason logged: collect_md" sh -c 'dmesg | grep -q "gre8: keepalive: cannot enable: collect_md"'
check "reason logged: iseq" sh -c 'dmesg | grep -q "gre9: keepalive: cannot enable: input sequencing"'
check "gretap devices are not attached" sh -c \
	'ip -n r1 link add gt1 type gretap local 198.51.100.1 remote 198.51.100.2 && ! ip netns exec r1 test -e /sys/class/net/gt1/keepalive'
test_done
