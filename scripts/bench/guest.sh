#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# gre_ka benchmarks, inside the VM (scripts/bench.sh boots it). Writes one
# JSON file per measurement to $GRE_KA_OUT/bench/; scripts/bench/report.py
# turns them into the table and the plot.
#
# Environment (defaults in brackets):
#   BENCH_SECTIONS   which parts run [latency load datapath scale cli passive
#                    mgre cost frr]
#   BENCH_MGRE       mgre: peers of the hub, each in both modes [1000 10000]
#   BENCH_MGRE_PERIOD  mgre: the period, ms [1000]
#   BENCH_COST_OLD_KO  cost: an older gre_ka.ko to measure beside this one
#   BENCH_COST_OTHER   cost: more modules to measure, LABEL=PATH ...
#   BENCH_MGRE_MODES   mgre: the hub's forms to measure [mgre p2p]
#   BENCH_COST_ROUNDS  cost: rounds, each module measured in turn [1]
#                    (frr_scale: only the frr section's sessions part)
#   BENCH_PASSIVE    passive: "N@PERIOD_MS" hub tunnels, spokes' period [1000@1000]
#   BENCH_TRIALS     cut/repair trials per period [30]
#   BENCH_CONFIGS    period_msxretries configurations [1000x3 100x3 20x3]
#   BENCH_LOAD_SECS  the loaded run counting false downs [60]
#   BENCH_DP_SECS    one iperf3 run [10]
#   BENCH_DP_ROUNDS  pairs of data-path runs, module out / in [4]
#   BENCH_SCALE      tunnels per router, N (1 s period) or N@PERIOD_MS
#                    [100 1000 10000@10000]; 10000 at 1 s saturates the
#                    VM and takes about 20 minutes
#   BENCH_CPU_SECS   each CPU-cost interval [30]
#   BENCH_CLI_N      cli: tunnels for gre-ka show and the memory with and
#                    without sysfs [10000]
#   BENCH_FRR_INTERVALS  frr: detection intervals, ms [300 50 20]; gre_ka
#                    runs with retries m-1, bfdd with multiplier m
#   BENCH_FRR_MULT   frr: BFD's detect multiplier m [3]
#   BENCH_FRR_TRIALS frr: cut/repair trials per detector and interval [20]
#   BENCH_FRR_OSPF   frr: OSPF-alone baselines, HELLOxDEAD in s, or mK
#                    for dead-interval minimal hello-multiplier K [1x3]
#   BENCH_FRR_LOAD_SECS  frr: each loaded run counting false downs [60]
#   BENCH_FRR_SCALE  frr: sessions per router @ interval ms for the CPU
#                    and packet rate comparison [100@300 1000@3000 1000@300]
#   BENCH_FRR_TRACE_TRIALS  frr: traced trials per detector [5], at
#                    BENCH_FRR_TRACE_INTERVAL ms [50]
#
# Topology (scripts/tests/lib.sh topo_two_routers, static neighbours): r1
# and r2 in network namespaces joined by veth, gre1 between them. r1 sends
# keepalives; r2 answers through the module's reflection (one module in
# this kernel serves both namespaces; the stock-router sysctls are not set).
# shellcheck source=scripts/tests/lib.sh
. "$(dirname "$0")/../tests/lib.sh"
# shellcheck source=scripts/tests/ka.sh
. "$(dirname "$0")/../tests/ka.sh"
# shellcheck source=scripts/tests/frr.sh
. "$(dirname "$0")/../tests/frr.sh"

SECTIONS=${BENCH_SECTIONS:-latency load datapath scale cli passive mgre cost frr}
MGRE=${BENCH_MGRE:-1000 10000}
MGRE_PERIOD=${BENCH_MGRE_PERIOD:-1000}
PASSIVE=${BENCH_PASSIVE:-1000@1000}
TRIALS=${BENCH_TRIALS:-30}
CONFIGS=${BENCH_CONFIGS:-1000x3 100x3 20x3}
LOAD_SECS=${BENCH_LOAD_SECS:-60}
DP_SECS=${BENCH_DP_SECS:-10}
DP_ROUNDS=${BENCH_DP_ROUNDS:-4}
SCALE=${BENCH_SCALE:-100 1000 10000@10000}
CPU_SECS=${BENCH_CPU_SECS:-30}
CLI_N=${BENCH_CLI_N:-10000}
FRR_INTERVALS=${BENCH_FRR_INTERVALS:-300 50 20}
FRR_MULT=${BENCH_FRR_MULT:-3}
FRR_TRIALS=${BENCH_FRR_TRIALS:-20}
FRR_OSPF=${BENCH_FRR_OSPF:-1x3}
FRR_LOAD_SECS=${BENCH_FRR_LOAD_SECS:-60}
FRR_SCALE=${BENCH_FRR_SCALE:-100@300 1000@3000 1000@300}
FRR_TRACE_TRIALS=${BENCH_FRR_TRACE_TRIALS:-5}
FRR_TRACE_INTERVAL=${BENCH_FRR_TRACE_INTERVAL:-50}
BENCH=$(cd "$(dirname "$0")" && pwd)
RES=$GRE_KA_OUT/bench
mkdir -p "$RES" || exit 1
failed=0

# The module logs a line per carrier change; printing thousands of them on
# the emulated serial console would cost more than the keepalives do.
dmesg -n 1

say() {
	echo "# $(date +%T) $*"
}

fail() {
	echo "bench: $*" >&2
	failed=1
}

section() {
	[[ " $SECTIONS " == *" $1 "* ]]
}

# machine: what the numbers were measured on.
{
	echo "{"
	echo "\"kernel\": \"$(uname -r)\","
	echo "\"cpus\": $(nproc),"
	echo "\"cpu_model\": \"$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)\","
	echo "\"mem_kb\": $(sed -n 's/^MemTotal: *\([0-9]*\).*/\1/p' /proc/meminfo),"
	echo "\"clocksource\": \"$(cat /sys/devices/system/clocksource/clocksource0/current_clocksource)\","
	echo "\"hz_user\": $(getconf CLK_TCK)"
	echo "}"
} >"$RES/machine.json"

# Two routers, gre1 (no key) plus gre2 (key 2) and gre3 (key 3) for the
# loaded run, which measures all three periods at once.
setup_routers() {
	TOPO_STOCK_REFLECTOR=0 topo_two_routers || return 1
	static_neigh || return 1
	gre_tunnel r1 gre2 "$R1_UL" "$R2_UL" 10.255.1.1/30 key 2 &&
		gre_tunnel r2 gre2 "$R2_UL" "$R1_UL" 10.255.1.2/30 key 2 &&
		gre_tunnel r1 gre3 "$R1_UL" "$R2_UL" 10.255.2.1/30 key 3 &&
		gre_tunnel r2 gre3 "$R2_UL" "$R1_UL" 10.255.2.2/30 key 3
}

if section latency || section load || section datapath; then
	setup_routers || { fail "router setup failed"; exit 1; }
	load_module || { fail "insmod failed"; exit 1; }
fi

# --- 1. Detection and recovery latency ---------------------------------------
if section latency; then
	for c in $CONFIGS; do
		say "latency: ${c}, $TRIALS trials"
		ip netns exec r1 python3 "$BENCH/latency.py" --dev gre1 --egress eth0 \
			--period "${c%x*}" --retries "${c#*x}" --trials "$TRIALS" \
			--out "$RES/latency-$c.json" || fail "latency $c: $(tail -c 300 "$RES/latency-$c.json" 2>/dev/null)"
	done
fi

# --- 1b. False downs under load ----------------------------------------------
# All three configurations at once, on gre1/gre2/gre3, for LOAD_SECS with
# iperf3 saturating gre1 (two TCP streams r1 -> r2) and a busy loop per CPU.
if section load; then
	say "load: ${LOAD_SECS} s, iperf3 over gre1 and $(nproc) busy loops"
	i=1
	for c in $CONFIGS; do
		if ! ka_set r1 "gre$i" enabled 0 ||
			! ka_enable r1 "gre$i" "${c%x*}" "${c#*x}"; then
			fail "load: enabling gre$i"
		fi
		i=$((i + 1))
		[ $i -gt 3 ] && break
	done
	for i in 1 2 3; do
		wait_for 10 "gre$i up" has_carrier r1 "gre$i" || fail "load: gre$i not up"
	done
	declare -A d0
	for i in 1 2 3; do
		d0[$i]=$(ka_stat r1 "gre$i" down_transitions)
	done
	ns_exec r2 iperf3 -s -1 -B "$R2_IN" >/dev/null 2>&1 &
	bg_register $!
	wait_for 10 "iperf3 server" ns_exec r2 sh -c "ss -ltn | grep -q ':5201 '"
	hogs=()
	for _ in $(seq "$(nproc)"); do
		timeout "$LOAD_SECS" bash -c 'while :; do :; done' &
		hogs+=($!)
	done
	ns_exec r1 iperf3 -c "$R2_IN" -t "$LOAD_SECS" -P 2 -J >"$RES/load-iperf3.json" 2>&1 ||
		fail "load: iperf3 failed"
	wait "${hogs[@]}"
	{
		echo "{\"seconds\": $LOAD_SECS, \"tunnels\": ["
		i=1
		for c in $CONFIGS; do
			[ $i -gt 1 ] && echo ","
			printf '{"config": "%s", "false_downs": %d, "tx": %d, "rx": %d, "rtt_max_us": %d}' \
				"$c" $(($(ka_stat r1 "gre$i" down_transitions) - ${d0[$i]})) \
				"$(ka_stat r1 "gre$i" tx)" "$(ka_stat r1 "gre$i" rx)" \
				"$(ka_stat r1 "gre$i" rtt_max_us)"
			i=$((i + 1))
			[ $i -gt 3 ] && break
		done
		echo "]}"
	} >"$RES/load.json"
	for i in 1 2 3; do
		ka_set r1 "gre$i" enabled 0
	done
fi

# --- 3. Data-path overhead -----------------------------------------------------
# iperf3 over gre1, r1 -> r2: TCP and UDP with 64-byte datagrams (as fast
# as iperf3 can send them), rounds alternating between the module not
# loaded and loaded with keepalive on (auto_enable, 1 s period) on every
# tunnel of both routers.
if section datapath; then
	ns_exec r2 iperf3 -s -B "$R2_IN" >/dev/null 2>&1 &
	bg_register $!
	wait_for 10 "iperf3 server" ns_exec r2 sh -c "ss -ltn | grep -q ':5201 '" ||
		fail "datapath: no iperf3 server"
	# A warm-up run (not counted), then rounds in the order off on, on
	# off, ... so that a drift in the machine's speed (it may be shared)
	# does not favour either.
	ns_exec r1 iperf3 -c "$R2_IN" -t 3 >/dev/null 2>&1
	for r in $(seq "$DP_ROUNDS"); do
		modes="off on"
		[ $((r % 2)) = 0 ] && modes="on off"
		for mode in $modes; do
			module_loaded && { unload_module || fail "rmmod"; }
			if [ "$mode" = on ]; then
				load_module auto_enable=1 period_ms=1000 || fail "insmod"
				wait_for 10 "gre1 keepalive up" ka_stat_ge r1 gre1 rx 1 ||
					fail "datapath: keepalive not answered"
			fi
			say "datapath: round $r, module $mode"
			ns_exec r1 iperf3 -c "$R2_IN" -t "$DP_SECS" -J \
				>"$RES/dp-tcp-$mode-$r.json" 2>&1 || fail "datapath: iperf3 tcp"
			ns_exec r1 iperf3 -c "$R2_IN" -u -l 64 -b 0 -t "$DP_SECS" -J \
				>"$RES/dp-udp-$mode-$r.json" 2>&1 || fail "datapath: iperf3 udp"
		done
	done
	module_loaded && unload_module
fi

if section latency || section load || section datapath; then
	_ka_cleanup
	_GK_MODULE_LOADED=0
	_GK_NETNS=()
	module_loaded && rmmod gre_ka
fi

# --- 2. Scale ---------------------------------------------------------------------
if section scale; then
	for e in $SCALE; do
		n=${e%@*} p=1000
		[ "$e" = "$n" ] || p=${e#*@}
		say "scale: $n tunnels per router, period $p ms"
		python3 "$BENCH/scale.py" --n "$n" --period-ms "$p" --cpu-secs "$CPU_SECS" \
			--ko "$GRE_KA_KO" --out "$RES/scale-$n-$p.json" || fail "scale $e"
	done
fi

# --- 2b. gre-ka show at many tunnels; memory with and without sysfs ---------------
# scripts/bench/cli.py: one namespace with CLI_N tunnels; the module loaded
# with sysfs=1, then sysfs=0; the host-built gre-ka (build-module.sh).
if section cli; then
	say "cli: gre-ka show and memory per tunnel at $CLI_N tunnels"
	python3 "$BENCH/cli.py" --n "$CLI_N" --ko "$GRE_KA_KO" \
		--gk "$GRE_KA_REPO/.build/tools/gre-ka" --out "$RES/cli-$CLI_N.json" ||
		fail "cli $CLI_N"
fi

# --- 2c. A passive hub: N tunnels that send nothing --------------------------------
# scripts/bench/passive.sh: zero keepalives sent by the hub, learned
# periods, CPU, and the time until every hub tunnel is down after a cut.
if section passive; then
	say "passive: a hub with ${PASSIVE%@*} passive tunnels, spokes every ${PASSIVE#*@} ms"
	"$BENCH/passive.sh" "$RES" "${PASSIVE%@*}" "${PASSIVE#*@}" || fail "passive $PASSIVE"
fi

# --- 2d. Multipoint: one mGRE device with N peers against N tunnels ------------
# scripts/bench/mgre.py: memory per peer, CPU, the hub's dump, and a mass
# failure against the window, in each mode.
if section mgre; then
	for n in $MGRE; do
		for mode in ${BENCH_MGRE_MODES:-mgre p2p}; do
			say "mgre: $mode, $n peers at $MGRE_PERIOD ms"
			python3 "$BENCH/mgre.py" --mode "$mode" --n "$n" --period-ms "$MGRE_PERIOD" \
				--cpu-secs "$CPU_SECS" --ko "$GRE_KA_KO" \
				--gk-nl "$GRE_KA_REPO/scripts/tests/gk_nl.py" \
				--out "$RES/mgre-$mode-$n.json" || fail "mgre $mode $n"
		done
	done
fi

# --- 2e. The kernel CPU of one keepalive ------------------------------------------
# scripts/bench/cost.py, with this module and the modules BENCH_COST_OTHER
# names (LABEL=PATH ...; BENCH_COST_OLD_KO is old=PATH), in the same VM
# (before and after a change). BENCH_COST_ROUNDS rounds, each measuring
# every module in turn: runs of one module in different VMs on a busy host
# spread by up to 5x, in one VM by a few per cent, so only modules
# measured alternately in one VM are compared. The saturated phase (the
# progress of process context) runs in the first round only.
if section cost; then
	say "cost: the CPU of one keepalive, reflection and refusal"
	cost_kos="new=$GRE_KA_KO${BENCH_COST_OLD_KO:+ old=$BENCH_COST_OLD_KO} ${BENCH_COST_OTHER:-}"
	for round in $(seq 1 "${BENCH_COST_ROUNDS:-1}"); do
		for lk in $cost_kos; do
			python3 "$BENCH/cost.py" --ko "${lk#*=}" \
				--out "$RES/cost-${lk%%=*}-$round.json" \
				$([ "$round" = 1 ] || echo --no-saturate) ||
				fail "cost ${lk%%=*} round $round"
		done
	done
fi

# --- 4. Routing daemons: gre_ka vs FRR's bfdd vs OSPF alone ----------------------
# r1 and r2 as above, gre1 in OSPF (cost 10, hello 1 s, dead 10 s) with a
# backup link eth1 (cost 100) and 192.0.2.0/24 behind r2; zebra, ospfd
# and bfdd in each (scripts/tests/frr.sh). scripts/bench/frr.py does the
# measuring; see Documentation/bench.rst.

frr_bfd_conf() {
	local i
	{
		echo "hostname $1"
		echo "log file $FRR_LOG/$1-bfdd.log"
		echo "bfd"
		for i in $FRR_INTERVALS $FRR_TRACE_INTERVAL; do
			echo " profile p$i"
			echo "  receive-interval $i"
			echo "  transmit-interval $i"
			echo "  detect-multiplier $FRR_MULT"
			echo " exit"
		done
	} | frr_conf "$1" bfdd
}

frr_setup() {
	setup_routers && ka_sys r1 && ka_sys r2 &&
		ip -n r1 link set gre1 multicast on && ip -n r2 link set gre1 multicast on &&
		veth_pair r1 eth1 203.0.113.1/24 r2 eth1 203.0.113.2/24 &&
		ip -n r2 link add lan0 type dummy && ip -n r2 addr add 192.0.2.1/24 dev lan0 &&
		ip -n r2 link set lan0 up || return 1
	load_module || return 1
	local ns
	for ns in r1 r2; do
		echo "hostname $ns" | frr_conf "$ns" zebra && frr_start "$ns" zebra &&
			frr_bfd_conf "$ns" && frr_start "$ns" bfdd || return 1
	done
	ospf_conf r1 10.0.0.1 && ospf_conf r2 10.0.0.2 &&
		frr_start r1 ospfd && frr_start r2 ospfd &&
		wait_for 60 "OSPF Full on both links" ospf_full r1 2 &&
		wait_for 30 "192.0.2.0/24 on gre1" route_on r1 192.0.2.0/24 gre1
}

# frr_py ARGS...: scripts/bench/frr.py in r1's namespace.
frr_py() {
	ip netns exec r1 python3 "$BENCH/frr.py" "$@"
}

if section frr; then
	say "frr: setting up r1 and r2 with zebra, ospfd and bfdd"
	if ! frr_setup; then
		fail "frr: setup failed"
	else
		m1=$((FRR_MULT - 1))
		for i in $FRR_INTERVALS; do
			say "frr: failover, gre_ka ${i}x$m1 and bfdd ${i}x$FRR_MULT, $FRR_TRIALS trials each"
			frr_py failover --mode gre_ka --interval "$i" --mult "$FRR_MULT" \
				--trials "$FRR_TRIALS" --out "$RES/frr-failover-gre_ka-$i.json" ||
				fail "frr: failover gre_ka $i"
			frr_py failover --mode bfd --interval "$i" --mult "$FRR_MULT" \
				--trials "$FRR_TRIALS" --out "$RES/frr-failover-bfd-$i.json" ||
				fail "frr: failover bfd $i"
		done
		for o in $FRR_OSPF; do
			say "frr: failover, OSPF alone ($o), $FRR_TRIALS trials"
			case $o in
			m*) args=(--hello "${o#m}" --dead 0) ;;
			*) args=(--hello "${o%x*}" --dead "${o#*x}") ;;
			esac
			frr_py failover --mode ospf "${args[@]}" --trials "$FRR_TRIALS" \
				--out "$RES/frr-failover-ospf-$o.json" || fail "frr: failover ospf $o"
		done
		if [ "$FRR_TRACE_TRIALS" -gt 0 ]; then
			say "frr: traced failover at $FRR_TRACE_INTERVAL ms, $FRR_TRACE_TRIALS trials each"
			frr_py failover --mode gre_ka --interval "$FRR_TRACE_INTERVAL" \
				--mult "$FRR_MULT" --trials "$FRR_TRACE_TRIALS" --trace \
				--out "$RES/frr-trace-gre_ka-$FRR_TRACE_INTERVAL.json" ||
				fail "frr: traced gre_ka"
			frr_py failover --mode bfd --interval "$FRR_TRACE_INTERVAL" \
				--mult "$FRR_MULT" --trials "$FRR_TRACE_TRIALS" --trace \
				--logdir "$FRR_LOG" --out "$RES/frr-trace-bfd-$FRR_TRACE_INTERVAL.json" ||
				fail "frr: traced bfd"
		fi
		for m in gre_ka bfd; do
			say "frr: false downs, $m at $FRR_INTERVALS ms, ${FRR_LOAD_SECS} s under load"
			frr_py load --mode "$m" --intervals "$FRR_INTERVALS" --mult "$FRR_MULT" \
				--secs "$FRR_LOAD_SECS" --out "$RES/frr-load-$m.json" ||
				fail "frr: load $m"
		done
	fi
	frr_stop
	_ka_cleanup
	trap _ka_cleanup EXIT
	_GK_MODULE_LOADED=0
	_GK_NETNS=()
	_GK_PIDS=()
fi
# The sessions part alone: BENCH_SECTIONS=frr_scale.
if section frr || section frr_scale; then
	module_loaded || load_module || fail "frr: insmod for scale"
	for e in $FRR_SCALE; do
		say "frr: scale, ${e%@*} sessions per router at ${e#*@} ms"
		python3 "$BENCH/frr.py" scale --n "${e%@*}" --interval "${e#*@}" \
			--mult "$FRR_MULT" --cpu-secs "$CPU_SECS" \
			--out "$RES/frr-scale-${e%@*}-${e#*@}.json" || fail "frr: scale $e"
	done
	module_loaded && rmmod gre_ka
	cp "$FRR_LOG"/*.log "$RES/" 2>/dev/null
fi

say "done"
exit "$failed"
