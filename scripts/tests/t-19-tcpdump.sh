#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# kernels: 6.1 6.12 (the debug kernel runs a subset: README, "Tests on the debug kernel")
# timeout: 150
#
# What network engineers debug with: `tcpdump -i gre1`. Keepalives leave
# through the tunnel's own xmit rather than the device queue (which drops
# them while the carrier is off), so the module feeds the packet taps
# itself: they show as outgoing packets on the tunnel, IPv4 from the
# remote to us carrying GRE, as over ip_gre for data; on ip6gre the
# same with IPv6. Replies show as incoming, our trailer's magic in them;
# keepalives keep showing while the line protocol is down.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ka.sh"
. "$(dirname "$0")/ka6.sh"

PERIOD=100

# dump NS DEV DIR COUNT: hex dumps of the first COUNT packets seen on DEV
# in direction DIR (in/out), within 10 s.
dump() {
	ns_exec "$1" timeout 10 tcpdump -i "$2" -Q "$3" -n -l -x -c "$4" 2>/dev/null
}

# count_matching TEXT REGEX: packets of a tcpdump -x listing whose summary
# line matches REGEX.
count_matching() {
	grep -cE "$2" <<<"$1"
}

TOPO_STOCK_REFLECTOR=0 check "two routers" topo_two_routers
check "static neighbours" static_neigh
check "module loads" load_module
check "enable keepalive on r1" ka_enable r1 gre1 $PERIOD 3

out=$(dump r1 gre1 out 3)
diag "$(head -n 8 <<<"$out")"
check_eq "3 keepalives seen leaving gre1" 3 \
	"$(count_matching "$out" "IP $R2_UL > $R1_UL: GRE")"

out=$(dump r1 gre1 in 2)
check_eq "2 replies seen arriving on gre1" 2 "$(grep -c '^[0-9]' <<<"$out")"
check "the replies carry our trailer (magic 474b 4101)" text_has "$out" '474b 4101'

check "cut the path" path_cut
check "line goes down" wait_for 10 "down" ka_state_is r1 gre1 down
out=$(dump r1 gre1 out 2)
check_eq "keepalives still seen while down" 2 \
	"$(count_matching "$out" "IP $R2_UL > $R1_UL: GRE")"
check "repair the path" path_repair

# ip6gre: our own encapsulation, the taps fed the same way.
check "IPv6 underlay" ul6_setup
check "ip6gre tunnel on r1" ip6gre_tunnel r1 gre6 "$R1_UL6" "$R2_UL6" "$R1_IN6/30"
check "ip6gre tunnel on r2" ip6gre_tunnel r2 gre6 "$R2_UL6" "$R1_UL6" "$R2_IN6/30"
check "enable keepalive on r1 gre6" ka_enable r1 gre6 $PERIOD 3
out=$(dump r1 gre6 out 2)
diag "$(head -n 4 <<<"$out")"
check_eq "2 IPv6 keepalives seen leaving gre6" 2 \
	"$(count_matching "$out" "IP6 $R2_UL6 > $R1_UL6: GRE")"
check "module unloads" unload_module
test_done
