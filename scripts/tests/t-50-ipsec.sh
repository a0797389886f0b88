#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# kernels: 6.1 6.12 (the debug kernel runs a subset: README, "Tests on the debug kernel")
# timeout: 180
#
# GRE keepalives over IPsec (Documentation/ipsec.rst): both routers protect
# GRE between the underlay endpoint addresses with static xfrm SAs and
# policies (ESP transport mode, the Linux form of Cisco's "crypto map on
# both sides"), both run the module with keepalive on. The tunnels stay up
# and only ESP crosses the wire: the keepalives and the module's
# reflections (ip_local_out, so the output policy applies) are encrypted,
# and so are the replies of r2 acting as a stock (forwarding) reflector.
# Then r2 stops encrypting GRE (its output policy is removed): its
# keepalives and reflections leave in clear, r1's input policy drops them,
# and both ends go down. Without r1's input policy r1 comes back up on
# cleartext replies (the false "up" of an asymmetric set-up). With both
# policies restored, both are up and the wire is ESP only again.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ka.sh"

PERIOD=200
ALG='rfc4106(gcm(aes))'
# AES-128 key + 4-byte salt per direction; test keys, never reuse them.
KEY_12=0x0f1e2d3c4b5a69788796a5b4c3d2e1f001234567
KEY_21=0x1f2e3d4c5b6a79889706b5c4d3e2f10176543210
SPI_12=0x1201
SPI_21=0x2101

# sas NS: the two SAs, the same on both routers.
sas() {
	ip -n "$1" xfrm state add src "$R1_UL" dst "$R2_UL" proto esp \
		spi $SPI_12 mode transport aead "$ALG" $KEY_12 128 &&
		ip -n "$1" xfrm state add src "$R2_UL" dst "$R1_UL" proto esp \
			spi $SPI_21 mode transport aead "$ALG" $KEY_21 128
}

# policy add|delete NS DIR SRC DST: GRE from SRC to DST must be ESP.
policy() {
	local op=$1 ns=$2 dir=$3 src=$4 dst=$5
	if [ "$op" = add ]; then
		ip -n "$ns" xfrm policy add dir "$dir" src "$src/32" dst "$dst/32" \
			proto gre tmpl src "$src" dst "$dst" proto esp mode transport
	else
		ip -n "$ns" xfrm policy delete dir "$dir" src "$src/32" \
			dst "$dst/32" proto gre
	fi
}

protect() {
	sas r1 && sas r2 &&
		policy add r1 out "$R1_UL" "$R2_UL" &&
		policy add r1 in "$R2_UL" "$R1_UL" &&
		policy add r2 out "$R2_UL" "$R1_UL" &&
		policy add r2 in "$R1_UL" "$R2_UL"
}

# The wire: a netdev ingress chain on each eth0 counts GRE (protocol 47)
# and ESP (50) as received from the veth, before any IPsec processing.
wire_counters() {
	ns_exec "$1" nft -f - <<-EOF
	table netdev wire {
		counter n_gre {}
		counter n_esp {}
		chain in {
			type filter hook ingress device eth0 priority -500;
			ip protocol 47 counter name n_gre
			ip protocol 50 counter name n_esp
		}
	}
	EOF
}

# wire NS gre|esp: packets counted on NS's eth0.
wire() {
	ns_exec "$1" nft list counter netdev wire "n_$2" |
		sed -n 's/.*packets \([0-9]*\) bytes.*/\1/p'
}

# sa_packets NS SRC DST: packets through that SA ("lifetime current").
sa_packets() {
	ip -s -n "$1" xfrm state list src "$2" dst "$3" |
		sed -n 's/^[[:space:]]*[0-9]*(bytes), \([0-9]*\)(packets).*/\1/p'
}

# xfrm_stat NS NAME: a counter of /proc/net/xfrm_stat.
xfrm_stat() {
	ns_exec "$1" awk -v n="$2" '$1 == n { print $2 }' /proc/net/xfrm_stat
}

rx_grows() {
	local rx
	rx=$(ka_stat "$1" gre1 rx)
	wait_for 10 "$1 rx grows by 3" ka_stat_ge "$1" gre1 rx $((rx + 3))
}

TOPO_STOCK_REFLECTOR=0 check "two routers" topo_two_routers
check "static neighbours" static_neigh
check "ESP transport SAs and GRE policies on both routers" protect
check "GRE and ESP counted on r1's wire" wire_counters r1
check "GRE and ESP counted on r2's wire" wire_counters r2
check "module loads" load_module
check "r1 keepalive on" ka_enable r1 gre1 $PERIOD 3
check "r2 keepalive on" ka_enable r2 gre1 $PERIOD 3
check "r1 answered" wait_for 15 "r1 rx >= 5" ka_stat_ge r1 gre1 rx 5
check "r2 answered" wait_for 15 "r2 rx >= 5" ka_stat_ge r2 gre1 rx 5
check_eq "r1 up" up "$(ka_get r1 gre1 state)"
check_eq "r2 up" up "$(ka_get r2 gre1 state)"
check "r2 reflected r1's keepalives" ka_stat_ge r2 gre1 reflected 5
check "r1 reflected r2's keepalives" ka_stat_ge r1 gre1 reflected 5
diag "r1 wire: esp $(wire r1 esp) gre $(wire r1 gre); r2 wire: esp $(wire r2 esp) gre $(wire r2 gre)"
diag "SA r1->r2: $(sa_packets r1 "$R1_UL" "$R2_UL") packets sent, $(sa_packets r2 "$R1_UL" "$R2_UL") received"
check "ESP reached r2" test "$(wire r2 esp)" -ge 10
check "ESP reached r1" test "$(wire r1 esp)" -ge 10
check_eq "no plain GRE reached r2" 0 "$(wire r2 gre)"
check_eq "no plain GRE reached r1" 0 "$(wire r1 gre)"
check "r1's SA to r2 carried them" test "$(sa_packets r1 "$R1_UL" "$R2_UL")" -ge 10
check "r2's SA to r1 carried them" test "$(sa_packets r2 "$R2_UL" "$R1_UL")" -ge 10

# A stock Linux reflector (r2's module passes r1's keepalives on, r2
# forwards them): the output policy applies to forwarded replies too.
check "r2 module reflect off" ka_set r2 gre1 reflect 0
check "r2 a stock reflector (forwarding, accept_local, rp_filter 0)" \
	make_stock_reflector r2 gre1
refl=$(ka_stat r2 gre1 reflected)
check "r1 answered by r2's forwarding" rx_grows r1
check_eq "r2's module reflected none of them" "$refl" "$(ka_stat r2 gre1 reflected)"
check_eq "still no plain GRE reached r1" 0 "$(wire r1 gre)"
check "r2 module reflect on" ka_set r2 gre1 reflect 1

# Asymmetric: r2 stops encrypting GRE, r1 still requires ESP for it.
# (/proc/net/xfrm_stat needs CONFIG_XFRM_STATISTICS, which Debian's
# kernels have and the debug kernel may not.)
mism=$(xfrm_stat r1 XfrmInTmplMismatch 2>/dev/null)
check "r2 output policy removed" policy delete r2 out "$R2_UL" "$R1_UL"
check "r1 goes down (cleartext replies dropped)" \
	wait_for 10 "r1 down" ka_state_is r1 gre1 down
check "r2 goes down (cleartext keepalives dropped)" \
	wait_for 10 "r2 down" ka_state_is r2 gre1 down
check "r1 received plain GRE" test "$(wire r1 gre)" -ge 3
if [ -n "$mism" ]; then
	check "r1's input policy dropped it (XfrmInTmplMismatch)" \
		test "$(xfrm_stat r1 XfrmInTmplMismatch)" -ge $((mism + 3))
else
	diag "no /proc/net/xfrm_stat (CONFIG_XFRM_STATISTICS off): drop counter not checked"
fi
check_eq "r1 carrier off" 0 "$(sys_read r1 class/net/gre1/carrier)"

# Without an input policy on r1 either, cleartext replies are accepted.
check "r1 input policy removed too" policy delete r1 in "$R2_UL" "$R1_UL"
check "r1 up on cleartext replies" wait_for 10 "r1 up" ka_state_is r1 gre1 up
check "r2 up on cleartext reflections" wait_for 10 "r2 up" ka_state_is r2 gre1 up

# Restore: ESP both ways again, nothing in clear.
check "r2 output policy restored" policy add r2 out "$R2_UL" "$R1_UL"
check "r1 input policy restored" policy add r1 in "$R2_UL" "$R1_UL"
check "r1 answered" rx_grows r1
check "r2 answered" rx_grows r2
g1=$(wire r1 gre)
g2=$(wire r2 gre)
e1=$(wire r1 esp)
check "r1 answered again" rx_grows r1
check "r2 answered again" rx_grows r2
check_eq "r1 up" up "$(ka_get r1 gre1 state)"
check_eq "r2 up" up "$(ka_get r2 gre1 state)"
check_eq "no more plain GRE reached r1" "$g1" "$(wire r1 gre)"
check_eq "no more plain GRE reached r2" "$g2" "$(wire r2 gre)"
check "ESP reached r1" test "$(wire r1 esp)" -ge $((e1 + 6))
test_done
