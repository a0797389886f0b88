#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Demo (make demo): in a VM with Debian's 6.12 kernel, two routers r1 and
# r2 (network namespaces) with a GRE tunnel and a backup link, a floating
# static route (tunnel metric 10, backup metric 100) and gre_ka keepalives
# (1 s x 3) on both ends. Prints a timeline: steady state, path cut, line
# protocol down and traffic on the backup, repair, line protocol up.
#
# Usage: scripts/demo.sh           (host)
#        scripts/demo.sh --guest   (what runs inside the VM)
set -uo pipefail

cd "$(dirname "$0")/.." || exit 1

if [ "${1:-}" = --guest ]; then
	. scripts/tests/lib.sh
	. scripts/tests/ka.sh

	t0=$(now_ms)
	stamp() {
		local t=$(( $(now_ms) - t0 ))
		printf '[%3d.%01d s] %s\n' $((t / 1000)) $((t % 1000 / 100)) "$*"
	}
	show() {
		local ns
		for ns in r1 r2; do
			printf '    %s gre1: state %-4s counter %s  tx %s rx %s reflected %s  rtt avg %s us\n' \
				"$ns" "$(ka_get $ns gre1 state)" "$(ka_get $ns gre1 counter)" \
				"$(ka_stat $ns gre1 tx)" "$(ka_stat $ns gre1 rx)" \
				"$(ka_stat $ns gre1 reflected)" "$(ka_stat $ns gre1 rtt_avg_us)"
		done
		printf '    r1 route to 192.0.2.2: dev %s\n' \
			"$(ip -n r1 route get 192.0.2.2 from 192.0.2.1 | sed -n 's/.* dev \([^ ]*\).*/\1/p')"
	}
	die() { stamp "FAILED: $*"; exit 1; }

	stamp "r1 and r2: underlay 198.51.100.1 <-> .2, GRE tunnel gre1, backup link 203.0.113.1 <-> .2"
	TOPO_STOCK_REFLECTOR=0 topo_two_routers || die "topology"
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
	stamp "insmod gre_ka.ko; on both routers: period_ms=1000 retries=3 enabled=1"
	for ns in r1 r2; do
		ka_enable $ns gre1 1000 3 || die "enable on $ns"
	done
	wait_for 10 "replies" ka_stat_ge r1 gre1 rx 2 || die "no replies"
	wait_for 10 "replies" ka_stat_ge r2 gre1 rx 2 || die "no replies"
	stamp "steady state: keepalives answered by the module on the far end (no sysctls)"
	show
	ns_exec r1 ping -O -i 0.2 -W1 -I 192.0.2.1 192.0.2.2 >/tmp/demo-ping.log 2>&1 &
	ping_pid=$!
	sleep 2
	ns_exec r1 tc qdisc replace dev eth0 root netem loss 100% || die "cut"
	cut=$(now_ms)
	stamp "CUT: 100% loss on the tunnel's underlay (tc netem on both ends); ping r1 -> r2 running"
	ns_exec r2 tc qdisc replace dev eth0 root netem loss 100% || die "cut"
	wait_for 10 "r1 down" ka_state_is r1 gre1 down || die "r1 did not go down"
	stamp "r1 gre1 line protocol DOWN, $(( $(now_ms) - $(ka_get r1 gre1 last_change_ms) - cut )) ms after the cut (window 3000..4000 ms)"
	wait_for 10 "r2 down" ka_state_is r2 gre1 down || die "r2 did not go down"
	ip -n r1 link show gre1 | sed 's/^/    /' | head -1
	show
	sleep 2
	stamp "backup carries the ping: $(grep -c 'bytes from' /tmp/demo-ping.log) replies so far, $(grep -c 'no answer' /tmp/demo-ping.log) unanswered"
	rep=$(now_ms)
	stamp "REPAIR: loss removed"
	path_repair || die "repair"
	wait_for 15 "r1 up" ka_state_is r1 gre1 up || die "r1 did not come up"
	stamp "r1 gre1 line protocol UP, $(( $(now_ms) - $(ka_get r1 gre1 last_change_ms) - rep )) ms after the repair"
	wait_for 15 "r2 up" ka_state_is r2 gre1 up || die "r2 did not come up"
	show
	sleep 1
	kill "$ping_pid" 2>/dev/null
	pkill -f "ping -O -i 0.2" 2>/dev/null
	stamp "ping over the whole run: $(grep -c 'bytes from' /tmp/demo-ping.log) answered, $(grep -c 'no answer' /tmp/demo-ping.log) unanswered"
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
echo "(VM console log: $out/console.log)"
exit "$rc"
