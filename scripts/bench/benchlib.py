# SPDX-License-Identifier: GPL-2.0
"""Helpers the make bench scripts share (inside the VM, as root)."""
import multiprocessing
import os
import re
import subprocess
import time


def sh(*cmd, **kw):
	"""Run a command; raise if it fails."""
	return subprocess.run(cmd, check=True, **kw)


def logger(tag):
	"""A log function printing '# HH:MM:SS TAG: message', unbuffered."""
	def log(msg):
		print(f'# {time.strftime("%T")} {tag}: {msg}', flush=True)
	return log


def meminfo():
	"""/proc/meminfo, in kB."""
	with open('/proc/meminfo') as f:
		return {l.split(':')[0]: int(l.split()[1]) for l in f}


def slab_caches():
	"""Bytes of active objects per slab cache (active_objs x objsize)."""
	caches = {}
	with open('/proc/slabinfo') as f:
		for l in f:
			if l.startswith(('slabinfo', '#')):
				continue
			w = l.split()
			caches[w[0]] = caches.get(w[0], 0) + int(w[1]) * int(w[3])
	return caches


def ns_pair(names, addrs):
	"""Two network namespaces joined by a veth pair named eth0 on both ends,
	with the given /24 IPv4 addresses, loopback up and IPv6 off (without it
	every new tunnel gets a link-local address, DAD, MLD reports and router
	solicitations: minutes of background CPU at 10,000 tunnels)."""
	for ns in names:
		sh('ip', 'netns', 'add', ns)
		sh('ip', '-n', ns, 'link', 'set', 'lo', 'up')
		sh('ip', 'netns', 'exec', ns, 'sh', '-c',
		   'echo 1 >/proc/sys/net/ipv6/conf/all/disable_ipv6 && '
		   'echo 1 >/proc/sys/net/ipv6/conf/default/disable_ipv6')
	sh('ip', 'link', 'add', 'eth0', 'netns', names[0], 'type', 'veth',
	   'peer', 'name', 'eth0', 'netns', names[1])
	for ns, a in zip(names, addrs):
		sh('ip', '-n', ns, 'addr', 'add', f'{a}/24', 'dev', 'eth0')
		sh('ip', '-n', ns, 'link', 'set', 'eth0', 'up')


def _loop(secs, q):
	n, end = 0, time.monotonic() + secs
	while True:
		for _ in range(20000):
			n += 1
		if time.monotonic() >= end:
			break
	q.put(n)


def busy_loops(secs):
	"""Iterations per second of one nice-19 busy loop per CPU, summed: the
	CPU left to user space. The kernel's work (softirq, timers, ksoftirqd)
	is what they lose against a baseline. /proc/stat's split cannot tell
	it under emulation: a tick rarely lands inside a softirq run from idle
	(measured: 1,000 keepalive round trips a second showed as 0.1 % of a
	CPU, 1,000 refused ones as 4 %)."""
	q = multiprocessing.Queue()
	ps = [multiprocessing.Process(target=lambda: (os.nice(19), _loop(secs, q)))
	      for _ in range(os.cpu_count())]
	t0 = time.monotonic()
	for p in ps:
		p.start()
	total = sum(q.get() for _ in ps)
	for p in ps:
		p.join()
	return total / (time.monotonic() - t0)


def cpu_taken(base, loaded):
	"""CPUs the kernel's work took from the loops: base and loaded are
	busy_loops() without and with it."""
	return max(0.0, 1 - loaded / base) * os.cpu_count()


TRACEFS = '/sys/kernel/tracing'


class Tracer:
	"""function_graph on funcs (those this kernel can trace; the others in
	.missing), trace clock mono (CLOCK_MONOTONIC, as latency.mono_ms),
	with the tracepoints events ("system/event") and, if depth, calls
	nested no deeper than that."""

	def __init__(self, funcs, events=(), depth=0, buffer_kb=8192):
		if not os.path.isdir(f'{TRACEFS}/events'):
			subprocess.run(['mount', '-t', 'tracefs', 'nodev', TRACEFS], check=True)
		with open(f'{TRACEFS}/available_filter_functions') as f:
			avail = {l.split()[0] for l in f}
		self.funcs = [f for f in funcs if f in avail]
		self.missing = [f for f in funcs if f not in avail]
		self.events, self.depth, self.buffer_kb = events, depth, buffer_kb

	def w(self, f, v):
		with open(f'{TRACEFS}/{f}', 'w') as fh:
			fh.write(v)

	def start(self):
		self.w('tracing_on', '0')
		self.w('current_tracer', 'nop')
		self.w('trace', '')
		self.w('trace_clock', 'mono')
		self.w('buffer_size_kb', str(self.buffer_kb))
		self.w('set_ftrace_filter', '\n'.join(self.funcs) + '\n')
		self.w('max_graph_depth', str(self.depth))
		self.w('current_tracer', 'function_graph')
		for o in ('funcgraph-abstime', 'funcgraph-proc', 'funcgraph-tail',
			  'funcgraph-duration', 'funcgraph-cpu'):
			self.w(f'options/{o}', '1')
		for e in self.events:
			self.w(f'events/{e}/enable', '1')
		self.w('tracing_on', '1')

	def stop(self, path=None):
		"""Stop; the trace saved to path (if given) and parsed
		(parse_graph)."""
		self.w('tracing_on', '0')
		with open(f'{TRACEFS}/trace') as f:
			text = f.read()
		if path:
			with open(path, 'w') as f:
				f.write(text)
		for e in self.events:
			self.w(f'events/{e}/enable', '0')
		self.w('current_tracer', 'nop')
		self.w('set_ftrace_filter', '')
		self.w('max_graph_depth', '0')
		return parse_graph(text)


GRAPH_LINE = re.compile(r'^\s*(\d+\.\d+)\s*\|\s*\d+\)\s*(.*?)\s*\|\s*([^|]*?)\s*\|\s*(.*)$')


def parse_graph(text):
	"""function_graph output (Tracer's options) -> calls [(func, pid,
	start_ms, dur_ms, depth)] and tracepoint events [(t_ms, text)]. A
	module's function keeps its " [module]" in func."""
	calls, events, stacks = [], [], {}
	for l in text.splitlines():
		m = GRAPH_LINE.match(l)
		if not m:
			continue
		ts, proc, dur, rest = float(m.group(1)) * 1000, m.group(2), m.group(3), m.group(4)
		pid = proc.rsplit('-', 1)[-1]
		d = re.search(r'([\d.]+)\s*us', dur)
		d = float(d.group(1)) / 1000 if d else None
		st = stacks.setdefault(pid, [])
		if rest.startswith('/*'):
			events.append((ts, rest.strip('/* ')))
		elif rest.endswith('{'):
			st.append((rest[:-1].strip().rstrip('()'), ts))
		elif rest.startswith('}'):
			name = re.search(r'/\* (\S+) \*/', rest)
			if st:
				f, t0 = st.pop()
				calls.append((name.group(1) if name else f, pid, t0,
					      d if d is not None else ts - t0, len(st)))
		elif rest.endswith(');'):
			calls.append((rest[:-2].strip().rstrip('('), pid, ts, d or 0, len(st)))
	return calls, events
