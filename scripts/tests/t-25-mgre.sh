#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 400
# core: yes
#
# Multipoint GRE: per-peer keepalives on a hub's mGRE device.
#
#   h   dummy0 192.0.2.1 (its NBMA address), a routed link to each spoke
#       (192.168.N.1/30 <-> .2), mgre1 (local 192.0.2.1, key 42)
#       10.9.0.1/24, neighbours 10.9.0.1N lladdr 192.0.2.1N (permanent,
#       as set by hand)
#   sN  dummy0 192.0.2.1N, gre1 (local 192.0.2.1N, remote 192.0.2.1, key
#       42) 10.9.0.1N/24, N = 1..3, our module answering the hub
# (Routed rather than bridged: the debug kernel has no bridge.)
#
# - the hub's keepalive (300 ms x 3) makes the three NBMA addresses its
#   peers (origin neigh), all up;
# - one spoke cut: that peer alone goes down within (retries + 1) periods
#   (plus the usual margin), the others stay up, the device keeps its
#   carrier; the neighbour entry mapping to it is held failed, the others
#   untouched; repaired: the peer is up and the entry is back exactly as
#   the administrator made it;
# - peers follow the neighbour table (deleted, added, re-pointed) and
#   netlink (static peers, and the errors of a bad request);
# - requests (Cisco's and ours) from a peer are answered to that peer;
#   one from an address that is no peer is refused and answered nowhere;
# - passive: the hub sends nothing, learns its spokes from their
#   keepalives and sees a dead one; passive off forgets them;
# - the gre-ka command: peer add and del (exit codes), show's peer lines,
#   --json's peers array (nbma, state, origin, rtt_avg_us, tx, rx), and
#   monitor's per-peer transitions with the peer's address;
# - unloading the module while a peer is down gives its entries back.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ka.sh"
. "$(dirname "$0")/gk.sh"

HERE=$(dirname "$0")
NL=(/usr/bin/python3 "$HERE/gk_nl.py")
P=300
R=3
HUB=192.0.2.1

# peers_wait NS SECS EXPR: the hub's peers, until EXPR (Python, of p).
peers_wait() {
	local ns=$1
	shift
	ns_exec "$ns" "${NL[@]}" wait mgre1 "$@" >"$GRE_KA_OUT/t-25-peers.json"
}

# peers_ok PYTHON-EXPR: the last peers_wait result satisfies it (as p and
# the whole object as d).
peers_ok() {
	/usr/bin/python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
p = d["peers"]
sys.exit(None if eval(sys.argv[2]) else json.dumps(d))
' "$GRE_KA_OUT/t-25-peers.json" "$1"
}

# down_at ADDR: when that peer last changed, on now_ms's clock.
down_at() {
	/usr/bin/python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
print(d["uptime_ms"] - d["peers"][sys.argv[2]]["last_change_ms"])
' "$GRE_KA_OUT/t-25-peers.json" "$1"
}

neigh_of() {
	ip -n h neigh show "$1" dev mgre1
}

check "hub" ns_create h
check "hub: its NBMA address" sh -c "ip -n h link add dummy0 type dummy &&
	ip -n h link set dummy0 up && ip -n h addr add $HUB/32 dev dummy0"
for n in 1 2 3; do
	check "spoke s$n" ns_create "s$n"
	check "s$n: a link to the hub, its NBMA address, routes" sh -c "
		ip link add eth$n netns h type veth peer name eth0 netns s$n &&
		ip -n h addr add 192.168.$n.1/30 dev eth$n && ip -n h link set eth$n up &&
		ip -n s$n addr add 192.168.$n.2/30 dev eth0 && ip -n s$n link set eth0 up &&
		ip -n s$n link add dummy0 type dummy && ip -n s$n link set dummy0 up &&
		ip -n s$n addr add 192.0.2.1$n/32 dev dummy0 &&
		ip -n s$n route add $HUB/32 via 192.168.$n.1 &&
		ip -n h route add 192.0.2.1$n/32 via 192.168.$n.2"
	check "s$n gre1 to the hub" sh -c "
		ip -n s$n link add gre1 type gre local 192.0.2.1$n remote $HUB key 42 ttl 255 &&
		ip -n s$n addr add 10.9.0.1$n/24 dev gre1 && ip -n s$n link set gre1 up"
	# Static link neighbours: a cut must not also fail ARP.
	check "s$n <-> hub: static ARP" sh -c "
		ip -n s$n neigh replace 192.168.$n.1 lladdr \$(ip -n h -br link show eth$n | awk '{print \$3}') dev eth0 &&
		ip -n h neigh replace 192.168.$n.2 lladdr \$(ip -n s$n -br link show eth0 | awk '{print \$3}') dev eth$n"
done
check "hub mgre1" sh -c "ip -n h link add mgre1 type gre local $HUB key 42 ttl 255 &&
	ip -n h addr add 10.9.0.1/24 dev mgre1 && ip -n h link set mgre1 up"
for n in 1 2 3; do
	check "hub: neighbour 10.9.0.1$n -> 192.0.2.1$n" \
		ip -n h neigh add "10.9.0.1$n" lladdr "192.0.2.1$n" dev mgre1 nud permanent
done
orig2=$(neigh_of 10.9.0.12)
diag "as made: $orig2"
check "module loads" load_module
check "hub keepalive ${P} ms x ${R}" ka_enable h mgre1 $P $R
check "three peers (origin neigh), all up, answered" peers_wait h 20 \
	'len(p) == 3 and all(x["state"] == "up" and x["origins"] == ["neigh"] and x.get("rx", 0) >= 3 for x in p.values())'
check_eq "sysfs: peers, peers_down" "3 0" "$(ka_get h mgre1 peers) $(ka_get h mgre1 peers_down)"
check_eq "sysfs: the device's own line is up" up "$(ka_get h mgre1 state)"

# --- One spoke cut -------------------------------------------------------
modprobe -q sch_netem 2>/dev/null
t_lo=$(now_ms)
check "cut spoke s2" tc -n s2 qdisc replace dev eth0 root netem loss 100%
t_hi=$(now_ms)
check "its peer goes down, the others stay up" peers_wait h 10 \
	'p["192.0.2.12"]["state"] == "down"'
check "192.0.2.11 and .13 still up, .12 cause unanswered" peers_ok \
	'p["192.0.2.11"]["state"] == "up" and p["192.0.2.13"]["state"] == "up" and p["192.0.2.12"]["cause"] == "unanswered"'
at=$(down_at 192.0.2.12)
diag "peer .12 down $((at - t_hi))..$((at - t_lo)) ms after the cut (window $(((R - 1) * P))..$(((R + 1) * P)) ms)"
check "not down before (retries - 1) x period" test $((at - t_lo)) -ge $(((R - 1) * P))
check "down within (retries + 1) x period" test $((at - t_hi)) -le $(((R + 1) * P + KA_LATE_MS))
check "the device keeps its carrier" has_carrier h mgre1
check_eq "sysfs: peers_down" 1 "$(ka_get h mgre1 peers_down)"
check "its neighbour entry held failed" wait_for 5 "10.9.0.12 FAILED" \
	sh -c "ip -n h neigh show 10.9.0.12 dev mgre1 | grep -q FAILED"
check "the others untouched" text_has "$(neigh_of 10.9.0.11)" \
	'^10\.9\.0\.11 lladdr 192\.0\.2\.11 PERMANENT ?$'
check "and counted held" peers_wait h 5 'p["192.0.2.12"]["neighs_held"] == 1 and p["192.0.2.12"]["neighs"] == 1'
check "repair" tc -n s2 qdisc del dev eth0 root
check "its peer comes back up" peers_wait h 10 'p["192.0.2.12"]["state"] == "up"'
check "its entry back exactly as made" wait_for 5 "10.9.0.12 restored" \
	test "$(neigh_of 10.9.0.12)" = "$orig2"
diag "restored: $(neigh_of 10.9.0.12)"
check "nothing held" peers_wait h 5 'p["192.0.2.12"]["neighs_held"] == 0'

# --- Peers follow the neighbour table ------------------------------------
check "neighbour 10.9.0.13 deleted" ip -n h neigh del 10.9.0.13 dev mgre1
check "peer .13 gone" peers_wait h 5 '"192.0.2.13" not in p and len(p) == 2'
check "added again" ip -n h neigh add 10.9.0.13 lladdr 192.0.2.13 dev mgre1 nud permanent
check "peer .13 back, up" peers_wait h 10 'p["192.0.2.13"]["state"] == "up"'
check "10.9.0.13 re-pointed to 192.0.2.19 (nobody there)" \
	ip -n h neigh replace 10.9.0.13 lladdr 192.0.2.19 dev mgre1 nud permanent
check "peer .13 gone, .19 there, and down" peers_wait h 10 \
	'"192.0.2.13" not in p and p["192.0.2.19"]["state"] == "down"'
check "the entry of the dead peer held failed" wait_for 5 "10.9.0.13 FAILED" \
	sh -c "ip -n h neigh show 10.9.0.13 dev mgre1 | grep -q FAILED"
check "pointed back" ip -n h neigh replace 10.9.0.13 lladdr 192.0.2.13 dev mgre1 nud permanent
check "peer .19 gone, .13 up" peers_wait h 10 \
	'"192.0.2.19" not in p and p["192.0.2.13"]["state"] == "up"'
check "10.9.0.13 valid again" text_has "$(neigh_of 10.9.0.13)" \
	'^10\.9\.0\.13 lladdr 192\.0\.2\.13 PERMANENT ?$'

# --- Static peers over netlink -------------------------------------------
check "peer add 192.0.2.15" text_has "$(ns_exec h "${NL[@]}" peer-add mgre1 192.0.2.15)" '^ok$'
check "static, and down (nobody there)" peers_wait h 10 \
	'p["192.0.2.15"]["origins"] == ["static"] and p["192.0.2.15"]["state"] == "down"'
out=$(ns_exec h "${NL[@]}" peer-add mgre1 192.0.2.15)
check "peer add again: EEXIST" text_has "$out" '^errno 17: already a static peer$'
out=$(ns_exec h "${NL[@]}" peer-add mgre1 2001:db8::1)
check "an IPv6 peer of an IPv4 tunnel: EINVAL" text_has "$out" "^errno 22: the peer's address is not of the tunnel's family$"
out=$(ns_exec h "${NL[@]}" peer-add mgre1 224.0.0.5)
check "a multicast peer: EINVAL" text_has "$out" '^errno 22: a peer is a unicast address$'
out=$(ns_exec s1 "${NL[@]}" peer-add gre1 192.0.2.15)
check "a point-to-point tunnel: EOPNOTSUPP" text_has "$out" '^errno 95: not a multipoint tunnel'
check "static peer on a neighbour's address: both origins" \
	text_has "$(ns_exec h "${NL[@]}" peer-add mgre1 192.0.2.11)" '^ok$'
check "192.0.2.11: neigh and static" peers_wait h 5 \
	'p["192.0.2.11"]["origins"] == ["neigh", "static"]'
check "peer del 192.0.2.15" text_has "$(ns_exec h "${NL[@]}" peer-del mgre1 192.0.2.15)" '^ok$'
check "peer del 192.0.2.11 (static only)" text_has "$(ns_exec h "${NL[@]}" peer-del mgre1 192.0.2.11)" '^ok$'
check ".15 gone, .11 still there (neigh)" peers_wait h 5 \
	'"192.0.2.15" not in p and p["192.0.2.11"]["origins"] == ["neigh"]'
out=$(ns_exec h "${NL[@]}" peer-del mgre1 192.0.2.15)
check "peer del again: ENOENT" text_has "$out" '^errno 2: no such static peer$'

# --- The gre-ka command ----------------------------------------------------
check "gre-ka is built" gk_built
MON=$GRE_KA_OUT/t-25-monitor.txt
gk h monitor >"$MON" 2>&1 &
bg_register $!
gk h -j monitor >"$MON.json" 2>&1 &
bg_register $!
sleep 1	# the monitors' subscriptions (nothing to wait on from outside)
check "gre-ka peer add mgre1 192.0.2.16" gk h peer add mgre1 192.0.2.16
exit_is "again: the kernel refuses (3)" 3 gk h peer add mgre1 192.0.2.16
exit_is "a bad address: usage (2)" 2 gk h peer add mgre1 192.0.2
exit_is "no such device: not found (4)" 4 gk h peer add mgre9 192.0.2.16
check "192.0.2.16 static, and down (nobody there)" peers_wait h 10 \
	'p["192.0.2.16"]["state"] == "down"'
out=$(gk h -j show mgre1)
check "--json: a peers array, each with nbma, state, origin, rtt_avg_us, tx, rx" \
	json_ok "$out" 'all(k in x for x in a[0]["peers"] for k in ("nbma", "state", "origin", "tx", "rx")) and all("rtt_avg_us" in x for x in a[0]["peers"] if x["state"] == "up")'
check "--json: the spokes up (neigh), .16 down (static)" json_ok "$out" \
	'{x["nbma"]: (x["state"], x["origin"]) for x in a[0]["peers"]} == {"192.0.2.11": ("up", "neigh"), "192.0.2.12": ("up", "neigh"), "192.0.2.13": ("up", "neigh"), "192.0.2.16": ("down", "static")}'
check "--json: tx and rx per peer" json_ok "$out" \
	'all(x["tx"] > 0 and (x["rx"] > 0) == (x["state"] == "up") for x in a[0]["peers"])'
out=$(gk h show mgre1)
diag "$out"
check "show: the peers and how many are down" text_has "$out" '^  Peers 4, 1 down:$'
check "show: a line per peer" text_has "$out" '^ +192\.0\.2\.16 down, static'
check "show: an up peer with its RTT" text_has "$out" '^ +192\.0\.2\.11 up, neigh, RTT avg'
check "monitor: .16's transition, with its address" wait_for 10 "monitor" \
	grep -qE 'mgre1 peer 192\.0\.2\.16: line protocol down, cause' "$MON"
check "monitor --json: the same, as a peer event" wait_for 10 "monitor --json" \
	grep -qE '"event": "peer", "name": "mgre1".*"nbma": "192\.0\.2\.16"' "$MON.json"
check "gre-ka peer del mgre1 192.0.2.16" gk h peer del mgre1 192.0.2.16
exit_is "again: no such static peer (4)" 4 gk h peer del mgre1 192.0.2.16
check ".16 gone" peers_wait h 5 '"192.0.2.16" not in p and len(p) == 3'

# --- Requests: answered to the peer, or to nobody ------------------------
# On the debug kernel this part, driven by scapy, is left out (python and
# scapy take a minute to start there); the attribution it goes through is
# the replies' and the passive part's, and KUnit's (gre_ka_peer_table).
if [ "$GRE_KA_KERNEL" != debug ]; then
batch=$(mktemp /tmp/gre_ka-batch.XXXXXX)
O="--iface eth0 --outer-dst $HUB --outer-key 42 --inner-src $HUB --count 2 --wait 1.5"
cat >"$batch" <<EOF
cisco: $O --outer-src 192.0.2.11 --inner-dst 192.0.2.11 --payload-len 0 --expect $HUB,192.0.2.11
ours: $O --outer-src 192.0.2.11 --inner-dst 192.0.2.11 --ours 9,123456789 --expect $HUB,192.0.2.11
natted: $O --outer-src 192.0.2.11 --inner-dst 10.1.1.1 --expect $HUB,192.0.2.11
spoofed: $O --outer-src 192.0.2.99 --inner-dst 192.0.2.99 --expect $HUB,192.0.2.99
EOF
nopeer0=$(ka_get h mgre1 refused/request_not_peer)
refl0=$(ka_stat h mgre1 reflected)
out=$(ns_exec s1 /usr/bin/python3 "$HERE/gre_craft.py" --batch "$batch" 2>&1)
rm -f "$batch"
diag "$out"
matched() {
	/usr/bin/python3 -c '
import json, sys
r = [json.loads(l) for l in sys.argv[1].splitlines() if l.startswith("{")]
r = [x for x in r if x["name"] == sys.argv[2]]
sys.exit(None if r and r[0]["expect"][0]["matched"] == int(sys.argv[3]) else str(r))
' "$out" "$@"
}
check "Cisco's (24 bytes) from a peer: answered to it" matched cisco 2
check "ours from a peer: answered to it" matched ours 2
check "from a peer behind NAT (its private address inside): answered to it" matched natted 2
check "from an address that is no peer: no answer" matched spoofed 0
check_eq "refused as request_not_peer" $((nopeer0 + 2)) "$(ka_get h mgre1 refused/request_not_peer)"
check_eq "reflected: the peer's six" $((refl0 + 6)) "$(ka_stat h mgre1 reflected)"
fi

# --- Passive -------------------------------------------------------------
check "hub: keepalive off" ka_set h mgre1 enabled 0
check "hub: passive on" ka_set h mgre1 passive 1
for n in 1 2 3; do
	check "hub: neighbour 10.9.0.1$n deleted" ip -n h neigh del "10.9.0.1$n" dev mgre1
done
check "without neighbours, no peers" peers_wait h 5 'len(p) == 0'
tx0=$(ka_stat h mgre1 tx)
for n in 1 2 3; do
	check "s$n keepalive ${P} ms x ${R}" ka_enable "s$n" gre1 $P $R
done
check "the hub learns its spokes (origin passive), up" peers_wait h 20 \
	'len(p) == 3 and all(x["origins"] == ["passive"] and x["state"] == "up" and x["rx_requests"] >= 3 for x in p.values())'
check "the spokes are up on the hub's answers" wait_for 10 "s3 up" ka_state_is s3 gre1 up
check_eq "the hub sent no keepalive" "$tx0" "$(ka_stat h mgre1 tx)"
check "cut spoke s3" tc -n s3 qdisc replace dev eth0 root netem loss 100%
check "its peer goes down (silent), the others stay up" peers_wait h 10 \
	'p["192.0.2.13"]["state"] == "down" and p["192.0.2.13"]["cause"] == "silent" and p["192.0.2.11"]["state"] == "up"'
check "repair" tc -n s3 qdisc del dev eth0 root
check "back up on its keepalives" peers_wait h 10 'p["192.0.2.13"]["state"] == "up"'
check_eq "still no keepalive sent" "$tx0" "$(ka_stat h mgre1 tx)"
check "passive off" ka_set h mgre1 passive 0
check "the peers it learned are forgotten" peers_wait h 5 'len(p) == 0'

# --- Unloading gives held entries back -----------------------------------
for n in 1 2; do
	check "hub: neighbour 10.9.0.1$n again" \
		ip -n h neigh add "10.9.0.1$n" lladdr "192.0.2.1$n" dev mgre1 nud permanent
	check "s$n keepalive off" ka_set "s$n" gre1 enabled 0
done
check "hub keepalive on again" ka_set h mgre1 enabled 1
check "cut s2 again" tc -n s2 qdisc replace dev eth0 root netem loss 100%
check "held failed" wait_for 10 "10.9.0.12 FAILED" \
	sh -c "ip -n h neigh show 10.9.0.12 dev mgre1 | grep -q FAILED"
check "module unloads" unload_module
check_eq "unloading gave the entry back as made" "$orig2" "$(neigh_of 10.9.0.12)"
check "the device's carrier never moved" has_carrier h mgre1
test_done
