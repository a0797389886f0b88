#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""gre-ka show at N tunnels, and the memory a tunnel costs with and without sysfs.

Run as root in the VM's initial network namespace with the module not
loaded. One namespace, c1, gets N ip_gre tunnels (told apart by their
key, created with `ip -batch`, up, IPv6 off). Then, for sysfs=1 and
sysfs=0 in turn:

  1. Slab, SUnreclaim, Percpu (/proc/meminfo) and the bytes of active
     objects per cache (/proc/slabinfo), with the module not loaded;
  2. insmod sysfs=S auto_enable=1 period_ms=32767000: keepalive on for
     every tunnel (a session key each), with a period so long that none
     is sent while measuring; the same readings again after the module
     has attached to all of them; memory per tunnel = delta / N;
  3. with sysfs=1 only: the wall time of `gre-ka -n c1 show` and
     `gre-ka -n c1 --json show` (stdout to /dev/null) and, for scale, of
     `ip -n c1 link show`, each RUNS times; one --json output is parsed
     to check that it lists all N tunnels;
  4. rmmod.

Usage: cli.py --n N --ko gre_ka.ko --gk gre-ka --out FILE.json [--runs R]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

from benchlib import logger, meminfo, sh, slab_caches

NS = 'c1'


log = logger('cli')


def reading():
	return meminfo(), slab_caches()


def settle(secs=3):
	"""Let RCU callbacks and deferred frees run, then read."""
	time.sleep(secs)
	return reading()


def delta(n, before, after):
	(m0, c0), (m1, c1) = before, after
	d = {k: (m1[k] - m0[k]) * 1024 for k in ('Slab', 'SUnreclaim', 'Percpu',
						  'VmallocUsed', 'MemAvailable')
	     if k in m0 and k in m1}
	caches = sorted(((c1.get(c, 0) - c0.get(c, 0), c) for c in set(c0) | set(c1)),
			reverse=True)
	active = sum(c1.values()) - sum(c0.values())
	return {
		'slab_bytes_per_tunnel': round(d['Slab'] / n),
		'unreclaimable_bytes_per_tunnel': round(d['SUnreclaim'] / n),
		'percpu_bytes_per_tunnel': round(d.get('Percpu', 0) / n),
		'vmalloc_bytes_per_tunnel': round(d.get('VmallocUsed', 0) / n),
		'mem_available_drop_per_tunnel': round(-d['MemAvailable'] / n),
		'active_object_bytes_per_tunnel': round(active / n),
		'caches_bytes_per_tunnel': {c: round(b / n) for b, c in caches[:10] if b > 0},
	}


def timed(cmd, runs):
	t = []
	for _ in range(runs):
		t0 = time.monotonic()
		sh(*cmd, stdout=subprocess.DEVNULL)
		t.append(round((time.monotonic() - t0) * 1000, 1))
	return {'runs_ms': t, 'min_ms': min(t), 'median_ms': statistics.median(t),
		'max_ms': max(t)}


def main():
	ap = argparse.ArgumentParser()
	ap.add_argument('--n', type=int, required=True)
	ap.add_argument('--ko', required=True)
	ap.add_argument('--gk', required=True)
	ap.add_argument('--out', required=True)
	ap.add_argument('--runs', type=int, default=5)
	a = ap.parse_args()
	n = a.n
	res = {'n': n, 'problems': []}

	def problem(msg):
		log('PROBLEM: ' + msg)
		res['problems'].append(msg)

	if os.path.isdir('/sys/module/gre_ka'):
		sys.exit('cli: gre_ka is loaded already')
	try:
		sh('ip', 'netns', 'add', NS)
		sh('ip', '-n', NS, 'link', 'set', 'lo', 'up')
		sh('ip', 'netns', 'exec', NS, 'sh', '-c',
		   'echo 1 >/proc/sys/net/ipv6/conf/all/disable_ipv6 && '
		   'echo 1 >/proc/sys/net/ipv6/conf/default/disable_ipv6')
		batch = ''.join(
			f'link add gk{i} type gre local 198.51.100.1 remote 198.51.100.2 key {i} ttl 255\n'
			f'link set gk{i} up\n' for i in range(1, n + 1))
		t0 = time.monotonic()
		sh('ip', '-n', NS, '-batch', '-', input=batch, text=True)
		log(f'{n} tunnels created in {time.monotonic() - t0:.1f} s')
		for sysfs in (1, 0):
			key = f'sysfs{sysfs}'
			before = settle(5)
			t0 = time.monotonic()
			sh('insmod', a.ko, f'sysfs={sysfs}', 'auto_enable=1',
			   'period_ms=32767000')
			res[f'{key}_insmod_s'] = round(time.monotonic() - t0, 2)
			after = settle()
			res[f'{key}_memory'] = delta(n, before, after)
			log(f'{key}: insmod {res[key + "_insmod_s"]} s, {res[key + "_memory"]}')
			d = subprocess.run(['ip', 'netns', 'exec', NS, 'test', '-d',
					    '/sys/class/net/gk1/keepalive']).returncode == 0
			res[f'{key}_keepalive_dir'] = d
			if d != bool(sysfs):
				problem(f'{key}: keepalive/ {"present" if d else "absent"}')
			if sysfs:
				out = subprocess.run([a.gk, '-n', NS, '--json', 'show'], check=True,
						     capture_output=True, text=True).stdout
				shown = json.loads(out)
				res['json_tunnels'] = len(shown)
				res['json_bytes'] = len(out)
				if len(shown) != n or sum(t['enabled'] for t in shown) != n:
					problem(f'--json show listed {len(shown)} tunnels, '
						f'{sum(t["enabled"] for t in shown)} enabled, of {n}')
				out = subprocess.run([a.gk, '-n', NS, 'show'], check=True,
						     capture_output=True, text=True).stdout
				res['text_bytes'] = len(out)
				res['text_tunnels'] = out.count(', line protocol is ')
				if res['text_tunnels'] != n:
					problem(f'show listed {res["text_tunnels"]} of {n}')
				res['show'] = timed([a.gk, '-n', NS, 'show'], a.runs)
				res['show_json'] = timed([a.gk, '-n', NS, '--json', 'show'], a.runs)
				res['ip_link_show'] = timed(['ip', '-n', NS, 'link', 'show'], a.runs)
				res['show_one'] = timed([a.gk, '-n', NS, 'show', f'gk{n}'], a.runs)
				log(f'show {res["show"]}, --json {res["show_json"]}, '
				    f'ip link {res["ip_link_show"]}, one {res["show_one"]}')
			t0 = time.monotonic()
			sh('rmmod', 'gre_ka')
			res[f'{key}_rmmod_s'] = round(time.monotonic() - t0, 2)
	finally:
		with open(a.out, 'w') as f:
			json.dump(res, f, indent=1)
		subprocess.run(['rmmod', 'gre_ka'], stderr=subprocess.DEVNULL)
		subprocess.run(['ip', 'netns', 'del', NS], stderr=subprocess.DEVNULL)
	return 1 if res['problems'] else 0


if __name__ == '__main__':
	sys.exit(main())
