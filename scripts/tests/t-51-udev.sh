#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# kernels: 6.1 6.12 (the debug kernel runs a subset: README, "Tests on the debug kernel")
# timeout: 120
#
# examples/udev/80-gre-ka-sysfs.rules, run by a real systemd-udevd in the guest
# (the host's, with the host's rules; ours goes to /run/udev/rules.d, /run
# being a tmpfs in the guest). Tunnels are created in the initial netns,
# whose uevents udevd sees: gre1 gets its own settings, a batch of tunnels
# created at once the default ones (the keepalive/ directory exists by the
# time udevd handles the "add" event, and the module's "change" event
# follows), an ip6gre tunnel too, a tunnel that existed before the module
# was loaded is configured by the "change" event the module sends when it
# attaches, `udevadm trigger` applies the rules again, and a tunnel in
# another netns is, as documented, not seen.
. "$(dirname "$0")/lib.sh"

RULES=$GRE_KA_REPO/examples/udev/80-gre-ka-sysfs.rules
UDEVD=/lib/systemd/systemd-udevd
UL=ka-ul0
BATCH="gre2 gre3 gre4 gre5 gre6 gre7 gre8 gre9"
udevd_pid=

# ka_is DEV FILE VALUE: /sys/class/net/DEV/keepalive/FILE is VALUE.
ka_is() {
	local v
	read -r v <"/sys/class/net/$1/keepalive/$2" && [ "$v" = "$3" ]
}

# settings DEV PERIOD: what the rule should have written.
settings() {
	ka_is "$1" period_ms "$2" && ka_is "$1" retries 3 &&
		ka_is "$1" enabled 1 && ! ka_is "$1" state disabled
}

# tunnel DEV: a GRE tunnel over $UL. ip_gre refuses two tunnels with the
# same endpoints and key, so each gets its own remote, 198.51.100.1NN for
# greNN.
tunnel() {
	ip link add "$1" type gre local 198.51.100.1 \
		remote "198.51.100.$((100 + ${1#gre}))" ttl 255
}

start_udevd() {
	[ -x "$UDEVD" ] || {
		echo "no $UDEVD (Debian package udev)"
		return 1
	}
	mkdir -p /run/udev/rules.d && cp "$RULES" /run/udev/rules.d/ || return 1
	SYSTEMD_LOG_TARGET=console "$UDEVD" >"$GRE_KA_OUT/udevd.log" 2>&1 &
	udevd_pid=$!
	bg_register "$udevd_pid"
	wait_for 10 "udevd control socket" udevadm control --ping
}

# udevd_gone: our udevd has exited (a zombie until the test shell reaps it).
udevd_gone() {
	local s
	read -r s <"/proc/$udevd_pid/stat" 2>/dev/null || return 0
	s=${s##*) }
	[ "${s%% *}" = Z ]
}

stop_udevd() {
	udevadm control --exit || return 1
	wait_for 10 "udevd exits" udevd_gone
}

udev_cleanup() {
	local d
	for d in $UL gre1 $BATCH gre10 v6gre1; do
		ip link del "$d" 2>/dev/null
	done
	if [ -n "$udevd_pid" ] && kill -0 "$udevd_pid" 2>/dev/null; then
		udevadm control --exit 2>/dev/null
	fi
	rm -f /run/udev/rules.d/80-gre-ka-sysfs.rules
	cleanup
}
trap udev_cleanup EXIT

check "underlay $UL in the initial netns" sh -c \
	"ip link add $UL type dummy && ip addr add 198.51.100.1/24 dev $UL &&
	 ip link set $UL up"
check "systemd-udevd runs with the example rule" start_udevd

check "gre10 created before the module" tunnel gre10
check "module loads" load_module
check "udev settles" udevadm settle -t 20
check "gre10 configured by the module's change event" settings gre10 10000

check "gre1 created" tunnel gre1
check "udev settles" udevadm settle -t 20
check "gre1: period 1000, retries 3, enabled" settings gre1 1000

check "eight tunnels created in one batch" sh -c \
	"for d in $BATCH; do
		echo link add \$d type gre local 198.51.100.1 \
			remote 198.51.100.\$((100 + \${d#gre}))
	 done | ip -batch -"
check "udev settles" udevadm settle -t 30
for d in $BATCH; do
	check "$d: period 10000, retries 3, enabled" settings "$d" 10000
done

check "ip6gre tunnel v6gre1 created" ip link add v6gre1 type ip6gre \
	local 2001:db8:1::1 remote 2001:db8:1::2
check "udev settles" udevadm settle -t 20
check "v6gre1: period 10000, retries 3, enabled" settings v6gre1 10000

check "gre10 turned off by hand" sh -c 'echo 0 > /sys/class/net/gre10/keepalive/enabled'
check "udevadm trigger on existing tunnels" udevadm trigger --settle \
	--action=change --subsystem-match=net
check "gre10 configured again by the trigger" settings gre10 10000
check "gre1 kept its own settings" settings gre1 1000

check "netns n1" ns_create n1
check "gre1 in n1" ip -n n1 link add gre1 type gre local 192.0.2.1 \
	remote 192.0.2.2
check "udev settles" udevadm settle -t 20
check "gre1 in n1 is not seen by udev in the initial netns" \
	sh -c '[ "$(ip netns exec n1 cat /sys/class/net/gre1/keepalive/enabled)" = 0 ]'

check "udevd stops" stop_udevd
grep -E 'keepalive|gre' "$GRE_KA_OUT/udevd.log" | head -n 20 | while IFS= read -r l; do
	diag "udevd: $l"
done
test_done
