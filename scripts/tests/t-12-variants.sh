#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# kernels: 6.1 6.12 (the debug kernel runs a subset: README, "Tests on the debug kernel")
# timeout: 240
#
# Tunnel flavours the keepalive must work with, side by side between the
# same two routers: different input/output keys, key + checksum, ttl
# inherit, a tunnel bound to a lower device, and a tunnel device that lives
# in another netns than its underlay. r2 answers with the module's reflector.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ka.sh"

PERIOD=200
# name  r1 options           r2 options          inner /30
VARIANTS="
gre2|ikey 1 okey 2|ikey 2 okey 1|10.255.2
gre3|key 7 csum|key 7 csum|10.255.3
gre4|key 9 ttl inherit|key 9 ttl inherit|10.255.4
gre5|key 11 dev eth0|key 11 dev eth0|10.255.5
"
TUNNELS="gre2 gre3 gre4 gre5"

setup_variants() {
	local name o1 o2 net
	while IFS='|' read -r name o1 o2 net; do
		[ -n "$name" ] || continue
		gre_tunnel r1 "$name" "$R1_UL" "$R2_UL" "$net.1/30" $o1 || return 1
		gre_tunnel r2 "$name" "$R2_UL" "$R1_UL" "$net.2/30" $o2 || return 1
	done <<<"$VARIANTS"
}

# gre6: created in r1 (its underlay), then moved to netns r1in.
setup_cross_netns() {
	ns_create r1in &&
		ip -n r1 link add gre6 type gre local "$R1_UL" remote "$R2_UL" key 13 ttl 255 &&
		ip -n r1 link set gre6 netns r1in &&
		ip -n r1in addr add 10.255.6.1/30 dev gre6 &&
		ip -n r1in link set gre6 up &&
		gre_tunnel r2 gre6 "$R2_UL" "$R1_UL" 10.255.6.2/30 key 13
}

all_state() {
	local ns=$1 want=$2 t
	for t in $TUNNELS; do
		ka_state_is "$ns" "$t" "$want" || return 1
	done
	ka_state_is r1in gre6 "$want"
}

check "two routers" topo_two_routers
check "keyed, checksummed, ttl-inherit and bound tunnels" setup_variants
check "a tunnel in another netns than its underlay" setup_cross_netns
check "module loads" load_module
for t in $TUNNELS; do
	check "$t: enable" ka_enable r1 $t $PERIOD 3
done
check "gre6 (netns r1in): enable" ka_enable r1in gre6 $PERIOD 3

for t in $TUNNELS; do
	check "$t: replies arrive" wait_for 10 "$t rx" ka_stat_ge r1 $t rx 3
	check_eq "$t: up" up "$(ka_get r1 $t state)"
	check_eq "$t: no invalid replies" 0 "$(ka_stat r1 $t rx_invalid)"
	check "$t: r2 reflected on the same tunnel" ka_stat_ge r2 $t reflected 3
done
check "gre6: replies arrive across netns" wait_for 10 "gre6 rx" ka_stat_ge r1in gre6 rx 3
check_eq "gre6: up" up "$(ka_get r1in gre6 state)"
check "gre6: r2 reflected" ka_stat_ge r2 gre6 reflected 3
check_eq "gre1 (not enabled) saw none of it" 0 "$(ka_stat r1 gre1 rx)"

# This time the path is cut by a firewall: r1 drops all GRE it sends.
nft_cut() {
	ns_exec r1 nft -f - <<'NFT'
table inet gre_ka_cut {
	chain out {
		type filter hook output priority 0;
		ip protocol gre drop
	}
}
NFT
}
check "cut the path (nftables drops r1's GRE)" nft_cut
check "every tunnel goes down" wait_for 15 "all down" all_state r1 down
check "gre3 carrier off" has_no_carrier r1 gre3
check "gre6 carrier off" has_no_carrier r1in gre6
check "repair the path" ns_exec r1 nft delete table inet gre_ka_cut
check "every tunnel comes back up" wait_for 15 "all up" all_state r1 up
check "gre6 carrier on" has_carrier r1in gre6

check "gre6: moving back to its underlay netns keeps its settings" \
	ip -n r1in link set gre6 netns r1
check_eq "gre6: still enabled after the move" 1 "$(ka_get r1 gre6 enabled)"
check_eq "gre6: period kept" $PERIOD "$(ka_get r1 gre6 period_ms)"
check "gre6: up again after admin up in r1" ip -n r1 link set gre6 up
check "gre6: replies arrive in r1" wait_for 10 "gre6 rx grows" \
	ka_stat_ge r1 gre6 rx "$(( $(ka_stat r1 gre6 rx) + 2 ))"
test_done
