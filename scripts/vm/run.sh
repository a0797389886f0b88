#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Run a command inside a qemu (TCG) virtual machine booted with one of the
# test kernels and the host's root shared read-only over 9p.
#
# Usage:
#   scripts/vm/run.sh --kernel 6.1|6.12|debug|7.x --out DIR [--timeout SECS]
#                     [--mem MB] [--smp N] [--append KERNEL_ARGS] [-q|--quiet]
#                     -- COMMAND [ARGS...]
#
# COMMAND runs in the guest as root, from the repository root, with
# GRE_KA_OUT (the guest path of DIR), GRE_KA_REPO, GRE_KA_KERNEL and
# GRE_KA_KO (default: .build/<kernel>/gre_ka.ko, see build-module.sh) set.
# The kernel console is shown live unless --quiet; everything is kept in DIR:
#   console.log  serial console        job.log   the command's output
#   status       its exit code         dmesg     kernel log at the end
#   kmemleak     leak report (debug)   qemu.log  qemu's own output
#   splat        the kernel's report around the first splat, if any
#   verdict      summary used by scripts/check.sh: exit=, job=pass|fail|none,
#                splat=yes|no, reason= (the diagnosis), status= (job's exit)
#
# Exit status:
#   0  the command succeeded and the kernel showed no splat
#   1  the command failed (the diagnosis also says if there was a splat)
#   2  infrastructure failure: missing kernel, qemu error, the guest did
#      not finish (boot failure, hang, timeout) and no splat explains it
#   3  kernel splat (warning, lockdep, KASAN, UBSAN, kmemleak, oops, panic,
#      ...) and the command did not fail by itself: it passed, or the
#      kernel died under it
# For nonzero results a one-line diagnosis goes to stderr.
set -uo pipefail

. "$(dirname "$0")/common.sh"

usage() {
	sed -n '/^# Usage:/,/^# COMMAND/p' "$0" | sed 's/^# \{0,1\}//;$d' >&2
	exit 2
}

kernel=
out=
timeout=900
mem=
smp=2
append=
quiet=0
while [ $# -gt 0 ]; do
	case $1 in
	--kernel) kernel=${2:-}; shift 2 || usage ;;
	--out) out=${2:-}; shift 2 || usage ;;
	--timeout) timeout=${2:-}; shift 2 || usage ;;
	--mem) mem=${2:-}; shift 2 || usage ;;
	--smp) smp=${2:-}; shift 2 || usage ;;
	--append) append=${2:-}; shift 2 || usage ;;
	-q | --quiet) quiet=1; shift ;;
	--) shift; break ;;
	*) usage ;;
	esac
done
[ $# -gt 0 ] && [ -n "$out" ] && valid_kernel "$kernel" || usage
case $timeout in '' | *[!0-9]*) usage ;; esac
case $smp in '' | *[!0-9]* | 0) usage ;; esac
[ -n "$mem" ] || { [ "$kernel" = debug ] && mem=4096 || mem=2048; }

mkdir -p "$out" || die "cannot create $out"
out=$(cd "$out" && pwd)
# Start from an empty directory, so that no result of an earlier run can be
# mistaken for this one's; refuse to empty one that run.sh did not fill.
if [ -n "$(ls -A "$out")" ]; then
	[ -f "$out/job.sh" ] || [ -f "$out/verdict" ] ||
		die "$out is not empty and holds no earlier run.sh output"
	find "$out" -mindepth 1 -delete || die "cannot empty $out"
fi
status=

verdict() {
	# verdict EXIT JOB SPLAT REASON
	{
		echo "exit=$1"
		echo "job=$2"
		echo "splat=$3"
		echo "reason=$4"
		echo "status=${status:-}"
	} >"$out/verdict"
	[ "$1" = 0 ] || echo "run.sh: $kernel: $4" >&2
	exit "$1"
}

case $GRE_KA_REPO in
*[[:space:]]*) verdict 2 none no "the repository path contains whitespace" ;;
esac

# --- Kernel and initramfs ---------------------------------------------------
if [ "$kernel" = debug ] && ! debug_kernel_ready; then
	info "building the debug kernel first"
	"$GRE_KA_REPO/scripts/vm/build-debug-kernel.sh" >&2 ||
		verdict 2 none no "building the debug kernel failed"
fi
if is_deb_kernel "$kernel" && ! deb_kernel_ready "$kernel"; then
	info "preparing kernel $kernel first"
	"$GRE_KA_REPO/scripts/vm/kernels.sh" "$kernel" >/dev/null ||
		verdict 2 none no "preparing kernel $kernel failed"
fi
image=$(kernel_image "$kernel") && [ -f "$image" ] ||
	verdict 2 none no "no $kernel kernel installed (run scripts/deps.sh)"
if [ "$kernel" = debug ]; then
	initrd=$("$GRE_KA_REPO/scripts/vm/mkinitramfs.sh" none)
else
	initrd=$("$GRE_KA_REPO/scripts/vm/mkinitramfs.sh" "$(kernel_release "$kernel")" \
		"$(kernel_modroot "$kernel")")
fi || verdict 2 none no "building the initramfs failed"
command -v qemu-system-x86_64 >/dev/null ||
	verdict 2 none no "qemu-system-x86_64 missing (run scripts/deps.sh)"

# --- The job ----------------------------------------------------------------
{
	echo '#!/bin/bash'
	echo "# written by scripts/vm/run.sh"
	echo 'export GRE_KA_KO=${GRE_KA_KO:-$GRE_KA_REPO/.build/$GRE_KA_KERNEL/gre_ka.ko}'
	# The host's debug kernel tree (its tools, e.g. YNL), wherever the
	# host's cache is: the guest's HOME is not the host's.
	printf 'export GRE_KA_DEBUG_TREE=${GRE_KA_DEBUG_TREE:-%q}\n' "$(debug_kernel_tree)"
	printf 'cd %q || exit 1\n' "$GRE_KA_REPO"
	printf 'exec'
	printf ' %q' "$@"
	echo
} >"$out/job.sh"
chmod +x "$out/job.sh"

# The guest stops the job early enough to collect its logs before the host's
# hard timeout: kmemleak scans on the debug kernel take a while.
margin=$([ "$kernel" = debug ] && echo 90 || echo 20)
guest_timeout=$((timeout > margin + 10 ? timeout - margin : 10))

# loglevel=5: warnings and worse on the (emulated, slow) serial console,
# everything in the kernel log (saved to dmesg). The module logs a line per
# line-protocol change; with many tunnels flapping, printing them byte by
# byte on the emulated UART stalled the debug kernel for minutes.
cmdline="console=ttyS0 loglevel=5 printk.time=1 log_buf_len=4M panic=-1 panic_on_warn=1"
cmdline+=" oops=panic reboot=t mitigations=off"
[ "$kernel" = debug ] && cmdline+=" kmemleak=on pci=noacpi"
[ -n "$append" ] && cmdline+=" $append"
cmdline+=" gre_ka_repo=$GRE_KA_REPO gre_ka_kernel=$kernel gre_ka_timeout=$guest_timeout"
# A listed kernel's modules: a share of their own over the host's
# /lib/modules (scripts/vm/initramfs-init).
modshare=()
if is_deb_kernel "$kernel"; then
	cmdline+=" gre_ka_modules=1"
	modshare=(-virtfs "local,path=$(kernel_modroot "$kernel")/usr/lib/modules,mount_tag=kmods,security_model=none,readonly=on")
fi

# qemu64 rather than max: the most exercised TCG CPU, 4-level paging, no
# PCID. Under max (LA57, PCID, ...) the debug kernel sporadically died
# under emulation, even before any module was loaded (see README).
#
# thread=single: one host thread runs both vCPUs in turn. With a thread
# per vCPU (qemu's default), guests sporadically died of "Oops: int3":
# the stock 6.12 kernel in t-60, and the debug kernel in t-16, where the
# report showed it exactly: the task disabling a tracepoint, i.e. patching
# static keys and calls with text_poke_bp(), met the int3 at a jump-label
# site in __schedule() that its own patching had already turned back into
# a NOP (the Code line shows the NOP). The breakpoint came from a stale
# translation of that code, presumably made by the other vCPU while the
# int3 was in place (qemu 7.2 does not serialise translating a page with
# writing to it; Linux guests under TCG have shown the same oops before,
# LKML, July 2023: "qemu-x86_64 booting with 8.0.0 stil see int3").
# With one vCPU at a time, switched only between translation blocks, no
# translation can race with a write. The guest still has two CPUs
# (preemption, IPIs, per-CPU state, lock contention between them),
# interleaved rather than simultaneous. The VMs of Debian's kernels got
# three times as fast in make check (6.1: 361 s instead of 1,113 s): two
# VMs side by side no longer put four busy threads on two host cores.
# The debug VM, which runs alone once they are done, now has one core
# instead of two for that part: about as fast overall (2,436 s instead
# of 2,572 s), but t-31, which keeps both vCPUs busy with keepalives
# every 10 ms, takes up to four times as long (see its deadlines).
qemu=(
	qemu-system-x86_64 -accel "${GRE_KA_QEMU_ACCEL:-tcg,thread=single}"
	-cpu "${GRE_KA_QEMU_CPU:-qemu64}" -smp "$smp" -m "$mem"
	-nodefaults -no-user-config -display none -no-reboot
	-serial "file:$out/console.log"
	-kernel "$image" -initrd "$initrd" -append "$cmdline"
	-virtfs "local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap"
	-virtfs "local,path=$GRE_KA_REPO,mount_tag=repo,security_model=none,readonly=on"
	-virtfs "local,path=$out,mount_tag=out,security_model=none"
	"${modshare[@]}"
)

: >"$out/console.log"
tail_pid=
if [ "$quiet" = 0 ]; then
	tail -n +1 -f "$out/console.log" >&2 &
	tail_pid=$!
fi
start=$(date +%s)
# timeout puts itself in a process group of its own, so a signal to ours
# would not reach qemu: stop it ourselves if we are interrupted.
timeout --kill-after=10 "$timeout" "${qemu[@]}" </dev/null >"$out/qemu.log" 2>&1 &
qemu_pid=$!
trap 'kill "$qemu_pid" 2>/dev/null; [ -n "$tail_pid" ] && kill "$tail_pid" 2>/dev/null' EXIT
trap 'echo "run.sh: interrupted, stopping the VM" >&2; exit 2' INT TERM HUP
wait "$qemu_pid"
qemu_rc=$?
trap - EXIT
elapsed=$(($(date +%s) - start))
if [ -n "$tail_pid" ]; then
	sleep 0.3
	kill "$tail_pid" 2>/dev/null
	wait "$tail_pid" 2>/dev/null
fi
echo "qemu exit $qemu_rc after $elapsed s" >>"$out/qemu.log"

# --- Verdict ----------------------------------------------------------------
# Kernel splats (scripts/vm/splat-patterns), searched in dmesg, kmemleak's
# report and those console lines that the kernel printed (timestamped; the
# job's own output is not).
splat_re=$(grep -vE '^(#|$)' "$GRE_KA_REPO/scripts/vm/splat-patterns" | paste -sd'|')
splat=$(
	{
		grep -aE '^\[ *[0-9]+\.[0-9]+\]' "$out/console.log"
		cat "$out/dmesg" "$out/kmemleak" 2>/dev/null
	} | grep -aE -m1 "$splat_re" | tr -d '\r' | cut -c1-200
)

# Keep the report around the first splat (RIP, call trace) where
# scripts/check.sh can show it: a CI log is often all there is to go on.
# A CI log may also be shown only in part, so the diagnosis itself says
# where the kernel died (RIP, task, first frames).
if [ -n "$splat" ]; then
	{
		grep -aE '^\[ *[0-9]+\.[0-9]+\]' "$out/console.log"
		cat "$out/dmesg" "$out/kmemleak" 2>/dev/null
	} | tr -d '\r' | grep -aE -A 45 -m1 "$splat_re" | cut -c1-200 >"$out/splat"
	splat+="; $(splat_gist "$out/splat")"
fi

status=
[ -f "$out/status" ] && status=$(tr -dc 0-9 <"$out/status")

if [ -z "$status" ]; then
	if [ ! -f "$out/booted" ] && [ -n "$splat" ]; then
		verdict 2 none yes "the guest did not boot: $splat"
	elif [ -n "$splat" ]; then
		verdict 3 none yes "kernel splat, the job did not finish: $splat"
	elif [ "$qemu_rc" = 124 ] || [ "$qemu_rc" = 137 ]; then
		verdict 2 none no "timeout: killed the VM after $timeout s (see $out/console.log)"
	elif [ "$qemu_rc" != 0 ]; then
		verdict 2 none no "qemu failed ($qemu_rc): $(grep -v '^qemu exit' "$out/qemu.log" | tail -n 1)"
	elif [ ! -f "$out/booted" ]; then
		verdict 2 none no "the guest did not boot (see $out/console.log)"
	else
		verdict 2 none no "the guest stopped before the job finished (see $out/console.log)"
	fi
fi

if [ "$status" != 0 ]; then
	why="the job failed with status $status"
	[ "$status" = 124 ] && why="the job timed out in the guest after $guest_timeout s"
	[ -n "$splat" ] && verdict 1 fail yes "$why; kernel splat too: $splat"
	verdict 1 fail no "$why (see $out/job.log)"
fi
[ -n "$splat" ] && verdict 3 pass yes "the job passed but the kernel splatted: $splat"
verdict 0 pass no "ok in $elapsed s"
