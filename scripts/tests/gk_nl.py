#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""A minimal generic netlink client for the gre_ka family (no dependencies).

The tests need what neither gre-ka nor YNL shows: the order of a dump's
messages and their flags (NLM_F_DUMP_INTR), a dump that stops between two
reads while the tunnels change, raw messages of any shape. Used as a
library (the netlink fuzzer builds on it) and from the command line:

  gk_nl.py dump [IFNAME]          one JSON object: the tunnels' names in the
                                  order of the dump, the peers per tunnel,
                                  and how many messages had NLM_F_DUMP_INTR
  gk_nl.py dump-during CMD...     the same, but reading the dump one small
                                  read at a time and running CMD (a shell
                                  command line) after the first read
  gk_nl.py peers IFNAME           the peers of a multipoint tunnel:
                                  {"uptime_ms": when (the clock of
                                  /proc/uptime), "peers": {NBMA: {state,
                                  origins, counters, neighs, ...}}}
  gk_nl.py wait IFNAME SECS EXPR  dump IFNAME's peers every 0.1 s until the
                                  Python expression EXPR is true of them
                                  (as p, the "peers" object above): print
                                  that dump, exit 0; else the last, exit 1
  gk_nl.py peer-add|peer-del IFNAME ADDRESS
                                  a static peer; prints "ok" or the errno
                                  and the kernel's message, exit 1
"""
import json
import os
import socket
import struct
import subprocess
import sys
import time

NETLINK_GENERIC = 16
NLM_F_REQUEST = 0x1
NLM_F_MULTI = 0x2
NLM_F_ACK = 0x4
NLM_F_DUMP_INTR = 0x10
NLM_F_DUMP = 0x300
NLMSG_ERROR = 2
NLMSG_DONE = 3
GENL_ID_CTRL = 0x10
CTRL_CMD_GETFAMILY = 3
CTRL_ATTR_FAMILY_ID = 1
CTRL_ATTR_FAMILY_NAME = 2
CTRL_ATTR_MCAST_GROUPS = 7
NLMSGERR_ATTR_MSG = 1
NLM_F_ACK_TLVS = 0x200
NLA_F_NESTED = 0x8000
SOL_NETLINK = 270
NETLINK_EXT_ACK = 11
NETLINK_CAP_ACK = 10

# The family's attribute numbers (include/uapi/gre_ka.h).
CMD_GET, CMD_SET, CMD_STATE_NTF, CMD_CONF_NTF = 1, 2, 3, 4
CMD_PEER_ADD, CMD_PEER_DEL, CMD_PEER_NTF = 5, 6, 7
A_IFINDEX, A_IFNAME, A_KIND = 1, 2, 3
A_MULTIPOINT, A_PEERS, A_PEERS_DOWN, A_PEER = 24, 25, 26, 27
(A_PEER_ADDR, A_PEER_ORIGIN, A_PEER_STATE, A_PEER_COUNTER, A_PEER_UP_NEEDED,
 A_PEER_LAST_CHANGE_MS, A_PEER_CAUSE, A_PEER_PERIOD_MS, A_PEER_RTT,
 A_PEER_STATS, A_PEER_REFUSED, A_PEER_NEIGHS, A_PEER_NEIGHS_HELD) = range(1, 14)
STATES = ["disabled", "up", "down"]
CAUSES = ["none", "start", "stop", "unanswered", "silent", "reply", "request"]
ORIGINS = [(1, "neigh"), (2, "static"), (4, "passive")]
STATS = [None, "tx", "rx", "rx_invalid", "reflected", "reflect_dropped",
         "down_transitions", "up_transitions", "rx_requests", "tx_errors"]
RTT = [None, "rtt_last_us", "rtt_min_us", "rtt_avg_us", "rtt_max_us"]
REASONS = {2: "reply_short", 3: "reply_foreign", 4: "reply_bad_mac",
           5: "reply_stale", 6: "reply_future", 7: "reply_replay",
           8: "request_malformed", 9: "request_fragment",
           10: "request_options", 11: "request_bad_gre",
           12: "request_address", 13: "request_too_big", 14: "request_ttl",
           15: "request_rate_limit", 16: "request_no_route",
           17: "request_loop", 18: "request_nomem", 19: "request_replay",
           20: "request_huawei_probe", 21: "request_reflect_off",
           22: "reply_not_peer", 23: "request_not_peer",
           24: "request_peer_limit"}


def attr(atype, payload):
    """One netlink attribute, padded to 4 bytes."""
    n = 4 + len(payload)
    return struct.pack("HH", n, atype) + payload + b"\0" * (-n % 4)


def attr_u32(atype, v):
    return attr(atype, struct.pack("I", v))


def attr_str(atype, s):
    return attr(atype, s.encode() + b"\0")


def attr_nest(atype, body):
    return attr(atype | NLA_F_NESTED, body)


def parse_attrs(data):
    """[(type, payload)] of a run of attributes; stops at a short one."""
    out = []
    off = 0
    while off + 4 <= len(data):
        n, t = struct.unpack_from("HH", data, off)
        if n < 4 or off + n > len(data):
            break
        out.append((t & 0x3FFF, data[off + 4:off + n]))
        off += (n + 3) & ~3
    return out


class Error(Exception):
    def __init__(self, errno, msg):
        super().__init__(f"errno {errno}: {msg}")
        self.errno = errno
        self.msg = msg


class Genl:
    def __init__(self, family="gre_ka"):
        self.seq = 1
        self.family = None
        if family:
            # On a socket of its own: the kernel sizes a socket's dump
            # buffers by the largest read it has seen on it.
            self.open()
            self.family = self.resolve(family)
            self.s.close()
        self.open()

    def open(self):
        self.s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW,
                               NETLINK_GENERIC)
        self.s.setsockopt(SOL_NETLINK, NETLINK_EXT_ACK, 1)
        self.s.setsockopt(SOL_NETLINK, NETLINK_CAP_ACK, 1)
        self.s.bind((0, 0))

    def msg(self, ftype, cmd, body, flags, version=1):
        self.seq += 1
        hdr = struct.pack("IHHII", 16 + 4 + len(body), ftype, flags,
                          self.seq, 0)
        return hdr + struct.pack("BBH", cmd, version, 0) + body

    def send(self, raw):
        self.s.send(raw)

    def messages(self, bufsize=65536):
        """Yield (type, flags, payload) of one read, until DONE or error."""
        data = self.s.recv(bufsize)
        off = 0
        while off + 16 <= len(data):
            n, t, flags, _, _ = struct.unpack_from("IHHII", data, off)
            if n < 16:
                break
            yield t, flags, data[off + 16:off + n]
            off += (n + 3) & ~3

    @staticmethod
    def error(payload):
        """(errno, extack message) of an NLMSG_ERROR payload."""
        err = -struct.unpack_from("i", payload)[0]
        msg = ""
        # With NETLINK_CAP_ACK the request is not echoed: TLVs follow.
        for t, v in parse_attrs(payload[20:]):
            if t == NLMSGERR_ATTR_MSG:
                msg = v.rstrip(b"\0").decode(errors="replace")
        return err, msg

    def request(self, cmd, body=b"", flags=NLM_F_ACK, ftype=None):
        """Send one request; return the replies' payloads, or raise Error."""
        self.send(self.msg(ftype or self.family, cmd, body,
                           NLM_F_REQUEST | flags))
        replies = []
        while True:
            for t, f, p in self.messages():
                if t == NLMSG_ERROR:
                    err, msg = self.error(p)
                    if err:
                        raise Error(err, msg)
                    return replies
                if t == NLMSG_DONE:
                    return replies
                replies.append(p)
                if not f & NLM_F_MULTI and not flags & NLM_F_ACK:
                    return replies

    def resolve(self, name):
        for p in self.request(CTRL_CMD_GETFAMILY,
                              attr_str(CTRL_ATTR_FAMILY_NAME, name),
                              flags=0, ftype=GENL_ID_CTRL):
            for t, v in parse_attrs(p[4:]):
                if t == CTRL_ATTR_FAMILY_ID:
                    return struct.unpack("H", v[:2])[0]
        raise Error(2, "no family " + name)


def u(v):
    return int.from_bytes(v, sys.byteorder)


def peer_of(payload):
    """One GRE_KA_A_PEER nest, as a dict."""
    d = {}
    for t, v in parse_attrs(payload):
        if t == A_PEER_ADDR:
            d["nbma"] = socket.inet_ntop(
                socket.AF_INET if len(v) == 4 else socket.AF_INET6, v)
        elif t == A_PEER_ORIGIN:
            d["origins"] = [n for b, n in ORIGINS if u(v) & b]
        elif t == A_PEER_STATE:
            d["state"] = STATES[u(v)]
        elif t == A_PEER_CAUSE:
            d["cause"] = CAUSES[u(v)]
        elif t == A_PEER_COUNTER:
            d["counter"] = u(v)
        elif t == A_PEER_UP_NEEDED:
            d["up_needed"] = u(v)
        elif t == A_PEER_LAST_CHANGE_MS:
            d["last_change_ms"] = u(v)
        elif t == A_PEER_PERIOD_MS:
            d["peer_period_ms"] = u(v)
        elif t == A_PEER_NEIGHS:
            d["neighs"] = u(v)
        elif t == A_PEER_NEIGHS_HELD:
            d["neighs_held"] = u(v)
        elif t == A_PEER_STATS:
            for st, sv in parse_attrs(v):
                if st < len(STATS) and STATS[st]:
                    d[STATS[st]] = u(sv)
        elif t == A_PEER_RTT:
            for st, sv in parse_attrs(v):
                if st < len(RTT) and RTT[st]:
                    d[RTT[st]] = u(sv)
        elif t == A_PEER_REFUSED:
            d["refused"] = {REASONS.get(st, str(st)): u(sv)
                            for st, sv in parse_attrs(v) if u(sv)}
    return d


def tunnel_of(payload):
    """The tunnel message's name, and the peers it carries."""
    name, peers = None, []
    for t, v in parse_attrs(payload[4:]):
        if t == A_IFNAME:
            name = v.rstrip(b"\0").decode()
        elif t == A_PEER:
            peers.append(peer_of(v))
    return name, peers


def dump(ifname=None, during=None, bufsize=65536):
    """Dump the family's tunnels; run `during` after the first read."""
    g = Genl()
    body = attr_str(A_IFNAME, ifname) if ifname else b""
    g.send(g.msg(g.family, CMD_GET, body, NLM_F_REQUEST | NLM_F_DUMP))
    order, peers, intr, msgs, reads = [], {}, 0, 0, 0
    done = False
    while not done:
        reads += 1
        for t, f, p in g.messages(bufsize):
            if t == NLMSG_ERROR:
                err, msg = g.error(p)
                raise Error(err, msg)
            if f & NLM_F_DUMP_INTR:
                intr += 1
            if t == NLMSG_DONE:
                done = True
                break
            msgs += 1
            name, pl = tunnel_of(p)
            if name not in peers:
                order.append(name)
                peers[name] = []
            peers[name] += pl
        if reads == 1 and during:
            subprocess.run(during, shell=True, check=True)
    return {"order": order, "peers": peers, "messages": msgs, "reads": reads,
            "intr": intr}


def peer_cmd(cmd, ifname, address):
    fam = socket.AF_INET6 if ":" in address else socket.AF_INET
    g = Genl()
    body = attr_str(A_IFNAME, ifname) + attr_nest(
        A_PEER, attr(A_PEER_ADDR, socket.inet_pton(fam, address)))
    try:
        g.request(cmd, body)
    except Error as e:
        print(f"errno {e.errno}: {e.msg}")
        return 1
    print("ok")
    return 0


def uptime_ms():
    with open("/proc/uptime") as f:
        return int(float(f.read().split()[0]) * 1000)


def peers(ifname):
    d = dump(ifname)
    return {"uptime_ms": uptime_ms(),
            "peers": {p["nbma"]: p for p in d["peers"].get(ifname, [])}}


def wait(ifname, secs, expr):
    deadline = time.monotonic() + secs
    while True:
        d = peers(ifname)
        try:
            ok = eval(expr, {}, {"p": d["peers"]})
        except (KeyError, IndexError):
            ok = False
        if ok or time.monotonic() >= deadline:
            print(json.dumps(d))
            return 0 if ok else 1
        time.sleep(0.1)


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "peers":
        print(json.dumps(peers(sys.argv[2])))
    elif len(sys.argv) == 5 and sys.argv[1] == "wait":
        sys.exit(wait(sys.argv[2], float(sys.argv[3]), sys.argv[4]))
    elif len(sys.argv) == 4 and sys.argv[1] in ("peer-add", "peer-del"):
        sys.exit(peer_cmd(CMD_PEER_ADD if sys.argv[1] == "peer-add"
                          else CMD_PEER_DEL, sys.argv[2], sys.argv[3]))
    elif len(sys.argv) >= 2 and sys.argv[1] == "dump":
        print(json.dumps(dump(sys.argv[2] if len(sys.argv) > 2 else None)))
    elif len(sys.argv) >= 3 and sys.argv[1] == "dump-during":
        print(json.dumps(dump(during=" ".join(sys.argv[2:]), bufsize=4096)))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
