#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Demo (make demo), placeholder: boots a test VM with Debian's 6.12 kernel,
# builds the standard two-router topology of the tests (two network
# namespaces joined by a veth link, an ip_gre tunnel between them), shows
# the tunnel and pings across it. The keepalive demonstration lands later.
#
# Usage: scripts/demo.sh           (host)
#        scripts/demo.sh --guest   (what runs inside the VM)
set -uo pipefail

cd "$(dirname "$0")/.." || exit 1

if [ "${1:-}" = --guest ]; then
	. scripts/tests/lib.sh
	echo "== Two routers, r1 and r2 (network namespaces), joined by a veth link,"
	echo "== with a GRE tunnel gre1 between them:"
	echo "==   r1 $R1_UL --- $R2_UL r2 (underlay), gre1 $R1_IN <=> $R2_IN (inner)"
	topo_two_routers || exit 1
	echo
	echo "== r1: ip -d link show gre1"
	ns_exec r1 ip -d link show gre1
	echo
	echo "== r1: ping $R2_IN over the tunnel"
	wait_for 10 "a reply from $R2_IN" ping_ok r1 "$R2_IN"
	ns_exec r1 ping -c 3 -i 0.3 "$R2_IN"
	exit
fi

scripts/deps.sh || exit 1
out=out/demo
echo "Booting a VM (Debian 6.12 kernel under qemu; about 10 s)..."
scripts/vm/run.sh -q --kernel 6.12 --out "$out" --timeout 300 -- scripts/demo.sh --guest
rc=$?
echo
cat "$out/job.log"
echo
echo "NOTE: this shows only the test topology: a plain Linux GRE tunnel between"
echo "two routers. The GRE keepalive demonstration (gre_ka) lands later."
echo "(VM console log: $out/console.log)"
exit "$rc"
