#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# kernels: 6.1 6.12 (the debug kernel runs a subset: README, "Tests on the debug kernel")
# timeout: 300
#
# The gre-ka command (tools/gre-ka.c, over the gre_ka netlink family)
# against real tunnels: Cisco-style `keepalive DEV SECONDS RETRIES`,
# `passive`, `set` and `no ...` reach the kernel (read back through
# sysfs); `show` and `show --json` report the tunnel and follow a path cut
# and repair; `monitor` prints the cut and the repair as they happen;
# every error exits non-zero with a message and changes nothing.
#
# The tunnels live in the netns r1 and r2; the command reaches them with
# -n NS (setns), once through `ip netns exec`, and as another user from a
# world-readable copy (the checkout may sit in a private directory).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ka.sh"
. "$(dirname "$0")/ka6.sh"
. "$(dirname "$0")/gk.sh"

NOBODY=(setpriv --reuid=65534 --regid=65534 --clear-groups)

# conf2 VAR: VAR="<ka_conf r1 gre1> / <ka_conf r1 gre9>", no subshell.
conf2() {
	local a b
	a=$(ka_conf r1 gre1) b=$(ka_conf r1 gre9)
	printf -v "$1" '%s / %s' "$a" "$b"
}

# matches TEXT ERE: TEXT matches ERE somewhere.
matches() {
	[[ $1 =~ $2 ]] || {
		echo "'$1' does not match '$2'"
		return 1
	}
}

# cli_error DESC ERE NS ARGS...: the command exits non-zero with a
# message matching ERE on stderr, and the settings of gre1 and gre9 in r1
# stay as they were.
cli_error() {
	local desc=$1 re=$2 ns=$3 before='' after='' err rc
	shift 3
	conf2 before
	err=$(gk "$ns" "$@" 2>&1 >/dev/null </dev/null)
	rc=$?
	conf2 after
	check "$desc: exits non-zero" test "$rc" != 0
	check "$desc: says '$re'" matches "$err" "$re"
	[ -n "$err" ] && diag "gre-ka $*: $err"
	check_eq "$desc: changes nothing" "$before" "$after"
}

check "the gre-ka command is built" gk_built
TOPO_STOCK_REFLECTOR=0 check "two routers with a GRE tunnel" topo_two_routers
check "static neighbours" static_neigh
check "tunnel with input sequencing (unsupported)" \
	ip -n r1 link add gre9 type gre local "$R1_UL" remote 198.51.100.9 iseq
check "gre9 up" ip -n r1 link set gre9 up

# Without the module.
err=$(gk r1 show 2>&1 </dev/null)
rc=$?
check "show without the module fails" test "$rc" != 0
check "show without the module: says so" matches "$err" "the gre_ka module is not loaded"
err=$(gk r1 keepalive gre1 2>&1 </dev/null)
check "keepalive without the module: says so" matches "$err" "the gre_ka module is not loaded"

check "module loads" load_module
check "per-netns sysfs r1" ka_sys r1
check "per-netns sysfs r2" ka_sys r2

# Cisco semantics: one SET message each.
check "keepalive gre1 (Cisco defaults) on r2" gk r2 keepalive gre1
check_eq "r2: enabled, 10 s, 3 retries" "1 10000 3 1 1 1 0" "$(ka_conf r2 gre1)"
check "keepalive gre1 0.5 2 on r2" gk r2 keepalive gre1 0.5 2
check_eq "r2: 500 ms, 2 retries" "1 500 2 1 1 1 0" "$(ka_conf r2 gre1)"
check "keepalive gre1 00.50 002 on r1 (leading zeros)" gk r1 keepalive gre1 00.50 002
check_eq "r1: 500 ms, 2 retries" "1 500 2 1 1 1 0" "$(ka_conf r1 gre1)"
check "replies arrive" wait_for 10 "rx >= 3" ka_stat_ge r1 gre1 rx 3

out=$(gk r1 show </dev/null)
check_eq "show lists gre1 and gre9 (ifindex order), not gre0" "gre1 gre9" \
	"$(sed -n 's/ is .*, line protocol is .*//p' <<<"$out" | paste -sd' ')"
check "show: up" text_has "$out" "^gre1 is up, line protocol is up$"
check "show: keepalive set" text_has "$out" \
	"^  Keepalive set \(0\.5 sec\), retries 2, counter [0-2], up after 1 reply$"
check "show: gre9 keepalive not set" text_has "$out" \
	"^  Keepalive not set \(configured: 10 sec, retries 3\)$"
check "show: gre9 unsupported, and why" text_has "$out" \
	"^  Keepalive not supported on this tunnel: input sequencing \(iseq\) would drop the replies$"
check "show: settings" text_has "$out" "^  Reflection on, authentication on, up_count 1$"
check "show: RTT measured" text_has "$out" \
	"^  RTT min/avg/max [0-9]+\.[0-9]{3}/[0-9]+\.[0-9]{3}/[0-9]+\.[0-9]{3} ms$"
check "show: counters" text_has "$out" \
	"^  Keepalives [1-9][0-9]* sent, [1-9][0-9]* received, [0-9]+ reflected, 0 invalid, 0 reflect dropped$"
check "show: no transitions yet" text_has "$out" "^  0 down transitions, 0 up transitions$"
check "show: last change and its cause" text_has "$out" \
	"^  Last line protocol change 00:00:[0-9]{2} ago, cause start$"
check "show: passive off, peer keepalives counted" text_has "$out" \
	"^  Passive off, peer period ([0-9.]+ sec|not learned), [1-9][0-9]* peer keepalives received$"
check "show: no refusals, no Refused line" test "$(grep -c '^  Refused:' <<<"$out")" = 0
diag "$out"

out=$(ns_exec r1 "$GK" show gre1 </dev/null)
check "show in ip netns exec (no -n)" text_has "$out" "^gre1 is up, line protocol is up$"
check_eq "show DEV shows only DEV" 1 "$(grep -c ', line protocol is ' <<<"$out")"
check "an administratively down tunnel" ip -n r1 link set gre9 down
check "show: administratively down" text_has "$(gk r1 show gre9 </dev/null)" \
	"^gre9 is administratively down, line protocol is down$"
check "gre9 up again" ip -n r1 link set gre9 up

# A point-to-point tunnel's refusals are the 20 it always had: the three
# of multipoint peers (reply_not_peer, request_not_peer, request_peer_limit)
# only in a multipoint tunnel's output, so this output stays as it was.
json=$(gk r1 --json show </dev/null)
check "--json: parses, fields and types" json_ok "$json" \
	'len(a) == 2 and [t for t in a if t["name"] == "gre1" and t["period_ms"] == 500 and t["retries"] == 2 and t["enabled"] is True and t["state"] == "up" and t["line_protocol"] == "up" and t["admin_up"] is True and t["carrier"] is True and isinstance(t["statistics"]["tx"], int) and t["statistics"]["rx"] >= 3 and t["statistics"]["rtt_max_us"] > 0 and isinstance(t["last_change_ms"], int) and t["up_needed"] == 1 and t["reflect"] is True and t["auth"] is True and t["passive"] is False and t["cause"] == "start" and t["kind"] == "gre" and t["unsupported"] is None and t["statistics"]["rx_requests"] > 0 and len(t["refused"]) == 20 and set(t["refused"].values()) == {0}]'
check "show --json gre9 (option after the command)" json_ok "$(gk r1 show --json gre9 </dev/null)" \
	'len(a) == 1 and a[0]["name"] == "gre9" and a[0]["enabled"] is False and a[0]["state"] == "disabled" and a[0]["unsupported"] == "input sequencing (iseq) would drop the replies"'
check "--json gre1 gre9: in the order asked" json_ok "$(gk r1 -j show gre9 gre1 </dev/null)" \
	'[t["name"] for t in a] == ["gre9", "gre1"]'

# passive: the line protocol also follows the peer's keepalives.
check "passive gre1" gk r1 passive gre1
check_eq "passive set, the rest kept" "1 500 2 1 1 1 1" "$(ka_conf r1 gre1)"
check "peer period learned (0.5 s)" wait_for 10 "peer_period_ms" \
	sh -c "'$GK' -n r1 -j show gre1 | grep -q '\"peer_period_ms\": [1-9]'"
out=$(gk r1 show gre1 </dev/null)
check "show: passive on, peer period" text_has "$out" \
	"^  Passive on, peer period 0\.(4[5-9][0-9]?|5[0-4]?[0-9]?|5) sec, [1-9][0-9]* peer keepalives received$"
diag "$out"
check "--json: passive, peer_period_ms" json_ok "$(gk r1 -j show gre1 </dev/null)" \
	'a[0]["passive"] is True and 450 <= a[0]["peer_period_ms"] <= 550'
check "no passive gre1" gk r1 no passive gre1
check_eq "passive cleared" "1 500 2 1 1 1 0" "$(ka_conf r1 gre1)"

# set: several settings in one message.
check "set gre1 up_count 2 reflect 0 auth off" gk r1 set gre1 up_count 2 reflect 0 auth off
check_eq "set took all three" "1 500 2 2 0 0 0" "$(ka_conf r1 gre1)"
check "show: the new settings" text_has "$(gk r1 show gre1 </dev/null)" \
	"^  Reflection off, authentication off, up_count 2$"
check "set them back" gk r1 set gre1 up_count 1 reflect on auth 1
check_eq "set back" "1 500 2 1 1 1 0" "$(ka_conf r1 gre1)"
check "replies still arrive" wait_for 10 "line up" ka_state_is r1 gre1 up

# monitor, text and JSON, through the cut and the repair.
mon=$GRE_KA_OUT/t-40-monitor.txt
monj=$GRE_KA_OUT/t-40-monitor.json
gk r1 monitor >"$mon" 2>&1 </dev/null &
bg_register $!
gk r1 --json monitor >"$monj" 2>&1 </dev/null &
bg_register $!
# Listening once a settings event (sent on every SET) reaches both.
monitors_listen() {
	gk r1 set gre1 reflect 1 && file_has "$mon" "settings:" &&
		file_has "$monj" '"event": "conf"'
}
check "both monitors listen" wait_for 10 "a settings event" monitors_listen
: >"$GRE_KA_OUT/t-40-mark"

check "cut the path" path_cut
check "r1 goes down" wait_for 10 "r1 down" ka_state_is r1 gre1 down
check "monitor: the down event, as it happens (flushed)" wait_for 10 "down line" \
	file_has "$mon" "^\[[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}\] gre1: line protocol down, cause unanswered, counter [0-9]+$"
out=$(gk r1 show gre1 </dev/null)
check "show after the cut: line protocol down" text_has "$out" "^gre1 is up, line protocol is down$"
check "show after the cut: 1 down transition" text_has "$out" "^  1 down transitions, 0 up transitions$"
check "show after the cut: counter >= 2" text_has "$out" \
	"^  Keepalive set \(0\.5 sec\), retries 2, counter ([2-9]|[1-9][0-9]+), up after 1 reply$"
check "show after the cut: cause unanswered" text_has "$out" \
	"^  Last line protocol change 00:00:[0-9]{2} ago, cause unanswered$"
diag "$out"
check "--json after the cut" json_ok "$(gk r1 --json show gre1 </dev/null)" \
	'a[0]["line_protocol"] == "down" and a[0]["carrier"] is False and a[0]["statistics"]["down_transitions"] == 1 and a[0]["cause"] == "unanswered"'
check "repair the path" path_repair
check "r1 comes back up" wait_for 10 "r1 up" ka_state_is r1 gre1 up
check "monitor: the up event" wait_for 10 "up line" \
	file_has "$mon" "^\[[^]]+\] gre1: line protocol up, cause reply, counter 0$"
out=$(gk r1 show gre1 </dev/null)
check "show after the repair: line protocol up" text_has "$out" "^gre1 is up, line protocol is up$"
check "show after the repair: 1 up transition" text_has "$out" "^  1 down transitions, 1 up transitions$"
check "monitor: down, then up, nothing else about the line" test \
	"$(sed -n 's/^\[[^]]*\] gre1: line protocol \([a-z]*\), cause \([a-z]*\).*/\1 \2/p' "$mon" | paste -sd,)" = \
	"down unanswered,up reply"
check "monitor --json: an object a line, down then up" json_lines_ok "$monj" \
	'[(e["state"], e["cause"]) for e in ev if e["event"] == "state"] == [("down", "unanswered"), ("up", "reply")] and all(e["name"] == "gre1" and "time" in e for e in ev) and [e for e in ev if e["event"] == "conf"][0]["period_ms"] == 500'
diag "$(cat "$mon")"

# Errors: a message, a non-zero exit, nothing changed.
cli_error "no such device" "no such device: nodev" r1 keepalive nodev 1
cli_error "not a tunnel" "eth0: no keepalive support: not a tunnel gre_ka handles" r1 keepalive eth0 1
cli_error "path in the name" "no such device" r1 keepalive ../gre1 1
cli_error "name too long" "no such device" r1 keepalive gre1234567890123 1
cli_error "bad period" "bad period 'abc'" r1 keepalive gre1 abc
cli_error "period below 10 ms" "out of range 0.01..32767" r1 keepalive gre1 0.009
cli_error "period above 32767 s" "out of range" r1 keepalive gre1 32768
cli_error "period finer than 1 ms" "resolution is 1 ms" r1 keepalive gre1 0.0015
cli_error "retries 0" "retries 0 is out of range 1..255" r1 keepalive gre1 1 0
cli_error "retries 256" "out of range" r1 keepalive gre1 1 256
cli_error "bad retries" "bad retries" r1 keepalive gre1 1 x
cli_error "too many arguments" "too many arguments" r1 keepalive gre1 1 2 3
cli_error "no device" "which device" r1 keepalive
cli_error "kernel refuses (iseq)" \
	"gre9: keepalive is not supported on this tunnel: input sequencing \(iseq\) would drop the replies \(kernel: keepalive unsupported on this tunnel, see dmesg\)" \
	r1 keepalive gre9 2 5
cli_error "passive refused too (iseq)" "gre9: keepalive is not supported" r1 passive gre9
cli_error "show of a missing device" "no such device: nodev" r1 show nodev
cli_error "show of a non-tunnel" "eth0: no keepalive support" r1 show eth0
cli_error "unknown command" "unknown command 'keepalives'" r1 keepalives gre1
cli_error "no keepalive without a device" "usage" r1 no keepalive
cli_error "set: unknown key" "unknown setting 'period'" r1 set gre1 period 500
cli_error "set: bad value" "bad value 'x' for retries" r1 set gre1 retries x
cli_error "set: given twice" "retries given twice" r1 set gre1 retries 2 retries 3
cli_error "set: odd arguments" "usage" r1 set gre1 retries
cli_error "set: out of range (the kernel's message)" \
	"gre1: setting keepalive failed: retries: integer out of range \(valid: 1\.\.255\)" \
	r1 set gre1 period_ms 700 retries 0
cli_error "set: wider than the attribute" "enabled 256 is out of range" r1 set gre1 enabled 256
cli_error "unknown option" "unknown option '--yaml'" r1 --yaml show

# Another user: may look, may not change or listen.
CLI_WORLD=$(world_copy "$GK")/gre-ka
check "a copy of the command other users can run" test -x "$CLI_WORLD"
err=$(ns_exec r1 "${NOBODY[@]}" "$CLI_WORLD" keepalive gre1 1 1 2>&1 </dev/null)
rc=$?
check "not root: keepalive fails" test "$rc" != 0
check "not root: says permission denied" matches "$err" "gre1: permission denied"
check_eq "not root: nothing changed" "1 500 2 1 1 1 0" "$(ka_conf r1 gre1)"
check "not root: show works" text_has \
	"$(ns_exec r1 "${NOBODY[@]}" "$CLI_WORLD" show gre1 2>&1 </dev/null)" \
	"^gre1 is up, line protocol is up$"
err=$(ns_exec r1 "${NOBODY[@]}" timeout 10 "$CLI_WORLD" monitor 2>&1 </dev/null)
check "not root: monitor refused" matches "$err" "monitor: permission denied"

check "no keepalive gre1" gk r1 no keepalive gre1
check_eq "disabled" "0 500 2 1 1 1 0" "$(ka_conf r1 gre1)"
check "show: keepalive not set" text_has "$(gk r1 show gre1 </dev/null)" \
	"^  Keepalive not set \(configured: 0\.5 sec, retries 2\)$"
check "help" text_has "$("$GK" help)" "keepalive DEV \[SECONDS \[RETRIES\]\]"

# ip6gre: the same family, so the same commands.
check "IPv6 underlay on r1" ip -n r1 addr add "$R1_UL6/64" dev eth0 nodad
check "IPv6 underlay on r2" ip -n r2 addr add "$R2_UL6/64" dev eth0 nodad
check "r1 IPv6 address usable" wait_for 5 "r1 underlay address" ul6_ready r1 "$R1_UL6"
check "r2 IPv6 address usable" wait_for 5 "r2 underlay address" ul6_ready r2 "$R2_UL6"
check "ip6gre tunnel on r1" ip6gre_tunnel r1 gre6 "$R1_UL6" "$R2_UL6" "$R1_IN6/30"
check "ip6gre tunnel on r2" ip6gre_tunnel r2 gre6 "$R2_UL6" "$R1_UL6" "$R2_IN6/30"
check "keepalive gre6 0.5 2 on r1" gk r1 keepalive gre6 0.5 2
check "keepalive gre6 0.5 2 on r2" gk r2 keepalive gre6 0.5 2
check_eq "r1 gre6: enabled, 500 ms, 2 retries" "1 500 2 1 1 1 0" "$(ka_conf r1 gre6)"
check "gre6 replies arrive" wait_for 10 "rx >= 2" ka_stat_ge r1 gre6 rx 2
out=$(gk r1 show </dev/null)
check "show: gre6 up" text_has "$out" "^gre6 is up, line protocol is up$"
check "show: gre6 keepalive set" text_has "$out" \
	"^  Keepalive set \(0\.5 sec\), retries 2, counter [0-2], up after 1 reply$"
check "--json lists gre6 (kind ip6gre), not the fallback ip6gre0" json_ok "$(gk r1 --json show </dev/null)" \
	'[t["name"] for t in a] == ["gre1", "gre9", "gre6"] and a[2]["kind"] == "ip6gre" and a[2]["period_ms"] == 500 and a[2]["statistics"]["rx"] >= 2'

test_done
