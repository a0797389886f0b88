#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# kernels: 6.1 6.12
# timeout: 180
#
# gre-ka's configuration files and exit codes against the module:
# setconf applies a file (or stdin) in one SET; showconf prints what
# setconf takes back unchanged (showconf | setconf round-trips exactly,
# also onto another tunnel); a bad line or a value the kernel refuses
# changes nothing, not even the valid lines before it, and the error
# names the line; the exit codes tell usage (2), refused (3), not found
# (4) and not permitted (5) apart; --version; and the bash completion
# offers the subcommands and the kernel's tunnels.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ka.sh"
. "$(dirname "$0")/gk.sh"

NOBODY=(setpriv --reuid=65534 --regid=65534 --clear-groups)
F=$(mktemp -d /tmp/gre_ka-t42.XXXXXX)

# setconf_fails DESC CODE ERE FILE-CONTENT: setconf gre1 of that file
# exits CODE, says ERE, and r1's gre1 keeps its settings.
setconf_fails() {
	local desc=$1 code=$2 re=$3 before err rc
	printf '%b' "$4" >"$F/bad.conf"
	before=$(ka_conf r1 gre1)
	err=$(gk r1 setconf gre1 "$F/bad.conf" 2>&1 </dev/null)
	rc=$?
	check_eq "$desc: exit $code" "$code" "$rc"
	check "$desc: says '$re'" text_has "$err" "$re"
	check_eq "$desc: nothing changed" "$before" "$(ka_conf r1 gre1)"
	diag "$err"
}

# complete_words WORDS...: what the completion offers for the last word.
complete_words() {
	# shellcheck source=tools/completion/gre-ka.bash
	. "$GRE_KA_REPO/tools/completion/gre-ka.bash"
	COMP_WORDS=("$GK" "$@")
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMPREPLY=()
	_gre_ka
	echo "${COMPREPLY[*]}"
}

check "the gre-ka command is built" gk_built
TOPO_STOCK_REFLECTOR=0 check "two routers with a GRE tunnel" topo_two_routers
check "tunnel with input sequencing (unsupported)" ip -n r1 link add gre9 type gre \
	local "$R1_UL" remote 198.51.100.9 iseq
check "module loads" load_module
check "per-netns sysfs r1" ka_sys r1
check "per-netns sysfs r2" ka_sys r2

# --- setconf, showconf ---------------------------------------------------------------
printf '# gre1, Cisco style\nkeepalive 0.5 2   # every 0.5 s\n\npassive on\nup_count 2\n' >"$F/gre1.conf"
check "setconf gre1 FILE" gk r1 setconf gre1 "$F/gre1.conf"
check_eq "the file's settings, the rest kept" "1 500 2 2 1 1 1" "$(ka_conf r1 gre1)"
out=$(gk r1 showconf gre1 </dev/null)
check_eq "showconf: every setting, a line each" "# gre_ka settings of gre1 (gre-ka showconf; gre-ka setconf DEV FILE applies them)
enabled on
period_ms 500
retries 2
up_count 2
reflect on
auth on
passive on" "$out"
check "showconf | setconf - on r2's gre1" sh -c "'$GK' -n r1 showconf gre1 | '$GK' -n r2 setconf gre1 -"
check_eq "r2's gre1 has r1's settings" "$(ka_conf r1 gre1)" "$(ka_conf r2 gre1)"
check_eq "showconf of both: the same text" "$out" "$(gk r2 showconf gre1 </dev/null)"
check "the tunnel comes up" wait_for 10 "r1 up" ka_state_is r1 gre1 up
printf '%s\n' "$out" >"$F/saved.conf"
check "set other values" gk r1 set gre1 period_ms 700 retries 5 up_count 1 reflect 0 auth 0 passive 0
check "setconf the saved file" gk r1 setconf gre1 "$F/saved.conf"
check_eq "back exactly" "$out" "$(gk r1 showconf gre1 </dev/null)"
check "through ip netns exec, from stdin" sh -c \
	"printf 'retries 3\n' | ip netns exec r1 '$GK' setconf gre1 -"
check_eq "stdin applied" "1 500 3 2 1 1 1" "$(ka_conf r1 gre1)"
check "retries 2 again" gk r1 set gre1 retries 2

# --- Bad files: nothing changes, the line is named -----------------------------------
setconf_fails "a bad value" 2 "^gre-ka: $F/bad.conf:3: bad value 'x' for retries: expected a whole number$" \
	'period_ms 900\n\nretries x\n'
setconf_fails "an unknown key" 2 "^gre-ka: $F/bad.conf:1: unknown setting 'retry'" 'retry 3\n'
setconf_fails "a setting twice" 2 "^gre-ka: $F/bad.conf:2: retries given twice \(also on line 1\)$" \
	'keepalive 1 3\nretries 4\n'
setconf_fails "a period below 10 ms" 2 "^gre-ka: $F/bad.conf:1: period 0.005 s is out of range" \
	'keepalive 0.005\n'
setconf_fails "refused by the kernel, at line 3" 3 \
	"^gre-ka: $F/bad.conf:3: gre1: setting keepalive failed: up_count: .*\(valid: 1\.\.255\)$" \
	'period_ms 900\nretries 5\nup_count 0\n'
before=$(ka_conf r1 gre9)
printf 'keepalive 1 3\n' >"$F/gre9.conf"
err=$(gk r1 setconf gre9 "$F/gre9.conf" 2>&1 </dev/null)
check_eq "setconf on an unsupported tunnel: exit 3" 3 "$?"
check "... says why" text_has "$err" "gre9: keepalive is not supported on this tunnel: input sequencing \\(iseq\\) would drop the replies"
check_eq "... nothing changed" "$before" "$(ka_conf r1 gre9)"
err=$(gk r1 setconf gre1 "$F/none.conf" 2>&1 </dev/null)
check_eq "a missing file: exit 4" 4 "$?"
check "... says so" text_has "$err" "none.conf: No such file or directory"

# --- Exit codes --------------------------------------------------------------------------
exit_is "no command" 2 "$GK"
exit_is "unknown command" 2 gk r1 keepalives gre1
exit_is "set without a value" 2 gk r1 set gre1 retries
exit_is "a bad period" 2 gk r1 keepalive gre1 abc
exit_is "peer add of a bad address" 2 gk r1 peer add gre1 192.0.2
exit_is "the kernel refuses retries 0" 3 gk r1 set gre1 retries 0
exit_is "keepalive on an unsupported tunnel" 3 gk r1 keepalive gre9
exit_is "show of no such device" 4 gk r1 show nodev
exit_is "set of a device that is no tunnel" 4 gk r1 set eth0 retries 2
exit_is "setconf of no such device" 4 gk r1 setconf nodev "$F/gre1.conf"
exit_is "no such network namespace" 4 "$GK" -n nons show
CLI_WORLD=$(world_copy "$GK")/gre-ka
check "a file every user may read" sh -c "chmod 0755 '$F' && chmod 0644 '$F/gre1.conf'"
exit_is "not root: set" 5 ns_exec r1 "${NOBODY[@]}" "$CLI_WORLD" set gre1 retries 3
exit_is "not root: setconf" 5 ns_exec r1 "${NOBODY[@]}" "$CLI_WORLD" setconf gre1 "$F/gre1.conf"
exit_is "not root: monitor" 5 ns_exec r1 "${NOBODY[@]}" timeout 10 "$CLI_WORLD" monitor
exit_is "not root: show works" 0 ns_exec r1 "${NOBODY[@]}" "$CLI_WORLD" show gre1
check_eq "none of that changed gre1" "1 500 2 2 1 1 1" "$(ka_conf r1 gre1)"

# --- --version, completion ---------------------------------------------------------------
ver=$(sed -n 's/^#define GRE_KA_VERSION[[:space:]]*"\(.*\)"/\1/p' "$GRE_KA_REPO/include/gre_ka_version.h")
out=$("$GK" --version)
check_eq "--version: include/gre_ka_version.h's" "gre-ka $ver" "$(head -n 1 <<<"$out")"
check "--version: the loaded module and its family" text_has "$out" \
	"^gre_ka module .*, netlink family version 1"
diag "$out"
check_eq "completion: subcommands" "set setconf" "$(complete_words se)"
check_eq "completion: the tunnels of -n r1 (ifindex order, no unused gre0)" "gre1 gre9" \
	"$(complete_words -n r1 keepalive '')"
check_eq "completion: keys of set" "retries reflect" "$(complete_words -n r1 set gre1 re)"
check_eq "completion: on/off" "on off" "$(complete_words -n r1 set gre1 passive '')"

rm -rf "$F"
test_done
