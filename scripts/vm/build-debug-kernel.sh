#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the debug kernel (KASAN, lockdep, kmemleak, UBSAN, KUnit, ...) from
# Debian's linux-source-6.12: x86_64 defconfig + scripts/debug.config.
#
# The build goes to $HOME/.cache/gre_ka/debug-<source version>-<hash>/src,
# where <hash> covers scripts/debug.config and this script. The tree is kept,
# since out-of-tree modules are built against it (make -C <tree> M=...).
# A stamp file marks a finished build; with it present this does nothing.
# Older keyed directories are removed after a successful build.
#
# Usage: scripts/vm/build-debug-kernel.sh [--config-only] [--print-tree]
#   --config-only  extract and configure (and verify the config) only
#   --print-tree   print the build tree path and exit (no build)
# Prints the build tree path on success.
set -euo pipefail

. "$(dirname "$0")/common.sh"

config_only=0
case ${1:-} in
--config-only) config_only=1 ;;
--print-tree)
	debug_kernel_tree
	exit 0
	;;
"") ;;
*) die "usage: $0 [--config-only|--print-tree]" ;;
esac

dir=$(debug_kernel_dir)
tree=$dir/src
fragment=$GRE_KA_REPO/scripts/debug.config

if [ -f "$dir/stamp" ]; then
	echo "$tree"
	exit 0
fi

tarball=$(debug_src_tarball) ||
	die "no /usr/src/$GRE_KA_DEBUG_SRC_PKG.tar.*: run scripts/deps.sh"

mkdir -p "$GRE_KA_CACHE"
# Serialise concurrent builds of the same kernel.
exec 9>"$GRE_KA_CACHE/debug-kernel.lock"
flock 9
if [ -f "$dir/stamp" ]; then
	echo "$tree"
	exit 0
fi

log=$dir/build.log
fail() {
	echo "${0##*/}: $*" >&2
	if [ -f "$log" ]; then
		echo "--- last lines of $log:" >&2
		tail -n 40 "$log" >&2
	fi
	exit 2
}

start=$(date +%s)
rm -rf "$dir"
mkdir -p "$tree"
info "extracting $tarball into $tree"
tar -xf "$tarball" -C "$tree" --strip-components=1 >"$log" 2>&1 ||
	fail "extracting $tarball failed"

info "configuring (defconfig + scripts/debug.config)"
{
	make -C "$tree" defconfig &&
		cat "$fragment" >>"$tree/.config" &&
		make -C "$tree" olddefconfig
} >>"$log" 2>&1 || fail "configuring failed"

# Nothing may stay a module: the guest has no /lib/modules for this kernel.
for _ in 1 2 3; do
	grep -qE '^CONFIG_[A-Za-z0-9_]+=m$' "$tree/.config" || break
	echo "making built-in:" $(grep -E '^CONFIG_[A-Za-z0-9_]+=m$' "$tree/.config") >>"$log"
	sed -i -E 's/^(CONFIG_[A-Za-z0-9_]+)=m$/\1=y/' "$tree/.config"
	make -C "$tree" olddefconfig >>"$log" 2>&1 || fail "configuring failed"
done

# Every line of the fragment is an assertion on the final configuration.
bad=0
while IFS= read -r line; do
	case $line in
	CONFIG_*=*)
		sym=${line%%=*}
		if ! grep -qxF -- "$line" "$tree/.config"; then
			got=$(grep -E "^$sym=|^# $sym is not set" "$tree/.config" || true)
			echo "config: wanted '$line', got '${got:-nothing}'" >&2
			bad=1
		fi
		;;
	"# CONFIG_"*" is not set")
		sym=${line#\# }
		sym=${sym%% *}
		if grep -qE "^$sym=" "$tree/.config"; then
			got=$(grep -E "^$sym=" "$tree/.config")
			echo "config: wanted '$line', got '$got'" >&2
			bad=1
		fi
		;;
	esac
done <"$fragment"
if grep -qE '^CONFIG_[A-Za-z0-9_]+=m$' "$tree/.config"; then
	grep -E '^CONFIG_[A-Za-z0-9_]+=m$' "$tree/.config" >&2
	echo "config: the symbols above are still modules" >&2
	bad=1
fi
[ "$bad" = 0 ] || fail "the configuration differs from scripts/debug.config (see above)"

[ "$config_only" = 1 ] && {
	info "configured $tree (--config-only: not built, no stamp)"
	exit 0
}

info "building $(cat "$tree/include/config/kernel.release" 2>/dev/null || echo kernel)" \
	"with $(nproc) jobs, log in $log"
# `modules` also writes Module.symvers, which out-of-tree builds need.
make -C "$tree" -j"$(nproc)" bzImage modules >>"$log" 2>&1 ||
	fail "kernel build failed"
[ -f "$tree/arch/x86/boot/bzImage" ] || fail "no bzImage after the build"
[ -f "$tree/Module.symvers" ] || fail "no Module.symvers after the build"

end=$(date +%s)
echo "built in $((end - start)) s" >>"$log"
date -u +%Y-%m-%dT%H:%M:%SZ >"$dir/stamp"
info "debug kernel ready in $((end - start)) s: $tree"

# Drop stale keyed builds (different source version or configuration).
for old in "$GRE_KA_CACHE"/debug-*/; do
	old=${old%/}
	[ "$old" = "$dir" ] && continue
	[ -d "$old" ] || continue
	info "removing old build $old"
	rm -rf "$old"
done

echo "$tree"
