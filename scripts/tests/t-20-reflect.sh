#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# debug: kmemleak (every reflection is a new packet, sent or refused: where a leak shows)
# timeout: 300
# core: yes
#
# The in-module reflector, with r2 on default sysctls (forwarding 0,
# accept_local 0, rp_filter 1): crafted peer keepalives in Cisco format,
# with key, checksum and a payload are sent back byte for byte but for TTL
# and checksum; malformed or foreign ones are not; reflections are rate
# limited; two module routers keep each other up, with one side disabled,
# and reflect=0 takes the sender down.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ka.sh"

PROBE="/usr/bin/python3 $(dirname "$0")/gre_probe.py --iface eth0 --src $R1_UL --dst $R2_UL"
PERIOD=200

default_sysctls() {
	local c
	ns_exec r2 sysctl -qw net.ipv4.conf.all.forwarding=0 || return 1
	for c in all default gre1 gre3; do
		ns_exec r2 sysctl -qw "net.ipv4.conf.$c.accept_local=0" \
			"net.ipv4.conf.$c.rp_filter=1" || return 1
	done
}

# probe_field JSON FIELD
field() {
	/usr/bin/python3 -c 'import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$1" "$2"
}

TOPO_STOCK_REFLECTOR=0 check "two routers" topo_two_routers
check "keyed, checksummed tunnel gre3 on r2" \
	gre_tunnel r2 gre3 "$R2_UL" "$R1_UL" 10.255.3.2/30 key 7 csum
check "r2 on default sysctls, rp_filter strict" default_sysctls
check "module loads" load_module
check_eq "reflect is on by default" 1 "$(ka_get r2 gre1 reflect)"

before=$(ka_stat r2 gre1 reflected)
out=$(ns_exec r1 $PROBE cisco trailer key csum 2>&1)
diag "$out"
for v in cisco trailer key csum; do
	line=$(grep "\"$v\"" <<<"$out")
	check_eq "$v keepalive reflected once" 1 "$(field "$line" reflected)"
	check_eq "$v reflection has TTL 254" 254 "$(field "$line" ttl)"
done
check_eq "r2 counted four reflections" $((before + 4)) "$(ka_stat r2 gre1 reflected)"

out=$(ns_exec r1 $PROBE --outer-key 7 --outer-csum cisco trailer 2>&1)
diag "$out"
for v in cisco trailer; do
	line=$(grep "\"$v\"" <<<"$out")
	check_eq "$v via a keyed, checksummed tunnel reflected" 1 "$(field "$line" reflected)"
done
check_eq "counted on gre3" 2 "$(ka_stat r2 gre3 reflected)"

# A tunnel without a local address: the keepalive's source must be one of
# the underlay's addresses.
check "tunnel gre5 on r2 without a local address" \
	gre_tunnel r2 gre5 any "$R1_UL" 10.255.5.2/30 key 5
out=$(ns_exec r1 $PROBE --outer-key 5 cisco wrong-src 2>&1)
diag "$out"
check_eq "reflected on a tunnel without local address" 1 \
	"$(field "$(grep '"cisco"' <<<"$out")" reflected)"
check_eq "not when the source is not local to the underlay" 0 \
	"$(field "$(grep '"wrong-src"' <<<"$out")" reflected)"
check_eq "counted on gre5" 1 "$(ka_stat r2 gre5 reflected)"

# (An inner destination other than our remote is answered, towards the
# remote: a peer behind NAT builds them so; see t-22-interop.)
BAD="bad-ipcsum options frag offset grever pt-ip routing truncated wrong-src huge"
before=$(ka_stat r2 gre1 reflected)
out=$(ns_exec r1 $PROBE --wait 0.7 $BAD 2>&1)
diag "$out"
for v in $BAD; do
	line=$(grep "\"$v\"" <<<"$out")
	check_eq "$v not reflected" 0 "$(field "$line" reflected)"
done
check_eq "r2 counted no reflection for them" "$before" "$(ka_stat r2 gre1 reflected)"
check_eq "and dropped none by rate" 0 "$(ka_stat r2 gre1 reflect_dropped)"

# Rate limit: 100/s sustained, burst 20 (gre_ka.h). Every keepalive of a
# burst is either reflected or counted as dropped.
r0=$(ka_stat r2 gre1 reflected)
d0=$(ka_stat r2 gre1 reflect_dropped)
out=$(ns_exec r1 $PROBE --fast --count 400 --wait 0.5 cisco 2>&1)
diag "$out"
r=$(( $(ka_stat r2 gre1 reflected) - r0 ))
d=$(( $(ka_stat r2 gre1 reflect_dropped) - d0 ))
secs=$(field "$out" send_seconds)
bound=$(/usr/bin/python3 -c "import math; print(20 + math.ceil(100 * $secs) + 1)")
diag "burst of 400 in ${secs} s: reflected $r, dropped $d, bound $bound"
check "the burst allowance is reflected" test "$r" -ge 20
check "no more than burst + rate x time" test "$r" -le "$bound"
check "the rest counted in reflect_dropped" test "$((r + d))" -ge 390
check "rate limited reflections still seen on the wire" \
	test "$(field "$out" reflected)" -le "$r"

# Two module routers answer each other.
check "r1 keepalive on" ka_enable r1 gre1 $PERIOD 3
check "r2 keepalive on" ka_enable r2 gre1 $PERIOD 3
check "r1 up on r2's reflections" wait_for 10 "r1 rx" ka_stat_ge r1 gre1 rx 3
check "r2 up on r1's reflections" wait_for 10 "r2 rx" ka_stat_ge r2 gre1 rx 3
check "r1 disabled" ka_set r1 gre1 enabled 0
rx=$(ka_stat r2 gre1 rx)
check "r1 still reflects while disabled" wait_for 10 "r2 rx grows" ka_stat_ge r2 gre1 rx $((rx + 3))
check_eq "r2 stays up" up "$(ka_get r2 gre1 state)"
check "r1 enabled again" ka_set r1 gre1 enabled 1
check "r2 stops reflecting" ka_set r2 gre1 reflect 0
check "r1 goes down without reflections" wait_for 10 "r1 down" ka_state_is r1 gre1 down
check_eq "while r2 stays up" up "$(ka_get r2 gre1 state)"
check "r2 reflects again" ka_set r2 gre1 reflect 1
check "r1 comes back up" wait_for 10 "r1 up" ka_state_is r1 gre1 up
check "stock sysctls were never needed" sh -c \
	'[ "$(ip netns exec r2 sysctl -n net.ipv4.conf.all.forwarding)" = 0 ] &&
	 [ "$(ip netns exec r2 sysctl -n net.ipv4.conf.gre1.accept_local)" = 0 ]'
test_done
