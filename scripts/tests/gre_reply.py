#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Forge, capture and replay GRE keepalive replies (protocol type 0).

  forge   --src PEER --dst US --count N [--magic] [--len BYTES]
          send N replies PEER->US with random 24-byte trailers; --magic
          starts them with the gre_ka magic so that the MAC is what fails
  capture --iface IF --src PEER --dst US --out FILE [--timeout S]
          wait for one genuine reply on IF and save the IPv4 packet (hex)
  replay  --dst US --file FILE [--count N]
          send a saved packet again
Sends use a raw IPv4 socket in the current netns.
"""
import argparse
import os
import socket
import struct
import sys

MAGIC = 0x474B4101


def ip_checksum(hdr):
    s = 0
    for i in range(0, len(hdr), 2):
        s += (hdr[i] << 8) + hdr[i + 1]
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def reply_packet(src, dst, payload):
    gre = b"\0\0\0\0" + payload  # no flags, version 0, protocol type 0
    hdr = bytearray(struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(gre), 0,
                                0x4000, 64, 47, 0, socket.inet_aton(src),
                                socket.inet_aton(dst)))
    hdr[10:12] = struct.pack("!H", ip_checksum(hdr))
    return bytes(hdr) + gre


def send(dst, packets):
    with socket.socket(socket.AF_INET, socket.SOCK_RAW,
                       socket.IPPROTO_RAW) as s:
        for p in packets:
            s.sendto(p, (dst, 0))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("cmd", choices=["forge", "capture", "replay"])
    ap.add_argument("--src")
    ap.add_argument("--dst", required=True)
    ap.add_argument("--iface")
    ap.add_argument("--out")
    ap.add_argument("--file")
    ap.add_argument("--count", type=int, default=1)
    ap.add_argument("--magic", action="store_true")
    ap.add_argument("--len", type=int, default=24,
                    help="forge: payload bytes after the GRE header")
    ap.add_argument("--timeout", type=float, default=15)
    a = ap.parse_args()

    if a.cmd == "forge":
        pkts = []
        for _ in range(a.count):
            body = os.urandom(a.len)
            if a.magic:
                body = struct.pack("!I", MAGIC) + body[4:]
            pkts.append(reply_packet(a.src, a.dst, body))
        send(a.dst, pkts)
    elif a.cmd == "replay":
        with open(a.file) as f:
            pkt = bytes.fromhex(f.read().strip())
        send(a.dst, [pkt] * a.count)
    else:
        from scapy_lite import IP, sniff

        def is_reply(p):
            if IP not in p or p[IP].src != a.src or p[IP].dst != a.dst:
                return False
            raw = bytes(p[IP])
            return p[IP].proto == 47 and len(raw) >= 48 and raw[22:24] == b"\0\0"

        got = sniff(iface=a.iface, lfilter=is_reply, count=1,
                    timeout=a.timeout)
        if not got:
            sys.exit("no reply captured")
        with open(a.out, "w") as f:
            f.write(bytes(got[0][IP]).hex())


if __name__ == "__main__":
    main()
