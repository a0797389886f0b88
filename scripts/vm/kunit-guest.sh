#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# KUnit step of a check run, inside the test VM on the debug kernel
# (CONFIG_KUNIT=y). The suites are a module of their own, kunit/gre_ka_test.ko
# next to gre_ka.ko, using the pure core that gre_ka.ko exports to it on
# such kernels. This first proves that gre_ka.ko alone runs no test and does
# not taint the kernel as a test would (TAINT_TEST, 'N'), then loads the
# test module, whose suites run at load, and unloads both. The kernel log
# of that span (KTAP, with timestamps) goes to $GRE_KA_OUT/kunit.log for the
# host to parse with tools/testing/kunit/kunit.py parse (scripts/check.sh),
# and the taint check's verdict to $GRE_KA_OUT/kunit-taint.
set -u

out=${GRE_KA_OUT:?}
ko=${GRE_KA_KO:?}
test_ko=${ko%/*}/kunit/gre_ka_test.ko
marker="gre_ka-kunit: start $$-$(date +%s%N)"
TAINT_TEST=$((1 << 18))

taint() {
	cat /proc/sys/kernel/tainted
}

rc=0
echo "$marker" >/dev/kmsg
t0=$(taint)
if insmod "$ko"; then
	t1=$(taint)
	if [ $((t1 & TAINT_TEST)) != 0 ] && [ $((t0 & TAINT_TEST)) = 0 ]; then
		echo "fail: loading gre_ka.ko set TAINT_TEST ($t0 -> $t1)" >"$out/kunit-taint"
	elif dmesg | sed -n "/$marker\$/,\$p" | grep -q 'KTAP version'; then
		echo "fail: loading gre_ka.ko ran KUnit suites" >"$out/kunit-taint"
	else
		echo "ok: gre_ka.ko ran no test and left taint $t0 -> $t1" >"$out/kunit-taint"
	fi
	if insmod "$test_ko"; then
		rmmod gre_ka_test || {
			echo "kunit-guest: rmmod gre_ka_test failed"
			rc=1
		}
	else
		echo "kunit-guest: insmod $test_ko failed"
		rc=1
	fi
	rmmod gre_ka || {
		echo "kunit-guest: rmmod gre_ka failed"
		rc=1
	}
else
	echo "kunit-guest: insmod $ko failed"
	echo "fail: gre_ka.ko did not load" >"$out/kunit-taint"
	rc=1
fi
echo "gre_ka-kunit: end" >/dev/kmsg
dmesg | sed -n "/$marker\$/,/gre_ka-kunit: end\$/p" >"$out/kunit.log"
echo "kunit-guest: $(grep -c . "$out/kunit.log") kernel log lines saved to kunit.log; $(cat "$out/kunit-taint")"
exit "$rc"
