#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Benchmarks (make bench): boots one VM with Debian's 6.12 kernel, runs
# scripts/bench/guest.sh in it (detection/recovery latency, false downs
# under load, scale to many tunnels, data-path overhead, failover with
# FRR against its bfdd), then prints the
# table and writes, in out/bench/ (or $BENCH_OUT):
#   results.json   every figure, machine-readable (raw trials included)
#   table.txt      the printed table
#   bench.png      the plot (gnuplot); bench-frr.png the frr section's
#   vm/            the VM's logs and the per-measurement files
#
# Usage: scripts/bench.sh
# Environment (see scripts/bench/guest.sh for the defaults):
#   BENCH_TRIALS=30 BENCH_CONFIGS="1000x3 100x3 20x3" BENCH_LOAD_SECS=60
#   BENCH_SCALE="100 1000 10000@10000" BENCH_CPU_SECS=30 BENCH_DP_SECS=10
#   BENCH_DP_ROUNDS=4 BENCH_SECTIONS="latency load datapath scale cli passive mgre cost frr"
#   BENCH_CLI_N=10000 (cli: gre-ka show, memory with and without sysfs)
#   BENCH_PASSIVE=1000@1000 (passive: hub tunnels @ the spokes' period, ms)
#   BENCH_MGRE="1000 10000" BENCH_MGRE_PERIOD=1000 BENCH_MGRE_MODES="mgre p2p" (mgre: a hub's peers)
#   BENCH_COST_OLD_KO=PATH (cost: an older gre_ka.ko beside this one),
#   BENCH_COST_OTHER="LABEL=PATH ..." BENCH_COST_ROUNDS=N (cost: more modules, rounds)
#   BENCH_FRR_INTERVALS="300 50 20" BENCH_FRR_MULT=3 BENCH_FRR_TRIALS=20
#   BENCH_FRR_OSPF=1x3 BENCH_FRR_LOAD_SECS=60 BENCH_FRR_SCALE="100@300 1000@3000 1000@300"
#   BENCH_FRR_TRACE_TRIALS=5 BENCH_FRR_TRACE_INTERVAL=50
#   BENCH_TIMEOUT=7200 (seconds for the whole VM run)
#   BENCH_MEM=4096 (MB; 10,000 tunnels per router need about 1 GB)
# The defaults take about 30 minutes on 2 emulated (TCG) CPUs, and the
# frr section about as long again.
set -uo pipefail

cd "$(dirname "$0")/.." || exit 2
. scripts/vm/common.sh

out=${BENCH_OUT:-$GRE_KA_REPO/out/bench}
mkdir -p "$out" && out=$(cd "$out" && pwd) || exit 2

scripts/deps.sh >/dev/null || die "installing the packages needed failed (scripts/deps.sh)"
scripts/vm/build-module.sh 6.12 >/dev/null || die "building gre_ka.ko for 6.12 failed"

vars=()
for v in BENCH_SECTIONS BENCH_TRIALS BENCH_CONFIGS BENCH_LOAD_SECS BENCH_SCALE \
	BENCH_CPU_SECS BENCH_DP_SECS BENCH_DP_ROUNDS BENCH_FRR_INTERVALS BENCH_FRR_MULT \
	BENCH_FRR_TRIALS BENCH_FRR_OSPF BENCH_FRR_LOAD_SECS BENCH_FRR_SCALE \
	BENCH_FRR_TRACE_TRIALS BENCH_FRR_TRACE_INTERVAL BENCH_CLI_N BENCH_PASSIVE BENCH_MGRE BENCH_MGRE_PERIOD BENCH_MGRE_MODES BENCH_COST_OLD_KO BENCH_COST_OTHER BENCH_COST_ROUNDS; do
	[ -n "${!v:-}" ] && vars+=("$v=${!v}")
done
rm -f "$out/results.json" "$out/table.txt" "$out/bench.png" "$out/bench-frr.png"

info "booting a VM (Debian 6.12, qemu TCG); progress below, logs in $out/vm"
start=$(date +%s)
mkdir -p "$out/vm"
# Progress: the job's output, as the guest writes it.
tail -n 0 -F "$out/vm/job.log" 2>/dev/null &
tail_pid=$!
trap 'kill "$tail_pid" 2>/dev/null' EXIT
# The figures in Documentation/bench.rst were measured with a host thread
# per vCPU (qemu's multi-threaded TCG), which is what a single VM on a
# multi-core host should use; make check runs its VMs single-threaded
# (see scripts/vm/run.sh).
GRE_KA_QEMU_ACCEL=${GRE_KA_QEMU_ACCEL:-tcg,thread=multi} \
	scripts/vm/run.sh -q --kernel 6.12 --out "$out/vm" --timeout "${BENCH_TIMEOUT:-7200}" \
	--mem "${BENCH_MEM:-4096}" -- env "${vars[@]}" scripts/bench/guest.sh
rc=$?
sleep 0.5
kill "$tail_pid" 2>/dev/null
info "VM finished in $(($(date +%s) - start)) s (run.sh exit $rc)"

[ -d "$out/vm/bench" ] || die "no results (see $out/vm/console.log)"
echo
python3 scripts/bench/report.py "$out/vm/bench" 2>&1 | grep -v '^Warning: empty'
for f in results.json table.txt bench.png bench-frr.png; do
	[ -f "$out/vm/bench/$f" ] && cp "$out/vm/bench/$f" "$out/"
done
echo
echo "results: $out/results.json, $out/table.txt, $out/bench.png, $out/bench-frr.png"
[ "$rc" = 0 ] || echo "some measurements failed: see $out/vm/job.log" >&2
exit "$rc"
