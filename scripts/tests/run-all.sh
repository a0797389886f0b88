#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run gre_ka's VM tests (inside the test VM; see scripts/vm/run.sh).
#
# Usage: scripts/tests/run-all.sh [t-NAME ...]
#
# Runs every scripts/tests/t-*.sh in order, or the ones named (with or
# without .sh), each in its own bash with a timeout: the test's
# "# timeout: N" line, else $TEST_TIMEOUT (default 120) seconds, tripled on
# the debug kernel and multiplied by $GRE_KA_TIMEOUT_SCALE (default 1).
# Prints "PASS t-name" or "FAIL t-name (reason)" for each and writes
# "t-name PASS" / "t-name FAIL reason" lines to
# $GRE_KA_OUT/results, each test's output to $GRE_KA_OUT/tests/t-name.log.
#
# A test fails if it exits nonzero, times out, reports a failed check, runs
# no check at all, leaves gre_ka loaded, or if the kernel logs a splat
# (scripts/vm/splat-patterns) while it runs. Exit status: 0 if all passed.
set -u

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
out=${GRE_KA_OUT:-/tmp/gre_ka-tests}
mkdir -p "$out/tests"
results=$out/results
: >"$results"

scale=1
[ "${GRE_KA_KERNEL:-}" = debug ] && scale=3
# Long runs (make soak) scale every timeout further.
scale=$((scale * ${GRE_KA_TIMEOUT_SCALE:-1}))
default_timeout=${TEST_TIMEOUT:-120}
splat_re=$(grep -vE '^(#|$)' "$repo/scripts/vm/splat-patterns" | paste -sd'|')

tests=()
if [ $# -gt 0 ]; then
	for a in "$@"; do
		a=${a##*/}
		tests+=("${a%.sh}")
	done
else
	for f in "$here"/t-*.sh; do
		[ -e "$f" ] || continue
		f=${f##*/}
		tests+=("${f%.sh}")
	done
fi

kmsg() {
	echo "$*" >/dev/kmsg 2>/dev/null
}

passed=0
failed=0
record() {
	# record NAME PASS|FAIL [REASON]
	if [ "$2" = PASS ]; then
		passed=$((passed + 1))
		echo "PASS $1"
		echo "$1 PASS" >>"$results"
	else
		failed=$((failed + 1))
		echo "FAIL $1 ($3)"
		echo "$1 FAIL $3" >>"$results"
	fi
	kmsg "gre_ka-test: end $1 $2"
}

[ ${#tests[@]} -gt 0 ] || {
	echo "run-all: no tests found"
	exit 1
}

for name in "${tests[@]}"; do
	file=$here/$name.sh
	log=$out/tests/$name.log
	if [ ! -f "$file" ]; then
		record "$name" FAIL "no such test: $file"
		continue
	fi
	t=$(sed -n 's/^# timeout: *\([0-9][0-9]*\).*/\1/p' "$file" | head -n 1)
	t=$((${t:-$default_timeout} * scale))

	echo "# ---- $name (timeout $t s)"
	kmsg "gre_ka-test: start $name"
	start=$(date +%s)
	# Output to the log, shown live by tail, which stops when the test ends:
	# processes a test leaves behind cannot keep us waiting.
	timeout -k 5 "$t" bash "$file" </dev/null >"$log" 2>&1 &
	pid=$!
	tail -n +1 -s 0.2 -f --pid="$pid" "$log" &
	tail_pid=$!
	wait "$pid"
	rc=$?
	wait "$tail_pid"
	secs=$(($(date +%s) - start))

	oks=$(grep -c '^ok ' "$log")
	noks=$(grep -c '^not ok ' "$log")
	splat=$(dmesg | sed -n "/gre_ka-test: start $name\$/,\$p" |
		grep -aE -m1 "$splat_re" | cut -c1-160)
	loaded=0
	if [ -d /sys/module/gre_ka ]; then
		loaded=1
		rmmod gre_ka 2>/dev/null
	fi
	# Isolate the next test from what this one left behind: a namespace's
	# sysfs mounted by ka.sh (a test killed by its timeout leaves it, and
	# the next test's ka_sys would take it for its own namespace's), and
	# the namespaces themselves.
	for m in $(awk '$2 ~ "^/run/gre_ka-sys/" { print $2 }' /proc/mounts); do
		umount -l "$m" 2>/dev/null
	done
	if [ -n "$(ip netns list 2>/dev/null)" ]; then
		echo "# $name left network namespaces behind: $(ip netns list | cut -d' ' -f1 | paste -sd' ')"
		ip -all netns delete 2>/dev/null
	fi

	if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
		record "$name" FAIL "timeout after $t s"
	elif [ "$noks" -gt 0 ]; then
		# Name the failed checks: the summary may be all that a CI
		# log keeps.
		record "$name" FAIL "$noks of $((oks + noks)) checks failed: $(
			sed -n 's/^not ok [0-9]* - //p' "$log" | head -n 3 | paste -sd';')"
	elif [ $((oks + noks)) = 0 ]; then
		record "$name" FAIL "no checks ran (exit status $rc)"
	elif [ "$rc" != 0 ]; then
		record "$name" FAIL "exit status $rc"
	elif [ -n "$splat" ]; then
		record "$name" FAIL "kernel splat: $splat"
	elif [ "$loaded" = 1 ]; then
		record "$name" FAIL "gre_ka was still loaded after the test"
	else
		record "$name" PASS
	fi
	echo "# ---- $name: $secs s"
done

echo "# run-all: $passed passed, $failed failed"
[ "$failed" = 0 ]
