#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The job scripts/check.sh runs in each test VM.
# Usage: scripts/vm/check-job.sh [--kunit] [t-NAME ...]
#   --kunit  first run the KUnit step (scripts/vm/kunit-guest.sh)
# then scripts/tests/run-all.sh with the given tests (default: all, but
# after --kunit none: a KUnit-only VM, e.g. TESTS= naming no kmemleak test).
set -u
cd "$(dirname "$0")/../.." || exit 1
if [ "${1:-}" = --kunit ]; then
	shift
	echo "# ---- KUnit"
	scripts/vm/kunit-guest.sh
	echo "# kunit-guest exit status $?"
	[ $# -gt 0 ] || exit 0
fi
exec scripts/tests/run-all.sh "$@"
