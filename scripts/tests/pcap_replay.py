#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Replay the IPv4 packets of a pcap file, as captured, from this netns.

  pcap_replay.py FILE --interval S --seconds T

Sends the packets in order, INTERVAL seconds apart, starting over at the
end, for SECONDS; prints how many it sent. A raw IPv4 socket with the
header included, so the packets leave exactly as they were captured
(source address included): what an on-path attacker replaying recorded
keepalives would do.
"""
import argparse
import socket
import time

from scapy_lite import IP, rdpcap


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("file")
    ap.add_argument("--interval", type=float, default=0.3)
    ap.add_argument("--seconds", type=float, default=5)
    a = ap.parse_args()
    pkts = [bytes(p[IP]) for p in rdpcap(a.file) if IP in p]
    if not pkts:
        raise SystemExit("no IPv4 packets in " + a.file)
    sent = 0
    end = time.monotonic() + a.seconds
    with socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW) as s:
        while time.monotonic() < end:
            raw = pkts[sent % len(pkts)]
            s.sendto(raw, (socket.inet_ntoa(raw[16:20]), 0))
            sent += 1
            time.sleep(a.interval)
    print(f"sent {sent} packets ({len(pkts)} distinct)")


if __name__ == "__main__":
    main()
