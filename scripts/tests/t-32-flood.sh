#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# kernels: 6.1 6.12 (the debug kernel runs a subset: README, "Tests on the debug kernel")
# timeout: 300
#
# A flood of forged replies (our magic, a plausible sequence number, a
# random MAC: the costliest packet to refuse) at the highest rate r2 can
# send at r1's tunnel, while r1 keeps keepalive at 100 ms x 3 with r2
# answering. The MAC is verified without the tunnel's lock, under the key
# of an RCU-published session, so forged replies never contend with the
# timer: no false down while the path works, no false up while it is
# cut, genuine replies still counted, the timer on time. The figures
# (packets/s, keepalive intervals, softirq CPU) go to the log; make bench
# has the long run.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ka.sh"

P=100
if [ "$GRE_KA_KERNEL" = debug ]; then
	COUNT=${GRE_KA_FLOOD_COUNT:-20000}
else
	COUNT=${GRE_KA_FLOOD_COUNT:-200000}
fi
FUZZ=/tmp/gre_fuzz.$$
T=$KA_TRACEFS

# softirq: the guest's softirq time, in clock ticks (all CPUs)
softirq() {
	awk '/^cpu / { print $8 }' /proc/stat
}

# flood: COUNT forged replies from r2; prints the fuzzer's JSON
flood() {
	ns_exec r2 "$FUZZ" --iface eth0 --dst-mac "$R1_MAC" --src "$R2_UL" \
		--dst "$R1_UL" --mode forged --count "$COUNT" --seed $$
}

# send_intervals: ms between r1's keepalives in the trace: "p50 p99 max"
send_intervals() {
	grep 'gre_ka_send: dev=gre1 ' $T/trace |
		awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+\.[0-9]+:$/) { t = substr($i, 1, length($i) - 1); if (p) print (t - p) * 1000; p = t } }' |
		sort -n | awk '{ a[NR] = $1 } END { if (NR) printf "%.1f %.1f %.1f\n", a[int(NR * .5) + 1], a[int(NR * .99) + 1], a[NR]; else print "0 0 0" }'
}

FUZZ_SRC=$(dirname "$0")/gre_fuzz.c
if [ "$GRE_KA_REPO/.build/tools/gre_fuzz" -nt "$FUZZ_SRC" ]; then
	check "the flooder is built" cp "$GRE_KA_REPO/.build/tools/gre_fuzz" "$FUZZ"
else
	check "the flooder compiles" gcc -O2 -Wall -Werror -o "$FUZZ" "$FUZZ_SRC"
fi
TOPO_STOCK_REFLECTOR=0 check "two routers" topo_two_routers
check "static neighbours" static_neigh
R1_MAC=$(ip netns exec r1 cat /sys/class/net/eth0/address)
check "module loads" load_module
check "tracefs" ka_tracefs
check "r1 keepalive ${P} ms x 3" ka_enable r1 gre1 $P 3
check "r1 up on r2's answers" wait_for 10 "rx >= 5" ka_stat_ge r1 gre1 rx 5

check "trace r1's keepalives" sh -c "echo > $T/trace && echo 1 > $T/events/gre_ka/gre_ka_send/enable"
downs=$(ka_stat r1 gre1 down_transitions)
rx0=$(ka_stat r1 gre1 rx)
inv0=$(ka_stat r1 gre1 rx_invalid)
si0=$(softirq)
t0=$(now_ms)
out=$(flood)
t1=$(now_ms)
si1=$(softirq)
check "echo 0 > enable" sh -c "echo 0 > $T/events/gre_ka/gre_ka_send/enable"
read -r p50 p99 max < <(send_intervals)
rx1=$(ka_stat r1 gre1 rx)
inv1=$(ka_stat r1 gre1 rx_invalid)
diag "flood while up: $out"
diag "over $((t1 - t0)) ms: rx_invalid +$((inv1 - inv0)), genuine rx +$((rx1 - rx0)), softirq $(((si1 - si0) * 10)) ms of CPU; keepalive intervals p50 $p50 p99 $p99 max $max ms (period $P)"
check_eq "no false down under the flood" "$downs" "$(ka_stat r1 gre1 down_transitions)"
check "forged replies refused (reply_bad_mac)" test $((inv1 - inv0)) -gt $((COUNT / 4))
check "genuine replies still accepted meanwhile" \
	test $((rx1 - rx0)) -ge $(((t1 - t0) / P / 3))
check "the timer never missed a window (max interval < retries x period)" \
	awk -v m="$max" -v l=$((3 * P)) 'BEGIN { exit !(m < l) }'

# The path cut (r2 stops answering): no forged reply brings r1 up.
check "r2 stops answering" ka_set r2 gre1 reflect 0
check "r1 goes down" wait_for 10 "r1 down" ka_state_is r1 gre1 down
ups=$(ka_stat r1 gre1 up_transitions)
out=$(flood)
diag "flood while down: $out"
check_eq "no false up under the flood" "$ups" "$(ka_stat r1 gre1 up_transitions)"
check "still down" ka_state_is r1 gre1 down
check "carrier still off" has_no_carrier r1 gre1
check "r2 answers again" ka_set r2 gre1 reflect 1
check "r1 comes back" wait_for 10 "r1 up" ka_state_is r1 gre1 up
rm -f "$FUZZ"
check "module unloads" unload_module
test_done
