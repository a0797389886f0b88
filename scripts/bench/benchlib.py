# SPDX-License-Identifier: GPL-2.0
"""Helpers the make bench scripts share (inside the VM, as root)."""
import multiprocessing
import os
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
