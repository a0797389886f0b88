#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""A hub with N spokes: one mGRE device with N peers, or N point-to-point
tunnels, at the same period, in the same VM.

Run as root in the VM's initial network namespace with the module not
loaded. The hub (namespace h) reaches N spoke addresses 10.0.0.0/16
through one routed veth (so its ARP table holds one entry, not N); the
spokes are one namespace s holding the N addresses on a dummy device and
one multipoint device (local any, key 1) that reflects the hub's
keepalives as a stock Linux router does (forwarding, accept_local,
rp_filter 0: the module there answers no peer it does not know, and
passes them on): one device, whichever spoke address a keepalive went to,
no per-spoke rate limit, and the same cost in both modes, so that the
difference between the modes is the hub's. The hub:

  mgre   one mGRE device (local 10.255.0.1, key 1) and N permanent
         neighbour entries 10.9.x.y -> 10.0.x.y: N peers, origin neigh;
  p2p    N ip_gre tunnels (local 10.255.0.1, remote 10.0.x.y, key 1).

Measured, per mode: memory (Slab delta and the gre_ka caches, per peer),
CPU (what keepalive takes from a busy loop per CPU, benchlib), the
time a netlink dump of the hub takes (gk_nl.py; in p2p mode of its N
tunnels), and a mass failure: every spoke lost at once (netem on the
spokes' egress), the time until the module has marked every peer down,
against the window (retries + 1) x period.

Usage: mgre.py --mode mgre|p2p --n N --ko gre_ka.ko --gk-nl gk_nl.py
               --out FILE.json [--period-ms P] [--cpu-secs S]
"""
import argparse
import json
import os
import subprocess
import sys
import time

from benchlib import busy_loops, cpu_taken, logger, meminfo, sh, slab_caches
from latency import Tc, mono_ms

HUB_UL, SPK_UL = '10.255.0.1', '10.255.0.2'
RETRIES = 3

log = logger('mgre')


def spoke(i):
	return f'10.0.{i // 250}.{i % 250 + 1}'


def overlay(i):
	return f'10.9.{i // 250}.{i % 250 + 1}'


def batch(ns, lines, what):
	t0 = time.monotonic()
	sh('ip', '-n', ns, '-batch', '-', input=''.join(lines), text=True)
	log(f'{ns}: {what} in {time.monotonic() - t0:.1f} s')


def setup(mode, n):
	for ns in ('h', 's'):
		sh('ip', 'netns', 'add', ns)
		sh('ip', '-n', ns, 'link', 'set', 'lo', 'up')
		sh('ip', 'netns', 'exec', ns, 'sh', '-c',
		   'echo 1 >/proc/sys/net/ipv6/conf/all/disable_ipv6 && '
		   'echo 1 >/proc/sys/net/ipv6/conf/default/disable_ipv6')
	sh('ip', 'link', 'add', 'eth0', 'netns', 'h', 'type', 'veth', 'peer',
	   'name', 'eth0', 'netns', 's')
	for ns, a in (('h', HUB_UL), ('s', SPK_UL)):
		sh('ip', '-n', ns, 'addr', 'add', f'{a}/30', 'dev', 'eth0')
		sh('ip', '-n', ns, 'link', 'set', 'eth0', 'up')
	sh('ip', '-n', 'h', 'route', 'add', '10.0.0.0/16', 'via', SPK_UL)
	sh('ip', '-n', 's', 'link', 'add', 'dummy0', 'type', 'dummy')
	sh('ip', '-n', 's', 'link', 'set', 'dummy0', 'up')
	batch('s', [f'addr add {spoke(i)}/32 dev dummy0\n' for i in range(n)],
	      f'{n} spoke addresses')
	sh('ip', '-n', 's', 'link', 'add', 'mgre1', 'type', 'gre', 'key', '1',
	   'ttl', '255')
	sh('ip', '-n', 's', 'link', 'set', 'mgre1', 'up')
	sh('ip', 'netns', 'exec', 's', 'sh', '-c', 'for c in all default mgre1; do '
	   'sysctl -qw net.ipv4.conf.$c.forwarding=1 net.ipv4.conf.$c.accept_local=1 '
	   'net.ipv4.conf.$c.rp_filter=0 || exit 1; done')
	if mode == 'mgre':
		sh('ip', '-n', 'h', 'link', 'add', 'mgre1', 'type', 'gre', 'local',
		   HUB_UL, 'key', '1', 'ttl', '255')
		sh('ip', '-n', 'h', 'addr', 'add', '10.9.255.254/16', 'dev', 'mgre1')
		sh('ip', '-n', 'h', 'link', 'set', 'mgre1', 'up')
		batch('h', [f'neigh add {overlay(i)} lladdr {spoke(i)} dev mgre1 '
			    'nud permanent\n' for i in range(n)],
		      f'{n} neighbour entries')
	else:
		batch('h', [f'link add gk{i} type gre local {HUB_UL} remote '
			    f'{spoke(i)} key 1 ttl 255\nlink set gk{i} up\n'
			    for i in range(n)], f'{n} tunnels')


def dump(gk_nl):
	"""A dump of the hub: (seconds, peers, peers down, peers with rx)."""
	t0 = time.monotonic()
	out = subprocess.run(['ip', 'netns', 'exec', 'h', sys.executable, gk_nl,
			      'dump'], check=True, capture_output=True,
			     text=True).stdout
	dt = time.monotonic() - t0
	d = json.loads(out)
	peers = [p for ps in d['peers'].values() for p in ps]
	return dt, d, peers


def p2p_states(n):
	"""Point-to-point mode: (tunnels down, tunnels with replies), sysfs."""
	down = rx = 0
	for i in range(n):
		with open(f'/run/gre_ka-bench/h/class/net/gk{i}/keepalive/state') as f:
			down += f.read().strip() == 'down'
		with open(f'/run/gre_ka-bench/h/class/net/gk{i}/keepalive/statistics/rx') as f:
			rx += int(f.read()) > 0
	return down, rx


def down_now(mode, n):
	"""Peers or tunnels down, from sysfs, for the timed polls: in mgre
	mode the hub device's peers_down (one small read; a dump of 10,000
	peers takes seconds in Python, which would be the poll's resolution)."""
	if mode == 'mgre':
		with open('/run/gre_ka-bench/h/class/net/mgre1/keepalive/peers_down') as f:
			return int(f.read())
	return p2p_states(n)[0]


def counts(mode, n, gk_nl):
	if mode == 'mgre':
		_, _, peers = dump(gk_nl)
		return (len(peers), sum(p.get('state') == 'down' for p in peers),
			sum(p.get('rx', 0) > 0 for p in peers))
	down, rx = p2p_states(n)
	return n, down, rx


def main():
	ap = argparse.ArgumentParser()
	ap.add_argument('--mode', choices=('mgre', 'p2p'), required=True)
	ap.add_argument('--n', type=int, required=True)
	ap.add_argument('--ko', required=True)
	ap.add_argument('--gk-nl', required=True)
	ap.add_argument('--out', required=True)
	ap.add_argument('--period-ms', type=int, default=1000)
	ap.add_argument('--cpu-secs', type=float, default=30)
	a = ap.parse_args()
	n, mode, period = a.n, a.mode, a.period_ms
	res = {'mode': mode, 'n': n, 'period_ms': period, 'retries': RETRIES,
	       'problems': []}

	def problem(msg):
		log('PROBLEM: ' + msg)
		res['problems'].append(msg)

	if os.path.isdir('/sys/module/gre_ka'):
		sys.exit('mgre: gre_ka is loaded already')
	tc = None
	try:
		setup(mode, n)
		tc = Tc('eth0', 's')
		tc.cut()
		tc.repair()
		os.makedirs('/run/gre_ka-bench/h', exist_ok=True)
		sh('nsenter', '--net=/run/netns/h', 'mount', '-t', 'sysfs',
		   'sysfs', '/run/gre_ka-bench/h')
		time.sleep(3)
		mi0, c0 = meminfo(), slab_caches()
		t0 = time.monotonic()
		sh('insmod', a.ko, f'period_ms={period}')
		res['insmod_s'] = round(time.monotonic() - t0, 2)
		mi1 = meminfo()
		t0 = time.monotonic()
		if mode == 'mgre':
			sh('ip', 'netns', 'exec', 'h', 'sh', '-c',
			   'echo 1 >/sys/class/net/mgre1/keepalive/enabled')
		else:
			sh('ip', 'netns', 'exec', 'h', 'sh', '-c',
			   'for d in /sys/class/net/gk*/keepalive/enabled; do '
			   'echo 1 >$d; done')
		res['enable_s'] = round(time.monotonic() - t0, 2)
		deadline = time.monotonic() + 60 + 3 * period / 1000
		while True:
			total, down, rx = counts(mode, n, a.gk_nl)
			if (total == n and rx == n and not down) or \
			   time.monotonic() > deadline:
				break
			time.sleep(1)
		res['up_with_replies'] = rx
		if total != n or rx != n or down:
			problem(f'{total} peers, {rx} answered, {down} down')
		mi2, c2 = meminfo(), slab_caches()
		res['slab_kb_attach'] = mi1['Slab'] - mi0['Slab']
		res['slab_kb_enable'] = mi2['Slab'] - mi1['Slab']
		res['bytes_per_peer'] = round((mi2['Slab'] - mi0['Slab']) * 1024 / n)
		grow = {c: c2.get(c, 0) - c0.get(c, 0) for c in c2}
		res['caches_bytes_per_peer'] = {
			c: round(d / n) for c, d in
			sorted(grow.items(), key=lambda kv: -kv[1])[:8] if d > 0}
		log(f'memory: {res["bytes_per_peer"]} B per peer, '
		    f'{res["caches_bytes_per_peer"]}')

		times = [dump(a.gk_nl)[0] for _ in range(3)]
		res['dump_s'] = round(min(times), 3)
		log(f'netlink dump of the hub: {res["dump_s"]} s')

		log('CPU, keepalive on')
		res['loops_on'] = round(busy_loops(a.cpu_secs))

		# Every spoke lost at once: their answers dropped.
		c_0, c_1 = tc.cut()
		cut = (c_0 + c_1) / 2
		window = (RETRIES + 1) * period
		deadline = mono_ms() + window + 60000
		while True:
			down = down_now(mode, n)
			t = mono_ms()
			if down == n or t > deadline:
				break
			time.sleep(0.2)
		res['all_down_ms'] = round(t - cut) if down == n else None
		res['window_ms'] = window
		if down != n:
			problem(f'only {down} of {n} down after the cut')
		log(f'all {down} down {res["all_down_ms"]} ms after the cut '
		    f'(window {window} ms; polled every 0.2 s through sysfs)')
		tc.repair()
		deadline = time.monotonic() + 60 + 3 * period / 1000
		while down_now(mode, n) and time.monotonic() < deadline:
			time.sleep(1)

		if mode == 'mgre':
			sh('ip', 'netns', 'exec', 'h', 'sh', '-c',
			   'echo 0 >/sys/class/net/mgre1/keepalive/enabled')
		else:
			sh('ip', 'netns', 'exec', 'h', 'sh', '-c',
			   'for d in /sys/class/net/gk*/keepalive/enabled; do '
			   'echo 0 >$d; done')
		time.sleep(2)
		log('CPU, keepalive off')
		res['loops_off'] = round(busy_loops(a.cpu_secs))
		res['cpu_keepalive'] = round(cpu_taken(res['loops_off'], res['loops_on']), 4)
		log(f'CPU of keepalive: {res["cpu_keepalive"]:.4f} of one CPU')
	finally:
		with open(a.out, 'w') as f:
			json.dump(res, f, indent=1)
		if tc:
			tc.p.stdin.close()
			tc.p.wait()
		subprocess.run(['umount', '/run/gre_ka-bench/h'],
			       stderr=subprocess.DEVNULL)
		for ns in ('h', 's'):
			subprocess.run(['ip', 'netns', 'del', ns],
				       stderr=subprocess.DEVNULL)
		subprocess.run(['rmmod', 'gre_ka'], stderr=subprocess.DEVNULL)
	return 1 if res['problems'] else 0


if __name__ == '__main__':
	sys.exit(main())
