#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The whole test suite (make check): static checks, then for each test
# kernel a W=1 module build and VMs running every VM test (on the debug
# kernel the KUnit suites first).
#
# Usage: scripts/check.sh
# Environment, to narrow a developer run:
#   KERNELS="6.1 6.12 7.3 debug"  kernels to test on (default: all: Debian
#                             12's 6.1 and 6.12, the newer Debian kernels of
#                             scripts/vm/kernels.list, the debug kernel)
#   TESTS="t-00-basic ..."    VM tests to run (default: all scripts/tests/t-*)
#   STATIC=0                  leave out the static checks
#   GRE_KA_CHECK_OUT=DIR      where logs go (default: out/check)
#   CHECK_JOBS=N              VMs at once (default 2, one per core; 1 runs
#                             them one after the other)
#   DEBUG_SHARDS=N            VMs the debug kernel's tests are split over
#                             (default 2)
#
# Scheduling, for a cold machine on 2 cores (the budget is CI's): the debug
# kernel builds in the background at the lowest CPU priority while the
# stock kernels' VMs run (they mostly wait on timers, and the build takes
# what they leave); its tests are split over DEBUG_SHARDS single-threaded
# VMs, balanced by the durations measured on it (scripts/vm/durations);
# at most CHECK_JOBS VMs run at once, longest first. The newer Debian
# kernels are downloaded and prepared in the background from the start,
# beside the static checks; each one ready gets its W=1 build, its DKMS
# test and a VM running the core tests (those whose header says
# "# core: yes"), queued behind Debian 12's kernels' VMs.
#
# Each of these is one test, printed as "PASS name" or "FAIL name (why)":
#   setup/deps, setup/debug-kernel          installing and building what runs
#   setup/kernel-7.3, ...                   downloading and preparing each
#                                           kernel of scripts/vm/kernels.list
#   static/call-cycles                      no call cycle between the files
#   static/checkpatch                       checkpatch --strict, no findings
#   static/sparse-6.1, static/sparse-6.12   sparse, no output at all
#   static/splat-gist                       the dead-VM summary, on 2 reports
#   static/tools-test                       gre-ka's unit tests, promtool
#   static/deb                              make deb: the packages, lintian
#   dkms/6.1, dkms/6.12, dkms/7.3, ...      Debian's dkms builds and installs
#                                           the module from a clean copy of
#                                           the tree (scripts/dkms-check.sh)
#   <kernel>/build-w1                       W=1 module build, no warnings
#   debug/kunit                             KUnit suites (their own module),
#                                           no failed case; gre_ka.ko alone
#                                           runs none and references no KUnit
#   <kernel>/t-NAME                         each VM test
#   <kernel>/vm                             the VM(s) ran to the end and the
#                                           kernel showed no splat
# The last line is "N passed, N failed"; the exit status is 0 only if none
# failed. Infrastructure failures (missing kernel, qemu error, timeout) are
# failures, never skips.
set -uo pipefail

cd "$(dirname "$0")/.." || exit 2
. scripts/vm/common.sh

KERNELS=${KERNELS:-6.1 6.12 $(deb_kernels | tr '\n' ' ')debug}
TESTS=${TESTS:-}
STATIC=${STATIC:-1}
CHECK_JOBS=${CHECK_JOBS:-2}
DEBUG_SHARDS=${DEBUG_SHARDS:-2}
out=${GRE_KA_CHECK_OUT:-$GRE_KA_REPO/out/check}
mkdir -p "$out" && out=$(cd "$out" && pwd) || exit 2
rm -rf "$out"/{6.1,6.12,debug}{,.noboot} "$out"/debug-[0-9]* "$out"/*.log \
	"$out"/*.stderr "$out"/*.lines "$out"/timing "$out"/kernel-*.rc
for k in $(deb_kernels); do
	rm -rf "${out:?}/$k" "$out/$k.noboot"
done
t_start=$(date +%s)

passed=0
failed=0
failures=()
result() {
	# result NAME PASS|FAIL [REASON]
	if [ "$2" = PASS ]; then
		passed=$((passed + 1))
		echo "PASS $1"
	else
		failed=$((failed + 1))
		failures+=("$1${3:+ ($3)}")
		echo "FAIL $1${3:+ ($3)}"
	fi
}
note() {
	echo "# $*"
}
# timing WHAT: wall time since the start, for the closing summary.
timing() {
	echo "$(($(date +%s) - t_start)) s: $*" >>"$out/timing"
}

for k in $KERNELS; do
	valid_kernel "$k" || {
		result "setup/kernels" FAIL "unknown kernel '$k' in KERNELS (6.1, 6.12, $(deb_kernels | tr '\n' ' ')debug)"
		echo "$passed passed, $failed failed"
		exit 1
	}
done

# --- Setup ------------------------------------------------------------------
if scripts/deps.sh >"$out/deps.log" 2>&1; then
	result setup/deps PASS
else
	result setup/deps FAIL "$(tail -n 1 "$out/deps.log")"
fi
timing "deps"

# The debug kernel's tree also provides checkpatch.pl and kunit.py. It
# builds in the background, at the lowest priority, beside everything that
# does not need it.
need_debug=0
[ "$STATIC" = 1 ] && need_debug=1
[[ " $KERNELS " == *" debug "* ]] && need_debug=1
debug_pid=
if [ "$need_debug" = 1 ]; then
	if ! debug_kernel_ready; then
		note "building the debug kernel in the background (15-20 min on 2 cores; cached afterwards)"
	fi
	nice -n 19 scripts/vm/build-debug-kernel.sh >"$out/debug-kernel.log" 2>&1 &
	debug_pid=$!
fi
debug_state=none # none, building, ok, failed
[ -n "$debug_pid" ] && debug_state=building

# debug_wait: wait for the debug kernel build, once, and record its result.
debug_wait() {
	local rc
	[ "$debug_state" = building ] || return 0
	wait "$debug_pid"
	rc=$?
	if [ "$rc" = 0 ]; then
		debug_state=ok
		result setup/debug-kernel PASS
	else
		debug_state=failed
		result setup/debug-kernel FAIL "see $out/debug-kernel.log"
	fi
	timing "debug kernel ready (build exit $rc)"
}
# debug_done: has the background build finished (without waiting)?
debug_done() {
	[ "$debug_state" != building ] || ! kill -0 "$debug_pid" 2>/dev/null
}
tree=$(debug_kernel_tree)

# Debian's newer kernels (scripts/vm/kernels.list), wanted for their VMs or
# for DKMS: downloaded and prepared one after the other in the background
# from the start, at the lowest CPU priority like the debug kernel (about
# 100 s of wall time and as much CPU each on 2 cores, most of it
# extracting linux-source and modules_prepare; nothing once cached).
# kernels_poll handles each one as it ends.
prep_kernels=()
declare -A prep_state
for k in $(deb_kernels); do
	if [ "$STATIC" = 1 ] || [[ " $KERNELS " == *" $k "* ]]; then
		prep_kernels+=("$k")
		prep_state[$k]=pending
	fi
done
prep_pid=
if [ ${#prep_kernels[@]} -gt 0 ]; then
	(
		for k in "${prep_kernels[@]}"; do
			nice -n 19 scripts/vm/kernels.sh "$k" >"$out/kernel-$k.log" 2>&1
			echo "$?" >"$out/kernel-$k.rc"
		done
	) &
	prep_pid=$!
fi

# --- Static checks ------------------------------------------------------------
# dkms_test KERNEL: the DKMS test for one kernel.
dkms_test() {
	if scripts/dkms-check.sh "$1" >"$out/dkms-$1.log" 2>&1; then
		result "dkms/$1" PASS
	else
		result "dkms/$1" FAIL "$(tail -n 1 "$out/dkms-$1.log" | cut -c1-150)"
	fi
}

build_ok=()
build_module() {
	# build_module KERNEL: the W=1 build test for one kernel.
	local k=$1
	local log=$out/build-w1-$k.log
	if scripts/vm/build-module.sh "$k" >"$log" 2>&1; then
		result "$k/build-w1" PASS
		build_ok+=("$k")
	else
		result "$k/build-w1" FAIL "$(grep -m1 -iE 'warning:|error|no kernel|failed' "$log" | cut -c1-150)"
	fi
}

if [ "$STATIC" = 1 ]; then
	if python3 scripts/check-calls.py --self-test >"$out/call-cycles.log" 2>&1; then
		result static/call-cycles PASS
	else
		result static/call-cycles FAIL "$(grep -m1 -E 'cycle|self-test' "$out/call-cycles.log")"
	fi
	for k in 6.1 6.12; do
		if scripts/vm/build-module.sh --sparse "$k" >"$out/sparse-$k.log" 2>&1; then
			result "static/sparse-$k" PASS
		else
			result "static/sparse-$k" FAIL "$(sed -n 2p "$out/sparse-$k.log" | cut -c1-150)"
		fi
	done
	# The harness's own report of a dying VM, which only ever runs when
	# something has gone wrong.
	gist_int3=$(splat_gist scripts/vm/testdata/splat-int3.txt)
	gist_kasan=$(splat_gist scripts/vm/testdata/splat-kasan-irq.txt)
	if [ "$gist_int3" = "RIP: 0010:__schedule+0x8c4/0x31c0; Comm: sh; trace: __cond_resched+0x4c < cpus_read_lock+0x1b < __static_call_update+0xa1 < tracepoint_probe_unregister+0x42f < tracing_stop_cmdline_record+0x4a" ] &&
		[ "$gist_kasan" = "RIP: 0010:identify_cpu+0x297/0x1d50; Comm: swapper/0; trace: do_raw_spin_lock+0x11d < handle_edge_irq+0x2c < __common_interrupt+0x79 < common_interrupt+0x7b < asm_common_interrupt+0x26" ]; then
		result static/splat-gist PASS
	else
		result static/splat-gist FAIL "got '$gist_int3' and '$gist_kasan'"
	fi
	for k in 6.1 6.12; do
		dkms_test "$k"
	done
	# The command's unit tests (canned kernel messages, promtool on its
	# metrics): no kernel needed.
	if make --no-print-directory tools-test >"$out/tools-test.log" 2>&1; then
		result static/tools-test PASS
	else
		result static/tools-test FAIL "$(grep -m1 -E '^not ok|error' "$out/tools-test.log" | cut -c1-150)"
	fi
	timing "static checks without the debug tree"
fi
# The Debian packages (version-check, dpkg-buildpackage, lintian), which
# t-52 installs into a VM: built before any VM starts.
if [ "$STATIC" = 1 ] || [[ " $TESTS " == *" t-52-deb "* ]]; then
	if make --no-print-directory deb >"$out/deb.log" 2>&1; then
		result static/deb PASS
	else
		result static/deb FAIL "$(grep -m1 -E '^(E|W|error|dpkg-buildpackage: error)' "$out/deb.log" | cut -c1-150)"
	fi
	timing "Debian packages built"
fi
for k in 6.1 6.12; do
	if [ "$STATIC" = 1 ] || [[ " $KERNELS " == *" $k "* ]]; then
		build_module "$k"
	fi
done

# checkpatch needs the debug kernel's tree: after the build.
static_checkpatch() {
	local files n
	files=$(git ls-files -co --exclude-standard |
		grep -E '^([^/]+\.[ch]|include/.+\.[ch]|kunit/.+\.[ch]|tools/.+\.[ch])$')
	if [ "$debug_state" != ok ]; then
		result static/checkpatch FAIL "no debug kernel tree for checkpatch.pl"
	elif [ -z "$files" ]; then
		result static/checkpatch FAIL "no C sources found"
	else
		# Ignored: LINUX_VERSION_CODE -- "code should be for the version to
		# which it is merged" is for in-tree code; an out-of-tree module
		# that builds on several kernels needs version tests (kept in
		# include/gre_ka_compat.h).
		# shellcheck disable=SC2086 # file names have no spaces
		if perl "$tree/scripts/checkpatch.pl" --strict --no-tree --show-types \
			--ignore LINUX_VERSION_CODE -f $files >"$out/checkpatch.log" 2>&1; then
			result static/checkpatch PASS
		else
			n=$(grep -cE '^(ERROR|WARNING|CHECK):' "$out/checkpatch.log")
			result static/checkpatch FAIL "$n findings: $(grep -m1 -E '^(ERROR|WARNING|CHECK):' "$out/checkpatch.log" | cut -c1-120)"
		fi
	fi
}

# --- VM tests -----------------------------------------------------------------
if [ -n "$TESTS" ]; then
	# shellcheck disable=SC2206 # split on purpose
	tests=($TESTS)
	tests=("${tests[@]%.sh}")
else
	tests=()
	for f in scripts/tests/t-*.sh; do
		[ -e "$f" ] || continue
		f=${f##*/}
		tests+=("${f%.sh}")
	done
fi

# test_timeout NAME: seconds run-all.sh allows the test (before scaling).
test_timeout() {
	local t
	t=$(sed -n 's/^# timeout: *\([0-9][0-9]*\).*/\1/p' "scripts/tests/$1.sh" 2>/dev/null | head -n 1)
	echo "${t:-${TEST_TIMEOUT:-120}}"
}

# test_runs_on KERNEL NAME: the test's "# kernels: K... (why)" line
# (default: all) names KERNEL. Tests of a daemon's behaviour need only one
# kernel; the debug kernel runs a subset (README, "Tests on the debug
# kernel"); the rest run on all three. Debian's newer kernels run the
# core of the suite, the tests whose header says "# core: yes", whatever
# their "# kernels:" line says (make soak runs any test on any kernel).
test_runs_on() {
	local ks
	if is_deb_kernel "$1"; then
		grep -q '^# core: *yes' "scripts/tests/$2.sh" 2>/dev/null
		return
	fi
	ks=$(sed -n 's/^# kernels: *\([^(]*\).*/\1/p' "scripts/tests/$2.sh" 2>/dev/null | head -n 1)
	[ -z "$ks" ] || [[ " $ks " == *" $1 "* ]]
}

# tests_for KERNEL: the tests to run on KERNEL, space-separated.
tests_for() {
	local t r=()
	for t in "${tests[@]}"; do
		test_runs_on "$1" "$t" && r+=("$t")
	done
	echo "${r[*]}"
}

# test_cost KERNEL NAME: expected seconds, as measured (scripts/vm/durations),
# else a third of the test's timeout.
test_cost() {
	local c
	c=$(awk -v k="$1" -v t="$2" '$1 == k && $2 == t { print $3; exit }' \
		scripts/vm/durations 2>/dev/null)
	if [ -z "$c" ]; then
		c=$(test_timeout "$2")
		[ "$1" = debug ] || c=$((c / 3))
	fi
	echo "$c"
}

# Split the debug kernel's tests over DEBUG_SHARDS VMs. kmemleak runs in the
# first VM only (with KUnit and the tests whose header says "# debug:
# kmemleak": the ones that load and unload the module and create and
# destroy tunnels, where a leak would show): it makes every fork, exec and
# allocation of the debug kernel two to three times slower under emulation
# (measured on the 1000 Hz build: boot 110-130 s with it, 33-40 s without;
# /bin/true 600 ms -> 1.2 s), and the other VMs keep KASAN, lockdep, UBSAN,
# DEBUG_OBJECTS and panic_on_warn. The rest go largest first to the shard
# with the least so far.
declare -A shard_tests shard_cost
nshards=$DEBUG_SHARDS
[ "$nshards" -ge 1 ] 2>/dev/null || nshards=1
[ "$nshards" -gt "${#tests[@]}" ] && nshards=${#tests[@]}
[ "$nshards" -ge 1 ] || nshards=1
for ((i = 1; i <= nshards; i++)); do
	shard_tests[$i]=
	shard_cost[$i]=0
done
shard_cost[1]=60
# test_wants_kmemleak NAME: the test's header pins it to the kmemleak VM.
test_wants_kmemleak() {
	grep -q '^# debug: *kmemleak' "scripts/tests/$1.sh" 2>/dev/null
}
while read -r cost t; do
	best=1
	if [ "$nshards" -gt 1 ] && ! test_wants_kmemleak "$t"; then
		best=2
		for ((i = 3; i <= nshards; i++)); do
			[ "${shard_cost[$i]}" -lt "${shard_cost[$best]}" ] && best=$i
		done
	fi
	shard_tests[$best]+=" $t"
	shard_cost[$best]=$((shard_cost[$best] + cost))
done < <(for t in $(tests_for debug); do echo "$(test_cost debug "$t") $t"; done | sort -rn)

# vm_run NAME KERNEL KUNIT TESTS...: boot one VM for KERNEL running TESTS
# (and KUnit first if KUNIT=1). Writes its result lines ("PASS name",
# "FAIL name (why)", "# note") to $out/NAME.lines, which the caller
# replays, so that VMs can run side by side.
vm_run() {
	local name=$1 k=$2 kunit=$3 kout=$out/$1 scale=1 budget=120 start vm_rc t line
	local vm_reason vm_splat vm_status running why
	local -a job=(scripts/vm/check-job.sh) run_tests vm_opts=()
	shift 3
	run_tests=("$@")
	mkdir -p "$kout"
	[ "$k" = debug ] && scale=3
	[ "$kunit" = 1 ] && budget=$((budget + 300)) && job+=(--kunit)
	for t in "${run_tests[@]}"; do
		budget=$((budget + $(test_timeout "$t") * scale + 10))
	done
	# Debug VMs after the first run without kmemleak (see the split above).
	# The first runs on one vCPU: its tests are about leaks, parsing and
	# the keepalive cycle, and under emulation one vCPU made the debug
	# kernel's forks and syscalls 10-40 % cheaper (two interleaved vCPUs
	# pay for ticks, IPIs and RCU on both). The races, t-31's churn and
	# t-41's concurrent netlink and sysfs, keep two.
	if [[ "$name" == debug-[2-9]* ]]; then
		vm_opts=(--append kmemleak=off)
	elif [ "$name" = debug-1 ] && [ "$nshards" -gt 1 ]; then
		vm_opts=(--smp 1)
	fi
	start=$(date +%s)
	scripts/vm/run.sh -q --kernel "$k" --out "$kout" --timeout "$budget" "${vm_opts[@]}" -- \
		"${job[@]}" "${run_tests[@]}" 2>"$out/run-$name.stderr"
	vm_rc=$?
	# A guest that never reached its init (seen once: the debug kernel
	# oopsing in early CPU setup under emulation, long before any module)
	# ran nothing of ours: boot once more, keeping the first attempt's logs.
	if [ "$vm_rc" = 2 ] && [ ! -f "$kout/booted" ]; then
		echo "# $name: the guest did not boot ($(sed -n 's/^reason=//p' "$kout/verdict" 2>/dev/null)); booting once more, first attempt in $kout.noboot"
		rm -rf "$kout.noboot" && mv "$kout" "$kout.noboot" && mkdir -p "$kout"
		scripts/vm/run.sh -q --kernel "$k" --out "$kout" --timeout "$budget" "${vm_opts[@]}" -- \
			"${job[@]}" "${run_tests[@]}" 2>"$out/run-$name.stderr"
		vm_rc=$?
	fi
	echo "# $name: VM ran ${#run_tests[@]} tests in $(($(date +%s) - start)) s (timeout $budget s, run.sh exit $vm_rc), logs in $kout"
	vm_reason=$(sed -n 's/^reason=//p' "$kout/verdict" 2>/dev/null)
	vm_splat=$(sed -n 's/^splat=//p' "$kout/verdict" 2>/dev/null)
	[ -n "$vm_reason" ] || vm_reason="run.sh failed: $(tail -n 1 "$out/run-$name.stderr")"

	if [ "$kunit" = 1 ]; then
		if [ ! -s "$kout/kunit.log" ]; then
			echo "FAIL debug/kunit (no KUnit output ($vm_reason))"
		elif ! grep -q '^ok:' "$kout/kunit-taint" 2>/dev/null; then
			echo "FAIL debug/kunit ($(cat "$kout/kunit-taint" 2>/dev/null || echo 'no taint check'))"
		elif nm -u .build/debug/gre_ka.ko 2>/dev/null | grep -q kunit; then
			echo "FAIL debug/kunit (gre_ka.ko references KUnit: $(nm -u .build/debug/gre_ka.ko | grep kunit | head -n 3 | paste -sd' '))"
		elif why=$(scripts/vm/kunit-verdict.sh "$kout/kunit.log" "$kout/kunit.parsed"); then
			echo "PASS debug/kunit"
			echo "# debug/kunit: $why; $(cat "$kout/kunit-taint")"
		else
			echo "FAIL debug/kunit ($why)"
		fi
	fi

	# The test that was running if the VM died: started, no result.
	running=$(sed -n 's/^# ---- \(t-[^ ]*\) (timeout.*/\1/p' "$kout/job.log" 2>/dev/null | tail -n 1)
	grep -q "^$running " "$kout/results" 2>/dev/null && running=
	for t in "${run_tests[@]}"; do
		line=$(grep -m1 "^$t " "$kout/results" 2>/dev/null)
		case $line in
		"$t PASS") echo "PASS $k/$t" ;;
		"$t FAIL"*) echo "FAIL $k/$t (${line#"$t FAIL "})" ;;
		*)
			if [ -n "$running" ] && [ "$t" = "$running" ]; then
				echo "FAIL $k/$t (the VM died during this test: $vm_reason)"
			elif [ -n "$running" ]; then
				echo "FAIL $k/$t (did not run: the VM died during $running)"
			else
				echo "FAIL $k/$t (did not run: $vm_reason)"
			fi
			;;
		esac
	done
	# Per-test wall times, for scripts/vm/durations.
	sed -n 's/^# ---- \(t-[^:]*\): \([0-9]*\) s$/\1 \2/p' "$kout/job.log" 2>/dev/null |
		sed "s/^/$k /" >"$kout/durations"

	vm_status=$(sed -n 's/^status=//p' "$kout/verdict" 2>/dev/null)
	if [ "$vm_rc" = 1 ] && [ "$vm_status" = 124 ]; then
		echo "FAIL $name/vm-verdict ($vm_reason)"
	elif [ "$vm_rc" = 0 ] || { [ "$vm_rc" = 1 ] && [ "$vm_splat" = no ]; }; then
		echo "PASS $name/vm-verdict"
	else
		echo "FAIL $name/vm-verdict ($vm_reason)"
	fi
	if [ -s "$kout/splat" ]; then
		echo "# $name: the kernel's report of the first splat:"
		sed 's/^/#   /' "$kout/splat"
	fi
}

# replay FILE: count and print the result lines vm_run wrote. The verdicts
# of a kernel's VMs are folded into one <kernel>/vm result.
declare -A vm_fail
replay() {
	local line name why vmname
	while IFS= read -r line; do
		case $line in
		"PASS "*/vm-verdict) ;;
		"FAIL "*/vm-verdict*)
			name=${line#FAIL }
			vmname=${name%%/*}
			vm_fail[${vmname%%-*}]+="${vm_fail[${vmname%%-*}]:+; }$vmname: ${name#*(}"
			;;
		"PASS "*) result "${line#PASS }" PASS ;;
		"FAIL "*)
			name=${line#FAIL }
			why=${name#* (}
			name=${name%% *}
			result "$name" FAIL "${why%)}"
			;;
		*) echo "$line" ;;
		esac
	done <"$1"
}

# The VM jobs: "name kernel kunit cost tests...". A kernel whose module
# build failed boots no VM.
jobs_list=()
# add_kernel_job KERNEL [WHY]: the VM job of a stock or listed kernel, or
# its tests' failures if its module is not built (WHY, if given, says why).
add_kernel_job() {
	local k=$1 why=${2:-module build failed} cost=0 t
	local -a kt
	# shellcheck disable=SC2207 # split on purpose
	kt=($(tests_for "$k"))
	if [[ " ${build_ok[*]} " != *" $k "* ]]; then
		for t in "${kt[@]}"; do
			result "$k/$t" FAIL "not run: $why"
		done
		result "$k/vm" FAIL "not run: $why"
		return 0
	fi
	for t in "${kt[@]}"; do
		cost=$((cost + $(test_cost "$k" "$t")))
	done
	jobs_list+=("$k $k 0 $cost ${kt[*]}")
}
for k in $KERNELS; do
	[ "$k" = debug ] || is_deb_kernel "$k" || add_kernel_job "$k"
done

# kernels_poll: for each listed kernel whose preparation has ended since,
# its setup result, its DKMS test, its W=1 build and its VM job.
kernels_poll() {
	local k rc why
	for k in "${prep_kernels[@]}"; do
		[ "${prep_state[$k]}" = pending ] || continue
		if [ -f "$out/kernel-$k.rc" ]; then
			rc=$(cat "$out/kernel-$k.rc")
		elif ! kill -0 "$prep_pid" 2>/dev/null; then
			rc="none (the preparation was killed)"
		else
			continue
		fi
		timing "kernel $k prepared (exit $rc)"
		if [ "$rc" = 0 ]; then
			prep_state[$k]=ok
			result "setup/kernel-$k" PASS
			note "kernel $k: $(kernel_release "$k") ($(deb_kernel_field "$k" 2) $(deb_kernel_field "$k" 3)), prepared $(cat "$(deb_kernel_dir "$k")/stamp"): $(paste -sd';' "$(deb_kernel_dir "$k")/timing")"
		else
			prep_state[$k]=failed
			# The cause (apt's, or kernels.sh's "no longer publishes"),
			# else what kernels.sh said last.
			why=$(grep -m1 -E '^(E|error): ' "$out/kernel-$k.log")
			[ -n "$why" ] || why=$(grep -E '^kernels\.sh: ' "$out/kernel-$k.log" | tail -n 1)
			result "setup/kernel-$k" FAIL "exit $rc: $(echo "${why:-see $out/kernel-$k.log}" | cut -c1-150)"
		fi
		# Its DKMS test waits for the main loop to have started the VMs
		# it can (dkms_next): a minute of building must not hold them.
		if [ "$STATIC" = 1 ]; then
			if [ "$rc" = 0 ]; then
				dkms_queue+=("$k")
			else
				result "dkms/$k" FAIL "not run: kernel $k not prepared"
			fi
		fi
		[[ " $KERNELS " == *" $k "* ]] || continue
		if [ "$rc" = 0 ]; then
			build_module "$k"
			add_kernel_job "$k"
		else
			result "$k/build-w1" FAIL "not run: kernel $k not prepared"
			add_kernel_job "$k" "kernel $k not prepared"
		fi
	done
}
dkms_queue=()
# dkms_next: run the first queued DKMS test, if any (false if none).
dkms_next() {
	[ ${#dkms_queue[@]} -gt 0 ] || return 1
	dkms_test "${dkms_queue[0]}"
	dkms_queue=("${dkms_queue[@]:1}")
}
# kernels_pending: is a listed kernel still being prepared?
kernels_pending() {
	local k
	for k in "${prep_kernels[@]}"; do
		[ "${prep_state[$k]}" = pending ] && return 0
	done
	return 1
}
want_debug=0
[[ " $KERNELS " == *" debug "* ]] && want_debug=1

running_pids=()
declare -A pid_job
start_job() {
	# start_job "name kernel kunit cost tests..."
	local -a j
	read -r -a j <<<"$1"
	note "${j[0]}: booting a VM for $((${#j[@]} - 4)) tests"
	vm_run "${j[0]}" "${j[1]}" "${j[2]}" "${j[@]:4}" >"$out/${j[0]}.lines" 2>&1 &
	running_pids+=($!)
	pid_job[$!]=${j[0]}
	timing "${j[0]} started"
}
# reap [--block]: replay the results of every VM that has finished; with
# --block, first wait until one has.
reap() {
	local p alive=() name
	[ "${1:-}" = --block ] && wait -n "${running_pids[@]}" 2>/dev/null
	for p in "${running_pids[@]}"; do
		if kill -0 "$p" 2>/dev/null; then
			alive+=("$p")
		else
			wait "$p" 2>/dev/null
			name=${pid_job[$p]}
			replay "$out/$name.lines"
			timing "$name finished"
		fi
	done
	running_pids=("${alive[@]}")
}
# debug_not_run WHY: KUnit, every debug test and debug/vm fail with WHY.
debug_not_run() {
	local t
	result debug/kunit FAIL "$1"
	for t in $(tests_for debug); do
		result "debug/$t" FAIL "not run: $1"
	done
	result debug/vm FAIL "not run: $1"
}
# add_debug_jobs: once the debug kernel is there, its module and its VMs.
debug_added=0
add_debug_jobs() {
	[ "$debug_added" = 0 ] || return 0
	debug_added=1
	[ "$STATIC" = 1 ] && static_checkpatch
	[ "$want_debug" = 1 ] || return 0
	if [ "$debug_state" != ok ]; then
		result debug/build-w1 FAIL "no debug kernel"
		debug_not_run "no debug kernel"
		return 0
	fi
	build_module debug
	if [[ " ${build_ok[*]} " != *" debug "* ]]; then
		debug_not_run "module build failed"
		return 0
	fi
	for ((i = 1; i <= nshards; i++)); do
		# shellcheck disable=SC2206 # split on purpose
		local -a st=(${shard_tests[$i]})
		[ ${#st[@]} -gt 0 ] || [ "$i" = 1 ] || continue
		jobs_list=("debug-$i debug $([ "$i" = 1 ] && echo 1 || echo 0) ${shard_cost[$i]} ${st[*]}" "${jobs_list[@]}")
	done
}

# Longest runnable job first; the debug shards become runnable when the
# build is done (while it runs, the stock VMs use the cores).
while :; do
	if [ "$debug_state" = building ] && debug_done; then
		debug_wait
	fi
	kernels_poll
	[ "$debug_state" != building ] && add_debug_jobs
	if [ ${#running_pids[@]} -lt "$CHECK_JOBS" ] && [ ${#jobs_list[@]} -gt 0 ]; then
		best=0
		for ((i = 1; i < ${#jobs_list[@]}; i++)); do
			read -r _ _ _ c1 _ <<<"${jobs_list[$i]}"
			read -r _ _ _ c0 _ <<<"${jobs_list[$best]}"
			[ "$c1" -gt "$c0" ] && best=$i
		done
		start_job "${jobs_list[$best]}"
		jobs_list=("${jobs_list[@]:0:$best}" "${jobs_list[@]:$((best + 1))}")
		continue
	fi
	dkms_next && continue
	if [ ${#running_pids[@]} = 0 ]; then
		if kernels_pending; then
			sleep 2
			continue
		fi
		if [ "$debug_state" = building ]; then
			debug_wait
			continue
		fi
		break
	fi
	if [ "$debug_state" = building ] || kernels_pending; then
		# Wake when a VM ends, the build does or a kernel is ready.
		sleep 5
		reap
	else
		reap --block
	fi
done

# One <kernel>/vm result per kernel: all its VMs ran to the end, no splat.
for k in $KERNELS; do
	[ -d "$out/$k" ] || ls -d "$out/$k"-[0-9]* >/dev/null 2>&1 || continue
	if [ -n "${vm_fail[$k]:-}" ]; then
		result "$k/vm" FAIL "${vm_fail[$k]}"
	else
		result "$k/vm" PASS
	fi
done
timing "done"
note "wall times (s since the start):"
sed 's/^/#   /' "$out/timing"
cat "$out"/*/durations >"$out/durations" 2>/dev/null

if [ "$failed" -gt 0 ]; then
	note "failed:"
	for f in "${failures[@]}"; do
		note "  $f"
	done
fi
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
