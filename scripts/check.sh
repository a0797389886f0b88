#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The whole test suite (make check): static checks, then for each test
# kernel a W=1 module build and one VM running every VM test (on the debug
# kernel the KUnit suites first).
#
# Usage: scripts/check.sh
# Environment, to narrow a developer run:
#   KERNELS="6.1 6.12 debug"  kernels to test on (default: all three)
#   TESTS="t-00-basic ..."    VM tests to run (default: all scripts/tests/t-*)
#   STATIC=0                  leave out the static checks
#   GRE_KA_CHECK_OUT=DIR      where logs go (default: out/check)
#   CHECK_SERIAL=1            one VM at a time (the debug kernel's VM
#                             otherwise runs beside the others)
#
# Each of these is one test, printed as "PASS name" or "FAIL name (why)":
#   setup/deps, setup/debug-kernel          installing and building what runs
#   static/checkpatch                       checkpatch --strict, no findings
#   static/sparse-6.1, static/sparse-6.12   sparse, no output at all
#   dkms/6.1, dkms/6.12                     Debian's dkms builds and installs
#                                           the module from a clean copy of
#                                           the tree (scripts/dkms-check.sh)
#   <kernel>/build-w1                       W=1 module build, no warnings
#   debug/kunit                             KUnit suites, no failed case
#   <kernel>/t-NAME                         each VM test
#   <kernel>/vm                             the VM ran to the end and the
#                                           kernel showed no splat
# The last line is "N passed, N failed"; the exit status is 0 only if none
# failed. Infrastructure failures (missing kernel, qemu error, timeout) are
# failures, never skips.
set -uo pipefail

cd "$(dirname "$0")/.." || exit 2
. scripts/vm/common.sh

KERNELS=${KERNELS:-6.1 6.12 debug}
TESTS=${TESTS:-}
STATIC=${STATIC:-1}
out=${GRE_KA_CHECK_OUT:-$GRE_KA_REPO/out/check}
mkdir -p "$out" && out=$(cd "$out" && pwd) || exit 2
rm -rf "$out"/{6.1,6.12,debug}{,.noboot} "$out"/*.log "$out"/*.stderr "$out"/*.lines

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

for k in $KERNELS; do
	valid_kernel "$k" || {
		result "setup/kernels" FAIL "unknown kernel '$k' in KERNELS (6.1, 6.12, debug)"
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

# The debug kernel's tree also provides checkpatch.pl and kunit.py.
need_debug=0
[ "$STATIC" = 1 ] && need_debug=1
[[ " $KERNELS " == *" debug "* ]] && need_debug=1
debug_ok=0
if [ "$need_debug" = 1 ]; then
	debug_kernel_ready || note "building the debug kernel (about 10 min on 2 cores; cached afterwards)"
	start=$(date +%s)
	if scripts/vm/build-debug-kernel.sh >"$out/debug-kernel.log" 2>&1; then
		result setup/debug-kernel PASS
		debug_ok=1
	else
		result setup/debug-kernel FAIL "see $out/debug-kernel.log"
	fi
	[ $(($(date +%s) - start)) -gt 10 ] && note "debug kernel: $(($(date +%s) - start)) s"
fi
tree=$(debug_kernel_tree)

# --- Static checks ------------------------------------------------------------
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
	files=$(git ls-files -co --exclude-standard |
		grep -E '^([^/]+\.[ch]|include/.+\.[ch]|kunit/.+\.[ch])$')
	if [ "$debug_ok" != 1 ]; then
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
		if scripts/dkms-check.sh "$k" >"$out/dkms-$k.log" 2>&1; then
			result "dkms/$k" PASS
		else
			result "dkms/$k" FAIL "$(tail -n 1 "$out/dkms-$k.log" | cut -c1-150)"
		fi
	done
	for k in 6.1 6.12; do
		build_module "$k"
	done
fi

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

# vm_kernel K: boot one VM for kernel K and run every test in it. Prints
# its results as lines "PASS name", "FAIL name (why)" and "# note", which
# the caller replays, so that VMs can run side by side.
vm_kernel() {
	local k=$1 kout=$out/$1 scale=1 budget=120 start vm_rc t line
	local vm_reason vm_splat vm_status running why
	local -a job=(scripts/vm/check-job.sh)
	mkdir -p "$kout"
	[ "$k" = debug ] && scale=3 && budget=$((budget + 300)) && job+=(--kunit)
	for t in "${tests[@]}"; do
		budget=$((budget + $(test_timeout "$t") * scale + 10))
	done
	start=$(date +%s)
	scripts/vm/run.sh -q --kernel "$k" --out "$kout" --timeout "$budget" -- \
		"${job[@]}" "${tests[@]}" 2>"$out/run-$k.stderr"
	vm_rc=$?
	# A guest that never reached its init (seen once: the debug kernel
	# oopsing in early CPU setup under emulation, long before any module)
	# ran nothing of ours: boot once more, keeping the first attempt's logs.
	if [ "$vm_rc" = 2 ] && [ ! -f "$kout/booted" ]; then
		echo "# $k: the guest did not boot ($(sed -n 's/^reason=//p' "$kout/verdict" 2>/dev/null)); booting once more, first attempt in $kout.noboot"
		rm -rf "$kout.noboot" && mv "$kout" "$kout.noboot" && mkdir -p "$kout"
		scripts/vm/run.sh -q --kernel "$k" --out "$kout" --timeout "$budget" -- \
			"${job[@]}" "${tests[@]}" 2>"$out/run-$k.stderr"
		vm_rc=$?
	fi
	echo "# $k: VM ran ${#tests[@]} tests in $(($(date +%s) - start)) s (timeout $budget s, run.sh exit $vm_rc), logs in $kout"
	vm_reason=$(sed -n 's/^reason=//p' "$kout/verdict" 2>/dev/null)
	vm_splat=$(sed -n 's/^splat=//p' "$kout/verdict" 2>/dev/null)
	[ -n "$vm_reason" ] || vm_reason="run.sh failed: $(tail -n 1 "$out/run-$k.stderr")"

	if [ "$k" = debug ]; then
		if [ ! -s "$kout/kunit.log" ]; then
			echo "FAIL debug/kunit (no KUnit output ($vm_reason))"
		elif why=$(scripts/vm/kunit-verdict.sh "$kout/kunit.log" "$kout/kunit.parsed"); then
			echo "PASS debug/kunit"
			echo "# debug/kunit: $why"
		else
			echo "FAIL debug/kunit ($why)"
		fi
	fi

	# The test that was running if the VM died: started, no result.
	running=$(sed -n 's/^# ---- \(t-[^ ]*\) (timeout.*/\1/p' "$kout/job.log" 2>/dev/null | tail -n 1)
	grep -q "^$running " "$kout/results" 2>/dev/null && running=
	for t in "${tests[@]}"; do
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

	vm_status=$(sed -n 's/^status=//p' "$kout/verdict" 2>/dev/null)
	if [ "$vm_rc" = 1 ] && [ "$vm_status" = 124 ]; then
		echo "FAIL $k/vm ($vm_reason)"
	elif [ "$vm_rc" = 0 ] || { [ "$vm_rc" = 1 ] && [ "$vm_splat" = no ]; }; then
		echo "PASS $k/vm"
	else
		echo "FAIL $k/vm ($vm_reason)"
	fi
	if [ -s "$kout/splat" ]; then
		echo "# $k: the kernel's report of the first splat:"
		sed 's/^/#   /' "$kout/splat"
	fi
}

# replay FILE: count and print the result lines vm_kernel wrote.
replay() {
	local line name why
	while IFS= read -r line; do
		case $line in
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

# Module builds first; a kernel whose build failed boots no VM.
vm_kernels=()
for k in $KERNELS; do
	if [[ " ${build_ok[*]} " != *" $k "* ]] && [ ! -f "$out/build-w1-$k.log" ]; then
		build_module "$k"
	fi
	if [[ " ${build_ok[*]} " != *" $k "* ]]; then
		[ "$k" = debug ] && result debug/kunit FAIL "module build failed"
		for t in "${tests[@]}"; do
			result "$k/$t" FAIL "not run: module build failed"
		done
		result "$k/vm" FAIL "not run: module build failed"
		continue
	fi
	vm_kernels+=("$k")
done

# The debug kernel's VM takes longest, so it runs beside the others (each
# VM is mostly waiting on timers); CHECK_SERIAL=1 runs one VM at a time.
pids=()
for k in "${vm_kernels[@]}"; do
	if [ "$k" = debug ] && [ "${CHECK_SERIAL:-0}" != 1 ] && [ ${#vm_kernels[@]} -gt 1 ]; then
		note "debug: VM started in the background"
		vm_kernel debug >"$out/debug.lines" 2>&1 &
		pids+=($!)
	fi
done
for k in "${vm_kernels[@]}"; do
	if [ "$k" != debug ] || [ ${#pids[@]} = 0 ]; then
		note "$k: booting a VM for ${#tests[@]} tests"
		vm_kernel "$k" >"$out/$k.lines" 2>&1
		replay "$out/$k.lines"
	fi
done
if [ ${#pids[@]} -gt 0 ]; then
	wait "${pids[@]}"
	replay "$out/debug.lines"
fi

if [ "$failed" -gt 0 ]; then
	note "failed:"
	for f in "${failures[@]}"; do
		note "  $f"
	done
fi
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
