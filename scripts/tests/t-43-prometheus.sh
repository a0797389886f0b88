#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# kernels: 6.12
# timeout: 180
#
# gre-ka show --format prometheus against real tunnels: promtool (Debian's
# prometheus) passes the output, up and after a path cut; the values
# follow the line (up 1, down 0, a down transition, replies counted, an
# RTT once measured). The textfile helper (gre-ka-metrics.service's)
# writes DIR/gre_ka.prom atomically, leaving no temporary file, and
# removes it when gre-ka fails; Debian's node_exporter, on loopback with
# only its textfile collector, serves our metrics from it without a
# scrape error. On 6.12 only: this is user space over the GET dump that
# t-40 and t-41 run on both kernels.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ka.sh"
. "$(dirname "$0")/gk.sh"

TEXTFILE=$GRE_KA_REPO/tools/libexec/prometheus-textfile
D=$(mktemp -d /tmp/gre_ka-t43.XXXXXX)
NE=/usr/bin/prometheus-node-exporter
NE_ADDR=127.0.0.1:9100

prom() {
	gk r1 show --format prometheus </dev/null
}

promtool_ok() {
	promtool check metrics <"$1"
}

# sample_is FILE ERE: a sample line of FILE matches ^ERE$.
sample_is() {
	grep -qE "^$2\$" "$1" || {
		echo "no line ^$2\$ in $1"
		return 1
	}
}

# scrape FILE: node_exporter's metrics, into FILE.
scrape() {
	ns_exec r1 python3 -c '
import sys, urllib.request
sys.stdout.write(urllib.request.urlopen("http://'"$NE_ADDR"'/metrics", timeout=5).read().decode())
' >"$1"
}

check "the gre-ka command is built" gk_built
check "promtool (Debian package prometheus)" command -v promtool
TOPO_STOCK_REFLECTOR=0 check "two routers with a GRE tunnel" topo_two_routers
check "static neighbours" static_neigh
check "module loads" load_module
check "keepalive on r2" gk r2 keepalive gre1 0.5 2
check "keepalive on r1" gk r1 keepalive gre1 0.5 2
check "replies arrive" wait_for 10 "rx >= 3" ka_stat_ge r1 gre1 rx 3

prom >"$D/up.prom"
check "exit 0" test -s "$D/up.prom"
check "promtool check metrics passes (up)" promtool_ok "$D/up.prom"
check "line protocol up" sample_is "$D/up.prom" 'gre_ka_line_protocol_up\{device="gre1"\} 1'
check "keepalive enabled, 0.5 s, 2 retries" sh -c "grep -qx 'gre_ka_keepalive_enabled{device=\"gre1\"} 1' '$D/up.prom' &&
	grep -qx 'gre_ka_period_seconds{device=\"gre1\"} 0.500' '$D/up.prom' &&
	grep -qx 'gre_ka_retries{device=\"gre1\"} 2' '$D/up.prom'"
check "replies counted" sample_is "$D/up.prom" 'gre_ka_keepalives_received_total\{device="gre1"\} [1-9][0-9]*'
check "an RTT, in seconds" sample_is "$D/up.prom" 'gre_ka_rtt_avg_seconds\{device="gre1"\} 0\.[0-9]{6}'
check "refusals by reason" sample_is "$D/up.prom" \
	'gre_ka_refused_total\{device="gre1",reason="request_address"\} [0-9]+'
check "no peer metrics of a point-to-point tunnel" sh -c "! grep -q '^gre_ka_peer' '$D/up.prom'"
diag "$(grep -c '^gre_ka_' "$D/up.prom") samples"

check "cut the path" path_cut
check "r1 goes down" wait_for 10 "r1 down" ka_state_is r1 gre1 down
prom >"$D/down.prom"
check "promtool check metrics passes (down)" promtool_ok "$D/down.prom"
check "line protocol down" sample_is "$D/down.prom" 'gre_ka_line_protocol_up\{device="gre1"\} 0'
check "one down transition" sample_is "$D/down.prom" \
	'gre_ka_transitions_total\{device="gre1",direction="down"\} 1'
check "the last change, a Unix time" sample_is "$D/down.prom" \
	'gre_ka_last_change_timestamp_seconds\{device="gre1"\} 1[0-9]{9}\.[0-9]{3}'
check "repair the path" path_repair

# --- The textfile helper, node_exporter -------------------------------------------------
check "a collector directory" mkdir "$D/textfile"
check "prometheus-textfile DIR -n r1" env GRE_KA="$GK" "$TEXTFILE" "$D/textfile" -n r1
check_eq "only gre_ka.prom in it, no temporary file" "gre_ka.prom" "$(ls -A "$D/textfile")"
check_eq "mode 0644" "644" "$(stat -c %a "$D/textfile/gre_ka.prom")"
check "promtool passes the file" promtool_ok "$D/textfile/gre_ka.prom"
check "node_exporter ($NE) on $NE_ADDR in r1, textfile collector only" test -x "$NE"
ns_exec r1 "$NE" --collector.disable-defaults --collector.textfile \
	--collector.textfile.directory="$D/textfile" --web.listen-address="$NE_ADDR" \
	>"$GRE_KA_OUT/t-43-node-exporter.log" 2>&1 &
bg_register $!
check "node_exporter answers" wait_for 20 "a scrape" scrape "$D/scrape"
check "it serves our metrics" sample_is "$D/scrape" 'gre_ka_line_protocol_up\{device="gre1"\} [01]'
check "... without a textfile scrape error" sample_is "$D/scrape" 'node_textfile_scrape_error 0'
check "... and the file's mtime" sample_is "$D/scrape" \
	'node_textfile_mtime_seconds\{file="([^"]*/)?gre_ka.prom"\} .*'
err=$(env GRE_KA="$GK" "$TEXTFILE" "$D/textfile" -n nonexistent 2>&1)
check "gre-ka failing (no such netns): the helper fails" test "$?" != 0
check_eq "... and removes the stale file" "" "$(ls -A "$D/textfile")"
diag "$err"

rm -rf "$D"
test_done
