# SPDX-License-Identifier: GPL-2.0
# Keepalive helpers for guest tests; source after lib.sh.

# ka_get NS DEV FILE: print keepalive/FILE (statistics/X allowed).
ka_get() {
	ip netns exec "$1" cat "/sys/class/net/$2/keepalive/$3"
}

# ka_set NS DEV FILE VALUE: write it; fails like the write did.
ka_set() {
	ip netns exec "$1" bash -c 'echo "$1" > "/sys/class/net/$2/keepalive/$3"' \
		bash "$4" "$2" "$3"
}

# ka_stat NS DEV NAME
ka_stat() {
	ka_get "$1" "$2" "statistics/$3"
}

# ka_state_is NS DEV STATE
ka_state_is() {
	[ "$(ka_get "$1" "$2" state 2>/dev/null)" = "$3" ]
}

# ka_stat_ge NS DEV NAME MIN
ka_stat_ge() {
	local v
	v=$(ka_stat "$1" "$2" "$3" 2>/dev/null) || return 1
	[ "$v" -ge "$4" ]
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

# now_ms: monotonic-enough wall clock in ms for measuring windows
now_ms() {
	local s
	s=$(cat /proc/uptime)
	s=${s%% *}
	echo $(( ${s%.*} * 1000 + 10#${s#*.} * 10 ))
}
