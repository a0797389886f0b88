#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 300
#
# The in-module reflector on ip6gre, with r2 not forwarding IPv6: crafted
# IPv6 peer keepalives (bare, OpenBSD-style with a payload, MikroTik-style
# with protocol type 0x86dd, keyed, checksummed) are sent back byte for
# byte but for the hop limit; extension headers, fragments, foreign GRE,
# wrong addresses, oversize and hop limit 1 are not. A bare 4-byte GRE reply reaches the tunnel (ip6gre
# has no 12-byte minimum) and is rejected as short. Two module routers keep
# each other up; reflect=0 takes the sender down. Dual stack: a gre and an
# ip6gre tunnel between the same routers keep independent states.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ka.sh"
. "$(dirname "$0")/ka6.sh"

PROBE="/usr/bin/python3 $(dirname "$0")/gre_probe6.py --iface eth0 --src $R1_UL6 --dst $R2_UL6"
PERIOD=200
RETRIES=3

# nft_cut FAMILY: drop r1's outgoing GRE of one address family only.
nft_cut() {
	ns_exec r1 nft -f - <<NFT
table $1 cut {
	chain out { type filter hook output priority 0; meta l4proto gre drop; }
}
NFT
}

field() {
	/usr/bin/python3 -c 'import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$1" "$2"
}

check "two routers with an ip6gre tunnel" topo6_two_routers
check "keyed, checksummed ip6gre gre7 on r2" \
	ip6gre_tunnel r2 gre7 "$R2_UL6" "$R1_UL6" 10.255.7.2/30 key 7 csum
check "r2 does not forward IPv6" ns_exec r2 sysctl -qw net.ipv6.conf.all.forwarding=0
check "module loads" load_module

# One probe run for every variant: starting scapy is what costs time.
check "enable keepalive on r2 (auth on)" ka_enable r2 gre6 1000 3
dropped=$(ka_stat r2 gre6 reflect_dropped)
out=$(ns_exec r1 $PROBE --wait 1 cisco openbsd mikrotik key csum \
	hbh frag grever pt-ip wrong-dst wrong-src huge hlim1 reply reply reply 2>&1)
diag "$out"
for v in cisco openbsd mikrotik key csum; do
	line=$(grep "\"$v\"" <<<"$out")
	check_eq "$v keepalive reflected once" 1 "$(field "$line" reflected)"
	check_eq "$v reflection has hop limit 254" 254 "$(field "$line" hlim)"
done
# (wrong-dst is answered, to the remote rather than the address it names:
# the probe, which looks for the packet as sent, sees no reflection; t-22
# checks where such answers go.)
for v in hbh frag grever pt-ip wrong-dst wrong-src huge hlim1; do
	line=$(grep "\"$v\"" <<<"$out")
	check_eq "$v not reflected as sent" 0 "$(field "$line" reflected)"
done
check_eq "r2 counted five reflections and the rewritten wrong-dst" 6 \
	"$(ka_stat r2 gre6 reflected)"
check_eq "hop limit 1 counted as dropped" $((dropped + 1)) "$(ka_stat r2 gre6 reflect_dropped)"

# Replies shorter than ip_gre's 12-byte GRE minimum reach ip6gre tunnels.
check "bare GRE replies reach r2's tunnel and are rejected" \
	wait_for 5 "rx_invalid >= 3" ka_stat_ge r2 gre6 rx_invalid 3
check "disable r2" ka_set r2 gre6 enabled 0

# Two module routers keep each other up, each reflecting the other.
check "enable r1" ka_enable r1 gre6 $PERIOD $RETRIES
check "enable r2" ka_enable r2 gre6 $PERIOD $RETRIES
check "r1 answered" wait_for 10 "r1 rx >= 3" ka_stat_ge r1 gre6 rx 3
check "r2 answered" wait_for 10 "r2 rx >= 3" ka_stat_ge r2 gre6 rx 3
check_eq "r1 up" up "$(ka_get r1 gre6 state)"
check_eq "r2 up" up "$(ka_get r2 gre6 state)"
check "r2 stops reflecting" ka_set r2 gre6 reflect 0
check "r1 goes down" wait_for 10 "r1 down" ka_state_is r1 gre6 down
check_eq "r2 stays up" up "$(ka_get r2 gre6 state)"
check "r2 reflects again" ka_set r2 gre6 reflect 1
check "r1 comes back" wait_for 10 "r1 up" ka_state_is r1 gre6 up

# Dual stack: an IPv4 underlay beside the IPv6 one, gre1 beside gre6.
check "IPv4 underlay" sh -c "ip -n r1 addr add $R1_UL/$UL_PREFIX dev eth0 &&
	ip -n r2 addr add $R2_UL/$UL_PREFIX dev eth0"
check "gre1 on r1" gre_tunnel r1 gre1 "$R1_UL" "$R2_UL" "$R1_IN/$IN_PREFIX"
check "gre1 on r2" gre_tunnel r2 gre1 "$R2_UL" "$R1_UL" "$R2_IN/$IN_PREFIX"
# A longer period here: the point is independence, not speed, and a
# starved emulated CPU must not fake a dependency.
check "gre6 at 300 ms x 5" ka_enable r1 gre6 300 5
check "enable gre1 on r1 at 300 ms x 5" ka_enable r1 gre1 300 5
check "gre1 answered" wait_for 10 "gre1 rx >= 3" ka_stat_ge r1 gre1 rx 3
check "cut IPv6 only on r1" nft_cut ip6
downs=$(ka_stat r1 gre1 down_transitions)
check "gre6 goes down" wait_for 10 "gre6 down" ka_state_is r1 gre6 down
rx=$(ka_stat r1 gre1 rx)
check "gre1 still answered" wait_for 5 "gre1 rx grows" ka_stat_ge r1 gre1 rx $((rx + 3))
check_eq "gre1 stays up" up "$(ka_get r1 gre1 state)"
check_eq "gre1 did not go down while gre6 did" "$downs" "$(ka_stat r1 gre1 down_transitions)"
check "repair IPv6" ns_exec r1 nft delete table ip6 cut
check "gre6 comes back" wait_for 10 "gre6 up" ka_state_is r1 gre6 up
check "cut IPv4 only on r1" nft_cut ip
downs=$(ka_stat r1 gre6 down_transitions)
check "gre1 goes down" wait_for 10 "gre1 down" ka_state_is r1 gre1 down
rx=$(ka_stat r1 gre6 rx)
check "gre6 still answered" wait_for 5 "gre6 rx grows" ka_stat_ge r1 gre6 rx $((rx + 3))
check_eq "gre6 stays up" up "$(ka_get r1 gre6 state)"
check_eq "gre6 did not go down while gre1 did" "$downs" "$(ka_stat r1 gre6 down_transitions)"
check "repair IPv4" ns_exec r1 nft delete table ip cut
check "gre1 comes back" wait_for 10 "gre1 up" ka_state_is r1 gre1 up
test_done
