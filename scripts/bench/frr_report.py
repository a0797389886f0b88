# SPDX-License-Identifier: GPL-2.0
"""The frr section of the benchmark report (scripts/bench/report.py calls
this): failover with FRR OSPF over gre1, gre_ka against bfdd at equal
detection windows and OSPF's dead timer alone; false downs under load;
CPU and packet rates per session; the traced linkwatch path."""
import glob
import json
import os
import statistics
import subprocess


def load(path):
	with open(path) as f:
		return json.load(f)


def q(v):
	v = sorted(x for x in v if x is not None)
	if not v:
		return None
	return {'n': len(v), 'min': v[0], 'median': statistics.median(v),
		'p95': v[min(len(v) - 1, max(0, -(-95 * len(v) // 100) - 1))], 'max': v[-1]}


def f0(s, k='median'):
	return '-' if not s else f'{s[k]:.0f}'


def report(d, res, out):
	fo = {}
	for f in glob.glob(f'{d}/frr-failover-*.json') + glob.glob(f'{d}/frr-trace-*.json'):
		j = load(f)
		trace = os.path.basename(f).startswith('frr-trace')
		key = (j['mode'], j.get('interval_ms') if j['mode'] != 'ospf' else
		       f'{j["hello_ms"]:g}/{j["dead_ms"]:g}', trace)
		tr = j['trials']
		e = {'mode': j['mode'], 'interval_ms': j.get('interval_ms'), 'mult': j.get('mult'),
		     'retries': j.get('retries'), 'window_ms': j['window_ms'], 'traced': trace,
		     'trials': len(tr), 'failures': j['failures'],
		     'fib_ms': q([t['fib_ms'] for t in tr]),
		     'recover_fib_ms': q([t.get('recover_fib_ms') for t in tr]),
		     'cut_unc_ms': q([t['cut_unc_ms'] for t in tr]), 'raw': tr}
		if j['mode'] == 'ospf':
			e.update(hello_ms=j['hello_ms'], dead_ms=j['dead_ms'])
		if j['mode'] == 'gre_ka':
			e['carrier_ms'] = q([t.get('carrier_ms') for t in tr])
			e['link_down_ms'] = q([t.get('link_down_ms') for t in tr])
			e['carrier_to_link_ms'] = q([t['link_down_ms'] - t['carrier_ms'] for t in tr
						     if t.get('link_down_ms') is not None])
			e['link_to_fib_ms'] = q([t['fib_ms'] - t['link_down_ms'] for t in tr
						 if t.get('link_down_ms') is not None])
			e['carrier_to_fib_ms'] = q([t['fib_ms'] - t['carrier_ms'] for t in tr
						    if t.get('carrier_ms') is not None])
			lw = [t['linkwatch'] for t in tr if t.get('linkwatch')]
			if lw:
				e['linkwatch'] = {k: q([x[k] for x in lw if x.get(k) is not None])
						  for k in lw[0] if k not in ('end_ms',)}
		if j['mode'] == 'bfd':
			e['bfdd_down_ms'] = q([t.get('bfdd_down_ms') for t in tr])
			e['bfdd_to_fib_ms'] = q([t['fib_ms'] - t['bfdd_down_ms'] for t in tr
						 if t.get('bfdd_down_ms') is not None])
		fo[key] = e
	loads = {}
	for f in glob.glob(f'{d}/frr-load-*.json'):
		j = load(f)
		loads[j['mode']] = j
	sc = sorted((load(f) for f in glob.glob(f'{d}/frr-scale-*.json')),
		    key=lambda s: (s['interval_ms'], s['n']))
	if not fo and not loads and not sc:
		return
	res['frr'] = {'failover': list(fo.values()), 'load': loads, 'scale': sc}

	def fd(mode, i):
		j = loads.get(mode)
		if not j:
			return '-'
		s = [x for x in j['sessions'] if x['interval_ms'] == i]
		return str(s[0]['false_downs']) if s else '-'

	ivals = sorted({k[1] for k in fo if k[0] != 'ospf' and not k[2]}, reverse=True)
	if ivals:
		out('4. Failover with FRR OSPF over gre1 (backup link cost 100): cut -> FIB route on')
		out('   the backup, ms, median / p95 (trials); gre_ka retries m-1 vs bfdd multiplier m')
		out(f'{"interval":>8} {"window":>9} {"gre_ka":>17} {"bfdd":>17} {"ratio":>6} '
		    f'{"carrier":>7} {"->link":>6} {"->FIB":>6} {"false downs ka/bfd":>18}')
		for i in ivals:
			g, b = fo.get(('gre_ka', i, False)), fo.get(('bfd', i, False))
			w = (g or b)['window_ms']
			ratio = (g['fib_ms']['median'] / b['fib_ms']['median']
				 if g and b and g['fib_ms'] and b['fib_ms'] else None)
			if g and b:
				g['ratio_to_bfd'] = ratio

			def cell(e):
				if not e or not e['fib_ms']:
					return '-'
				return f'{e["fib_ms"]["median"]:.0f} / {e["fib_ms"]["p95"]:.0f} ({e["trials"]})'
			out(f'{i:>8} {w[0]:>4}-{w[1]:<4} {cell(g):>17} {cell(b):>17} '
			    f'{"-" if ratio is None else f"{ratio:.2f}":>6} '
			    f'{f0(g and g.get("carrier_ms")):>7} {f0(g and g.get("carrier_to_link_ms")):>6} '
			    f'{f0(g and g.get("link_to_fib_ms")):>6} '
			    f'{fd("gre_ka", i) + " / " + fd("bfd", i):>18}')
		for k, e in fo.items():
			if k[0] == 'ospf' and e['fib_ms']:
				out(f'   OSPF alone, hello {e["hello_ms"]:g} ms dead {e["dead_ms"]:g} ms '
				    f'(window {e["window_ms"][0]:g}-{e["window_ms"][1]:g}): '
				    f'{e["fib_ms"]["median"]:.0f} / {e["fib_ms"]["p95"]:.0f} ({e["trials"]})')
		for k, e in fo.items():
			if e['failures']:
				out(f'   {k[0]} {k[1]}{" traced" if k[2] else ""}: {len(e["failures"])} '
				    f'failed trials: {"; ".join(e["failures"][:3])}')
		for m in ('gre_ka', 'bfd'):
			if m in loads:
				j = loads[m]
				out(f'   load ({m}): {j["seconds"]} s, a busy loop per CPU, iperf3 over gre1 '
				    f'{j.get("iperf3_mbps") or 0:.0f} Mbit/s')
		out('')
	for m in ('gre_ka', 'bfd'):
		for k, e in fo.items():
			if k[0] != m or not k[2]:
				continue
			if m == 'gre_ka' and e.get('linkwatch'):
				lw = e['linkwatch']
				out(f'   traced gre_ka {k[1]} ms ({e["trials"]} trials), medians: carrier -> '
				    f'linkwatch_event {f0(lw.get("queue_ms"))} ms, run '
				    f'{lw["run_ms"]["median"]:.1f} ms (rtnl_lock '
				    f'{lw["rtnl_lock_ms"]["median"]:.1f}, synchronize_net '
				    f'{lw["synchronize_net_ms"]["median"]:.1f}), link -> FIB '
				    f'{f0(e.get("link_to_fib_ms"))} ms; FIB {f0(e["fib_ms"])} ms')
			if m == 'bfd':
				out(f'   traced bfdd {k[1]} ms ({e["trials"]} trials), medians: bfdd down '
				    f'{f0(e.get("bfdd_down_ms"))} ms, -> FIB {f0(e.get("bfdd_to_fib_ms"))} ms; '
				    f'FIB {f0(e["fib_ms"])} ms')
	if sc:
		out('5. Sessions: CPU (whole VM, busy time, minus the same VM with no session) per')
		out('   session per router, in us of CPU per second; packets/s on the underlay per session')
		out('   (ka: both ends send; ka1: one end passive, sending nothing)')
		out(f'{"N":>6} {"interval":>8} {"ka us/s":>8} {"ka1 us/s":>8} {"bfdd us/s":>9} '
		    f'{"ka/bfd":>6} {"ka pps":>7} {"ka1 pps":>7} {"bfd pps":>7} {"ka B/s":>7} '
		    f'{"bfd B/s":>7} {"downs ka/ka1/bfd":>16}')
		for s in sc:
			g, h, b = s.get('gre_ka', {}), s.get('gre_ka_passive', {}), s.get('bfd', {})
			gc, bc = g.get('cpu_per_session_us_per_s'), b.get('cpu_per_session_us_per_s')
			r = gc / bc if gc is not None and bc else None
			s['ratio_cpu'] = r
			out(f'{s["n"]:>6} {s["interval_ms"]:>8} {gc or 0:>8.1f} '
			    f'{h.get("cpu_per_session_us_per_s", 0):>8.1f} {bc or 0:>9.1f} '
			    f'{"-" if r is None else f"{r:.2f}":>6} {g.get("pps_per_session", 0):>7.1f} '
			    f'{h.get("pps_per_session", 0):>7.1f} '
			    f'{b.get("pps_per_session", 0):>7.1f} {g.get("bytes_per_s_per_session", 0):>7.0f} '
			    f'{b.get("bytes_per_s_per_session", 0):>7.0f} '
			    f'{"/".join(str(x.get("downs", "-")) for x in (g, h, b)):>16}')
			gm, bm = g.get('cpu_per_session_max_us_per_s'), b.get('cpu_per_session_max_us_per_s')
			if gm is not None and bm:
				out(f'       upper bounds, no baseline subtracted: ka {gm:.1f}, ka1 '
				    f'{h.get("cpu_per_session_max_us_per_s", 0):.1f}, bfdd {bm:.1f} us/s '
				    f'(ka/bfd <= {gm / bm:.3f})')
			if 'bfd_up_in_180_s' in s:
				out(f'       bfdd: {s["bfd_up_in_180_s"]} of {2 * s["n"]} session ends up '
				    f'after 180 s, {b.get("up_after", "-")} at the end')
			if s.get('problems'):
				out(f'       problems: {"; ".join(s["problems"])}')
		out('')


def plot(d, res):
	fr = res.get('frr')
	if not fr or not fr['failover']:
		return
	fo = [e for e in fr['failover'] if not e['traced']]
	ivals = sorted({e['interval_ms'] for e in fo if e['mode'] != 'ospf'}, reverse=True)
	groups = [('gre_ka', i) for i in ivals] + [('bfd', i) for i in ivals]
	cols = []
	with open(f'{d}/frr.dat', 'w') as f:
		x = 0
		for i in ivals:
			for m in ('gre_ka', 'bfd'):
				e = [e for e in fo if e['mode'] == m and e['interval_ms'] == i]
				if not e:
					continue
				e = e[0]
				f.write(f'# {m} {i}\n')
				for j, t in enumerate(e['raw']):
					xx = x + 0.3 * (j / max(1, len(e['raw']) - 1) - 0.5)
					# in units of the window's upper bound
					f.write(f'{xx:.3f} {t["fib_ms"] / e["window_ms"][1]:.4f} '
						f'{0 if m == "gre_ka" else 1}\n')
				cols.append((x, f'{"gre_ka" if m == "gre_ka" else "bfdd"} {i} ms'))
				x += 1
			x += 0.5
		for e in fo:
			if e['mode'] == 'ospf':
				f.write('# ospf\n')
				for j, t in enumerate(e['raw']):
					xx = x + 0.3 * (j / max(1, len(e['raw']) - 1) - 0.5)
					f.write(f'{xx:.3f} {t["fib_ms"] / e["window_ms"][1]:.4f} 2\n')
				cols.append((x, f'OSPF {e["hello_ms"] / 1000:g}/{e["dead_ms"] / 1000:g} s'))
				x += 1
	del groups
	xt = ', '.join(f'"{n}" {x}' for x, n in cols)
	ms = [e['mult'] for e in fo if e['mode'] == 'bfd' and e.get('mult')]
	lower = (ms[0] - 1) / ms[0] if ms else 2 / 3
	sc = fr.get('scale') or []
	with open(f'{d}/frr-scale.dat', 'w') as f:
		for s in sc:
			f.write(f'{s["n"]} {s["interval_ms"]} '
				f'{s.get("gre_ka", {}).get("cpu_per_session_us_per_s", 0):.3f} '
				f'{s.get("bfd", {}).get("cpu_per_session_us_per_s", 0):.3f} '
				f'{s.get("gre_ka_passive", {}).get("cpu_per_session_us_per_s", 0):.3f}\n')
	gp = f'''
set terminal pngcairo size {1200 if sc else 700},500 font ",10" noenhanced
set output "{d}/bench-frr.png"
set multiplot layout 1,{2 if sc else 1}
set title "Cut -> FIB route on the backup (FRR OSPF), in units of the window's upper bound"
set xtics ({xt}) rotate by -30
set xrange [-0.5:{max(x, 1) - 0.5}]
set yrange [0:*]
set ylabel "failover / window upper bound"
set grid y
set key below
plot "{d}/frr.dat" u 1:($3 == 0 ? $2 : 1/0) w p pt 7 ps 0.6 lc rgb "blue" t "gre_ka (retries m-1)", \\
     "{d}/frr.dat" u 1:($3 == 1 ? $2 : 1/0) w p pt 6 ps 0.6 lc rgb "red" t "bfdd (multiplier m)", \\
     "{d}/frr.dat" u 1:($3 == 2 ? $2 : 1/0) w p pt 4 ps 0.6 lc rgb "dark-green" t "OSPF dead timer", \\
     1 w l lc rgb "gray" dt 2 t "window upper bound", \\
     {lower:.4f} w l lc rgb "gray" dt 3 t "window lower bound ((m-1)/m)"
{'' if sc else 'unset multiplot; exit'}
set title "CPU per session per router (whole VM, minus idle)"
set xtics auto norotate
set logscale xy
set xrange [50:2000]
set yrange [1:*]
set xlabel "sessions per router"
set ylabel "us of CPU per second per session (log)"
plot "{d}/frr-scale.dat" u 1:3 w lp pt 7 lc rgb "blue" t "gre_ka, both ends sending", \\
     "{d}/frr-scale.dat" u 1:5 w lp pt 5 lc rgb "dark-blue" dt 2 t "gre_ka, one end passive", \\
     "{d}/frr-scale.dat" u 1:4 w lp pt 6 lc rgb "red" t "bfdd"
unset multiplot
'''
	try:
		subprocess.run(['gnuplot'], input=gp, text=True, check=True)
	except (OSError, subprocess.CalledProcessError) as e:
		print(f'report: no frr plot: {e}')
