#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench, section "passive" (inside the VM): a hub with N passive
# tunnels (enabled 0, passive 1: it sends nothing) to N spokes that send
# keepalives every PERIOD ms with 3 retries. Measured: keepalives the hub
# sent (must be 0), periods it learned, the hub's CPU in steady state,
# and after cutting every spoke's path at once the time until each hub
# tunnel went down (window (3 + 1) x PERIOD + PERIOD / 4), then after the
# repair until each came back. Writes $RES/passive.json.
#
# Usage: passive.sh RESULT_DIR [N] [PERIOD_MS]
# shellcheck source=scripts/tests/lib.sh
. "$(dirname "$0")/../tests/lib.sh"
# shellcheck source=scripts/tests/ka.sh
. "$(dirname "$0")/../tests/ka.sh"

RES=${1:?usage: $0 RESULT_DIR [N] [PERIOD_MS]}
N=${2:-1000}
P=${3:-1000}
CPU_SECS=${BENCH_CPU_SECS:-30}

say() {
	echo "# $(date +%T) passive: $*"
}

# hz: clock ticks per second of /proc/stat
HZ=$(getconf CLK_TCK)
# busy_ticks: non-idle CPU ticks of the whole guest
busy_ticks() {
	awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 }' /proc/stat
}

# ages NS: last_change_ms of every tunnel of NS, one per line
ages() {
	local d v
	for d in "$_KA_SYS_ROOT/$1"/class/net/p*/keepalive; do
		read -r v <"$d/last_change_ms" && echo "$v"
	done
}

# count_state NS STATE
count_state() {
	local d v n=0
	for d in "$_KA_SYS_ROOT/$1"/class/net/p*/keepalive; do
		read -r v <"$d/state" && [ "$v" = "$2" ] && n=$((n + 1))
	done
	echo "$n"
}

all_state() {
	[ "$(count_state "$1" "$2")" = "$N" ]
}

# sum_stat NS NAME: a statistic summed over the tunnels of NS
sum_stat() {
	local d v s=0
	for d in "$_KA_SYS_ROOT/$1"/class/net/p*/keepalive; do
		read -r v <"$d/statistics/$2" && s=$((s + v))
	done
	echo "$s"
}

# quantiles: "median p95 max" of numbers on stdin
quantiles() {
	sort -n | awk '{ a[NR] = $1 } END { if (!NR) { print "0 0 0"; exit }
		printf "%d %d %d\n", a[int(NR * .5) + 1], a[int(NR * .95) + (NR * .95 > int(NR * .95))], a[NR] }'
}

say "$N tunnels, spokes at $P ms x 3"
ns_create hub && ns_create spk &&
	veth_pair hub eth0 "$R2_UL/$UL_PREFIX" spk eth0 "$R1_UL/$UL_PREFIX" || exit 1
static_neigh_pair() {
	local m1 m2
	m1=$(ip netns exec hub cat /sys/class/net/eth0/address)
	m2=$(ip netns exec spk cat /sys/class/net/eth0/address)
	ip -n hub neigh replace "$R1_UL" lladdr "$m2" dev eth0 nud permanent &&
		ip -n spk neigh replace "$R2_UL" lladdr "$m1" dev eth0 nud permanent
}
static_neigh_pair || exit 1
# The module first, so that every tunnel is attached as it appears.
load_module period_ms="$P" retries=3 || exit 1
for ns in hub spk; do
	[ $ns = hub ] && l=$R2_UL r=$R1_UL || { l=$R1_UL r=$R2_UL; }
	for i in $(seq 1 "$N"); do
		echo "link add p$i type gre local $l remote $r key $i ttl 255"
		echo "link set p$i up"
	done >/tmp/passive-$ns.batch
	ip -n $ns -batch /tmp/passive-$ns.batch || exit 1
	rm -f /tmp/passive-$ns.batch
done
ka_sys hub && ka_sys spk || exit 1
for i in $(seq 1 "$N"); do
	echo 1 >"$_KA_SYS_ROOT/hub/class/net/p$i/keepalive/passive"
done
for i in $(seq 1 "$N"); do
	echo 1 >"$_KA_SYS_ROOT/spk/class/net/p$i/keepalive/enabled"
done
say "waiting for every hub tunnel to learn its spoke's period"
learned() {
	local d v
	for d in "$_KA_SYS_ROOT/hub"/class/net/p*/keepalive; do
		read -r v <"$d/peer_period_ms" && [ "$v" -gt 0 ] || return 1
	done
}
wait_for $((10 + 10 * P / 1000)) "learned" learned || say "not every period learned"
read -r l_med l_p95 l_max < <(for d in "$_KA_SYS_ROOT/hub"/class/net/p*/keepalive; do
	cat "$d/peer_period_ms"; done | quantiles)

say "steady state: CPU over $CPU_SECS s"
b0=$(busy_ticks)
sleep "$CPU_SECS"
b1=$(busy_ticks)
cpu_pct=$(awk -v t=$((b1 - b0)) -v hz="$HZ" -v s="$CPU_SECS" 'BEGIN { printf "%.1f", 100 * t / hz / s }')
hub_tx=$(sum_stat hub tx)
hub_req=$(sum_stat hub rx_requests)
spk_rx=$(sum_stat spk rx)

say "cut every spoke's path"
modprobe -q sch_netem
t_cut=$(now_ms)
tc -n spk qdisc replace dev eth0 root netem loss 100%
wait_for $((10 + 10 * P / 1000)) "all hub tunnels down" all_state hub down
t_now=$(now_ms)
read -r d_med d_p95 d_max < <(ages hub | awk -v c=$((t_now - t_cut)) '{ print c - $1 }' | quantiles)
downs=$(count_state hub down)

say "repair"
t_rep=$(now_ms)
tc -n spk qdisc del dev eth0 root
wait_for $((10 + 10 * P / 1000)) "all hub tunnels up" all_state hub up
t_now=$(now_ms)
read -r u_med u_p95 u_max < <(ages hub | awk -v c=$((t_now - t_rep)) '{ print c - $1 }' | quantiles)
ups=$(count_state hub up)

cat >"$RES/passive.json" <<EOF
{"tunnels": $N, "spoke_period_ms": $P, "retries": 3,
 "window_ms": [$((3 * P)), $((4 * P + P / 4))],
 "hub_keepalives_sent": $hub_tx, "hub_requests_counted": $hub_req,
 "spoke_replies_received": $spk_rx,
 "learned_period_ms": {"median": $l_med, "p95": $l_p95, "max": $l_max},
 "guest_cpu_percent_steady": $cpu_pct, "cpu_secs": $CPU_SECS,
 "down_after_cut_ms": {"tunnels_down": $downs, "median": $d_med, "p95": $d_p95, "max": $d_max},
 "up_after_repair_ms": {"tunnels_up": $ups, "median": $u_med, "p95": $u_p95, "max": $u_max}}
EOF
cat "$RES/passive.json"
ns_delete hub
ns_delete spk
unload_module
