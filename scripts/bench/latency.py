#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Failure detection and recovery latency of one gre_ka tunnel.

Runs inside the sending router's network namespace (ip netns exec r1 ...),
so /sys/class/net is that namespace's. For each trial, at a random phase
of the keepalive timer, the underlay is cut (tc netem loss 100% on the
router's egress) and, once the carrier is off, repaired again at a random
phase. Keepalive is re-enabled before each trial, so each one starts with
a fresh state machine (no flap dampening from the previous trial). Times
are CLOCK_MONOTONIC, in ms:

  - the cut/repair moment: the midpoint of clock readings just before the
    tc command was written to a long-running `tc -batch` and just after tc
    answered the `qdisc show` that follows it (half the gap is the
    uncertainty);
  - the carrier change: the kernel's own timestamp of the transition,
    read back as keepalive/last_change_ms (the age, in ms, of the last
    transition, computed from ktime_get_ns(), i.e. CLOCK_MONOTONIC),
    independent of how often the carrier is polled; also the timestamp of
    the module's log line in /dev/kmsg, for comparison.

Usage: latency.py --dev gre1 --egress eth0 --period MS --retries N
                  --trials N --out FILE.json
"""
import argparse
import json
import os
import random
import re
import subprocess
import sys
import time


def mono_ms():
	return time.clock_gettime_ns(time.CLOCK_MONOTONIC) / 1e6


def read(path):
	with open(path) as f:
		return f.read().strip()


def write(path, value):
	with open(path, 'w') as f:
		f.write(str(value))


class Tc:
	"""A long-running `tc -batch -`: a command costs a pipe write, not a
	fork and exec, so the moment it takes effect is known closely."""

	def __init__(self, dev, netns=None):
		self.dev = dev
		pre = ['ip', 'netns', 'exec', netns] if netns else []
		self.p = subprocess.Popen(pre + ['stdbuf', '-oL', 'tc', '-batch', '-'],
					  stdin=subprocess.PIPE, stdout=subprocess.PIPE,
					  text=True, bufsize=1)

	def run(self, cmd, want_netem):
		t0 = mono_ms()
		self.p.stdin.write(f'{cmd}\nqdisc show dev {self.dev}\n')
		self.p.stdin.flush()
		line = self.p.stdout.readline()
		t1 = mono_ms()
		if ('netem' in line) != want_netem:
			sys.exit(f'latency: tc did not do "{cmd}": {line!r}')
		return t0, t1

	def cut(self):
		return self.run(f'qdisc replace dev {self.dev} root netem loss 100%', True)

	def repair(self):
		return self.run(f'qdisc del dev {self.dev} root', False)


class Kmsg:
	"""The module's carrier-change lines from /dev/kmsg (usec stamps)."""

	def __init__(self, dev):
		self.fd = os.open('/dev/kmsg', os.O_RDONLY | os.O_NONBLOCK)
		os.lseek(self.fd, 0, os.SEEK_END)
		self.re = re.compile(r'^\d+,\d+,(\d+),[^;]*;.*\b' + re.escape(dev) +
				     r': keepalive: line protocol changed state to (up|down)')

	def last(self, state):
		"""Timestamp (ms) of the latest such line for state, or None."""
		found = None
		while True:
			try:
				rec = os.read(self.fd, 8192).decode(errors='replace')
			except BlockingIOError:
				return found
			except OSError:		# EPIPE: records overwritten
				continue
			m = self.re.match(rec)
			if m and m.group(2) == state:
				found = int(m.group(1)) / 1000


def main():
	ap = argparse.ArgumentParser()
	ap.add_argument('--dev', default='gre1')
	ap.add_argument('--egress', default='eth0')
	ap.add_argument('--period', type=int, required=True)
	ap.add_argument('--retries', type=int, required=True)
	ap.add_argument('--trials', type=int, required=True)
	ap.add_argument('--out', required=True)
	a = ap.parse_args()

	net = f'/sys/class/net/{a.dev}'
	ka = f'{net}/keepalive'
	period = a.period

	def carrier_is(want, timeout_ms):
		deadline = mono_ms() + timeout_ms
		while mono_ms() < deadline:
			if read(f'{net}/carrier') == want:
				return True
			time.sleep(0.001)
		return False

	def change_time():
		# last_change_ms is floor((now - change) / 1 ms) for some now
		# between t0 and t1: change is in (t0 - age - 1, t1 - age].
		t0 = mono_ms()
		age = int(read(f'{ka}/last_change_ms'))
		t1 = mono_ms()
		return (t0 + t1) / 2 - age - 0.5, (t1 - t0) / 2 + 0.5

	def rx():
		return int(read(f'{ka}/statistics/rx'))

	write(f'{ka}/enabled', 0)
	write(f'{ka}/period_ms', period)
	write(f'{ka}/retries', a.retries)
	write(f'{ka}/enabled', 1)

	tc = Tc(a.egress)
	kmsg = Kmsg(a.dev)
	# The first netem qdisc loads sch_netem: do that before measuring.
	tc.cut()
	tc.repair()

	trials = []
	failures = []
	settle = (a.retries + 2) * period + 10000
	for i in range(a.trials):
		# Each trial starts afresh: re-enabling resets the state
		# machine, so the flap dampening that earlier trials' cuts
		# would build up (more replies needed to come back up) does
		# not carry over; it also moves the timer's phase.
		write(f'{ka}/enabled', 0)
		write(f'{ka}/enabled', 1)
		if not carrier_is('1', settle):
			failures.append(f'trial {i}: carrier not up before the cut')
			continue
		# Wait for a fresh reply, then a random phase of the timer.
		n = rx()
		deadline = mono_ms() + 2 * period + 5000
		while rx() <= n and mono_ms() < deadline:
			time.sleep(0.005)
		time.sleep(period * (1 + random.random()) / 1000)

		c0, c1 = tc.cut()
		if not carrier_is('0', settle):
			failures.append(f'trial {i}: no carrier loss within {settle} ms')
			tc.repair()
			continue
		t_down, u_down = change_time()
		k_down = kmsg.last('down')

		time.sleep(period * random.random() / 1000)
		tx0 = int(read(f'{ka}/statistics/tx'))
		r0, r1 = tc.repair()
		if not carrier_is('1', 2 * period + 10000):
			failures.append(f'trial {i}: no carrier within {2 * period + 10000} ms of the repair')
			continue
		t_up, u_up = change_time()
		k_up = kmsg.last('up')
		tx_to_up = int(read(f'{ka}/statistics/tx')) - tx0

		cut, rep = (c0 + c1) / 2, (r0 + r1) / 2
		trials.append({
			'detect_ms': round(t_down - cut, 3),
			'detect_unc_ms': round((c1 - c0) / 2 + u_down, 3),
			'recover_ms': round(t_up - rep, 3),
			'recover_unc_ms': round((r1 - r0) / 2 + u_up, 3),
			'keepalives_repair_to_up': tx_to_up,
			'kmsg_minus_kernel_down_ms':
				None if k_down is None else round(k_down - t_down, 3),
			'kmsg_minus_kernel_up_ms':
				None if k_up is None else round(k_up - t_up, 3),
		})
		print(f'# {period}x{a.retries} trial {i}: detect '
		      f'{t_down - cut:.1f} recover {t_up - rep:.1f} ms', flush=True)

	stats = {k: int(read(f'{ka}/statistics/{k}'))
		 for k in ('tx', 'rx', 'rx_invalid', 'down_transitions',
			   'up_transitions', 'rtt_min_us', 'rtt_avg_us', 'rtt_max_us')}
	write(f'{ka}/enabled', 0)
	with open(a.out, 'w') as f:
		json.dump({'period_ms': period, 'retries': a.retries,
			   'trials': trials, 'failures': failures,
			   'statistics': stats}, f, indent=1)
	return 0 if not failures else 1


if __name__ == '__main__':
	sys.exit(main())
