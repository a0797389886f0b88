#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# kernels: 6.12
# timeout: 150
#
# systemd-networkd keeps a keepalive tunnel's configuration while the
# keepalive holds its carrier down: Debian's systemd-networkd (252) runs
# in router n1's namespace with examples/systemd-networkd/ (uplink eth0,
# gre1 created from 25-gre1.netdev, 25-gre1.network with
# ConfigureWithoutCarrier=yes); n2 is the peer, configured by hand. When
# a cut takes gre1's carrier down, networkd records the carrier loss
# (its link state file) and gre1 keeps its address; the repair brings the
# carrier back with nothing to redo. A control run without the setting
# shows what it prevents: networkd drops the address on carrier loss.
#
# networkd runs with /sys read-only in its mount namespace (a read-only
# bind remount: the superblock, shared with our own mount of n1's sysfs,
# stays writable), which is how
# it tells that no udev manages the links (no udevd sees this namespace's
# uevents); otherwise it would wait for udev forever.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ka.sh"

EX=$GRE_KA_REPO/examples/systemd-networkd
NETWORKD=/lib/systemd/systemd-networkd
CONF=/run/systemd/network
nd_pid=

setup() {
	ns_create n1 && ns_create n2 &&
		ip link add eth0 netns n1 type veth peer name eth0 netns n2 &&
		ip -n n2 addr add 198.51.100.2/24 dev eth0 && ip -n n2 link set eth0 up &&
		gre_tunnel n2 gre1 198.51.100.2 198.51.100.1 10.255.0.2/30
}

# start_networkd WITH_SETTING: the example files (with or without
# ConfigureWithoutCarrier=yes in 25-gre1.network) and networkd in n1.
start_networkd() {
	[ -x "$NETWORKD" ] || {
		echo "no $NETWORKD (Debian package systemd)"
		return 1
	}
	mkdir -p "$CONF" && cp "$EX"/*.netdev "$EX"/*.network "$CONF/" || return 1
	if [ "$1" = 0 ]; then
		sed -i '/^ConfigureWithoutCarrier=/d;/^IgnoreCarrierLoss=/d' "$CONF/25-gre1.network" ||
			return 1
	fi
	ip netns exec n1 sh -c "mount -o remount,bind,ro /sys && SYSTEMD_LOG_TARGET=console exec $NETWORKD" \
		>>"$GRE_KA_OUT/t-72-networkd.log" 2>&1 &
	nd_pid=$!
	bg_register "$nd_pid"
}

stop_networkd() {
	kill "$nd_pid" && wait "$nd_pid" 2>/dev/null
	rm -rf /run/systemd/netif
	return 0
}

# nd_state KEY VALUE: networkd's state file for n1's gre1 says KEY=VALUE.
nd_state() {
	local idx
	idx=$(ip netns exec n1 cat /sys/class/net/gre1/ifindex 2>/dev/null) &&
		grep -qx "$1=$2" "/run/systemd/netif/links/$idx"
}

has_addr() {
	ip -n n1 -4 addr show dev gre1 | grep -q 'inet 10.255.0.1/30'
}

no_addr() {
	ip -n n1 link show dev gre1 >/dev/null 2>&1 && ! has_addr
}

tunnel_up() {
	has_addr && ka_state_is n1 gre1 up && ka_state_is n2 gre1 up
}

cut() {
	tc -n n1 qdisc replace dev eth0 root netem loss 100%
}

repair() {
	tc -n n1 qdisc del dev eth0 root
}

check "n1, n2 and n2's end of the tunnel" setup
check "module loads" load_module
check "the example's 25-gre1.network sets ConfigureWithoutCarrier=yes" \
	grep -qx 'ConfigureWithoutCarrier=yes' "$EX/25-gre1.network"
check "keepalive on n2" ka_enable n2 gre1 200 3

# --- Control: without the setting networkd drops the address ----------------
check "control: networkd starts without ConfigureWithoutCarrier" start_networkd 0
check "control: networkd created gre1 and configured it" \
	wait_for 60 "10.255.0.1/30 on gre1" has_addr
check "control: keepalive on n1" ka_enable n1 gre1 200 3
check "control: the tunnel is up" wait_for 20 "keepalive up" tunnel_up
check "control: cut" cut
check "control: line protocol down" wait_for 10 "n1 down" ka_state_is n1 gre1 down
check "control: networkd drops gre1's address on carrier loss" \
	wait_for 20 "address gone" no_addr
check "control: repair" repair
check "control: carrier and address come back" wait_for 30 "address back" tunnel_up
check "control: networkd stops" stop_networkd

# --- The recipe ----------------------------------------------------------------
check "networkd starts with the example files" start_networkd 1
check "gre1 configured" wait_for 60 "10.255.0.1/30 on gre1" has_addr
check "networkd considers gre1 configured" wait_for 30 "configured" nd_state ADMIN_STATE configured
check "the tunnel is up" wait_for 20 "keepalive up" tunnel_up
check "ping over the tunnel" ns_exec n1 ping -q -c2 -W2 10.255.0.2
check "cut" cut
check "line protocol down" wait_for 10 "n1 down" ka_state_is n1 gre1 down
check "networkd saw the carrier loss" wait_for 20 "no-carrier" nd_state CARRIER_STATE no-carrier
check "gre1 keeps its address" has_addr
check "networkd keeps gre1 configured" nd_state ADMIN_STATE configured
check "repair" repair
check "line protocol up" wait_for 10 "n1 up" ka_state_is n1 gre1 up
check "networkd saw the carrier back" wait_for 20 "carrier" nd_state CARRIER_STATE carrier
check "ping over the tunnel again" ns_exec n1 ping -q -c2 -W2 10.255.0.2
check "networkd still running" kill -0 "$nd_pid"
stop_networkd
rm -rf "$CONF"
test_done
