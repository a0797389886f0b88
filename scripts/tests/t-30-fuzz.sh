#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# debug: kmemleak (malformed packets take the error paths: where a leak shows)
# timeout: 500
#
# Hostile input: a seeded packet fuzzer (gre_fuzz.c, compiled here) sends
# randomized and structured-malformed GRE packets from r2 at r1's
# keepalive-enabled tunnels, at the reply path (GRE PT=0, forged
# trailers, every flag combination, versions, bad checksums, wrong keys,
# IP options, zero-length and oversize payloads), at the reflect path
# (GRE-in-GRE with valid and defective inner IPv4 + GRE PT=0) and at the
# outer level (truncated/random IPv4, bad checksums and lengths,
# fragments, random options and GRE headers). r2 has no working tunnel,
# so nothing genuine ever answers r1. Invariants: no splat, no leak (a
# kmemleak scan here on kernels that have it, and the harness's), with
# auth=1 no forgery counts as a reply and the line protocol stays down,
# every well-formed reply-path packet is counted as invalid and nothing
# else is, every inner packet that is a peer keepalive by the documented
# rules is reflected or counted as dropped and no other one is, the
# fallback device counts nothing; with auth=0 any reply counts. Finally
# the real peer comes back and the tunnel comes up.
#
# Environment: GRE_KA_FUZZ_SEED (default: random, printed),
# GRE_KA_FUZZ_COUNT (packets per stream; default 10000, 1500 on the debug
# kernel; with GRE_KA_SOAK=1 500000, 50000 on the debug kernel). Figures
# go to $GRE_KA_OUT/fuzz-figures.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ka.sh"

SEED=${GRE_KA_FUZZ_SEED:-$(($(date +%s%N) % 2147483647))}
# The debug kernel forwards about 1/100 of the packets per second.
if [ "${GRE_KA_SOAK:-0}" = 1 ]; then
	COUNT=${GRE_KA_FUZZ_COUNT:-$([ "$GRE_KA_KERNEL" = debug ] && echo 50000 || echo 500000)}
else
	COUNT=${GRE_KA_FUZZ_COUNT:-$([ "$GRE_KA_KERNEL" = debug ] && echo 500 || echo 10000)}
fi
FUZZ=/tmp/gre_fuzz.$$
FIGURES=$GRE_KA_OUT/fuzz-figures
PERIOD=100
STATS="tx rx rx_invalid reflected reflect_dropped up_transitions down_transitions"
diag "seed $SEED, $COUNT packets per stream (GRE_KA_FUZZ_SEED=$SEED reproduces)"
: >"$FIGURES"

# Forks are slow on the debug kernel under emulation: the bookkeeping
# below reads sysfs and parses with shell builtins only.

# stat_read NS DEV NAME VAR: statistics/NAME into VAR
stat_read() {
	ka_sys "$1" &&
		read -r "$4" <"$_KA_SYS_ROOT/$1/class/net/$2/keepalive/statistics/$3"
}

# snap NS DEV: set S_<stat> for every statistic
snap() {
	local s
	for s in $STATS; do
		stat_read "$1" "$2" "$s" "S_$s" || return 1
	done
}

# delta NS DEV: set D_<stat> to the growth since the last snap
D_rx=0 D_rx_invalid=0 D_reflected=0 D_reflect_dropped=0 D_up_transitions=0
delta() {
	local s v old
	for s in $STATS; do
		stat_read "$1" "$2" "$s" v || return 1
		old=S_$s
		printf -v "D_$s" '%s' $((v - ${!old}))
	done
}

TOTAL_SENT=0
TOTAL_CS=0	# centiseconds
J_sent=0 J_wellformed=0 J_peer_valid=0 J_peer_ttl_ok=0
# fuzz NAME MODE SEED_OFFSET [gre_fuzz options]: one stream from r2 at r1;
# sets J_sent, J_wellformed, J_peer_valid, J_peer_ttl_ok from its JSON line.
fuzz() {
	local name=$1 mode=$2 seed=$((SEED + $3)) out k re
	shift 3
	out=$(ns_exec r2 "$FUZZ" --iface eth0 --dst-mac "$R1_MAC" \
		--src "$R2_UL" --dst "$R1_UL" --mode "$mode" --count "$COUNT" \
		--seed "$seed" "$@" 2>&1)
	echo "$out"
	echo "$name $out" >>"$FIGURES"
	for k in sent wellformed peer_valid peer_ttl_ok; do
		re="\"$k\":([0-9]+)"
		[[ $out =~ $re ]] || return 1
		printf -v "J_$k" '%s' "${BASH_REMATCH[1]}"
	done
	re='"secs":([0-9]+)\.([0-9]+)'
	[[ $out =~ $re ]] || return 1
	TOTAL_SENT=$((TOTAL_SENT + J_sent))
	TOTAL_CS=$((TOTAL_CS + 10#${BASH_REMATCH[1]}${BASH_REMATCH[2]}))
}

# The reply path of DEV with auth=1: every well-formed packet is counted
# invalid, nothing more than was sent, nothing valid, no transition.
reply_stream() {
	local dev=$1 off=$2 sent wf
	shift 2
	snap r1 "$dev"
	check "$dev: reply-path stream" fuzz "$dev reply" reply "$off" "$@"
	sent=$J_sent
	wf=$J_wellformed
	delta r1 "$dev"
	diag "$dev reply: rx_invalid +$D_rx_invalid (well-formed $wf, sent $sent)"
	check_eq "$dev: no forged reply accepted (rx)" 0 "$D_rx"
	check "$dev: every well-formed reply counted invalid ($D_rx_invalid >= $wf)" \
		test "$D_rx_invalid" -ge "$wf"
	check "$dev: no more than were sent ($D_rx_invalid <= $sent)" \
		test "$D_rx_invalid" -le "$sent"
	check "$dev: some reached the hook" test "$wf" -gt 0
	check_eq "$dev: nothing reflected" 0 "$((D_reflected + D_reflect_dropped))"
	check_eq "$dev: no up transition" 0 "$D_up_transitions"
	check_eq "$dev: still down" down "$(ka_get r1 "$dev" state)"
	check "$dev: carrier still off" has_no_carrier r1 "$dev"
}

# The reflect path of DEV: reflected + reflect_dropped is exactly the
# number of peer keepalives sent; the reply path sees nothing.
reflect_stream() {
	local dev=$1 off=$2 valid ttl_ok
	shift 2
	snap r1 "$dev"
	check "$dev: reflect-path stream" fuzz "$dev reflect" reflect "$off" "$@"
	valid=$J_peer_valid
	ttl_ok=$J_peer_ttl_ok
	delta r1 "$dev"
	diag "$dev reflect: reflected +$D_reflected reflect_dropped +$D_reflect_dropped (peer keepalives $valid, TTL > 1 $ttl_ok)"
	check_eq "$dev: reflected + reflect_dropped = peer keepalives sent" \
		"$valid" "$((D_reflected + D_reflect_dropped))"
	check "$dev: reflected only ones with TTL > 1 ($D_reflected <= $ttl_ok)" \
		test "$D_reflected" -le "$ttl_ok"
	check "$dev: some reflected" test "$D_reflected" -gt 0
	check_eq "$dev: the reply path saw nothing" 0 "$((D_rx + D_rx_invalid))"
	check_eq "$dev: no up transition" 0 "$D_up_transitions"
}

# Built by scripts/vm/build-module.sh on the host, else here (slowly).
FUZZ_SRC=$(dirname "$0")/gre_fuzz.c
if [ "$GRE_KA_REPO/.build/tools/gre_fuzz" -nt "$FUZZ_SRC" ]; then
	check "the fuzzer is built" cp "$GRE_KA_REPO/.build/tools/gre_fuzz" "$FUZZ"
else
	check "the fuzzer compiles" gcc -O1 -Wall -Werror -o "$FUZZ" "$FUZZ_SRC"
fi
diag "fuzzer ready after $SECONDS s"
TOPO_STOCK_REFLECTOR=0 check "two routers" topo_two_routers
check "r1: keyed, checksummed tunnel gre2" \
	gre_tunnel r1 gre2 "$R1_UL" "$R2_UL" 10.255.2.1/30 key 7 csum
check "r2's tunnel down: no real peer" ip -n r2 link set gre1 down
check "static neighbours" static_neigh
R1_MAC=$(ns_exec r1 cat /sys/class/net/eth0/address)
check "module loads" load_module
check "enable gre1" ka_enable r1 gre1 $PERIOD 2
check "enable gre2" ka_enable r1 gre2 $PERIOD 2
check "gre1 goes down" wait_for 10 "gre1 down" ka_state_is r1 gre1 down
check "gre2 goes down" wait_for 10 "gre2 down" ka_state_is r1 gre2 down

diag "fuzzing from $SECONDS s"
reply_stream gre1 1
reply_stream gre2 2 --key 7 --csum
reflect_stream gre1 3
reflect_stream gre2 4 --key 7 --csum

snap r1 gre1
check "outer-level garbage" fuzz "outer" outer 5
delta r1 gre1
diag "outer: rx_invalid +$D_rx_invalid reflected +$D_reflected reflect_dropped +$D_reflect_dropped"
check_eq "outer garbage: no forged reply accepted" 0 "$D_rx"
check_eq "outer garbage: no up transition" 0 "$D_up_transitions"
check "outer garbage: counted no more than sent" \
	test $((D_rx_invalid + D_reflected + D_reflect_dropped)) -le "$J_sent"
check_eq "gre1 still down" down "$(ka_get r1 gre1 state)"

# gre0, the fallback device, gets what matches no tunnel; never enabled, it
# must count nothing.
for s in rx rx_invalid reflected reflect_dropped; do
	check_eq "fallback gre0 counted no $s" 0 "$(ka_stat r1 gre0 "$s")"
done

# auth=0: any PT=0 reply counts, like Cisco's.
check "gre1 auth=0" ka_set r1 gre1 auth 0
snap r1 gre1
check "gre1: reply-path stream with auth=0" fuzz "gre1 reply auth=0" reply 6
delta r1 gre1
diag "gre1 reply auth=0: rx +$D_rx rx_invalid +$D_rx_invalid"
check "auth=0: every well-formed reply counted ($D_rx >= $J_wellformed)" \
	test "$D_rx" -ge "$J_wellformed"
check "auth=0: no more than were sent" test "$D_rx" -le "$J_sent"
check_eq "auth=0: none invalid" 0 "$D_rx_invalid"
check "auth=0: the forgeries brought gre1 up" test "$D_up_transitions" -ge 1
check "auth=1 again" ka_set r1 gre1 auth 1
check "and down again without a peer" wait_for 10 "down" ka_state_is r1 gre1 down

# The genuine peer brings it up: the fuzzing left nothing wedged.
check "r2's tunnel up: the real peer" ip -n r2 link set gre1 up
check "gre1 comes up with real replies" wait_for 10 "up" ka_state_is r1 gre1 up
check "with carrier" has_carrier r1 gre1
check "rtt measured" ka_stat_ge r1 gre1 rtt_max_us 1

pps=0
[ "$TOTAL_CS" -gt 0 ] && pps=$((TOTAL_SENT * 100 / TOTAL_CS))
figures="fuzz: seed $SEED, $TOTAL_SENT packets in $((TOTAL_CS / 100)).$((TOTAL_CS % 100 / 10)) s ($pps packets/s)"
for d in gre1 gre2; do
	figures+="; $d:"
	for s in $STATS; do
		stat_read r1 "$d" "$s" v
		figures+=" $s=$v"
	done
done
diag "$figures"
echo "$figures" >>"$FIGURES"

diag "done fuzzing at $SECONDS s"
check "disable and unload" unload_module
rm -f "$FUZZ"
kmemleak_check
test_done
