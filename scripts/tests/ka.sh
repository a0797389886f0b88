# SPDX-License-Identifier: GPL-2.0
# Keepalive helpers for guest tests; source after lib.sh.

# Reading sysfs through `ip netns exec` costs a mount namespace and a
# sysfs mount per read, which on the debug kernel under emulation is most
# of a test's run time. Instead each netns gets one sysfs mounted (from
# inside it, so it shows that netns's devices) under /run/gre_ka-sys/NS,
# and files are read and written with shell builtins. Such a mount pins its
# netns: delete namespaces with ns_delete, which unmounts first.
_KA_SYS_ROOT=/run/gre_ka-sys

# ka_sys NS: make sure $_KA_SYS_ROOT/NS is NS's sysfs. (Whether it is
# mounted is read off the directory, not kept in a variable, because most
# callers run in command substitutions, i.e. subshells.)
ka_sys() {
	[ -d "$_KA_SYS_ROOT/$1/class" ] && return 0
	mkdir -p "$_KA_SYS_ROOT/$1" &&
		nsenter --net="/run/netns/$1" mount -t sysfs sysfs "$_KA_SYS_ROOT/$1"
}

# The trace buffer, for tests that read the gre_ka:* tracepoints.
KA_TRACEFS=/sys/kernel/tracing

# ka_tracefs: make sure tracefs is mounted at $KA_TRACEFS.
ka_tracefs() {
	[ -d $KA_TRACEFS/events ] || mount -t tracefs nodev $KA_TRACEFS
}

# ns_delete NS: unmount its sysfs, then delete it.
ns_delete() {
	if [ -d "$_KA_SYS_ROOT/$1/class" ]; then
		umount "$_KA_SYS_ROOT/$1" || return 1
	fi
	ip netns del "$1"
}

_ka_cleanup() {
	local d
	for d in "$_KA_SYS_ROOT"/*; do
		[ -d "$d/class" ] && umount "$d" 2>/dev/null
	done
	cleanup
}
trap _ka_cleanup EXIT

# sys_read NS PATH (relative to /sys): print the file, fail like the read.
sys_read() {
	local v
	ka_sys "$1" || return 1
	read -r v <"$_KA_SYS_ROOT/$1/$2" || return 1
	echo "$v"
}

# ka_get NS DEV FILE: print keepalive/FILE (statistics/X allowed).
ka_get() {
	sys_read "$1" "class/net/$2/keepalive/$3"
}

# ka_set NS DEV FILE VALUE: write it; fails like the write did, and bash
# says why ("...: write error: Numerical result out of range").
ka_set() {
	ka_sys "$1" || return 1
	echo "$4" >"$_KA_SYS_ROOT/$1/class/net/$2/keepalive/$3"
}

# ka_stat NS DEV NAME
ka_stat() {
	ka_get "$1" "$2" "statistics/$3"
}

# ka_state_is NS DEV STATE
ka_state_is() {
	local v
	ka_sys "$1" || return 1
	read -r v <"$_KA_SYS_ROOT/$1/class/net/$2/keepalive/state" 2>/dev/null &&
		[ "$v" = "$3" ]
}

# ka_counter_le NS DEV MAX: the unanswered-keepalive counter is at most MAX.
ka_counter_le() {
	local v
	v=$(ka_get "$1" "$2" counter) && [ "$v" -le "$3" ]
}

# ka_stat_ge NS DEV NAME MIN
ka_stat_ge() {
	local v
	ka_sys "$1" || return 1
	read -r v <"$_KA_SYS_ROOT/$1/class/net/$2/keepalive/statistics/$3" 2>/dev/null &&
		[ "$v" -ge "$4" ]
}

# has_carrier NS DEV / has_no_carrier NS DEV, as in lib.sh but forkless.
has_carrier() {
	local v
	ka_sys "$1" || return 1
	read -r v <"$_KA_SYS_ROOT/$1/class/net/$2/carrier" 2>/dev/null && [ "$v" = 1 ]
}
has_no_carrier() {
	local v
	ka_sys "$1" || return 1
	read -r v <"$_KA_SYS_ROOT/$1/class/net/$2/carrier" 2>/dev/null && [ "$v" = 0 ]
}

# no_carrier_shown NS DEV: `ip link` shows NO-CARRIER
no_carrier_shown() {
	ip -n "$1" link show dev "$2" | grep -q NO-CARRIER
}

# ka_enable NS DEV PERIOD_MS RETRIES
ka_enable() {
	ka_set "$1" "$2" period_ms "$3" &&
		ka_set "$1" "$2" retries "$4" &&
		ka_set "$1" "$2" enabled 1
}

# Cut and repair the underlay between r1 and r2, both directions, with
# netem loss on each end of the veth pair.
path_cut() {
	ip netns exec r1 tc qdisc replace dev "${1:-eth0}" root netem loss 100% &&
		ip netns exec r2 tc qdisc replace dev "${2:-eth0}" root netem loss 100%
}

path_repair() {
	ip netns exec r1 tc qdisc del dev "${1:-eth0}" root &&
		ip netns exec r2 tc qdisc del dev "${2:-eth0}" root
}

# now_ms: the clock the windows are measured on (CLOCK_BOOTTIME, which is
# CLOCK_MONOTONIC in a guest that never suspends), in ms; it ticks in 10 ms.
now_ms() {
	local s
	read -r s _ </proc/uptime
	echo $(( ${s%.*} * 1000 + 10#${s#*.} * 10 ))
}

# ka_changed_at NS DEV: when DEV's last transition happened, on now_ms's
# clock, as "EARLIEST LATEST". last_change_ms is an age, so the moment is
# bracketed by a clock reading on each side of the read (plus the clock's
# 10 ms tick and the age's 1 ms truncation), rather than biased by
# whichever of the two reads came second.
ka_changed_at() {
	local t0 age t1
	t0=$(now_ms) && age=$(ka_get "$1" "$2" last_change_ms) &&
		t1=$(now_ms) || return 1
	echo "$((t0 - age - 1)) $((t1 + 10 - age))"
}

# How late beyond its window a transition may come in these checks. The
# guest's CPU is emulated and shares the host: make bench measured
# detections on target at the median but up to ~600 ms beyond the window at
# its maximum (Documentation/bench.rst). These checks prove the window with
# that margin; the precise figures are the benchmark's, the exact counting
# is KUnit's (gre_ka_fsm_tick).
KA_LATE_MS=${KA_LATE_MS:-600}

# ka_timed_cut NS DEV PERIOD_MS RETRIES: cut NS's underlay (netem loss on
# its eth0) and check that DEV's line protocol went down in Cisco's window,
# timed by the module's own stamp rather than by when we polled. Down comes
# at the send after RETRIES unanswered keepalives: no earlier than
# (RETRIES - 1) x PERIOD after the cut (one may have been in flight), no
# later than (RETRIES + 1) x PERIOD after it took effect. Cutting one side
# is one command, and `tc -n` spares the mount namespace and sysfs remount
# of `ip netns exec`, so the moment of the cut is known closely.
ka_timed_cut() {
	local ns=$1 dev=$2 p=$3 r=$4 t_lo t_hi at
	# Otherwise the first netem qdisc loads the module inside the timed
	# cut: seconds on the debug kernel.
	modprobe -q sch_netem 2>/dev/null
	t_lo=$(now_ms)
	check "cut the path" tc -n "$ns" qdisc replace dev eth0 root netem loss 100%
	t_hi=$(now_ms)
	check "line protocol goes down" \
		wait_for 10 "state down" ka_state_is "$ns" "$dev" down
	read -r -a at < <(ka_changed_at "$ns" "$dev")
	diag "cut took $((t_hi - t_lo)) ms; down $((at[0] - t_hi))..$((at[1] - t_lo)) ms after it (window $((r * p))..$(((r + 1) * p)) ms)"
	check "not down before (retries - 1) x period" \
		test $((at[1] - t_lo)) -ge $(((r - 1) * p))
	check "down within (retries + 1) x period" \
		test $((at[0] - t_hi)) -le $(((r + 1) * p + KA_LATE_MS))
}

# ka_timed_repair NS DEV PERIOD_MS: undo ka_timed_cut and check that the
# line protocol came back up within two periods: the next keepalive sent
# after the repair is answered (up_count 1).
ka_timed_repair() {
	local ns=$1 dev=$2 p=$3 t_lo t_hi at
	t_lo=$(now_ms)
	check "repair the path" tc -n "$ns" qdisc del dev eth0 root
	t_hi=$(now_ms)
	check "line protocol comes back up" \
		wait_for 10 "state up" ka_state_is "$ns" "$dev" up
	read -r -a at < <(ka_changed_at "$ns" "$dev")
	diag "repair took $((t_hi - t_lo)) ms; up $((at[0] - t_hi))..$((at[1] - t_lo)) ms after it"
	check "up within two periods of the repair" \
		test $((at[0] - t_hi)) -le $((2 * p + KA_LATE_MS))
}

# static_neigh: pin r1's and r2's underlay neighbour entries, so that
# cutting the path does not also fail ARP (whose recovery after a repair
# takes seconds and releases queued keepalives in a burst).
static_neigh() {
	local m1 m2
	m1=$(ip netns exec r1 cat /sys/class/net/eth0/address) &&
		m2=$(ip netns exec r2 cat /sys/class/net/eth0/address) &&
		ip -n r1 neigh replace "$R2_UL" lladdr "$m2" dev eth0 nud permanent &&
		ip -n r2 neigh replace "$R1_UL" lladdr "$m1" dev eth0 nud permanent
}

# kmemleak_check: on a kernel with kmemleak (the debug kernel), wait until
# what the test freed is old enough to be reported (5 s), scan twice (a
# leak is reported once two scans agree) and assert that nothing is. The
# report stays for the harness's own scan at the end of the VM. Kernels
# without kmemleak, or booted with kmemleak=off (make check's second debug
# VM, see scripts/check.sh): nothing to check.
kmemleak_check() {
	local f=/sys/kernel/debug/kmemleak n
	[ -w "$f" ] || return 0
	case " $(cat /proc/cmdline) " in
	*" kmemleak=off "*)
		diag "kmemleak is off on this boot: no leak check here"
		return 0
		;;
	esac
	sleep 5
	if ! { echo scan >"$f" && echo scan >"$f"; }; then
		_gk_result 1 "kmemleak scan" "cannot scan"
		return 1
	fi
	n=$(grep -c '^unreferenced object' "$f")
	check_eq "kmemleak: no unreferenced object" 0 "$n" ||
		diag "$(head -n 40 "$f")"
}
