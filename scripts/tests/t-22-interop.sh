#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# debug: kmemleak (every answer, to the peer or through the tunnel, is a new packet: where a leak shows)
# timeout: 400
#
# Real-world peers (Documentation/interop.rst): keepalives of each shape
# other vendors send, crafted with scapy on r1 (the peer) and answered by
# the module on r2 (default sysctls), the answer sniffed on the wire:
#   cisco     IOS/IOS-XE, Juniper, Fortinet, Huawei's standard keepalive:
#             inner r2 -> r1, GRE PT 0, no payload (24 bytes)
#   openbsd   the same with a 24-byte payload
#   nat       MikroTik behind NAT: inner destination its private WAN address
#             192.168.5.15, not the address we see it at: answered to the
#             tunnel's remote, destination rewritten, checksum right
#   overlay   Velocloud SD-WAN: inner from our tunnel address to the peer's
#             (overlay addresses): sent back through the tunnel
#   huawei    Huawei's GRE with outer protocol type 0x0004: counted under
#             its own reason, not answered
# over ip6gre the same where it applies (OpenBSD's IPv6 format, a NAT-style
# destination, an overlay keepalive in IPv4 over the IPv6 underlay); and
# no answer ever goes to anyone but the peer: r3, a third party behind
# r2 that routes 192.168.5.0/24 and owns 203.0.113.3, receives nothing,
# whatever the inner header says; a keepalive claiming somebody else's
# source, or aimed through the tunnel beyond the peer (a gateway route),
# is refused and answered nowhere.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ka.sh"
. "$(dirname "$0")/ka6.sh"

HERE=$(dirname "$0")
R3=203.0.113.3
R2_R3=203.0.113.1

# matched JSON N: the first expectation matched N packets
matched() {
	python3 -c 'import json,sys; d=json.loads(sys.argv[1]); sys.exit(0 if d["expect"][0]["matched"] == int(sys.argv[2]) else 1)' "$1" "$2" || {
		echo "expected $2 matches: $1"
		return 1
	}
}

# r3_got: GRE packets that reached the third party
r3_got() {
	ns_exec r3 nft list counter inet watch gre 2>/dev/null |
		sed -n 's/.*packets \([0-9]*\).*/\1/p'
}

TOPO_STOCK_REFLECTOR=0 check "two routers" topo_two_routers
check "static neighbours" static_neigh
check "a third party r3 behind r2" ns_create r3
check "r2 <-> r3 link" veth_pair r2 eth1 "$R2_R3/24" r3 eth0 "$R3/24"
check "r2 routes 192.168.5.0/24 to r3" ip -n r2 route add 192.168.5.0/24 via "$R3"
check "r2 routes 10.77.0.0/24 through the tunnel, via a gateway" \
	ip -n r2 route add 10.77.0.0/24 via "$R1_IN" dev gre1 onlink
cnt=$(mktemp /tmp/gre_ka-nft.XXXXXX)
cat >"$cnt" <<'NFT'
table inet watch {
	counter gre { }
	chain in {
		type filter hook prerouting priority -300;
		meta l4proto gre counter name gre
	}
}
NFT
check "r3: nftables counter" ns_exec r3 nft -f "$cnt"
rm -f "$cnt"
check "module loads" load_module
check "r2: reflect on (the default), keepalive off" test "$(ka_get r2 gre1 reflect)" = 1

# One python process sends every shape (starting scapy is what costs time
# under emulation); one JSON line per shape. The tcpdump on r2's gre1 sees
# the overlay answer leave through the tunnel.
ns_exec r2 timeout 60 tcpdump -i gre1 -Q out -n -l -c 1 "ip src $R2_IN" \
	>"$GRE_KA_OUT/t-22-gre1.txt" 2>/dev/null &
tpid=$!
check "tcpdump on r2 gre1 ready" wait_for 10 "tcpdump" \
	sh -c "ip netns pids r2 | xargs -r ps -o comm= -p | grep -q tcpdump"
batch=$(mktemp /tmp/gre_ka-batch.XXXXXX)
# --wait: how long gre_craft waits at most for the answers (it stops when
# they are all in; a shape that must not be answered waits it out). The
# debug kernel takes seconds where a stock one takes a fraction.
W=$([ "$GRE_KA_KERNEL" = debug ] && echo 6 || echo 1)
O="--iface eth0 --outer-src $R1_UL --outer-dst $R2_UL --count 3 --wait $W"
cat >"$batch" <<EOF
cisco: $O --expect $R2_UL,$R1_UL --inner-src $R2_UL --inner-dst $R1_UL --payload-len 0
openbsd: $O --expect $R2_UL,$R1_UL --inner-src $R2_UL --inner-dst $R1_UL
nat: $O --expect $R2_UL,$R1_UL --inner-src $R2_UL --inner-dst 192.168.5.15
third: $O --expect $R2_UL,$R1_UL --inner-src $R2_UL --inner-dst $R3
overlay: $O --expect $R2_UL,$R1_UL,tunnel --inner-src $R2_IN --inner-dst $R1_IN
spoofed: $O --expect $R2_UL,$R1_UL --inner-src $R3 --inner-dst $R1_UL
beyond: $O --expect $R2_UL,$R1_UL,tunnel --inner-src $R2_IN --inner-dst 10.77.0.5
huawei: $O --expect $R2_UL,$R1_UL --outer-proto 0x0004 --inner-src $R2_UL --inner-dst $R1_UL
EOF
before=$(ka_stat r2 gre1 reflected)
addr0=$(ka_get r2 gre1 refused/request_address)
hw0=$(ka_get r2 gre1 refused/request_huawei_probe)
out=$(ns_exec r1 /usr/bin/python3 "$HERE/gre_craft.py" --batch "$batch")
diag "$out"
# answered NAME N: the shape NAME had N answers as expected
answered() {
	matched "$(grep "\"name\": \"$1\"" <<<"$out")" "$2"
}
check "cisco (IOS/IOS-XE, Juniper, Fortinet, MikroTik, Huawei): 3 answered" answered cisco 3
check "openbsd (24-byte payload): 3 answered" answered openbsd 3
check "nat (MikroTik behind NAT): 3 answered to the remote, rewritten" answered nat 3
check "a third party's inner destination: answered to the remote" answered third 3
check "overlay (Velocloud): 3 sent back through the tunnel" answered overlay 3
check_eq "r2 counted 15 answers" $((before + 15)) "$(ka_stat r2 gre1 reflected)"
check_eq "r2 counted 15 requests" 15 "$(ka_stat r2 gre1 rx_requests)"
check "spoofed inner source: not answered" answered spoofed 0
check "overlay beyond the peer (via a gateway): not answered" answered beyond 0
check_eq "both counted as request_address" $((addr0 + 6)) \
	"$(ka_get r2 gre1 refused/request_address)"
check "huawei 0x0004 probe: not answered" answered huawei 0
check_eq "counted as request_huawei_probe" $((hw0 + 3)) \
	"$(ka_get r2 gre1 refused/request_huawei_probe)"
check_eq "the third party received nothing at all" 0 "$(r3_got)"
wait $tpid
check "the overlay answer shows leaving gre1 (tcpdump -i gre1)" \
	grep -q "IP $R2_IN > $R1_IN: GRE" "$GRE_KA_OUT/t-22-gre1.txt"

# ip6gre.
check "IPv6 underlay" ul6_setup
check "ip6gre tunnel on r1" ip6gre_tunnel r1 gre6 "$R1_UL6" "$R2_UL6" "$R1_IN6/30"
check "ip6gre tunnel on r2" ip6gre_tunnel r2 gre6 "$R2_UL6" "$R1_UL6" "$R2_IN6/30"
check "IPv6 neighbours" static_neigh6
O6="--iface eth0 --outer-src $R1_UL6 --outer-dst $R2_UL6 --count 3 --wait $W"
cat >"$batch" <<EOF
openbsd6: $O6 --expect $R2_UL6,$R1_UL6 --inner-src $R2_UL6 --inner-dst $R1_UL6
nat6: $O6 --expect $R2_UL6,$R1_UL6 --inner-src $R2_UL6 --inner-dst 2001:db8:99::15
overlay4in6: $O6 --expect $R2_UL6,$R1_UL6,tunnel --inner-src $R2_IN6 --inner-dst $R1_IN6
EOF
out=$(ns_exec r1 /usr/bin/python3 "$HERE/gre_craft.py" --batch "$batch")
diag "$out"
rm -f "$batch"
check "ip6gre openbsd: 3 answered" answered openbsd6 3
check "ip6gre nat-style destination: 3 answered to the remote" answered nat6 3
check "ip6gre overlay (IPv4 inside): 3 sent back through the tunnel" answered overlay4in6 3
check_eq "gre6 counted 9 answers" 9 "$(ka_stat r2 gre6 reflected)"
check_eq "the third party still received nothing" 0 "$(r3_got)"

check "module unloads" unload_module
test_done
