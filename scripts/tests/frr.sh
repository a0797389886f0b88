# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# FRR helpers for guest tests and the bench; source after lib.sh (and ka.sh).
#
# Each router namespace runs its own FRR daemons (Debian's frr package) in
# the `-N NS` pathspace: runtime directory /run/frr/NS (Debian's /var/run
# is /run) owned by the frr user, vty sockets there, `vtysh -N NS` to talk
# to them. The host's /etc/frr is not used: configurations are written to
# a directory under /tmp that the frr user can read, and the TCP vty is
# off (-P 0).
FRR_BIN=/usr/lib/frr
FRR_ETC=/tmp/gre_ka-frr
# Daemon logs ("log file $FRR_LOG/NS-DAEMON.log" in a configuration):
# somewhere the frr user may write; frr_stop copies them to $GRE_KA_OUT.
FRR_LOG=/tmp/gre_ka-frr-log
_FRR_PIDS=()

# frr_conf NS DAEMON: write the daemon's configuration (stdin) for NS.
frr_conf() {
	mkdir -p "$FRR_ETC/$1" && chmod 0755 "$FRR_ETC" "$FRR_ETC/$1" &&
		cat >"$FRR_ETC/$1/$2.conf" && chmod 0644 "$FRR_ETC/$1/$2.conf"
}

# frr_start NS DAEMON [ARGS...]: start DAEMON (zebra, ospfd, bfdd, bgpd,
# ...) in NS with $FRR_ETC/NS/DAEMON.conf (an empty one if none was
# written) and wait for its vty socket. It is killed at exit (bg_register).
frr_start() {
	frr_launch "$@" && frr_ready "$1" "$2"
}

# frr_launch NS DAEMON [ARGS...] and frr_ready NS DAEMON: frr_start in
# two halves, so that several daemons can start at once (under emulation
# each takes seconds to open its vty socket). frr_launch returns once the
# daemon is up (FRR's -d parent waits for its child), so run several in
# the background, wait for them, then frr_ready each in this shell (which
# registers its pid to be killed).
frr_launch() {
	local ns=$1 d=$2 run=/run/frr/$1
	shift 2
	[ -x "$FRR_BIN/$d" ] || {
		echo "no $FRR_BIN/$d (Debian package frr)"
		return 1
	}
	mkdir -p "$run" "$FRR_LOG" && chown frr:frr "$run" "$FRR_LOG" &&
		chmod 0755 "$run" || return 1
	[ -f "$FRR_ETC/$ns/$d.conf" ] || frr_conf "$ns" "$d" </dev/null || return 1
	ip netns exec "$ns" "$FRR_BIN/$d" -d -N "$ns" -P 0 -u frr -g frr \
		-f "$FRR_ETC/$ns/$d.conf" -i "$run/$d.pid" "$@" \
		>>"$GRE_KA_OUT/frr-$ns-$d.out" 2>&1
}

frr_ready() {
	local ns=$1 d=$2 run=/run/frr/$1 pid
	wait_for 30 "$d in $ns: vty socket" test -S "$run/$d.vty" || return 1
	read -r pid <"$run/$d.pid" || return 1
	bg_register "$pid"
	_FRR_PIDS+=("$pid")
}

# frr_alive: every daemon frr_start (or frr_ready) registered is still running.
frr_alive() {
	local p
	for p in "${_FRR_PIDS[@]}"; do
		kill -0 "$p" 2>/dev/null || {
			echo "FRR daemon $p has exited"
			return 1
		}
	done
}

# frr_stop: stop the daemons (before their namespaces go away).
frr_stop() {
	local p
	for p in "${_FRR_PIDS[@]}"; do
		kill "$p" 2>/dev/null
	done
	for p in "${_FRR_PIDS[@]}"; do
		wait_for 10 "FRR daemon $p exits" sh -c "! kill -0 $p" 2>/dev/null
	done
	_FRR_PIDS=()
	for p in "$FRR_LOG"/*.log; do
		[ -f "$p" ] && cp "$p" "$GRE_KA_OUT/frr-${p##*/}"
	done
	return 0
}

# vty NS CMD...: vtysh -N NS with each argument a command (-c).
vty() {
	local ns=$1 a=()
	shift
	for c in "$@"; do
		a+=(-c "$c")
	done
	vtysh -N "$ns" "${a[@]}"
}

# ospf_full NS COUNT: NS has COUNT OSPF neighbours in state Full.
ospf_full() {
	[ "$(vty "$1" "show ip ospf neighbor" 2>/dev/null | grep -c ' Full/')" -ge "$2" ]
}

# route_on NS PREFIX DEV: the FIB's route to PREFIX (as `ip route` shows
# it) goes out of DEV.
route_on() {
	ip -n "$1" route show "$2" | grep -q " dev $3\b"
}

# ms_of_ts TS: milliseconds since the epoch of an `ip -ts monitor` stamp
# ("2025-01-01T12:00:00.123456", local time).
ms_of_ts() {
	date -d "$1" +%s%3N
}

# --- The routing topology ------------------------------------------------------
#
#   r1 eth0 198.51.100.1 ---veth--- 198.51.100.2 eth0 r2   (the tunnel's underlay)
#   r1 gre1 10.255.0.1   ===GRE===  10.255.0.2   gre1 r2   (primary)
#   r1 eth1 203.0.113.1  ---veth--- 203.0.113.2  eth1 r2   (backup)
#   r1 lan0 192.0.2.129/32                192.0.2.1/24 lan0 r2
#
# lan0 are dummy devices: 192.0.2.0/24 is "the prefix behind r2". The
# tunnels get the MULTICAST flag (off by default on a point-to-point GRE
# device), which OSPF's hellos to 224.0.0.5 need.
ROUTE_PREFIX=192.0.2.0/24
# Keepalive on gre1 in the routing tests: 200 ms x 3.
KA_PERIOD=200
KA_RETRIES=3
# How late after its window the route may move. The carrier itself may
# come up to KA_LATE_MS (600 ms) late on this emulated, shared CPU (see
# ka.sh); after it, linkwatch and the daemons take a median of tens of
# ms here (make bench's frr section, Documentation/bench.rst) and a few
# hundred when the host stalls the guest. 1.5 s in all: still far below
# the daemons' own timers (OSPF dead 10 s, BGP hold 180 s), so a route
# moving within it was moved by the carrier.
FIB_LATE_MS=1500
routing_topo() {
	TOPO_STOCK_REFLECTOR=0 topo_two_routers && static_neigh &&
		ip -n r1 link set gre1 multicast on &&
		ip -n r2 link set gre1 multicast on &&
		veth_pair r1 eth1 203.0.113.1/24 r2 eth1 203.0.113.2/24 &&
		ip -n r2 link add lan0 type dummy &&
		ip -n r2 addr add 192.0.2.1/24 dev lan0 &&
		ip -n r2 link set lan0 up &&
		ip -n r1 link add lan0 type dummy &&
		ip -n r1 addr add 192.0.2.129/32 dev lan0 &&
		ip -n r1 link set lan0 up
}

# ospf_conf NS ROUTER_ID: ospfd's configuration for routing_topo's router
# NS: OSPF over gre1 (cost 10) and the backup eth1 (cost 100), hello 1 s,
# dead 10 s, lan0 passive (the recipe of Documentation/routing.rst).
ospf_conf() {
	frr_conf "$1" ospfd <<EOF
hostname $1
log file $FRR_LOG/$1-ospfd.log
!
interface gre1
 ip ospf area 0
 ip ospf network point-to-point
 ip ospf cost 10
 ip ospf hello-interval 1
 ip ospf dead-interval 10
!
interface eth1
 ip ospf area 0
 ip ospf network point-to-point
 ip ospf cost 100
 ip ospf hello-interval 1
 ip ospf dead-interval 10
!
interface lan0
 ip ospf area 0
 ip ospf passive
!
router ospf
 ospf router-id $2
!
EOF
}

both_answered() {
	ka_stat_ge r1 gre1 rx 1 && ka_stat_ge r2 gre1 rx 1
}

# routing_keepalive_checks: the checks every routing test starts with:
# routing_topo, the module, keepalive on both ends of gre1 (KA_PERIOD x
# KA_RETRIES), both ends answered.
routing_keepalive_checks() {
	check "two routers, a GRE tunnel, a backup link, a prefix behind r2" routing_topo
	check "module loads" load_module
	check "keepalive on r1" ka_enable r1 gre1 $KA_PERIOD $KA_RETRIES
	check "keepalive on r2" ka_enable r2 gre1 $KA_PERIOD $KA_RETRIES
	check "both ends answered" wait_for 10 "rx on both" both_answered
}

# fib_change_ms FILE DEV [LINE]: when `ip -ts monitor` (FILE), from line
# LINE on (default 1), first showed the route to $ROUTE_PREFIX out of
# DEV, in ms since the epoch.
fib_change_ms() {
	local ts
	ts=$(tail -n +"${3:-1}" "$1" |
		sed -n "s|^\[\([^]]*\)\] $ROUTE_PREFIX .* dev $2\b.*|\1|p" | head -n 1)
	[ -n "$ts" ] && ms_of_ts "$ts"
}

# carrier_change_ms NS DEV: the module's last transition, in ms since the
# epoch (last_change_ms is its age; the clock is read before and after).
carrier_change_ms() {
	local t0 age t1
	t0=$(date +%s%3N) && age=$(ka_get "$1" "$2" last_change_ms) &&
		t1=$(date +%s%3N) && echo $(((t0 + t1) / 2 - age))
}

# timed_failover NAME LATE_MS: cut r1's underlay (netem loss 100% on
# eth0), check that the route to $ROUTE_PREFIX moves from gre1 to eth1
# within the keepalive window ($KA_PERIOD x $KA_RETRIES) plus LATE_MS, as
# `ip -ts monitor route` in r1 sees it, and that a ping goes over the
# backup; repair, and check that it comes back to gre1 (within 60 s: the
# daemon re-forms its adjacency or session). NAME labels the checks; DESC
# CMD..., if given, is one more check made during the outage.
timed_failover() {
	local name=$1 late=$2 mon mpid c0 c1 down moved r0 up back from
	shift 2
	local p=$KA_PERIOD r=$KA_RETRIES
	mon=$GRE_KA_OUT/$_GK_NAME-$name-monitor.log
	: >"$mon"
	ip -n r1 -ts monitor route link >>"$mon" 2>&1 &
	mpid=$!
	bg_register $mpid
	# Load netem and bring tc into the page cache first, so that the
	# timed cut is one quick command.
	modprobe -q sch_netem 2>/dev/null
	tc -n r1 qdisc show dev eth0 >/dev/null
	c0=$(date +%s%3N)
	check "$name: cut the tunnel's underlay" tc -n r1 qdisc replace dev eth0 root netem loss 100%
	c1=$(date +%s%3N)
	check "$name: r1 line protocol down" wait_for 10 "r1 down" ka_state_is r1 gre1 down
	check "$name: the route leaves gre1 for the backup link" \
		wait_for 10 "$ROUTE_PREFIX via eth1" route_on r1 $ROUTE_PREFIX eth1
	down=$(carrier_change_ms r1 gre1)
	moved=$(fib_change_ms "$mon" eth1)
	check "$name: ip monitor saw the route move" test -n "$moved" || moved=$((c1 + 99999))
	diag "$name: cut took $((c1 - c0)) ms; carrier off $((down - c1))..$((down - c0)) ms" \
		"after it, FIB route on eth1 $((moved - c1))..$((moved - c0)) ms after it," \
		"$((moved - down)) ms after the carrier (window $((r * p))..$(((r + 1) * p)) ms)"
	check "$name: the route moved no earlier than (retries - 1) x period after the cut" \
		test $((moved - c0)) -ge $(((r - 1) * p))
	check "$name: the route moved within (retries + 1) x period + $late ms" \
		test $((moved - c1)) -le $(((r + 1) * p + late))
	check "$name: ping during the outage goes over the backup link" \
		ns_exec r1 ping -q -c2 -W2 -I 192.0.2.129 192.0.2.1
	[ $# -gt 1 ] && check "$name: $1" "${@:2}"
	from=$(($(wc -l <"$mon") + 1))
	r0=$(date +%s%3N)
	check "$name: repair the underlay" tc -n r1 qdisc del dev eth0 root
	check "$name: r1 line protocol up" wait_for 10 "r1 up" ka_state_is r1 gre1 up
	up=$(carrier_change_ms r1 gre1)
	check "$name: the route comes back to gre1" \
		wait_for 60 "$ROUTE_PREFIX via gre1" route_on r1 $ROUTE_PREFIX gre1
	back=$(fib_change_ms "$mon" gre1 "$from")
	check "$name: ip monitor saw the route come back" test -n "$back" &&
		diag "$name: carrier on $((up - r0)) ms after the repair; FIB route on gre1 $((back - r0)) ms after it"
	check "$name: ping over the tunnel again" ns_exec r1 ping -q -c2 -W2 -I 192.0.2.129 192.0.2.1
	kill "$mpid" 2>/dev/null
}
