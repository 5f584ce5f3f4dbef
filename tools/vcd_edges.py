#!/usr/bin/python3
"""vcd_edges: the value changes of chosen signals in a VCD, one per line.

    tools/vcd_edges.py TRACE.vcd [--signals irq0,cpu0.intr,...] [--until 100ms] [-o OUT]
    tools/vcd_edges.py TRACE.vcd --golden GOLDEN [--update]

Each line is `time_ps signal value`: the time in picoseconds, the signal's
name below the VCD's top scope (`irq0`, `cpu0.intr`, `cpu0.inta_vector`) and
its new value (0/1/x/z for one bit, 0x... for a vector). A signal's initial
value counts as a change at its first time. The default signals are the
interrupt path: irq0..irq15, cpu0.intr and cpu0.inta_vector. --until keeps
the changes before a time (ps, or with a unit: 100ms, 250us), so that a
long run gives a short list.

--golden compares the edges with a golden file (traces/golden/) and exits 1
with a diff when an edge moved, appeared or vanished; lines starting with
'#' in the golden are comments (how it was made). --update rewrites the
golden instead, keeping its comment lines. Exit 2: bad input (no such
signal, unreadable VCD), with a message naming it.
"""
import argparse
import difflib
import os
import sys

DEFAULT_SIGNALS = ["irq%d" % n for n in range(16)] + ["cpu0.intr", "cpu0.inta_vector"]


class VcdError(Exception):
    pass


def parse_header(f):
    """Reads up to $enddefinitions: returns ({id: [names]}, timescale in ps)."""
    ids = {}
    scopes = []
    scale_ps = 1
    tokens = []
    for line in f:
        tokens += line.split()
        if "$enddefinitions" in tokens:
            break
    else:
        raise VcdError("no $enddefinitions: not a VCD")
    i = 0
    while i < len(tokens):
        t = tokens[i]
        if t == "$scope":
            scopes.append(tokens[i + 2])
            i += 3
        elif t == "$upscope":
            scopes.pop()
            i += 1
        elif t == "$var":
            # $var <type> <width> <id> <name> [range] $end
            ident, name = tokens[i + 3], tokens[i + 4]
            # Names below the top scope (SystemC's is "SystemC").
            full = ".".join(scopes[1:] + [name])
            ids.setdefault(ident, []).append(full)
            i += 5
        elif t == "$timescale":
            spec = "".join(tokens[i + 1:tokens.index("$end", i)])
            digits = spec.rstrip("afpnumsAFPNUMS")
            unit = spec[len(digits):]
            if unit not in UNITS:
                raise VcdError("timescale '%s' not understood" % spec)
            scale_ps = int(digits or 1) * UNITS[unit]
            i += 1
        else:
            i += 1
    return ids, scale_ps


def vector_value(bits):
    if any(c not in "01" for c in bits):
        return bits.lower()
    return hex(int(bits, 2))


UNITS = {"s": 10**12, "ms": 10**9, "us": 10**6, "ns": 10**3, "ps": 1}


def parse_time(text):
    """'100ms' -> picoseconds; a bare number is picoseconds."""
    digits = text.rstrip("smunp")
    unit = text[len(digits):] or "ps"
    if not digits.isdigit() or unit not in UNITS:
        raise VcdError("--until '%s' is not a time (e.g. 100ms, 250us, 5000ps)" % text)
    return int(digits) * UNITS[unit]


def edges(path, signals, until=None):
    """The `time_ps signal value` lines of the signals, in file order."""
    try:
        f = open(path)
    except OSError as e:
        raise VcdError("cannot read %s: %s" % (path, e.strerror))
    with f:
        ids, scale = parse_header(f)
        known = {name for names in ids.values() for name in names}
        missing = [s for s in signals if s not in known]
        if missing:
            raise VcdError("%s has no signal %s" % (path, ", ".join(missing)))
        wanted = {}
        for ident, names in ids.items():
            chosen = [n for n in names if n in signals]
            if chosen:
                wanted[ident] = chosen
        last = {}
        out = []
        now = 0
        for line in f:
            line = line.strip()
            if not line or line.startswith("$"):
                continue
            c = line[0]
            if c == "#":
                now = int(line[1:]) * scale
                if until is not None and now >= until:
                    break
                continue
            if c in "bBrR":
                value, ident = line[1:].split()
                value = vector_value(value)
            else:
                value, ident = c.lower(), line[1:]
            for name in wanted.get(ident, ()):
                if last.get(name) != value:
                    last[name] = value
                    out.append("%d %s %s" % (now, name, value))
        return out


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("vcd")
    ap.add_argument("--signals", default=",".join(DEFAULT_SIGNALS),
                    help="comma-separated names below the top scope (default: the interrupt path)")
    ap.add_argument("--until", help="only changes before this time (ps, or 100ms, 250us, ...)")
    ap.add_argument("-o", "--output", help="write the edges here instead of stdout")
    ap.add_argument("--golden", help="compare with this golden file; exit 1 on a difference")
    ap.add_argument("--update", action="store_true", help="with --golden: rewrite it instead")
    a = ap.parse_args(argv)
    signals = [s for s in a.signals.split(",") if s]
    try:
        until = parse_time(a.until) if a.until else None
        lines = edges(a.vcd, signals, until)
    except VcdError as e:
        print("vcd_edges: %s" % e, file=sys.stderr)
        return 2
    if not a.golden:
        text = "".join(l + "\n" for l in lines)
        if a.output:
            with open(a.output, "w") as f:
                f.write(text)
        else:
            sys.stdout.write(text)
        return 0
    comments = []
    golden = []
    if os.path.exists(a.golden):
        with open(a.golden) as f:
            for l in f.read().splitlines():
                (comments if l.startswith("#") else golden).append(l)
    elif not a.update:
        print("vcd_edges: no golden file %s (make it with --update)" % a.golden, file=sys.stderr)
        return 2
    if a.update:
        with open(a.golden, "w") as f:
            f.write("".join(l + "\n" for l in comments + lines))
        print("vcd_edges: wrote %d edges to %s" % (len(lines), a.golden))
        return 0
    if golden == lines:
        print("vcd_edges: %d edges match %s" % (len(lines), a.golden))
        return 0
    diff = list(difflib.unified_diff(golden, lines, a.golden, a.vcd, n=2, lineterm=""))
    print("vcd_edges: the edges differ from %s (%d golden, %d now):" % (a.golden, len(golden), len(lines)))
    for l in diff[:60]:
        print(l)
    if len(diff) > 60:
        print("... (%d more diff lines)" % (len(diff) - 60))
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
