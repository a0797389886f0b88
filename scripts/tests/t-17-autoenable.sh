#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 200
#
# auto_enable with tunnels that predate the module: loading replays
# NETDEV_REGISTER (which enables keepalive and starts the timer of a
# running device) and then NETDEV_UP (which starts it again). Starting the
# timer is idempotent, so the second start can never re-queue a timer
# whose callback is running on the other CPU (hrtimer_forward() would warn,
# and panic_on_warn makes that a dead VM): many up tunnels at a 10 ms
# period (10 ms; 20 ms on the debug kernel), loaded and unloaded a few
# times. A tunnel that is not running
# sends nothing at all, and starts sending when it comes up.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ka.sh"

# On the debug kernel fewer tunnels at a slower period: both vCPUs share
# one host thread there, and 10,000 timer callbacks a second saturate it.
if [ "$GRE_KA_KERNEL" = debug ]; then
	N=${GRE_KA_AUTOENABLE_TUNNELS:-30}
	FAST=20
else
	N=${GRE_KA_AUTOENABLE_TUNNELS:-100}
	FAST=10
fi
ROUNDS=4

check "a router" ns_create r1
check "an underlay" ip -n r1 link add eth0 type dummy
check "underlay up" ip -n r1 link set eth0 up
check "underlay address" ip -n r1 addr add "$R1_UL/$UL_PREFIX" dev eth0
batch=$(mktemp)
for i in $(seq 1 "$N"); do
	echo "link add g$i type gre local $R1_UL remote 203.0.113.$i ttl 255"
	echo "link set g$i up"
done >"$batch"
echo "link add gdown type gre local $R1_UL remote 198.51.100.250 ttl 255" >>"$batch"
check "$N running tunnels and one down, before the module" ip -n r1 -batch "$batch"
rm -f "$batch"

# Unreachable remotes: every keepalive is sent (and counted) and fails
# at its route lookup, which keeps a 10 ms period cheap under emulation.
for r in $(seq 1 $ROUNDS); do
	check "round $r: load with auto_enable=1 period_ms=10" \
		load_module auto_enable=1 period_ms=$FAST retries=3
	check_eq "round $r: the last tunnel enabled" 1 "$(ka_get r1 "g$N" enabled)"
	check "round $r: the last tunnel sends" wait_for 10 "g$N tx" \
		ka_stat_ge r1 "g$N" tx 3
	check "round $r: the first one too" wait_for 10 "g1 tx" \
		ka_stat_ge r1 g1 tx 3
	check_eq "round $r: the down tunnel is enabled" 1 "$(ka_get r1 gdown enabled)"
	check_eq "round $r: and has sent nothing" 0 "$(ka_stat r1 gdown tx)"
	check "round $r: unload" unload_module
done

check "load again" load_module auto_enable=1 period_ms=$FAST retries=3
check_eq "gdown: nothing sent while down" 0 "$(ka_stat r1 gdown tx)"
check "gdown up" ip -n r1 link set gdown up
check "gdown sends once up" wait_for 10 "gdown tx" ka_stat_ge r1 gdown tx 3
check "gdown down" ip -n r1 link set gdown down
tx=$(ka_stat r1 gdown tx)
check "other tunnels go on" wait_for 10 "g1 tx grows" ka_stat_ge r1 g1 tx $(($(ka_stat r1 g1 tx) + 5))
check_eq "gdown: no keepalive after admin down" "$tx" "$(ka_stat r1 gdown tx)"
check "unload" unload_module
test_done
