#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Craft peer GRE keepalives of any shape, send them, and see what answers.

Runs in the sending router's netns (the peer of the tunnel under test).
Sends COUNT outer packets OUTER_SRC -> OUTER_DST (GRE, protocol type
--outer-proto, default that of the inner family), each carrying an inner
packet INNER_SRC -> INNER_DST with GRE protocol type 0 (or --inner-proto)
and a payload, then sniffs IFACE for answers:
  --expect SRC,DST           a native packet SRC -> DST whose GRE header and
                             payload are the inner packet's, TTL (hop
                             limit) one less, a valid IPv4 header checksum
  --expect SRC,DST,tunnel    an outer GRE packet SRC -> DST carrying the
                             inner packet itself, TTL one less
  --watch IFACE              count every IP packet seen on IFACE (a third
                             party that must receive nothing)
Prints one JSON object: {"sent": N, "expect": [{"spec": ..., "matched": M,
"first": HEX}], "watch": {IFACE: K}}.

  gre_craft.py --batch FILE
runs every line "NAME: OPTIONS..." of FILE (the options above) in one
process, printing one JSON object per line with "name": NAME added:
starting python and scapy once is most of the cost under emulation.
Addresses with a colon are IPv6, otherwise IPv4; the outer and inner
families may differ.
"""
import argparse
import json
import os
import shlex
import socket
import struct
import sys
import threading
import time

from scapy_lite import (GRE, IP, IPv6, AsyncSniffer, Raw, send)
MAGIC = 0x474B4101


def is6(a):
    return ":" in a


def inner_packet(a):
    gre = GRE(proto=a.inner_proto)
    if a.inner_key is not None:
        gre.key_present = 1
        gre.key = a.inner_key
    if a.ours:
        seq, tx = (int(x) for x in a.ours.split(","))
        payload = struct.pack("!IIQQ", MAGIC, seq, tx, 0)
    else:
        payload = os.urandom(a.payload_len) if a.payload_len else b""
    if is6(a.inner_src):
        ip = IPv6(src=a.inner_src, dst=a.inner_dst, hlim=a.inner_ttl, nh=47)
    else:
        ip = IP(src=a.inner_src, dst=a.inner_dst, ttl=a.inner_ttl, proto=47,
                flags="DF")
    pkt = ip / gre
    if payload:
        pkt = pkt / Raw(payload)
    return bytes(pkt)


def outer_packet(a, inner, i=0):
    proto = a.outer_proto
    if proto is None:
        proto = 0x86DD if is6(a.inner_src) else 0x0800
    gre = GRE(proto=proto)
    if a.outer_key is not None:
        gre.key_present = 1
        gre.key = a.outer_key
    if a.outer_seq is not None:
        # For tunnels with input sequencing (iseq): one number per packet.
        gre.seqnum_present = 1
        gre.sequence_number = a.outer_seq + i
    if is6(a.outer_src):
        return IPv6(src=a.outer_src, dst=a.outer_dst, nh=47) / gre / Raw(inner)
    return IP(src=a.outer_src, dst=a.outer_dst, proto=47) / gre / Raw(inner)


def ip_header_len(raw):
    return 40 if raw[0] >> 4 == 6 else (raw[0] & 15) * 4


def ttl_of(raw):
    return raw[7] if raw[0] >> 4 == 6 else raw[8]


def csum_ok(raw):
    if raw[0] >> 4 == 6:
        return True
    hl = ip_header_len(raw)
    s = 0
    for i in range(0, hl, 2):
        s += (raw[i] << 8) + raw[i + 1]
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return s == 0xFFFF


def addrs(raw):
    if raw[0] >> 4 == 6:
        return (socket.inet_ntop(socket.AF_INET6, raw[8:24]),
                socket.inet_ntop(socket.AF_INET6, raw[24:40]))
    return socket.inet_ntoa(raw[12:16]), socket.inet_ntoa(raw[16:20])


def l3(p):
    # The outermost IP header: an ip6gre packet carrying IPv4 has both.
    x = p
    while x:
        if isinstance(x, (IP, IPv6)):
            return bytes(x)
        x = x.payload
    return None


def matcher(spec, inner):
    parts = spec.split(",")
    src, dst = parts[0], parts[1]
    tunnel = len(parts) > 2 and parts[2] == "tunnel"
    body = inner[ip_header_len(inner):]

    def native(raw):
        if raw is None or addrs(raw) != (src, dst):
            return False
        hl = ip_header_len(raw)
        return (raw[hl:hl + len(body)] == body and csum_ok(raw) and
                ttl_of(raw) == ttl_of(inner) - 1)

    def encap(raw):
        if raw is None or addrs(raw) != (src, dst):
            return False
        hl = ip_header_len(raw)
        g = raw[hl:]
        if len(g) < 4 or g[0] & 0x0F or g[1] & 0x07:
            return False
        ghl = 4 + 4 * bin(g[0] & 0xB0).count("1")
        got = g[ghl:ghl + len(inner)]
        if len(got) != len(inner) or ttl_of(got) != ttl_of(inner) - 1:
            return False
        # Equal but for TTL / hop limit and the IPv4 header checksum.
        a, b = bytearray(got), bytearray(inner)
        if inner[0] >> 4 == 6:
            a[7] = b[7] = 0
        else:
            a[8] = b[8] = 0
            a[10:12] = b[10:12] = b"\0\0"
        return a == b and csum_ok(got)

    return encap if tunnel else native


def parser():
    ap = argparse.ArgumentParser()
    ap.add_argument("--iface", required=True)
    ap.add_argument("--outer-src", required=True)
    ap.add_argument("--outer-dst", required=True)
    ap.add_argument("--outer-proto", type=lambda x: int(x, 0))
    ap.add_argument("--outer-key", type=int)
    ap.add_argument("--outer-seq", type=int,
                    help="GRE sequence number of the first packet")
    ap.add_argument("--inner-src", required=True)
    ap.add_argument("--inner-dst", required=True)
    ap.add_argument("--inner-proto", type=lambda x: int(x, 0), default=0)
    ap.add_argument("--inner-ttl", type=int, default=255)
    ap.add_argument("--inner-key", type=int)
    ap.add_argument("--ours", help="SEQ,TX_NS: a trailer with our magic")
    ap.add_argument("--payload-len", type=int, default=24)
    ap.add_argument("--count", type=int, default=3)
    ap.add_argument("--interval", type=float, default=0.05)
    ap.add_argument("--wait", type=float, default=1.5,
                    help="seconds to wait for answers at most")
    ap.add_argument("--expect", action="append", default=[])
    ap.add_argument("--watch", action="append", default=[])
    return ap


def run(a):
    inner = inner_packet(a)
    outer = outer_packet(a, inner)
    raw = bytes(outer)
    checks = [(s, matcher(s, inner)) for s in a.expect]
    found = {s: [] for s in a.expect}

    def on_pkt(p):
        r = l3(p)
        for s, m in checks:
            if m(r):
                found[s].append(r)

    sniffers = []
    ready = threading.Event()
    sniffers.append(AsyncSniffer(iface=a.iface, prn=on_pkt, store=False,
                                 started_callback=ready.set))
    watched = {w: 0 for w in a.watch}

    def counter(w):
        def f(p):
            if l3(p) is not None:
                watched[w] += 1
        return f

    for w in a.watch:
        sniffers.append(AsyncSniffer(iface=w, prn=counter(w), store=False))
    for s in sniffers:
        s.start()
    ready.wait(5)
    time.sleep(0.2)

    if is6(a.outer_src):
        if a.outer_seq is None:
            send(outer, count=a.count, inter=a.interval)
        else:
            send([outer_packet(a, inner, i) for i in range(a.count)],
                 inter=a.interval)
    else:
        with socket.socket(socket.AF_INET, socket.SOCK_RAW,
                           socket.IPPROTO_RAW) as s:
            for i in range(a.count):
                if i:
                    time.sleep(a.interval)
                if a.outer_seq is not None:
                    raw = bytes(outer_packet(a, inner, i))
                s.sendto(raw, (a.outer_dst, 0))
    # Wait up to --wait for the answers: stop early once every expected
    # shape has matched once per packet sent (and a little longer, so that
    # a duplicate would still be seen). A shape that must not be answered
    # waits the whole time: absence has no earlier proof.
    deadline = time.monotonic() + a.wait
    while time.monotonic() < deadline:
        if checks and all(len(found[s]) >= a.count for s, _ in checks):
            time.sleep(min(0.3, max(0.0, deadline - time.monotonic())))
            break
        time.sleep(0.05)
    for s in sniffers:
        s.stop()
    return {
        "sent": a.count,
        "expect": [{"spec": s, "matched": len(found[s]),
                    "first": found[s][0].hex() if found[s] else None}
                   for s in a.expect],
        "watch": watched,
    }


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--batch":
        with open(sys.argv[2]) as f:
            for line in f:
                line = line.strip()
                if not line or line.startswith("#"):
                    continue
                name, _, rest = line.partition(":")
                res = run(parser().parse_args(shlex.split(rest)))
                res["name"] = name.strip()
                print(json.dumps(res), flush=True)
        return
    print(json.dumps(run(parser().parse_args())), flush=True)


if __name__ == "__main__":
    main()
