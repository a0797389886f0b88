#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Summarise the benchmark files written by scripts/bench/guest.sh.

Usage: report.py DIR

Reads DIR/*.json, writes DIR/results.json (every figure, machine-readable),
DIR/table.txt (printed too) and, with gnuplot, DIR/bench.png.
"""
import glob
import json
import os
import statistics
import subprocess
import sys

import frr_report


def load(path):
	with open(path) as f:
		return json.load(f)


def q(v):
	"""min/median/p95 (nearest rank)/max."""
	v = sorted(v)
	if not v:
		return None
	return {'n': len(v), 'min': v[0], 'median': statistics.median(v),
		'p95': v[min(len(v) - 1, max(0, -(-95 * len(v) // 100) - 1))],
		'max': v[-1]}


def fmt(s, scale=1.0, nd=0):
	if not s:
		return '-'
	return '/'.join(f'{s[k] * scale:.{nd}f}' for k in ('min', 'median', 'p95', 'max'))


def main():
	d = sys.argv[1]
	res = {'machine': load(f'{d}/machine.json')} if os.path.exists(f'{d}/machine.json') else {}
	lines = []
	out = lines.append

	# --- latency ---------------------------------------------------------
	lat = []
	load_run = load(f'{d}/load.json') if os.path.exists(f'{d}/load.json') else None
	false_downs = {t['config']: t for t in load_run['tunnels']} if load_run else {}
	for f in glob.glob(f'{d}/latency-*.json'):
		j = load(f)
		p, r = j['period_ms'], j['retries']
		tr = j['trials']
		det = q([t['detect_ms'] for t in tr])
		rec = q([t['recover_ms'] for t in tr])
		cfg = f'{p}x{r}'
		e = {
			'config': cfg, 'period_ms': p, 'retries': r,
			'trials': len(tr), 'failures': j['failures'],
			'window_ms': [r * p, (r + 1) * p],
			'detect_ms': det, 'recover_ms': rec,
			'detect_unc_ms': q([t['detect_unc_ms'] for t in tr]),
			'recover_unc_ms': q([t['recover_unc_ms'] for t in tr]),
			'kmsg_minus_kernel_ms': q([t['kmsg_minus_kernel_down_ms'] for t in tr
						   if t['kmsg_minus_kernel_down_ms'] is not None]),
			'statistics': j['statistics'],
			'raw': tr,
		}
		if det:
			e['median_over_lower_bound'] = det['median'] / (r * p)
			target = r * p + p / 2
			e['goal_target_ms'] = target
			e['median_vs_target'] = det['median'] / target - 1
			e['goal_met'] = abs(e['median_vs_target']) <= 0.10
		if cfg in false_downs:
			e['false_downs'] = false_downs[cfg]['false_downs']
			e['load_seconds'] = load_run['seconds']
		lat.append(e)
	lat.sort(key=lambda e: -e['period_ms'])
	res['latency'] = lat
	if lat:
		out('1. Failure detection and recovery (ms; min/median/p95/max; CLOCK_MONOTONIC,')
		out('   kernel-side change timestamps; +-: median cut/repair timing uncertainty)')
		out(f'{"config":>8} {"trials":>6} {"window":>11} {"detection":>25} {"med/lower":>9} '
		    f'{"vs r*p+p/2":>10} {"recovery":>21} {"+-":>5} {"false downs":>11}')
		for e in lat:
			fd = f'{e["false_downs"]} in {e["load_seconds"]} s' if 'false_downs' in e else '-'
			out(f'{e["config"]:>8} {e["trials"]:>6} '
			    f'{e["window_ms"][0]:>5}-{e["window_ms"][1]:<5} {fmt(e["detect_ms"]):>25} '
			    f'{e.get("median_over_lower_bound", 0):>9.3f} '
			    f'{e.get("median_vs_target", 0) * 100:>+9.1f}% {fmt(e["recover_ms"]):>21} '
			    f'{e["detect_unc_ms"]["median"] if e["detect_unc_ms"] else 0:>5.1f} {fd:>11}')
		if load_run:
			try:
				ip = load(f'{d}/load-iperf3.json')
				res['load_iperf3_mbps'] = ip['end']['sum_received']['bits_per_second'] / 1e6
				out(f'   loaded run: iperf3 over the tunnel {res["load_iperf3_mbps"]:.0f} Mbit/s '
				    f'+ a busy loop per CPU, {load_run["seconds"]} s')
			except (OSError, ValueError, KeyError):
				pass
		out('')

	# --- scale -----------------------------------------------------------
	sc = []
	for f in glob.glob(f'{d}/scale-*.json'):
		sc.append(load(f))
	sc.sort(key=lambda s: (s['n'], s.get('period_ms', 1000)))
	res['scale'] = sc
	if sc:
		out('2. Scale: N tunnels per router, both routers sending (retries 3)')
		out(f'{"N":>6} {"period":>6} {"up":>11} {"B/tunnel":>8} {"unrecl.":>7} {"kernfs":>6} '
		    f'{"down after cut, s":>23} {"out of win":>10} {"up after repair, s":>19} '
		    f'{"ip link down/up, s":>18} {"CPU on/off, % of 1 CPU":>22} {"per router":>10}')
		for s in sc:
			m = s.get('memory', {})
			kf = m.get('caches_bytes_per_tunnel', {}).get('kernfs_node_cache', 0)
			ka = s.get('cpu_keepalive')
			s['cpu_keepalive_per_router'] = ka / 2 if ka is not None else None
			out(f'{s["n"]:>6} {s.get("period_ms", 1000) / 1000:>5g}s '
			    f'{s.get("up_with_replies", 0):>5}/{2 * s["n"]:<5} '
			    f'{m.get("bytes_per_tunnel", 0):>8} {m.get("unreclaimable_bytes_per_tunnel", 0):>7} '
			    f'{kf:>6} {fmt(s.get("down_ms"), 0.001, 2):>23} '
			    f'{s.get("down_outside_window", "-"):>10} {fmt(s.get("up_ms"), 0.001, 2):>19} '
			    f'{str(s.get("all_down_seen_s")) + "/" + str(s.get("all_up_seen_s")):>18} '
			    f'{s.get("cpu_on", 0) * 100:>10.2f}/{s.get("cpu_off", 0) * 100:<11.2f} '
			    f'{(ka or 0) * 50:>9.2f}%')
			if s.get('problems'):
				out(f'       problems: {"; ".join(s["problems"])}')
		out('')

	# --- gre-ka show, memory without sysfs (scripts/bench/cli.py) ---------
	cl = sorted((load(f) for f in glob.glob(f'{d}/cli-*.json')), key=lambda c: c['n'])
	if cl:
		res['cli'] = cl
		out('2b. gre-ka show (wall time, ms, min/median/max of runs) and bytes per tunnel')
		out('    with the module loaded, keepalive on (slab: /proc/meminfo Slab delta; objects:')
		out('    /proc/slabinfo active objects)')
		for c in cl:
			def t(k):
				s = c.get(k)
				return f'{s["min_ms"]:.0f}/{s["median_ms"]:.0f}/{s["max_ms"]:.0f}' if s else '-'
			out(f'   N={c["n"]}: show {t("show")}, --json show {t("show_json")}, '
			    f'show of one {t("show_one")}; ip link show {t("ip_link_show")}')
			for k in ('sysfs1', 'sysfs0'):
				m = c.get(f'{k}_memory')
				if m:
					out(f'   {k.replace("sysfs", "sysfs=")}: slab {m["slab_bytes_per_tunnel"]} B, '
					    f'unreclaimable {m["unreclaimable_bytes_per_tunnel"]} B, objects '
					    f'{m["active_object_bytes_per_tunnel"]} B, percpu '
					    f'{m["percpu_bytes_per_tunnel"]} B per tunnel; top caches '
					    + ', '.join(f'{n} {b}' for n, b in
							list(m['caches_bytes_per_tunnel'].items())[:5]))
			if c.get('problems'):
				out(f'       problems: {"; ".join(c["problems"])}')
		out('')

	# --- data path -------------------------------------------------------
	dp = {'tcp_mbps': {'off': [], 'on': []}, 'udp_pps': {'off': [], 'on': []}}
	for f in sorted(glob.glob(f'{d}/dp-*.json')):
		kind, mode = os.path.basename(f).split('-')[1:3]
		try:
			j = load(f)
			if kind == 'tcp':
				dp['tcp_mbps'][mode].append(j['end']['sum_received']['bits_per_second'] / 1e6)
			else:
				s = j['end']['sum']
				dp['udp_pps'][mode].append((s['packets'] - s['lost_packets']) / s['seconds'])
		except (ValueError, KeyError) as e:
			print(f'report: {f}: {e!r}', file=sys.stderr)
	if dp['tcp_mbps']['off']:
		res['datapath'] = dp
		out('3. Data path through the tunnel: module not loaded (off) vs loaded, keepalive on')
		for k, unit in (('tcp_mbps', 'TCP Mbit/s'), ('udp_pps', 'UDP 64 B pkt/s')):
			off, on = dp[k]['off'], dp[k]['on']
			if not off or not on:
				continue
			ratio = statistics.median(on) / statistics.median(off)
			dp[k + '_ratio'] = ratio
			out(f'   {unit:>15}: off {" ".join(f"{x:.0f}" for x in off)}; '
			    f'on {" ".join(f"{x:.0f}" for x in on)}; ratio of medians {ratio:.3f}')
		out('')

	# --- a passive hub (scripts/bench/passive.sh) ------------------------
	pf = f'{d}/passive.json'
	if os.path.exists(pf):
		p = load(pf)
		res['passive'] = p
		qs = lambda m: f'{m["median"]}/{m["p95"]}/{m["max"]}'
		out(f'2c. passive hub: {p["tunnels"]} tunnels, spokes every {p["spoke_period_ms"]} ms x '
		    f'{p["retries"]}; window {p["window_ms"][0]}-{p["window_ms"][1]} ms')
		out(f'   keepalives the hub sent: {p["hub_keepalives_sent"]}; requests it counted: '
		    f'{p["hub_requests_counted"]}; learned period median/p95/max {qs(p["learned_period_ms"])} ms')
		out(f'   guest CPU in steady state: {p["guest_cpu_percent_steady"]}% over {p["cpu_secs"]} s')
		dn, up = p['down_after_cut_ms'], p['up_after_repair_ms']
		out(f'   cut -> down: {dn["tunnels_down"]} tunnels, median/p95/max {qs(dn)} ms; '
		    f'repair -> up: {up["tunnels_up"]}, {qs(up)} ms')
		out('')

	# --- multipoint: one mGRE device against point-to-point (mgre.py) ------
	mg = sorted(glob.glob(f'{d}/mgre-*.json'))
	if mg:
		out('2d. multipoint hub: one mGRE device with N peers against N point-to-point tunnels')
		res['mgre'] = []
		for f in mg:
			m = load(f)
			res['mgre'].append(m)
			out(f'   {m["mode"]:>4} {m["n"]:>6} at {m["period_ms"]} ms x {m["retries"]}: '
			    f'{m.get("bytes_per_peer", "?")} B per peer; dump {m.get("dump_s", "?")} s; '
			    f'CPU {m.get("cpu_keepalive", float("nan")):.3f} of a CPU; '
			    f'all down {m.get("all_down_ms")} ms after the cut (window {m.get("window_ms")} ms)'
			    + (f'; PROBLEMS {m["problems"]}' if m.get('problems') else ''))
		out('')

	# --- the cost of one keepalive (cost.py) -----------------------------
	# cost-LABEL-ROUND.json: each module measured in turn, round by round
	# in one VM; the median of its rounds is what compares.
	cf = sorted(glob.glob(f'{d}/cost-*.json'))
	if cf:
		out('2e. kernel CPU per keepalive (us of this VM, busy-loop method; whole path)')
		res['cost'] = {}
		runs = {}
		for f in cf:
			label = os.path.basename(f)[5:-5].rsplit('-', 1)[0]
			runs.setdefault(label, []).append(load(f))
		keys = ('us_per_round_trip', 'us_per_refused_keepalive',
			'us_per_keepalive_to_qdisc', 'us_per_reflection_and_reply',
			'module_us_timer', 'module_us_refused', 'module_us_round_trip')
		for label, cs in runs.items():
			med = {k: statistics.median(c[k] for c in cs if c.get(k) is not None)
			       for k in keys if any(c.get(k) is not None for c in cs)}
			res['cost'][label] = {'runs': cs, 'median': med}
			c = cs[0]
			out(f'   {label:>8} ({c["kernel"]}, {c["n"]} tunnels at {c["period_ms"]} ms, '
			    f'median of {len(cs)}): round trip {med.get("us_per_round_trip")}, '
			    f'refused by the far hook {med.get("us_per_refused_keepalive")}, '
			    f'up to the qdisc {med.get("us_per_keepalive_to_qdisc")}, '
			    f'reflection and reply {med.get("us_per_reflection_and_reply")}; '
			    f'in the module (function_graph): timer {med.get("module_us_timer")}, '
			    f'hook refusing {med.get("module_us_refused")}, '
			    f'round trip {med.get("module_us_round_trip")}')
			for i, c in enumerate(cs, 1):
				ans = c.get('answered', {})
				out(f'   {"":>8} run {i}: round trip {c.get("us_per_round_trip")}, '
				    f'refused {c.get("us_per_refused_keepalive")}, to the qdisc '
				    f'{c.get("us_per_keepalive_to_qdisc")}; module: timer '
				    f'{c.get("module_us_timer")}, refusing {c.get("module_us_refused")}, '
				    f'round trip {c.get("module_us_round_trip")}; baseline spread '
				    f'{c.get("baseline_spread")}; answered: timer interrupts '
				    f'{ans.get("loc_per_s")}/s, HRTIMER softirqs {ans.get("hrtimer_per_s")}/s')
			pc = cs[0].get('process_context_s', {})
			if pc:
				out(f'   {"":>8} saturated ({cs[0].get("cpu_saturated")} CPUs): '
				    + ', '.join(f'{k} {v} s' for k, v in pc.items()))
		out('')

	frr_report.report(d, res, out)

	with open(f'{d}/results.json', 'w') as f:
		json.dump(res, f, indent=1)
	with open(f'{d}/table.txt', 'w') as f:
		f.write('\n'.join(lines) + '\n')
	print('\n'.join(lines))
	plot(d, lat, sc)
	frr_report.plot(d, res)


def plot(d, lat, sc):
	if not lat and not sc:
		return
	with open(f'{d}/latency.dat', 'w') as f:
		for i, e in enumerate(lat):
			f.write(f'# {e["config"]}\n')
			for j, t in enumerate(e['raw']):
				x = i + 0.3 * (j / max(1, len(e['raw']) - 1) - 0.5)
				f.write(f'{x:.3f} {t["detect_ms"] / e["period_ms"]:.4f} '
					f'{t["recover_ms"] / e["period_ms"]:.4f}\n')
	with open(f'{d}/scale.dat', 'w') as f:
		for s in sc:
			f.write(f'{s["n"]} {(s.get("cpu_keepalive") or 0) * 50:.4f} '
				f'{s.get("memory", {}).get("bytes_per_tunnel", 0)} '
				f'{s.get("period_ms", 1000)}\n')
	labels = ', '.join(f'"{e["config"]} ms" {i}' for i, e in enumerate(lat))
	gp = f'''
set terminal pngcairo size {1200 if sc else 640},450 font ",10"
set output "{d}/bench.png"
set multiplot layout 1,{2 if sc else 1}
set title "Detection and recovery, in periods (window: retries..retries+1)"
set xtics ({labels})
set xrange [-0.5:{max(len(lat), 1) - 0.5}]
set yrange [0:*]
set ylabel "latency / period"
set grid y
plot "{d}/latency.dat" u 1:2 w p pt 7 ps 0.6 t "cut -> carrier off", \\
     "{d}/latency.dat" u 1:3 w p pt 6 ps 0.6 t "repair -> carrier on", \\
     3 w l lc rgb "gray" dt 2 t "3 periods", 4 w l lc rgb "gray" dt 3 t "4 periods"
{'' if sc else 'unset multiplot; exit'}
set title "Scale: N tunnels per router (the longer period: see the table)"
set xtics auto
set autoscale x
set logscale x
set xrange [*:*]
set yrange [0:*]
set xlabel "N"
set ylabel "keepalive CPU, % of one CPU per router"
set y2label "slab bytes per tunnel"
set y2tics
set y2range [0:*]
plot "{d}/scale.dat" u 1:($4 == 1000 ? $2 : 1/0) w lp pt 7 t "CPU, period 1 s (left)", \\
     "{d}/scale.dat" u 1:($4 != 1000 ? $2 : 1/0) w p pt 6 ps 1.5 t "CPU, longer period (left)", \\
     "{d}/scale.dat" u 1:3 axes x1y2 w p pt 5 t "memory (right)", \\
     1 w l lc rgb "gray" dt 2 t "1% goal", \\
     1024 axes x1y2 w l lc rgb "dark-green" dt 3 t "1 KiB goal"
unset multiplot
'''
	try:
		subprocess.run(['gnuplot'], input=gp, text=True, check=True)
	except (OSError, subprocess.CalledProcessError) as e:
		print(f'report: no plot: {e}', file=sys.stderr)


if __name__ == '__main__':
	main()
