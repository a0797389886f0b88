#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# kernels: 6.12
# timeout: 240
#
# The routing recipes of Documentation/routing.rst besides FRR OSPF
# (t-70-frr): FRR BGP and BIRD OSPF, each on the topology of frr.sh with
# keepalive on gre1 (200 ms x 3), each timed like t-70 (cut r1's
# underlay: the route to 192.0.2.0/24 moves from gre1 to the backup link
# eth1 within the keepalive window plus a margin, and comes back).
#  - FRR eBGP: sessions over gre1 and eth1 (the backup's routes get local
#    preference 50), hold time left at its default of 180 s: the carrier
#    takes the session over gre1 down at once (bgpd's
#    fast-external-failover, on by default for directly connected eBGP
#    peers).
#  - BIRD 2 OSPF: `check link` (on by default) makes the carrier loss
#    drop the neighbour at once (dead interval 10 s); BIRD recomputes its
#    routes at its next `tick` (1 s).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ka.sh"
. "$(dirname "$0")/frr.sh"

# KA_PERIOD, KA_RETRIES and FIB_LATE_MS: frr.sh.
# BIRD's OSPF recomputes routes once per `tick` (1 s by default): it gets
# that second more. (Its router LSA is also originated at most every 5 s,
# RFC 2328's MinLSInterval: the test waits until the last one is older
# than that before cutting, as it is on a router that has been up for a
# while.)
BIRD_LATE_MS=2500
BIRD_DIR=/tmp/gre_ka-bird

bgp_conf() {
	# bgp_conf NS AS ROUTER_ID TUNNEL_PEER BACKUP_PEER PEER_AS PREFIX
	frr_conf "$1" bgpd <<EOF
hostname $1
log file $FRR_LOG/$1-bgpd.log
!
router bgp $2
 bgp router-id $3
 no bgp ebgp-requires-policy
 neighbor $4 remote-as $6
 neighbor $4 timers connect 5
 neighbor $5 remote-as $6
 neighbor $5 timers connect 5
 address-family ipv4 unicast
  network $7
  neighbor $5 route-map BACKUP in
 exit-address-family
!
route-map BACKUP permit 10
 set local-preference 50
!
EOF
}

start_bgp() {
	local ns
	for ns in r1 r2; do
		echo "hostname $ns" | frr_conf "$ns" zebra && frr_start "$ns" zebra || return 1
	done
	bgp_conf r1 65001 10.0.0.1 10.255.0.2 203.0.113.2 65002 192.0.2.129/32 &&
		bgp_conf r2 65002 10.0.0.2 10.255.0.1 203.0.113.1 65001 192.0.2.0/24 &&
		frr_start r1 bgpd && frr_start r2 bgpd
}

# bgp_up PEER: r1's session with PEER is Established (it has an uptime
# and a prefix count rather than a state name).
bgp_up() {
	vty r1 "show bgp neighbors $1" | grep -q 'BGP state = Established'
}

bird_conf() {
	# bird_conf NS ROUTER_ID
	mkdir -p "$BIRD_DIR" && cat >"$BIRD_DIR/$1.conf" <<EOF
log "$BIRD_DIR/$1.log" all;
router id $2;
protocol device { }
protocol kernel {
	ipv4 { export where source = RTS_OSPF; };
}
protocol ospf v2 {
	ipv4 { import all; export none; };
	area 0 {
		interface "gre1" { type ptp; cost 10; hello 1; dead 10; };
		interface "eth1" { type ptp; cost 100; hello 1; dead 10; };
		interface "lan0" { stub yes; };
	};
}
EOF
}

bird_pids=()
start_bird() {
	local ns pid
	command -v bird >/dev/null || {
		echo "no bird (Debian package bird2)"
		return 1
	}
	for ns in r1 r2; do
		ip netns exec "$ns" bird -c "$BIRD_DIR/$ns.conf" -s "$BIRD_DIR/$ns.ctl" \
			-P "$BIRD_DIR/$ns.pid" || return 1
		wait_for 20 "bird in $ns" test -S "$BIRD_DIR/$ns.ctl" || return 1
		read -r pid <"$BIRD_DIR/$ns.pid" || return 1
		bg_register "$pid"
		bird_pids+=("$pid")
	done
}

bird_full() {
	[ "$(birdc -s "$BIRD_DIR/r1.ctl" show ospf neighbors | grep -c 'Full/')" -ge "$1" ]
}

# bird_lsa_age_ge NS ROUTER_ID SECS: NS's own router LSA is at least SECS
# old (`show ospf lsadb`, column Age).
bird_lsa_age_ge() {
	birdc -s "$BIRD_DIR/$1.ctl" show ospf lsadb | awk -v id="$2" -v min="$3" '
		/Type/ && /Age/ { for (i = 1; i <= NF; i++) if ($i == "Age") col = i - 1 }
		col && $1 == "0001" && $2 == id && $3 == id { found = 1; ok = ($col >= min) }
		END { exit !(found && ok) }'
}

bird_lsas_settled() {
	bird_lsa_age_ge r1 10.0.0.1 6 && bird_lsa_age_ge r2 10.0.0.2 6
}

bird_one_full() {
	[ "$(birdc -s "$BIRD_DIR/r1.ctl" show ospf neighbors | grep -c 'Full/')" = 1 ]
}

no_route() {
	! ip -n r1 route show $ROUTE_PREFIX | grep -q .
}

routing_keepalive_checks

# --- FRR BGP -------------------------------------------------------------------
check "bgp: zebra and bgpd run in both namespaces" start_bgp
check "bgp: session over gre1 Established" wait_for 60 "BGP over gre1" bgp_up 10.255.0.2
check "bgp: session over eth1 Established" wait_for 60 "BGP over eth1" bgp_up 203.0.113.2
check "bgp: the route to the prefix behind r2 is on gre1" \
	wait_for 30 "$ROUTE_PREFIX via gre1" route_on r1 $ROUTE_PREFIX gre1
timed_failover bgp "$FIB_LATE_MS" "the session over gre1 is down, eth1's stays up" \
	sh -c "! vtysh -N r1 -c 'show bgp neighbors 10.255.0.2' | grep -q 'state = Established' &&
		vtysh -N r1 -c 'show bgp neighbors 203.0.113.2' | grep -q 'state = Established'"
check "bgp: the FRR daemons are still running" frr_alive
frr_stop
check "bgp: zebra took its routes along when it stopped" wait_for 10 "no route" no_route

# --- BIRD OSPF -----------------------------------------------------------------
check "bird: configuration for r1" bird_conf r1 10.0.0.1
check "bird: configuration for r2" bird_conf r2 10.0.0.2
check "bird: bird runs in both namespaces" start_bird
check "bird: OSPF Full on both links" wait_for 60 "2 Full neighbours" bird_full 2
check "bird: the route to the prefix behind r2 is on gre1" \
	wait_for 30 "$ROUTE_PREFIX via gre1" route_on r1 $ROUTE_PREFIX gre1
diag "$(birdc -s "$BIRD_DIR/r1.ctl" show ospf lsadb)"
check "bird: r1's and r2's router LSAs older than MinLSInterval (5 s)" \
	wait_for 30 "LSAs 6 s old" bird_lsas_settled
timed_failover bird "$BIRD_LATE_MS" "the neighbour on gre1 is gone, eth1's stays Full" \
	wait_for 10 "1 Full neighbour" bird_one_full
for p in "${bird_pids[@]}"; do
	check "bird: still running ($p)" kill -0 "$p"
	kill "$p"
done
cp "$BIRD_DIR"/*.log "$GRE_KA_OUT/" 2>/dev/null
test_done
