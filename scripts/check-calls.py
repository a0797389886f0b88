#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Call graph between gre_ka's source files, and a check that it has no cycle.

Usage: scripts/check-calls.py [--graph] [--self-test] [FILE.c ...]

For every module file (default: the *.c at the top of the repository), the
symbols it defines for other files (non-static functions and objects, i.e.
what include/gre_ka.h declares) and the ones it uses that another file
defines. File A depends on file B if A calls a function or names an object
that B defines. Exit 0 and print nothing (or, with --graph, the
dependencies) if the files form no cycle; exit 1 and print every cycle
otherwise. --self-test runs the check on two small made-up files that call
each other, and on two that do not, and fails unless it tells them apart.

A plain text scan, not a compiler: comments and strings are removed first,
calls through the family ops (ka->ops->xmit(...)) are not file dependencies
(the ops tables are, where a file names one), and tracepoints and inline
helpers from headers are nobody's file.
"""
import os
import re
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)

IDENT = r"[A-Za-z_][A-Za-z0-9_]*"


def strip(src):
    """Source without comments, string and character literals."""
    src = re.sub(r"/\*.*?\*/", " ", src, flags=re.S)
    src = re.sub(r"//[^\n]*", " ", src)
    src = re.sub(r'"(?:\\.|[^"\\\n])*"', '""', src)
    src = re.sub(r"'(?:\\.|[^'\\\n])*'", "''", src)
    return src


def definitions(src):
    """Non-static functions and objects defined at file scope."""
    defs = set()
    depth = 0
    stmt = ""
    for ch in src:
        if ch == "{":
            if depth == 0:
                head = stmt.strip()
                m = re.search(r"(" + IDENT + r")\s*\([^;]*\)\s*$", head, re.S)
                if m and not re.search(r"\bstatic\b", head):
                    defs.add(m.group(1))
                # An initialised object: "const struct x name = {"
                m = re.search(r"(" + IDENT + r")\s*(\[[^]]*\])?\s*=\s*$", head)
                if m and not re.search(r"\bstatic\b", head) and \
                        not head.startswith("#"):
                    defs.add(m.group(1))
                stmt = ""
            depth += 1
            continue
        if ch == "}":
            depth -= 1
            if depth == 0:
                stmt = ""
            continue
        if depth == 0:
            if ch == ";" or ch == "\n" and stmt.lstrip().startswith("#"):
                stmt = ""
            else:
                stmt += ch
    return {d for d in defs if d.startswith("gre_ka_")}


def uses(src):
    return set(re.findall(r"\b(gre_ka_" + r"[A-Za-z0-9_]*)\b", src))


def graph(files):
    srcs = {f: strip(open(f).read()) for f in files}
    owner = {}
    for f, s in srcs.items():
        for d in definitions(s):
            owner.setdefault(d, f)
    deps = {f: set() for f in files}
    for f, s in srcs.items():
        for u in uses(s):
            o = owner.get(u)
            if o and o != f:
                deps[f].add(o)
    return deps


def cycles(deps):
    """Every elementary cycle's files, found by DFS (the graph is small)."""
    found = []
    seen = set()

    def walk(start, node, path):
        for nxt in sorted(deps[node]):
            if nxt == start:
                cyc = path[:]
                key = frozenset(cyc)
                if key not in seen:
                    seen.add(key)
                    found.append(cyc)
            elif nxt not in path and nxt > start:
                walk(start, nxt, path + [nxt])

    for f in sorted(deps):
        walk(f, f, [f])
    return found


def name(f):
    return os.path.relpath(f, REPO)


def check(files, show_graph=False):
    deps = graph(files)
    if show_graph:
        for f in sorted(deps):
            print("%s -> %s" % (name(f), " ".join(sorted(name(d) for d in deps[f])) or "-"))
    cyc = cycles(deps)
    for c in cyc:
        print("cycle: " + " -> ".join(name(f) for f in c + [c[0]]))
    return 1 if cyc else 0


def self_test():
    with tempfile.TemporaryDirectory() as d:
        a, b = os.path.join(d, "a.c"), os.path.join(d, "b.c")
        with open(a, "w") as fa:
            fa.write("/* gre_ka_b() in a comment */\n"
                     "int gre_ka_a(void)\n{\n\treturn gre_ka_b();\n}\n")
        with open(b, "w") as fb:
            fb.write("static int helper(void) { return 1; }\n"
                     "int gre_ka_b(void)\n{\n\treturn helper() + gre_ka_a();\n}\n")
        if check([a, b]) != 1:
            print("self-test: a cycle a <-> b was not found")
            return 1
        with open(b, "w") as fb:
            fb.write("int gre_ka_b(void)\n{\n\treturn 1;\n}\n"
                     "const int gre_ka_tbl[] = { 1 };\n")
        with open(a, "a") as fa:
            fa.write("int gre_ka_c(void)\n{\n\treturn gre_ka_tbl[0];\n}\n")
        if check([a, b]) != 0 or graph([a, b])[a] != {b}:
            print("self-test: a -> b alone was reported as a cycle or missed")
            return 1
    return 0


def main(argv):
    show = "--graph" in argv
    files = [a for a in argv if not a.startswith("--")]
    if "--self-test" in argv:
        rc = self_test()
        if rc:
            return rc
        print("self-test: ok")
    if not files:
        files = sorted(os.path.join(REPO, f) for f in os.listdir(REPO)
                       if f.endswith(".c") and not f.endswith(".mod.c"))
    if not files:
        print("no source files")
        return 1
    return check(files, show)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
