#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 900
# kernels: debug (fault injection is built into the debug kernel only)
# debug: kmemleak
#
# Every error path run (scripts/tests/faults.py says how):
# - systematic: each configuration entry point (each writable sysfs file,
#   netlink SET with each attribute, GET, dumps, PEER_ADD and PEER_DEL,
#   tunnel creation of each kind with the module loaded, up, down, a
#   change of parameters, a netns move, deletion) under fail-nth 1, 2,
#   ..., with faults limited to our code ("ours") and, for our own
#   interfaces, anywhere in the call ("all"): a clear errno and no change,
#   or success; the same call then succeeds; a tunnel left without
#   keepalive is counted and attached at its next up;
# - module load with tunnels present, under fail-nth 1, 2, ...: a failed
#   load leaves nothing behind;
# - the packet paths under random allocation failures (10 %, module space,
#   GFP_ATOMIC) with traffic and churn: no splat, failures counted
#   (tx_errors, request_nomem, ENOBUFS to event listeners), and when the
#   faults stop every line, peer and neighbour entry comes back;
# - and nothing leaked (kmemleak, this VM's).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ka.sh"

HERE=$(dirname "$0")
F=(/usr/bin/python3 "$HERE/faults.py")
KMEMLEAK=/sys/kernel/debug/kmemleak
export GK_NS=h

check "fault injection is built in (failslab, fail_page_alloc, fail-nth)" \
	test -d /sys/kernel/debug/failslab -a -d /sys/kernel/debug/fail_page_alloc \
	-a -e /proc/thread-self/fail-nth
check "kmemleak is on in this VM" test -w "$KMEMLEAK"
echo clear >"$KMEMLEAK" 2>/dev/null

# --- Configuration entry points -----------------------------------------------
ns_create h
ka_sys h
ip -n h link add dummy0 type dummy
ip -n h addr add 192.0.2.1/24 dev dummy0
ip -n h addr add 2001:db8::1/64 dev dummy0 nodad
ip -n h link set dummy0 up
ip -n h link add gre1 type gre local 192.0.2.1 remote 192.0.2.2
ip -n h link add mg1 type gre local 192.0.2.1
ip -n h link set gre1 up

# Module load first, with gre1 up and mg1 down (and the fallback devices
# gre0 and ip6gre0 of both namespaces, down): those down are attached
# only at their next up if their attachment failed. sysfs=0: the
# directories' hundreds of allocations per tunnel are the tunnel
# creations' below (and each load costs a second here).
ko=$(mktemp /tmp/gre_ka.XXXXXX.ko)
cp "$GRE_KA_KO" "$ko"
check "module load with tunnels present, fail-nth over its init" \
	"${F[@]}" modload "$ko" "auto_enable=1 sysfs=0 period_ms=30000 retries=255" \
	h/gre1 h/mg1
diag "$_gk_out"
rm -f "$ko"

ns_create far
ip -n h link add g6 type ip6gre local 2001:db8::1 remote 2001:db8::2
ip -n h link set g6 up
check "module loads" load_module period_ms=30000 retries=255
for d in gre1 mg1 g6; do
	ka_set h "$d" enabled 1
done
# Tunnel creation with the keepalive/ directory once (gre, down: every
# allocation of the directory, and the attachment at the next up), then
# of each kind with sysfs=0 (our own allocations, and the retry at the
# up within the same call).
check "entry points under fail-nth (ours, all)" "${F[@]}" systematic \
	-"NEWLINK gre, up" -"NEWLINK gre multipoint" -"NEWLINK ip6gre"
diag "$_gk_out"
check "module reloads with sysfs=0" unload_module
check "(reloaded)" load_module sysfs=0 period_ms=30000 retries=255
check "tunnel creation of each kind under fail-nth (sysfs=0)" "${F[@]}" systematic \
	"NEWLINK gre, up" "NEWLINK gre multipoint" "NEWLINK ip6gre"
diag "$_gk_out"
ns_delete far
ns_delete h
# The packet paths below read and write keepalive/: sysfs on again.
check "module reloads with sysfs" unload_module
check "(reloaded, sysfs=1)" load_module

# --- Packet paths -----------------------------------------------------------------
# a and b over a veth pair: point-to-point gre and ip6gre both ways at
# 100 ms, answering each other; a's mGRE hub mg1 (key 7) following a
# permanent neighbour entry to b's gre7, and its passive mg2 (key 8)
# learning b's gre8; gre9 (unanswered) for link churn.
ns_create a
ns_create b
ka_sys a
ka_sys b
veth_pair a eth0 198.51.100.1/24 b eth0 198.51.100.2/24
ip -n a addr add 2001:db8:1::1/64 dev eth0 nodad
ip -n b addr add 2001:db8:1::2/64 dev eth0 nodad
for ns in a b; do
	if [ $ns = a ]; then l=1 r=2; else l=2 r=1; fi
	gre_tunnel $ns gre1 198.51.100.$l 198.51.100.$r 10.1.0.$l/30
	ip -n $ns link add g6 type ip6gre local 2001:db8:1::$l remote 2001:db8:1::$r
	ip -n $ns addr add 10.6.0.$l/30 dev g6
	ip -n $ns link set g6 up
done
ip -n a link add mg1 type gre local 198.51.100.1 key 7
ip -n a addr add 10.7.0.1/24 dev mg1
ip -n a link set mg1 up
ip -n a neigh add 10.7.0.2 lladdr 198.51.100.2 dev mg1 nud permanent
gre_tunnel b gre7 198.51.100.2 198.51.100.1 10.7.0.2/24 key 7
ip -n a link add mg2 type gre local 198.51.100.1 key 8
ip -n a addr add 10.8.0.1/24 dev mg2
ip -n a link set mg2 up
gre_tunnel b gre8 198.51.100.2 198.51.100.1 10.8.0.2/24 key 8
gre_tunnel a gre9 198.51.100.1 198.51.100.99 10.9.0.1/30
for t in a:gre1 b:gre1 a:g6 b:g6 a:mg1 b:gre7 b:gre8 a:gre9; do
	ka_set "${t%:*}" "${t#*:}" period_ms 100
	ka_set "${t%:*}" "${t#*:}" enabled 1
done
ka_set a mg2 passive 1

# up NS DEV: the line protocol is up.
up() {
	[ "$(ka_get "$1" "$2" state)" = up ]
}
# mg_ok: the hub's peers: b's gre7 up, its one entry given back
# (permanent); b's gre8 learnt by the passive mg2, up.
mg_ok() {
	ns_exec a "${F[0]}" "$HERE/gk_nl.py" wait mg1 0 \
		'len(p) == 1 and p["198.51.100.2"]["state"] == "up" and p["198.51.100.2"]["neighs"] == 1 and p["198.51.100.2"]["neighs_held"] == 0' \
		>/dev/null &&
		ns_exec a "${F[0]}" "$HERE/gk_nl.py" wait mg2 0 \
			'len(p) == 1 and p["198.51.100.2"]["state"] == "up"' >/dev/null &&
		ip -n a neigh show dev mg1 | grep -q '^10.7.0.2 lladdr 198.51.100.2 PERMANENT'
}
all_up() {
	up a gre1 && up b gre1 && up a g6 && up b g6 && up b gre7 && up b gre8 &&
		mg_ok
}
check "before the faults: every line and peer up" wait_for 30 "all up" all_up

# counter NS DEV FILE: a statistics counter.
counter() {
	ka_get "$1" "$2" "statistics/$3"
}
sum_of() {
	local f=$1 s=0 t
	for t in a:gre1 b:gre1 a:g6 b:g6 a:mg1 b:gre7 b:gre8 a:gre9 a:mg2; do
		s=$((s + $(ka_get "${t%:*}" "${t#*:}" "$f")))
	done
	echo "$s"
}
tx0=$(sum_of statistics/tx_errors)
nomem0=$(sum_of refused/request_nomem)
check "20 s of random allocation failures (10 %) under traffic and churn" \
	"${F[@]}" packets a 20 10
res=$_gk_out
diag "$res"
tx1=$(sum_of statistics/tx_errors)
nomem1=$(sum_of refused/request_nomem)
injected=$(/usr/bin/python3 -c 'import json,sys; d=json.loads(sys.argv[1]); print(sum(d["injected"].values()))' "$res" 2>/dev/null)
diag "injected: ${injected:-?}; tx_errors +$((tx1 - tx0)); request_nomem +$((nomem1 - nomem0))"
check "failures were injected" test "${injected:-0}" -gt 0
check "keepalives lost to them are counted (tx_errors)" test "$tx1" -gt "$tx0"
check "answers lost to them are counted (request_nomem)" test "$nomem1" -gt "$nomem0"
check "no more counted than injected" \
	test $((tx1 - tx0 + nomem1 - nomem0)) -le "${injected:-0}"
check "after the faults: every line and peer back up, the entry given back" \
	wait_for 30 "all up" all_up
check "the carriers follow the lines" \
	test "$(sys_read a class/net/gre1/carrier)$(sys_read b class/net/g6/carrier)" = 11

ns_delete a
ns_delete b
check "module unloads" unload_module
if [ -w "$KMEMLEAK" ]; then
	echo scan >"$KMEMLEAK"
	echo scan >"$KMEMLEAK"
	check "kmemleak: nothing leaked" test ! -s "$KMEMLEAK"
	[ -s "$KMEMLEAK" ] && diag "$(head -n 40 "$KMEMLEAK")"
fi
test_done
