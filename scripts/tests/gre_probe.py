#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Send crafted peer GRE keepalives to a tunnel and count what comes back.

Runs in the sending router's netns (the "peer" of the tunnel under test).
For each variant it sends COUNT keepalives encapsulated the way our end's
tunnel would send them (outer IPv4 SRC->DST, GRE PT=0x0800), each carrying
an inner IPv4 DST->SRC packet with GRE PT=0, then sniffs IFACE for
reflections (IPv4 DST->SRC, GRE PT=0). One JSON line per variant:
  {"variant": V, "sent": N, "reflected": M, "ttl": T}
A reflection is a packet DST->SRC equal to the inner packet sent, byte for
byte, except the TTL and the IPv4 header checksum; T is the first one's TTL.
"""
import argparse
import json
import os
import socket
import threading
import time

from scapy_lite import AsyncSniffer, GRE, IP, IPOption, Raw, send


def inner_packet(variant, src, dst):
    """The peer keepalive as the tunnel's far end would have built it."""
    gre = GRE(proto=0)
    payload = b""
    ip_kw = {}
    isrc, idst = dst, src  # from the far end's local to its remote
    if variant == "key":
        gre = GRE(proto=0, key_present=1, key=0x01020304)
    elif variant == "csum":
        gre = GRE(proto=0, chksum_present=1)
    elif variant == "trailer":
        payload = os.urandom(24)
    elif variant == "bad-ipcsum":
        ip_kw["chksum"] = 0x1234
    elif variant == "options":
        ip_kw["options"] = [IPOption(b"\x01\x01\x01\x00")]
    elif variant == "frag":
        ip_kw["flags"] = "MF"
    elif variant == "offset":
        ip_kw["frag"] = 1
    elif variant == "grever":
        gre = GRE(proto=0, version=1)
    elif variant == "pt-ip":
        gre = GRE(proto=0x0800)
        payload = bytes(IP(src=isrc, dst=idst) / Raw(b"x" * 8))
    elif variant == "routing":
        gre = GRE(proto=0, routing_present=1)
    elif variant == "truncated":
        ip_kw["len"] = 22
    elif variant == "wrong-dst":
        idst = "198.51.100.77"
    elif variant == "wrong-src":
        isrc = "198.51.100.66"
    elif variant == "huge":
        payload = os.urandom(400)
    elif variant != "cisco":
        raise SystemExit(f"unknown variant {variant}")
    pkt = IP(src=isrc, dst=idst, ttl=255, **ip_kw) / gre
    if payload:
        pkt = pkt / Raw(payload)
    raw = bytes(pkt)
    if variant == "truncated":
        raw = raw + b"\0" * 2  # tot_len says 22, 4 GRE bytes follow
    return raw


def masked(raw):
    b = bytearray(raw)
    b[8] = 0  # TTL
    b[10:12] = b"\0\0"  # header checksum
    return bytes(b)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--iface", required=True)
    ap.add_argument("--src", required=True, help="our underlay address")
    ap.add_argument("--dst", required=True, help="the tunnel end under test")
    ap.add_argument("--outer-key", type=int)
    ap.add_argument("--outer-csum", action="store_true")
    ap.add_argument("--count", type=int, default=1)
    ap.add_argument("--wait", type=float, default=1.5)
    ap.add_argument("--fast", action="store_true",
                    help="send from a raw socket in a tight loop")
    ap.add_argument("--interval", type=float, default=0,
                    help="seconds between keepalives (a peer's period)")
    ap.add_argument("variants", nargs="+")
    a = ap.parse_args()

    for variant in a.variants:
        inner = inner_packet(variant, a.src, a.dst)
        og = GRE(proto=0x0800)
        if a.outer_key is not None:
            og.key_present = 1
            og.key = a.outer_key
        if a.outer_csum:
            og.chksum_present = 1
        outer = IP(src=a.src, dst=a.dst, proto=47) / og / Raw(inner)

        want = masked(inner)

        def is_reflection(p):
            if IP not in p or p[IP].src != a.dst or p[IP].dst != a.src:
                return False
            raw = bytes(p[IP])
            return len(raw) >= len(inner) and masked(raw[: len(inner)]) == want

        ready = threading.Event()
        sn = AsyncSniffer(iface=a.iface, lfilter=is_reflection, store=True,
                          started_callback=ready.set)
        sn.start()
        ready.wait(5)
        t0 = time.monotonic()
        if a.fast or a.interval:
            raw = bytes(outer)
            with socket.socket(socket.AF_INET, socket.SOCK_RAW,
                               socket.IPPROTO_RAW) as s:
                for i in range(a.count):
                    if i and a.interval:
                        time.sleep(a.interval)
                    s.sendto(raw, (a.dst, 0))
        else:
            send(outer, count=a.count)
        elapsed = time.monotonic() - t0
        time.sleep(a.wait)
        got = sn.stop() or []
        res = {"variant": variant, "sent": a.count, "reflected": len(got),
               "ttl": bytes(got[0][IP])[8] if got else None,
               "send_seconds": round(elapsed, 4)}
        print(json.dumps(res), flush=True)


if __name__ == "__main__":
    main()
