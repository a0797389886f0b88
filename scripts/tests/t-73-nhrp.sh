#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# kernels: 6.12
# timeout: 240
#
# Multipoint GRE beside FRR's nhrpd (Debian's frr, FRR 8.4), no IPsec: a
# DMVPN hub and two spokes on one underlay, configured as FRR's topotest
# nhrp_topo does.
#
#   sw  a bridge, the underlay 192.0.2.0/24 (static ARP)
#   h   eth0 192.0.2.1, mgre1 (local 192.0.2.1, key 42, ttl 64, dev eth0)
#       10.9.0.1/32; zebra + nhrpd (network-id 42, registration no-unique,
#       redirect; NFLOG group 1 for what it forwards from mgre1 back into
#       mgre1); forwarding on
#   sN  eth0 192.0.2.1N, mgre1 likewise with 10.9.0.1N/32, 10.9.0.0/24 via
#       the hub; zebra + nhrpd (nhs dynamic nbma 192.0.2.1, registration
#       no-unique, shortcut; holdtime 9 s on s1, 60 s on s2)
#
# Proven:
# - without us, nhrpd works: both spokes register (the hub's `show ip
#   nhrp cache` lists them, dynamic, with their NBMA addresses); nhrpd,
#   through zebra, gives the hub's mgre1 a neighbour entry per spoke,
#   10.9.0.1N lladdr 192.0.2.1N, valid (REACHABLE) and proto nhrp, and
#   a /32 route; pings hub <-> spokes work, and spoke to spoke nhrpd
#   resolves a shortcut (s1 gets 10.9.0.12/32 proto nhrp, lladdr
#   192.0.2.12);
# - keepalive on the hub's mgre1 (300 ms x 3) makes nhrpd's two spokes
#   its peers (origin neigh), both up. The spokes answer because each
#   has the hub as a static peer (netlink), its own keepalive off: our
#   module answers only peers; a static peer is one from the start,
#   whatever nhrpd does with the spoke's entry for the hub (a spoke with
#   keepalive or passive on would follow that entry, hold it failed when
#   it sees the hub dead, and send keepalives of its own); this test is
#   about the hub's view;
# - s2 cut (netem loss 100% on its eth0): the hub's peer for it goes
#   down within the keepalive window (plus KA_LATE_MS), s1's stays up,
#   nhrpd's entry 10.9.0.12 is held FAILED (extern_learn), while nhrpd
#   still lists s2, dynamic and "up" (without IPsec it has no liveness
#   of its own: it keeps a spoke for the holdtime of its registration);
# - a packet to s2 meanwhile makes the kernel ask nhrpd again: FRR 8.4
#   answers for the incomplete entry with lladdr 0.0.0.0 (REACHABLE;
#   fixed in FRR 10), an address that is no peer, so the module leaves
#   the entry so and still counts it held; it stays unusable;
# - s2 repaired: the same peer comes back up within two periods, the
#   entry is given back (lladdr 192.0.2.12 REACHABLE) and nhrpd never
#   deleted or re-created it; pings hub <-> s2 and s1 -> s2 work, and
#   nhrpd's cache lists both spokes;
# - nhrpd's own view, for contrast: s1 cut, seen dead by the keepalive
#   within the window, is listed by nhrpd until the holdtime of its last
#   registration (9 s) runs out; then nhrpd deletes the entry, and the
#   module keeps nothing of it (the peer goes with its last entry);
#   repaired, s1 registers again (at its next retry) and is a peer, up.
#
# Seen, not checked (the diagnostics list the hub's states of each
# entry): nhrpd's entries go STALE after the reachable time, and on the
# kernel's probe nhrpd confirms them REACHABLE with the address the
# kernel had.
#
# Kept in the output directory: the FRR logs (frr-NS-DAEMON.log; nhrpd's
# with debug common and kernel: registrations, the kernel's requests) and
# the hub's `ip monitor neigh route` (t-73-hub-neigh.log).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ka.sh"
. "$(dirname "$0")/frr.sh"

HERE=$(dirname "$0")
NL=(/usr/bin/python3 "$HERE/gk_nl.py")
P=300
R=3
# The spokes' registration holdtimes (nhrpd's default is 7,200 s). A
# spoke registers again every third of it, and after a failure retries
# 2, 6, 14 and 30 s later. s2's outage must end before the hub's nhrpd
# would drop s2 (its last retry before then: at least 30 s after the
# cut); s1's expiry is watched: 9 s, and the repair must come within the
# 8 s between it and s1's third retry.
HOLD1=9
HOLD2=60
HUB=192.0.2.1
PEERS=$GRE_KA_OUT/t-73-peers.json
MON=$GRE_KA_OUT/t-73-hub-neigh.log
HUBLOG=$FRR_LOG/h-nhrpd.log

# peers_wait SECS EXPR: the hub's peers, until EXPR (Python, of p).
peers_wait() {
	ns_exec h "${NL[@]}" wait mgre1 "$@" >"$PEERS"
}

# peers_get EXPR...: each EXPR's value (Python, of p, and now, the
# dump's clock) of the last peers_wait result, one line each.
peers_get() {
	/usr/bin/python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
p, now = d["peers"], d["uptime_ms"]
for e in sys.argv[2:]:
	print(eval(e))
' "$PEERS" "$@"
}

neigh_of() {
	ip -n h neigh show "$1" dev mgre1
}

# node NS N: NS on the underlay, and its mgre1 (the topotest's tunnel:
# key 42, ttl 64, dev eth0): eth0 192.0.2.N, MAC 02:00:00:00:00:N (its
# other end, NS-p, on the bridge), static ARP for the other two (a cut
# must not also fail ARP), mgre1 10.9.0.N/32, up; a spoke's route to the
# overlay via the hub. One `ip -batch` per namespace: under emulation
# every process started costs a good part of a second.
node() {
	local ns=$1 n=$2 o
	ip link add eth0 netns "$ns" address "02:00:00:00:00:$n" type veth \
		peer name "$ns-p" netns sw &&
		ip -n sw link set "$ns-p" master br0 up || return 1
	{
		echo "addr add 192.0.2.$n/24 dev eth0"
		echo "link set eth0 up"
		for o in 1 11 12; do
			[ "$o" = "$n" ] ||
				echo "neigh replace 192.0.2.$o lladdr 02:00:00:00:00:$o dev eth0"
		done
		echo "link add mgre1 type gre local 192.0.2.$n key 42 ttl 64 dev eth0"
		echo "addr add 10.9.0.$n/32 dev mgre1"
		echo "link set mgre1 up"
		[ "$n" = 1 ] || echo "route add 10.9.0.0/24 via 10.9.0.1 dev mgre1 onlink"
	} | ip -n "$ns" -batch -
}

# nhrp_conf NS LINE...: nhrpd's configuration for NS, with LINEs in its
# interface mgre1. It logs registrations (debug nhrp common, in ms: the
# hub's log says when a spoke last registered) and the kernel's requests
# (debug nhrp kernel).
nhrp_conf() {
	local ns=$1 l
	shift
	{
		echo "hostname $ns"
		echo "log file $FRR_LOG/$ns-nhrpd.log debugging"
		echo "log timestamp precision 3"
		echo "debug nhrp common"
		echo "debug nhrp kernel"
		[ "$ns" = h ] && echo "nhrp nflog-group 1"
		echo "interface mgre1"
		echo " ip nhrp network-id 42"
		echo " ip nhrp registration no-unique"
		for l in "$@"; do
			echo " $l"
		done
		echo " tunnel source eth0"
		echo "exit"
	} | frr_conf "$ns" nhrpd
}

# start_all NS...: zebra then nhrpd in each NS, the namespaces at once
# (nhrpd retries zebra only every 10 s: zebra first).
start_all() {
	local ns pids=()
	for ns in "$@"; do
		{ frr_launch "$ns" zebra && frr_launch "$ns" nhrpd; } &
		pids+=($!)
	done
	wait "${pids[@]}"
	for ns in "$@"; do
		frr_ready "$ns" zebra && frr_ready "$ns" nhrpd || return 1
	done
}

start_frr() {
	local ns
	for ns in h s1 s2; do
		printf 'hostname %s\nlog file %s/%s-zebra.log\n' "$ns" "$FRR_LOG" "$ns" |
			frr_conf "$ns" zebra || return 1
	done
	nhrp_conf h "ip nhrp redirect" || return 1
	nhrp_conf s1 "ip nhrp nhs dynamic nbma $HUB" "ip nhrp holdtime $HOLD1" \
		"ip nhrp shortcut" &&
		nhrp_conf s2 "ip nhrp nhs dynamic nbma $HUB" "ip nhrp holdtime $HOLD2" \
			"ip nhrp shortcut" || return 1
	start_all h s1 s2
}

# nhrp NS CMD...: nhrpd's answer (vtysh to nhrpd alone).
nhrp() {
	local ns=$1 a=() c
	shift
	for c in "$@"; do
		a+=(-c "$c")
	done
	vtysh -N "$ns" -d nhrpd "${a[@]}" 2>/dev/null
}

# in_cache TEXT TYPE PROTO NBMA: a `show ip nhrp cache` TEXT has that entry.
in_cache() {
	grep -qE "^mgre1 +$2 +${3//./\\.} +${4//./\\.} " <<<"$1"
}

registered() {
	local c
	c=$(nhrp h "show ip nhrp cache") &&
		in_cache "$c" dynamic 10.9.0.11 192.0.2.11 &&
		in_cache "$c" dynamic 10.9.0.12 192.0.2.12
}

# last_registration OVERLAY: when the hub's nhrpd last logged a
# registration from that spoke (ms since the epoch).
last_registration() {
	local ts
	ts=$(grep "Recv Registration-Request(3) ${1//./\\.} " "$HUBLOG" | tail -n 1 | cut -c1-23)
	[ -n "$ts" ] && ms_of_ts "${ts//\//-}"
}

# deleted OVERLAY: how often the monitor saw the hub's entry deleted.
deleted() {
	grep -c "Deleted ${1//./\\.} dev mgre1 " "$MON"
}

deleted_gt() {
	[ "$(deleted "$1")" -gt "$2" ]
}

# one_peer_up: the hub has one peer, and it is up (sysfs, no process).
one_peer_up() {
	[ "$(ka_get h mgre1 peers) $(ka_get h mgre1 peers_down)" = "1 0" ]
}

# states OVERLAY: the hub's neighbour entry for it, its states so far as
# the monitor saw them.
states() {
	sed -n "s/^\[[^]]*\] \(miss \|Deleted \)\{0,1\}\(${1//./\\.} dev mgre1 .*\) *\$/\1\2/p" "$MON" |
		sed 's/ dev mgre1//;s/ proto nhrp//;s/ *$//' | paste -sd ';'
}

# --- Without us: the hub, two spokes, nhrpd ---------------------------------
check "the underlay: a bridge" ns_create sw
check "br0" sh -c 'ip -n sw link add br0 type bridge && ip -n sw link set br0 up'
check "hub h" ns_create h
check "h: eth0 192.0.2.1, mgre1 10.9.0.1" node h 1
for n in 1 2; do
	check "spoke s$n" ns_create "s$n"
	check "s$n: eth0 192.0.2.1$n, mgre1 10.9.0.1$n, 10.9.0.0/24 via the hub" node "s$n" "1$n"
done
NFT=$(mktemp /tmp/gre_ka-nft.XXXXXX)
cat >"$NFT" <<'EOF'
table inet nhrp {
	chain fwd_nflog {
		type filter hook forward priority 0;
		iifname "mgre1" oifname "mgre1" log group 1
	}
}
EOF
check "hub forwards, and logs spoke-to-spoke packets to nhrpd (NFLOG 1)" \
	ip netns exec h sh -c "sysctl -qw net.ipv4.ip_forward=1 && nft -f $NFT"
rm -f "$NFT"
ip -n h -ts monitor neigh route >"$MON" 2>&1 &
bg_register $!

check "zebra and nhrpd in the three namespaces" start_frr
check "the spokes register with the hub" wait_for 30 "both spokes in the hub's cache" registered
diag "$(nhrp h 'show ip nhrp cache')"
diag "the hub's neighbours: $(ip -n h neigh show dev mgre1)"
for n in 1 2; do
	check "hub: 10.9.0.1$n lladdr 192.0.2.1$n, valid, nhrpd's" \
		text_has "$(neigh_of 10.9.0.1$n)" \
		"^10\.9\.0\.1$n lladdr 192\.0\.2\.1$n (REACHABLE|STALE|DELAY|PROBE) proto nhrp"
	check "hub: route 10.9.0.1$n/32 dev mgre1, nhrpd's" \
		text_has "$(ip -n h route show "10.9.0.1$n")" ' dev mgre1 proto nhrp '
	check "hub -> s$n" ns_exec h ping -q -c1 -W2 "10.9.0.1$n"
	check "s$n -> hub" ns_exec "s$n" ping -q -c1 -W2 10.9.0.1
done
check "s1 -> s2 (through the hub)" ns_exec s1 ping -q -c1 -W2 10.9.0.12
shortcut() {
	ip -n s1 route show 10.9.0.12 | grep -q 'dev mgre1 proto nhrp' &&
		ip -n s1 neigh show 10.9.0.12 dev mgre1 | grep -q '^10\.9\.0\.12 lladdr 192\.0\.2\.12 '
}
check "nhrpd resolves a shortcut: s1 has 10.9.0.12/32 proto nhrp, lladdr 192.0.2.12" \
	wait_for 10 "s1's shortcut to s2" shortcut
check "s1 -> s2 (shortcut)" ns_exec s1 ping -q -c1 -W2 10.9.0.12

# --- Keepalive on the hub ---------------------------------------------------
check "module loads" load_module
for n in 1 2; do
	check "s$n: the hub a static peer" \
		text_has "$(ns_exec "s$n" "${NL[@]}" peer-add mgre1 $HUB)" '^ok$'
done
check "hub keepalive ${P} ms x ${R}" ka_enable h mgre1 $P $R
check "nhrpd's spokes are the hub's peers (origin neigh), up, answered" peers_wait 20 \
	'len(p) == 2 and all(x["state"] == "up" and x["origins"] == ["neigh"] and x.get("rx", 0) >= 3 for x in p.values())'

# --- s2 cut: held while nhrpd still lists it; repaired: given back ---------
modprobe -q sch_netem 2>/dev/null
tc -n s2 qdisc show dev eth0 >/dev/null
t_lo=$(now_ms)
check "cut s2" tc -n s2 qdisc replace dev eth0 root netem loss 100%
t_hi=$(now_ms)
check "the hub's peer for s2 goes down" peers_wait 10 'p["192.0.2.12"]["state"] == "down"'
mapfile -t v < <(peers_get 'now - p["192.0.2.12"]["last_change_ms"]' \
	'p["192.0.2.12"]["cause"]' 'p["192.0.2.11"]["state"]')
when=${v[0]:-0}
diag "s2 down $((when - t_hi))..$((when - t_lo)) ms after the cut (window $(((R - 1) * P))..$(((R + 1) * P)) ms)"
check "not down before (retries - 1) x period" test $((when - t_lo)) -ge $(((R - 1) * P))
check "down within (retries + 1) x period" test $((when - t_hi)) -le $(((R + 1) * P + KA_LATE_MS))
check_eq "cause: unanswered; s1 still up" "unanswered up" "${v[1]} ${v[2]}"
check "nhrpd's entry 10.9.0.12 held failed" wait_for 5 "10.9.0.12 FAILED" \
	sh -c "ip -n h neigh show 10.9.0.12 dev mgre1 | grep -q 'extern_learn FAILED'"
out=$(nhrp h "show ip nhrp cache" "show ip nhrp opennhrp")
check "nhrpd still lists s2: dynamic, 192.0.2.12" in_cache "$out" dynamic 10.9.0.12 192.0.2.12
check "and, for nhrpd, up" text_has "$(grep -B1 '^Protocol-Address: 10\.9\.0\.12/' <<<"$out")" '^Flags: up'
now=$(now_ms)
diag "nhrpd's view $((now - t_lo)) ms after the cut, $((now - when)) ms after the" \
	"keepalive saw s2 dead: 10.9.0.12 dynamic, NBMA 192.0.2.12, up; it keeps it" \
	"for the holdtime of s2's last registration ($HOLD2 s here, 7,200 by default)"
# Traffic to s2: the kernel resolves the held entry again, nhrpd answers.
check_fail "hub -> s2 fails (s2 is cut)" ns_exec h ping -q -c1 -W1 10.9.0.12
check "the kernel's request answered (or given up)" wait_for 5 "10.9.0.12 not INCOMPLETE" \
	sh -c "! ip -n h neigh show 10.9.0.12 dev mgre1 | grep -q INCOMPLETE"
e=$(neigh_of 10.9.0.12)
diag "after nhrpd's answer: $e"
check "the entry unusable meanwhile (FAILED, or FRR 8.4's lladdr 0.0.0.0)" \
	text_has "$e" '^10\.9\.0\.12 (.*FAILED|lladdr 0\.0\.0\.0 )'
check "still held, still down" peers_wait 5 \
	'p["192.0.2.12"]["neighs_held"] == 1 and p["192.0.2.12"]["state"] == "down"'
r_lo=$(now_ms)
check "repair s2" tc -n s2 qdisc del dev eth0 root
r_hi=$(now_ms)
check "the same peer comes back up" peers_wait 10 \
	'p["192.0.2.12"]["state"] == "up" and p["192.0.2.12"]["up_transitions"] >= 1'
when=$(peers_get 'now - p["192.0.2.12"]["last_change_ms"]')
diag "outage $((r_lo - t_lo)) ms; s2 up $((when - r_hi))..$((when - r_lo)) ms after the repair"
check "up within two periods of the repair" test $((when - r_hi)) -le $((2 * P + KA_LATE_MS))
check "the entry given back: lladdr 192.0.2.12 REACHABLE" wait_for 5 "10.9.0.12 valid" \
	sh -c "ip -n h neigh show 10.9.0.12 dev mgre1 | grep -q '^10\.9\.0\.12 lladdr 192\.0\.2\.12 REACHABLE'"
check_eq "nhrpd never deleted it meanwhile" 0 "$(deleted 10.9.0.12)"
check "hub -> s2" ns_exec h ping -q -c1 -W2 10.9.0.12
check "s2 -> hub" ns_exec s2 ping -q -c1 -W2 10.9.0.1
check "s1 -> s2" ns_exec s1 ping -q -c1 -W2 10.9.0.12
check "nhrpd's cache lists both spokes" registered
check "nothing held, both up" peers_wait 5 \
	'all(x["neighs_held"] == 0 and x["state"] == "up" for x in p.values())'
diag "the hub's 10.9.0.12: $(states 10.9.0.12)"

# --- nhrpd's own view: a dead spoke until its holdtime runs out ------------
n0=$(deleted 10.9.0.11)
tc -n s1 qdisc show dev eth0 >/dev/null
c0=$(date +%s%3N)
t_lo=$(now_ms)
check "cut s1" tc -n s1 qdisc replace dev eth0 root netem loss 100%
t_hi=$(now_ms)
check "the hub's peer for s1 goes down, s2's stays up" peers_wait 10 \
	'p["192.0.2.11"]["state"] == "down" and p["192.0.2.12"]["state"] == "up"'
when=$(peers_get 'now - p["192.0.2.11"]["last_change_ms"]')
check "s1 down within (retries + 1) x period" \
	test $((when - t_hi)) -le $(((R + 1) * P + KA_LATE_MS))
check "nhrpd deletes its entry 10.9.0.11 (holdtime)" wait_for $((HOLD1 + 10)) \
	"10.9.0.11 deleted" deleted_gt 10.9.0.11 "$n0"
# Repaired at once: s1 retries 8 s after the expiry, then 16 s later.
check "the module keeps nothing of it: one peer left, none down" \
	wait_for 5 "peers 1, peers_down 0" one_peer_up
check_eq "no entry 10.9.0.11" "" "$(neigh_of 10.9.0.11)"
r_lo=$(now_ms)
check "repair s1" tc -n s1 qdisc del dev eth0 root
del=$(sed -n 's/^\[\([^]]*\)\] Deleted 10\.9\.0\.11 dev mgre1 .*/\1/p' "$MON" | tail -n 1)
del=$(ms_of_ts "$del")
reg=$(last_registration 10.9.0.11)
diag "s1 cut $((c0 - reg)) ms after its last registration. The keepalive saw it" \
	"dead $((when - t_hi))..$((when - t_lo)) ms after the cut (window $(((R + 1) * P)) ms);" \
	"nhrpd listed it until $((del - c0)) ms after the cut, $((del - reg)) ms after" \
	"that registration (holdtime $HOLD1 s)"
check "nhrpd kept it for the holdtime" test $((del - reg)) -ge $(((HOLD1 - 1) * 1000)) -a \
	$((del - reg)) -le $(((HOLD1 + 3) * 1000))
check "s1 registers again with the hub" wait_for 30 "both spokes in the hub's cache" registered
diag "s1 in nhrpd's cache again $(($(now_ms) - r_lo)) ms after the repair (its registration retries)"
check "s1 the hub's peer again, up" peers_wait 10 \
	'p["192.0.2.11"]["state"] == "up" and p["192.0.2.11"]["origins"] == ["neigh"]'
check "hub -> s1" ns_exec h ping -q -c1 -W2 10.9.0.11
check "hub: 10.9.0.11 lladdr 192.0.2.11, valid" text_has "$(neigh_of 10.9.0.11)" \
	'^10\.9\.0\.11 lladdr 192\.0\.2\.11 (REACHABLE|STALE|DELAY|PROBE) proto nhrp'
diag "the hub's 10.9.0.11: $(states 10.9.0.11)"
check "the FRR daemons are still running" frr_alive
for pp in "${_FRR_PIDS[@]}"; do diag "DBG pid $pp: $(tr '\0' ' ' </proc/$pp/cmdline)"; done
for pp in "${_FRR_PIDS[@]}"; do kill "$pp"; done
gk_sleep 3
for pp in "${_FRR_PIDS[@]}"; do
	[ -d /proc/$pp ] || continue
	diag "DBG STILL ALIVE $pp: $(tr '\0' ' ' </proc/$pp/cmdline) state $(grep State /proc/$pp/status) wchan $(cat /proc/$pp/wchan) sig $(grep -E 'Sig(Pnd|Blk|Cgt)|ShdPnd' /proc/$pp/status | tr '\n' ' ')"
	for t in /proc/$pp/task/*; do diag "DBG task $t $(cat $t/comm) $(grep State $t/status) wchan $(cat $t/wchan)"; diag "$(cat $t/stack 2>/dev/null)"; done
done
frr_stop
check "module unloads" unload_module
test_done
