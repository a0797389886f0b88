#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Demo (make demo): in a VM with Debian's 6.12 kernel, two routers r1 and
# r2 (network namespaces) with a GRE tunnel and a backup link, a floating
# static route (tunnel metric 10, backup metric 100) and gre_ka keepalives
# (1 s x 3, set with the gre-ka CLI) on both ends. Prints a timeline with
# `gre-ka show` at each step: steady state, path cut, line protocol down
# and a running ping on the backup, repair, line protocol up; and draws it
# (gnuplot) to out/demo/timeline.png.
#
# Usage: scripts/demo.sh           (host)
#        scripts/demo.sh --guest   (what runs inside the VM)
set -uo pipefail

cd "$(dirname "$0")/.." || exit 1

if [ "${1:-}" = --guest ]; then
	. scripts/tests/lib.sh
	. scripts/tests/ka.sh

	out=${GRE_KA_OUT:-/tmp}
	# The gre-ka command, built on the host by build-module.sh.
	cli=$GRE_KA_REPO/.build/tools/gre-ka
	# Demo time 0 (uptime).
	t0=$(now_ms)
	c0=0 c1=0 down=0 up=0
	stamp() {
		local t=$(( $(now_ms) - t0 ))
		printf '[%3d.%01d s] %s\n' $((t / 1000)) $((t % 1000 / 100)) "$*"
	}
	# now VAR: uptime in ms, without forking (forks take long in the VM).
	now() {
		local u
		read -r u _ </proc/uptime
		u=${u/./}
		printf -v "$1" %d $((10#${u}0))
	}
	# changed_at VAR: uptime in ms at r1 gre1's last line protocol change.
	changed_at() {
		local l n
		read -r l <"$_KA_SYS_ROOT/r1/class/net/gre1/keepalive/last_change_ms"
		now n
		printf -v "$1" %d $((n - l))
	}
	# fmt_s MS: seconds with 3 decimals
	fmt_s() {
		local m=$1 sign=
		[ "$m" -lt 0 ] && sign=- m=$((-m))
		printf '%s%d.%03d' "$sign" $((m / 1000)) $((m % 1000))
	}
	# event_at UPTIME_MS LABEL: a marker on the PNG timeline
	event_at() {
		echo "$(fmt_s $(($1 - t0))) $2" >>"$out/demo-events.dat"
	}
	# gk NS ARGS...: the gre-ka command on NS's tunnels.
	gk() {
		local ns=$1
		shift
		echo "    $ns# gre-ka $*"
		"$cli" -n "$ns" "$@" 2>&1 | sed 's/^/    /'
	}
	route_dev() {
		ip -n r1 route get 192.0.2.2 from 192.0.2.1 | sed -n 's/.* dev \([^ ]*\).*/\1/p'
	}
	die() { stamp "FAILED: $*"; exit 1; }

	# Every 0.2 s: demo time, r1 gre1 carrier, the device r1 routes
	# 192.0.2.2 over (1 = gre1, 0 = the backup eth1), and the wall clock
	# (to place ping -D's timestamps: under a loaded emulator the wall
	# clock and uptime drift apart by seconds).
	sampler() {
		local up c r
		while :; do
			read -r up _ </proc/uptime
			up=${up/./}0
			read -r c <"$_KA_SYS_ROOT/r1/class/net/gre1/carrier" || c=0
			r=$(ip -n r1 route get 192.0.2.2 from 192.0.2.1)
			case $r in *" dev gre1 "*) r=1 ;; *) r=0 ;; esac
			t=$((10#$up - t0))
			printf '%d.%03d %s %s %s\n' $((t / 1000)) $((t % 1000)) "$c" "$r" "$EPOCHREALTIME"
			sleep 0.2
		done
	}

	rm -f "$out"/demo-*.dat "$out/demo-ping.log"
	stamp "r1 and r2: underlay 198.51.100.1 <-> .2, GRE tunnel gre1, backup link 203.0.113.1 <-> .2"
	TOPO_STOCK_REFLECTOR=0 topo_two_routers || die "topology"
	static_neigh || die "static neighbours"
	veth_pair r1 eth1 203.0.113.1/24 r2 eth1 203.0.113.2/24 || die "backup link"
	ip -n r1 addr add 192.0.2.1/32 dev lo && ip -n r2 addr add 192.0.2.2/32 dev lo || die "LAN addresses"
	for ns in r1 r2; do
		ns_exec $ns sysctl -qw net.ipv4.conf.gre1.ignore_routes_with_linkdown=1 || die sysctl
	done
	ip -n r1 route add 192.0.2.2/32 via "$R2_IN" dev gre1 metric 10 &&
		ip -n r1 route add 192.0.2.2/32 via 203.0.113.2 dev eth1 metric 100 &&
		ip -n r2 route add 192.0.2.1/32 via "$R1_IN" dev gre1 metric 10 &&
		ip -n r2 route add 192.0.2.1/32 via 203.0.113.1 dev eth1 metric 100 || die "routes"
	stamp "floating static route on r1: 192.0.2.2 via gre1 metric 10, via eth1 metric 100"
	insmod "$GRE_KA_KO" || die "insmod $GRE_KA_KO"
	{ ka_sys r1 && ka_sys r2; } || die "sysfs mounts"
	stamp "insmod gre_ka.ko; keepalive 1 s, 3 retries on both routers (Cisco: keepalive 1 3):"
	for ns in r1 r2; do
		gk $ns keepalive gre1 1 3
		[ "$(ka_get $ns gre1 state)" = up ] || die "enable on $ns"
	done
	wait_for 10 "replies" ka_stat_ge r1 gre1 rx 2 || die "no replies"
	wait_for 10 "replies" ka_stat_ge r2 gre1 rx 2 || die "no replies"
	stamp "TUNNEL UP: keepalives answered by the module on the far end (no sysctls); route via $(route_dev)"
	gk r1 show gre1

	sampler >"$out/demo-state.dat" &
	sampler_pid=$!
	ns_exec r1 ping -D -O -i 0.2 -W1 -I 192.0.2.1 192.0.2.2 >"$out/demo-ping.log" 2>&1 &
	ping_pid=$!
	sleep 3
	stamp "CUT: 100% loss on the tunnel's underlay (tc netem on both ends); ping r1 -> r2 running"
	# The path is cut when r1's end drops. A command's start and end under
	# emulation can be far apart: take the midpoint, give the spread.
	now c0
	ns_exec r1 tc qdisc replace dev eth0 root netem loss 100% || die "cut"
	now c1
	cut=$(( (c0 + c1) / 2 ))
	event_at "$cut" cut
	ns_exec r2 tc qdisc replace dev eth0 root netem loss 100% || die "cut"
	wait_for 10 "r1 down" ka_state_is r1 gre1 down || die "r1 did not go down"
	changed_at down
	event_at "$down" "carrier down"
	stamp "CARRIER DOWN on r1 gre1 $(fmt_s $((down - cut))) s after the cut (+-$(fmt_s $(( (c1 - c0) / 2 ))) s; Cisco window 3..4 s); route now via $(route_dev)"
	wait_for 10 "r2 down" ka_state_is r2 gre1 down || die "r2 did not go down"
	ip -n r1 link show gre1 | sed 's/^/    /' | head -1
	gk r1 show gre1
	sleep 3
	stamp "BACKUP carries the ping: $(grep -c 'bytes from' "$out/demo-ping.log") replies so far, $(grep -c 'no answer' "$out/demo-ping.log") unanswered"
	stamp "REPAIR: loss removed"
	# Repaired when r2's end passes traffic again (r1's first).
	ns_exec r1 tc qdisc del dev eth0 root || die "repair"
	now c0
	ns_exec r2 tc qdisc del dev eth0 root || die "repair"
	now c1
	rep=$(( (c0 + c1) / 2 ))
	event_at "$rep" repair
	wait_for 15 "r1 up" ka_state_is r1 gre1 up || die "r1 did not come up"
	changed_at up
	event_at "$up" "carrier up"
	stamp "UP AGAIN: r1 gre1 carrier up $(fmt_s $((up - rep))) s after the repair (+-$(fmt_s $(( (c1 - c0) / 2 ))) s); route via $(route_dev)"
	wait_for 15 "r2 up" ka_state_is r2 gre1 up || die "r2 did not come up"
	gk r1 show gre1
	sleep 3
	kill "$ping_pid" "$sampler_pid" 2>/dev/null
	wait "$ping_pid" "$sampler_pid" 2>/dev/null
	stamp "ping over the whole run: $(grep -c 'bytes from' "$out/demo-ping.log") answered, $(grep -c 'no answer' "$out/demo-ping.log") unanswered"
	# The ping as demo time, RTT (ms, or -1 if unanswered), path (1 gre1,
	# 0 backup); its wall clock stamps are placed relative to the sample
	# before them.
	awk '
		FILENAME == ARGV[1] { st[++n] = $1; path[n] = $3; se[n] = $4; next }
		/^\[/ {
			e = substr($1, 2, length($1) - 2)
			while (i < n && se[i + 1] <= e) i++
			if (!i) next
			t = st[i] + (e - se[i])
			p = path[i]
			if ($0 ~ /time=/) { r = $0; sub(/.*time=/, "", r); sub(/ .*/, "", r) }
			else if ($0 ~ /no answer/) r = -1
			else next
			printf "%.3f %s %d\n", t, r, p
		}' "$out/demo-state.dat" "$out/demo-ping.log" >"$out/demo-ping.dat"
	stamp "kernel log (r1 and r2 both call their tunnel gre1):"
	dmesg | grep 'keepalive: line protocol' | sed 's/^/    /'
	exit 0
fi

scripts/deps.sh || exit 1
scripts/vm/build-module.sh 6.12 >/dev/null || exit 1
out=out/demo
echo "Booting a VM (Debian 6.12 kernel under qemu)..."
scripts/vm/run.sh -q --kernel 6.12 --out "$out" --timeout 300 -- scripts/demo.sh --guest
rc=$?
echo
cat "$out/job.log"
echo
if [ "$rc" = 0 ]; then
	scripts/demo-plot.sh "$out" && echo "Timeline: $out/timeline.png" || rc=1
fi
echo "(VM console log: $out/console.log)"
exit "$rc"
