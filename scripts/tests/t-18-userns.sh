#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# kernels: 6.1 6.12 (the debug kernel runs a subset: README, "Tests on the debug kernel")
# timeout: 120
#
# keepalive/ belongs to the root of the device's network namespace, as the
# device's own sysfs files do. Tried as a new user would: an unprivileged
# user (uid 65534) makes its own user, network and mount namespaces
# (`unshare --user --map-root-user --net --mount`), mounts its sysfs,
# creates a gre tunnel and configures keepalive on it. The initial root
# still can; the unprivileged user cannot touch the initial namespace's
# tunnels; and a tunnel moved into the user's namespace follows it.
#
# The commands run as the other user come from a world-readable copy
# (world_copy), never from the checkout, which may sit in a private
# directory.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ka.sh"

NOBODY=(setpriv --reuid=65534 --regid=65534 --clear-groups)

check "module loads" load_module
check "ip_gre loaded (a user namespace cannot load modules)" modprobe ip_gre

dir=$(mktemp -d /tmp/gre_ka-userns.XXXXXX)
cat >"$dir/inner.sh" <<'INNER'
#!/bin/sh
# Runs as the user namespace's root, in its own net and mount namespaces.
set -e
mount -t sysfs sysfs /sys
ip link add gre1 type gre local 198.51.100.1 remote 198.51.100.2 ttl 255
ip link set gre1 up
k=/sys/class/net/gre1/keepalive
echo "owner $(stat -c '%u:%g' $k/period_ms)"
echo 500 > $k/period_ms
echo 2 > $k/retries
echo 1 > $k/passive
echo 1 > $k/enabled
echo "period $(cat $k/period_ms) retries $(cat $k/retries) passive $(cat $k/passive) enabled $(cat $k/enabled)"
if echo 9 > $k/period_ms 2>/dev/null; then echo "range: accepted"; else echo "range: refused"; fi
echo 0 > $k/enabled
echo 0 > $k/passive
echo "after $(cat $k/state)"
# Wait to be told to go: the host moves a tunnel in meanwhile.
if [ -n "${WAIT_FOR:-}" ]; then
	i=0
	while [ ! -e "$WAIT_FOR" ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
	echo "moved owner $(stat -c '%u:%g' /sys/class/net/gmv/keepalive/enabled)"
	echo 1 > /sys/class/net/gmv/keepalive/enabled
	echo "moved enabled $(cat /sys/class/net/gmv/keepalive/enabled)"
fi
INNER
chmod 0755 "$dir" "$dir/inner.sh"

check "unprivileged user namespaces are allowed" \
	"${NOBODY[@]}" unshare --user --map-root-user true
out=$("${NOBODY[@]}" unshare --user --map-root-user --net --mount sh "$dir/inner.sh" 2>&1)
rc=$?
diag "$out"
check_eq "the namespace's root configures keepalive (exit status)" 0 "$rc"
check "files owned by the namespace's root (mapped to 0:0)" text_has "$out" '^owner 0:0$'
check "settings taken" text_has "$out" '^period 500 retries 2 passive 1 enabled 1$'
check "out of range still refused" text_has "$out" '^range: refused$'
check "disabled again" text_has "$out" '^after disabled$'

# The initial namespace: root as before, the unprivileged user not at all.
check "a tunnel in the initial namespace" \
	ip link add gri0 type gre local 198.51.100.1 remote 198.51.100.3
check "initial root writes" sh -c 'echo 700 > /sys/class/net/gri0/keepalive/period_ms'
check_fail "uid 65534 cannot write the initial namespace's tunnel" \
	"${NOBODY[@]}" sh -c 'echo 800 > /sys/class/net/gri0/keepalive/period_ms'
check_eq "unchanged" 700 "$(cat /sys/class/net/gri0/keepalive/period_ms)"

# A tunnel moved into the user's namespace: its files follow the device.
ready=$dir/moved
"${NOBODY[@]}" unshare --user --map-root-user --net --mount \
	env WAIT_FOR="$ready" sh "$dir/inner.sh" >"$dir/out2" 2>&1 &
pid=$!
bg_register $pid
# setpriv, unshare and env exec: $pid is the script's shell.
check "the user's namespace is there" wait_for 10 "gre1 in the user's netns" \
	nsenter -t "$pid" -n ip link show gre1
check "a tunnel to move" ip link add gmv type gre local 198.51.100.1 remote 198.51.100.4
check "moved into the user's namespace" ip link set gmv netns "/proc/$pid/ns/net"
: >"$ready"
wait $pid
rc=$?
out=$(cat "$dir/out2")
diag "$out"
check_eq "the mover's script finished" 0 "$rc"
check "the moved tunnel's files belong to the new namespace's root" \
	text_has "$out" '^moved owner 0:0$'
check "and it can enable keepalive there" text_has "$out" '^moved enabled 1$'

ip link del gri0 2>/dev/null
rm -rf "$dir"
check "module unloads" unload_module
test_done
