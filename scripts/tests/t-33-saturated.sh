#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# kernels: 6.1 6.12 (the debug kernel in make soak: 10 tunnels a side there)
# timeout: 300
#
# Process context makes progress while keepalives saturate the CPUs: r1
# and r2 with N tunnels each (keys 1..N), every one sending at 10 ms and
# answering the other side's (2 x N x 100 keepalives and as many
# reflections a second asked for: more than two emulated CPUs can do).
# Each timer expiry and each packet does bounded work, so what RTNL
# holders, sysfs and rmmod need still gets through: creating and deleting
# a tunnel, a sysfs write, a netlink dump (ip link, gre-ka show), and
# unloading the module with every timer still running. Each must finish
# within a generous bound (a livelock would never finish; make bench
# measures the times: about 0.2-0.9 s on stock 6.12). On the debug kernel
# (make soak KERNELS=debug) 10 tunnels a side: a round trip costs about
# 700 us of emulated CPU there, and 100 would be several times what its
# CPUs can absorb (Documentation/bench.rst 2e); with 10, about 1,400
# keepalives and 1,400 reflections a second, each operation took 7-13 s
# (one run, 283 s in all: too long for make check's debug VMs).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ka.sh"

N=100
# The debug kernel: 10 tunnels a side (2,000 keepalives and as many
# reflections a second asked for, about 700 us each there: its CPUs
# saturated too).
[ "$GRE_KA_KERNEL" = debug ] && N=10
N=${GRE_KA_SATURATED_N:-$N}
BOUND=60
GK=$GRE_KA_REPO/.build/tools/gre-ka

veth_pair_ns() {
	ns_create r1 && ns_create r2 &&
		veth_pair r1 eth0 "$R1_UL/$UL_PREFIX" r2 eth0 "$R2_UL/$UL_PREFIX"
}
# add_tunnels NS LOCAL REMOTE: N tunnels, keys 1..N, up.
add_tunnels() {
	local ns=$1 lo=$2 re=$3 i
	for i in $(seq 1 "$N"); do
		echo "link add gk$i type gre local $lo remote $re key $i ttl 255"
		echo "link set gk$i up"
	done | ip -n "$ns" -batch -
}
check "two namespaces joined by veth" veth_pair_ns
check "static neighbours" static_neigh
check "$N tunnels in r1" add_tunnels r1 "$R1_UL" "$R2_UL"
check "$N tunnels in r2" add_tunnels r2 "$R2_UL" "$R1_UL"
check "module loads, every tunnel sending at 10 ms" \
	load_module auto_enable=1 period_ms=10 retries=255

# total NS NAME: the statistic summed over the namespace's tunnels.
total() {
	local ns=$1 name=$2 i t=0 v
	ka_sys "$ns" || return 1
	for i in $(seq 1 "$N"); do
		read -r v <"$_KA_SYS_ROOT/$ns/class/net/gk$i/keepalive/statistics/$name" || return 1
		t=$((t + v))
	done
	echo "$t"
}
total_ge() {
	[ "$(total "$1" "$2")" -ge "$3" ]
}
check "r2 answers r1's keepalives" wait_for 30 "reflected grows" total_ge r2 reflected $((N * 10))

# softirqs: NET_RX and HRTIMER softirqs so far, all CPUs.
softirqs() {
	awk '$1 ~ /^(NET_RX|HRTIMER):$/ { for (i = 2; i <= NF; i++) t += $i } END { print t }' /proc/softirqs
}

# The load is real: keepalives and reflections by the thousand a second.
tx0=$(total r1 tx) rf0=$(total r1 reflected) s0=${EPOCHREALTIME//[!0-9]/} sirq0=$(softirqs)
gk_sleep 3
tx1=$(total r1 tx) rf1=$(total r1 reflected) s1=${EPOCHREALTIME//[!0-9]/} sirq1=$(softirqs)
us=$((s1 - s0))
rate=$(((tx1 - tx0) * 1000000 / us))
diag "r1: $rate keepalives/s sent, $(((rf1 - rf0) * 1000000 / us)) reflections/s," \
	"NET_RX + HRTIMER softirqs $(((sirq1 - sirq0) * 1000000 / us))/s (asked for: $((N * 100)) each way)"
check "r1 sends keepalives by the hundred a second (got $rate/s)" test "$rate" -ge $((N * 5))

# timed NAME CMD...: CMD finishes within BOUND s, and succeeds. Its time
# goes to $TIMES (check keeps a passing command's output to itself).
TIMES=$(mktemp /tmp/gre_ka-times.XXXXXX)
timed() {
	local name=$1 t0 rc
	shift
	t0=${EPOCHREALTIME//[!0-9]/}
	timeout "$BOUND" "$@" >/dev/null
	rc=$?
	echo "$name $(((${EPOCHREALTIME//[!0-9]/} - t0) / 1000)) ms (exit $rc)" >>"$TIMES"
	return "$rc"
}
check "ip link add finishes" timed "ip link add" \
	ip -n r1 link add gkx type gre local "$R1_UL" remote "$R2_UL" key 99999 ttl 255
check "ip link set up finishes" timed "ip link set up" ip -n r1 link set gkx up
ka_sys r1
check "a sysfs write finishes" timed "sysfs write" \
	sh -c "echo 3 > $_KA_SYS_ROOT/r1/class/net/gk1/keepalive/retries"
check_eq "and took effect" 3 "$(ka_get r1 gk1 retries)"
check "a dump (ip link) finishes" timed "ip link show" ip -n r1 -o link show
check "gre-ka show finishes" timed "gre-ka show" ip netns exec r1 "$GK" show
check "ip link del finishes" timed "ip link del" ip -n r1 link del gkx
check "still sending while process context ran" total_ge r1 tx $((tx1 + N))
check "rmmod with every timer running finishes" timed "rmmod" rmmod gre_ka &&
	_GK_MODULE_LOADED=0
check "the module is gone" sh -c '! test -d /sys/module/gre_ka'
diag "under load: $(paste -sd, "$TIMES")"
rm -f "$TIMES"
test_done
