#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Draw the demo's timeline (make demo) with gnuplot: the ping's RTT over
# time, coloured by the path r1 routes it over, unanswered pings, r1 gre1's
# carrier as a step line and markers for the cut, carrier down, repair and
# carrier up.
#
# Usage: scripts/demo-plot.sh DIR
#   reads DIR/demo-ping.dat (time s, RTT ms or -1, path 1 = gre1 / 0 =
#   backup), DIR/demo-state.dat (time s, carrier, path, wall clock) and
#   DIR/demo-events.dat (time s, label); writes DIR/timeline.png.
set -euo pipefail

dir=${1:?usage: $0 DIR}
for f in demo-ping.dat demo-state.dat demo-events.dat; do
	[ -s "$dir/$f" ] || {
		echo "${0##*/}: no data in $dir/$f" >&2
		exit 1
	}
done
command -v gnuplot >/dev/null || {
	echo "${0##*/}: gnuplot is not installed (scripts/deps.sh)" >&2
	exit 1
}

# One vertical arrow and label per event.
marks=$(awk '{
	label = $2; for (i = 3; i <= NF; i++) label = label " " $i
	printf "set arrow from %s, graph 0 to %s, graph 1 nohead dt 2 lc rgb \"#555555\"\n", $1, $1
	printf "set label \"%s\" at %s, graph %.2f offset 0.3, 0 font \",9\"\n", label, $1, 0.62 - (NR % 2) * 0.08
}' "$dir/demo-events.dat")
ymax=$(awk '$2 > m { m = $2 } END { print (m > 0 ? m * 8 : 10) }' "$dir/demo-ping.dat")
# The same time axis in both panels.
xmin=$(awk 'NR == 1 || $1 < m { m = $1 } END { print int(m) }' "$dir/demo-state.dat" "$dir/demo-ping.dat")
xmax=$(awk 'NR == 1 || $1 > m { m = $1 } END { print int(m) + 1 }' "$dir/demo-state.dat" "$dir/demo-ping.dat")

gnuplot <<GP
set terminal pngcairo size 1100,650 font ",10"
set output "$dir/timeline.png"
set multiplot layout 2,1 title "gre\\\\_ka demo: floating static route, keepalive 1 s x 3, path cut and repair"
set lmargin 10
set rmargin 4
set xrange [$xmin:$xmax]
set grid xtics ytics lc rgb "#dddddd"
set key top right opaque

set ylabel "ping RTT (ms, log scale)"
set logscale y
set yrange [0.02:$ymax]
set format x ""
set bmargin 1
$marks
plot "$dir/demo-ping.dat" using 1:((\$2 >= 0 && \$3 == 1) ? \$2 : 1/0) with points pt 7 ps 0.6 lc rgb "#1f77b4" title "reply via gre1 (tunnel)", \
     "" using 1:((\$2 >= 0 && \$3 == 0) ? \$2 : 1/0) with points pt 7 ps 0.6 lc rgb "#2ca02c" title "reply via eth1 (backup)", \
     "" using 1:((\$2 < 0) ? 0.03 : 1/0) with points pt 2 ps 0.9 lc rgb "#d62728" title "no answer"

set format x "%g"
set xlabel "time (s)"
set ylabel "r1 gre1"
unset logscale y
set yrange [-0.3:1.5]
set ytics ("down" 0, "up" 1)
set tmargin 1
set bmargin 4
unset label
plot "$dir/demo-state.dat" using 1:2 with steps lw 2 lc rgb "#d62728" title "carrier (line protocol)", \
     "" using 1:(\$3 * 0.9 + 0.05) with steps lw 2 dt 3 lc rgb "#1f77b4" title "route to r2 via gre1 (high) / backup (low)"
unset multiplot
GP
