#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 300
#
# Why a keepalive was not answered, or a reply not accepted: every reason
# a crafted packet can reach moves its own counter in keepalive/refused/
# (and nothing else's), and the tracepoints carry it by name. r1 crafts,
# r2 runs the module on default sysctls. (reply_future and request_nomem
# cannot be reached from outside: the first needs the tunnel's key, the
# second a failed allocation.)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ka.sh"

HERE=$(dirname "$0")
PROBE="/usr/bin/python3 $HERE/gre_probe.py --iface eth0 --src $R1_UL --dst $R2_UL --wait 0.3"
REPLY="/usr/bin/python3 $HERE/gre_reply.py"
T=$KA_TRACEFS

# no_answer_in LINES NAME: the gre_craft result named NAME saw no answer.
no_answer_in() {
	python3 -c '
import json, sys
r = [json.loads(l) for l in sys.argv[1].splitlines() if l.startswith("{")]
r = [x for x in r if x["name"] == sys.argv[2]]
sys.exit(None if r and all(e["matched"] == 0 for e in r[0]["expect"]) else f"{r}")
' "$1" "$2"
}

# refused REASON: r2's counter (tunnel $DEV, default gre1)
refused() {
	ka_get r2 "${DEV:-gre1}" "refused/$1"
}

# refused_ge REASON MIN
refused_ge() {
	local v
	v=$(refused "$1") && [ "$v" -ge "$2" ]
}

# env_grew DEV BEFORE EXPECT...: grew_by for tunnel DEV
env_grew() {
	local DEV=$1
	shift
	grew_by "$@"
}

# snap: the refused/ counters of $DEV (default gre1), "name=value ..."
snap() {
	local f out=
	for f in $REASONS; do
		out+="$f=$(refused "$f") "
	done
	echo "$out"
}

# grew_by BEFORE EXPECT...: every counter grew by what EXPECT (name=n ...)
# says, and every other stayed: each reason moves its own counter only.
grew_by() {
	local before=$1 f b a want op bad=
	shift
	for f in $REASONS; do
		b=$(sed -n "s/.*\b$f=\([0-9]*\).*/\1/p" <<<"$before")
		a=$(refused "$f")
		want=0 op==
		for e in "$@"; do
			case $e in
			"$f>="*) want=${e#*>=} op=">=" ;;
			"$f="*) want=${e#*=} op== ;;
			esac
		done
		if [ "$op" = ">=" ]; then
			[ $((a - b)) -ge "$want" ] || bad+="$f +$((a - b)) (want >= +$want) "
		else
			[ $((a - b)) = "$want" ] || bad+="$f +$((a - b)) (want +$want) "
		fi
	done
	[ -z "$bad" ] || {
		echo "$bad"
		return 1
	}
}

REASONS=$(echo reply_short reply_foreign reply_bad_mac \
	reply_stale reply_future reply_replay request_malformed \
	request_fragment request_options request_bad_gre request_address \
	request_too_big request_ttl request_rate_limit request_no_route \
	request_loop request_nomem request_replay request_huawei_probe \
	request_reflect_off reply_not_peer request_not_peer request_peer_limit)

TOPO_STOCK_REFLECTOR=0 check "two routers" topo_two_routers
check "static neighbours" static_neigh
check "module loads" load_module
check "tracefs" ka_tracefs
check "trace requests and replies" sh -c "echo > $T/trace && echo 1 > $T/events/gre_ka/gre_ka_request/enable && echo 1 > $T/events/gre_ka/gre_ka_reply/enable && echo 1 > $T/events/gre_ka/gre_ka_reflect/enable"

# The request checks: one python process each for the probe's shapes and
# the crafted ones (starting scapy is what costs time under emulation).
# Tunnels gre2 and gre3 on r2, whose remotes r1 impersonates: one r2 has
# no route to, one routed through gre3 itself.
check "gre2: a remote r2 has no route to" \
	ip -n r2 link add gre2 type gre local "$R2_UL" remote 203.0.113.99 ttl 255
check "gre2 up" ip -n r2 link set gre2 up
check "gre3: a remote routed through gre3 itself" \
	ip -n r2 link add gre3 type gre local "$R2_UL" remote 10.99.0.1 ttl 255
check "gre3 up" ip -n r2 link set gre3 up
check "the route" ip -n r2 route add 10.99.0.0/24 dev gre3

before=$(snap)
requests=$(ka_stat r2 gre1 rx_requests)
check "eight malformed keepalives, a later fragment, nested GRE data" ns_exec r1 $PROBE \
	bad-ipcsum truncated options frag offset grever routing wrong-src huge pt-ip
# A later fragment (offset) cannot be told from tunnelled GRE data: passed
# on uncounted, as data is.
check "each counted under its reason, nothing else" wait_for 10 "counters" \
	grew_by "$before" request_malformed=2 request_options=1 \
	request_fragment=1 request_bad_gre=2 request_address=1 request_too_big=1
check_eq "none of them a request (nested GRE data is none of our business)" \
	"$requests" "$(ka_stat r2 gre1 rx_requests)"

# Data through the tunnel is not a keepalive, however it is shaped (review:
# five fragmented IPv6 pings added 15 refusals; an MLD report, ICMPv6
# behind a hop-by-hop header, counted as request_options).
check "IPv6 on gre1, r1" ip -n r1 addr add fd00:ff::1/64 dev gre1 nodad
check "IPv6 on gre1, r2" ip -n r2 addr add fd00:ff::2/64 dev gre1 nodad
before=$(snap)
requests=$(ka_stat r2 gre1 rx_requests)
reasm=$(ns_exec r2 nstat -az Ip6ReasmOKs | awk '$1 == "Ip6ReasmOKs" { print $2 }')
check "five 3000-byte IPv6 pings through the tunnel (fragmented)" \
	ns_exec r1 ping -6 -q -c 5 -i 0.2 -W 2 -s 3000 fd00:ff::2
check "an MLD report through the tunnel (hop-by-hop, ICMPv6)" ns_exec r1 \
	/usr/bin/python3 -c '
import socket
s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
hbh = bytes([0, 0, 5, 2, 0, 0, 1, 0])	# router alert, PadN
mld = bytes([143, 0, 0, 0, 0, 0, 0, 1, 4, 0, 0, 0]) + socket.inet_pton(socket.AF_INET6, "ff0e::1:3")
s.sendmsg([mld], [(socket.IPPROTO_IPV6, socket.IPV6_HOPOPTS, hbh)], 0, ("fd00:ff::2", 0))'
check "r2 reassembled the pings" test "$(ns_exec r2 nstat -az Ip6ReasmOKs |
	awk '$1 == "Ip6ReasmOKs" { print $2 }')" -ge $((reasm + 5))
check_eq "no refusal counted for them" "" "$(grew_by "$before")"
check_eq "and no request" "$requests" "$(ka_stat r2 gre1 rx_requests)"

# Tunnels with input sequencing and no fixed unicast peer: iseq stops
# their keepalives, but nothing lets them answer (review: `remote any
# iseq` answered towards 0.0.0.0, a multicast-remote one to its group). A
# tunnel without a remote is multipoint: it answers its peers only, and
# r1 is none (request_not_peer). The crafted requests carry GRE sequence
# numbers, or iseq drops them.
check "gre4: remote any, key 44, iseq" ip -n r2 link add gre4 type gre \
	local "$R2_UL" key 44 iseq ttl 255
check "gre5: multicast remote, key 55, iseq" ip -n r2 link add gre5 type gre \
	local "$R2_UL" remote 239.1.1.5 key 55 iseq dev eth0 ttl 255
check "gre6: external (collect_md), iseq" ip -n r2 link add gre6 type gre external iseq
check "gre4..6 up" sh -c 'for d in gre4 gre5 gre6; do ip -n r2 link set $d up || exit 1; done'
check "r1: a route to the group" ip -n r1 route add 239.1.1.5/32 dev eth0
# ip_gre joins a multicast remote's group only with NET_IPGRE_BROADCAST,
# which Debian's kernels have and the debug kernel's configuration does
# not: r2 joins it itself, so the requests reach gre5 on every kernel.
check "r2: eth0 in the group" ip -n r2 addr add 239.1.1.5/32 dev eth0 autojoin
batch=$(mktemp /tmp/gre_ka-batch.XXXXXX)
O="--iface eth0 --outer-src $R1_UL --inner-src $R2_UL --inner-dst $R1_UL --outer-seq 1 --count 3 --wait 1 --expect $R2_UL,$R1_UL"
cat >"$batch" <<EOF
gre4: $O --outer-dst $R2_UL --outer-key 44
gre5: $O --outer-dst 239.1.1.5 --outer-key 55
gre6: $O --outer-dst $R2_UL --outer-key 66
EOF
b4=$(DEV=gre4 snap) b5=$(DEV=gre5 snap) b6=$(DEV=gre6 snap)
out=$(ns_exec r1 /usr/bin/python3 "$HERE/gre_craft.py" --batch "$batch" 2>&1)
rm -f "$batch"
diag "$out"
for d in gre4 gre5 gre6; do
	b=b${d#gre}
	why=request_address
	[ "$d" = gre4 ] && why=request_not_peer
	# Read as soon as right; on failure, say what differs.
	check "$d: $why, nothing else" wait_for 30 "$d counters" \
		env_grew "$d" "${!b}" "$why=3" ||
		diag "$d: $(env_grew "$d" "${!b}" "$why=3");" \
			"rx_requests $(ka_stat r2 $d rx_requests)"
	check_eq "$d: reflected nothing" 0 "$(ka_stat r2 $d reflected)"
	check "$d: no answer seen" no_answer_in "$out" "$d"
done

batch=$(mktemp /tmp/gre_ka-batch.XXXXXX)
O="--iface eth0 --outer-dst $R2_UL --inner-src $R2_UL --wait 0.3 --count 1"
cat >"$batch" <<EOF
ttl: $O --outer-src $R1_UL --inner-dst $R1_UL --inner-ttl 1
replay: $O --outer-src $R1_UL --inner-dst $R1_UL --ours 7,123456789 --count 2
huawei: $O --outer-src $R1_UL --inner-dst $R1_UL --outer-proto 0x0004
noroute: $O --outer-src 203.0.113.99 --inner-dst 203.0.113.99
loop: $O --outer-src 10.99.0.1 --inner-dst 10.99.0.1
EOF
before=$(snap)
before2=$(DEV=gre2 snap)
before3=$(DEV=gre3 snap)
check "TTL 1, a replayed keepalive of ours, a Huawei probe, no route, a loop" \
	ns_exec r1 /usr/bin/python3 "$HERE/gre_craft.py" --batch "$batch"
rm -f "$batch"
check "gre1: each counted under its reason, nothing else" wait_for 10 "counters" \
	grew_by "$before" request_ttl=1 request_replay=1 request_huawei_probe=1
check "gre2: request_no_route, nothing else" wait_for 10 "counters" \
	env_grew gre2 "$before2" request_no_route=1
check "gre3: request_loop, nothing else" wait_for 10 "counters" \
	env_grew gre3 "$before3" request_loop=1
check "the trace names the reason" grep -qE \
	'gre_ka_request: dev=gre1 .* reason=address' $T/trace
check "and a TTL refusal as an unanswered reflection" grep -qE \
	'gre_ka_reflect: dev=gre1 .* err=-110 reason=ttl' $T/trace
check "reflect off" ka_set r2 gre1 reflect 0
before=$(snap)
check "request_reflect_off: sent" ns_exec r1 $PROBE cisco
check "request_reflect_off: +1, nothing else" wait_for 10 "request_reflect_off" \
	grew_by "$before" request_reflect_off=1
check "reflect on" ka_set r2 gre1 reflect 1
before=$(snap)
check "request_rate_limit: sent" ns_exec r1 $PROBE --fast --count 300 cisco
check "request_rate_limit: +100 or more, nothing else" wait_for 10 "request_rate_limit" \
	grew_by "$before" request_rate_limit>=100

# The reply checks: r2 sends keepalives, r1 answers them. A window of
# (10 + 1) x 1 s leaves time to capture a reply and replay it while fresh.
check "r2 keepalive 1 s x 10" ka_enable r2 gre1 1000 10
check "r2 up on r1's answers" wait_for 10 "r2 rx" ka_stat_ge r2 gre1 rx 3
before=$(snap)
check "reply_short: sent" ns_exec r1 $REPLY forge --src "$R1_UL" --dst "$R2_UL" --len 12
check "reply_short: +1, nothing else" wait_for 10 "reply_short" \
	grew_by "$before" reply_short=1
before=$(snap)
check "reply_foreign: sent" ns_exec r1 $REPLY forge --src "$R1_UL" --dst "$R2_UL"
check "reply_foreign: +1, nothing else" wait_for 10 "reply_foreign" \
	grew_by "$before" reply_foreign=1
before=$(snap)
check "reply_bad_mac: sent" ns_exec r1 $REPLY forge --src "$R1_UL" --dst "$R2_UL" --magic
check "reply_bad_mac: +1, nothing else" wait_for 10 "reply_bad_mac" \
	grew_by "$before" reply_bad_mac=1
check "capture a genuine reply" ns_exec r2 $REPLY capture --iface eth0 \
	--src "$R1_UL" --dst "$R2_UL" --out /tmp/gre_ka-reply.hex
before=$(snap)
check "reply_replay: sent" ns_exec r1 $REPLY replay --dst "$R2_UL" --file /tmp/gre_ka-reply.hex
check "reply_replay: +1, nothing else" wait_for 10 "reply_replay" \
	grew_by "$before" reply_replay=1
# A window of (1 + 1) x 1 s now, and the captured reply older than that.
check "retries 1" ka_set r2 gre1 retries 1
sleep 2.5
before=$(snap)
check "reply_stale: sent" ns_exec r1 $REPLY replay --dst "$R2_UL" --file /tmp/gre_ka-reply.hex
check "reply_stale: +1, nothing else" wait_for 10 "reply_stale" \
	grew_by "$before" reply_stale=1
check "the trace names reply verdicts" grep -qE \
	'gre_ka_reply: dev=gre1 .* verdict=stale accepted=0' $T/trace
check_eq "rx_invalid sums the reply refusals" \
	"$(( $(refused reply_short) + $(refused reply_foreign) + $(refused reply_bad_mac) + $(refused reply_stale) + $(refused reply_replay) ))" \
	"$(ka_stat r2 gre1 rx_invalid)"
check "tracing off" sh -c "echo 0 > $T/events/gre_ka/enable"
rm -f /tmp/gre_ka-reply.hex
check "module unloads" unload_module
test_done
