# SPDX-License-Identifier: GPL-2.0
# Host-side helpers shared by scripts/vm/*.sh and scripts/check.sh.
# Source it from bash; it sets no shell options of its own.

GRE_KA_REPO=${GRE_KA_REPO:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
GRE_KA_CACHE=${GRE_KA_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/gre_ka}

# The Debian package providing the source of the debug kernel.
GRE_KA_DEBUG_SRC_PKG=${GRE_KA_DEBUG_SRC_PKG:-linux-source-6.12}

die() {
	echo "${0##*/}: $*" >&2
	exit 2
}

info() {
	echo "${0##*/}: $*" >&2
}

# Short content hash of files (sha256, 12 hex digits).
hash_files() {
	cat "$@" | sha256sum | cut -c1-12
}

# newest_kver SERIES: release of the newest installed Debian kernel of a
# series ("6.1" or "6.12"), e.g. 6.12.117+deb12-amd64. Empty if none.
# The glob's dot is literal, so "6.1." does not match 6.12.x.
newest_kver() {
	local f
	for f in /boot/vmlinuz-"$1".*; do
		[ -e "$f" ] || continue
		echo "${f#/boot/vmlinuz-}"
	done | sort -V | tail -n 1
}

# Newest installed Debian 6.12 kernel that also has headers, for a default
# KDIR when the running kernel has none.
newest_headers_kver() {
	local d
	for d in /lib/modules/"$1".*/build; do
		[ -d "$d" ] || continue
		d=${d%/build}
		echo "${d#/lib/modules/}"
	done | sort -V | tail -n 1
}

# --- Debug kernel -----------------------------------------------------------

debug_src_tarball() {
	local t
	t=$(ls /usr/src/"$GRE_KA_DEBUG_SRC_PKG".tar.* 2>/dev/null | head -n 1)
	[ -n "$t" ] && echo "$t"
}

debug_src_version() {
	dpkg-query -W -f='${Version}' "$GRE_KA_DEBUG_SRC_PKG" 2>/dev/null |
		sed 's/[^A-Za-z0-9.+-]/_/g'
}

# Keyed build directory: debug-<source version>-<hash of fragment + build
# script>. Changing either rebuilds from scratch in a new directory.
debug_kernel_dir() {
	local v h
	v=$(debug_src_version)
	[ -n "$v" ] || v=unknown
	# The fragment's settings, not its comments: rewording a comment must
	# not cost a cold machine's 20-minute rebuild.
	h=$(hash_files <(grep -E '^(CONFIG_|# CONFIG_[A-Za-z0-9_]+ is not set)' \
		"$GRE_KA_REPO/scripts/debug.config") \
		"$GRE_KA_REPO/scripts/vm/build-debug-kernel.sh")
	echo "$GRE_KA_CACHE/debug-$v-$h"
}

# Build tree of the debug kernel (what `make -C` takes).
debug_kernel_tree() {
	echo "$(debug_kernel_dir)/src"
}

debug_kernel_ready() {
	[ -f "$(debug_kernel_dir)/stamp" ]
}

# --- Debian's newer kernels (scripts/vm/kernels.list) ------------------------
# Downloaded and prepared by scripts/vm/kernels.sh, named by major.minor
# ("7.3"), so that refreshing the list changes no code.

GRE_KA_KERNELS_LIST=${GRE_KA_KERNELS_LIST:-$GRE_KA_REPO/scripts/vm/kernels.list}

# deb_kernels: the names of the listed kernels, one per line.
deb_kernels() {
	awk '!/^#/ && NF >= 5 { print $1 }' "$GRE_KA_KERNELS_LIST" 2>/dev/null
}

# deb_kernel_field NAME N: field N of the kernel's line (2 suite, 3
# version, 4 release, 5 date).
deb_kernel_field() {
	awk -v n="$1" -v f="$2" '!/^#/ && NF >= 5 && $1 == n { print $f; exit }' \
		"$GRE_KA_KERNELS_LIST" 2>/dev/null
}

is_deb_kernel() {
	[ -n "$1" ] && [ -n "$(deb_kernel_field "$1" 4)" ]
}

# deb_kernel_dir NAME: where the kernel is prepared, keyed by its package
# version and kernels.sh (a change to either prepares it anew).
deb_kernel_dir() {
	local v
	v=$(deb_kernel_field "$1" 3 | sed 's/[^A-Za-z0-9.+-]/_/g')
	[ -n "$v" ] || return 1
	echo "$GRE_KA_CACHE/kernel-$1-$v-$(hash_files "$GRE_KA_REPO/scripts/vm/kernels.sh")"
}

deb_kernel_ready() {
	local d
	d=$(deb_kernel_dir "$1") && [ -f "$d/stamp" ]
}

# kernel_modroot KERNEL: the root under which the kernel's
# lib/modules/<release> lies (modprobe -d, depmod -b): the host's for
# Debian 12's kernels, the extracted packages' for the listed ones.
kernel_modroot() {
	if is_deb_kernel "$1"; then
		echo "$(deb_kernel_dir "$1")/root"
	else
		echo /
	fi
}

# --- Kernel selection -------------------------------------------------------

# kernel_kdir KERNEL: build tree to compile the module against.
kernel_kdir() {
	local kver
	case $1 in
	debug)
		debug_kernel_tree
		;;
	6.1 | 6.12)
		kver=$(newest_kver "$1")
		[ -n "$kver" ] || return 1
		echo "/lib/modules/$kver/build"
		;;
	*)
		is_deb_kernel "$1" || return 1
		echo "$(deb_kernel_dir "$1")/src"
		;;
	esac
}

# kernel_image KERNEL: bzImage to boot.
kernel_image() {
	local kver
	case $1 in
	debug)
		echo "$(debug_kernel_tree)/arch/x86/boot/bzImage"
		;;
	6.1 | 6.12)
		kver=$(newest_kver "$1")
		[ -n "$kver" ] || return 1
		echo "/boot/vmlinuz-$kver"
		;;
	*)
		is_deb_kernel "$1" || return 1
		kver=$(deb_kernel_field "$1" 4)
		echo "$(kernel_modroot "$1")/usr/lib/modules/$kver/vmlinuz"
		;;
	esac
}

# kernel_release KERNEL: the release string (uname -r) of the kernel.
kernel_release() {
	case $1 in
	debug)
		cat "$(debug_kernel_tree)/include/config/kernel.release"
		;;
	6.1 | 6.12)
		newest_kver "$1"
		;;
	*)
		is_deb_kernel "$1" || return 1
		deb_kernel_field "$1" 4
		;;
	esac
}

valid_kernel() {
	case $1 in
	6.1 | 6.12 | debug) return 0 ;;
	*) is_deb_kernel "$1" ;;
	esac
}

# splat_gist FILE: one line out of a kernel report: the RIP, the task and
# the first call-trace frames that are neither guesses ("? ...") nor the
# reporting machinery itself, innermost first.
splat_gist() {
	sed 's/^\[ *[0-9.]*\] *//' "$1" | awk '
		/^RIP: / && !rip { rip = $0 }
		/ Comm: / && !comm { sub(/^.* Comm: /, "Comm: "); sub(/ (Not )?[Tt]ainted.*/, ""); comm = $0 }
		/^Call Trace:/ { trace = 1; next }
		trace && /^ *(dump_stack|show_stack|kasan_|__kasan|__ubsan|ubsan_|die|__die|do_trap|do_error_trap|do_int3|exc_|asm_exc_|handle_bug|report_bug|__warn|panic)/ { next }
		trace && n < 5 && /^ *[a-z_.0-9]+\+0x/ { sub(/^ */, ""); sub(/\/0x[0-9a-f]+.*/, ""); f = f (n++ ? " < " : "") $1 }
		END { printf "%s; %s; trace: %s", rip ? rip : "no RIP", comm ? comm : "no task", n ? f : "none" }'
}
