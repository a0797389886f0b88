#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 900
# core: yes
#
# The gre_ka generic netlink family itself:
# - the kernel's own YNL tool (tools/net/ynl/cli.py of the debug kernel's
#   tree) drives it from Documentation/netlink/specs/gre_ka.yaml: GET by
#   name and by ifindex, a dump, a SET, the events group, the errors; what
#   YNL decodes with the spec equals what gre-ka decodes with
#   include/uapi/gre_ka.h, attribute for attribute, so spec, header and
#   kernel agree;
# - (not on the debug kernel: YNL there is too slow to start, see below)
# - a dump of many tunnels (10,000; 100 on the debug kernel) is complete
#   and consistent with the links and with GETs of single tunnels, and
#   holds only the caller's namespace;
# - SET refuses every bad value with the policy's extack message and the
#   valid range, and a refused SET changes nothing, not even the values
#   it carried that were valid;
# - the events come in order for a path cut (down, cause unanswered) and
#   its repair (up, cause reply), each with the counters of its moment;
# - uid 65534 may GET but gets EPERM for SET and for the events; the root
#   of a user namespace may SET its own namespace's tunnels and listen;
# - a monitor ends, saying so, when the module is unloaded;
# - with sysfs=0 there is no keepalive/ directory and netlink alone runs
#   the keepalive: the line goes up, and down when the peer stops.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ka.sh"
. "$(dirname "$0")/gk.sh"

NOBODY=(setpriv --reuid=65534 --regid=65534 --clear-groups)
SPEC=$GRE_KA_REPO/Documentation/netlink/specs/gre_ka.yaml
# A hub's 10,000 (make bench's cli section times it), 100 on debug.
N=10000
[ "$GRE_KA_KERNEL" = debug ] && N=100

# ynl_cli: the YNL command-line tool of the debug kernel's tree: the
# host's (scripts/vm/run.sh passes its path), else looked for under the
# home of the checkout's owner, then root's (the guest's HOME is not the
# host's).
ynl_cli() {
	local home tree
	if [ -f "${GRE_KA_DEBUG_TREE:-/nonexistent}/tools/net/ynl/cli.py" ]; then
		echo "$GRE_KA_DEBUG_TREE/tools/net/ynl/cli.py"
		return 0
	fi
	for home in "$(getent passwd "$(stat -c %u "$GRE_KA_REPO")" | cut -d: -f6)" /root; do
		[ -n "$home" ] || continue
		tree=$(GRE_KA_CACHE=$home/.cache/gre_ka bash -c \
			'. "$GRE_KA_REPO/scripts/vm/common.sh" && debug_kernel_tree')
		if [ -f "$tree/tools/net/ynl/cli.py" ]; then
			echo "$tree/tools/net/ynl/cli.py"
			return 0
		fi
	done
	echo "no debug kernel tree with tools/net/ynl (make debug-kernel)" >&2
	return 1
}

# ynl NS ARGS...: YNL on the gre_ka family, in netns NS.
ynl() {
	local ns=$1
	shift
	nsenter --net="/run/netns/$ns" python3 "$YNL" --spec "$SPEC" --no-schema "$@"
}

# ynl_fails DESC ERE NS ARGS...: YNL exits non-zero, printing ERE.
ynl_fails() {
	local desc=$1 re=$2 ns=$3 out rc
	shift 3
	out=$(ynl "$ns" "$@" 2>&1 </dev/null)
	rc=$?
	check "$desc: refused" test "$rc" != 0
	check "$desc: says '$re'" text_has "$out" "$re"
	diag "$out"
}

# settings NS DEV: the settings gre-ka shows, as JSON.
settings() {
	gk "$1" -j show "$2" </dev/null | python3 -c '
import json, sys
t = json.load(sys.stdin)[0]
print(json.dumps({k: t[k] for k in ("enabled", "period_ms", "retries", "up_count", "reflect", "auth", "passive")}))'
}

# set_refused DESC ERE ARGS...: `gre-ka set gre1 ARGS...` in r1 fails,
# says ERE, and changes nothing (settings seen by netlink and sysfs).
set_refused() {
	local desc=$1 re=$2 b1 b2 a1 a2 err rc
	shift 2
	b1=$(settings r1 gre1) b2=$(ka_conf r1 gre1)
	err=$(gk r1 set gre1 "$@" 2>&1 </dev/null)
	rc=$?
	a1=$(settings r1 gre1) a2=$(ka_conf r1 gre1)
	check "$desc: refused" test "$rc" != 0
	check "$desc: says '$re'" text_has "$err" "$re"
	check_eq "$desc: nothing changed (netlink)" "$b1" "$a1"
	check_eq "$desc: nothing changed (sysfs)" "$b2" "$a2"
}

check "the gre-ka command is built" gk_built
if [ "$GRE_KA_KERNEL" != debug ]; then
	YNL=$(ynl_cli)
	check "YNL found (debug kernel tree)" test -f "$YNL"
	diag "YNL: $YNL"
fi
TOPO_STOCK_REFLECTOR=0 check "two routers with a GRE tunnel" topo_two_routers
check "static neighbours" static_neigh
check "tunnel with input sequencing (unsupported)" \
	ip -n r1 link add gre9 type gre local "$R1_UL" remote 198.51.100.9 iseq
check "module loads" load_module
check "per-netns sysfs r1" ka_sys r1

# On the debug kernel YNL is left out (python and the YAML spec take
# minutes to load there): it checks the spec and the uapi header against
# each other, user space only; gre-ka drives the same kernel paths below.
if [ "$GRE_KA_KERNEL" != debug ]; then
	# --- YNL from the spec ------------------------------------------------------
	idx=$(ip netns exec r1 cat /sys/class/net/gre1/ifindex)
	eth=$(ip netns exec r1 cat /sys/class/net/eth0/ifindex)
	out=$(ynl r1 --output-json --do get --json '{"ifname": "gre1"}' 2>&1 </dev/null)
	check "YNL: GET by ifname" json_ok "$out" \
		'a["ifname"] == "gre1" and a["ifindex"] == '"$idx"' and a["kind"] == "gre" and a["state"] == "disabled" and a["cause"] == "none" and a["period-ms"] == 10000 and set(a["rtt"]) == {"last", "min", "avg", "max"} and len(a["stats"]) == 9 and len(a["refused"]) == 23'
	diag "$out"
	# The same tunnel through gre-ka, which decodes with the uapi header:
	# every attribute must agree (values, enum names, the refused nest's
	# reason numbering), before keepalive makes the counters move.
	tool=$(gk r1 -j show gre1 </dev/null)
	check "YNL (spec) and gre-ka (uapi header) decode the same" python3 -c '
import json, sys
y = json.loads(sys.argv[1])
t = json.loads(sys.argv[2])[0]
bad = []
def same(k, a, b):
	if a != b:
		bad.append(f"{k}: spec {a!r} header {b!r}")
for k in ("ifindex", "ifname", "kind", "period-ms", "retries", "up-count", "counter",
	  "up-needed", "peer-period-ms", "state", "cause"):
	same(k, y[k], t["name" if k == "ifname" else k.replace("-", "_")])
for k in ("enabled", "reflect", "auth", "passive", "carrier", "admin-up"):
	same(k, bool(y[k]), t[k.replace("-", "_")])
for k, v in y["stats"].items():
	same("stats " + k, v, t["statistics"][k.replace("-", "_")])
for k, v in y["rtt"].items():
	same("rtt " + k, v, t["statistics"]["rtt_" + k + "_us"])
# The kernel sends every reason; gre-ka shows a point-to-point tunnel
# the 20 it always had (the multipoint ones only for a multipoint tunnel).
mp = {"reply-not-peer", "request-not-peer", "request-peer-limit"}
same("multipoint reasons in the spec", sorted(mp & set(y["refused"])), sorted(mp))
same("refused names", sorted(k.replace("-", "_") for k in y["refused"] if k not in mp), sorted(t["refused"]))
same("unsupported", y.get("unsupported"), t["unsupported"])
sys.exit("\n".join(bad) or None)
	' "$out" "$tool"
	check "YNL: GET by ifindex" json_ok \
		"$(ynl r1 --output-json --do get --json "{\"ifindex\": $idx}" 2>&1 </dev/null)" \
		'a["ifname"] == "gre1" and a["ifindex"] == '"$idx"
	check "YNL: GET of gre9 says why unsupported" json_ok \
		"$(ynl r1 --output-json --do get --json '{"ifname": "gre9"}' 2>&1 </dev/null)" \
		'a["unsupported"] == "input sequencing (iseq) would drop the replies"'
	ynl_fails "YNL: GET without a device" "ifindex or ifname required" r1 --do get --json '{}'
	ynl_fails "YNL: GET of a missing ifindex" "no such device" r1 --do get --json '{"ifindex": 99999}'
	ynl_fails "YNL: GET of a non-tunnel" "not an ip_gre or ip6gre tunnel" \
		r1 --do get --json "{\"ifindex\": $eth}"
	out=$(ynl r1 --output-json --dump get 2>&1 </dev/null)
	check "YNL: the dump holds r1's tunnels, the fallback devices included" json_ok "$out" \
		'sorted(t["ifname"] for t in a if t["ifname"] not in ("gre0", "ip6gre0")) == ["gre1", "gre9"] and "gre0" in [t["ifname"] for t in a]'
	check "YNL: SET two values" ynl r1 --do set --json '{"ifname": "gre1", "period-ms": 700, "retries": 4}'
	check_eq "YNL: SET took both (sysfs)" "0 700 4 1 1 1 0" "$(ka_conf r1 gre1)"
	ynl_fails "YNL: SET of nothing" "nothing to set" r1 --do set --json '{"ifname": "gre1"}'
	ynl_fails "YNL: SET out of range (policy)" "integer out of range" \
		r1 --do set --json '{"ifname": "gre1", "retries": 0}'
	check_eq "YNL: refused SETs changed nothing" "0 700 4 1 1 1 0" "$(ka_conf r1 gre1)"

	# YNL subscribed to the events: its start takes a while under emulation,
	# so SETs go on until it has slept its time and printed what it got.
	ysleep=10
	[ "$GRE_KA_KERNEL" = debug ] && ysleep=30
	ynl r1 --output-json --subscribe events --sleep "$ysleep" >"$GRE_KA_OUT/t-41-ynl-ntf.json" 2>&1 </dev/null &
	ypid=$!
	bg_register $ypid
	deadline=$((SECONDS + ysleep + 60))
	while kill -0 "$ypid" 2>/dev/null && [ $SECONDS -lt $deadline ]; do
		gk r1 set gre1 up_count 1 >/dev/null 2>&1 </dev/null
		sleep 0.5
	done
	wait "$ypid"
	check "YNL: notifications decoded as conf-ntf of gre1" json_ok \
		"$(cat "$GRE_KA_OUT/t-41-ynl-ntf.json")" \
		'any(m["name"] == "conf-ntf" and m["msg"]["ifname"] == "gre1" and m["msg"]["period-ms"] == 700 for m in a)'
	check "gre1 back to 0.5 s x 2" gk r1 set gre1 period_ms 500 retries 2
fi

# --- SET: every bad value, nothing changed ---------------------------------
set_refused "period_ms 9" "period_ms: integer out of range \(valid: 10\.\.32767000\)" period_ms 9
set_refused "period_ms 32767001" "period_ms: integer out of range \(valid: 10\.\.32767000\)" period_ms 32767001
set_refused "retries 0" "retries: integer out of range \(valid: 1\.\.255\)" retries 0
set_refused "retries 256" "retries: integer out of range \(valid: 1\.\.255\)" retries 256
set_refused "up_count 0" "up_count: integer out of range \(valid: 1\.\.255\)" up_count 0
set_refused "up_count 256" "up_count: integer out of range \(valid: 1\.\.255\)" up_count 256
for k in enabled reflect auth passive; do
	set_refused "$k 2" "$k: integer out of range \(valid: 0\.\.1\)" "$k" 2
done
set_refused "a good value with a bad one" "retries: integer out of range" \
	period_ms 800 up_count 3 retries 0
err=$(gk r1 set gre9 enabled 1 2>&1 </dev/null)
check "unsupported tunnel: the kernel's message" text_has "$err" \
	"keepalive unsupported on this tunnel, see dmesg"
check_eq "unsupported tunnel: still disabled" "0 10000 3 1 1 1 0" "$(ka_conf r1 gre9)"
err=$(gk r1 set gre9 passive 1 reflect 0 2>&1 </dev/null)
check "unsupported tunnel, passive: refused" text_has "$err" "gre9: keepalive is not supported"
check_eq "unsupported tunnel: reflect unchanged either" "0 10000 3 1 1 1 0" "$(ka_conf r1 gre9)"
err=$(gk r1 set eth0 retries 2 2>&1 </dev/null)
check "not a tunnel" text_has "$err" "eth0: no keepalive support"
err=$(gk r1 set nodev retries 2 2>&1 </dev/null)
check "no such device" text_has "$err" "no such device: nodev"

# --- Events in order for a cut and a repair ---------------------------------
check "keepalive on r2" gk r2 keepalive gre1 0.5 2
ev=$GRE_KA_OUT/t-41-events.json
gk r1 -j monitor >"$ev" 2>&1 </dev/null &
mpid=$!
bg_register $mpid
monitor_listens() {
	gk r1 set gre1 reflect 1 && file_has "$ev" '"event": "conf"'
}
check "monitor listens" wait_for 10 "a conf event" monitor_listens
check "keepalive on r1" gk r1 keepalive gre1 0.5 2
check "r1 answered" wait_for 10 "rx >= 2" ka_stat_ge r1 gre1 rx 2
check "cut the path" path_cut
check "r1 goes down" wait_for 10 "down" ka_state_is r1 gre1 down
check "down event" wait_for 10 "down event" file_has "$ev" '"state": "down"'
check "repair the path" path_repair
check "r1 comes back up" wait_for 10 "up" ka_state_is r1 gre1 up
check "up event" wait_for 10 "up event" file_has "$ev" '"cause": "reply"'
kill "$mpid" 2>/dev/null
wait "$mpid" 2>/dev/null
check "events: enable (conf), then down/unanswered, then up/reply, with their counters" \
	json_lines_ok "$ev" '
(lambda s, c: [(e["state"], e["cause"]) for e in s] == [("down", "unanswered"), ("up", "reply")]
 and s[0]["carrier"] is False and s[0]["counter"] >= 2 and s[0]["statistics"]["down_transitions"] == 1
 and s[1]["carrier"] is True and s[1]["counter"] == 0 and s[1]["statistics"]["up_transitions"] == 1
 and s[0]["statistics"]["tx"] <= s[1]["statistics"]["tx"] and s[0]["time"] <= s[1]["time"]
 and any(e["enabled"] and e["period_ms"] == 500 for e in c)
)([e for e in ev if e["event"] == "state"], [e for e in ev if e["event"] == "conf"])'
diag "$(python3 -c 'import json, sys
for l in open(sys.argv[1]):
	e = json.loads(l)
	print(e["time"], e["event"], e["name"], e["state"], e["cause"], e["counter"])' "$ev")"

# --- Privilege ----------------------------------------------------------------
CLI_WORLD=$(world_copy "$GK")/gre-ka
check "a copy of gre-ka other users can run" test -x "$CLI_WORLD"
before=$(ka_conf r1 gre1)
err=$(ns_exec r1 "${NOBODY[@]}" "$CLI_WORLD" set gre1 retries 5 2>&1 </dev/null)
check "uid 65534: SET refused (EPERM)" text_has "$err" "gre1: permission denied"
check_eq "uid 65534: nothing changed" "$before" "$(ka_conf r1 gre1)"
check "uid 65534: GET works" json_ok \
	"$(ns_exec r1 "${NOBODY[@]}" "$CLI_WORLD" -j show gre1 2>&1 </dev/null)" \
	'a[0]["name"] == "gre1" and a[0]["period_ms"] == 500'
check "uid 65534: the dump works" json_ok \
	"$(ns_exec r1 "${NOBODY[@]}" "$CLI_WORLD" -j show 2>&1 </dev/null)" \
	'[t["name"] for t in a] == ["gre1", "gre9"]'
err=$(ns_exec r1 "${NOBODY[@]}" timeout 10 "$CLI_WORLD" monitor 2>&1 </dev/null)
check "uid 65534: events refused (EPERM)" text_has "$err" "monitor: permission denied"

dir=$(dirname "$CLI_WORLD")
cat >"$dir/inner.sh" <<'INNER'
#!/bin/sh
# The root of a fresh user namespace, in its own network namespace.
set -e
gk=$(dirname "$0")/gre-ka
mon=$(mktemp)
ip link add gre1 type gre local 198.51.100.1 remote 198.51.100.2 ttl 255
ip link set gre1 up
"$gk" monitor >"$mon" 2>&1 &
i=0
until grep -q settings "$mon" || [ $i -ge 100 ]; do
	"$gk" set gre1 reflect 1
	sleep 0.2
	i=$((i + 1))
done
"$gk" keepalive gre1 0.5 2
"$gk" set gre1 up_count 3 passive 1
"$gk" -j show gre1
kill $!
echo "monitor: $(grep -c settings "$mon") settings events"
rm -f "$mon"
INNER
chmod 0755 "$dir/inner.sh"
check "unprivileged user namespaces are allowed" "${NOBODY[@]}" unshare --user --map-root-user true
out=$("${NOBODY[@]}" unshare --user --map-root-user --net sh "$dir/inner.sh" 2>&1 </dev/null)
rc=$?
diag "$out"
check_eq "user-namespace root: its script succeeded" 0 "$rc"
check "user-namespace root: SET took" text_has "$out" \
	'"name": "gre1".*"enabled": true.*"period_ms": 500, "retries": 2, "up_count": 3.*"passive": true'
check "user-namespace root: events allowed" text_has "$out" '^monitor: [1-9][0-9]* settings events$'

# --- Many tunnels: one dump, complete and consistent ------------------------
check "namespace m" ns_create m
check "m: no IPv6 (no addresses, DAD, MLD on $N links)" ns_exec m sh -c \
	'echo 1 >/proc/sys/net/ipv6/conf/all/disable_ipv6 && echo 1 >/proc/sys/net/ipv6/conf/default/disable_ipv6'
batch=$GRE_KA_OUT/t-41-batch
for i in $(seq 1 "$N"); do
	echo "link add gk$i type gre local 198.51.100.1 remote 198.51.100.2 key $i ttl 255"
done >"$batch"
t0=$(date +%s%N)
check "$N tunnels in m (ip -batch)" ip -n m -batch "$batch"
diag "created in $((($(date +%s%N) - t0) / 1000000)) ms"
check "some up" sh -c 'for i in 1 2 3; do ip -n m link set gk$i up || exit 1; done'
for i in 7 70 $((N - 1)); do
	check "gk$i: its own settings" gk m set "gk$i" period_ms $((i * 100)) retries $((i % 250 + 1)) up_count 2
done
check "gk2: enabled" gk m keepalive gk2 1 3
dump=$GRE_KA_OUT/t-41-dump.json
links=$GRE_KA_OUT/t-41-links.json
t0=$(date +%s%N)
gk m -j show >"$dump" </dev/null
rc=$?
ms=$((($(date +%s%N) - t0) / 1000000))
check_eq "gre-ka -j show of $N tunnels: exit 0" 0 "$rc"
diag "gre-ka -j show of $N tunnels: $ms ms"
t0=$(date +%s%N)
nt=$(gk m show </dev/null | grep -c ', line protocol is ')
diag "gre-ka show of $N tunnels: $((($(date +%s%N) - t0) / 1000000)) ms"
check_eq "text show: $N tunnels" "$N" "$nt"
ip -n m -j link show type gre >"$links"
check "dump: every tunnel once, ifindex and admin state as the links say, settings as set" \
	python3 -c '
import json, sys
n = int(sys.argv[3])
a = json.load(open(sys.argv[1]))
links = {l["ifname"]: l for l in json.load(open(sys.argv[2])) if l["ifname"] != "gre0"}
names = [t["name"] for t in a]
bad = []
if sorted(names) != sorted(f"gk{i}" for i in range(1, n + 1)):
	bad.append(f"names: {len(names)} entries, {len(set(names))} distinct, expected gk1..gk{n}")
if [t["ifindex"] for t in a] != sorted(t["ifindex"] for t in a):
	bad.append("not in ifindex order")
for t in a:
	nm = t["name"]
	l = links.get(nm)
	if not l or l["ifindex"] != t["ifindex"]:
		bad.append("%s: ifindex %s, link %s" % (nm, t["ifindex"], l and l["ifindex"]))
	elif t["admin_up"] != ("UP" in l["flags"]):
		bad.append("%s: admin_up %s, flags %s" % (nm, t["admin_up"], l["flags"]))
	i = int(nm[2:])
	want = (i * 100, i % 250 + 1, 2) if i in (7, 70, n - 1) else ((1000, 3, 1) if i == 2 else (10000, 3, 1))
	got = (t["period_ms"], t["retries"], t["up_count"])
	if got != want or t["enabled"] != (i == 2):
		bad.append("%s: %s enabled %s, want %s" % (nm, got, t["enabled"], want))
	if t["kind"] != "gre" or len(t["refused"]) != 20 or t["statistics"]["tx"] is None:
		bad.append("%s: incomplete" % nm)
sys.exit("\n".join(bad[:20]) or None)
' "$dump" "$links" "$N"
for i in 2 7 $((N - 1)); do
	check "gk$i: GET equals its dump entry" python3 -c '
import json, sys
one = json.loads(sys.argv[1])[0]
d = [t for t in json.load(open(sys.argv[2])) if t["name"] == one["name"]][0]
keys = ("ifindex", "kind", "enabled", "period_ms", "retries", "up_count", "reflect", "auth", "passive", "unsupported")
sys.exit(0 if all(one[k] == d[k] for k in keys) else f"{one}\n{d}")
' "$(gk m -j show "gk$i" </dev/null)" "$dump"
done
check "the dump holds only the caller's namespace" json_ok "$(gk r1 -j show </dev/null)" \
	'[t["name"] for t in a] == ["gre1", "gre9"]'
if [ "$GRE_KA_KERNEL" != debug ]; then
	ynl m --output-json --dump get >"$GRE_KA_OUT/t-41-ynl-dump.json" 2>&1 </dev/null
	check "YNL: its dump of m has the same $N tunnels (and the fallback devices)" json_file_ok \
		"$GRE_KA_OUT/t-41-ynl-dump.json" \
		"sorted(t['ifname'] for t in a if t['ifname'] not in ('gre0', 'ip6gre0')) == sorted(t['name'] for t in json.load(open('$dump')))"
fi

# --- Dumps while tunnels come and go ---------------------------------------
# Ids were the lowest free ones: a tunnel attached after a detach took the
# freed slot, so the dump was not in attach order and one attached into a
# slot below a dump's cursor was missed without a word. Now the newest is
# last, and a dump that tunnels changed under says so (NLM_F_DUMP_INTR).
NL=(python3 "$GRE_KA_REPO/scripts/tests/gk_nl.py")
GKA="type gre local 198.51.100.1 remote 198.51.100.2 ttl 255"
check "a tunnel detached, another attached" sh -c \
	"ip -n m link del gk1 && ip -n m link add gkz $GKA key 99999"
out=$GRE_KA_OUT/t-41-nl-dump.json
ns_exec m "${NL[@]}" dump >"$out" 2>&1 </dev/null
check "dump: attach order, the newest last, not interrupted" json_file_ok "$out" \
	'a["order"][-1] == "gkz" and "gk1" not in a["order"] and a["order"].index("gk2") < a["order"].index("gk3") and a["intr"] == 0'
ns_exec m "${NL[@]}" dump-during "ip -n m link add gky $GKA key 99998 && ip -n m link del gk3" \
	>"$out" 2>&1 </dev/null
check "dump: tunnels changed between its reads: interrupted" json_file_ok "$out" \
	'a["intr"] >= 1 and a["reads"] >= 3'
diag "$(python3 -c 'import json, sys; a = json.load(open(sys.argv[1])); print("reads", a["reads"], "messages", a["messages"], "interrupted", a["intr"])' "$out" 2>&1)"
ns_exec m "${NL[@]}" dump >"$out" 2>&1 </dev/null
check "the next dump: whole, in attach order, not interrupted" json_file_ok "$out" \
	'a["order"][-2:] == ["gkz", "gky"] and "gk3" not in a["order"] and a["intr"] == 0 and len([n for n in a["order"] if n.startswith("gk")]) == '"$N"

# --- Unloading ends a monitor -----------------------------------------------
gk r1 monitor >"$GRE_KA_OUT/t-41-unload.txt" 2>&1 </dev/null &
mpid=$!
check "monitor listens (before unloading)" wait_for 10 "a settings event" \
	sh -c "'$GK' -n r1 set gre1 reflect 1 && grep -q settings '$GRE_KA_OUT/t-41-unload.txt'"
check "deleting namespace m (its tunnels)" ns_delete m
check "module unloads" unload_module
check "the monitor ends" wait_for 10 "monitor exit" sh -c "! kill -0 $mpid"
wait "$mpid"
check_eq "the monitor's exit status" 1 "$?"
check "the monitor says why" text_has "$(cat "$GRE_KA_OUT/t-41-unload.txt")" \
	"monitor: the gre_ka module was unloaded"

# --- sysfs=0: no keepalive/ directories, netlink does everything -----------
check "module loads with sysfs=0" load_module sysfs=0
check "r1: no keepalive/ directory" ns_exec r1 test ! -e /sys/class/net/gre1/keepalive
check "keepalive on r1 over netlink" gk r1 keepalive gre1 0.5 2
check "r1 up, without sysfs" wait_for 15 "state up" \
	sh -c "'$GK' -n r1 -j show gre1 | grep -q '\"state\": \"up\"'"
check "r2 stops answering (reflect 0)" gk r2 set gre1 reflect 0
check "r1's carrier goes down" wait_for 15 "NO-CARRIER" has_no_carrier r1 gre1
check "module unloads" unload_module

test_done
