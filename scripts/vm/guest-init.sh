#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# PID 1 of the test VM, inside the host's root (see scripts/vm/initramfs-init).
# Runs the job the host wrote to the out share, collects the results there
# and powers the VM off. It must never exit: PID 1 exiting panics the kernel.
#
# The job ($OUT/job.sh) runs with, in its environment:
#   GRE_KA_OUT     the out share (writable, shared with the host)
#   GRE_KA_REPO    the repository (read-only, same path as on the host)
#   GRE_KA_KERNEL  6.1, 6.12, debug or a newer one (7.3, ...)
# and its output goes to the console and $OUT/job.log. Afterwards this writes
#   $OUT/status    the job's exit code (124: it timed out)
#   $OUT/kmemleak  kmemleak's report, if the kernel has kmemleak
#   $OUT/dmesg     the kernel log

export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/tmp LANG=C.UTF-8 TERM=dumb
umask 022
cd /

OUT=/run/gre_ka/out
repo=/
kernel=unknown
job_timeout=0
for arg in $(</proc/cmdline); do
	case $arg in
	gre_ka_repo=*) repo=${arg#*=} ;;
	gre_ka_kernel=*) kernel=${arg#*=} ;;
	gre_ka_timeout=*) job_timeout=${arg#*=} ;;
	esac
done

say() {
	echo "gre_ka-guest: $*"
}

power_off() {
	sync
	echo b >/proc/sysrq-trigger
	# Not reached; PID 1 must not exit.
	while :; do sleep 60; done
}

# devtmpfs lacks these; bash's process substitution needs /dev/fd.
ln -sfn /proc/self/fd /dev/fd
ln -sfn /proc/self/fd/0 /dev/stdin
ln -sfn /proc/self/fd/1 /dev/stdout
ln -sfn /proc/self/fd/2 /dev/stderr
mkdir -p /dev/pts /dev/shm
mount -t devpts -o gid=5,mode=620,ptmxmode=666 devpts /dev/pts
mount -t tmpfs -o mode=1777 tmpfs /dev/shm
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
echo gre-ka-vm >/proc/sys/kernel/hostname
ip link set lo up

kmemleak=/sys/kernel/debug/kmemleak
# kmemleak=off on the command line (scripts/check.sh boots all but one
# debug VM so): the file stays, but scans do nothing; say so, not "no leaks".
case " $(cat /proc/cmdline) " in
*" kmemleak=off "*)
	[ -e "$kmemleak" ] && say "kmemleak: off on this boot (kmemleak=off)"
	kmemleak=/nonexistent
	;;
esac
if [ -w "$kmemleak" ]; then
	# Forget what boot left behind: report only what the job leaks.
	echo scan >"$kmemleak"
	echo clear >"$kmemleak"
fi

uname -r >"$OUT/booted"
say "kernel $(uname -r) ($kernel) up $(cut -d' ' -f1 /proc/uptime) s"

if [ -f "$OUT/job.sh" ]; then
	tmo=()
	[ "$job_timeout" -gt 0 ] 2>/dev/null && tmo=(timeout -k 5 "$job_timeout")
	say "running the job${tmo:+ (timeout ${job_timeout} s)}"
	# tee in a process substitution: processes a job leaves behind that
	# still hold its output open cannot keep us waiting.
	(
		export GRE_KA_OUT=$OUT GRE_KA_REPO=$repo GRE_KA_KERNEL=$kernel
		cd "$repo" && exec "${tmo[@]}" bash "$OUT/job.sh"
	) </dev/null > >(tee "$OUT/job.log") 2>&1
	status=$?
	[ "$status" = 124 ] && say "the job timed out after $job_timeout s"
else
	say "no job: $OUT/job.sh is missing"
	status=127
fi
echo "$status" >"$OUT/status"
say "job exit status $status"

if [ -w "$kmemleak" ]; then
	# Objects younger than 5 s are not reported, and a leak is reported
	# only after a scan that finds it unchanged since the previous one.
	sleep 5
	echo scan >"$kmemleak"
	echo scan >"$kmemleak"
	cat "$kmemleak" >"$OUT/kmemleak"
	if [ -s "$OUT/kmemleak" ]; then
		say "kmemleak report:"
		cat "$OUT/kmemleak"
	else
		say "kmemleak: no leaks"
	fi
fi

dmesg >"$OUT/dmesg"
say "powering off"
power_off
