#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""gre_ka with N keepalive tunnels between two routers (period 1 s unless told).

Run as root in the VM's initial network namespace with the module not
loaded. Two namespaces s1 and s2, joined by veth, get N ip_gre tunnels
each between the same two addresses, told apart by their key (1..N),
created with `ip -batch`. Then:

  1. baseline: Slab (/proc/meminfo, /proc/slabinfo) and CPU time with the
     module not loaded;
  2. insmod auto_enable=1 period_ms=P: every tunnel of both routers
     sends keepalives and reflects its peer's; all must be up with
     replies arriving; memory per tunnel = Slab delta / 2N;
  3. CPU cost with keepalive on; cut the underlay (netem loss 100% on s1's
     egress): all 2N must go down, each within its window; repair: all up.
     Each transition is timed twice: the module's (last_change_ms), and
     when ip link shows it (linkwatch may lag, see wait_carrier's caller);
  4. keepalive disabled through sysfs on every tunnel; CPU cost again.

CPU cost is system + irq + softirq time from /proc/stat over a fixed
interval, as a fraction of one CPU, for the whole VM (both routers).

Usage: scale.py --n N --ko gre_ka.ko --out FILE.json [--cpu-secs S]
                [--period-ms P]

A longer period (Cisco's default is 10 s) is how 10,000 tunnels per router
fit on two emulated CPUs: at 1 s they saturate the VM, mostly in ip_gre's
own tunnel lookup (a 128-bucket hash walked per received packet; see
Documentation/bench.rst).
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

from benchlib import logger, meminfo, ns_pair, sh, slab_caches
from latency import Tc, mono_ms

UL1, UL2 = '198.51.100.1', '198.51.100.2'
SYS = '/run/gre_ka-bench'
RETRIES = 3


log = logger('scale')


def slab():
	"""Slab and SUnreclaim (kB), bytes per cache (active objects x size)."""
	mi = meminfo()
	return (mi['Slab'], mi['SUnreclaim']), slab_caches()


def cpu_time():
	"""(system + irq + softirq, all) in USER_HZ ticks, from /proc/stat."""
	with open('/proc/stat') as f:
		w = [int(x) for x in f.readline().split()[1:]]
	return w[2] + w[5] + w[6], sum(w)


def cpu_cost(secs):
	"""Kernel time per second as a fraction of one CPU, over secs."""
	hz = os.sysconf('SC_CLK_TCK')
	k0, _ = cpu_time()
	t0 = time.monotonic()
	time.sleep(secs)
	k1, _ = cpu_time()
	return (k1 - k0) / hz / (time.monotonic() - t0)


def histogram(values):
	h = {}
	for v in values:
		h[v] = h.get(v, 0) + 1
	return dict(sorted(h.items(), key=lambda kv: int(kv[0])))


def quantiles(v):
	v = sorted(v)
	if not v:
		return None
	return {'min': v[0], 'median': statistics.median(v),
		'p95': v[min(len(v) - 1, int(0.95 * len(v) + 0.5) - 1)], 'max': v[-1]}


class Routers:
	def __init__(self, n):
		self.n = n
		self.ns = ('s1', 's2')

	def setup(self):
		ns_pair(self.ns, (UL1, UL2))
		mac = {ns: subprocess.run(['ip', 'netns', 'exec', ns, 'cat',
					   '/sys/class/net/eth0/address'],
					  check=True, capture_output=True,
					  text=True).stdout.strip() for ns in self.ns}
		sh('ip', '-n', 's1', 'neigh', 'replace', UL2, 'lladdr', mac['s2'],
		   'dev', 'eth0', 'nud', 'permanent')
		sh('ip', '-n', 's2', 'neigh', 'replace', UL1, 'lladdr', mac['s1'],
		   'dev', 'eth0', 'nud', 'permanent')
		for ns, (lo, re) in (('s1', (UL1, UL2)), ('s2', (UL2, UL1))):
			batch = ''.join(
				f'link add gk{i} type gre local {lo} remote {re} key {i} ttl 255\n'
				f'link set gk{i} up\n' for i in range(1, self.n + 1))
			t0 = time.monotonic()
			sh('ip', '-n', ns, '-batch', '-', input=batch, text=True)
			log(f'{ns}: {self.n} tunnels created in {time.monotonic() - t0:.1f} s')
		# Each namespace's sysfs, mounted from inside it.
		for ns in self.ns:
			os.makedirs(f'{SYS}/{ns}', exist_ok=True)
			sh('nsenter', f'--net=/run/netns/{ns}', 'mount', '-t', 'sysfs',
			   'sysfs', f'{SYS}/{ns}')

	def teardown(self):
		for ns in self.ns:
			subprocess.run(['umount', f'{SYS}/{ns}'], stderr=subprocess.DEVNULL)
			subprocess.run(['ip', 'netns', 'del', ns], stderr=subprocess.DEVNULL)

	def paths(self):
		for ns in self.ns:
			for i in range(1, self.n + 1):
				yield f'{SYS}/{ns}/class/net/gk{i}'

	def count_no_carrier(self):
		"""Tunnels with carrier off, from one netlink dump per router."""
		n = 0
		for ns in self.ns:
			out = subprocess.run(['ip', '-n', ns, '-o', 'link', 'show', 'type', 'gre'],
					     check=True, capture_output=True, text=True).stdout
			n += sum(1 for l in out.splitlines()
				 if ' gk' in l and 'NO-CARRIER' in l)
		return n

	def wait_carrier(self, want_off, since, timeout_ms):
		"""Poll ip link until all 2N (or none) show NO-CARRIER.

		Returns (reached, last count, [(s after since, count), ...]).
		"""
		want = 2 * self.n if want_off else 0
		deadline = mono_ms() + timeout_ms
		seen = []
		while True:
			c = self.count_no_carrier()
			seen.append((round((mono_ms() - since) / 1000, 2), c))
			if c == want:
				return True, c, seen
			if mono_ms() > deadline:
				return False, c, seen
			time.sleep(0.2)

	def change_times(self):
		"""CLOCK_MONOTONIC ms of each tunnel's last carrier change."""
		t = []
		for p in self.paths():
			t0 = mono_ms()
			with open(f'{p}/keepalive/last_change_ms') as f:
				age = int(f.read())
			t1 = mono_ms()
			t.append((t0 + t1) / 2 - age - 0.5)
		return t

	def read_all(self, name):
		out = []
		for p in self.paths():
			with open(f'{p}/keepalive/{name}') as f:
				out.append(f.read().strip())
		return out

	def write_all(self, name, value):
		for p in self.paths():
			with open(f'{p}/keepalive/{name}', 'w') as f:
				f.write(value)


def slab_delta(res, key, n, before, after):
	(s0, u0), c0 = before
	(s1, u1), c1 = after
	top = sorted(((c1.get(c, 0) - c0.get(c, 0), c) for c in c1), reverse=True)[:8]
	res[key] = {
		'slab_kb': s1 - s0,
		'unreclaimable_kb': u1 - u0,
		'bytes_per_tunnel': round((s1 - s0) * 1024 / (2 * n)),
		'unreclaimable_bytes_per_tunnel': round((u1 - u0) * 1024 / (2 * n)),
		'caches_bytes_per_tunnel': {c: round(d / (2 * n)) for d, c in top if d > 0},
	}
	log(f'{key}: {res[key]}')


def main():
	ap = argparse.ArgumentParser()
	ap.add_argument('--n', type=int, required=True)
	ap.add_argument('--ko', required=True)
	ap.add_argument('--out', required=True)
	ap.add_argument('--cpu-secs', type=float, default=30)
	ap.add_argument('--period-ms', type=int, default=1000)
	a = ap.parse_args()
	n = a.n
	period = a.period_ms
	# How long ip link may lag the module: linkwatch at 100 devices a
	# second would take 2N/100 s; allow twice that, at least 2 minutes.
	lw_ms = max(120000, 2 * n * 20)
	res = {'n': n, 'period_ms': period, 'retries': RETRIES, 'problems': []}

	def problem(msg):
		log('PROBLEM: ' + msg)
		res['problems'].append(msg)

	if os.path.isdir('/sys/module/gre_ka'):
		sys.exit('scale: gre_ka is loaded already')
	r = Routers(n)
	tc = None
	try:
		r.setup()
		# sch_netem loaded before the baseline, not during the run.
		tc = Tc('eth0', 's1')
		tc.cut()
		tc.repair()
		time.sleep(5)
		slab0 = slab()
		log('CPU, module not loaded')
		res['cpu_unloaded'] = cpu_cost(a.cpu_secs)

		t0 = time.monotonic()
		sh('insmod', a.ko, 'auto_enable=1', f'period_ms={period}')
		res['insmod_s'] = round(time.monotonic() - t0, 2)
		log(f'insmod took {res["insmod_s"]} s')

		# Memory before anything reads the keepalive/ files: reading
		# makes sysfs instantiate inodes and dentries for them (a
		# reclaimable cache, measured separately below).
		time.sleep((RETRIES + 1) * period / 1000)
		slab_delta(res, 'memory', n, slab0, slab())
		# All up, with replies: wait until each tunnel has had one.
		deadline = time.monotonic() + 60 + 2 * period / 1000
		while True:
			state = r.read_all('state')
			rx = r.read_all('statistics/rx')
			up = sum(1 for s, x in zip(state, rx) if s == 'up' and int(x) > 0)
			if up == 2 * n or time.monotonic() > deadline:
				break
			time.sleep(1)
		res['up_with_replies'] = up
		if up != 2 * n:
			problem(f'only {up} of {2 * n} tunnels up with replies')
		slab_delta(res, 'memory_after_sysfs_reads', n, slab0, slab())

		log('CPU, keepalive on')
		res['cpu_on'] = cpu_cost(a.cpu_secs)

		# Keepalives unanswered at this moment (1 is mostly one in
		# flight): a tunnel that already missed replies goes down
		# sooner after the cut than the window says.
		res['counter_before_cut'] = histogram(r.read_all('counter'))
		log(f'counter before the cut: {res["counter_before_cut"]}')

		# Cut: every tunnel of both routers loses its replies. Two
		# figures: the module's own transition (last_change_ms), and
		# when ip link shows it. The kernel's linkwatch turns a
		# carrier change into IFF_RUNNING, operstate and the
		# NETDEV_CHANGE that withdraws routes, at most 100 devices a
		# run (200 when urgent) and, once no new event comes, one run
		# a second: a mass failure is seen in batches.
		c0, c1 = tc.cut()
		cut = (c0 + c1) / 2
		res['cut_unc_ms'] = round((c1 - c0) / 2, 1)
		ok, c, seen = r.wait_carrier(True, cut, (RETRIES + 1) * period + lw_ms)
		res['all_down_seen_s'] = round((mono_ms() - cut) / 1000, 2) if ok else None
		res['down_seen_timeline'] = seen
		if not ok:
			problem(f'ip link showed only {c} of {2 * n} down')
		d = [t - cut for t in r.change_times()]
		res['module_down'] = r.read_all('state').count('down')
		if res['module_down'] != 2 * n:
			problem(f'only {res["module_down"]} of {2 * n} went down in the module')
		res['down_ms'] = quantiles(d)
		lo, hi = RETRIES * period, (RETRIES + 1) * period
		unc = res['cut_unc_ms']
		res['down_outside_window'] = sum(1 for x in d if not lo - unc <= x <= hi + unc)
		log(f'all down: {res["down_ms"]}')

		time.sleep(period / 1000 * 0.5)
		r0, r1 = tc.repair()
		rep = (r0 + r1) / 2
		res['repair_unc_ms'] = round((r1 - r0) / 2, 1)
		ok, c, seen = r.wait_carrier(False, rep, 2 * period + lw_ms)
		res['all_up_seen_s'] = round((mono_ms() - rep) / 1000, 2) if ok else None
		res['up_seen_timeline'] = seen
		if not ok:
			problem(f'ip link showed {c} of {2 * n} still down after the repair')
		u = [t - rep for t in r.change_times()]
		res['module_up'] = r.read_all('state').count('up')
		if res['module_up'] != 2 * n:
			problem(f'only {res["module_up"]} of {2 * n} came up in the module')
		res['up_ms'] = quantiles(u)
		unc = res['repair_unc_ms']
		res['up_outside_window'] = sum(1 for x in u if not -unc <= x <= period + unc)
		log(f'all up: {res["up_ms"]}')
		dt = [int(x) for x in r.read_all('statistics/down_transitions')]
		res['down_transitions_total'] = sum(dt)

		t0 = time.monotonic()
		r.write_all('enabled', '0')
		res['disable_s'] = round(time.monotonic() - t0, 2)
		time.sleep(2)
		log('CPU, keepalive off')
		res['cpu_off'] = cpu_cost(a.cpu_secs)
		res['cpu_keepalive'] = res['cpu_on'] - res['cpu_off']
		log(f'CPU: unloaded {res["cpu_unloaded"]:.4f} on {res["cpu_on"]:.4f} '
		    f'off {res["cpu_off"]:.4f} of one CPU')
	finally:
		# The figures first: tearing down 2N devices takes a while.
		with open(a.out, 'w') as f:
			json.dump(res, f, indent=1)
		if tc:
			tc.p.stdin.close()
			tc.p.wait()
		r.teardown()
		subprocess.run(['rmmod', 'gre_ka'], stderr=subprocess.DEVNULL)
	return 1 if res['problems'] else 0


if __name__ == '__main__':
	sys.exit(main())
