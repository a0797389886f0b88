#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# debug: kmemleak (tunnels attached, changed and deleted: where a leak shows)
# timeout: 240
#
# Lifecycle: attach to tunnels that existed before the module and to new
# ones; admin down stops the keepalive and gives the carrier back, admin up
# restarts it with counter 0; `ip tunnel change` is picked up; deleting an
# enabled tunnel, deleting its netns and rmmod while down all leave nothing
# behind (the harness checks for splats and leaks) and rmmod restores the
# carrier; auto_enable.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ka.sh"

PERIOD=100

check "two routers (tunnels exist before the module)" topo_two_routers
check "module loads" load_module
check "attached to the existing tunnel" ns_exec r1 test -f /sys/class/net/gre1/keepalive/enabled
check "attached to the fallback gre0 too" ns_exec r1 test -d /sys/class/net/gre0/keepalive
check "a tunnel created after load is attached" \
	gre_tunnel r1 gre2 "$R1_UL" "$R2_UL" 10.255.2.1/30 key 2
check "gre2 has keepalive/" ns_exec r1 test -f /sys/class/net/gre2/keepalive/enabled
check "peer tunnel for gre2" gre_tunnel r2 gre2 "$R2_UL" "$R1_UL" 10.255.2.2/30 key 2

check "enable gre1" ka_enable r1 gre1 $PERIOD 3
check "gre1 up with replies" wait_for 10 "rx" ka_stat_ge r1 gre1 rx 2

# Admin down while the line protocol is down.
check "cut the path" path_cut
check "gre1 goes down" wait_for 10 "down" ka_state_is r1 gre1 down
check "admin down" ip -n r1 link set gre1 down
check_eq "admin down resets the line protocol" up "$(ka_get r1 gre1 state)"
check_eq "and the counter" 0 "$(ka_get r1 gre1 counter)"
tx=$(ka_stat r1 gre1 tx)
sleep 0.5	# a timer left running would send within 5 periods
check_eq "no keepalives while admin down" "$tx" "$(ka_stat r1 gre1 tx)"
# With a long period the carrier must be on right after admin up.
check "slow the keepalive down" ka_set r1 gre1 period_ms 10000
check "admin up" ip -n r1 link set gre1 up
check "carrier given back and on after admin up" has_carrier r1 gre1
check "counter restarted" test "$(ka_get r1 gre1 counter)" -le 1
check "a shorter period takes effect at once" ka_set r1 gre1 period_ms $PERIOD
check "keepalives resume after admin up" wait_for 5 "tx grows" ka_stat_ge r1 gre1 tx $((tx + 1))
check "down again while the path is still cut" wait_for 10 "down" ka_state_is r1 gre1 down
check "repair" path_repair
check "up again" wait_for 10 "up" ka_state_is r1 gre1 up

# ip tunnel change: a remote nobody answers for takes it down; back, up.
check "change remote to an unreachable address" \
	ip -n r1 link set gre1 type gre local "$R1_UL" remote 198.51.100.99 ttl 255
check "down with the wrong remote" wait_for 10 "down" ka_state_is r1 gre1 down
check "change remote back" ip -n r1 link set gre1 type gre local "$R1_UL" remote "$R2_UL" ttl 255
check "up with the right remote" wait_for 10 "up" ka_state_is r1 gre1 up
check "change to an output key the peer has no tunnel for" \
	ip -n r1 link set gre1 type gre okey 77
check "down after the key change" wait_for 10 "down" ka_state_is r1 gre1 down
check "remove the key again" ip -n r1 link set gre1 type gre nookey
check "up after removing the key" wait_for 10 "up" ka_state_is r1 gre1 up
# The ioctl path sets the flags after its only NETDEV_CHANGE.
check "iseq through the ioctl (ip tunnel change)" \
	ip -n r1 tunnel change gre1 mode gre iseq
check "iseq makes keepalive impossible: disabled" \
	wait_for 5 "disabled" ka_state_is r1 gre1 disabled
check "the reason was logged" sh -c 'dmesg | grep -q "gre1: keepalive: disabled: input sequencing"'
check "carrier on after the forced disable" has_carrier r1 gre1
check_eq "enabling refused while iseq" 1 "$(ka_set r1 gre1 enabled 1 >/dev/null 2>&1; echo $?)"
check "back to a plain tunnel" ip -n r1 link set gre1 type gre noiseq
check "enable again" ka_set r1 gre1 enabled 1
check "up again" wait_for 10 "rx" ka_stat_ge r1 gre1 rx "$(( $(ka_stat r1 gre1 rx) + 2 ))"

# Delete an enabled tunnel that is down.
check "enable gre2" ka_enable r1 gre2 $PERIOD 2
check "gre2 up" wait_for 10 "rx" ka_stat_ge r1 gre2 rx 1
check "cut" path_cut
check "gre2 down" wait_for 10 "down" ka_state_is r1 gre2 down
check "delete gre2 while enabled and down" ip -n r1 link del gre2
check_fail "gre2 is gone" ns_exec r1 test -e /sys/class/net/gre2

# rmmod while down restores the carrier.
check "gre1 down" wait_for 10 "down" ka_state_is r1 gre1 down
check "gre1 carrier off" has_no_carrier r1 gre1
check "rmmod while down" unload_module
check "rmmod gave the carrier back" has_carrier r1 gre1
check_fail "keepalive/ is gone with the module" ns_exec r1 test -e /sys/class/net/gre1/keepalive
check "repair" path_repair

# auto_enable, and deleting a whole netns with enabled tunnels in it.
check "load with auto_enable=1 period_ms=100" load_module auto_enable=1 period_ms=100
check_eq "existing tunnel enabled at load" 1 "$(ka_get r1 gre1 enabled)"
check_eq "module default period applied" 100 "$(ka_get r1 gre1 period_ms)"
# The fallback gre0 has no remote: a multipoint device, enabled like any.
check_eq "the fallback gre0 (multipoint) enabled too" 1 "$(ka_get r1 gre0 enabled)"
check "new netns r3 with a tunnel" sh -c \
	'ip netns add r3 && ip -n r3 link add gre9 type gre local 192.0.2.1 remote 192.0.2.9 && ip -n r3 link set gre9 up'
check_eq "new tunnel auto-enabled" 1 "$(ka_get r3 gre9 enabled)"
check "keepalives sent from r3" wait_for 5 "tx" ka_stat_ge r3 gre9 tx 2
check "delete netns r3 with an enabled tunnel" ns_delete r3
check "r1 still up" wait_for 10 "rx" ka_stat_ge r1 gre1 rx 2
check "delete netns r2 (peer) while r1 runs" ns_delete r2
check "r1 goes down without its peer" wait_for 10 "down" ka_state_is r1 gre1 down
check "delete netns r1 while down" ns_delete r1
check "module unloads" unload_module
check "module param out of range is refused" sh -c "! insmod '$GRE_KA_KO' period_ms=5"
check "with one clear log line" sh -c 'dmesg | grep -q "gre_ka: period_ms=5 out of range 10..32767000"'
check_fail "and nothing stays loaded" module_loaded
test_done
