#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 300
#
# The gre-ka CLI (tools/gre-ka, run with dash) against real tunnels:
# Cisco-style `keepalive DEV SECONDS RETRIES` reaches sysfs, `show` and
# `show --json` report the tunnel and follow a path cut and repair,
# `no keepalive` disables, and every error exits non-zero with a message
# and changes nothing.
#
# The tunnels live in the netns r1 and r2; the CLI reads and writes them
# through the per-netns sysfs mounts of ka.sh (GRE_KA_SYSFS), and once
# through `ip netns exec`, which mounts the netns's own /sys.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ka.sh"
. "$(dirname "$0")/ka6.sh"

CLI=$GRE_KA_REPO/tools/gre-ka

# gk NS ARGS...: run the CLI on NS's devices.
gk() {
	local ns=$1
	shift
	GRE_KA_SYSFS=$_KA_SYS_ROOT/$ns dash "$CLI" "$@"
}

# conf NS DEV: "period_ms retries enabled" (forkless reads: this runs
# often and forks are slow under emulation)
conf() {
	local d=$_KA_SYS_ROOT/$1/class/net/$2/keepalive p='' r='' e=''
	read -r p <"$d/period_ms"
	read -r r <"$d/retries"
	read -r e <"$d/enabled"
	echo "$p $r $e"
}

# conf2 VAR: VAR="<conf r1 gre1> / <conf r1 gre9>", without a subshell.
conf2() {
	local d=$_KA_SYS_ROOT/r1/class/net a b c x y z
	read -r a <"$d/gre1/keepalive/period_ms"
	read -r b <"$d/gre1/keepalive/retries"
	read -r c <"$d/gre1/keepalive/enabled"
	read -r x <"$d/gre9/keepalive/period_ms"
	read -r y <"$d/gre9/keepalive/retries"
	read -r z <"$d/gre9/keepalive/enabled"
	printf -v "$1" '%s %s %s / %s %s %s' "$a" "$b" "$c" "$x" "$y" "$z"
}

# has_line TEXT REGEX: some line of TEXT matches REGEX (whole line, ERE).
has_line() {
	grep -qxE -- "$2" <<<"$1" || {
		echo "no line matching: $2"
		echo "in:"
		echo "$1"
		return 1
	}
}

# matches TEXT REGEX: TEXT matches REGEX (ERE) somewhere.
matches() {
	[[ $1 =~ $2 ]] || {
		echo "'$1' does not match '$2'"
		return 1
	}
}

# json_ok JSON PYTHON-EXPR: JSON parses (python3 -m json.tool) and
# PYTHON-EXPR, over the array `a`, is true.
json_ok() {
	python3 -m json.tool <<<"$1" >/dev/null || return 1
	python3 -c 'import json, sys; a = json.loads(sys.stdin.read()); sys.exit(0 if ('"$2"') else 1)' <<<"$1" || {
		echo "false: $2"
		echo "$1"
		return 1
	}
}

# cli_error DESC REGEX NS ARGS...: the CLI exits non-zero with a message
# matching REGEX on stderr, and the settings of gre1 and gre9 in r1 stay.
cli_error() {
	local desc=$1 re=$2 ns=$3 before='' after='' err rc
	shift 3
	conf2 before 2>/dev/null
	err=$(gk "$ns" "$@" 2>&1 >/dev/null)
	rc=$?
	conf2 after 2>/dev/null
	check "$desc: exits non-zero" test "$rc" != 0
	check "$desc: says '$re'" matches "$err" "$re"
	[ -n "$err" ] && diag "gre-ka $*: $err"
	check_eq "$desc: changes nothing" "$before" "$after"
}

TOPO_STOCK_REFLECTOR=0 check "two routers with a GRE tunnel" topo_two_routers
check "static neighbours" static_neigh
check "tunnel without a remote (unsupported)" \
	ip -n r1 link add gre9 type gre local "$R1_UL"
check "gre9 up" ip -n r1 link set gre9 up

# Without the module.
check "per-netns sysfs" ka_sys r1
cli_error "show without the module" "module is not loaded" r1 show
cli_error "keepalive without the module" "module is not loaded" r1 keepalive gre1

check "module loads" load_module
check "per-netns sysfs r2" ka_sys r2

# Cisco semantics.
check "keepalive gre1 (Cisco defaults) on r2" gk r2 keepalive gre1
check_eq "r2: 10 s, 3 retries, enabled" "10000 3 1" "$(conf r2 gre1)"
check "keepalive gre1 0.5 2 on r2" gk r2 keepalive gre1 0.5 2
check_eq "r2: 500 ms, 2 retries, enabled" "500 2 1" "$(conf r2 gre1)"
check "keepalive gre1 0.5 2 on r1" gk r1 keepalive gre1 0.5 2
check_eq "r1: 500 ms, 2 retries, enabled" "500 2 1" "$(conf r1 gre1)"
check "replies arrive" wait_for 10 "rx >= 3" ka_stat_ge r1 gre1 rx 3

out=$(gk r1 show)
check_eq "show lists gre1 and gre9, not gre0" "gre1 gre9" \
	"$(sed -n 's/ is .*, line protocol is .*//p' <<<"$out" | paste -sd' ')"
check "show: up" has_line "$out" "gre1 is up, line protocol is up"
check "show: keepalive set" has_line "$out" \
	"  Keepalive set \(0\.5 sec\), retries 2, counter [0-2], up after 1 reply"
check "show: gre9 keepalive not set" has_line "$out" \
	"  Keepalive not set \(configured: 10 sec, retries 3\)"
check "show: RTT measured" has_line "$out" \
	"  RTT min/avg/max [0-9]+\.[0-9]{3}/[0-9]+\.[0-9]{3}/[0-9]+\.[0-9]{3} ms"
check "show: counters" has_line "$out" \
	"  Keepalives [1-9][0-9]* sent, [1-9][0-9]* received, [0-9]+ reflected, 0 invalid, 0 reflect dropped"
check "show: no transitions yet" has_line "$out" "  0 down transitions, 0 up transitions"
check "show: last change" has_line "$out" "  Last line protocol change 00:00:[0-9]{2} ago"
diag "$out"

out=$(ns_exec r1 dash "$CLI" show gre1)
check "show in ip netns exec (plain /sys)" has_line "$out" "gre1 is up, line protocol is up"
check_eq "show DEV shows only DEV" 1 "$(grep -c ', line protocol is ' <<<"$out")"

json=$(gk r1 --json show)
check "--json: parses, fields and types" json_ok "$json" \
	'len(a) == 2 and [t for t in a if t["name"] == "gre1" and t["period_ms"] == 500 and t["retries"] == 2 and t["enabled"] is True and t["state"] == "up" and t["line_protocol"] == "up" and isinstance(t["statistics"]["tx"], int) and t["statistics"]["rx"] >= 3 and t["statistics"]["rtt_max_us"] > 0 and isinstance(t["last_change_ms"], int) and t["up_needed"] == 1 and t["reflect"] is True and t["auth"] is True]'
check "show --json gre9 (option after the command)" json_ok "$(gk r1 show --json gre9)" \
	'len(a) == 1 and a[0]["name"] == "gre9" and a[0]["enabled"] is False and a[0]["state"] == "disabled"'

# The values follow a path cut and its repair.
check "cut the path" path_cut
check "r1 goes down" wait_for 10 "r1 down" ka_state_is r1 gre1 down
out=$(gk r1 show gre1)
check "show after the cut: line protocol down" has_line "$out" "gre1 is up, line protocol is down"
check "show after the cut: 1 down transition" has_line "$out" "  1 down transitions, 0 up transitions"
check "show after the cut: counter >= 2" has_line "$out" \
	"  Keepalive set \(0\.5 sec\), retries 2, counter ([2-9]|[1-9][0-9]+), up after 1 reply"
diag "$out"
check "--json after the cut" json_ok "$(gk r1 --json show gre1)" \
	'a[0]["line_protocol"] == "down" and a[0]["carrier"] is False and a[0]["statistics"]["down_transitions"] == 1'
check "repair the path" path_repair
check "r1 comes back up" wait_for 10 "r1 up" ka_state_is r1 gre1 up
out=$(gk r1 show gre1)
check "show after the repair: line protocol up" has_line "$out" "gre1 is up, line protocol is up"
check "show after the repair: 1 up transition" has_line "$out" "  1 down transitions, 1 up transitions"

# Errors: a message, a non-zero exit, nothing changed.
cli_error "no such device" "no such device: nodev" r1 keepalive nodev 1
cli_error "not a tunnel" "eth0: no keepalive support" r1 keepalive eth0 1
cli_error "path in the name" "no such device" r1 keepalive ../gre1 1
cli_error "bad period" "bad period 'abc'" r1 keepalive gre1 abc
cli_error "period below 10 ms" "out of range" r1 keepalive gre1 0.009
cli_error "period above 32767 s" "out of range" r1 keepalive gre1 32768
cli_error "period finer than 1 ms" "resolution is 1 ms" r1 keepalive gre1 0.0015
cli_error "retries 0" "retries 0 is out of range 1..255" r1 keepalive gre1 1 0
cli_error "retries 256" "out of range" r1 keepalive gre1 1 256
cli_error "bad retries" "bad retries" r1 keepalive gre1 1 x
cli_error "too many arguments" "too many arguments" r1 keepalive gre1 1 2 3
cli_error "no device" "which device" r1 keepalive
cli_error "kernel refuses (no remote)" "gre9: .*not supported" r1 keepalive gre9 2 5
cli_error "show of a missing device" "no such device" r1 show nodev
cli_error "unknown command" "unknown command" r1 keepalives gre1
cli_error "no keepalive without a device" "usage" r1 no keepalive
check_fail "not root (setpriv)" setpriv --reuid=65534 --regid=65534 --clear-groups \
	env GRE_KA_SYSFS="$_KA_SYS_ROOT/r1" dash "$CLI" keepalive gre1 1 1
err=$(setpriv --reuid=65534 --regid=65534 --clear-groups \
	env GRE_KA_SYSFS="$_KA_SYS_ROOT/r1" dash "$CLI" keepalive gre1 1 1 2>&1 </dev/null)
check "not root: says permission denied" matches "$err" "permission denied"
check_eq "not root: nothing changed" "500 2 1" "$(conf r1 gre1)"

check "no keepalive gre1" gk r1 no keepalive gre1
check_eq "disabled" "500 2 0" "$(conf r1 gre1)"
check "show: keepalive not set" has_line "$(gk r1 show gre1)" \
	"  Keepalive not set \(configured: 0\.5 sec, retries 2\)"
check "help" sh -c "dash '$CLI' help | grep -q 'keepalive DEV'"

# ip6gre: the same ABI, so the same commands.
check "IPv6 underlay on r1" ip -n r1 addr add "$R1_UL6/64" dev eth0 nodad
check "IPv6 underlay on r2" ip -n r2 addr add "$R2_UL6/64" dev eth0 nodad
check "r1 IPv6 address usable" wait_for 5 "r1 underlay address" ul6_ready r1 "$R1_UL6"
check "r2 IPv6 address usable" wait_for 5 "r2 underlay address" ul6_ready r2 "$R2_UL6"
check "ip6gre tunnel on r1" ip6gre_tunnel r1 gre6 "$R1_UL6" "$R2_UL6" "$R1_IN6/30"
check "ip6gre tunnel on r2" ip6gre_tunnel r2 gre6 "$R2_UL6" "$R1_UL6" "$R2_IN6/30"
check "keepalive gre6 0.5 2 on r1" gk r1 keepalive gre6 0.5 2
check "keepalive gre6 0.5 2 on r2" gk r2 keepalive gre6 0.5 2
check_eq "r1 gre6: 500 ms, 2 retries, enabled" "500 2 1" "$(conf r1 gre6)"
check "gre6 replies arrive" wait_for 10 "rx >= 2" ka_stat_ge r1 gre6 rx 2
out=$(gk r1 show)
check "show: gre6 up" has_line "$out" "gre6 is up, line protocol is up"
check "show: gre6 keepalive set" has_line "$out" \
	"  Keepalive set \(0\.5 sec\), retries 2, counter [0-2], up after 1 reply"
check "--json lists gre6, not the fallback ip6gre0" json_ok "$(gk r1 --json show)" \
	'[t["name"] for t in a] == ["gre1", "gre6", "gre9"] and a[1]["period_ms"] == 500 and a[1]["statistics"]["rx"] >= 2'

test_done
