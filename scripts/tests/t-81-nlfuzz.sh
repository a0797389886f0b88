#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# kernels: 6.1 6.12 debug
# timeout: 900
#
# The gre_ka generic netlink family fuzzed (scripts/tests/nl_fuzz.py, seeded):
# a sweep of every command number, every attribute of the policy with
# every wrong length, type flag, out-of-range value and duplicate, unknown
# attributes, missing required ones, nested garbage, every header flag;
# then random datagrams; then dumps read in pieces while tunnels are
# removed and added (the pieces made after the change must carry
# NLM_F_DUMP_INTR, those before must not), abandoned dumps, a second dump
# on a busy socket, and dumps for 5 s (60 s in make soak) while a second
# process adds and deletes tunnels.
# Every answer (errno, extack message and offset, reported policy, GET
# replies, dumps) is checked against the fuzzer's model, and after every
# datagram the state read back must equal the model (nothing changes on
# an error). Tunnels: point-to-point gre, multipoint gre (in a netns),
# ip6gre. Run as root on two namespaces, then as the root of an
# unprivileged user namespace (SET/PEER commands: EPERM in the init
# namespace; allowed in its own).
# Environment: GRE_KA_NLFUZZ_COUNT (random datagrams per run: default
# 2000, 500 on the debug kernel; with GRE_KA_SOAK=1 50000, 10000 on
# debug), GRE_KA_NLFUZZ_SEED (default: a fixed seed; printed).
. "$(dirname "$0")/lib.sh"

NOBODY=(setpriv --reuid=65534 --regid=65534 --clear-groups)
FUZZ=$GRE_KA_REPO/scripts/tests/nl_fuzz.py
SEED=${GRE_KA_NLFUZZ_SEED:-8101}
COUNT=2000
SCALE=1
CHURN=5
[ "$GRE_KA_KERNEL" = debug ] && COUNT=500 SCALE=3
if [ "${GRE_KA_SOAK:-0}" = 1 ]; then
	COUNT=50000 CHURN=60
	[ "$GRE_KA_KERNEL" = debug ] && COUNT=10000
fi
COUNT=${GRE_KA_NLFUZZ_COUNT:-$COUNT}
diag "seed $SEED count $COUNT"

check "module loads" load_module
ip link add nf-gre1 type gre local 192.0.2.1 remote 198.51.100.1 ttl 255
ip link add nf-gre2 type gre local 192.0.2.1 remote 198.51.100.2 ttl 255
ip link add nf-g6 type ip6gre local 2001:db8::1 remote 2001:db8::2
ip link set nf-gre1 up
ns_create nf-a
ip -n nf-a link add mg1 type gre local 192.0.2.3 key 1
ip -n nf-a link add pp1 type gre local 192.0.2.3 remote 198.51.100.9 ttl 255
ip -n nf-a link add g6a type ip6gre local 2001:db8::3 remote 2001:db8::4
ip -n nf-a link set mg1 up
check "the tunnels exist" ip -n nf-a link show mg1

# field JSON KEY: a count from the fuzzer's summary (0 if absent).
field() {
	python3 -c 'import json,sys; d=json.loads(sys.argv[1]); print(d.get(sys.argv[2], 0))' "$1" "$2"
}
nonzero() {
	[ "$(field "$1" "$2")" -gt 0 ]
}

TMPD=$(mktemp -d /tmp/gre_ka-nlfuzz.XXXXXX)
start=$SECONDS
out=$(python3 "$FUZZ" run --seed "$SEED" --count "$COUNT" --scale "$SCALE" \
	--churn-secs "$CHURN" --netns nf-a 2>"$TMPD/nlfuzz.err")
rc=$?
diag "$(cat "$TMPD/nlfuzz.err")"
diag "root (netns nf-a): $out ($((SECONDS - start)) s)"
check_eq "the fuzzer as root passes" 0 "$rc"
for k in datagrams ok "EINVAL" "ERANGE" "ENOTSUP" "ENODEV" "dumps in pieces" \
	"dumps interrupted (NLM_F_DUMP_INTR)" "dumps under churn"; do
	check "root run: some '$k'" nonzero "$out" "$k"
done
check "root run: unknown attributes rejected" \
	python3 -c 'import json,sys; d=json.loads(sys.argv[1]); sys.exit(not any("unknown" in k.lower() and v for k,v in d.items() if isinstance(v,int)))' "$out"

cat >"$TMPD/nlfuzz-setup.sh" <<'SH'
ip link set lo up
ip link add u-gre1 type gre local 192.0.2.5 remote 198.51.100.5 ttl 255
ip link add u-mg1 type gre local 192.0.2.6 key 1
ip link add u-g6 type ip6gre local 2001:db8::5 remote 2001:db8::6
SH
chmod 755 "$TMPD" "$TMPD/nlfuzz-setup.sh"
# The other user runs a world-readable copy of the fuzzer and of what it
# reads (the checkout may sit in a mode-0700 directory): next to it,
# nl_fuzz.py finds the header and the spec by their names.
WORLD=$(world_copy "$FUZZ" "$GRE_KA_REPO/scripts/tests/gk_nl.py" \
	"$GRE_KA_REPO/include/uapi/gre_ka.h" \
	"$GRE_KA_REPO/Documentation/netlink/specs/gre_ka.yaml")
check "a copy of the fuzzer other users can read" test -r "$WORLD/nl_fuzz.py"
start=$SECONDS
out=$("${NOBODY[@]}" unshare --user --map-root-user /usr/bin/python3 "$WORLD/nl_fuzz.py" run --seed "$SEED" \
	--count "$COUNT" --scale "$SCALE" --churn-secs "$CHURN" --userns "$TMPD/nlfuzz-setup.sh" \
	2>"$TMPD/nlfuzz-u.err")
rc=$?
diag "$(cat "$TMPD/nlfuzz-u.err")"
diag "user namespace: $out ($((SECONDS - start)) s)"
check_eq "the fuzzer from a user namespace passes" 0 "$rc"
for k in datagrams EPERM EINVAL ok "dumps interrupted (NLM_F_DUMP_INTR)" "dumps under churn"; do
	check "userns run: some '$k'" nonzero "$out" "$k"
done

ip link del nf-gre1; ip link del nf-gre2; ip link del nf-g6
ip netns del nf-a
rm -rf "$TMPD"
check "module unloads" unload_module
test_done
