#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Build (or reuse) the test VM's initramfs for a kernel and print its path.
#
# Usage: scripts/vm/mkinitramfs.sh KERNEL_RELEASE|none [MODROOT]
#
# For a Debian kernel release (e.g. 6.12.117+deb12-amd64) the image holds
# busybox-static, scripts/vm/initramfs-init as /init, and -- decompressed --
# the modules that mounting the host root over 9p/virtio needs, with their
# dependencies, in load order, taken from MODROOT/lib/modules/<release>
# (default: the host's; see kernel_modroot). "none" makes an image without
# modules (for the debug kernel, which has all of that built in).
#
# Images are cached in $HOME/.cache/gre_ka, keyed by kernel release and a
# hash of this script and the init script.
set -euo pipefail

. "$(dirname "$0")/common.sh"

kver=${1:?usage: $0 KERNEL_RELEASE|none [MODROOT]}
modroot=${2:-/}
init=$GRE_KA_REPO/scripts/vm/initramfs-init
key=$(hash_files "$0" "$init")
img=$GRE_KA_CACHE/initramfs-$kver-$key.cpio.gz

if [ -s "$img" ]; then
	echo "$img"
	exit 0
fi

busybox=$(command -v busybox || true)
[ -x /bin/busybox ] && busybox=/bin/busybox
[ -n "$busybox" ] || die "busybox not found: run scripts/deps.sh"
ldd_out=$(LC_ALL=C ldd "$busybox" 2>&1 || true)
case $ldd_out in
*"not a dynamic executable"*) ;;
*) die "$busybox is not static: install busybox-static (scripts/deps.sh)" ;;
esac

mkdir -p "$GRE_KA_CACHE"
stage=$(mktemp -d "$GRE_KA_CACHE/initramfs.XXXXXX")
trap 'rm -rf "$stage"' EXIT

mkdir -p "$stage"/{bin,dev,proc,sys,newroot,lib/modules}
cp "$busybox" "$stage/bin/busybox"
cp "$init" "$stage/init"
chmod 755 "$stage/init"
# The kernel opens /dev/console before running /init; without the node
# (creating it needs root) /init reopens it after mounting devtmpfs.
mknod -m 600 "$stage/dev/console" c 5 1 2>/dev/null || true
: >"$stage/modules"

if [ "$kver" != none ]; then
	[ -d "$modroot/lib/modules/$kver" ] || die "no $modroot/lib/modules/$kver"
	n=0
	# modprobe prints each dependency chain; keep the first occurrence.
	modprobe -d "$modroot" -S "$kver" -a --show-depends 9p 9pnet_virtio virtio_pci |
		awk '$1 == "insmod" && !seen[$2]++ { print $2 }' >"$stage/list"
	while read -r path; do
		n=$((n + 1))
		name=$(basename "$path")
		name=${name%.xz}
		name=${name%.zst}
		name=${name%.gz}
		dst=$(printf '%02d-%s' "$n" "$name")
		case $path in
		*.ko.xz) xz -dc "$path" >"$stage/lib/modules/$dst" ;;
		*.ko.zst) zstd -qdc "$path" >"$stage/lib/modules/$dst" ;;
		*.ko.gz) gzip -dc "$path" >"$stage/lib/modules/$dst" ;;
		*.ko) cp "$path" "$stage/lib/modules/$dst" ;;
		*) die "unexpected module file $path" ;;
		esac
		echo "$dst" >>"$stage/modules"
	done <"$stage/list"
	rm -f "$stage/list"
	if ! grep -q -- '-9p\.ko$' "$stage/modules"; then
		modprobe -d "$modroot" -S "$kver" --show-depends 9p | grep -qx 'builtin 9p' ||
			die "9p is neither a module nor built into $kver"
	fi
fi

(cd "$stage" && find . -mindepth 1 | LC_ALL=C sort |
	cpio -o -H newc --quiet -R 0:0) | gzip -9 >"$img.$$.tmp"
mv "$img.$$.tmp" "$img"
# Drop images of this kernel made by older versions of these scripts.
for old in "$GRE_KA_CACHE/initramfs-$kver-"*.cpio.gz; do
	[ "$old" = "$img" ] || rm -f "$old"
done
echo "$img"
