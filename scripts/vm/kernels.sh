#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Debian's newer kernels (scripts/vm/kernels.list): download, extract and
# prepare them for building gre_ka and booting it in the test VMs, or
# refresh the list.
#
# Usage:
#   scripts/vm/kernels.sh [NAME...]   prepare the listed kernels (default:
#                                     all); prints each one's build tree
#   scripts/vm/kernels.sh --refresh   rewrite the list with the newest
#                                     version each suite publishes (make
#                                     kernels), then prepare them
#   scripts/vm/kernels.sh --names     print the listed kernels' names
#
# The packages come from deb.debian.org through an apt configuration of
# our own under $HOME/.cache/gre_ka/apt (sources, lists, archives), so the
# machine's apt sources and state are never touched. For each kernel, in
# $HOME/.cache/gre_ka/kernel-<name>-<version>-<hash>/ (see deb_kernel_dir):
#   root/   the image, modules, base and headers packages, extracted, with
#           the modules.dep that Debian's packages leave to their postinst
#           (the host's depmod -b): what the guest boots and loads from
#   src/    linux-source-<name>, configured with Debian's own config and
#           prepared for external modules (modules_prepare) with the
#           host's compiler, plus the headers package's Module.symvers:
#           what the module builds against (make -C src M=...)
#   timing  wall and CPU time of each step; stamp: the kernel is ready
# Why the source and not the headers package: the newer suites' headers
# bring kbuild programs (fixdep, modpost, ...) linked against a newer glibc
# than Debian 12's, and want a compiler Debian 12 lacks (gcc-14, gcc-16).
# The module still has to load into Debian's own image: make -C src builds
# with Debian's release string (vermagic), configuration and exported
# symbols (Module.symvers, which would also give the CRCs of modversions;
# Debian's newer kernels have none, turned off for Rust).
#
# With the stamp present a kernel costs nothing. The packages are deleted
# once the kernel is ready; older keyed directories too.
set -euo pipefail

. "$(dirname "$0")/common.sh"

apt_dir=$GRE_KA_CACHE/apt
apt_opts=(
	-o Dir::Etc::sourcelist="$apt_dir/sources.list"
	-o Dir::Etc::sourceparts=/nonexistent
	-o Dir::State::Lists="$apt_dir/lists"
	-o Dir::State::status=/dev/null
	-o Dir::Cache="$apt_dir/cache"
	-o APT::Architecture=amd64
	-o APT::Architectures::=amd64
	-o Acquire::Languages=none
	# Our cache is under a home that the _apt user cannot enter.
	-o APT::Sandbox::User=root
)
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
mirror=${GRE_KA_DEBIAN_MIRROR:-http://deb.debian.org/debian}

list_suites() {
	awk '!/^#/ && NF >= 5 { print $2 }' "$GRE_KA_KERNELS_LIST" | sort -u
}

# apt_update SUITE...: fetch the suites' package lists into our own apt
# state; serialised with every other apt call of ours.
apt_update() {
	local s
	mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial"
	for s in "$@"; do
		echo "deb [signed-by=$keyring] $mirror $s main"
	done >"$apt_dir/sources.list"
	flock "$apt_dir/lock" apt-get -q "${apt_opts[@]}" update
}

# apt_known PACKAGE VERSION: do our package lists have it? (apt-cache show
# PACKAGE=VERSION succeeds whatever the version.)
apt_known() {
	apt-cache "${apt_opts[@]}" madison "$1" 2>/dev/null |
		awk -F' *[|] *' -v v="$2" '$2 == v { f = 1 } END { exit !f }'
}

# --- Refresh ------------------------------------------------------------------

refresh() {
	local name suite version release date new nv nr series seen=" 6.1 6.12 debug " tmp
	mkdir -p "$apt_dir"
	# shellcheck disable=SC2046 # one suite per word
	apt_update $(list_suites) >&2 || die "apt-get update failed"
	tmp=$(mktemp "$GRE_KA_KERNELS_LIST.XXXXXX")
	grep '^#' "$GRE_KA_KERNELS_LIST" >"$tmp"
	while read -r name suite version release date; do
		# The newest linux-image-amd64 of the suite: apt-cache madison
		# lists versions newest first.
		nv=$(apt-cache "${apt_opts[@]}" madison linux-image-amd64 |
			awk -F' *[|] *' -v s=" $suite/main " \
				'index($3, s) { print $2; exit }')
		[ -n "$nv" ] || die "$suite publishes no linux-image-amd64"
		nr=$(apt-cache "${apt_opts[@]}" show "linux-image-amd64=$nv" |
			sed -n 's/^Depends:.*linux-image-\([0-9][^ ,]*-amd64\) (= .*/\1/p' |
			head -n 1)
		[ -n "$nr" ] || die "linux-image-amd64 $nv ($suite) names no kernel image"
		series=$(echo "$nr" | cut -d. -f1-2)
		if [[ "$seen" == *" $series "* ]]; then
			info "$suite: $nr is a $series kernel, tested already: left out"
			continue
		fi
		seen+="$series "
		new=$date
		if [ "$nv" != "$version" ]; then
			new=$(date -u +%Y-%m-%d)
			info "$suite: $version -> $nv ($nr)"
		else
			info "$suite: $nv is still the newest"
		fi
		printf '%s\t%s\t%s\t%s\t%s\n' "$series" "$suite" "$nv" "$nr" "$new" >>"$tmp"
	done < <(awk '!/^#/ && NF >= 5' "$GRE_KA_KERNELS_LIST")
	mv "$tmp" "$GRE_KA_KERNELS_LIST"
	info "kernels.list: update the README's table of tested kernels if it changed"
}

# --- Prepare ------------------------------------------------------------------

# prepare NAME: download, extract and prepare one listed kernel.
prepare() {
	local name=$1 suite version release series dir root src log d f h_dir cfg

	suite=$(deb_kernel_field "$name" 2)
	version=$(deb_kernel_field "$name" 3)
	release=$(deb_kernel_field "$name" 4)
	series=$(echo "$release" | cut -d. -f1-2)
	dir=$(deb_kernel_dir "$name")
	root=$dir/root
	src=$dir/src
	log=$dir/prepare.log

	[ -f "$dir/stamp" ] && { echo "$src"; return 0; }
	mkdir -p "$GRE_KA_CACHE"
	exec 8>"$GRE_KA_CACHE/kernel-$name.lock"
	flock 8
	[ -f "$dir/stamp" ] && { echo "$src"; exec 8>&-; return 0; }

	rm -rf "$dir"
	mkdir -p "$dir/debs" "$root" "$src"
	: >"$log"
	: >"$dir/timing"
	info "$name: $release ($suite $version) into $dir"

	# The package lists: fetched again when they lack the version (none
	# yet, or older than the list).
	timed download download_debs || {
		fail "downloading the packages failed"
		return 1
	}
	timed extract extract_debs || {
		fail "extracting the packages failed"
		return 1
	}

	# Debian's packages leave modules.dep and its binary forms to their
	# postinst. depmod -b wants <root>/lib/modules; the packages install
	# under usr/lib.
	[ -e "$root/lib" ] || ln -s usr/lib "$root/lib"
	timed depmod depmod -b "$root" "$release" || {
		fail "depmod failed"
		return 1
	}
	# What the guest loads by itself or through the tests, and what
	# mounting its root needs (scripts/vm/mkinitramfs.sh).
	modprobe -d "$root" -S "$release" -a --show-depends ip_gre ip6_gre veth \
		sch_netem nf_tables vrf 9p 9pnet_virtio virtio_pci >>"$log" 2>&1 || {
		fail "modprobe does not find the test's modules in $root"
		return 1
	}

	h_dir=$root/usr/src/linux-headers-$release
	for f in "$h_dir/.config" "$h_dir/Module.symvers" \
		"$root/usr/lib/modules/$release/vmlinuz"; do
		[ -f "$f" ] || { fail "the packages have no $f"; return 1; }
	done
	cfg=$src/.config
	if ! cp "$h_dir/.config" "$cfg" || ! cp "$h_dir/.config" "$dir/config.debian"; then
		fail "cannot copy Debian's config"
		return 1
	fi
	# KERNELRELEASE: Debian's release string (the tarball's own would be
	# plain 7.3.4), which vermagic carries.
	timed olddefconfig make -C "$src" KERNELRELEASE="$release" olddefconfig || {
		fail "make olddefconfig failed"
		return 1
	}
	timed modules_prepare make -C "$src" -j"$(nproc)" KERNELRELEASE="$release" \
		modules_prepare || {
		fail "make modules_prepare failed"
		return 1
	}
	cp "$h_dir/Module.symvers" "$src/Module.symvers" || {
		fail "cannot copy Module.symvers"
		return 1
	}
	d=$(cat "$src/include/config/kernel.release")
	[ "$d" = "$release" ] || {
		fail "the prepared tree is $d, not $release"
		return 1
	}
	# What the host's compiler changed in Debian's configuration: only
	# what the toolchain decides (compiler version and features, Rust).
	diff <(grep -E '^(CONFIG_|# CONFIG_)' "$dir/config.debian") \
		<(grep -E '^(CONFIG_|# CONFIG_)' "$cfg") >"$dir/config.changes" || true
	check_config "$dir" || return 1

	rm -rf "$dir/debs"
	cat "$dir/timing" >>"$log"
	date -u +%Y-%m-%dT%H:%M:%SZ >"$dir/stamp"
	info "$name: ready ($(paste -sd';' "$dir/timing"))"
	for d in "$GRE_KA_CACHE/kernel-$name-"*/; do
		d=${d%/}
		[ "$d" = "$dir" ] || [ ! -d "$d" ] || rm -rf "$d"
	done
	exec 8>&-
	echo "$src"
}

fail() {
	echo "${0##*/}: $name: $*" >&2
	if [ -s "${log:-}" ]; then
		echo "--- last lines of $log:" >&2
		tail -n 30 "$log" >&2
	fi
}

# timed WHAT COMMAND...: run COMMAND with its output in the log, adding
# its wall and CPU seconds to the kernel's timing file.
timed() {
	local what=$1 TIMEFORMAT
	shift
	TIMEFORMAT="$what %0R s wall, %0U+%0S s CPU"
	{ time "$@" >>"$log" 2>&1; } 2>>"$dir/timing"
}

download_debs() {
	local img=linux-image-$release pkgs=() p
	if ! apt_known "$img" "$version" || ! apt_known "linux-source-$series" "$version"; then
		# shellcheck disable=SC2046 # one suite per word
		apt_update $(list_suites) || return 1
		if ! apt_known "$img" "$version" || ! apt_known "linux-source-$series" "$version"; then
			echo "error: $suite no longer publishes $img and linux-source-$series $version: refresh the list (make kernels)"
			return 1
		fi
	fi
	# The image is split (linux-binary-*, linux-modules-*, linux-base-*)
	# on the newer suites, and a single package before.
	pkgs=("$img=$version")
	while read -r p; do
		pkgs+=("$p=$version")
	done < <(apt-cache "${apt_opts[@]}" depends "$img=$version" |
		awk -v r="-$release" '$1 == "Depends:" &&
			substr($2, length($2) - length(r) + 1) == r { print $2 }' | sort -u)
	pkgs+=("linux-headers-$release=$version" "linux-source-$series=$version")
	echo "packages: ${pkgs[*]}"
	(cd "$dir/debs" && flock "$apt_dir/lock" apt-get -q "${apt_opts[@]}" download "${pkgs[@]}")
}

extract_debs() {
	local deb t
	for deb in "$dir"/debs/*.deb; do
		case ${deb##*/} in
		linux-source-*) continue ;;
		esac
		dpkg-deb -x "$deb" "$root" || return 1
	done
	# Before the split, the image was /boot/vmlinuz-<release>.
	if [ ! -f "$root/usr/lib/modules/$release/vmlinuz" ] && [ -f "$root/boot/vmlinuz-$release" ]; then
		ln -s "../../../../boot/vmlinuz-$release" "$root/usr/lib/modules/$release/vmlinuz"
	fi
	# The source straight from the package into src/, without keeping
	# the tarball.
	deb=$(ls "$dir"/debs/linux-source-*.deb) || return 1
	t=./usr/src/linux-source-$series.tar.xz
	dpkg-deb --fsys-tarfile "$deb" | tar -xOf - "$t" |
		tar -xJf - -C "$src" --strip-components=1
}

# check_config DIR: the configuration the module is built with is
# Debian's but for what the toolchain decides; and what vermagic and the
# module's view of the kernel's structures depend on is Debian's.
check_config() {
	local sym bad=0
	for sym in SMP PREEMPT_BUILD PREEMPT_DYNAMIC MODULE_UNLOAD MODVERSIONS \
		RANDSTRUCT_NONE NET_IPGRE IPV6_GRE NETFILTER_INGRESS DEBUG_NET \
		LOCKDEP KASAN; do
		if [ "$(grep -E "^(# )?CONFIG_${sym}[= ]" "$1/config.debian")" != \
			"$(grep -E "^(# )?CONFIG_${sym}[= ]" "$src/.config")" ]; then
			echo "config: CONFIG_$sym differs from Debian's" >>"$log"
			bad=1
		fi
	done
	[ "$bad" = 0 ] || fail "the prepared configuration differs from Debian's (see $1/config.changes)"
	return "$bad"
}

case ${1:-} in
--names)
	deb_kernels
	;;
--refresh)
	refresh
	# shellcheck disable=SC2046 # one name per word
	set -- $(deb_kernels)
	for n in "$@"; do
		prepare "$n" || exit 2
	done
	;;
-*)
	die "usage: $0 [--refresh|--names|NAME...]"
	;;
*)
	# shellcheck disable=SC2046 # one name per word
	[ $# -gt 0 ] || set -- $(deb_kernels)
	for n in "$@"; do
		is_deb_kernel "$n" || die "$n is not in $GRE_KA_KERNELS_LIST"
	done
	for n in "$@"; do
		prepare "$n" || exit 2
	done
	;;
esac
