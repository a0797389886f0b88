# SPDX-License-Identifier: GPL-2.0
#
# Test library for gre_ka's VM tests (bash). A test is a script
# scripts/tests/t-NN-name.sh that sources this file, sets up network
# namespaces, makes assertions with check/check_eq/check_fail and ends with
# test_done. It runs as root inside the test VM (scripts/vm/run.sh), where
# the host's root is shared read-only, so Debian's iproute2, nft, tcpdump,
# python3 + scapy (/usr/bin/python3) are available.
#
#   #!/bin/bash
#   # timeout: 120          (optional, seconds; tripled on the debug kernel)
#   # core: yes             (optional: make check also runs it on Debian's
#                           newer kernels, scripts/vm/kernels.list)
#   . "$(dirname "$0")/lib.sh"
#   topo_two_routers
#   check "module loads" load_module
#   check "ping over the tunnel" ns_exec r1 ping -c1 -W2 "$R2_IN"
#   test_done
#
# Output is TAP-like: "ok N - desc" / "not ok N - desc" plus "# ..."
# diagnostics. There is no "skip": a check that cannot run has failed.
# Do not `set -e` in tests; checks record failures and go on.
#
# Environment (set by scripts/vm/run.sh or by the caller):
#   GRE_KA_KO      the module to insmod (default: the one built for this
#                  kernel under .build/, else ./gre_ka.ko)
#   GRE_KA_KERNEL  6.1, 6.12, debug or a newer one (7.3, ...)
#   GRE_KA_OUT     directory for artefacts (pcaps, logs) kept on the host
#   GRE_OPTS       extra `ip link add ... type gre` options for
#                  topo_two_routers (both ends), e.g. "key 5 csum";
#                  GRE_OPTS_R1 / GRE_OPTS_R2 override it per end.

GRE_KA_REPO=${GRE_KA_REPO:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
GRE_KA_KERNEL=${GRE_KA_KERNEL:-unknown}
if [ -z "${GRE_KA_KO:-}" ]; then
	GRE_KA_KO=$GRE_KA_REPO/.build/$GRE_KA_KERNEL/gre_ka.ko
	[ -f "$GRE_KA_KO" ] || GRE_KA_KO=$GRE_KA_REPO/gre_ka.ko
fi
GRE_KA_OUT=${GRE_KA_OUT:-/tmp}
export GRE_KA_REPO GRE_KA_KERNEL GRE_KA_KO GRE_KA_OUT

# Addresses of the standard topology (documentation/private ranges; they
# exist only inside the test namespaces).
R1_UL=198.51.100.1	# r1 underlay (veth eth0)
R2_UL=198.51.100.2	# r2 underlay
UL_PREFIX=24
R1_IN=10.255.0.1	# r1 gre1 (inner)
R2_IN=10.255.0.2	# r2 gre1
IN_PREFIX=30

_GK_CHECKS=0
_GK_PASSED=0
_GK_FAILED=0
_GK_NETNS=()
_GK_PIDS=()
_GK_MODULE_LOADED=0
_GK_NAME=$(basename "$0" .sh)
_GK_OUTFILE=$(mktemp /tmp/gre_ka-check.XXXXXX)

# --- Output -----------------------------------------------------------------

# diag MESSAGE...: a diagnostic line ("# ...").
diag() {
	local line
	while IFS= read -r line; do
		echo "# $line"
	done <<<"$*"
}

_gk_result() {
	# _gk_result 0|1 DESCRIPTION [OUTPUT]
	_GK_CHECKS=$((_GK_CHECKS + 1))
	if [ "$1" = 0 ]; then
		_GK_PASSED=$((_GK_PASSED + 1))
		echo "ok $_GK_CHECKS - $2"
	else
		_GK_FAILED=$((_GK_FAILED + 1))
		echo "not ok $_GK_CHECKS - $2"
		[ -n "${3:-}" ] && diag "$3"
	fi
	return "$1"
}

# --- Assertions ---------------------------------------------------------------

# _gk_run CMD [ARGS...]: run CMD in this shell (so that functions like
# ns_create and load_module can record what cleanup must undo), output to
# $_GK_OUTFILE; sets _gk_out to the output and returns CMD's status.
_gk_run() {
	local _gk_rc
	"$@" >"$_GK_OUTFILE" 2>&1 </dev/null
	_gk_rc=$?
	_gk_out=$(cat "$_GK_OUTFILE")
	return "$_gk_rc"
}

# check DESCRIPTION CMD [ARGS...]: assert that CMD succeeds. On failure its
# output and exit status are shown. Returns CMD's success.
check() {
	local _gk_desc=$1 _gk_o _gk_rc
	shift
	_gk_run "$@"
	_gk_rc=$?
	_gk_o=$_gk_out
	if [ "$_gk_rc" = 0 ]; then
		_gk_result 0 "$_gk_desc"
	else
		_gk_result 1 "$_gk_desc" "command: $*
exit status: $_gk_rc${_gk_o:+
$_gk_o}"
		return 1
	fi
}

# check_fail DESCRIPTION CMD [ARGS...]: assert that CMD fails.
check_fail() {
	local _gk_desc=$1 _gk_o _gk_rc
	shift
	_gk_run "$@"
	_gk_rc=$?
	_gk_o=$_gk_out
	if [ "$_gk_rc" != 0 ]; then
		_gk_result 0 "$_gk_desc"
	else
		_gk_result 1 "$_gk_desc" "command: $*
succeeded but should have failed${_gk_o:+
$_gk_o}"
		return 1
	fi
}

# check_eq DESCRIPTION EXPECTED ACTUAL: assert that two strings are equal.
check_eq() {
	if [ "$2" = "$3" ]; then
		_gk_result 0 "$1"
	else
		_gk_result 1 "$1" "expected: '$2'
actual:   '$3'"
		return 1
	fi
}

# text_has TEXT ERE: some line of TEXT matches ERE. For use inside check,
# which runs its command with stdin from /dev/null (so a here-string given
# to check would never reach it).
text_has() {
	grep -qE -- "$2" <<<"$1" || {
		echo "no line matching: $2"
		return 1
	}
}

# A pipe that nobody writes to, held open: `read -t` on it is a sleep that
# forks nothing. Under emulation a fork and exec (/bin/true) takes 0.13 s
# of guest CPU on stock 6.12 and 0.36 s on the debug kernel, so a wait_for
# that ran date and sleep every 0.1 s kept a host core busy doing nothing,
# starving the debug kernel's build beside the stock VMs and slowing every
# waiting test on the debug kernel.
exec {_GK_IDLE_FD}<> <(:)

# gk_sleep SECS: sleep SECS (fractions allowed) without starting a process.
gk_sleep() {
	read -r -t "$1" -u "$_GK_IDLE_FD" _ 2>/dev/null
	return 0
}

# wait_for TIMEOUT_SECS DESCRIPTION CMD [ARGS...]: run CMD every 0.1 s until
# it succeeds (returns 0) or TIMEOUT_SECS pass (prints why, returns 1).
# Use it for conditions that become true asynchronously, inside check:
#   check "carrier goes down" wait_for 10 "NO-CARRIER" has_no_carrier r1 gre1
# The clock is bash's own EPOCHREALTIME (digits only: microseconds).
wait_for() {
	local _gk_tmo=$1 _gk_desc=$2 _gk_deadline
	shift 2
	_gk_deadline=$((${EPOCHREALTIME//[!0-9]/} + _gk_tmo * 1000000))
	while :; do
		"$@" >/dev/null 2>&1 && return 0
		[ "${EPOCHREALTIME//[!0-9]/}" -ge "$_gk_deadline" ] && break
		gk_sleep 0.1
	done
	echo "timed out after ${_gk_tmo} s waiting for: $_gk_desc"
	return 1
}

# test_done: print the totals and exit: nonzero if a check failed or none ran.
test_done() {
	echo "# passed $_GK_PASSED failed $_GK_FAILED"
	if [ "$_GK_CHECKS" = 0 ]; then
		echo "# no checks ran"
		exit 1
	fi
	[ "$_GK_FAILED" = 0 ] && exit 0
	exit 1
}

# --- Namespaces and links ---------------------------------------------------

# ns_create NAME: a network namespace with loopback up, deleted at exit.
ns_create() {
	ip netns add "$1" || return 1
	_GK_NETNS+=("$1")
	ip -n "$1" link set lo up
}

# ns_exec NAME CMD [ARGS...]: run CMD in namespace NAME.
ns_exec() {
	local ns=$1
	shift
	ip netns exec "$ns" "$@"
}

# veth_pair NS1 IF1 ADDR1 NS2 IF2 ADDR2: a veth pair between two namespaces,
# both ends up. ADDRs are address/prefix, or "-" for none.
veth_pair() {
	ip link add "$2" netns "$1" type veth peer name "$5" netns "$4" || return 1
	if [ "$3" != - ]; then ip -n "$1" addr add "$3" dev "$2" || return 1; fi
	if [ "$6" != - ]; then ip -n "$4" addr add "$6" dev "$5" || return 1; fi
	ip -n "$1" link set "$2" up && ip -n "$4" link set "$5" up
}

# gre_tunnel NS DEV LOCAL REMOTE INNER_ADDR [OPTS...]: an ip_gre tunnel
# (ttl 255), with INNER_ADDR (address/prefix) on it, up.
gre_tunnel() {
	local ns=$1 dev=$2 local=$3 remote=$4 addr=$5
	shift 5
	# shellcheck disable=SC2068 # options are words on purpose
	ip -n "$ns" link add "$dev" type gre local "$local" remote "$remote" \
		ttl 255 $@ || return 1
	ip -n "$ns" addr add "$addr" dev "$dev" &&
		ip -n "$ns" link set "$dev" up
}

# make_stock_reflector NS [DEV]: sysctls with which a stock Linux router
# reflects GRE keepalives arriving on tunnel DEV (default gre1): forwarding,
# accept_local, rp_filter off.
make_stock_reflector() {
	local ns=$1 dev=${2:-gre1} c
	ns_exec "$ns" sysctl -qw net.ipv4.conf.all.forwarding=1 || return 1
	for c in all default "$dev"; do
		ns_exec "$ns" sysctl -qw "net.ipv4.conf.$c.accept_local=1" \
			"net.ipv4.conf.$c.rp_filter=0" || return 1
	done
}

# topo_two_routers: the standard keepalive topology.
#
#   r1 eth0 198.51.100.1/24 ---veth--- 198.51.100.2/24 eth0 r2
#   r1 gre1 10.255.0.1/30   ===GRE===  10.255.0.2/30   gre1 r2
#
# GRE_OPTS (or GRE_OPTS_R1 / GRE_OPTS_R2) adds tunnel options. r2 is made a
# stock Linux reflector (make_stock_reflector) unless TOPO_STOCK_REFLECTOR=0.
# Returns nonzero (with a message) if the setup fails; waits until a ping
# over the tunnel works only when the module is not involved, so callers
# decide what to assert.
topo_two_routers() {
	local o1=${GRE_OPTS_R1-${GRE_OPTS:-}} o2=${GRE_OPTS_R2-${GRE_OPTS:-}}
	# shellcheck disable=SC2086 # $o1 and $o2 are lists of options
	{
		ns_create r1 && ns_create r2 &&
			veth_pair r1 eth0 "$R1_UL/$UL_PREFIX" r2 eth0 "$R2_UL/$UL_PREFIX" &&
			gre_tunnel r1 gre1 "$R1_UL" "$R2_UL" "$R1_IN/$IN_PREFIX" $o1 &&
			gre_tunnel r2 gre1 "$R2_UL" "$R1_UL" "$R2_IN/$IN_PREFIX" $o2
	} || {
		echo "# topo_two_routers: setup failed"
		return 1
	}
	if [ "${TOPO_STOCK_REFLECTOR:-1}" = 1 ]; then
		make_stock_reflector r2 gre1 || return 1
	fi
}

# has_carrier NS DEV / has_no_carrier NS DEV: the device's carrier state
# (not operstate text, which differs between kernels).
has_carrier() {
	[ "$(ns_exec "$1" cat "/sys/class/net/$2/carrier" 2>/dev/null)" = 1 ]
}
has_no_carrier() {
	[ "$(ns_exec "$1" cat "/sys/class/net/$2/carrier" 2>/dev/null)" = 0 ]
}

# ping_ok NS ADDR: one ping with a 1 s deadline.
ping_ok() {
	ns_exec "$1" ping -q -c1 -W1 "$2" >/dev/null 2>&1
}

# --- The module ---------------------------------------------------------------

# load_module [PARAM=VALUE...]: insmod $GRE_KA_KO.
load_module() {
	[ -f "$GRE_KA_KO" ] || {
		echo "no module at $GRE_KA_KO"
		return 1
	}
	insmod "$GRE_KA_KO" "$@" || return 1
	_GK_MODULE_LOADED=1
}

# unload_module: rmmod gre_ka.
unload_module() {
	rmmod gre_ka || return 1
	_GK_MODULE_LOADED=0
}

module_loaded() {
	[ -d /sys/module/gre_ka ]
}

# --- Other users ------------------------------------------------------------

# world_copy FILE...: copy FILEs into a fresh directory under /tmp that
# every user can read, and print the directory. The checkout may live where
# only root can look (a mode-0700 home or temporary directory): anything a
# test runs as another user, or from inside a user namespace, must come
# from such a copy, never from the checkout itself.
world_copy() {
	local d f
	d=$(mktemp -d /tmp/gre_ka-world.XXXXXX) || return 1
	chmod 0755 "$d" || return 1
	for f in "$@"; do
		install -m 0755 "$f" "$d/" || return 1
	done
	echo "$d"
}

# --- Background processes and cleanup ---------------------------------------

# bg_register PID: kill PID at exit (tcpdump, iperf3, ...).
bg_register() {
	_GK_PIDS+=("$1")
}

# cleanup: runs at exit. Kills registered processes, unloads the module if
# this test loaded it, deletes the test's namespaces.
cleanup() {
	local p ns
	for p in "${_GK_PIDS[@]}"; do
		kill "$p" 2>/dev/null
	done
	for p in "${_GK_PIDS[@]}"; do
		wait "$p" 2>/dev/null
	done
	_GK_PIDS=()
	for ns in "${_GK_NETNS[@]}"; do
		ip netns del "$ns" 2>/dev/null
	done
	_GK_NETNS=()
	rm -rf /tmp/gre_ka-world.*
	if [ "$_GK_MODULE_LOADED" = 1 ] && module_loaded; then
		rmmod gre_ka 2>/dev/null || echo "# cleanup: rmmod gre_ka failed"
	fi
	_GK_MODULE_LOADED=0
	rm -f "$_GK_OUTFILE"
}

trap cleanup EXIT
trap 'echo "# $_GK_NAME: terminated"; exit 143' TERM INT
