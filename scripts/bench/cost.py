#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The kernel CPU one keepalive costs, and progress of process context under load.

Run as root in a VM with the module not loaded. Two namespaces s1 and s2,
joined by veth, get N ip_gre tunnels each (keys 1..N). s1's tunnels send
keepalives every P ms; s2's send none (enabled 0) and answer them (the
module's reflection) or refuse them (reflect 0). The kernel's CPU is what
a nice-19 busy loop per CPU loses in each phase of S seconds against the
baseline (measured before and after, the host's load moves it):

  off       the module loaded, nothing sent: the baseline (and off2);
  answered  s1 sends, s2 reflects, s1 takes the replies: per round trip
            = (answered - off) / keepalives sent;
  refused   s1 sends, s2 refuses them (request_reflect_off): per
            keepalive sent and dropped by the far hook = (refused - off) /
            keepalives sent;
            per reflection (the answer built and sent, and the reply
            received and verified) = per round trip - per refused one;
  unsent    s1 sends, its qdisc drops them (netem loss 100%): the timer,
            building the keepalive and the route lookup, up to the qdisc;
            the wire and the far hook = per refused one - this.

In the answered and refused phases the function_graph tracer also times
each call of the module's two softirq entry points (graph()): the
module's own cost per keepalive sent (module_us_timer), per request
refused (module_us_refused) and per round trip (module_us_round_trip:
the timer and the hook's calls for one keepalive, its reflection and its
reply), each with everything the call does, down to the veth's enqueue.

Each figure includes the whole path of the packet through the kernel
(route lookup, ip_gre, veth, the receive softirq), which the module
cannot avoid: it is what one keepalive costs the router. Then, with the
rate raised until the CPU is saturated (P2 ms), process context must still
make progress: the time of a tunnel's creation and deletion, a sysfs
write, a netlink dump (ip link) and rmmod are measured while the timers
and the hook saturate the CPU (no livelock: each timer tick and each
packet does bounded work).

Usage: cost.py --ko gre_ka.ko --out FILE.json [--n N] [--period-ms P]
               [--secs S] [--saturate-ms P2] [--no-saturate]

Each phase also records the local timer interrupts (LOC) and the HRTIMER
and NET_RX softirqs per second: what the timers' expiries cost in
interrupts, which timer slack lets tunnels share.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

from benchlib import Tracer, busy_loops, cpu_taken, logger, ns_pair, sh

UL1, UL2 = '198.51.100.1', '198.51.100.2'
SYS = '/run/gre_ka-cost'
log = logger('cost')


def irq_counts():
	"""Local timer interrupts (LOC) and HRTIMER and NET_RX softirqs so
	far, summed over the CPUs: how many interrupts the timers cost."""
	c = {}
	with open('/proc/interrupts') as f:
		for line in f:
			w = line.split()
			if w and w[0] == 'LOC:':
				c['loc'] = sum(int(x) for x in w[1:] if x.isdigit())
	with open('/proc/softirqs') as f:
		for line in f:
			w = line.split()
			if w and w[0] in ('HRTIMER:', 'NET_RX:'):
				c[w[0][:-1].lower()] = sum(int(x) for x in w[1:])
	return c


GRAPH_FNS = ('gre_ka_timer_fn', 'gre_ka_hook_fn')


def graph(secs):
	"""The module's own time per call of its two softirq entry points,
	from the function_graph tracer (benchlib.Tracer, filtered to them,
	depth 1): the timer (a keepalive built and sent, down to the veth's
	enqueue) and the netfilter hook (a request refused or answered, a
	reply verified), with all they call. Precise where the busy loops are
	not: it times each call, and other guests' load shows only as
	outliers. None if this kernel cannot trace them."""
	try:
		t = Tracer(GRAPH_FNS, depth=1, buffer_kb=16384)
		if t.missing:
			log(f'function_graph: cannot trace {t.missing}')
			return None
		t.start()
		try:
			time.sleep(secs)
		finally:
			calls, _ = t.stop()
	except (OSError, subprocess.CalledProcessError) as e:
		log(f'function_graph: {e}')
		return None
	d = {fn: [] for fn in GRAPH_FNS}
	for name, _, _, dur_ms, _ in calls:
		# "gre_ka_timer_fn [gre_ka]"
		fn = name.split()[0]
		if fn in d:
			d[fn].append(dur_ms * 1000)
	out = {}
	for fn, v in d.items():
		if v:
			v.sort()
			# The slowest 2 % dropped: calls the host preempted.
			kept = v[:max(1, len(v) * 98 // 100)]
			out[fn] = {'calls_per_s': round(len(v) / secs),
				   'tmean_us': round(statistics.fmean(kept), 2),
				   'median_us': round(statistics.median(v), 2),
				   'mean_us': round(statistics.fmean(v), 2),
				   'p90_us': round(v[int(len(v) * 0.9)], 2)}
	return out


def ktime():
	"""Kernel time (system + irq + softirq) and all, in USER_HZ ticks."""
	with open('/proc/stat') as f:
		w = [int(x) for x in f.readline().split()[1:]]
	return w[2] + w[5] + w[6], sum(w)


class Pair:
	def __init__(self, n):
		self.n = n

	def setup(self):
		ns_pair(('s1', 's2'), (UL1, UL2))
		mac = {ns: subprocess.run(['ip', 'netns', 'exec', ns, 'cat',
					   '/sys/class/net/eth0/address'], check=True,
					  capture_output=True, text=True).stdout.strip()
		       for ns in ('s1', 's2')}
		for ns, peer, other in (('s1', UL2, 's2'), ('s2', UL1, 's1')):
			sh('ip', '-n', ns, 'neigh', 'replace', peer, 'lladdr', mac[other],
			   'dev', 'eth0', 'nud', 'permanent')
		for ns, lo, re in (('s1', UL1, UL2), ('s2', UL2, UL1)):
			batch = ''.join(f'link add gk{i} type gre local {lo} remote {re} '
					f'key {i} ttl 255\nlink set gk{i} up\n'
					for i in range(1, self.n + 1))
			sh('ip', '-n', ns, '-batch', '-', input=batch, text=True)
			os.makedirs(f'{SYS}/{ns}', exist_ok=True)
			sh('nsenter', f'--net=/run/netns/{ns}', 'mount', '-t', 'sysfs',
			   'sysfs', f'{SYS}/{ns}')

	def teardown(self):
		for ns in ('s1', 's2'):
			subprocess.run(['umount', f'{SYS}/{ns}'], stderr=subprocess.DEVNULL)
			subprocess.run(['ip', 'netns', 'del', ns], stderr=subprocess.DEVNULL)

	def path(self, ns, i, name):
		return f'{SYS}/{ns}/class/net/gk{i}/keepalive/{name}'

	def write(self, ns, name, value):
		for i in range(1, self.n + 1):
			with open(self.path(ns, i, name), 'w') as f:
				f.write(value)

	def total(self, ns, name):
		"""The sum over the tunnels (0 if the module has no such file:
		tx_errors is new in this round, the old module is measured too)."""
		t = 0
		for i in range(1, self.n + 1):
			try:
				with open(self.path(ns, i, name)) as f:
					t += int(f.read())
			except FileNotFoundError:
				return 0
		return t


def measure(p, secs):
	"""The counters' deltas over secs, and the iterations of the busy loops
	that ran meanwhile: the kernel's work (softirq, timers, ksoftirqd) is
	what they lose. /proc/stat's tick-sampled split is no use here: under
	emulation a tick rarely lands inside a softirq run from idle."""
	names = (('s1', 'statistics/tx'), ('s1', 'statistics/rx'),
		 ('s2', 'statistics/reflected'), ('s2', 'refused/request_reflect_off'),
		 ('s1', 'statistics/tx_errors'), ('s2', 'statistics/reflect_dropped'))
	c0 = [p.total(ns, n) for ns, n in names]
	i0 = irq_counts()
	t0 = time.monotonic()
	loops = busy_loops(secs)
	dt = time.monotonic() - t0
	i1 = irq_counts()
	c1 = [p.total(ns, n) for ns, n in names]
	d = dict(zip(('tx', 'rx', 'reflected', 'refused', 'tx_errors', 'reflect_dropped'),
		     (b - a for a, b in zip(c0, c1))))
	d['loops_per_s'] = round(loops)
	d['secs'] = round(dt, 2)
	for k in i1:
		d[f'{k}_per_s'] = round((i1[k] - i0.get(k, 0)) / dt)
	return d


def share(base, m):
	"""The CPUs m's kernel work took from the busy loops."""
	return cpu_taken(base['loops_per_s'], m['loops_per_s'])


def timed(*cmd):
	t0 = time.monotonic()
	r = subprocess.run(cmd, capture_output=True, text=True)
	return round(time.monotonic() - t0, 3), r.returncode


def main():
	ap = argparse.ArgumentParser()
	ap.add_argument('--ko', required=True)
	ap.add_argument('--out', required=True)
	ap.add_argument('--n', type=int, default=100)
	ap.add_argument('--period-ms', type=int, default=20)
	ap.add_argument('--secs', type=float, default=20)
	ap.add_argument('--saturate-ms', type=int, default=10)
	ap.add_argument('--no-saturate', action='store_true',
			help='leave out the saturated phase (repeated rounds)')
	a = ap.parse_args()
	if os.path.isdir('/sys/module/gre_ka'):
		sys.exit('cost: gre_ka is loaded already')
	res = {'n': a.n, 'period_ms': a.period_ms, 'secs': a.secs,
	       'kernel': os.uname().release, 'problems': []}
	p = Pair(a.n)
	try:
		p.setup()
		sh('insmod', a.ko, 'auto_enable=1', f'period_ms={a.period_ms}',
		   'retries=255')
		for ns in ('s1', 's2'):
			p.write(ns, 'enabled', '0')
		time.sleep(2)
		res['off'] = measure(p, a.secs)
		p.write('s1', 'enabled', '1')
		time.sleep(2)
		res['answered'] = measure(p, a.secs)
		res['graph_answered'] = graph(3)
		p.write('s2', 'reflect', '0')
		time.sleep(2)
		res['refused'] = measure(p, a.secs)
		res['graph_refused'] = graph(3)
		# Nothing leaves s1: its qdisc drops every packet (netem loss 100%).
		sh('tc', '-n', 's1', 'qdisc', 'add', 'dev', 'eth0', 'root', 'netem',
		   'loss', '100%')
		time.sleep(2)
		res['unsent'] = measure(p, a.secs)
		sh('tc', '-n', 's1', 'qdisc', 'del', 'dev', 'eth0', 'root')
		# The baseline again: the host's load moves the loops' rate.
		for ns in ('s1',):
			p.write(ns, 'enabled', '0')
		time.sleep(2)
		res['off2'] = measure(p, a.secs)
		off = dict(res['off'])
		off['loops_per_s'] = (res['off']['loops_per_s'] + res['off2']['loops_per_s']) / 2
		res['baseline_spread'] = round(abs(res['off']['loops_per_s'] -
			res['off2']['loops_per_s']) / off['loops_per_s'], 4)
		ans, ref = res['answered'], res['refused']
		if not ans['tx'] or ans['reflected'] < ans['tx'] * 0.9:
			res['problems'].append(f'answered: {ans}')
		if not ref['tx'] or ref['refused'] < ref['tx'] * 0.9:
			res['problems'].append(f'refused: {ref}')
		if ans['tx'] and ref['tx']:
			res['cpu_answered'] = round(share(off, ans), 4)
			res['cpu_refused'] = round(share(off, ref), 4)
			rt = share(off, ans) * ans['secs'] / ans['tx'] * 1e6
			one = share(off, ref) * ref['secs'] / ref['tx'] * 1e6
			res['us_per_round_trip'] = round(rt, 1)
			res['us_per_refused_keepalive'] = round(one, 1)
			res['us_per_reflection_and_reply'] = round(rt - one, 1)
		uns = res['unsent']
		if uns['tx']:
			res['cpu_unsent'] = round(share(off, uns), 4)
			tx = share(off, uns) * uns['secs'] / uns['tx'] * 1e6
			res['us_per_keepalive_to_qdisc'] = round(tx, 1)
			if ref['tx']:
				res['us_per_wire_and_far_hook'] = round(
					res['us_per_refused_keepalive'] - tx, 1)
		ga, gr = res.get('graph_answered'), res.get('graph_refused')
		if ga and gr and 'gre_ka_timer_fn' in ga and 'gre_ka_hook_fn' in gr:
			# Per keepalive sent: the timer's call, and the hook's
			# calls (answered: the request reflected and the reply
			# verified; refused: the request refused).
			kps = ga['gre_ka_timer_fn']['calls_per_s']
			hook = ga.get('gre_ka_hook_fn', {})
			res['module_us_timer'] = ga['gre_ka_timer_fn']['tmean_us']
			res['module_us_refused'] = gr['gre_ka_hook_fn']['tmean_us']
			if hook and kps:
				res['module_us_round_trip'] = round(
					res['module_us_timer'] +
					hook['tmean_us'] * hook['calls_per_s'] / kps, 2)
		log(json.dumps({k: res.get(k) for k in ('us_per_round_trip',
			'us_per_refused_keepalive', 'us_per_reflection_and_reply',
			'us_per_keepalive_to_qdisc', 'us_per_wire_and_far_hook', 'baseline_spread',
			'module_us_timer', 'module_us_refused', 'module_us_round_trip')}))

		if a.no_saturate:
			return 1 if res['problems'] else 0
		# Saturated: every tunnel of both sides sending at P2 ms, both
		# answering. Process context must still get through.
		p.write('s2', 'reflect', '1')
		for ns in ('s1', 's2'):
			p.write(ns, 'period_ms', str(a.saturate_ms))
			p.write(ns, 'enabled', '1')
		time.sleep(3)
		sat = measure(p, a.secs / 2)
		res['saturated'] = sat
		res['cpu_saturated'] = round(share(off, sat), 3)
		ops = {}
		ops['ip link add'] = timed('ip', '-n', 's1', 'link', 'add', 'gkx', 'type',
					   'gre', 'local', UL1, 'remote', UL2, 'key', '99999')
		ops['ip link set up'] = timed('ip', '-n', 's1', 'link', 'set', 'gkx', 'up')
		ops['sysfs write'] = timed('sh', '-c', f'echo 3 > {SYS}/s1/class/net/gk1/keepalive/retries')
		ops['ip link show (dump)'] = timed('ip', '-n', 's1', '-o', 'link', 'show')
		ops['ip link del'] = timed('ip', '-n', 's1', 'link', 'del', 'gkx')
		ops['rmmod'] = timed('rmmod', 'gre_ka')
		ops['insmod'] = timed('insmod', a.ko, f'period_ms={a.saturate_ms}', 'auto_enable=1')
		ops['rmmod again'] = timed('rmmod', 'gre_ka')
		res['process_context_s'] = {k: v[0] for k, v in ops.items()}
		for k, (s, rc) in ops.items():
			if rc:
				res['problems'].append(f'{k}: exit {rc}')
		log(f'saturated: {sat}; process context: {res["process_context_s"]}')
	finally:
		with open(a.out, 'w') as f:
			json.dump(res, f, indent=1)
		p.teardown()
		subprocess.run(['rmmod', 'gre_ka'], stderr=subprocess.DEVNULL)
	log(json.dumps(res))
	return 1 if res['problems'] else 0


if __name__ == '__main__':
	sys.exit(main())
