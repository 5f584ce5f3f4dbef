#!/usr/bin/python3
"""Equivalence of the RTL blocks with their TLM twins on whole scenarios.

Runs each scenario with every implementation mix
    tlm   (TLM 8254, TLM 8259A pair)
    pit   (pit0.impl=rtl)
    pic   (pic.impl=rtl)
    both  (pit0.impl=rtl, pic.impl=rtl)
and compares every mix against tlm:
  - the console output (stdout), which must be byte-identical;
  - the exit status, which must be the same;
  - the value changes of the interrupt signals in the platform VCD: irq0..irq15
    and cpu0.intr (COMPARED); each signal must change the same number of times
    in both runs, and matching changes (same index, same value) must lie within
    --tolerance-ps of each other.
The PIC's own trace signals (pic_master.irr/isr/imr, pic_slave.*) and
cpu0.inta_vector are compared the same way but only reported (INFO): they
show internal register values, not pins, and may legitimately move a delta
cycle apart (docs/rtl.md).

Prints one line per scenario and mix, then name=value figures:
  rtl_equiv.<scenario>.<mix>.console_identical   1/0
  rtl_equiv.<scenario>.<mix>.edges               changes of the compared signals (tlm/mix)
  rtl_equiv.<scenario>.<mix>.max_edge_diff_ps    largest difference of matching changes
  rtl_equiv.max_edge_diff_ps                     largest over everything
Exits 1 on any difference beyond the tolerance, 2 on a usage/run error.
"""
import argparse
import concurrent.futures
import os
import re
import subprocess
import sys
import tempfile
import time

MIXES = {
    "tlm": [],
    "pit": ["--set", "pit0.impl=rtl"],
    "pic": ["--set", "pic.impl=rtl"],
    "both": ["--set", "pit0.impl=rtl", "--set", "pic.impl=rtl"],
}
COMPARED = ["irq%d" % i for i in range(16)] + ["cpu0.intr"]
INFO = ["pic_master.irr", "pic_master.isr", "pic_master.imr", "pic_slave.irr", "pic_slave.isr",
        "pic_slave.imr", "cpu0.inta_vector", "pit0.out2"]

# One PIT input clock (1 / 1.193182 MHz) in ps, the tolerance's unit.
PIT_CLOCK_PS = 838095


def vcd_changes(path, wanted):
    """{signal: [(time, value), ...]} for the scalar/vector signals in `wanted`,
    by their reference name (the last word of the $var line before $end)."""
    ids = {}          # identifier code -> [names]
    scale = 1         # VCD time unit in ps
    changes = {name: [] for name in wanted}
    last = {}
    t = 0
    with open(path) as f:
        header = []
        for line in f:
            header.append(line)
            if line.startswith("$enddefinitions"):
                break
        text = "".join(header)
        m = re.search(r"\$timescale\s+(\d+)\s*(fs|ps|ns|us|ms|s)\s+\$end", text)
        if m:
            unit = {"fs": 1e-3, "ps": 1, "ns": 1e3, "us": 1e6, "ms": 1e9, "s": 1e12}[m.group(2)]
            scale = int(m.group(1)) * unit
        # Hierarchical names: the scopes below the top one, joined with dots
        # (SystemC writes "cpu0.intr" as scope cpu0, var intr).
        scopes = []
        for tok in re.finditer(r"\$scope\s+\S+\s+(\S+)\s+\$end|\$upscope\s+\$end|"
                               r"\$var\s+\S+\s+\d+\s+(\S+)\s+(\S+)(?:\s+\[[^\]]*\])?\s+\$end", text):
            if tok.group(0).startswith("$scope"):
                scopes.append(tok.group(1))
            elif tok.group(0).startswith("$upscope"):
                scopes.pop()
            else:
                name = ".".join(scopes[1:] + [tok.group(3)])
                if name in changes:
                    ids.setdefault(tok.group(2), []).append(name)
        found = {n for names in ids.values() for n in names}
        missing = [name for name in wanted if name not in found]
        for line in f:
            c = line[:1]
            if c == "#":
                t = int(line[1:])
                continue
            if c in "01xzXZ":
                code, value = line[1:].strip(), c
            elif c in "bBrR":
                parts = line[1:].split()
                if len(parts) != 2:
                    continue
                value, code = parts
                if c in "bB":
                    value = value.lstrip("0") or "0"
            else:
                continue
            names = ids.get(code)
            if not names:
                continue
            for name in names:
                if last.get(name) == value:
                    continue
                if name in last:  # the initial dump is a level, not a change
                    changes[name].append((int(t * scale), value))
                last[name] = value
    return changes, missing


def compare(ref, other, names):
    """Per signal: (count_ref, count_other, max_diff_ps, where); where = (time, index)."""
    result = {}
    for name in names:
        a, b = ref.get(name, []), other.get(name, [])
        worst, where = 0, None
        for i, ((ta, va), (tb, vb)) in enumerate(zip(a, b)):
            if va != vb:
                worst, where = float("inf"), (ta, i)
                break
            if abs(ta - tb) > worst:
                worst, where = abs(ta - tb), (ta, i)
        result[name] = (len(a), len(b), worst, where)
    return result


def run(minipc, elf, extra, mix, workdir, scenario, time_limit, mix_options):
    vcd = os.path.join(workdir, f"{scenario}.{mix}.vcd")
    cmd = [minipc, "run", "--firmware", elf, "--time", time_limit, "--no-stats", "--vcd", vcd] + extra + MIXES[mix] + (mix_options if mix != "tlm" else [])
    start = time.monotonic()
    p = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True)
    wall = time.monotonic() - start
    changes, missing = (vcd_changes(vcd, COMPARED + INFO) if os.path.exists(vcd) else ({}, COMPARED))
    missing = [name for name in missing if name in COMPARED]
    try:
        os.remove(vcd)
    except OSError:
        pass
    return {"cmd": cmd, "status": p.returncode, "stdout": p.stdout, "stderr": p.stderr.decode(errors="replace"),
            "wall": wall, "changes": changes, "missing": missing}


def fmt_ps(v):
    return "inf" if v == float("inf") else str(int(v))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--minipc", required=True)
    ap.add_argument("--scenario", action="append", required=True, metavar="NAME=ELF[,OPTION...]",
                    help="a scenario: name, firmware image, extra minipc options (comma-separated)")
    ap.add_argument("--mixes", default="pit,pic,both", help="mixes compared against tlm (default pit,pic,both)")
    ap.add_argument("--tolerance-ps", type=int, default=0,
                    help="largest allowed difference between matching edges in ps (default 0; "
                         "one PIT input clock is %d ps)" % PIT_CLOCK_PS)
    ap.add_argument("--time", default="20s", help="minipc --time limit (default 20s)")
    ap.add_argument("--jobs", type=int, default=2, help="parallel runs (default 2)")
    ap.add_argument("--mix-option", action="append", default=[], metavar="OPTION",
                    help="extra minipc option for the RTL mixes only (to check that the test can fail)")
    args = ap.parse_args()

    scenarios = []
    for spec in args.scenario:
        name, _, rest = spec.partition("=")
        parts = rest.split(",")
        if not name or not parts[0]:
            sys.exit(f"rtl_equiv: bad --scenario '{spec}'")
        if not os.path.exists(parts[0]):
            print(f"rtl_equiv: {parts[0]} not found", file=sys.stderr)
            sys.exit(2)
        scenarios.append((name, parts[0], [p for p in parts[1:] if p]))
    mixes = ["tlm"] + [m for m in args.mixes.split(",") if m]
    for m in mixes:
        if m not in MIXES:
            sys.exit(f"rtl_equiv: unknown mix '{m}' (one of {', '.join(MIXES)})")

    failures = []
    overall = 0
    with tempfile.TemporaryDirectory(prefix="rtl_equiv.") as work, \
            concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        futures = {(s, m): pool.submit(run, args.minipc, elf, extra, m, work, s, args.time, args.mix_option)
                   for s, elf, extra in scenarios for m in mixes}
        for s, elf, extra in scenarios:
            ref = futures[(s, "tlm")].result()
            print(f"{s}: tlm exit {ref['status']}, {len(ref['stdout'])} console bytes, "
                  f"{sum(len(ref['changes'].get(n, [])) for n in COMPARED)} edges, {ref['wall']:.2f} s wall")
            if ref["missing"]:
                failures.append(f"{s}.tlm: signals missing from the VCD: {' '.join(ref['missing'])}")
            if ref["status"] != 0:
                failures.append(f"{s}.tlm: exit status {ref['status']}\n{ref['stderr']}")
            for m in mixes[1:]:
                r = futures[(s, m)].result()
                key = f"rtl_equiv.{s}.{m}"
                same_console = r["stdout"] == ref["stdout"]
                cmp = compare(ref["changes"], r["changes"], COMPARED)
                info = compare(ref["changes"], r["changes"], INFO)
                n_ref = sum(c[0] for c in cmp.values())
                n_mix = sum(c[1] for c in cmp.values())
                worst_name = max(cmp, key=lambda n: cmp[n][2])
                worst = cmp[worst_name][2]
                overall = max(overall, worst)
                print(f"  {m}: exit {r['status']}, console {'identical' if same_console else 'DIFFERS'}, "
                      f"edges {n_ref}/{n_mix}, max diff {fmt_ps(worst)} ps"
                      + (f" ({worst_name} change #{cmp[worst_name][3][1]} at {cmp[worst_name][3][0]} ps)"
                         if worst > 0 else "") + f", {r['wall']:.2f} s wall")
                print(f"{key}.console_identical={int(same_console)}")
                print(f"{key}.edges={n_ref}/{n_mix}")
                print(f"{key}.max_edge_diff_ps={fmt_ps(worst)}")
                for name, (na, nb, d, where) in sorted(info.items()):
                    if na != nb or d > 0:
                        print(f"    info: {name}: {na}/{nb} changes, max diff {fmt_ps(d)} ps"
                              + (f" (change #{where[1]} at {where[0]} ps)" if where else ""))
                if r["missing"]:
                    failures.append(f"{key}: signals missing from the VCD: {' '.join(r['missing'])}")
                if r["status"] != ref["status"]:
                    failures.append(f"{key}: exit status {r['status']} (tlm: {ref['status']})\n{r['stderr']}")
                if not same_console:
                    failures.append(f"{key}: console differs from tlm:\n--- tlm\n"
                                    f"{ref['stdout'].decode(errors='replace')}--- {m}\n"
                                    f"{r['stdout'].decode(errors='replace')}")
                for name, (na, nb, d, where) in cmp.items():
                    if na != nb:
                        failures.append(f"{key}: {name} changes {na} times with tlm, {nb} times with {m}")
                    if d > args.tolerance_ps:
                        failures.append(f"{key}: {name} change #{where[1]} (tlm at {where[0]} ps) differs by "
                                        f"{fmt_ps(d)} ps > tolerance {args.tolerance_ps} ps")
    print(f"rtl_equiv.max_edge_diff_ps={fmt_ps(overall)}")
    print(f"rtl_equiv.tolerance_ps={args.tolerance_ps}")
    if failures:
        for f in failures:
            print("FAIL: " + f)
        sys.exit(1)
    print("rtl_equiv: all mixes equivalent")


if __name__ == "__main__":
    main()
