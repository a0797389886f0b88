#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""A seeded fuzzer of the gre_ka generic netlink family (Python stdlib only).

Every message is generated, and every answer is checked against a model of
what the kernel must do with exactly those bytes:

- the family is described by include/uapi/gre_ka.h (the numbers) and
  Documentation/netlink/specs/gre_ka.yaml (types, checks, operations,
  flags), both parsed at start and cross-checked against each other and
  against gk_nl.py; the request policy is derived from them (the union of
  the operations' request attributes, as gre_ka_netlink.c has one policy
  for the family; in a peer nest only addr, as the spec's doc says);
- generic netlink's processing of a datagram is modelled byte by byte:
  netlink_rcv_skb (short or non-request messages, control types, several
  messages in one datagram), genetlink (family, header length, reserved
  byte and flags (genl_header_check), command lookup, do against dump,
  permission), and the strict attribute validation of lib/nlattr.c: the
  first offending attribute decides the errno, the extack message, the
  offset of the attribute it names and the policy it reports;
- then the family's documented semantics (gre_ka.yaml, gre_ka_netlink.c,
  gre_ka_ctl.c): which device a request names, what GET, a dump, SET,
  PEER_ADD and PEER_DEL answer, refuse (errno and message) and change.

After each datagram the settings and peers of every tunnel of every
namespace under test are read back (a dump) and compared with the model,
which only an accepted SET, PEER_ADD or PEER_DEL changes; an accepted SET
is announced once on the events group (conf-ntf), a refused request never.

  nl_fuzz.py run [--seed S] [--count N] [--netns NAME]... [--userns SETUP]
                 [--dump-trials N] [--churn-secs S] [--scale F]
      The fuzzer. Namespaces: each --netns (root only; /run/netns/NAME),
      else the caller's own. --userns SETUP: the caller is the root of a
      user namespace in a network namespace it does not own: its socket
      there is unprivileged (every SET and PEER command must be refused
      with EPERM), then it makes a network namespace of its own (unshare),
      runs the shell script SETUP there (its tunnels) and fuzzes both.
      Phases: a sweep (every command number, every attribute of the
      policy with every wrong length, out-of-range value, flag and
      duplicate, every attribute type, every header flag), N random
      datagrams, then dumps: huge ones read in small pieces and
      interrupted (tunnels and peers added and removed between two reads:
      NLM_F_DUMP_INTR where the dump changed, and nowhere before), read
      partly and abandoned, a second dump on a busy socket (EBUSY), and
      for --churn-secs a second process adding and deleting tunnels while
      dumps run one after another (each parses, no tunnel twice unless
      flagged, nothing left behind). Prints one JSON object (counts per outcome);
      on an unexpected outcome it prints the seed, the datagram in hex,
      what was expected and what came, and exits 1.
  nl_fuzz.py send [--netns NAME] HEX...
      Send datagrams (hex) and print the model's expectation and the
      answers: to replay one message of a failed run.
  nl_fuzz.py check
      Only the cross-checks of the header, the spec and gk_nl.py.
"""
import argparse
import ctypes
import errno
import json
import os
import random
import re
import select
import socket
import struct
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import gk_nl  # noqa: E402

NETLINK_ROUTE = 0
NETLINK_GENERIC = 16
SOL_NETLINK = 270
NETLINK_ADD_MEMBERSHIP = 1
NETLINK_CAP_ACK = 10
NETLINK_EXT_ACK = 11
NLMSG_NOOP, NLMSG_ERROR, NLMSG_DONE = 1, 2, 3
NLMSG_MIN_TYPE = 0x10
NLM_F_REQUEST, NLM_F_MULTI, NLM_F_ACK, NLM_F_ECHO = 0x1, 0x2, 0x4, 0x8
NLM_F_DUMP_INTR = 0x10
NLM_F_ROOT, NLM_F_MATCH = 0x100, 0x200
NLM_F_DUMP = NLM_F_ROOT | NLM_F_MATCH
NLM_F_CAPPED, NLM_F_ACK_TLVS = 0x100, 0x200
NLA_F_NESTED, NLA_F_NET_BYTEORDER = 0x8000, 0x4000
NLA_TYPE_MASK = 0x3FFF
NLMSGERR_ATTR_MSG, NLMSGERR_ATTR_OFFS, NLMSGERR_ATTR_POLICY = 1, 2, 4
# enum netlink_attribute_type and enum netlink_policy_type_attr.
NL_ATTR_TYPE = {"u8": 2, "u32": 4, "binary": 10, "string": 12, "nest": 13}
NL_POLICY_TYPE_ATTR_TYPE = 1
NL_POLICY_TYPE_ATTR_MIN_VALUE_U, NL_POLICY_TYPE_ATTR_MAX_VALUE_U = 4, 5
NL_POLICY_TYPE_ATTR_MIN_LENGTH, NL_POLICY_TYPE_ATTR_MAX_LENGTH = 6, 7
GENL_ID_CTRL = 0x10
CTRL_CMD_GETFAMILY = 3
CTRL_ATTR_FAMILY_ID, CTRL_ATTR_FAMILY_NAME = 1, 2
CTRL_ATTR_MCAST_GROUPS = 7
CTRL_ATTR_MCAST_GRP_NAME, CTRL_ATTR_MCAST_GRP_ID = 1, 2
MAX_POLICY_RECURSION_DEPTH = 10
RTM_NEWLINK, RTM_DELLINK, RTM_GETLINK, RTM_GETNEIGH = 16, 17, 18, 30
NLM_F_EXCL, NLM_F_CREATE = 0x200, 0x400
IFLA_IFNAME, IFLA_LINKINFO = 3, 18
IFLA_INFO_KIND, IFLA_INFO_DATA = 1, 2
IFLA_GRE_LOCAL, IFLA_GRE_REMOTE, IFLA_GRE_TTL = 6, 7, 8
NDA_LLADDR = 2
# Neighbour states whose link-layer address makes a peer (gre_ka_neigh.c).
NUD_MAPPED = 0x80 | 0x02 | 0x04 | 0x08 | 0x10
CLONE_NEWNET = 0x40000000
HDR = struct.Struct("=IHHII")
GENLHDR = struct.Struct("=BBH")
MSG_TRUNC = getattr(socket, "MSG_TRUNC", 0x20)
SETTINGS = ("enabled", "period-ms", "retries", "up-count", "reflect", "auth",
            "passive")


class Internal(Exception):
    """The fuzzer's own failure (setup, a broken assumption), not the kernel's."""


class Unexpected(Exception):
    """The kernel did not do what the model says it must."""


def must(cond, what):
    if not cond:
        raise Internal(what)


# --- The family's description: header and spec ---------------------------

def find_file(rel, override):
    """A file of the tree, or a copy of it next to this script."""
    if override:
        return override
    for p in (os.path.join(HERE, "..", "..", rel),
              os.path.join(HERE, os.path.basename(rel))):
        if os.path.exists(p):
            return p
    raise Internal(f"cannot find {rel} (or {os.path.basename(rel)} next to {__file__})")


def _cexpr(expr, vals):
    expr = expr.strip()
    must(re.fullmatch(r"[\w\s()<>+\-|]+", expr), f"header: cannot evaluate {expr!r}")
    py = re.sub(r"\b[A-Za-z_]\w*", lambda m: str(vals[m.group(0)]), expr)
    return int(eval(py, {"__builtins__": {}}))  # digits and operators only


def parse_header(path):
    """Every #define with a value and every enumerator of a C header."""
    with open(path) as f:
        text = f.read()
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    text = re.sub(r"//[^\n]*", " ", text)
    vals = {}
    for m in re.finditer(r"^[ \t]*#define[ \t]+(\w+)[ \t]+(\S.*?)[ \t]*$", text, re.M):
        name, v = m.groups()
        if v.startswith('"'):
            vals[name] = v.strip('"')
        else:
            try:
                vals[name] = _cexpr(v, vals)
            except (Internal, KeyError, SyntaxError):
                pass
    for m in re.finditer(r"\benum\s*\w*\s*\{(.*?)\}\s*;", text, re.S):
        nxt = 0
        for item in m.group(1).split(","):
            item = item.strip()
            if not item:
                continue
            if "=" in item:
                name, e = item.split("=", 1)
                name, v = name.strip(), _cexpr(e, vals)
            else:
                name, v = item, nxt
            vals[name] = v
            nxt = v + 1
    return vals


class _Yaml:
    """The subset of YAML the netlink specs use: block mappings and
    sequences, flow sequences, block scalars, anchors and aliases."""

    def __init__(self, text):
        self.lines = [(len(r) - len(r.lstrip(" ")), r.strip())
                      for r in text.split("\n")
                      if r.strip() and not r.lstrip().startswith("#")]
        self.i = 0
        self.anchors = {}

    @staticmethod
    def dash(t):
        return t == "-" or t.startswith("- ")

    @staticmethod
    def scalar(v):
        v = v.strip()
        if re.fullmatch(r"-?\d+", v):
            return int(v)
        if v in ("true", "false"):
            return v == "true"
        if len(v) >= 2 and v[0] == v[-1] and v[0] in "'\"":
            return v[1:-1]
        return v

    def node(self, ind):
        if self.dash(self.lines[self.i][1]):
            return self.seq(ind)
        return self.map(ind)

    def seq(self, ind):
        out = []
        while self.i < len(self.lines) and self.lines[self.i][0] == ind and \
                self.dash(self.lines[self.i][1]):
            t = self.lines[self.i][1]
            if t == "-":
                self.i += 1
                must(self.lines[self.i][0] > ind, f"yaml: empty item at line {self.i}")
                out.append(self.node(self.lines[self.i][0]))
                continue
            rest = t[1:].lstrip(" ")
            sub = ind + len(t) - len(rest)
            if re.match(r"[\w.-]+:(\s|$)", rest):
                self.lines[self.i] = (sub, rest)
                out.append(self.map(sub))
            else:
                self.i += 1
                out.append(self.scalar(rest))
        return out

    def map(self, ind):
        out = {}
        while self.i < len(self.lines) and self.lines[self.i][0] == ind and \
                not self.dash(self.lines[self.i][1]):
            t = self.lines[self.i][1]
            must(re.match(r"[\w.-]+:(\s|$)", t), f"yaml: not a key at line {self.i}: {t!r}")
            k, _, v = t.partition(":")
            v = v.strip()
            self.i += 1
            anchor = None
            if v.startswith("&"):
                anchor, _, v = v[1:].partition(" ")
                v = v.strip()
            if v.startswith("*"):
                val = self.anchors[v[1:]]
            elif v in ("|", "|-", ">", ">-"):
                parts = []
                while self.i < len(self.lines) and self.lines[self.i][0] > ind:
                    parts.append(self.lines[self.i][1])
                    self.i += 1
                val = "\n".join(parts)
            elif v == "":
                nxt = self.lines[self.i] if self.i < len(self.lines) else None
                if nxt and (nxt[0] > ind or (nxt[0] == ind and self.dash(nxt[1]))):
                    val = self.node(nxt[0])
                else:
                    val = None
            elif v.startswith("["):
                must(v.endswith("]"), f"yaml: unterminated flow sequence {v!r}")
                val = [self.scalar(x) for x in v[1:-1].split(",") if x.strip()]
            else:
                val = self.scalar(v)
            if anchor:
                self.anchors[anchor] = val
            out[k.strip()] = val
        return out


def yaml_load(path):
    with open(path) as f:
        y = _Yaml(f.read())
    doc = y.node(0)
    must(y.i == len(y.lines), f"yaml: stopped at line {y.i} of {len(y.lines)}")
    return doc


class Attr:
    def __init__(self, name, value, typ, checks, nested, multi):
        self.name, self.value, self.type = name, value, typ
        self.checks, self.nested, self.multi = checks or {}, nested, multi


class Pol:
    """One attribute's request policy (None in a Policy: NLA_UNSPEC)."""

    def __init__(self, attr, kind, lo=None, hi=None, maxlen=None, minlen=None,
                 nested=None):
        self.attr, self.kind = attr, kind
        self.lo, self.hi, self.maxlen, self.minlen = lo, hi, maxlen, minlen
        self.nested = nested

    @property
    def name(self):
        return self.attr.name


class Policy:
    def __init__(self, maxtype, pols):
        self.maxtype, self.pols = maxtype, pols   # {type: Pol}


class Op:
    def __init__(self, name, value, do, dump, perm, request):
        self.name, self.value, self.do, self.dump = name, value, do, dump
        self.perm, self.request = perm, request


class Family:
    """The numbers (header) and the rest (spec), checked against each other."""

    INT_BITS = {"u8": 8, "u16": 16, "u32": 32, "u64": 64}

    def __init__(self, header, spec):
        H = self.H = parse_header(header)
        S = yaml_load(spec)
        self.problems = []
        self.name = H["GRE_KA_FAMILY_NAME"]
        self.version = H["GRE_KA_FAMILY_VERSION"]
        self.mcgrp = H["GRE_KA_MCGRP_EVENTS"]
        self.same("family name", S["name"], self.name)
        self.same("events group", [g["name"] for g in S["mcast-groups"]["list"]], [self.mcgrp])
        sets = {s["name"]: s for s in S["attribute-sets"]}
        self.sets = {}
        prefixes = {"tunnel": "GRE_KA_A_", "peer": "GRE_KA_A_PEER_",
                    "rtt": "GRE_KA_A_RTT_", "stats": "GRE_KA_A_STATS_",
                    "refused": None}
        for sname, prefix in prefixes.items():
            d = {}
            v = 0
            for a in sets[sname]["attributes"]:
                v = a.get("value", v + 1)
                d[a["name"]] = Attr(a["name"], v, a["type"], a.get("checks"),
                                    a.get("nested-attributes"), a.get("multi-attr"))
                if prefix:
                    hname = prefix + a["name"].upper().replace("-", "_")
                    self.same(f"{sname} {a['name']} ({hname})", v, H.get(hname))
            self.sets[sname] = d
        for sname, maxname in (("tunnel", "GRE_KA_A_MAX"), ("peer", "GRE_KA_A_PEER_MAX"),
                               ("rtt", "GRE_KA_A_RTT_MAX_ATTR"),
                               ("stats", "GRE_KA_A_STATS_MAX"),
                               ("refused", "GRE_KA_A_REFUSED_MAX")):
            self.same(f"{maxname} is the last of {sname}",
                      max(a.value for a in self.sets[sname].values()), H.get(maxname))
        self.same("GRE_KA_A_REFUSED_FIRST", min(a.value for a in self.sets["refused"].values()),
                  H.get("GRE_KA_A_REFUSED_FIRST"))
        for dname, prefix in (("state", "GRE_KA_STATE_"), ("peer-origin", "GRE_KA_PEER_ORIGIN_")):
            d = [x for x in S["definitions"] if x["name"] == dname][0]
            for i, e in enumerate(d["entries"]):
                n = e["name"] if isinstance(e, dict) else e
                v = (1 << i) if d["type"] == "flags" else i
                self.same(f"{dname} {n}", v, H.get(prefix + n.upper()))
        self.origin = {n: H["GRE_KA_PEER_ORIGIN_" + n.upper()] for n in ("neigh", "static", "passive")}
        self.ops = {}
        v = 0
        for o in S["operations"]["list"]:
            v = o.get("value", v + 1)
            hname = "GRE_KA_CMD_" + o["name"].upper().replace("-", "_")
            self.same(f"command {o['name']} ({hname})", v, H.get(hname))
            req = []
            for mode in ("do", "dump"):
                if isinstance(o.get(mode), dict) and o[mode].get("request"):
                    req += o[mode]["request"]["attributes"]
            self.ops[v] = Op(o["name"], v, "do" in o, "dump" in o,
                             "uns-admin-perm" in (o.get("flags") or []), req)
        self.cmd = {o.name: o.value for o in self.ops.values()}
        self.same("GRE_KA_CMD_MAX is the last command", max(self.ops), H.get("GRE_KA_CMD_MAX"))
        get = [o for o in S["operations"]["list"] if o["name"] == "get"][0]
        self.reply_attrs = set(get["do"]["reply"]["attributes"]) | {"pad"}
        self.a = {n: a.value for n, a in self.sets["tunnel"].items()}
        self.p = {n: a.value for n, a in self.sets["peer"].items()}
        # gk_nl.py, the library this builds on, must agree.
        for lib, hname in (("CMD_GET", "GRE_KA_CMD_GET"), ("CMD_SET", "GRE_KA_CMD_SET"),
                           ("CMD_PEER_ADD", "GRE_KA_CMD_PEER_ADD"),
                           ("CMD_PEER_DEL", "GRE_KA_CMD_PEER_DEL"),
                           ("CMD_PEER_NTF", "GRE_KA_CMD_PEER_NTF"),
                           ("CMD_CONF_NTF", "GRE_KA_CMD_CONF_NTF"),
                           ("CMD_STATE_NTF", "GRE_KA_CMD_STATE_NTF"),
                           ("A_IFINDEX", "GRE_KA_A_IFINDEX"), ("A_IFNAME", "GRE_KA_A_IFNAME"),
                           ("A_KIND", "GRE_KA_A_KIND"), ("A_MULTIPOINT", "GRE_KA_A_MULTIPOINT"),
                           ("A_PEERS", "GRE_KA_A_PEERS"), ("A_PEER", "GRE_KA_A_PEER"),
                           ("A_PEER_ADDR", "GRE_KA_A_PEER_ADDR"),
                           ("A_PEER_ORIGIN", "GRE_KA_A_PEER_ORIGIN")):
            self.same(f"gk_nl.{lib}", getattr(gk_nl, lib), H.get(hname))
        self.policy = self.request_policy()
        if self.problems:
            raise Internal("the family's description disagrees with itself:\n  " +
                           "\n  ".join(self.problems))

    def same(self, what, a, b):
        if a != b:
            self.problems.append(f"{what}: spec/derived {a!r}, header/library {b!r}")

    def pol_of(self, a):
        c = a.checks
        if a.type in self.INT_BITS:
            return Pol(a, a.type, c.get("min", 0), c.get("max", (1 << self.INT_BITS[a.type]) - 1))
        if a.type == "string":
            must("max-len" in c, f"{a.name}: a string needs max-len")
            return Pol(a, "string", maxlen=c["max-len"])
        if a.type == "binary":
            return Pol(a, "binary", minlen=c.get("min-len"), maxlen=c.get("max-len"))
        if a.type == "nest":
            # The requests' attributes of a peer: the spec's doc of addr
            # ("The only attribute of a peer-add or peer-del request").
            must(a.nested == "peer", f"{a.name}: nests other than peer in a request")
            pe = self.sets["peer"]
            return Pol(a, "nest", nested=Policy(max(x.value for x in pe.values()),
                                                {pe["addr"].value: self.pol_of(pe["addr"])}))
        raise Internal(f"{a.name}: no policy for type {a.type}")

    def request_policy(self):
        """The family's one policy: every attribute some request takes."""
        req = set()
        for o in self.ops.values():
            req |= set(o.request)
        ts = self.sets["tunnel"]
        return Policy(max(a.value for a in ts.values()),
                      {ts[n].value: self.pol_of(ts[n]) for n in sorted(req)})


def load_family(args):
    return Family(find_file("include/uapi/gre_ka.h", getattr(args, "header", None)),
                  find_file("Documentation/netlink/specs/gre_ka.yaml",
                            getattr(args, "spec", None)))


# --- Netlink plumbing ---------------------------------------------------------

def nla(atype, payload, pad=None):
    """An attribute; pad: the alignment bytes (default zeros)."""
    n = 4 + len(payload)
    padn = -n % 4
    return struct.pack("=HH", n, atype) + payload + (pad[:padn] if pad else b"\0" * padn)


def nlmsg(mtype, flags, seq, body, pid=0, length=None):
    return HDR.pack(16 + len(body) if length is None else length, mtype, flags,
                    seq, pid) + body


def attrs_of(data, start=0, end=None):
    """[(offset, raw type, payload)] of a run of attributes (lenient)."""
    end = len(data) if end is None else end
    out, off = [], start
    while end - off >= 4:
        n, t = struct.unpack_from("=HH", data, off)
        if n < 4 or n > end - off:
            break
        out.append((off, t, data[off + 4:off + n]))
        off += (n + 3) & ~3
    return out


class Msg:
    def __init__(self, raw):
        self.raw = raw
        self.len, self.type, self.flags, self.seq, self.pid = HDR.unpack_from(raw)
        self.payload = raw[16:self.len]

    def __repr__(self):
        return (f"<type {self.type} flags {self.flags:#x} seq {self.seq} len {self.len}: "
                f"{self.raw[:64].hex()}{'...' if len(self.raw) > 64 else ''}>")


def split_msgs(data):
    out, off = [], 0
    while len(data) - off >= 16:
        n = HDR.unpack_from(data, off)[0]
        if n < 16 or n > len(data) - off:
            raise Unexpected(f"a malformed message from the kernel at {off}: {data[off:off + 32].hex()}")
        out.append(Msg(data[off:off + n]))
        off += (n + 3) & ~3
    return out


def err_of(m):
    """(errno, echoed header, {tlv type: payload}) of an NLMSG_ERROR/DONE."""
    if m.type == NLMSG_DONE:
        err = -struct.unpack_from("=i", m.payload)[0] if len(m.payload) >= 4 else 0
        return err, None, {t & NLA_TYPE_MASK: v for _, t, v in attrs_of(m.payload, 4)}
    err = -struct.unpack_from("=i", m.payload)[0]
    echo = m.payload[4:20]
    tl = 20 if m.flags & NLM_F_CAPPED or err == 0 else 4 + HDR.unpack_from(echo)[0]
    return err, echo, {t & NLA_TYPE_MASK: v for _, t, v in attrs_of(m.payload, tl)}


class Sock:
    """A netlink socket with extended and capped acks."""

    def __init__(self, proto=NETLINK_GENERIC, rcvbuf=None):
        self.s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, proto)
        self.s.setsockopt(SOL_NETLINK, NETLINK_EXT_ACK, 1)
        self.s.setsockopt(SOL_NETLINK, NETLINK_CAP_ACK, 1)
        if rcvbuf:
            self.s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.s.bind((0, 0))
        self.portid = self.s.getsockname()[0]
        self.seq = random.randrange(1 << 20, 1 << 30)

    def next_seq(self):
        self.seq = (self.seq + 1) & 0xFFFFFFFF
        return self.seq

    def close(self):
        self.s.close()

    def send(self, data):
        t0 = time.monotonic()
        n = self.s.send(data)
        t1 = time.monotonic()
        must(n == len(data), f"short send: {n} of {len(data)}")
        return t0, t1

    def recv(self, timeout, bufsize=262144):
        """One datagram's messages, or None if nothing within timeout."""
        if timeout > 0:
            r, _, _ = select.select([self.s], [], [], timeout)
            if not r:
                return None
        try:
            data, _, flags, _ = self.s.recvmsg(bufsize, 0, socket.MSG_DONTWAIT)
        except BlockingIOError:
            return None
        must(not flags & MSG_TRUNC, "a datagram larger than the read buffer")
        return split_msgs(data)

    def drain(self):
        out = []
        while True:
            m = self.recv(0)
            if m is None:
                return out
            out += m

    def request(self, mtype, body, flags=NLM_F_ACK, timeout=10):
        """A well-formed request; its answers until the ack or DONE."""
        seq = self.next_seq()
        self.send(nlmsg(mtype, NLM_F_REQUEST | flags, seq, body))
        out = []
        while True:
            ms = self.recv(timeout)
            if ms is None:
                raise Internal(f"no answer to request type {mtype}")
            for m in ms:
                if m.seq != seq:
                    continue
                if m.type == NLMSG_ERROR:
                    e = err_of(m)
                    if e[0]:
                        raise OSError(e[0], (e[2].get(NLMSGERR_ATTR_MSG) or b"").rstrip(b"\0").decode())
                    return out
                if m.type == NLMSG_DONE:
                    e = err_of(m)
                    if e[0]:
                        raise OSError(e[0], (e[2].get(NLMSGERR_ATTR_MSG) or b"").rstrip(b"\0").decode())
                    return out
                out.append(m)
                if not m.flags & NLM_F_MULTI and not flags & NLM_F_ACK:
                    return out


def genl_families(sock):
    """{name: (id, {mcast group: id})} of every registered family."""
    out = {}
    for m in sock.request(GENL_ID_CTRL, GENLHDR.pack(CTRL_CMD_GETFAMILY, 1, 0),
                          NLM_F_DUMP):
        d = {t & NLA_TYPE_MASK: v for _, t, v in attrs_of(m.payload, 4)}
        groups = {}
        for _, _, g in attrs_of(d.get(CTRL_ATTR_MCAST_GROUPS, b"")):
            gd = {t & NLA_TYPE_MASK: v for _, t, v in attrs_of(g)}
            groups[gd[CTRL_ATTR_MCAST_GRP_NAME].rstrip(b"\0").decode()] = \
                struct.unpack("=I", gd[CTRL_ATTR_MCAST_GRP_ID])[0]
        out[d[CTRL_ATTR_FAMILY_NAME].rstrip(b"\0").decode()] = \
            (struct.unpack("=H", d[CTRL_ATTR_FAMILY_ID][:2])[0], groups)
    return out


# --- rtnetlink: the devices, neighbours, and tunnels made and removed -------

def links(rt):
    """{ifindex: name} of the socket's namespace."""
    out = {}
    for m in rt.request(RTM_GETLINK, struct.pack("=BBHiII", 0, 0, 0, 0, 0, 0), NLM_F_DUMP):
        idx = struct.unpack_from("=i", m.payload, 4)[0]
        for _, t, v in attrs_of(m.payload, 16):
            if t == IFLA_IFNAME:
                out[idx] = v.rstrip(b"\0").decode()
    return out


def neigh_nbma(rt, ifindex, alen):
    """The link-layer addresses of the device's mapping neighbour entries."""
    out = set()
    for m in rt.request(RTM_GETNEIGH, struct.pack("=BBHiHBB", 0, 0, 0, 0, 0, 0, 0),
                        NLM_F_DUMP):
        _, _, _, idx, state, _, _ = struct.unpack_from("=BBHiHBB", m.payload)
        if idx != ifindex or not state & NUD_MAPPED:
            continue
        for _, t, v in attrs_of(m.payload, 12):
            if t == NDA_LLADDR and len(v) == alen:
                out.add(bytes(v))
    return out


def link_add_gre(rt, name, kind, local, remote):
    fam = socket.AF_INET6 if kind == "ip6gre" else socket.AF_INET
    data = nla(IFLA_GRE_LOCAL, socket.inet_pton(fam, local))
    if remote:
        data += nla(IFLA_GRE_REMOTE, socket.inet_pton(fam, remote))
    if kind == "gre":
        data += nla(IFLA_GRE_TTL, b"\xff")
    body = struct.pack("=BBHiII", 0, 0, 0, 0, 0, 0) + nla(IFLA_IFNAME, name.encode() + b"\0") + \
        nla(IFLA_LINKINFO | NLA_F_NESTED, nla(IFLA_INFO_KIND, kind.encode()) +
            nla(IFLA_INFO_DATA | NLA_F_NESTED, data))
    rt.request(RTM_NEWLINK, body, NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL)


def link_del(rt, ifindex):
    rt.request(RTM_DELLINK, struct.pack("=BBHiII", 0, 0, 0, ifindex, 0, 0))


# --- Generic netlink's validation, modelled (lib/nlattr.c, strict) ----------

class Err:
    """An expected error: errno, extack message, offset, policy reported."""

    def __init__(self, errno_, msg=None, offs=None, pol=None):
        self.errno, self.msg, self.offs, self.pol = errno_, msg, offs, pol

    def label(self):
        return errno.errorcode.get(self.errno, str(self.errno)) + (f" {self.msg}" if self.msg else "")


def u_le(b):
    return int.from_bytes(b, sys.byteorder)


def validate(data, off, length, policy, depth=0):
    """__nla_validate_parse(NL_VALIDATE_STRICT): (Err, None) or (None, tb),
    tb {type: (offset, raw type, payload)}, the last of each type."""
    if depth >= MAX_POLICY_RECURSION_DEPTH:
        return Err(errno.EINVAL, "allowed policy recursion depth exceeded"), None
    tb = {}
    rem, pos = length, off
    while rem >= 4:
        n, raw = struct.unpack_from("=HH", data, pos)
        if n < 4 or n > rem:
            break
        t = raw & NLA_TYPE_MASK
        if t == 0 or t > policy.maxtype:
            return Err(errno.EINVAL, "Unknown attribute type", pos), None
        e = validate_nla(data, pos, n, raw, policy.pols.get(t), depth)
        if e:
            return e, None
        tb[t] = (pos, raw, data[pos + 4:pos + n])
        a = (n + 3) & ~3
        rem -= a
        pos += a
    if rem > 0:
        return Err(errno.EINVAL, "bytes leftover after parsing attributes"), None
    return None, tb


def validate_nla(data, pos, n, raw, pt, depth):
    """validate_nla(): the errors in the order the kernel checks them."""
    alen = n - 4
    p = data[pos + 4:pos + n]
    if pt is None:
        return Err(errno.EINVAL, "Unsupported attribute", pos)
    exact = {"u8": 1, "u16": 2, "u32": 4, "u64": 8}.get(pt.kind)
    if exact and alen != exact:
        return Err(errno.EINVAL, "invalid attribute length", pos, pt)
    if pt.kind == "nest" and not raw & NLA_F_NESTED:
        return Err(errno.EINVAL, "NLA_F_NESTED is missing", pos, pt)
    if pt.kind != "nest" and raw & NLA_F_NESTED:
        return Err(errno.EINVAL, "NLA_F_NESTED not expected", pos, pt)
    failed = "Attribute failed policy validation"
    if pt.kind == "string":
        minlen = min(alen, pt.maxlen + 1)
        if not minlen or b"\0" not in p[:minlen]:
            return Err(errno.EINVAL, failed, pos, pt)
        sl = alen - 1 if p[-1] == 0 else alen
        if sl > pt.maxlen:
            return Err(errno.ERANGE, failed, pos, pt)
    elif pt.kind == "binary":
        if pt.maxlen and alen > pt.maxlen:
            return Err(errno.ERANGE, failed, pos, pt)
        if pt.minlen and alen < pt.minlen:
            return Err(errno.ERANGE, "binary attribute size out of range", pos, pt)
    elif pt.kind == "nest":
        if alen == 0:
            return None
        if alen < 4:
            return Err(errno.ERANGE, failed, pos, pt)
        e, _ = validate(data, pos + 4, alen, pt.nested, depth + 1)
        return e
    if exact:
        v = u_le(p)
        if v < pt.lo or v > pt.hi:
            return Err(errno.ERANGE, "integer out of range", pos, pt)
    return None


def nulstr(p):
    return p.split(b"\0", 1)[0]


def addr_ok(a):
    """A static peer's address: unicast (gre_ka_ctl_peer_addr_ok())."""
    if len(a) == 16:
        return a != bytes(16) and a[0] != 0xFF
    return a[0] != 0 and not 224 <= a[0] <= 239 and a != b"\xff" * 4


# --- What the family says: decoding its messages, against the spec --------

class Decoder:
    SIZES = {"u8": 1, "u16": 2, "u32": 4, "u64": 8}

    def __init__(self, fam):
        self.fam = fam
        self.by_value = {s: {a.value: a for a in d.values()} for s, d in fam.sets.items()}

    def attrs(self, sname, data, start, problems, where, allowed=None):
        """The attributes of a set as {name: value} (lists for multi-attr)."""
        d = {}
        end = len(data)
        off = start
        for off_, raw, v in attrs_of(data, start):
            off = off_ + ((4 + len(v) + 3) & ~3)
            a = self.by_value[sname].get(raw & NLA_TYPE_MASK)
            if a is None or (allowed is not None and a.name not in allowed):
                problems.append(f"{where}: attribute {raw & NLA_TYPE_MASK} is no {sname} attribute the spec allows here")
                continue
            if a.type == "pad":
                continue
            if a.type in self.SIZES:
                if len(v) != self.SIZES[a.type]:
                    problems.append(f"{where}: {a.name}: {len(v)} bytes for a {a.type}")
                    continue
                val = u_le(v)
            elif a.type == "string":
                if not v.endswith(b"\0"):
                    problems.append(f"{where}: {a.name}: string without its NUL")
                val = v.rstrip(b"\0").decode(errors="replace")
            elif a.type == "binary":
                val = bytes(v)
            elif a.type == "nest":
                if not raw & NLA_F_NESTED:
                    problems.append(f"{where}: {a.name}: a nest without NLA_F_NESTED")
                val = self.attrs(a.nested, v, 0, problems, f"{where}.{a.name}")
            else:
                problems.append(f"{where}: {a.name}: unknown spec type {a.type}")
                continue
            if a.multi:
                d.setdefault(a.name, []).append(val)
            elif a.name in d:
                problems.append(f"{where}: {a.name} twice")
            else:
                d[a.name] = val
        if min(off, end) != end:
            problems.append(f"{where}: {end - off} bytes after the attributes")
        return d

    PEER_NEEDS = ("addr", "origin", "state", "counter", "up-needed", "last-change-ms",
                  "cause", "peer-period-ms", "rtt", "stats", "refused", "neighs",
                  "neighs-held")

    def message(self, m, problems, where, want_cmd=None):
        """One GET reply, dump message or event: ("tunnel"|"peers", fields)."""
        cmd, ver, _ = GENLHDR.unpack_from(m.payload)
        if cmd != (want_cmd or self.fam.cmd["get"]) or ver != self.fam.version:
            problems.append(f"{where}: genl cmd {cmd} version {ver}")
        d = self.attrs("tunnel", m.payload, 4, problems, where, self.fam.reply_attrs)
        for p in d.get("peer", []):
            for k in self.PEER_NEEDS:
                if k not in p:
                    problems.append(f"{where}: a peer without {k}")
        if "kind" in d:
            need = sorted(self.fam.reply_attrs - {"pad", "peer", "unsupported"})
            miss = [k for k in need if k not in d]
            if miss:
                problems.append(f"{where}: a tunnel message without {miss}")
            if "peer" in d:
                problems.append(f"{where}: peers in the tunnel's own message")
            return "tunnel", d
        extra = set(d) - {"ifindex", "ifname", "peer"}
        if extra or "ifindex" not in d or "ifname" not in d or not d.get("peer"):
            problems.append(f"{where}: a peers message with {sorted(d)}")
        return "peers", d


class Entry:
    """A tunnel as a dump or GET shows it (or as the model expects it)."""

    def __init__(self, ifindex, name, kind, mp, why, conf, npeers, peers):
        self.ifindex, self.name, self.kind, self.mp, self.why = ifindex, name, kind, mp, why
        self.conf, self.npeers, self.peers = conf, npeers, peers

    def describe(self):
        peers = {} if self.peers is None else {a.hex(): o for a, o in self.peers.items()}
        return {"ifindex": self.ifindex, "name": self.name, "kind": self.kind,
                "multipoint": self.mp, "unsupported": self.why, "conf": self.conf,
                "peers": self.npeers, "peer_origins": peers}


def entry_of(d):
    conf = {k: d.get(k) for k in SETTINGS}
    return Entry(d.get("ifindex"), d.get("ifname"), d.get("kind"), bool(d.get("multipoint")),
                 d.get("unsupported"), conf, d.get("peers"), {} if d.get("multipoint") else None)


def diff_entries(got, want, peers=True):
    """What differs between two lists of Entry (empty: the same); a GET
    reply carries the number of peers, not the peers."""
    out = []
    gi = [e.ifindex for e in got]
    wi = [e.ifindex for e in want]
    if gi != wi:
        out.append(f"tunnels {gi}, expected {wi}")
    for g, w in zip(got, want):
        if g.ifindex != w.ifindex:
            continue
        for k in ("name", "kind", "mp", "why", "conf"):
            if getattr(g, k) != getattr(w, k):
                out.append(f"{w.name}: {k} {getattr(g, k)!r}, expected {getattr(w, k)!r}")
        if w.peers is not None:
            if peers and g.peers != w.peers:
                out.append(f"{w.name}: peers {sorted((a.hex(), o) for a, o in (g.peers or {}).items())}, "
                           f"expected {sorted((a.hex(), o) for a, o in w.peers.items())}")
            if g.npeers != len(w.peers):
                out.append(f"{w.name}: says {g.npeers} peers, expected {len(w.peers)}")
        elif g.npeers != 1:
            out.append(f"{w.name}: point-to-point with {g.npeers} peers")
    return out


def parse_dump(dec, msgs, fid, seq, portid, where):
    """The tunnels of a dump's messages (DONE excluded), the messages'
    NLM_F_DUMP_INTR flags, and what is malformed."""
    problems, entries, intr = [], [], []
    cur = None
    for i, m in enumerate(msgs):
        w = f"{where} message {i}"
        if m.type != fid or not m.flags & NLM_F_MULTI or m.seq != seq or m.pid != portid:
            problems.append(f"{w}: type {m.type} flags {m.flags:#x} seq {m.seq} pid {m.pid}")
            continue
        if m.flags & ~(NLM_F_MULTI | NLM_F_DUMP_INTR):
            problems.append(f"{w}: flags {m.flags:#x}")
        intr.append(bool(m.flags & NLM_F_DUMP_INTR))
        kind, d = dec.message(m, problems, w)
        if kind == "tunnel":
            cur = entry_of(d)
            entries.append(cur)
            continue
        if cur is None or d.get("ifindex") != cur.ifindex or d.get("ifname") != cur.name or \
                cur.peers is None:
            problems.append(f"{w}: peers of {d.get('ifname')} out of place")
            continue
        for p in d.get("peer", []):
            a = p.get("addr", b"")
            if len(a) != (16 if cur.kind == "ip6gre" else 4):
                problems.append(f"{w}: {cur.name}: a peer address of {len(a)} bytes")
            if a in cur.peers:
                problems.append(f"{w}: {cur.name}: peer {a.hex()} twice")
            cur.peers[a] = p.get("origin")
    return entries, intr, problems


# --- The namespaces under test ------------------------------------------------

_libc = None


def libc():
    global _libc
    if _libc is None:
        _libc = ctypes.CDLL(None, use_errno=True)
    return _libc


def setns(fd):
    if libc().setns(fd, CLONE_NEWNET):
        e = ctypes.get_errno()
        raise OSError(e, "setns: " + os.strerror(e))


def unshare_net():
    if libc().unshare(CLONE_NEWNET):
        e = ctypes.get_errno()
        raise OSError(e, "unshare(CLONE_NEWNET): " + os.strerror(e))


class T:
    """The model of one tunnel: what the family must show of it."""

    def __init__(self, fam, e, neigh):
        self.ifindex, self.name, self.kind, self.mp, self.why = e.ifindex, e.name, e.kind, e.mp, e.why
        self.alen = 16 if e.kind == "ip6gre" else 4
        self.conf = dict(e.conf)
        o = fam.origin
        peers = e.peers or {}
        must(not any(v & o["passive"] for v in peers.values()),
             f"{e.name}: passively learned peers at start")
        self.static = {a for a, v in peers.items() if v & o["static"]}
        self.neigh = {a for a, v in peers.items() if v & o["neigh"]} | neigh
        self.o = o

    def running(self):
        return bool(self.conf["enabled"] or self.conf["passive"])

    def peers(self):
        if not self.mp:
            return None
        d = {a: self.o["static"] for a in self.static}
        if self.running():
            for a in self.neigh:
                d[a] = d.get(a, 0) | self.o["neigh"]
        return d

    def entry(self):
        p = self.peers()
        return Entry(self.ifindex, self.name, self.kind, self.mp, self.why, dict(self.conf),
                     len(p) if p is not None else 1, p)


class Ctx:
    """A network namespace under test: sockets in it, and its model."""

    def __init__(self, fuzz, name, priv, pool=0):
        self.f, self.name, self.priv = fuzz, name, priv
        self.sock = Sock()
        self.rt = Sock(NETLINK_ROUTE)
        self.nsfd = os.open("/proc/self/ns/net", os.O_RDONLY)
        # Sockets for later, where setns() back into here will not be allowed.
        self.pool = [Sock() for _ in range(pool)] if pool else None
        self.ev = None
        self.tun, self.order = {}, []
        self.stats = {}

    def new_sock(self, proto=NETLINK_GENERIC, rcvbuf=None):
        """A socket in this namespace (Sock's arguments)."""
        if self.pool is not None:
            must(self.pool, f"{self.name}: no spare sockets left")
            must(proto == NETLINK_GENERIC and rcvbuf is None,
                 f"{self.name}: the spare sockets are generic netlink ones")
            return self.pool.pop()
        here = os.open("/proc/self/ns/net", os.O_RDONLY)
        try:
            setns(self.nsfd)
            return Sock(proto, rcvbuf)
        finally:
            setns(here)
            os.close(here)

    def subscribe(self, group):
        """Join the events group: allowed only with CAP_NET_ADMIN here."""
        ev = Sock(rcvbuf=1 << 20)
        try:
            ev.s.setsockopt(SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, group)
        except OSError as e:
            ev.close()
            return e.errno
        self.ev = ev
        return 0

    def refresh_devs(self):
        self.devs = links(self.rt)
        self.names = {n.encode(): i for i, n in self.devs.items()}

    def dump(self, sock=None):
        """The family's dump of this namespace: (entries, intr, problems)."""
        s = sock or self.sock
        seq = s.next_seq()
        s.send(nlmsg(self.f.fid, NLM_F_REQUEST | NLM_F_DUMP, seq,
                     GENLHDR.pack(self.f.fam.cmd["get"], self.f.fam.version, 0)))
        msgs = []
        while True:
            ms = s.recv(10 * self.f.scale)
            if ms is None:
                raise Unexpected(f"{self.name}: a dump stopped before its end")
            done = [m for m in ms if m.type == NLMSG_DONE]
            msgs += [m for m in ms if m.type != NLMSG_DONE]
            if done:
                err = err_of(done[0])[0]
                if err:
                    raise Unexpected(f"{self.name}: a plain dump ended with errno {err}")
                break
        return parse_dump(self.f.dec, msgs, self.f.fid, seq, s.portid, f"{self.name} dump")

    def load(self):
        """The model, from what the namespace has now."""
        self.refresh_devs()
        entries, intr, problems = self.dump()
        if problems or any(intr):
            raise Unexpected(f"{self.name}: the first dump: {problems or 'interrupted'}")
        self.tun, self.order = {}, []
        for e in entries:
            alen = 16 if e.kind == "ip6gre" else 4
            neigh = neigh_nbma(self.rt, e.ifindex, alen) if e.mp else set()
            self.tun[e.ifindex] = T(self.f.fam, e, neigh)
            self.order.append(e.ifindex)
        must(self.tun, f"{self.name}: no tunnels to fuzz")

    def expected(self):
        return [self.tun[i].entry() for i in self.order]

    def state_diff(self):
        entries, intr, problems = self.dump()
        if any(intr):
            problems.append("a dump with nothing changing was interrupted")
        return problems + diff_entries(entries, self.expected())


# --- The model: what the kernel must answer to a datagram, and do ----------

class Exp:
    """One expected answer: an ack or error, a GET reply, or a dump."""

    def __init__(self, kind, seq, hdr, err=None, entries=None, ack=False):
        self.kind, self.seq, self.hdr, self.err = kind, seq, hdr, err
        self.entries, self.ack = entries, ack

    def label(self):
        if self.kind == "ack":
            return "ok" if self.err is None else self.err.label()
        if self.kind == "dump" and self.err:
            return "dump " + self.err.label()
        return self.kind

    def describe(self):
        d = {"answer": self.kind, "seq": self.seq}
        if self.err:
            d["errno"] = errno.errorcode.get(self.err.errno, self.err.errno)
            d["extack"] = self.err.msg
            d["offset"] = self.err.offs
        if self.entries is not None:
            d["tunnels"] = [e.describe() for e in self.entries]
        return d


class Model:
    def __init__(self, fuzz):
        self.f = fuzz
        self.fam = fuzz.fam
        rel = tuple(int(x) for x in re.findall(r"\d+", os.uname().release)[:2])
        # 6.2 made genetlink look up do and dump separately (split ops):
        # a dump of a do-only command is EOPNOTSUPP before the permission
        # check; 6.1 checked the permission first.
        self.split_ops = rel >= (6, 2)
        self.max_peers = self.read_max_peers()

    @staticmethod
    def read_max_peers():
        try:
            with open("/sys/module/gre_ka/parameters/max_peers") as f:
                return int(f.read())
        except OSError:
            return 100000

    def datagram(self, ctx, dg):
        """The answers to a datagram in order, applying its effects to the
        model as the kernel would; and the conf-ntf events due, and the
        tunnels whose neighbour peers follow a change of mode."""
        self.events, self.settle, self.changes = [], [], []
        out, off = [], 0
        while len(dg) - off >= 16:
            n, mtype, flags, seq, _ = HDR.unpack_from(dg, off)
            if n < 16 or len(dg) - off < n:
                break
            out += self.message(ctx, dg[off:off + n], mtype, flags, seq)
            off += min((n + 3) & ~3, len(dg) - off)
        return out

    def message(self, ctx, m, mtype, flags, seq):
        hdr = m[:16]

        def err(e):
            return [Exp("ack", seq, hdr, e)]
        # netlink_rcv_skb(): only requests, no control messages.
        if not flags & NLM_F_REQUEST or mtype < NLMSG_MIN_TYPE:
            return [Exp("ack", seq, hdr)] if flags & NLM_F_ACK else []
        if mtype != self.f.fid:
            must(mtype not in self.f.registered, f"type {mtype} is a registered family")
            return err(Err(errno.ENOENT))
        # genl_family_rcv_msg()
        if len(m) < 20:
            return err(Err(errno.EINVAL))
        cmd, _, reserved = GENLHDR.unpack_from(m, 16)
        if reserved:
            return err(Err(errno.EINVAL, "genlmsghdr.reserved field is not 0"))
        dump = flags & NLM_F_DUMP == NLM_F_DUMP
        f = flags & ~NLM_F_DUMP if dump else flags
        if f & ~(NLM_F_REQUEST | NLM_F_ACK | NLM_F_ECHO):
            return err(Err(errno.EINVAL, "ambiguous or reserved bits set in nlmsg_flags"))
        op = self.fam.ops.get(cmd)
        if op and not op.do and not op.dump:
            op = None
        has = op and (op.dump if dump else op.do)
        if not op or (self.split_ops and not has):
            return err(Err(errno.EOPNOTSUPP))
        if op.perm and not ctx.priv:
            return err(Err(errno.EPERM))
        if not has:
            return err(Err(errno.EOPNOTSUPP))
        e, tb = validate(m, 20, len(m) - 20, self.fam.policy)
        if e:
            return err(e)
        if dump:
            return [self.dump(ctx, seq, hdr, tb)]
        e, res = getattr(self, "do_" + op.name.replace("-", "_"))(ctx, m, tb)
        if e:
            return err(e)
        if res is not None:
            return [Exp("reply", seq, hdr, entries=[res], ack=bool(flags & NLM_F_ACK))]
        return [Exp("ack", seq, hdr)] if flags & NLM_F_ACK else []

    def find(self, ctx, tb):
        """gre_ka_nl_find(): the tunnel a request names, or its error."""
        a = self.fam.a
        if a["ifindex"] in tb:
            idx = u_le(tb[a["ifindex"]][2])
            idx = idx if idx in ctx.devs else None
        elif a["ifname"] in tb:
            idx = ctx.names.get(nulstr(tb[a["ifname"]][2]))
        else:
            return Err(errno.EINVAL, "ifindex or ifname required"), None
        if idx is None:
            return Err(errno.ENODEV, "no such device"), None
        if idx not in ctx.tun:
            return Err(errno.EOPNOTSUPP, "not an ip_gre or ip6gre tunnel"), None
        return None, ctx.tun[idx]

    def dump(self, ctx, seq, hdr, tb):
        a = self.fam.a
        if a["ifindex"] in tb or a["ifname"] in tb:
            e, t = self.find(ctx, tb)
            if e:
                return Exp("dump", seq, hdr, e, entries=[])
            return Exp("dump", seq, hdr, entries=[t.entry()])
        return Exp("dump", seq, hdr, entries=ctx.expected())

    def do_get(self, ctx, m, tb):
        e, t = self.find(ctx, tb)
        return (e, None) if e else (None, t.entry())

    def do_set(self, ctx, m, tb):
        chg = {}
        for k in SETTINGS:
            if self.fam.a[k] in tb:
                chg[k] = u_le(tb[self.fam.a[k]][2])
        if not chg:
            return Err(errno.EINVAL, "nothing to set"), None
        e, t = self.find(ctx, tb)
        if e:
            return e, None
        new = dict(t.conf, **chg)
        old = t.conf
        if t.why and ((new["enabled"] and not old["enabled"]) or
                      (new["passive"] and not old["passive"])):
            return Err(errno.EOPNOTSUPP, "keepalive unsupported on this tunnel, see dmesg"), None
        was = t.running()
        t.conf = new
        self.events.append((ctx, t.ifindex, dict(new)))
        self.changes.append((ctx, "set"))
        if t.mp and t.neigh and was != t.running():
            self.settle.append((ctx, t))
        return None, None

    def peer_addr(self, ctx, m, tb, t):
        """gre_ka_nl_get_peer_addr()"""
        if self.fam.a["peer"] not in tb:
            return Err(errno.EINVAL, "a peer (its address) required"), None
        off, _, payload = tb[self.fam.a["peer"]]
        e, inner = validate(m, off + 4, len(payload), self.fam.policy.pols[self.fam.a["peer"]].nested, 1)
        must(e is None, "a peer nest valid once and not twice")
        pa = self.fam.p["addr"]
        if pa not in inner:
            return Err(errno.EINVAL, "the peer's address required"), None
        aoff, _, addr = inner[pa]
        if len(addr) != t.alen:
            return Err(errno.EINVAL, "the peer's address is not of the tunnel's family", aoff), None
        return None, bytes(addr)

    def do_peer_add(self, ctx, m, tb):
        e, t = self.find(ctx, tb)
        if e:
            return e, None
        e, addr = self.peer_addr(ctx, m, tb, t)
        if e:
            return e, None
        if not t.mp:
            return Err(errno.EOPNOTSUPP, "not a multipoint tunnel: its peer is its remote"), None
        if not addr_ok(addr):
            return Err(errno.EINVAL, "a peer is a unicast address"), None
        if addr in t.static:
            return Err(errno.EEXIST, "already a static peer"), None
        if addr not in t.peers() and len(t.peers()) >= self.max_peers:
            return Err(errno.ENOSPC, "max_peers reached"), None
        t.static.add(addr)
        self.changes.append((ctx, "peer-add"))
        return None, None

    def do_peer_del(self, ctx, m, tb):
        e, t = self.find(ctx, tb)
        if e:
            return e, None
        e, addr = self.peer_addr(ctx, m, tb, t)
        if e:
            return e, None
        if not t.mp:
            return Err(errno.EOPNOTSUPP, "not a multipoint tunnel: its peer is its remote"), None
        if addr not in t.static:
            return Err(errno.ENOENT, "no such static peer"), None
        t.static.discard(addr)
        self.changes.append((ctx, "peer-del"))
        return None, None


# --- The checker: the answers, the events and the state, against the model ----

class Checker:
    def __init__(self, fuzz):
        self.f = fuzz

    def fail(self, what):
        raise Unexpected(what)

    def ack(self, ctx, m, e):
        if m.type != NLMSG_ERROR or m.seq != e.seq or m.pid != ctx.sock.portid:
            self.fail(f"expected an ack/error (seq {e.seq}), got {m!r}")
        err, echo, tlv = err_of(m)
        want = e.err.errno if e.err else 0
        msg = tlv.get(NLMSGERR_ATTR_MSG)
        msg = msg.rstrip(b"\0").decode(errors="replace") if msg is not None else None
        offs = u_le(tlv[NLMSGERR_ATTR_OFFS]) if NLMSGERR_ATTR_OFFS in tlv else None
        got = f"errno {err} ({errno.errorcode.get(err, '?')}) extack {msg!r} offset {offs}"
        if err != want:
            self.fail(f"errno: got {got}; expected {e.label()}")
        if echo != e.hdr:
            self.fail(f"the error echoes header {echo.hex()}, not the request's {e.hdr.hex()}")
        wmsg = e.err.msg if e.err else None
        woffs = e.err.offs if e.err else None
        if msg != wmsg:
            self.fail(f"extack message: got {got}; expected {wmsg!r}")
        if offs != woffs:
            self.fail(f"extack offset: got {got}; expected offset {woffs}")
        if bool(tlv) != bool(m.flags & NLM_F_ACK_TLVS):
            self.fail(f"NLM_F_ACK_TLVS {bool(m.flags & NLM_F_ACK_TLVS)} with TLVs {sorted(tlv)}")
        pt = e.err.pol if e.err else None
        if pt is not None:
            self.policy(tlv.get(NLMSGERR_ATTR_POLICY), pt, got)

    def policy(self, raw, pt, got):
        """The policy the kernel reports with the error: the spec's checks."""
        if raw is None:
            self.fail(f"no policy reported for {pt.name}: {got}")
        d = {t & NLA_TYPE_MASK: u_le(v) for _, t, v in attrs_of(raw)}
        want = {NL_POLICY_TYPE_ATTR_TYPE: NL_ATTR_TYPE[pt.kind]}
        if pt.kind in ("u8", "u32"):
            want[NL_POLICY_TYPE_ATTR_MIN_VALUE_U] = pt.lo
            want[NL_POLICY_TYPE_ATTR_MAX_VALUE_U] = pt.hi
        elif pt.kind == "string":
            want[NL_POLICY_TYPE_ATTR_MAX_LENGTH] = pt.maxlen
        elif pt.kind == "binary" and pt.maxlen:
            # NLA_POLICY_MIN_LEN() (NLA_VALIDATE_MIN, a min-len alone) is
            # not reported by net/netlink/policy.c: only the type is (seen
            # on 6.12); with a max-len the range is.
            want[NL_POLICY_TYPE_ATTR_MIN_LENGTH] = pt.minlen or 0
            want[NL_POLICY_TYPE_ATTR_MAX_LENGTH] = pt.maxlen
        bad = {k: (d.get(k), v) for k, v in want.items() if d.get(k) != v}
        if bad:
            self.fail(f"policy reported for {pt.name}: {d}, expected {want} ({got})")

    def reply(self, ctx, m, e):
        if m.type != self.f.fid or m.flags != 0 or m.seq != e.seq or m.pid != ctx.sock.portid:
            self.fail(f"expected the GET reply (seq {e.seq}), got {m!r}")
        problems = []
        kind, d = self.f.dec.message(m, problems, "reply")
        if kind != "tunnel":
            problems.append("the reply is no tunnel message")
        problems += diff_entries([entry_of(d)], e.entries, peers=False)
        if problems:
            self.fail("GET reply: " + "; ".join(problems))

    def answers(self, ctx, exps):
        """Read and check the answers; nothing else may come."""
        # Answers by sequence number, each in order. A dump started by
        # one message of a datagram sends its first part at once and the
        # rest as the socket is read, so the answers to the datagram's
        # later messages may come between its parts (netlink_rcv_skb goes
        # on with the next message once netlink_dump_start() returns).
        q = {}
        wait = 5 * self.f.scale

        def nxt(what, seq):
            while not q.get(seq):
                ms = ctx.sock.recv(wait)
                if ms is None:
                    self.fail(f"no answer: expected {what}")
                for m in ms:
                    q.setdefault(m.seq, []).append(m)
            return q[seq].pop(0)
        for e in exps:
            if e.kind == "ack":
                self.ack(ctx, nxt(e.label(), e.seq), e)
            elif e.kind == "reply":
                self.reply(ctx, nxt("the GET reply", e.seq), e)
                if e.ack:
                    self.ack(ctx, nxt("the ack after the reply", e.seq), Exp("ack", e.seq, e.hdr))
            else:
                msgs = []
                while True:
                    m = nxt("the rest of a dump", e.seq)
                    if m.type == NLMSG_DONE:
                        break
                    if m.type == NLMSG_ERROR:
                        self.fail(f"an error instead of the dump: errno {err_of(m)[0]}")
                    msgs.append(m)
                err, _, tlv = err_of(m)
                msg = tlv.get(NLMSGERR_ATTR_MSG)
                msg = msg.rstrip(b"\0").decode() if msg is not None else None
                we = e.err.errno if e.err else 0
                wm = e.err.msg if e.err else None
                if err != we or msg != wm:
                    self.fail(f"dump ended with errno {err} extack {msg!r}; expected {e.label()}")
                entries, intr, problems = parse_dump(self.f.dec, msgs, self.f.fid, e.seq,
                                                     ctx.sock.portid, "dump")
                if any(intr):
                    problems.append("NLM_F_DUMP_INTR with nothing changing")
                problems += diff_entries(entries, e.entries)
                if problems:
                    self.fail("dump: " + "; ".join(problems))
        extra = [m for ms in q.values() for m in ms] + ctx.sock.drain()
        if extra:
            self.fail(f"unexpected answers: {extra}")

    def events(self, evexp):
        """conf-ntf: one per accepted SET, in its namespace, as set."""
        names = {self.f.fam.cmd[n]: n for n in ("state-ntf", "conf-ntf", "peer-ntf")}
        for c in self.f.ctxs:
            if not c.ev:
                continue
            want = [(i, conf) for cc, i, conf in evexp if cc is c]
            got = []
            for m in c.ev.drain():
                cmd = GENLHDR.unpack_from(m.payload)[0]
                k = "events " + names.get(cmd, str(cmd))
                c.stats[k] = c.stats.get(k, 0) + 1
                if m.type != self.f.fid or m.seq or m.pid or cmd not in names:
                    self.fail(f"{c.name}: an event {m!r}")
                if cmd != self.f.fam.cmd["conf-ntf"]:
                    continue
                problems = []
                _, d = self.f.dec.message(m, problems, "conf-ntf", cmd)
                if problems:
                    self.fail(f"{c.name}: conf-ntf: {problems}")
                got.append((d.get("ifindex"), {k: d.get(k) for k in SETTINGS}))
            if got != want:
                self.fail(f"{c.name}: conf-ntf events {got}, expected {want}")

    def state(self, settle):
        """Every namespace's tunnels as the model says; neighbour peers
        follow a change of mode in the background: wait for those."""
        deadline = time.monotonic() + 10 * self.f.scale
        for c in self.f.ctxs:
            while True:
                d = c.state_diff()
                if not d:
                    break
                if not any(cc is c for cc, _ in settle) or time.monotonic() > deadline:
                    self.fail(f"{c.name}: the state read back differs from the model: " + "; ".join(d))
                time.sleep(0.05)


# --- The driver ---------------------------------------------------------------

class fuzz:
    """The fuzzer: the family, its sockets and namespaces, the generator."""

    def __init__(self, args):
        self.args = args
        self.fam = load_family(args)
        self.dec = Decoder(self.fam)
        self.scale = args.scale
        self.seed = args.seed
        self.rng = random.Random(args.seed)
        self.stats = {}
        self.ctxs = []
        self.current = None
        s = Sock()
        fams = genl_families(s)
        s.close()
        must(self.fam.name in fams, f"family {self.fam.name} not registered (module loaded?)")
        self.fid, self.groups = fams[self.fam.name]
        self.registered = {i for i, _ in fams.values()}
        self.model = Model(self)
        self.chk = Checker(self)

    # namespaces
    def add_ctx(self, name, priv, pool=0):
        c = Ctx(self, name, priv, pool)
        c.load()
        self.ctxs.append(c)
        if c.subscribe(self.groups[self.fam.mcgrp]) and priv:
            raise Unexpected(f"{name}: cannot join the events group")
        return c

    def setup(self):
        a = self.args
        if a.userns:
            # Our netns is not ours: unprivileged there; then a netns of our own.
            self.add_ctx("init-netns(unpriv)", False, pool=4)
            unshare_net()
            r = os.system(f"sh -e {a.userns}")
            must(r == 0, f"the userns setup script failed ({r})")
            self.add_ctx("own-netns", True)
        elif a.netns:
            here = os.open("/proc/self/ns/net", os.O_RDONLY)
            for n in a.netns:
                fd = os.open(f"/run/netns/{n}", os.O_RDONLY)
                setns(fd)
                os.close(fd)
                self.add_ctx(n, True)
            setns(here)
            os.close(here)
        else:
            self.add_ctx("self", True)

    def count(self, k):
        self.stats[k] = self.stats.get(k, 0) + 1

    # one datagram, checked
    def one(self, ctx, dg):
        self.current = (ctx, dg)
        exps = self.model.datagram(ctx, dg)
        ctx.sock.send(dg)
        self.chk.answers(ctx, exps)
        for e in exps:
            self.count(e.label())
            if e.err:
                self.count(errno.errorcode.get(e.err.errno, str(e.err.errno)))
            if e.err and e.err.errno and not (e.err.msg or e.kind == "dump"):
                self.count("without extack")
        if all(c.ev for c in self.ctxs):
            self.chk.events(self.model.events)
        self.chk.state(self.model.settle)
        self.count("datagrams")

    # --- generator
    def hdr(self, ctx, cmd, body, flags=NLM_F_REQUEST | NLM_F_ACK, mtype=None, version=None,
            reserved=0):
        g = GENLHDR.pack(cmd & 0xFF, self.fam.version if version is None else version, reserved)
        return nlmsg(self.fid if mtype is None else mtype, flags, ctx.sock.next_seq(), g + body)

    def dev_attr(self, ctx):
        r = self.rng
        idx = r.choice(ctx.order)
        k = r.random()
        if k < 0.6:
            return nla(self.fam.a["ifindex"], struct.pack("=I", idx))
        if k < 0.8:
            return nla(self.fam.a["ifname"], ctx.tun[idx].name.encode() + b"\0")
        if k < 0.9:
            return nla(self.fam.a["ifindex"], struct.pack("=I", r.choice([0, 1, 0xFFFFFFFF, 9999])))
        return b""

    def good_value(self, p):
        r = self.rng
        if p.kind in ("u8", "u32"):
            return struct.pack("=B" if p.kind == "u8" else "=I", r.randint(p.lo, p.hi))
        if p.kind == "string":
            return bytes(r.choice(b"abcxyz0123") for _ in range(r.randint(0, p.maxlen - 1))) + b"\0"
        if p.kind == "binary":
            return bytes(r.getrandbits(8) for _ in range(r.choice([4, 16, p.minlen or 1])))
        addr = r.choice([b"\xc6\x33\x64\x01", b"\xc6\x33\x64" + bytes([r.randint(0, 255)]),
                         b"\xe0\0\0\x01", b"\0\0\0\0", socket.inet_pton(socket.AF_INET6, "2001:db8::7")])
        pe = self.fam.p
        return nla(pe["addr"], addr)

    def bad_values(self, p):
        """Every wrong length, out-of-range value and type for one policy."""
        out = [b"", b"\x01", b"\x01\x02", b"\x01\x02\x03", b"\0" * 5, b"\0" * 8, b"\xff" * 17,
               b"\x41" * 300]
        if p.kind == "u8":
            out += [struct.pack("=B", v) for v in {p.lo - 1, p.hi + 1, p.lo, p.hi} if 0 <= v < 256]
        if p.kind == "u32":
            out += [struct.pack("=I", v) for v in {p.lo - 1, p.hi + 1, p.lo, p.hi, 0xFFFFFFFF}
                    if 0 <= v < 1 << 32]
        if p.kind == "string":
            out += [b"x" * p.maxlen, b"x" * (p.maxlen - 1) + b"\0", b"x" * (p.maxlen + 1) + b"\0",
                    b"ab", b"a\0b\0"]
        if p.kind == "nest":
            pe = self.fam.p
            out += [nla(pe["addr"], b"\xc6\x33\x64\x09"), nla(pe["addr"], b""),
                    nla(99, b"\0" * 4), nla(pe["addr"] | NLA_F_NESTED, b"\0" * 4),
                    nla(pe["addr"], b"\1\2\3\4") * 2, b"\0\0\0", nla(0, b"")]
        return out

    def sweep(self, ctx):
        fam, r = self.fam, self.rng
        ncmd = max(fam.ops) + 3
        for cmd in range(0, ncmd):
            for fl in (NLM_F_REQUEST | NLM_F_ACK, NLM_F_REQUEST | NLM_F_ACK | NLM_F_DUMP,
                       NLM_F_REQUEST):
                yield self.hdr(ctx, cmd, self.dev_attr(ctx), fl)
        yield self.hdr(ctx, 0xFF, b"")
        for bit in range(16):
            yield self.hdr(ctx, fam.cmd["get"], self.dev_attr(ctx), NLM_F_REQUEST | (1 << bit))
        yield self.hdr(ctx, fam.cmd["get"], b"", reserved=1)
        yield self.hdr(ctx, fam.cmd["get"], b"", version=r.randint(0, 255))
        yield nlmsg(self.fid, NLM_F_REQUEST | NLM_F_ACK, ctx.sock.next_seq(), b"\0\0")
        yield nlmsg(0xFFF0, NLM_F_REQUEST | NLM_F_ACK, ctx.sock.next_seq(), b"\0" * 4)
        yield nlmsg(NLMSG_NOOP, NLM_F_REQUEST | NLM_F_ACK, ctx.sock.next_seq(), b"")
        do_cmds = [o.value for o in fam.ops.values() if o.do]
        for t in range(0, fam.policy.maxtype + 3):
            p = fam.policy.pols.get(t)
            vals = self.bad_values(p) if p else [b"", b"\0" * 4, b"\xff" * 9]
            for v in vals:
                for cmd in do_cmds:
                    dev = self.dev_attr(ctx)
                    yield self.hdr(ctx, cmd, dev + nla(t, v))
                    if r.random() < 0.3:
                        yield self.hdr(ctx, cmd, nla(t, v) + dev)
                        yield self.hdr(ctx, cmd, dev + nla(t | NLA_F_NESTED, v))
                        yield self.hdr(ctx, cmd, dev + nla(t | NLA_F_NET_BYTEORDER, v))
            if p:
                for cmd in do_cmds:
                    g = self.good_value(p)
                    yield self.hdr(ctx, cmd, self.dev_attr(ctx) + nla(t, g) + nla(t, g))
        # missing required attributes, garbage nests, truncated attributes
        for cmd in do_cmds:
            yield self.hdr(ctx, cmd, b"")
            yield self.hdr(ctx, cmd, self.dev_attr(ctx) + b"\x08\0")
            yield self.hdr(ctx, cmd, self.dev_attr(ctx) + b"\x40\0\x01\0" + b"\0" * 4)
            g = b"\0" * 4
            for _ in range(12):
                g = nla(fam.a["peer"] | NLA_F_NESTED, g)
            yield self.hdr(ctx, cmd, self.dev_attr(ctx) + g)

    def random_dg(self, ctx):
        r, fam = self.rng, self.fam
        cmd = r.choice(list(fam.ops)) if r.random() < 0.85 else \
            r.choice([0, max(fam.ops) + 1, r.randint(0, 255)])
        body = self.dev_attr(ctx)
        for _ in range(r.choice([0, 1, 1, 2, 3, 5])):
            t = r.choice(list(fam.policy.pols) + [0, fam.policy.maxtype + 1, r.randint(0, 0x3FFF)])
            p = fam.policy.pols.get(t)
            if p and r.random() < 0.6:
                v = self.good_value(p)
            elif p:
                v = r.choice(self.bad_values(p))
            else:
                v = bytes(r.getrandbits(8) for _ in range(r.randint(0, 12)))
            body += nla(t | (NLA_F_NESTED if r.random() < 0.05 else 0), v)
        if r.random() < 0.05 and body:
            body = body[:r.randint(0, len(body))]
        fl = NLM_F_REQUEST | (NLM_F_ACK if r.random() < 0.8 else 0)
        if r.random() < 0.1:
            fl |= NLM_F_DUMP
        if r.random() < 0.03:
            fl |= 1 << r.randint(4, 15)
        dg = self.hdr(ctx, cmd, body, fl)
        if r.random() < 0.05:
            dg += self.hdr(ctx, fam.cmd["get"], self.dev_attr(ctx))
        return dg

    # --- dumps
    def churn_phase(self, ctx, secs):
        """For secs, a second process adds and deletes tunnels in the
        namespace while this one dumps it, over and over: every dump
        parses, an uninterrupted one has no tunnel twice, and afterwards
        (the churned tunnels gone) the namespace is what the model has."""
        if not ctx.priv or secs <= 0:
            return
        pid = os.fork()
        if pid == 0:
            code = 0
            try:
                rt = ctx.new_sock(NETLINK_ROUTE)
                end, i = time.monotonic() + secs, 0
                while time.monotonic() < end:
                    name = f"nlc{i % 8}"
                    have = {n: ix for ix, n in links(rt).items()}
                    if name in have:
                        link_del(rt, have[name])
                    else:
                        link_add_gre(rt, name, "gre", "192.0.2.202", f"203.0.113.{i % 8 + 1}")
                    i += 1
                for ix, name in links(rt).items():
                    if name.startswith("nlc"):
                        link_del(rt, ix)
                print(f"nl_fuzz: churn: {i} tunnels added or deleted", file=sys.stderr, flush=True)
            except BaseException as e:  # the child must never return
                print(f"nl_fuzz: churn: {e!r}", file=sys.stderr, flush=True)
                code = 1
            os._exit(code)
        status = None
        while status is None:
            done, st = os.waitpid(pid, os.WNOHANG)
            if done:
                status = st
            entries, intr, problems = ctx.dump()
            if problems:
                raise Unexpected(f"{ctx.name}: a dump under churn: {problems}")
            self.count("dumps under churn")
            if any(intr):
                self.count("dumps under churn interrupted (NLM_F_DUMP_INTR)")
            else:
                idx = [e.ifindex for e in entries]
                must(len(idx) == len(set(idx)),
                     f"{ctx.name}: a tunnel twice in an uninterrupted dump under churn")
        must(os.waitstatus_to_exitcode(status) == 0, f"{ctx.name}: the churning process failed")
        if ctx.ev:
            ctx.ev.drain()
        problems = ctx.state_diff()
        if problems:
            raise Unexpected(f"{ctx.name}: after the churn: {problems}")

    def dump_phase(self, ctx, trials):
        """Dumps read in pieces with tunnels added and removed between two
        reads: every piece parses, no tunnel twice, and afterwards the
        state is the model's; abandoned dumps leave nothing behind."""
        if not ctx.priv:
            return
        n = max(20, int(60 * self.scale))
        base = len(self.extra)
        for i in range(n):
            name = f"nlf{base + i}"
            link_add_gre(ctx.rt, name, "gre", "192.0.2.200", f"198.51.{(base + i) // 250}.{(base + i) % 250 + 1}")
            self.extra.append(name)
        ctx.load()
        for k in range(trials):
            # In the namespace churned below: a dump of another one would
            # never see the change.
            s = ctx.new_sock(rcvbuf=4096)
            seq = s.next_seq()
            s.send(nlmsg(self.fid, NLM_F_REQUEST | NLM_F_DUMP, seq,
                         GENLHDR.pack(self.fam.cmd["get"], self.fam.version, 0)))
            # Which read each message came in. The kernel fills the next
            # piece inside the read that takes the previous one
            # (netlink_recvmsg), so the pieces of reads 1 and 2 were made
            # before the change and those of read 3 on after it.
            msgs, first, reads, read_of = [], True, 0, []
            while True:
                ms = s.recv(10 * self.scale)
                must(ms is not None, f"{ctx.name}: an interrupted dump stopped")
                reads += 1
                if first and k % 4 == 3:
                    self.count("dumps abandoned")
                    break
                if first:
                    # change the namespace between two pieces
                    victim = self.rng.choice(self.extra)
                    ix = {v: i for i, v in links(ctx.rt).items()}.get(victim)
                    if ix:
                        link_del(ctx.rt, ix)
                    # a remote no other tunnel has (same local and remote: EEXIST)
                    self.readded = getattr(self, "readded", 0) + 1
                    link_add_gre(ctx.rt, victim, "gre", "192.0.2.201",
                                 f"203.0.{self.readded // 250}.{self.readded % 250 + 1}")
                    first = False
                done = [m for m in ms if m.type == NLMSG_DONE]
                body = [m for m in ms if m.type != NLMSG_DONE]
                msgs += body
                read_of += [reads] * len(body)
                if done:
                    must(not err_of(done[0])[0], f"{ctx.name}: a dump ended in error")
                    break
            s.close()
            if k % 4 == 3:
                continue
            entries, intr, problems = parse_dump(self.dec, msgs, self.fid, seq, s.portid,
                                                 "interrupted dump")
            if problems:
                raise Unexpected(f"{ctx.name}: interrupted dump: {problems}")
            self.count("dumps in pieces")
            before = [f for f, r in zip(intr, read_of) if r <= 2]
            after = [f for f, r in zip(intr, read_of) if r > 2]
            if any(before):
                raise Unexpected(f"{ctx.name}: NLM_F_DUMP_INTR on a piece made before the change")
            if after and not any(after):
                raise Unexpected(f"{ctx.name}: {len(after)} messages made after a tunnel was "
                                 "deleted and re-added, none flagged NLM_F_DUMP_INTR")
            if after:
                self.count("dumps interrupted (NLM_F_DUMP_INTR)")
            else:
                self.count("dumps ended before the change showed")
            if not any(intr):
                idx = [e.ifindex for e in entries]
                must(len(idx) == len(set(idx)), f"{ctx.name}: a tunnel twice in an uninterrupted dump")
        ctx.load()
        # a second dump while one is in progress on the same socket: EBUSY.
        # The default receive buffer: with a small one the first dump's
        # first part fills it and the EBUSY error is dropped as an overrun
        # (recvmsg: ENOBUFS), which is netlink's behaviour, not ours.
        s = Sock()
        for _ in range(2):
            s.send(nlmsg(self.fid, NLM_F_REQUEST | NLM_F_DUMP | NLM_F_ACK, s.next_seq(),
                         GENLHDR.pack(self.fam.cmd["get"], self.fam.version, 0)))
        busy = False
        while True:
            try:
                ms = s.recv(2 * self.scale)
            except OSError as e:
                must(e.errno == errno.ENOBUFS, f"{ctx.name}: a busy dump: {e}")
                self.count("dump overrun (ENOBUFS)")
                break
            if ms is None:
                break
            for m in ms:
                if m.type == NLMSG_ERROR and err_of(m)[0] == -errno.EBUSY or \
                        m.type == NLMSG_ERROR and err_of(m)[0] == errno.EBUSY:
                    busy = True
        s.close()
        if busy:
            self.count("dump EBUSY")
        self.chk.state([])

    def cleanup(self):
        for c in self.ctxs:
            if not c.priv:
                continue
            have = {v: i for i, v in links(c.rt).items()}
            for n in self.extra:
                if n in have:
                    link_del(c.rt, have[n])

    def run(self):
        a = self.args
        print(f"nl_fuzz: seed {self.seed}", file=sys.stderr, flush=True)
        self.setup()
        self.extra = []
        try:
            for c in self.ctxs:
                for dg in self.sweep(c):
                    self.one(c, dg)
            for i in range(a.count):
                c = self.ctxs[i % len(self.ctxs)]
                self.one(c, self.random_dg(c))
            for c in self.ctxs:
                self.dump_phase(c, a.dump_trials)
            for c in self.ctxs:
                self.churn_phase(c, a.churn_secs)
        finally:
            if self.ctxs:
                self.cleanup()
        out = dict(self.stats)
        out["seed"] = self.seed
        for c in self.ctxs:
            out["ns " + c.name] = dict(c.stats)
        print(json.dumps(out, sort_keys=True))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--header")
    ap.add_argument("--spec")
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run")
    r.add_argument("--seed", type=int, default=None)
    r.add_argument("--count", type=int, default=2000)
    r.add_argument("--netns", action="append", default=[])
    r.add_argument("--userns")
    r.add_argument("--dump-trials", type=int, default=8)
    r.add_argument("--churn-secs", type=float, default=0)
    r.add_argument("--scale", type=float, default=1.0)
    s = sub.add_parser("send")
    s.add_argument("--netns")
    s.add_argument("hex", nargs="+")
    sub.add_parser("check")
    a = ap.parse_args()
    if a.cmd == "check":
        fam = load_family(a)
        print(f"{fam.name}: {len(fam.ops)} commands, policy of {len(fam.policy.pols)} attributes: consistent")
        return 0
    if a.cmd == "run" and a.seed is None:
        a.seed = random.SystemRandom().randrange(1 << 32)
    if a.cmd == "send":
        a.seed, a.scale, a.userns, a.netns = 0, 1.0, None, [a.netns] if a.netns else []
    f = fuzz(a)
    try:
        if a.cmd == "run":
            f.run()
            return 0
        f.setup()
        c = f.ctxs[0]
        for h in a.hex:
            dg = bytes.fromhex(h)
            exps = f.model.datagram(c, dg)
            print("expected:", json.dumps([e.describe() for e in exps]))
            c.sock.send(dg)
            time.sleep(0.2)
            for m in c.sock.drain():
                print("got:", m, err_of(m) if m.type == NLMSG_ERROR else "")
        return 0
    except Unexpected as e:
        print(f"nl_fuzz: FAIL (seed {a.seed}): {e}", file=sys.stderr)
        if f.current:
            c, dg = f.current
            print(f"nl_fuzz: namespace {c.name}, datagram {dg.hex()}", file=sys.stderr)
        print(json.dumps(dict(f.stats, seed=a.seed, failed=str(e)), sort_keys=True))
        return 1


if __name__ == "__main__":
    sys.exit(main())
