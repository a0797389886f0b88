#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Build gre_ka.ko for one of the test kernels, with W=1, in a copy of the
# module sources under .build/, and fail on any compiler warning.
#
# Usage: scripts/vm/build-module.sh [--sparse] 6.1|6.12|debug|7.x
#
#   default   .build/<kernel>/: make -C <kdir> M=... W=1 modules; the log is
#             .build/<kernel>/build.log; prints the path of gre_ka.ko
#   --sparse  .build/sparse-<kernel>/: make -s C=2 CHECK=sparse modules;
#             fails if sparse (or the compiler) prints anything at all
#
# The sources copied are the module's: Kbuild, *.c and *.h at the top and
# everything under include/ and kunit/, as git sees them (tracked and
# untracked files that are not ignored), so work in progress is built too.
# The debug kernel is built first if needed, and a kernel of
# scripts/vm/kernels.list downloaded and prepared.
set -uo pipefail

. "$(dirname "$0")/common.sh"

sparse=0
if [ "${1:-}" = --sparse ]; then
	sparse=1
	shift
fi
kernel=${1:-}
valid_kernel "$kernel" ||
	die "usage: $0 [--sparse] 6.1|6.12|debug|$(deb_kernels | paste -sd'|')"

if [ "$kernel" = debug ] && ! debug_kernel_ready; then
	"$GRE_KA_REPO/scripts/vm/build-debug-kernel.sh" >&2 ||
		die "building the debug kernel failed"
fi
if is_deb_kernel "$kernel" && ! deb_kernel_ready "$kernel"; then
	"$GRE_KA_REPO/scripts/vm/kernels.sh" "$kernel" >&2 ||
		die "preparing kernel $kernel failed"
fi
kdir=$(kernel_kdir "$kernel") && [ -f "$kdir/Makefile" ] ||
	die "no kernel build tree for $kernel${kdir:+ ($kdir)}: run scripts/deps.sh"

if [ "$sparse" = 1 ]; then
	bdir=$GRE_KA_REPO/.build/sparse-$kernel
else
	bdir=$GRE_KA_REPO/.build/$kernel
fi
mkdir -p "$bdir"

# --- Copy the sources (only changed files, keeping mtimes: incremental) -----
list=$(cd "$GRE_KA_REPO" && git ls-files -co --exclude-standard |
	grep -E '^(Kbuild|[^/]+\.[ch]|include/.+|kunit/.+)$' | LC_ALL=C sort -u) ||
	die "cannot list the module sources (is $GRE_KA_REPO a git checkout?)"
[ -n "$list" ] || die "no module sources found"
while IFS= read -r f; do
	[ -f "$GRE_KA_REPO/$f" ] || continue # deleted but still tracked
	if ! cmp -s "$GRE_KA_REPO/$f" "$bdir/$f"; then
		mkdir -p "$bdir/$(dirname "$f")"
		cp -p "$GRE_KA_REPO/$f" "$bdir/$f"
	fi
done <<<"$list"
# Drop sources that no longer exist in the repository.
(cd "$bdir" && find . -type f \( -name '*.c' -o -name '*.h' -o -name Kbuild \) \
	! -name '*.mod.c' | sed 's|^\./||') | while IFS= read -r f; do
	grep -qxF -- "$f" <<<"$list" || rm -f "$bdir/$f"
done

# --- Build ------------------------------------------------------------------
log=$bdir/build.log
if [ "$sparse" = 1 ]; then
	command -v sparse >/dev/null || die "sparse missing: run scripts/deps.sh"
	make -s --no-print-directory -C "$kdir" M="$bdir" C=2 CHECK=sparse \
		modules >"$log" 2>&1
	rc=$?
	# Kbuild's own notes are not findings.
	noise='^Skipping BTF generation for .* due to unavailability of vmlinux$'
	findings=$(grep -vE "$noise" "$log" | grep -v '^[[:space:]]*$')
	if [ "$rc" != 0 ] || [ -n "$findings" ]; then
		echo "sparse ($kernel): make exit $rc, $(grep -c . <<<"$findings") lines:"
		echo "$findings" | head -n 50
		exit 1
	fi
	exit 0
fi

make -C "$kdir" M="$bdir" W=1 modules >"$log" 2>&1
rc=$?
if [ "$rc" != 0 ]; then
	echo "build ($kernel): make failed ($rc); last lines of $log:" >&2
	tail -n 30 "$log" >&2
	exit 1
fi
if grep -qi 'warning:' "$log"; then
	echo "build ($kernel): W=1 warnings:" >&2
	grep -i -A3 'warning:' "$log" | head -n 50 >&2
	exit 1
fi
[ -f "$bdir/gre_ka.ko" ] || {
	echo "build ($kernel): no gre_ka.ko produced" >&2
	exit 1
}
# The VM tests' packet fuzzer, a user-space program: built here because a
# compiler under emulation takes minutes. The tests use it when it is newer
# than its source and compile it themselves otherwise.
fuzz_src=$GRE_KA_REPO/scripts/tests/gre_fuzz.c
fuzz_bin=$GRE_KA_REPO/.build/tools/gre_fuzz
if [ -f "$fuzz_src" ] && [ ! "$fuzz_bin" -nt "$fuzz_src" ]; then
	mkdir -p "${fuzz_bin%/*}" &&
		cc -O2 -Wall -Werror -o "$fuzz_bin" "$fuzz_src" >&2 || {
		echo "build ($kernel): building the packet fuzzer failed" >&2
		exit 1
	}
fi
# The gre-ka command (make tools), for the same reason: the VMs run the
# host's binary from .build/tools/gre-ka.
make -s --no-print-directory -C "$GRE_KA_REPO" tools >&2 || {
	echo "build ($kernel): building the gre-ka command failed (libmnl-dev: scripts/deps.sh)" >&2
	exit 1
}
echo "$bdir/gre_ka.ko"
