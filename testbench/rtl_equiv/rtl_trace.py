#!/usr/bin/python3
"""--trace-rtl on the platform.

  rtl_trace.py files MINIPC ELF WORKDIR
      runs `minipc run --firmware ELF --set pit0.impl=rtl --set pic.impl=rtl
      --trace-rtl WORKDIR/T.vcd --time 50ms` (the firmware's first 50 ms:
      exit status 92, time limit, is expected; 0 is accepted) and checks that T.pit0.vcd, T.pic_master.vcd
      and T.pic_slave.vcd exist and parse: a minimal VCD parse (header, scopes,
      declared identifiers, non-decreasing times, value changes of declared
      signals only, at least one change after time 0), and, when gtkwave's
      vcd2fst and fst2vcd are installed, a round trip through FST that must
      keep every $var.
  rtl_trace.py no-block MINIPC ELF WORKDIR
      runs the same without any RTL block and expects a non-zero exit status
      and a message naming platform.trace_rtl.
"""
import os
import re
import shutil
import subprocess
import sys


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def parse_vcd(path):
    """Returns (number of $var, number of value changes, last time); fails on malformed input."""
    with open(path) as f:
        text = f.read()
    head, sep, body = text.partition("$enddefinitions")
    if not sep:
        fail(f"{path}: no $enddefinitions")
    if not re.search(r"\$timescale\s+\d+\s*(fs|ps|ns|us|ms|s)\s+\$end", head):
        fail(f"{path}: no valid $timescale")
    depth, ids, nvars = 0, set(), 0
    for tok in re.finditer(r"\$scope\s+\S+\s+\S+\s+\$end|\$upscope\s+\$end|\$var\s+\S+\s+(\d+)\s+(\S+)\s+\S+"
                           r"(?:\s+\[[^\]]*\])?\s+\$end", head):
        if tok.group(0).startswith("$scope"):
            depth += 1
        elif tok.group(0).startswith("$upscope"):
            depth -= 1
            if depth < 0:
                fail(f"{path}: $upscope without $scope")
        else:
            ids.add(tok.group(2))
            nvars += 1
    if depth != 0:
        fail(f"{path}: {depth} unclosed $scope")
    if nvars == 0:
        fail(f"{path}: no $var")
    t, last, changes, late = -1, -1, 0, 0
    body = body.split("$end", 1)[1] if "$end" in body else ""
    for line in body.splitlines():
        line = line.strip()
        if not line or line.startswith("$"):
            continue  # $dumpvars / $end / $comment lines
        if line[0] == "#":
            t = int(line[1:])
            if t < last:
                fail(f"{path}: time #{t} after #{last}")
            last = t
            continue
        if line[0] in "01xzXZ":
            code = line[1:]
        elif line[0] in "bBrR":
            parts = line.split()
            if len(parts) != 2:
                fail(f"{path}: bad vector change '{line}'")
            code = parts[1]
        else:
            fail(f"{path}: unexpected line '{line}'")
        if code not in ids:
            fail(f"{path}: change of undeclared identifier '{code}'")
        if t < 0:
            fail(f"{path}: value change before the first time stamp")
        changes += 1
        if t > 0:
            late += 1
    if late == 0:
        fail(f"{path}: no value change after time 0")
    return nvars, changes, last


def fst_round_trip(path, nvars):
    fst = path[:-4] + ".fst"
    p = subprocess.run(["vcd2fst", path, fst], capture_output=True, text=True)
    if p.returncode != 0 or not os.path.exists(fst):
        fail(f"vcd2fst {path}: exit {p.returncode}\n{p.stderr}")
    p = subprocess.run(["fst2vcd", fst], capture_output=True, text=True)
    if p.returncode != 0:
        fail(f"fst2vcd {fst}: exit {p.returncode}\n{p.stderr}")
    back = len(re.findall(r"\$var\s", p.stdout))
    if back != nvars:
        fail(f"{path}: {nvars} $var, {back} after the FST round trip")
    return os.path.getsize(fst)


def main():
    if len(sys.argv) != 5 or sys.argv[1] not in ("files", "no-block"):
        print(__doc__)
        sys.exit(2)
    mode, minipc, elf, work = sys.argv[1:]
    os.makedirs(work, exist_ok=True)
    base = os.path.join(work, "T")
    blocks = ["pit0", "pic_master", "pic_slave"]
    for b in blocks:
        if os.path.exists(f"{base}.{b}.vcd"):
            os.remove(f"{base}.{b}.vcd")
    cmd = [minipc, "run", "--firmware", elf, "--no-vcd", "--no-stats", "--time", "50ms", "--trace-rtl", base + ".vcd"]
    if mode == "no-block":
        p = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True)
        print(f"exit status {p.returncode}; stderr: {p.stderr.strip()}")
        if p.returncode == 0:
            fail("--trace-rtl without an RTL block exited 0")
        if "platform.trace_rtl" not in p.stderr + p.stdout:
            fail("the message does not name platform.trace_rtl")
        print("ok: --trace-rtl without an RTL block is refused")
        return
    cmd += ["--set", "pit0.impl=rtl", "--set", "pic.impl=rtl"]
    p = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True)
    if p.returncode not in (0, 92):  # 92: the time limit (exit_status::time_limit)
        fail(f"{' '.join(cmd)}: exit {p.returncode}\n{p.stderr}")
    fst = shutil.which("vcd2fst") and shutil.which("fst2vcd")
    for b in blocks:
        path = f"{base}.{b}.vcd"
        if not os.path.exists(path):
            fail(f"{path} was not written")
        nvars, changes, last = parse_vcd(path)
        line = f"{path}: {os.path.getsize(path)} bytes, {nvars} signals, {changes} changes, last time {last}"
        if fst:
            line += f", FST round trip ok ({fst_round_trip(path, nvars)} bytes)"
        print(line)
        for f in (path, path[:-4] + ".fst"):
            if os.path.exists(f):
                os.remove(f)
    print("ok: three RTL VCDs" + ("" if fst else " (vcd2fst not installed: Python parse only)"))


if __name__ == "__main__":
    main()
