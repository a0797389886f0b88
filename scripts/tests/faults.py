#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Fault injection against gre_ka, on the debug kernel (failslab,
fail_page_alloc, fail-nth and the stack-trace filter: scripts/debug.config).

  faults.py systematic [NAME-PART...]
      Every configuration entry point, made in-process (no fork or exec
      between arming the fault and the call), with
      /proc/thread-self/fail-nth = 1, 2, 3, ... until a run no longer
      reaches the N-th allocation. Two scopes:
        ours  the stack-trace filter set to module space (gre_ka.ko is
              the only module): each allocation made by our code, or by
              the kernel on our behalf (under our frames), fails in turn;
        all   no filter: every allocation of the call, the kernel's
              netlink and sysfs layers around us included (only for the
              interfaces we own: sysfs files and our netlink family).
      After each faulted run: it succeeded, or failed with ENOMEM or
      ENOBUFS; the state read back (configuration, line state, carrier,
      peers, attachment) is exactly the state before a failed run, or
      exactly that of a clean run after a successful one; and the same
      call then succeeds. A socket-level ENOBUFS (netlink lost the ack)
      leaves either state. A tunnel left without keepalive must be
      counted in attach_failures, explained by GET, and attached at its
      next up. One line per entry point and scope:
        entry SCOPE 'NAME' faults=N errnos=... retried=N unattached=N
              ok_anyway=N SECS ok|FAIL why
      Exit 1 if any failed.

  faults.py modload KO PARAMS TUNNEL...
      finit_module() of KO with PARAMS under fail-nth 1, 2, ... (scope
      ours: the module's init and the attachment of every tunnel), the
      module removed after each: a failed load leaves nothing (no
      keepalive/ directory, every carrier as before); a load that lost a
      tunnel's attachment counts it and attaches at the tunnel's next up.

  faults.py packets NS-A SECS PROB
      In netns NS-A (the shell set up the tunnels): failslab and
      fail_page_alloc at PROB percent, module space only, any context,
      GFP_ATOMIC included, for SECS seconds while keepalives, replies,
      reflections, passive learning and mGRE neighbour following run and
      this process churns the configuration (sysfs writes, peers added and
      removed, neighbour entries replaced and deleted, a tunnel down and
      up); a packet socket on the underlay keeps received packets cloned
      so that answers must copy them (the request_nomem path), and an
      events listener counts ENOBUFS. Then the faults stop. Prints one
      JSON object: failures injected per attribute, the churn's results
      by errno, events lost. The shell checks recovery and counters.
"""
import ctypes
import errno
import json
import os
import random
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gk_nl  # noqa: E402

DBG = "/sys/kernel/debug"
# The netns the tunnels live in, and a sysfs mounted from inside it.
NS = os.environ.get("GK_NS", "h")
SYS = os.environ.get("GK_SYS", f"/run/gre_ka-sys/{NS}")
ATTRS = ("failslab", "fail_page_alloc")
# x86_64's module space ends here (Documentation/arch/x86/x86_64/mm.rst).
MODULES_END = 0xffffffffff000000
NETLINK_ROUTE = 0
NETLINK_ADD_MEMBERSHIP = 1
RTM_NEWLINK, RTM_DELLINK, RTM_NEWNEIGH, RTM_DELNEIGH = 16, 17, 28, 29
NLM_F_REPLACE, NLM_F_EXCL, NLM_F_CREATE = 0x100, 0x200, 0x400
IFLA_IFNAME, IFLA_LINKINFO, IFLA_NET_NS_FD = 3, 18, 28
IFLA_INFO_KIND, IFLA_INFO_DATA = 1, 2
IFLA_GRE_LOCAL, IFLA_GRE_REMOTE, IFLA_GRE_TTL = 6, 7, 8
IFF_UP = 1
CLONE_NEWNET = 0x40000000
NDA_DST, NDA_LLADDR = 1, 2
NUD_PERMANENT = 0x80
ETH_P_ALL = 3
CTRL_ATTR_MCAST_GRP_ID = 2
SYS_FINIT_MODULE, SYS_DELETE_MODULE = 313, 176

A_ENABLED, A_PERIOD, A_RETRIES, A_UP_COUNT = 4, 5, 6, 7
A_REFLECT, A_AUTH, A_PASSIVE, A_STATE, A_CARRIER = 8, 9, 10, 11, 12
A_ADMIN_UP, A_MULTIPOINT = 23, 24
SNAP_ATTRS = {A_ENABLED: "enabled", A_PERIOD: "period_ms",
              A_RETRIES: "retries", A_UP_COUNT: "up_count",
              A_REFLECT: "reflect", A_AUTH: "auth", A_PASSIVE: "passive",
              A_STATE: "state", A_CARRIER: "carrier",
              A_ADMIN_UP: "admin_up", A_MULTIPOINT: "multipoint"}

# What a failed call may answer: memory.
EXPECTED = {errno.ENOMEM, errno.ENOBUFS}

libc = ctypes.CDLL(None, use_errno=True)


def wfile(path, value):
    with open(path, "w") as f:
        f.write(str(value))


def rfile(path):
    with open(path) as f:
        return f.read().strip()


def ename(err):
    return errno.errorcode.get(err, str(err))


def setns(path):
    fd = os.open(path, os.O_RDONLY)
    try:
        if libc.setns(fd, CLONE_NEWNET):
            raise OSError(ctypes.get_errno(), "setns " + path)
    finally:
        os.close(fd)


# --- Fault injection ------------------------------------------------------------

_KALLSYMS = None


def kallsyms():
    """[(address, name)] of the kernel's text, sorted."""
    global _KALLSYMS
    if _KALLSYMS is None:
        syms = []
        with open("/proc/kallsyms") as f:
            for line in f:
                a, t, name = line.split()[:3]
                if t in "tT" or name == "_end":
                    syms.append((int(a, 16), name))
        _KALLSYMS = sorted(syms)
    return _KALLSYMS


def symbol_range(name):
    """[start, end) of a kernel function."""
    syms = kallsyms()
    for i, (a, n) in enumerate(syms):
        if n == name and a:
            return a, syms[i + 1][0]
    sys.exit(f"no address of {name} in /proc/kallsyms")


def module_range():
    """[start, end) of module space: from the end of the kernel image."""
    start = next(a for a, n in kallsyms() if n == "_end")
    return (start + 0xfff) & ~0xfff, MODULES_END


# The kernel reports a failed kmem_cache_create() with a stack dump, which
# the splat check (rightly, in general) takes for a bug: not injected.
NO_FAULT_IN = "__kmem_cache_create_args"


def fi_config(probability=0, times=-1, scope="ours"):
    """Both attributes alike: GFP_KERNEL too, any task, scope's filter."""
    start, end = module_range() if scope == "ours" else (0, 2**64 - 1)
    rej = symbol_range(NO_FAULT_IN)
    for a in ATTRS:
        d = f"{DBG}/{a}"
        wfile(f"{d}/probability", 0)
        wfile(f"{d}/interval", 1)
        wfile(f"{d}/times", times)
        wfile(f"{d}/space", 0)
        wfile(f"{d}/verbose", 0)
        wfile(f"{d}/task-filter", "N")
        wfile(f"{d}/ignore-gfp-wait", "N")
        wfile(f"{d}/stacktrace-depth", 32)
        wfile(f"{d}/require-start", hex(start))
        wfile(f"{d}/require-end", hex(end))
        wfile(f"{d}/reject-start", hex(rej[0]))
        wfile(f"{d}/reject-end", hex(rej[1]))
    wfile(f"{DBG}/fail_page_alloc/min-order", 0)
    wfile(f"{DBG}/fail_page_alloc/ignore-gfp-highmem", "Y")
    for a in ATTRS:
        wfile(f"{DBG}/{a}/probability", probability)


def fi_times():
    return {a: int(rfile(f"{DBG}/{a}/times")) for a in ATTRS}


class FailNth:
    """/proc/thread-self/fail-nth of this (the only) thread, kept open."""

    def __init__(self):
        self.fd = os.open("/proc/thread-self/fail-nth", os.O_RDWR)

    def arm(self, n):
        os.pwrite(self.fd, str(n).encode(), 0)

    def disarm(self):
        """True if the fault was injected (the count reached zero)."""
        left = int(os.pread(self.fd, 32, 0).strip() or b"0")
        os.pwrite(self.fd, b"0", 0)
        return left == 0


# --- Netlink ------------------------------------------------------------------

class Rtnl:
    """rtnetlink requests, acked; answers as (errno, extack)."""

    def __init__(self):
        self.s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW,
                               NETLINK_ROUTE)
        self.s.setsockopt(gk_nl.SOL_NETLINK, gk_nl.NETLINK_EXT_ACK, 1)
        self.s.setsockopt(gk_nl.SOL_NETLINK, gk_nl.NETLINK_CAP_ACK, 1)
        self.s.bind((0, 0))
        self.seq = 1

    def build(self, mtype, body, flags=0):
        self.seq += 1
        return struct.pack("IHHII", 16 + len(body), mtype,
                           gk_nl.NLM_F_REQUEST | gk_nl.NLM_F_ACK | flags,
                           self.seq, 0) + body

    def send(self, raw):
        self.s.send(raw)

    def ack(self):
        try:
            data = self.s.recv(65536)
        except OSError as e:
            return e.errno, "(socket)"
        n, t = struct.unpack_from("IH", data)
        if t != gk_nl.NLMSG_ERROR:
            return 0, ""
        return gk_nl.Genl.error(data[16:n])

    def call(self, raw):
        try:
            self.send(raw)
        except OSError as e:
            return e.errno, "(send)"
        return self.ack()


def ifinfo(index=0, flags=0, change=0):
    return struct.pack("BxHiII", socket.AF_UNSPEC, 0, index, flags, change)


def linkinfo(kind, local, remote, ttl=None):
    fam = socket.AF_INET6 if kind == "ip6gre" else socket.AF_INET
    d = gk_nl.attr(IFLA_GRE_LOCAL, socket.inet_pton(fam, local))
    if remote:
        d += gk_nl.attr(IFLA_GRE_REMOTE, socket.inet_pton(fam, remote))
    if ttl is not None:
        d += gk_nl.attr(IFLA_GRE_TTL, bytes([ttl]))
    return gk_nl.attr_nest(IFLA_LINKINFO,
                           gk_nl.attr(IFLA_INFO_KIND, kind.encode()) +
                           gk_nl.attr_nest(IFLA_INFO_DATA, d))


def neigh(rt, cmd, dev, dst, lladdr=None):
    body = struct.pack("BxxiHBB", socket.AF_INET, socket.if_nametoindex(dev),
                       NUD_PERMANENT, 0, 0)
    body += gk_nl.attr(NDA_DST, socket.inet_aton(dst))
    if lladdr:
        body += gk_nl.attr(NDA_LLADDR, socket.inet_aton(lladdr))
    flags = NLM_F_CREATE | NLM_F_REPLACE if cmd == RTM_NEWNEIGH else 0
    return rt.call(rt.build(cmd, body, flags))


class Genl(gk_nl.Genl):
    """gk_nl's client, with sending and answering apart."""

    def answer(self, dump=False):
        """(errno, extack) of the request sent; a dump read to its end.
        ENOBUFS on the socket: netlink lost a message (the ack, or a
        dump's next part, which the next read makes again)."""
        lost = 0
        while True:
            try:
                msgs = list(self.messages())
            except OSError as e:
                if e.errno == errno.ENOBUFS and dump and lost < 100:
                    lost += 1
                    continue
                return e.errno, "(socket)"
            for t, _, p in msgs:
                if t == gk_nl.NLMSG_ERROR:
                    return self.error(p)
                if t == gk_nl.NLMSG_DONE:
                    return 0, ""

    def call(self, cmd, body, dump=False):
        flags = gk_nl.NLM_F_REQUEST | gk_nl.NLM_F_ACK
        if dump:
            flags |= gk_nl.NLM_F_DUMP
        try:
            self.send(self.msg(self.family, cmd, body, flags))
        except OSError as e:
            return e.errno, "(send)"
        return self.answer(dump)

    def get(self, name):
        """(errno, extack, {attr: value}) of a GET."""
        self.send(self.msg(self.family, gk_nl.CMD_GET,
                           gk_nl.attr_str(gk_nl.A_IFNAME, name),
                           gk_nl.NLM_F_REQUEST | gk_nl.NLM_F_ACK))
        d = {}
        while True:
            for t, _, p in self.messages():
                if t == gk_nl.NLMSG_ERROR:
                    err, msg = self.error(p)
                    return err, msg, d
                for a, v in gk_nl.parse_attrs(p[4:]):
                    if a in SNAP_ATTRS:
                        d[SNAP_ATTRS[a]] = gk_nl.u(v)

    def join_events(self):
        """Join the family's events group; the socket non-blocking."""
        for p in self.request(gk_nl.CTRL_CMD_GETFAMILY,
                              gk_nl.attr_str(gk_nl.CTRL_ATTR_FAMILY_NAME,
                                             "gre_ka"),
                              flags=0, ftype=gk_nl.GENL_ID_CTRL):
            for t, v in gk_nl.parse_attrs(p[4:]):
                if t != gk_nl.CTRL_ATTR_MCAST_GROUPS:
                    continue
                for _, grp in gk_nl.parse_attrs(v):
                    for gt, gv in gk_nl.parse_attrs(grp):
                        if gt == CTRL_ATTR_MCAST_GRP_ID:
                            self.s.setsockopt(gk_nl.SOL_NETLINK,
                                              NETLINK_ADD_MEMBERSHIP,
                                              struct.unpack("I", gv)[0])
        self.s.setblocking(False)

    def drain(self):
        """Read what is queued: (messages, ENOBUFS seen)."""
        n = lost = 0
        while True:
            try:
                self.s.recv(65536)
                n += 1
            except BlockingIOError:
                return n, lost
            except OSError as e:
                if e.errno != errno.ENOBUFS:
                    raise
                lost += 1


# --- State ----------------------------------------------------------------------

def tunnel_state(g, name):
    """A tunnel as GET and its peers' dump show it, counters left out."""
    try:
        socket.if_nametoindex(name)
    except OSError:
        return {"link": False}
    err, msg, d = g.get(name)
    if err:
        return {"link": True, "attached": False, "get": f"{ename(err)}: {msg}"}
    s = {"link": True, "attached": True, **d,
         "sysfs": os.path.isdir(f"{SYS}/class/net/{name}/keepalive")}
    if d.get("multipoint"):
        peers = gk_nl.dump(name)["peers"].get(name, [])
        s["peers"] = sorted([p["nbma"], p.get("origins", [])] for p in peers)
    return s


def attach_failures():
    try:
        return int(rfile(f"{SYS}/module/gre_ka/parameters/attach_failures"))
    except OSError:
        return None


_RTNL_IN = {}


def rtnl_in(ns):
    """An rtnetlink socket in netns ns ("root", or a name under
    /run/netns), made once; the caller's netns is left as it was."""
    if ns not in _RTNL_IN:
        home = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
        try:
            setns("/proc/1/ns/net" if ns == "root" else f"/run/netns/{ns}")
            _RTNL_IN[ns] = Rtnl()
        finally:
            libc.setns(home, CLONE_NEWNET)
            os.close(home)
    return _RTNL_IN[ns]


def link_set(name, up, ns=NS):
    """ip link set NAME up|down, in-process: (errno, extack)."""
    rt = rtnl_in(ns)
    return rt.call(rt.build(RTM_NEWLINK, ifinfo(
        flags=IFF_UP if up else 0, change=IFF_UP) +
        gk_nl.attr_str(IFLA_IFNAME, name)))


def link_cycle(name, ns=NS):
    """Up, then down again: the retry of a tunnel left without keepalive.
    0 if both worked."""
    return link_set(name, True, ns)[0] or link_set(name, False, ns)[0]


# --- Entry points ---------------------------------------------------------------

class Entry:
    """One entry point: send (inside the fault window), answer (outside),
    undo (clean). Subclasses say which tunnels it may change."""

    scopes = ("ours",)

    def __init__(self, name, tunnels):
        self.name = name
        self.tunnels = tunnels

    def prepare(self):
        pass

    def send(self):
        raise NotImplementedError

    def answer(self):
        return self.err

    def undo(self):
        pass

    def snap(self, g):
        return {t: tunnel_state(g, t) for t in self.tunnels}

    def recover(self, g, s, after, failures):
        """A run that succeeded, but with an attachment that failed:
        "retried" if the call itself retried it (a tunnel created up),
        "unattached" if the tunnel was left without keepalive, counted,
        explained by GET and attached at its next up; None otherwise."""
        if s == after and failures == 1:
            return "retried"
        bad = [t for t in self.tunnels
               if s[t].get("link") and not s[t].get("attached")]
        if not bad or failures != len(bad):
            return None
        for t in bad:
            if "retried when it goes up" not in s[t].get("get", ""):
                return None
            if link_cycle(t) or not tunnel_state(g, t).get("attached"):
                return None
        return "unattached"


class SysfsWrite(Entry):
    scopes = ("ours", "all")
    VALUES = {"enabled": (1, 0), "period_ms": (30000, 20000),
              "retries": (255, 254), "up_count": (1, 2), "reflect": (1, 0),
              "auth": (0, 1), "passive": (0, 1)}

    def __init__(self, dev, file):
        super().__init__(f"sysfs {dev}/keepalive/{file}", (dev,))
        self.path = f"{SYS}/class/net/{dev}/keepalive/{file}"
        self.old = int(rfile(self.path))
        a, b = self.VALUES[file]
        self.new = b if self.old == a else a

    def prepare(self):
        self.fd = os.open(self.path, os.O_WRONLY)

    def send(self):
        try:
            os.pwrite(self.fd, str(self.new).encode(), 0)
            self.err = (0, "")
        except OSError as e:
            self.err = (e.errno, "(write)")
        os.close(self.fd)

    def undo(self):
        wfile(self.path, self.old)


class GenlCall(Entry):
    scopes = ("ours", "all")

    def __init__(self, name, g, cmd, body, tunnels, undo=None, dump=False):
        super().__init__(name, tunnels)
        self.g, self.cmd, self.body, self.dump = g, cmd, body, dump
        self.undo_call = undo

    def send(self):
        flags = gk_nl.NLM_F_REQUEST | gk_nl.NLM_F_ACK
        if self.dump:
            flags |= gk_nl.NLM_F_DUMP
        try:
            self.g.send(self.g.msg(self.g.family, self.cmd, self.body, flags))
        except OSError as e:
            self.err = (e.errno, "(send)")
            return
        self.err = None
        if self.dump:
            # The rest of a dump is made as it is read: in the window.
            self.err = self.g.answer(dump=True)

    def answer(self):
        return self.err or self.g.answer()

    def undo(self):
        if self.undo_call:
            err, msg = self.g.call(*self.undo_call)
            if err:
                raise RuntimeError(f"{self.name}: undo: {ename(err)}: {msg}")


class RtnlCall(Entry):
    def __init__(self, name, rt, build, undo, tunnels):
        super().__init__(name, tunnels)
        self.rt, self.build, self.undo_build = rt, build, undo

    def prepare(self):
        self.msg = self.build()

    def send(self):
        try:
            self.rt.send(self.msg)
            self.err = None
        except OSError as e:
            self.err = (e.errno, "(send)")

    def answer(self):
        return self.err or self.rt.ack()

    def undo(self):
        if self.undo_build:
            rt, raw = self.undo_build()
            err, msg = rt.call(raw)
            if err:
                raise RuntimeError(f"{self.name}: undo: {ename(err)}: {msg}")


def run_entry(e, scope, fn, g):
    """fail-nth 1, 2, ... over one entry point: a summary."""
    fi_config(scope=scope)
    res = {"faults": 0, "errnos": set(), "why": "", "unattached": 0,
           "retried": 0, "ok_anyway": 0}

    def once(n):
        e.prepare()
        if n:
            fn.arm(n)
        e.send()
        injected = fn.disarm() if n else False
        return (injected,) + tuple(e.answer())

    def fail(why):
        res["why"] = why
        return res

    before = e.snap(g)
    _, err, msg = once(0)
    if err:
        return fail(f"clean run: {ename(err)}: {msg}")
    after = e.snap(g)
    e.undo()
    if e.snap(g) != before:
        return fail(f"undo does not restore: {before} -> {e.snap(g)}")
    for n in range(1, 3000):
        f0 = attach_failures()
        injected, err, msg = once(n)
        s = e.snap(g)
        df = (attach_failures() or 0) - (f0 or 0)
        if not injected:
            if err or s != after or df:
                return fail(f"n={n}: no fault, yet {ename(err)} {msg} {s}")
            e.undo()
            return res
        res["faults"] = n
        if err:
            res["errnos"].add(ename(err))
            if err not in EXPECTED:
                return fail(f"n={n}: {ename(err)}: {msg}")
            socket_lost = msg == "(socket)"
            if s != before and not (socket_lost and s == after):
                return fail(f"n={n}: {ename(err)} {msg}, yet changed: "
                            f"{before} -> {s}")
            if s == before:
                _, err2, msg2 = once(0)
                if err2 or e.snap(g) != after:
                    return fail(f"n={n}: then again: {ename(err2)}: {msg2}")
        elif s == after and not df:
            res["ok_anyway"] += 1
        elif (how := e.recover(g, s, after, df)):
            res[how] += 1
            if e.snap(g) != after:
                return fail(f"n={n}: after the retry {e.snap(g)} vs {after}")
        else:
            return fail(f"n={n}: succeeded, yet {s} (failures +{df}) "
                        f"vs {after}")
        e.undo()
        if e.snap(g) != before:
            return fail(f"n={n}: not back to the start: {e.snap(g)}")
    return fail("never ran out of allocations")


def entries_list(g, rt):
    """Every configuration entry point, over the shell's tunnels: gre1
    (point-to-point), mg1 (multipoint), g6 (ip6gre, moved to netns far)."""
    entries = []
    for dev in ("gre1", "mg1", "g6"):
        d = f"{SYS}/class/net/{dev}/keepalive"
        # The module loaded with sysfs=0: netlink only.
        for f in sorted(os.listdir(d)) if os.path.isdir(d) else ():
            p = f"{d}/{f}"
            if os.path.isfile(p) and os.stat(p).st_mode & 0o200:
                if f not in SysfsWrite.VALUES:
                    raise SystemExit(f"entry - 'sysfs {dev}/{f}' FAIL "
                                     "writable, but no value to try")
                entries.append(SysfsWrite(dev, f))

    def setbody(a, v):
        return gk_nl.attr_str(gk_nl.A_IFNAME, "gre1") + (
            gk_nl.attr_u32(a, v) if a in (A_PERIOD, A_RETRIES, A_UP_COUNT)
            else gk_nl.attr(a, bytes([v])))

    _, _, cur = g.get("gre1")
    for a, x, y in ((A_ENABLED, 0, 1), (A_PERIOD, 20000, 30000),
                    (A_RETRIES, 254, 255), (A_UP_COUNT, 2, 1),
                    (A_REFLECT, 0, 1), (A_AUTH, 1, 0), (A_PASSIVE, 1, 0)):
        old = cur[SNAP_ATTRS[a]]
        new = x if old != x else y
        entries.append(GenlCall(f"genl SET {SNAP_ATTRS[a]}", g,
                                gk_nl.CMD_SET, setbody(a, new), ("gre1",),
                                undo=(gk_nl.CMD_SET, setbody(a, old))))
    name = gk_nl.attr_str(gk_nl.A_IFNAME, "gre1")
    entries.append(GenlCall("genl GET", g, gk_nl.CMD_GET, name, ("gre1",)))
    entries.append(GenlCall("genl GET dump", g, gk_nl.CMD_GET, b"",
                            ("gre1", "mg1"), dump=True))
    entries.append(GenlCall("genl GET dump of peers", g, gk_nl.CMD_GET,
                            gk_nl.attr_str(gk_nl.A_IFNAME, "mg1"), ("mg1",),
                            dump=True))

    def peer(addr):
        return gk_nl.attr_str(gk_nl.A_IFNAME, "mg1") + gk_nl.attr_nest(
            gk_nl.A_PEER, gk_nl.attr(gk_nl.A_PEER_ADDR,
                                     socket.inet_aton(addr)))

    entries.append(GenlCall("genl PEER_ADD", g, gk_nl.CMD_PEER_ADD,
                            peer("192.0.2.77"), ("mg1",),
                            undo=(gk_nl.CMD_PEER_DEL, peer("192.0.2.77"))))
    err, msg = g.call(gk_nl.CMD_PEER_ADD, peer("192.0.2.78"))
    if err and err != errno.EEXIST:
        raise SystemExit(f"PEER_ADD 192.0.2.78: {ename(err)}: {msg}")
    entries.append(GenlCall("genl PEER_DEL", g, gk_nl.CMD_PEER_DEL,
                            peer("192.0.2.78"), ("mg1",),
                            undo=(gk_nl.CMD_PEER_ADD, peer("192.0.2.78"))))

    def newlink(name, kind, local, remote, up):
        return lambda: rt.build(
            RTM_NEWLINK, ifinfo(flags=IFF_UP if up else 0,
                                change=IFF_UP if up else 0) +
            gk_nl.attr_str(IFLA_IFNAME, name) +
            linkinfo(kind, local, remote), NLM_F_CREATE | NLM_F_EXCL)

    def dellink(name):
        return lambda: (rt, rt.build(RTM_DELLINK, ifinfo() +
                                     gk_nl.attr_str(IFLA_IFNAME, name)))

    for name, kind, local, remote, up in (
            ("fa1", "gre", "192.0.2.1", "192.0.2.9", False),
            ("fa2", "gre", "192.0.2.1", "192.0.2.10", True),
            ("fa3", "gre", "192.0.2.3", None, True),
            ("fa4", "ip6gre", "2001:db8::1", "2001:db8::9", True)):
        what = kind + (" multipoint" if not remote else "") + \
            (", up" if up else ", down")
        entries.append(RtnlCall(f"rtnl NEWLINK {what}", rt,
                                newlink(name, kind, local, remote, up),
                                dellink(name), (name,)))

    def flags(name, up):
        return lambda: rt.build(RTM_NEWLINK, ifinfo(
            socket.if_nametoindex(name), IFF_UP if up else 0, IFF_UP))

    entries.append(RtnlCall("rtnl set down", rt, flags("gre1", False),
                            lambda: (rt, flags("gre1", True)()), ("gre1",)))
    entries.append(RtnlCall("rtnl set up", rt, flags("mg1", True),
                            lambda: (rt, flags("mg1", False)()), ("mg1",)))

    def change(ttl):
        return lambda: rt.build(RTM_NEWLINK, ifinfo(
            socket.if_nametoindex("gre1")) +
            linkinfo("gre", "192.0.2.1", "192.0.2.2", ttl))

    entries.append(RtnlCall("rtnl changelink (NETDEV_CHANGE)", rt, change(64),
                            lambda: (rt, change(0)()), ("gre1",)))

    # A netns move and back, the way back from a socket over there.
    setns("/run/netns/far")
    rt_far, g_far = Rtnl(), Genl()
    setns(f"/run/netns/{NS}")
    far_fd = os.open("/run/netns/far", os.O_RDONLY)
    home_fd = os.open(f"/run/netns/{NS}", os.O_RDONLY)
    move = RtnlCall(
        "rtnl netns move", rt,
        lambda: rt.build(RTM_NEWLINK, ifinfo(socket.if_nametoindex("g6")) +
                         gk_nl.attr_u32(IFLA_NET_NS_FD, far_fd)),
        None, ("g6",))

    def move_undo():
        # Back home, and up again as it was (a move takes it down).
        err, msg = rt_far.call(rt_far.build(
            RTM_NEWLINK, ifinfo() + gk_nl.attr_str(IFLA_IFNAME, "g6") +
            gk_nl.attr_u32(IFLA_NET_NS_FD, home_fd)))
        if not err:
            err, msg = link_set("g6", True)
        if err:
            raise RuntimeError(f"g6 back: {ename(err)}: {msg}")

    def move_snap(g):
        here = tunnel_state(g, "g6")
        return {"here": here, "there": tunnel_state(g_far, "g6")
                if not here.get("link") else None}

    def move_recover(g, s, after, failures):
        # The ingress hook in the new netns failed: retried at its up.
        if s == after and failures == 1 and not link_cycle("g6", "far"):
            return "retried"
        return None

    move.snap = move_snap
    move.recover = move_recover
    move.undo = move_undo
    entries.append(move)

    # DELLINK of fa5, which exists from here on (made again by undo).
    make = newlink("fa5", "gre", "192.0.2.1", "192.0.2.11", True)
    rm = RtnlCall("rtnl DELLINK", rt, lambda: dellink("fa5")()[1],
                  lambda: (rt, make()), ("fa5",))
    err, msg = rt.call(make())
    if err and err != errno.EEXIST:
        raise SystemExit(f"fa5: {ename(err)}: {msg}")
    entries.append(rm)
    return entries


def wanted(name, only):
    """NAME-PART arguments select entry points; -NAME-PART leaves out."""
    yes = [o for o in only if not o.startswith("-")]
    no = [o[1:] for o in only if o.startswith("-")]
    return (not yes or any(o in name for o in yes)) and \
        not any(o in name for o in no)


def systematic(only):
    setns(f"/run/netns/{NS}")
    g, rt, fn = Genl(), Rtnl(), FailNth()
    ev = Genl()
    ev.join_events()
    ok = True
    for e in entries_list(g, rt):
        if not wanted(e.name, only):
            continue
        for scope in e.scopes:
            t0 = time.monotonic()
            r = run_entry(e, scope, fn, g)
            ok &= not r["why"]
            print("entry {} '{}' faults={} errnos={} retried={} "
                  "unattached={} ok_anyway={} {:.1f}s {}".format(
                      scope, e.name, r["faults"],
                      ",".join(sorted(r["errnos"])) or "-", r["retried"],
                      r["unattached"], r["ok_anyway"],
                      time.monotonic() - t0,
                      "FAIL " + r["why"] if r["why"] else "ok"), flush=True)
    fi_config()
    n, lost = ev.drain()
    print(f"events: {n} read, ENOBUFS {lost} times")
    return 0 if ok else 1


# --- Module load ------------------------------------------------------------------

NETNS = {"root": "/proc/1/ns/net"}


def genl_in(ns):
    """A client of our family in netns ns (the family's id changes with
    each load); None if it is not registered."""
    setns(NETNS[ns])
    try:
        return Genl()
    except gk_nl.Error:
        return None
    finally:
        setns(NETNS["root"])


def modload(ko, params, tunnels):
    """tunnels: NS/DEV the load must attach to (besides the fallback
    devices): their carriers are compared before and after."""
    NETNS[NS] = f"/run/netns/{NS}"
    fn = FailNth()
    fd = os.open(ko, os.O_RDONLY)
    res = {"faults": 0, "errnos": set(), "why": "", "unattached": 0,
           "retried": 0, "init_failed": 0}

    def sysfs(ns):
        return "/sys" if ns == "root" else SYS

    def carrier(t):
        ns, dev = t.split("/")
        try:
            return rfile(f"{sysfs(ns)}/class/net/{dev}/carrier")
        except OSError:
            return "-"         # EINVAL: the device is down

    def carriers():
        return {t: carrier(t) for t in tunnels}

    def attached():
        """NS/DEV of every tunnel keepalive is attached to."""
        out = set()
        for ns in NETNS:
            g = genl_in(ns)
            if not g:
                continue
            for dev in os.listdir(f"{sysfs(ns)}/class/net"):
                if not g.get(dev)[0]:
                    out.add(f"{ns}/{dev}")
            g.s.close()
        return out

    def load(n):
        fi_config()
        if n:
            fn.arm(n)
        rc = libc.syscall(SYS_FINIT_MODULE, fd, params.encode(), 0)
        err = ctypes.get_errno() if rc else 0
        return (fn.disarm() if n else False), err

    def unload():
        if libc.syscall(SYS_DELETE_MODULE, b"gre_ka", os.O_NONBLOCK):
            return f"rmmod: {ename(ctypes.get_errno())}"
        return ""

    before = carriers()
    _, err = load(0)
    every = attached()
    if err or not set(tunnels) <= every:
        res["why"] = f"clean load: {ename(err)}, attached {sorted(every)}"
        return res
    why = unload()
    for n in range(1, 5000):
        if why:
            break
        injected, err = load(n)
        if not injected:
            if err or attached() != every or attach_failures():
                why = f"n={n}: no fault, yet {ename(err)} {attached()}"
            else:
                why = unload()
            if not why and carriers() != before:
                why = f"carriers {carriers()} vs {before}"
            res["why"] = why
            return res
        res["faults"] = n
        if err:
            res["errnos"].add(ename(err))
            res["init_failed"] += 1
            if err not in EXPECTED or os.path.isdir("/sys/module/gre_ka"):
                why = f"n={n}: {ename(err)}, loaded anyway"
            elif carriers() != before:
                why = f"n={n}: a failed load left carriers {carriers()}"
            continue
        miss = every - attached()
        f = attach_failures()
        if miss:
            if f != len(miss):
                why = f"n={n}: unattached {sorted(miss)}, attach_failures {f}"
                continue
            for t in miss:
                ns, dev = t.split("/")
                if link_cycle(dev, ns):
                    why = f"n={n}: {t} cannot go up"
            if attached() != every:
                why = f"n={n}: {sorted(every - attached())} not attached " \
                    "at their next up"
            res["unattached"] += len(miss)
        elif f:
            res["retried"] += 1
        why = why or unload()
        if not why and carriers() != before:
            why = f"n={n}: after rmmod, carriers {carriers()} vs {before}"
    res["why"] = why or "never ran out of allocations"
    return res


# --- Packet paths -----------------------------------------------------------------

def packets(ns, secs, prob):
    setns(f"/run/netns/{ns}")
    g, rt, ev = Genl(), Rtnl(), Genl()
    ev.join_events()
    tap = socket.socket(socket.AF_PACKET, socket.SOCK_RAW,
                        socket.htons(ETH_P_ALL))
    tap.bind(("eth0", 0))
    tap.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
    tap.setblocking(False)
    rnd = random.Random(int(os.environ.get("SEED", "1")))
    results = {}

    def count(what, err):
        k = f"{what}: {ename(err) if err else 'ok'}"
        results[k] = results.get(k, 0) + 1

    def churn():
        i = rnd.randrange(6)
        if i == 0:
            v = rnd.choice((100, 120))
            try:
                wfile(f"/run/gre_ka-sys/{ns}/class/net/gre1/keepalive/"
                      "period_ms", v)
                count("sysfs period_ms", 0)
            except OSError as e:
                count("sysfs period_ms", e.errno)
        elif i == 1:
            body = gk_nl.attr_str(gk_nl.A_IFNAME, "mg1") + gk_nl.attr_nest(
                gk_nl.A_PEER, gk_nl.attr(gk_nl.A_PEER_ADDR,
                                         socket.inet_aton("198.51.100.99")))
            cmd = rnd.choice((gk_nl.CMD_PEER_ADD, gk_nl.CMD_PEER_DEL))
            count("genl peer add/del", g.call(cmd, body)[0])
        elif i == 2:
            count("neigh replace",
                  neigh(rt, RTM_NEWNEIGH, "mg1", "10.7.0.3", "198.51.100.2")[0])
        elif i == 3:
            count("neigh del", neigh(rt, RTM_DELNEIGH, "mg1", "10.7.0.3")[0])
        elif i == 4:
            up = rnd.choice((True, False))
            count("link gre9 up/down", rt.call(rt.build(
                RTM_NEWLINK, ifinfo(socket.if_nametoindex("gre9"),
                                    IFF_UP if up else 0, IFF_UP)))[0])
        else:
            count("genl GET dump", g.call(gk_nl.CMD_GET, b"", dump=True)[0])

    T = 10**9
    events = lost = 0
    fi_config(probability=prob, times=T)
    t_end = time.monotonic() + secs
    while time.monotonic() < t_end:
        churn()
        n, ln = ev.drain()
        events, lost = events + n, lost + ln
        try:
            while True:
                tap.recv(65536)
        except BlockingIOError:
            pass
        time.sleep(0.2)
    left = fi_times()
    fi_config()
    # The end state of the churn: the extra entry and peer gone, gre9 up.
    neigh(rt, RTM_DELNEIGH, "mg1", "10.7.0.3")
    g.call(gk_nl.CMD_PEER_DEL, gk_nl.attr_str(gk_nl.A_IFNAME, "mg1") +
           gk_nl.attr_nest(gk_nl.A_PEER, gk_nl.attr(
               gk_nl.A_PEER_ADDR, socket.inet_aton("198.51.100.99"))))
    rt.call(rt.build(RTM_NEWLINK, ifinfo(socket.if_nametoindex("gre9"),
                                         IFF_UP, IFF_UP)))
    n, ln = ev.drain()
    print(json.dumps({"injected": {a: T - left[a] for a in ATTRS},
                      "churn": results, "events": events + n,
                      "events_enobufs": lost + ln}))
    return 0


def main():
    a = sys.argv[1:]
    if a and a[0] == "systematic":
        sys.exit(systematic(a[1:]))
    if len(a) >= 3 and a[0] == "modload":
        r = modload(a[1], a[2], a[3:])
        print("entry ours 'finit_module {}' faults={} errnos={} retried={} "
              "unattached={} init_failed={} {}".format(
                  a[2], r["faults"], ",".join(sorted(r["errnos"])) or "-",
                  r["retried"], r["unattached"], r["init_failed"],
                  "FAIL " + r["why"] if r["why"] else "ok"))
        sys.exit(1 if r["why"] else 0)
    if len(a) == 4 and a[0] == "packets":
        sys.exit(packets(a[1], float(a[2]), int(a[3])))
    sys.exit(__doc__)


if __name__ == "__main__":
    main()
