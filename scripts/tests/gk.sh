# SPDX-License-Identifier: GPL-2.0
# Helpers for the tests of the gre-ka command and the gre_ka netlink
# family (t-40-cli, t-41-netlink); source after lib.sh and ka.sh.
#
# The command is built on the host (scripts/vm/build-module.sh runs
# `make tools`: a compiler under emulation takes minutes) and runs in the
# guest from the shared root.

GK=$GRE_KA_REPO/.build/tools/gre-ka

# gk_built: the command exists and is not older than any of its sources.
gk_built() {
	local f
	[ -x "$GK" ] || {
		echo "no $GK: run make tools (scripts/vm/build-module.sh does)"
		return 1
	}
	for f in "$GRE_KA_REPO"/tools/*.[ch] "$GRE_KA_REPO"/include/uapi/gre_ka.h; do
		[ ! "$f" -nt "$GK" ] || {
			echo "$GK is older than $f: run make tools"
			return 1
		}
	done
}

# gk NS ARGS...: the command on NS's tunnels (-n: setns, no mount).
gk() {
	local ns=$1
	shift
	"$GK" -n "$ns" "$@"
}

# exit_is DESC CODE CMD...: CMD exits with CODE (gre-ka(8), EXIT STATUS).
exit_is() {
	local desc=$1 code=$2 rc
	shift 2
	"$@" >/dev/null 2>&1 </dev/null
	rc=$?
	check_eq "$desc: exit $code" "$code" "$rc"
}

# _json_eval -s JSON EXPR | -f FILE EXPR: the JSON (text, or in FILE)
# parses and the Python expression EXPR is true of it, as `a`. Says why not.
_json_eval() {
	python3 -c '
import json, sys
src = sys.argv[2] if sys.argv[1] == "-s" else open(sys.argv[2]).read()
try:
	a = json.loads(src)
except ValueError as e:
	sys.exit(f"not JSON ({e}): {src[:2000]}")
if not eval(sys.argv[3]):
	sys.exit(f"false: {sys.argv[3]}\n{src[:2000]}")
' "$@"
}

# json_ok JSON PYTHON-EXPR: JSON parses and PYTHON-EXPR is true of it,
# as `a` (show --json: the array of tunnels).
json_ok() {
	_json_eval -s "$1" "$2"
}

# json_file_ok FILE PYTHON-EXPR: as json_ok, for JSON in FILE (too big
# for an argument).
json_file_ok() {
	_json_eval -f "$1" "$2"
}

# json_lines_ok FILE PYTHON-EXPR: each line of FILE is a JSON object, and
# PYTHON-EXPR is true of the list of them, as `ev`.
json_lines_ok() {
	python3 -c '
import json, sys
ev = []
for n, l in enumerate(open(sys.argv[1]), 1):
	try:
		ev.append(json.loads(l))
	except ValueError as e:
		sys.exit(f"line {n} is not JSON ({e}): {l!r}")
if not eval(sys.argv[2]):
	sys.exit(f"false: {sys.argv[2]}\n" + open(sys.argv[1]).read()[-3000:])
' "$1" "$2"
}

# ka_conf NS DEV: the settings as sysfs has them, one line:
# "enabled period_ms retries up_count reflect auth passive" (forkless).
ka_conf() {
	local d=$_KA_SYS_ROOT/$1/class/net/$2/keepalive f v out=''
	ka_sys "$1" || return 1
	for f in enabled period_ms retries up_count reflect auth passive; do
		read -r v <"$d/$f" || return 1
		out+="${out:+ }$v"
	done
	echo "$out"
}

# file_has FILE ERE: some line of FILE matches ERE (for wait_for).
file_has() {
	grep -qE -- "$2" "$1" 2>/dev/null
}
