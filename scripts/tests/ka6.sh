# SPDX-License-Identifier: GPL-2.0
#
# IPv6 underlay helpers for the ip6gre tests: the same two routers as
# topo_two_routers, joined by an IPv6-only veth, with an ip6gre tunnel
# gre6 between them. Source after lib.sh and ka.sh.

R1_UL6=2001:db8:ff::1	# r1 underlay (veth eth0)
R2_UL6=2001:db8:ff::2	# r2 underlay
R1_IN6=10.255.6.1	# r1 gre6 (inner IPv4, so ping is cheap)
R2_IN6=10.255.6.2	# r2 gre6

# ip6gre_tunnel NS DEV LOCAL REMOTE ADDR [OPTIONS...]
ip6gre_tunnel() {
	local ns=$1 dev=$2 local=$3 remote=$4 addr=$5
	shift 5
	# shellcheck disable=SC2068 # options are words on purpose
	ip -n "$ns" link add "$dev" type ip6gre local "$local" remote "$remote" \
		hoplimit 255 $@ || return 1
	ip -n "$ns" addr add "$addr" dev "$dev" &&
		ip -n "$ns" link set "$dev" up
}

# ul6_ready NS ADDR: the address is usable (no DAD pending)
ul6_ready() {
	ip -n "$1" -6 addr show | grep -q "$2/64 scope global" &&
		! ip -n "$1" -6 addr show tentative | grep -q "$2/"
}

# topo6_two_routers: r1 and r2 with an IPv6 underlay and gre6 between them.
# GRE6_OPTS / GRE6_OPTS_R1 / GRE6_OPTS_R2 add tunnel options; set
# TOPO6_LOCAL1=:: for a tunnel on r1 without a local address.
topo6_two_routers() {
	local o1=${GRE6_OPTS_R1-${GRE6_OPTS:-}} o2=${GRE6_OPTS_R2-${GRE6_OPTS:-}}
	local l1=${TOPO6_LOCAL1:-$R1_UL6}
	# shellcheck disable=SC2086 # $o1 and $o2 are lists of options
	{
		ns_create r1 && ns_create r2 &&
			veth_pair r1 eth0 - r2 eth0 - &&
			ip -n r1 addr add "$R1_UL6/64" dev eth0 nodad &&
			ip -n r2 addr add "$R2_UL6/64" dev eth0 nodad &&
			wait_for 5 "r1 underlay address" ul6_ready r1 "$R1_UL6" &&
			wait_for 5 "r2 underlay address" ul6_ready r2 "$R2_UL6" &&
			ip6gre_tunnel r1 gre6 "$l1" "$R2_UL6" "$R1_IN6/30" $o1 &&
			ip6gre_tunnel r2 gre6 "$R2_UL6" "$R1_UL6" "$R2_IN6/30" $o2
	} || {
		echo "# topo6_two_routers: setup failed"
		return 1
	}
}

# static_neigh6: pin the underlay neighbours (see static_neigh).
static_neigh6() {
	local m1 m2
	m1=$(ip netns exec r1 cat /sys/class/net/eth0/address) &&
		m2=$(ip netns exec r2 cat /sys/class/net/eth0/address) &&
		ip -n r1 -6 neigh replace "$R2_UL6" lladdr "$m2" dev eth0 nud permanent &&
		ip -n r2 -6 neigh replace "$R1_UL6" lladdr "$m1" dev eth0 nud permanent
}

# make_stock_reflector6 NS: what stock Linux needs to send IPv6 keepalives
# back: forwarding only (IPv6 has no martian-source or rp_filter check).
make_stock_reflector6() {
	ns_exec "$1" sysctl -qw net.ipv6.conf.all.forwarding=1
}

# ul6_setup: IPv6 underlay addresses on the eth0 pair of topo_two_routers
# (dual stack), usable.
ul6_setup() {
	ip -n r1 addr add "$R1_UL6/64" dev eth0 nodad &&
		ip -n r2 addr add "$R2_UL6/64" dev eth0 nodad &&
		wait_for 5 "r1 underlay address" ul6_ready r1 "$R1_UL6" &&
		wait_for 5 "r2 underlay address" ul6_ready r2 "$R2_UL6"
}
