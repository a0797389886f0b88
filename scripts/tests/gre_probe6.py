#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Send crafted peer GRE keepalives over an IPv6 underlay (ip6gre).

The IPv6 twin of gre_probe.py: runs in the peer's netns and, for each
variant, sends COUNT packets IPv6 SRC->DST / GRE PT=0x86dd / inner IPv6
DST->SRC / GRE PT=0 [/ payload], the keepalive the tunnel's far end would
send, then sniffs IFACE for reflections: IPv6 DST->SRC equal to the inner
packet byte for byte except the hop limit. One JSON line per variant:
  {"variant": V, "sent": N, "reflected": M, "hlim": H}
Variant "reply" instead sends a bare GRE PT=0 packet DST<-SRC, the shortest
possible keepalive reply, to show what the tunnel does with it.
"""
import argparse
import json
import os
import threading
import time

from scapy_lite import (AsyncSniffer, GRE, IPv6, IPv6ExtHdrFragment,
                       IPv6ExtHdrHopByHop, Raw, send)


def inner_packet(variant, src, dst):
    """The peer keepalive as the tunnel's far end would have built it."""
    gre = GRE(proto=0)
    payload = b""
    isrc, idst = dst, src
    hlim = 255
    ext = None
    if variant == "key":
        gre = GRE(proto=0, key_present=1, key=0x01020304)
    elif variant == "csum":
        gre = GRE(proto=0, chksum_present=1)
    elif variant == "openbsd":
        # OpenBSD's keepalive payload: uptime, random, SipHash digest.
        payload = os.urandom(24)
    elif variant == "hbh":
        ext = IPv6ExtHdrHopByHop()
    elif variant == "frag":
        ext = IPv6ExtHdrFragment(m=1)
    elif variant == "grever":
        gre = GRE(proto=0, version=1)
    elif variant == "mikrotik":
        # MikroTik RouterOS is reported to use protocol type 0x86dd.
        gre = GRE(proto=0x86DD)
    elif variant == "pt-ip":
        gre = GRE(proto=0x0800)
        payload = bytes(20)
    elif variant == "wrong-dst":
        idst = "2001:db8:ff::77"
    elif variant == "wrong-src":
        isrc = "2001:db8:ff::66"
    elif variant == "hlim1":
        hlim = 1
    elif variant == "huge":
        payload = os.urandom(400)
    elif variant != "cisco":
        raise SystemExit(f"unknown variant {variant}")
    pkt = IPv6(src=isrc, dst=idst, hlim=hlim)
    if ext is not None:
        pkt = pkt / ext
    pkt = pkt / gre
    if payload:
        pkt = pkt / Raw(payload)
    return bytes(pkt)


def masked(raw):
    b = bytearray(raw)
    b[7] = 0  # hop limit
    return bytes(b)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--iface", required=True)
    ap.add_argument("--src", required=True, help="our underlay address")
    ap.add_argument("--dst", required=True, help="the tunnel end under test")
    ap.add_argument("--count", type=int, default=1)
    ap.add_argument("--wait", type=float, default=1.5)
    ap.add_argument("variants", nargs="+")
    a = ap.parse_args()

    for variant in a.variants:
        if variant == "reply":
            send(IPv6(src=a.src, dst=a.dst) / GRE(proto=0), count=a.count)
            print(json.dumps({"variant": variant, "sent": a.count}),
                  flush=True)
            continue
        inner = inner_packet(variant, a.src, a.dst)
        outer = IPv6(src=a.src, dst=a.dst, nh=47) / GRE(proto=0x86DD) / \
            Raw(inner)
        want = masked(inner)

        def is_reflection(p):
            if IPv6 not in p or p[IPv6].src != a.dst or p[IPv6].dst != a.src:
                return False
            raw = bytes(p[IPv6])
            return len(raw) >= len(inner) and masked(raw[: len(inner)]) == want

        ready = threading.Event()
        sn = AsyncSniffer(iface=a.iface, lfilter=is_reflection, store=True,
                          started_callback=ready.set)
        sn.start()
        ready.wait(5)
        send(outer, count=a.count)
        time.sleep(a.wait)
        got = sn.stop() or []
        res = {"variant": variant, "sent": a.count, "reflected": len(got),
               "hlim": bytes(got[0][IPv6])[7] if got else None}
        print(json.dumps(res), flush=True)


if __name__ == "__main__":
    main()
