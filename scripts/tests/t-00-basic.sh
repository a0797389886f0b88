#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# debug: kmemleak (loads, unloads, creates and destroys: where a leak shows)
# timeout: 180
# core: yes
#
# Basic lifecycle: with an ip_gre tunnel between two routers, the module
# loads, shows up, unloads and loads again, and the tunnel keeps carrying
# traffic throughout.
. "$(dirname "$0")/lib.sh"

check "two routers with a GRE tunnel" topo_two_routers
check "ping over the tunnel before loading" \
	wait_for 10 "ping $R2_IN from r1" ping_ok r1 "$R2_IN"

check "module loads" load_module
check "module is listed by lsmod" sh -c 'lsmod | grep -q "^gre_ka "'
check "/sys/module/gre_ka exists" test -d /sys/module/gre_ka
check "ping over the tunnel with the module loaded" \
	wait_for 10 "ping $R2_IN from r1" ping_ok r1 "$R2_IN"
check "carrier stays on" has_carrier r1 gre1

check "module unloads" unload_module
check_fail "/sys/module/gre_ka is gone" test -d /sys/module/gre_ka
check "ping over the tunnel after unloading" \
	wait_for 10 "ping $R2_IN from r1" ping_ok r1 "$R2_IN"
check "carrier is on after unloading" has_carrier r1 gre1

check "module loads again" load_module
check "ping over the tunnel after reloading" \
	wait_for 10 "ping $R2_IN from r1" ping_ok r1 "$R2_IN"
check "module unloads again" unload_module

test_done
