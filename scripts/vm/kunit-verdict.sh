#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Judge a KUnit run from its kernel log (KTAP, as saved by kunit-guest.sh),
# using the debug kernel tree's tools/testing/kunit/kunit.py parse.
#
# Usage: scripts/vm/kunit-verdict.sh KUNIT_LOG [PARSED_OUTPUT]
#
# Prints one line: the kunit.py summary ("Ran N tests: passed: N") or why it
# failed. Exit 0 only if kunit.py parse succeeded, at least one test case
# ran, and none failed, crashed, was skipped or had errors.
set -uo pipefail

. "$(dirname "$0")/common.sh"

log=${1:?usage: $0 KUNIT_LOG [PARSED_OUTPUT]}
parsed=${2:-$log.parsed}
kunit=$(debug_kernel_tree)/tools/testing/kunit/kunit.py

[ -f "$kunit" ] || {
	echo "no $kunit (build the debug kernel)"
	exit 1
}
[ -s "$log" ] || {
	echo "no KUnit output"
	exit 1
}
# kunit.py changes directory to its kernel tree.
log=$(realpath "$log")

py=/usr/bin/python3
[ -x "$py" ] || py=python3
"$py" "$kunit" parse "$log" >"$parsed" 2>&1
rc=$?
summary=$(sed 's/\x1b\[[0-9;]*m//g' "$parsed" |
	grep -o 'Testing complete\. Ran [0-9]* tests:.*' | tail -n 1)
summary=${summary#Testing complete. }
ran=$(sed -n 's/^Ran \([0-9]*\) tests.*/\1/p' <<<"$summary")

if [ "$rc" != 0 ]; then
	echo "kunit.py parse exit $rc: ${summary:-$(tail -n 1 "$parsed")}"
	exit 1
elif [ -z "$ran" ] || [ "$ran" = 0 ]; then
	echo "no test cases ran${summary:+: $summary}"
	exit 1
elif grep -qE 'failed|crashed|skipped|errors' <<<"$summary"; then
	echo "$summary"
	exit 1
fi
echo "$summary"
