#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# KUnit step of a check run, inside the test VM on the debug kernel
# (CONFIG_KUNIT=y). gre_ka.ko carries its KUnit suites when built against
# such a kernel, and they run during insmod; this loads and unloads the
# module and saves the kernel log of that span (KTAP, with timestamps) to
# $GRE_KA_OUT/kunit.log, for the host to parse with
# tools/testing/kunit/kunit.py parse (see scripts/check.sh).
set -u

out=${GRE_KA_OUT:?}
ko=${GRE_KA_KO:?}
marker="gre_ka-kunit: start $$-$(date +%s%N)"

echo "$marker" >/dev/kmsg
rc=0
if insmod "$ko"; then
	rmmod gre_ka || {
		echo "kunit-guest: rmmod gre_ka failed"
		rc=1
	}
else
	echo "kunit-guest: insmod $ko failed"
	rc=1
fi
echo "gre_ka-kunit: end" >/dev/kmsg
dmesg | sed -n "/$marker\$/,/gre_ka-kunit: end\$/p" >"$out/kunit.log"
echo "kunit-guest: $(grep -c . "$out/kunit.log") kernel log lines saved to kunit.log"
exit "$rc"
