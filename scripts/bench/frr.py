#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""gre_ka against FRR's bfdd (and OSPF's own dead timer) on one tunnel.

scripts/bench/guest.sh sets up r1 and r2 (gre1 in OSPF, cost 10; the
backup link eth1, cost 100; 192.0.2.0/24 behind r2; gre2 and gre3 beside
gre1) and starts zebra, ospfd and bfdd in each. Subcommands:

failover (run in r1's netns): cut -> FIB route moved, per trial, for one
  detector on gre1:
    --mode gre_ka --interval I --mult M   keepalive every I ms, retries M-1
    --mode bfd    --interval I --mult M   OSPF's BFD, profile pI (I ms x M)
    --mode ospf   --hello H --dead D      OSPF hello/dead alone (D 0:
                                          dead-interval minimal, hello-
                                          multiplier H)
  The cut is netem loss 100% on both routers' eth0 (two long-running
  `tc -batch`, timed like latency.py), the FIB change the first
  RTM_NEWROUTE for 192.0.2.0/24 out of eth1 that an rtnetlink socket in
  r1's namespace receives (CLOCK_MONOTONIC at receipt). With --trace the
  kernel's linkwatch path is traced (function_graph) during the trials
  and, for bfd, bfdd logs its state changes.
load (run in r1's netns): false downs in --secs under load, gre1..gre3 at
  the intervals given, either gre_ka or bfdd (static BFD peers).
scale (initial netns): CPU and packets per second of N sessions.
"""
import argparse
import json
import os
import random
import re
import socket
import struct
import subprocess
import sys
import threading
import time

from benchlib import Tracer, logger, ns_pair, sh
from latency import Tc, mono_ms, read, write

PREFIX = '192.0.2.0/24'
SYS2 = '/run/gre_ka-sys/r2'	# r2's sysfs, mounted by guest.sh (ka_sys)
PEER = {'r1': '10.255.0.2', 'r2': '10.255.0.1'}
LOAD_PEERS = {'gre1': ('10.255.0.1', '10.255.0.2'), 'gre2': ('10.255.1.1', '10.255.1.2'),
	      'gre3': ('10.255.2.1', '10.255.2.2')}

IFF_RUNNING = 0x40
RTMGRP_LINK = 0x1
RTMGRP_IPV4_ROUTE = 0x40
RTM_NEWLINK, RTM_DELLINK, RTM_NEWROUTE, RTM_DELROUTE = 16, 17, 24, 25
IFLA_IFNAME = 3
RTA_DST, RTA_OIF, RTA_MULTIPATH, RTA_TABLE = 1, 4, 9, 15
RT_TABLE_MAIN = 254


log = logger('frr')


def vty(ns, *cmds, check=True):
	a = ['vtysh', '-N', ns]
	for c in cmds:
		a += ['-c', c]
	p = subprocess.run(a, capture_output=True, text=True)
	if check and p.returncode != 0:
		raise RuntimeError(f'vtysh -N {ns} {cmds}: {p.stdout}{p.stderr}')
	return p.stdout


def conf(ns, *lines):
	vty(ns, 'configure terminal', *lines)


def ka_dir(ns, dev='gre1'):
	root = '/sys' if ns == 'r1' else SYS2
	return f'{root}/class/net/{dev}/keepalive'


def ka_read(ns, f, dev='gre1'):
	return read(f'{ka_dir(ns, dev)}/{f}')


def ka_write(ns, f, v, dev='gre1'):
	write(f'{ka_dir(ns, dev)}/{f}', v)


def ka_setup(dev, period, retries):
	for ns in ('r1', 'r2'):
		ka_write(ns, 'enabled', 0, dev)
		ka_write(ns, 'period_ms', period, dev)
		ka_write(ns, 'retries', retries, dev)
		ka_write(ns, 'enabled', 1, dev)


def ka_off(dev='gre1'):
	for ns in ('r1', 'r2'):
		ka_write(ns, 'enabled', 0, dev)


def bfd_peers(ns):
	try:
		return json.loads(vty(ns, 'show bfd peers json') or '[]')
	except (ValueError, RuntimeError):
		return []


def bfd_counters(ns):
	try:
		return json.loads(vty(ns, 'show bfd peers counters json') or '[]')
	except (ValueError, RuntimeError):
		return []


def attrs(buf, off):
	while off + 4 <= len(buf):
		ln, t = struct.unpack_from('=HH', buf, off)
		if ln < 4:
			return
		yield t & 0x3fff, buf[off + 4:off + ln]
		off += (ln + 3) & ~3


class Event:
	__slots__ = ('t', 'kind', 'op', 'dev', 'running', 'oifs')

	def __init__(self, t, kind, op=None, dev=None, running=None, oifs=()):
		self.t, self.kind, self.op, self.dev = t, kind, op, dev
		self.running, self.oifs = running, frozenset(oifs)


class Rtmon(threading.Thread):
	"""rtnetlink in this netns: gre1's link changes and the routes to
	PREFIX, each stamped with CLOCK_MONOTONIC when received."""

	def __init__(self, prefix=PREFIX):
		super().__init__(daemon=True)
		net, plen = prefix.split('/')
		self.dst, self.plen = socket.inet_aton(net), int(plen)
		self.s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, socket.NETLINK_ROUTE)
		self.s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
		self.s.bind((0, RTMGRP_LINK | RTMGRP_IPV4_ROUTE))
		self.ev = []
		self.overruns = 0
		self.cv = threading.Condition()
		self.names = {}

	def name(self, idx):
		if idx not in self.names:
			try:
				self.names[idx] = socket.if_indextoname(idx)
			except OSError:
				return str(idx)
		return self.names[idx]

	def run(self):
		while True:
			try:
				data = self.s.recv(1 << 20)
			except OSError:
				self.overruns += 1
				continue
			t = mono_ms()
			out = []
			off = 0
			while off + 16 <= len(data):
				ln, typ = struct.unpack_from('=IH', data, off)
				if ln < 16:
					break
				body = data[off + 16:off + ln]
				off += (ln + 3) & ~3
				if typ in (RTM_NEWLINK, RTM_DELLINK) and len(body) >= 16:
					_, _, idx, flags, _ = struct.unpack_from('=BxHiII', body)
					name = None
					for at, v in attrs(body, 16):
						if at == IFLA_IFNAME:
							name = v.rstrip(b'\0').decode()
					out.append(Event(t, 'link', dev=name or self.name(idx),
							 running=bool(flags & IFF_RUNNING)))
				elif typ in (RTM_NEWROUTE, RTM_DELROUTE) and len(body) >= 12:
					fam, dlen, _, _, table = struct.unpack_from('=BBBBB', body)
					if fam != socket.AF_INET or dlen != self.plen:
						continue
					dst, oifs = None, []
					for at, v in attrs(body, 12):
						if at == RTA_DST:
							dst = v
						elif at == RTA_TABLE:
							table = struct.unpack('=I', v)[0]
						elif at == RTA_OIF:
							oifs.append(self.name(struct.unpack('=i', v)[0]))
						elif at == RTA_MULTIPATH:
							o = 0
							while o + 8 <= len(v):
								nl, _, _, idx = struct.unpack_from('=HBBi', v, o)
								oifs.append(self.name(idx))
								o += max(8, (nl + 3) & ~3)
					if dst != self.dst or table != RT_TABLE_MAIN:
						continue
					out.append(Event(t, 'route', op='add' if typ == RTM_NEWROUTE else 'del',
							 oifs=oifs))
			if out:
				with self.cv:
					self.ev.extend(out)
					self.cv.notify_all()

	def first(self, pred, since, until=None):
		for e in self.ev:
			if e.t >= since and (until is None or e.t <= until) and pred(e):
				return e
		return None

	def wait(self, pred, since, timeout_ms):
		deadline = mono_ms() + timeout_ms
		with self.cv:
			while True:
				e = self.first(pred, since)
				if e:
					return e
				left = deadline - mono_ms()
				if left <= 0:
					return None
				self.cv.wait(left / 1000)


def moved_to(dev):
	return lambda e: e.kind == 'route' and e.op == 'add' and dev in e.oifs and \
		not (e.oifs - {dev})


def left_gre1(e):
	return e.kind == 'route' and (
		(e.op == 'del' and 'gre1' in e.oifs) or (e.op == 'add' and 'gre1' not in e.oifs))


def link_down(e):
	return e.kind == 'link' and e.dev == 'gre1' and not e.running


def route_dev():
	out = subprocess.run(['ip', 'route', 'show', PREFIX], capture_output=True,
			     text=True).stdout
	m = re.search(r' dev (\S+)', out)
	return m.group(1) if m else None


def ospf_full(ns):
	return vty(ns, 'show ip ospf neighbor', check=False).count(' Full/')


class Cutter:
	"""Netem loss 100% on both routers' eth0, each a long-running tc."""

	def __init__(self):
		self.tc = [Tc('eth0'), Tc('eth0', 'r2')]

	def _run(self, cmd, want):
		t0 = mono_ms()
		for tc in self.tc:
			tc.p.stdin.write(f'{cmd}\nqdisc show dev eth0\n')
			tc.p.stdin.flush()
		for tc in self.tc:
			line = tc.p.stdout.readline()
			if ('netem' in line) != want:
				sys.exit(f'frr: tc did not do "{cmd}": {line!r}')
		return t0, mono_ms()

	def cut(self):
		return self._run('qdisc replace dev eth0 root netem loss 100%', True)

	def repair(self):
		return self._run('qdisc del dev eth0 root', False)


# function_graph on the kernel's linkwatch path (benchlib.Tracer), plus
# gre_ka's state changes.
TRACE_FUNCS = ('linkwatch_event', '__linkwatch_run_queue', 'linkwatch_do_dev',
	      'rtnl_lock', 'dev_deactivate', 'dev_deactivate_many', 'dev_activate',
	      'synchronize_net', 'synchronize_rcu_expedited', 'synchronize_rcu',
	      'netdev_state_change', 'nexthop_flush_dev', 'netif_carrier_off',
	      'netif_carrier_on', 'linkwatch_fire_event')
TRACE_EVENTS = ('gre_ka/gre_ka_state_change',)


def graph_breakdown(calls, events, carrier, fib):
	"""The linkwatch run that handled a carrier change at `carrier`
	(CLOCK_MONOTONIC ms) before the FIB changed at `fib`."""
	runs = sorted((c for c in calls if c[0] == 'linkwatch_event' and carrier - 1 <= c[2] <= fib),
		      key=lambda c: c[2])
	if not runs:
		return None
	lw = runs[0]
	inside = [c for c in calls if c[1] == lw[1] and lw[2] <= c[2] <= lw[2] + lw[3]]

	def total(fn):
		return round(sum(c[3] for c in inside if c[0] == fn), 3)

	ka = [t for t, e in events if 'gre_ka_state_change' in e and 'line=down' in e and
	      carrier - 50 <= t <= fib]
	return {'queue_ms': round(lw[2] - carrier, 3), 'run_ms': round(lw[3], 3),
		'rtnl_lock_ms': total('rtnl_lock'), 'synchronize_net_ms': total('synchronize_net'),
		'dev_deactivate_ms': total('dev_deactivate'),
		'netdev_state_change_ms': total('netdev_state_change'),
		'end_ms': round(lw[2] + lw[3], 3), 'runs': len(runs),
		'gre_ka_event_minus_carrier_ms': round(ka[0] - carrier, 3) if ka else None}


BFD_LOG = re.compile(r'^(\d{4}/\d\d/\d\d \d\d:\d\d:\d\d\.\d+).*state-change: \[.*peer:(\S+)'
		     r'.*\] up -> down')


def bfd_log_downs(path, mono_off):
	"""bfdd's "up -> down" log lines (local time) as CLOCK_MONOTONIC ms."""
	out = []
	try:
		with open(path) as f:
			for l in f:
				m = BFD_LOG.match(l)
				if m:
					t = time.mktime(time.strptime(m.group(1).split('.')[0],
								      '%Y/%m/%d %H:%M:%S'))
					t += float('0.' + m.group(1).split('.')[1])
					out.append(t * 1000 - mono_off)
	except OSError:
		pass
	return out


def failover(a):
	I, M = a.interval, a.mult
	mode = a.mode
	mon = Rtmon()
	mon.start()
	cutter = Cutter()
	cutter.cut()
	cutter.repair()
	res = {'mode': mode, 'interval_ms': I, 'mult': M, 'trials': [], 'failures': [],
	       'spurious': 0}
	if mode == 'gre_ka':
		r = M - 1
		res.update(retries=r, window_ms=[r * I, (r + 1) * I])
		for ns in ('r1', 'r2'):
			conf(ns, 'interface gre1', 'no ip ospf bfd')
		ka_setup('gre1', I, r)
	elif mode == 'bfd':
		res.update(window_ms=[(M - 1) * I, M * I])
		ka_off()
		for ns in ('r1', 'r2'):
			conf(ns, 'interface gre1', 'ip ospf bfd', f'ip ospf bfd profile p{I}')
	else:
		ka_off()
		for ns in ('r1', 'r2'):
			conf(ns, 'interface gre1', 'no ip ospf bfd')
			if a.dead:
				conf(ns, 'interface gre1', f'ip ospf dead-interval {a.dead}',
				     f'ip ospf hello-interval {a.hello}')
			else:
				conf(ns, 'interface gre1',
				     f'ip ospf dead-interval minimal hello-multiplier {a.hello}')
		if a.dead:
			hello, dead = a.hello * 1000, a.dead * 1000
		else:
			hello, dead = 1000 / a.hello, 1000
		res.update(hello_ms=hello, dead_ms=dead, window_ms=[dead - hello, dead])
		I = hello
	win_hi = res['window_ms'][1]

	def steady():
		if route_dev() != 'gre1' or ospf_full('r1') < 2 or ospf_full('r2') < 2:
			return False
		if mode == 'gre_ka':
			return all(ka_read(ns, 'state') == 'up' for ns in ('r1', 'r2'))
		if mode == 'bfd':
			for ns in ('r1', 'r2'):
				p = [x for x in bfd_peers(ns) if x.get('peer') == PEER[ns]]
				if not p or p[0].get('status') != 'up' or \
				   p[0].get('transmit-interval') != I:
					return False
		return True

	def wait_steady(timeout):
		deadline = time.monotonic() + timeout
		while time.monotonic() < deadline:
			if steady():
				return True
			time.sleep(0.2)
		return False

	tracer = Tracer(TRACE_FUNCS, TRACE_EVENTS) if a.trace else None
	if tracer:
		res['traced_functions'] = tracer.funcs
		res['untraceable_functions'] = tracer.missing
	bfd_log = f'{a.logdir}/r1-bfdd.log' if a.logdir else None
	if a.trace and mode == 'bfd':
		conf('r1', 'log timestamp precision 6', 'debug bfd peer')
	mono_off = time.time() * 1000 - mono_ms()

	if not wait_steady(120):
		res['failures'].append('never steady before the first trial')
		return finish(a, res, mon)
	if tracer:
		tracer.start()
	for i in range(a.trials):
		if mode == 'gre_ka':
			# A fresh state machine per trial: no flap dampening
			# carried over (as latency.py does).
			for ns in ('r1', 'r2'):
				ka_write(ns, 'enabled', 0)
				ka_write(ns, 'enabled', 1)
		if not wait_steady(120):
			res['failures'].append(f'trial {i}: not steady (route {route_dev()}, '
					       f'Full {ospf_full("r1")}/{ospf_full("r2")})')
			continue
		t_ok = mono_ms()
		time.sleep(I * (1 + random.random()) / 1000)
		if mon.first(left_gre1, t_ok) or mon.first(link_down, t_ok):
			res['spurious'] += 1
			res['failures'].append(f'trial {i}: the route moved before the cut')
			continue
		c0, c1 = cutter.cut()
		cut = (c0 + c1) / 2
		e = mon.wait(moved_to('eth1'), c0, win_hi + 10000)
		if not e:
			res['failures'].append(f'trial {i}: no FIB move within {win_hi + 10000} ms')
			cutter.repair()
			continue
		t = {'cut_unc_ms': round((c1 - c0) / 2, 3), 'fib_ms': round(e.t - cut, 3)}
		lv = mon.first(left_gre1, c0, e.t)
		t['left_gre1_ms'] = round(lv.t - cut, 3) if lv else None
		ld = mon.first(link_down, c0, e.t)
		t['link_down_ms'] = round(ld.t - cut, 3) if ld else None
		if mode == 'gre_ka':
			t0 = mono_ms()
			age = int(ka_read('r1', 'last_change_ms'))
			t1 = mono_ms()
			carrier = (t0 + t1) / 2 - age - 0.5
			t['carrier_ms'] = round(carrier - cut, 3)
			t['_carrier_abs'] = carrier
		t['_cut_abs'], t['_fib_abs'] = cut, e.t
		time.sleep(random.random() * I / 1000)
		r0, r1_ = cutter.repair()
		rep = (r0 + r1_) / 2
		b = mon.wait(moved_to('gre1'), r0, 60000)
		t['recover_fib_ms'] = round(b.t - rep, 3) if b else None
		res['trials'].append(t)
		log(f'{mode} {I}x{M} trial {i}: FIB {t["fib_ms"]:.1f} ms'
		    + (f' (carrier {t["carrier_ms"]:.1f}, link {t["link_down_ms"]:.1f})'
		       if mode == 'gre_ka' and t['link_down_ms'] is not None else '')
		    + (f', back {t["recover_fib_ms"]:.0f} ms' if b else ', not back'))
	if tracer:
		calls, events = tracer.stop(f'{a.out}.trace')
		for t in res['trials']:
			if '_carrier_abs' in t:
				t['linkwatch'] = graph_breakdown(calls, events, t['_carrier_abs'],
								 t['_fib_abs'])
				if t['linkwatch'] and t['link_down_ms'] is not None:
					t['linkwatch']['rtm_newlink_minus_end_ms'] = round(
						t['link_down_ms'] + t['_cut_abs'] - t['linkwatch']['end_ms'], 3)
	if a.trace and mode == 'bfd' and bfd_log:
		downs = bfd_log_downs(bfd_log, mono_off)
		for t in res['trials']:
			d = [x for x in downs if t['_cut_abs'] <= x <= t['_fib_abs']]
			t['bfdd_down_ms'] = round(d[0] - t['_cut_abs'], 3) if d else None
		conf('r1', 'no debug bfd peer')
	# Back to the neutral state: keepalive off, no BFD, hello 1 dead 10.
	if mode == 'gre_ka':
		ka_off()
	elif mode == 'bfd':
		for ns in ('r1', 'r2'):
			conf(ns, 'interface gre1', 'no ip ospf bfd')
	else:
		for ns in ('r1', 'r2'):
			conf(ns, 'interface gre1', 'ip ospf dead-interval 10', 'ip ospf hello-interval 1')
	return finish(a, res, mon)


def finish(a, res, mon):
	for t in res['trials']:
		for k in [k for k in t if k.startswith('_')]:
			del t[k]
	res['netlink_overruns'] = mon.overruns
	with open(a.out, 'w') as f:
		json.dump(res, f, indent=1)
	return 0 if res['trials'] and not res['failures'] else 1


def busy_load(secs):
	hogs = [subprocess.Popen(['timeout', str(secs), 'sh', '-c', 'while :; do :; done'])
		for _ in range(os.cpu_count())]
	srv = subprocess.Popen(['ip', 'netns', 'exec', 'r2', 'iperf3', '-s', '-1', '-B', '10.255.0.2'],
			       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
	time.sleep(1)
	ip = subprocess.run(['iperf3', '-c', '10.255.0.2', '-t', str(secs), '-P', '2', '-J'],
			    capture_output=True, text=True)
	for h in hogs:
		h.wait()
	srv.kill()
	srv.wait()
	try:
		return json.loads(ip.stdout)['end']['sum_received']['bits_per_second'] / 1e6
	except (ValueError, KeyError):
		return None


def load(a):
	ivals = [int(x) for x in a.intervals.split()]
	devs = ['gre1', 'gre2', 'gre3'][:len(ivals)]
	res = {'mode': a.mode, 'mult': a.mult, 'seconds': a.secs, 'sessions': []}
	for ns in ('r1', 'r2'):
		conf(ns, 'interface gre1', 'no ip ospf bfd')
	if a.mode == 'gre_ka':
		for d, I in zip(devs, ivals):
			ka_setup(d, I, a.mult - 1)
		ok = all(wait_until(lambda: ka_read(ns, 'state', d) == 'up', 30)
			 for d in devs for ns in ('r1', 'r2'))

		def downs():
			return {(ns, d): int(ka_read(ns, 'statistics/down_transitions', d))
				for d in devs for ns in ('r1', 'r2')}
	else:
		for d in devs:
			ka_off(d)
		for ns in ('r1', 'r2'):
			lines = ['bfd']
			for d, I in zip(devs, ivals):
				lines += [f'peer {LOAD_PEERS[d][1 if ns == "r1" else 0]} interface {d}',
					  f'profile p{I}', 'exit']
			conf(ns, *lines)

		def up():
			return all(sum(1 for p in bfd_peers(ns) if p.get('status') == 'up') >= len(devs)
				   for ns in ('r1', 'r2'))
		ok = wait_until(up, 60)

		def downs():
			out = {}
			for ns in ('r1', 'r2'):
				for c in bfd_counters(ns):
					out[(ns, c.get('interface'))] = c.get('session-down', 0)
			return out
	if not ok:
		res['problem'] = 'sessions not all up before the load'
	d0 = downs()
	log(f'load: {a.mode} {ivals}, {a.secs} s')
	res['iperf3_mbps'] = busy_load(a.secs)
	d1 = downs()
	for d, I in zip(devs, ivals):
		res['sessions'].append({'dev': d, 'interval_ms': I,
					'false_downs': sum(d1.get((ns, d), 0) - d0.get((ns, d), 0)
							   for ns in ('r1', 'r2'))})
	if a.mode == 'gre_ka':
		for d in devs:
			ka_off(d)
	else:
		for ns in ('r1', 'r2'):
			conf(ns, 'bfd', *[f'no peer {LOAD_PEERS[d][1 if ns == "r1" else 0]} interface {d}'
					  for d in devs])
	with open(a.out, 'w') as f:
		json.dump(res, f, indent=1)
	log(f'load: {res}')
	return 0 if ok else 1


def wait_until(pred, secs):
	deadline = time.monotonic() + secs
	while time.monotonic() < deadline:
		try:
			if pred():
				return True
		except (OSError, ValueError):
			pass
		time.sleep(0.2)
	return False


# --- scale ---------------------------------------------------------------------

SC = '/run/gre_ka-frrscale'
UL1, UL2 = '198.51.100.1', '198.51.100.2'


def busy_ticks():
	"""(busy, all) USER_HZ ticks from /proc/stat: everything but idle
	and iowait."""
	with open('/proc/stat') as f:
		w = [int(x) for x in f.readline().split()[1:]]
	return sum(w) - w[3] - w[4], sum(w)


def proc_ticks(pid):
	try:
		with open(f'/proc/{pid}/stat') as f:
			w = f.read().rsplit(')', 1)[1].split()
		return int(w[11]) + int(w[12])
	except OSError:
		return 0


def pkts(ns):
	r = {}
	for k in ('rx_packets', 'tx_packets', 'rx_bytes', 'tx_bytes'):
		r[k] = int(read(f'{SC}/{ns}/class/net/eth0/statistics/{k}'))
	return r


def measure(secs, pids):
	hz = os.sysconf('SC_CLK_TCK')
	b0, p0, q0 = busy_ticks()[0], pkts('s1'), {p: proc_ticks(p) for p in pids}
	t0 = time.monotonic()
	time.sleep(secs)
	b1, p1, q1 = busy_ticks()[0], pkts('s1'), {p: proc_ticks(p) for p in pids}
	dt = time.monotonic() - t0
	return {'cpu': (b1 - b0) / hz / dt,
		'pps': (p1['rx_packets'] + p1['tx_packets'] - p0['rx_packets'] - p0['tx_packets']) / dt,
		'bytes_per_s': (p1['rx_bytes'] + p1['tx_bytes'] - p0['rx_bytes'] - p0['tx_bytes']) / dt,
		'procs_cpu': {str(p): (q1[p] - q0[p]) / hz / dt for p in pids}}


def addr(i, end):
	n = (10 << 24) | (64 << 16) | (2 * i + end)
	return socket.inet_ntoa(struct.pack('!I', n))


class Frr:
	def __init__(self, etc):
		self.etc = etc
		self.pids = {}

	def start(self, ns, d, text=''):
		run = f'/run/frr/{ns}'
		os.makedirs(run, exist_ok=True)
		sh('chown', 'frr:frr', run)
		os.makedirs(f'{self.etc}/{ns}', exist_ok=True)
		os.chmod(self.etc, 0o755)
		os.chmod(f'{self.etc}/{ns}', 0o755)
		cf = f'{self.etc}/{ns}/{d}.conf'
		with open(cf, 'w') as f:
			f.write(text)
		os.chmod(cf, 0o644)
		sh('ip', 'netns', 'exec', ns, f'/usr/lib/frr/{d}', '-d', '-N', ns, '-P', '0',
		   '-f', cf, '-i', f'{run}/{d}.pid')
		if not wait_until(lambda: os.path.exists(f'{run}/{d}.vty'), 60):
			raise RuntimeError(f'{d} in {ns} did not start')
		self.pids[(ns, d)] = int(read(f'{run}/{d}.pid'))

	def stop(self):
		for p in self.pids.values():
			try:
				os.kill(p, 15)
			except OSError:
				pass
		for p in self.pids.values():
			wait_until(lambda: not os.path.exists(f'/proc/{p}'), 20)
		self.pids = {}


def scale(a):
	n, I, M = a.n, a.interval, a.mult
	res = {'n': n, 'interval_ms': I, 'mult': M, 'problems': []}
	frr = Frr('/tmp/gre_ka-frrscale')

	def problem(m):
		log('PROBLEM: ' + m)
		res['problems'].append(m)

	try:
		ns_pair(('s1', 's2'), (UL1, UL2))
		for ns in ('s1', 's2'):
			os.makedirs(f'{SC}/{ns}', exist_ok=True)
			sh('nsenter', f'--net=/run/netns/{ns}', 'mount', '-t', 'sysfs', 'sysfs',
			   f'{SC}/{ns}')
		mac = {ns: read(f'{SC}/{ns}/class/net/eth0/address') for ns in ('s1', 's2')}
		sh('ip', '-n', 's1', 'neigh', 'replace', UL2, 'lladdr', mac['s2'], 'dev', 'eth0',
		   'nud', 'permanent')
		sh('ip', '-n', 's2', 'neigh', 'replace', UL1, 'lladdr', mac['s1'], 'dev', 'eth0',
		   'nud', 'permanent')
		t0 = time.monotonic()
		for ns, lo, re_, end in (('s1', UL1, UL2, 0), ('s2', UL2, UL1, 1)):
			batch = ''.join(
				f'link add gk{i} type gre local {lo} remote {re_} key {i + 1} ttl 255\n'
				f'addr add {addr(i, end)}/31 dev gk{i}\n'
				f'link set gk{i} up\n' for i in range(n))
			sh('ip', '-n', ns, '-batch', '-', input=batch, text=True)
		res['create_s'] = round(time.monotonic() - t0, 1)
		log(f'{n} tunnels per router in {res["create_s"]} s')
		prof = (f'bfd\n profile p{I}\n  receive-interval {I}\n  transmit-interval {I}\n'
			f'  detect-multiplier {M}\n !\n!\n')
		for ns in ('s1', 's2'):
			frr.start(ns, 'zebra', f'hostname {ns}\n')
			frr.start(ns, 'bfdd', f'hostname {ns}\n' + prof)
		pids = list(frr.pids.values())
		# zebra takes in the N new interfaces for a while after its
		# start: a baseline taken then is higher than the phases after
		# it (seen: 0.017 CPUs, then 0.006 with keepalives on), so wait
		# until a 5 s sample shows the VM quiet (or 120 s have passed).
		# Not always enough (zebra comes in bursts): the upper bound
		# below does not depend on the baseline.
		quiet_by = time.monotonic() + 120
		while measure(5, pids)['cpu'] > 0.01 and time.monotonic() < quiet_by:
			pass
		log('baseline: no keepalive, no BFD session')
		res['base'] = measure(a.cpu_secs, pids)

		paths = [f'{SC}/{ns}/class/net/gk{i}/keepalive' for ns in ('s1', 's2')
			 for i in range(n)]
		for p in paths:
			write(f'{p}/period_ms', I)
			write(f'{p}/retries', M - 1)
			write(f'{p}/enabled', 1)

		def ka_up():
			return sum(1 for p in paths if read(f'{p}/state') == 'up' and
				   int(read(f'{p}/statistics/rx')) > 0)
		if not wait_until(lambda: ka_up() == 2 * n, 120):
			problem(f'gre_ka: only {ka_up()} of {2 * n} up with replies')
		d0 = sum(int(read(f'{p}/statistics/down_transitions')) for p in paths)
		log('gre_ka on')
		res['gre_ka'] = measure(a.cpu_secs, pids)
		res['gre_ka']['downs'] = sum(int(read(f'{p}/statistics/down_transitions'))
					     for p in paths) - d0
		# One end passive (s2 sends nothing, its line protocol follows
		# s1's requests), as BFD has one packet per interval per end.
		half = paths[n:]
		for p in half:
			write(f'{p}/passive', 1)
			write(f'{p}/enabled', 0)
		time.sleep(2 * I / 1000 + 1)
		d0 = sum(int(read(f'{p}/statistics/down_transitions')) for p in paths)
		log('gre_ka on, s2 passive')
		res['gre_ka_passive'] = measure(a.cpu_secs, pids)
		res['gre_ka_passive']['downs'] = sum(int(read(f'{p}/statistics/down_transitions'))
						     for p in paths) - d0
		res['gre_ka_passive']['up'] = sum(1 for p in paths if read(f'{p}/state') == 'up')
		for p in paths:
			write(f'{p}/enabled', 0)
			write(f'{p}/passive', 0)
		time.sleep(2)

		# The sessions go into bfdd's configuration, read at start:
		# entering 1,000 peers through vtysh takes longer than the
		# VM allows once the first hundreds of sessions load bfdd.
		for ns in ('s1', 's2'):
			p = frr.pids.pop((ns, 'bfdd'))
			os.kill(p, 15)
			wait_until(lambda: not os.path.exists(f'/proc/{p}'), 30)
			for f in ('bfdd.vty', 'bfdd.pid'):
				if os.path.exists(f'/run/frr/{ns}/{f}'):
					os.remove(f'/run/frr/{ns}/{f}')
		for ns, end in (('s1', 1), ('s2', 0)):
			frr.start(ns, 'bfdd', f'hostname {ns}\n' + prof + 'bfd\n' + ''.join(
				f' peer {addr(i, end)} interface gk{i}\n  profile p{I}\n exit\n'
				for i in range(n)) + '!\n')
		pids = list(frr.pids.values())

		def bfd_up():
			return sum(sum(1 for p in bfd_peers(ns) if p.get('status') == 'up')
				   for ns in ('s1', 's2'))
		# Not a failed measurement: where bfdd cannot bring up or hold
		# its sessions on these two vCPUs (1,000 at 300 ms), that is the
		# figure; the report says so next to its CPU.
		if not wait_until(lambda: bfd_up() == 2 * n, 180):
			res['bfd_up_in_180_s'] = bfd_up()
			log(f'bfd: only {res["bfd_up_in_180_s"]} of {2 * n} up after 180 s')

		def bfd_downs():
			return sum(c.get('session-down', 0) for ns in ('s1', 's2')
				   for c in bfd_counters(ns))
		b0 = bfd_downs()
		log('bfd on')
		res['bfd'] = measure(a.cpu_secs, pids)
		res['bfd']['downs'] = bfd_downs() - b0
		res['bfd']['up_after'] = bfd_up()
		res['pids'] = {f'{k[0]}/{k[1]}': v for k, v in frr.pids.items()}
		for k in ('gre_ka', 'gre_ka_passive', 'bfd'):
			d = res[k]
			d['cpu_per_session_us_per_s'] = (d['cpu'] - res['base']['cpu']) / (2 * n) * 1e6
			# Without the baseline subtracted: an upper bound, whatever
			# else the VM was doing (the difference can be below the
			# noise, even negative, for gre_ka).
			d['cpu_per_session_max_us_per_s'] = d['cpu'] / (2 * n) * 1e6
			d['pps_per_session'] = (d['pps'] - res['base']['pps']) / n
			d['bytes_per_s_per_session'] = (d['bytes_per_s'] - res['base']['bytes_per_s']) / n
		log(f'n={n} I={I}: base {res["base"]["cpu"]:.3f} gre_ka {res["gre_ka"]["cpu"]:.3f} '
		    f'bfd {res["bfd"]["cpu"]:.3f} CPUs')
	finally:
		with open(a.out, 'w') as f:
			json.dump(res, f, indent=1)
		frr.stop()
		for ns in ('s1', 's2'):
			subprocess.run(['umount', f'{SC}/{ns}'], stderr=subprocess.DEVNULL)
			subprocess.run(['ip', 'netns', 'del', ns], stderr=subprocess.DEVNULL)
	return 1 if res['problems'] else 0


def main():
	ap = argparse.ArgumentParser()
	sp = ap.add_subparsers(dest='cmd', required=True)
	f = sp.add_parser('failover')
	f.add_argument('--mode', choices=('gre_ka', 'bfd', 'ospf'), required=True)
	f.add_argument('--interval', type=int, default=0)
	f.add_argument('--mult', type=int, default=3)
	f.add_argument('--hello', type=int, default=1)
	f.add_argument('--dead', type=int, default=3)
	f.add_argument('--trials', type=int, default=20)
	f.add_argument('--trace', action='store_true')
	f.add_argument('--logdir')
	f.add_argument('--out', required=True)
	ld = sp.add_parser('load')
	ld.add_argument('--mode', choices=('gre_ka', 'bfd'), required=True)
	ld.add_argument('--intervals', default='300 50 20')
	ld.add_argument('--mult', type=int, default=3)
	ld.add_argument('--secs', type=int, default=60)
	ld.add_argument('--out', required=True)
	s = sp.add_parser('scale')
	s.add_argument('--n', type=int, required=True)
	s.add_argument('--interval', type=int, default=300)
	s.add_argument('--mult', type=int, default=3)
	s.add_argument('--cpu-secs', type=float, default=30)
	s.add_argument('--out', required=True)
	a = ap.parse_args()
	return {'failover': failover, 'load': load, 'scale': scale}[a.cmd](a)


if __name__ == '__main__':
	sys.exit(main())
