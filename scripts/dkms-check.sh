#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Prove that Debian's dkms builds and installs gre_ka from a clean tree for
# one of the test kernels (make check: dkms/6.1, dkms/6.12, and dkms/7.3
# ... for the kernels of scripts/vm/kernels.list), without leaving anything
# behind on this machine.
#
# Usage: scripts/dkms-check.sh 6.1|6.12|7.x
#
# The repository's files (git ls-files: tracked and untracked-not-ignored,
# no build products) are copied to a scratch source tree. dkms add, build
# and install then run in a private mount namespace in which
# /var/lib/dkms is an empty tmpfs and /lib/modules an overlay whose
# changes live in the scratch directory, so neither the host's DKMS state
# nor its module trees change; the scratch directory is removed at exit,
# also on failure. A listed kernel, which the host has not installed,
# joins that overlay from its extracted packages, with its prepared
# source tree (scripts/vm/kernels.sh) as its build directory, as its
# headers package would be. Passes if the module dkms installed is found
# by modinfo for that kernel with that kernel's vermagic.
set -uo pipefail

cd "$(dirname "$0")/.." || exit 2
. scripts/vm/common.sh

series=${1:-}
if [ "$series" = debug ] || ! valid_kernel "$series"; then
	die "usage: $0 6.1|6.12|$(deb_kernels | paste -sd'|')"
fi
if [ "$(id -u)" != 0 ]; then
	die "needs root (mount namespace, dkms)"
fi
command -v dkms >/dev/null || die "dkms is not installed (scripts/deps.sh)"
kver=$(kernel_release "$series")
[ -n "$kver" ] || die "no Debian $series kernel installed"
modlower=/lib/modules
kbuild=
if is_deb_kernel "$series"; then
	deb_kernel_ready "$series" || die "kernel $series is not prepared (scripts/vm/kernels.sh $series)"
	modlower+=":$(kernel_modroot "$series")/usr/lib/modules"
	kbuild=$(kernel_kdir "$series")
elif [ ! -f "/lib/modules/$kver/build/Makefile" ]; then
	die "no headers for $kver"
fi
ver=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' dkms.conf)
[ -n "$ver" ] || die "no PACKAGE_VERSION in dkms.conf"

# What gre_ka DKMS state the host has (normally none): must be unchanged.
host_state() {
	ls -d /var/lib/dkms/gre_ka /var/lib/dkms/gre_ka/* /usr/src/gre_ka-* \
		/lib/modules/*/updates/dkms/gre_ka.ko* 2>/dev/null
}
before=$(host_state)

scratch=$(mktemp -d /tmp/gre_ka-dkms.XXXXXX) || exit 2
trap 'rm -rf "$scratch"' EXIT
trap 'exit 143' TERM INT

src=$scratch/src/gre_ka-$ver
mkdir -p "$src" || exit 2
git ls-files -co --exclude-standard -z | while IFS= read -r -d '' f; do
	[ -f "$f" ] || continue # deleted but still tracked
	cp --parents -p -- "$f" "$src/" || exit 1
done || die "copying the tree failed"

# The part that runs in the private mount namespace. Mounts there vanish
# with the namespace.
# shellcheck disable=SC2317 # invoked through bash -c
inner() {
	set -e
	mkdir -p /var/lib/dkms "$scratch/ovl"
	mount -t tmpfs tmpfs /var/lib/dkms
	mount -t tmpfs tmpfs "$scratch/ovl"
	mkdir "$scratch/ovl/upper" "$scratch/ovl/work"
	mount -t overlay overlay -o "lowerdir=$modlower,upperdir=$scratch/ovl/upper,workdir=$scratch/ovl/work" /lib/modules
	[ -z "$kbuild" ] || ln -sfn "$kbuild" "/lib/modules/$kver/build"
	dkms add -m gre_ka -v "$ver" --sourcetree "$scratch/src"
	dkms build -m gre_ka -v "$ver" -k "$kver" || {
		# make.log lives in the tmpfs: show it before it goes.
		tail -n 40 "/var/lib/dkms/gre_ka/$ver/build/make.log"
		echo "dkms build failed for $kver (the end of make.log is above)"
		exit 1
	}
	dkms install -m gre_ka -v "$ver" -k "$kver"
	dkms status -m gre_ka -v "$ver" -k "$kver"
	dkms status -m gre_ka -v "$ver" -k "$kver" | grep -q ': installed'
	f=$(modinfo -k "$kver" -F filename gre_ka)
	echo "installed: $f"
	case $f in
	"/lib/modules/$kver/updates/dkms/gre_ka.ko"*) ;;
	*) echo "modinfo finds gre_ka at '$f', not the one dkms installed"; exit 1 ;;
	esac
	vm=$(modinfo -k "$kver" -F vermagic gre_ka)
	echo "vermagic: $vm"
	case "$vm " in
	"$kver "*) ;;
	*) echo "vermagic '$vm' is not for $kver"; exit 1 ;;
	esac
}
export scratch ver kver modlower kbuild
export -f inner
unshare --mount --propagation private bash -c inner
rc=$?

# Nothing may have reached the host.
after=$(host_state)
if [ "$before" != "$after" ]; then
	echo "the host's gre_ka DKMS state changed: before '$before', after '$after'"
	rc=1
fi
[ "$rc" = 0 ] && echo "dkms built and installed gre_ka $ver for $kver"
exit "$rc"
