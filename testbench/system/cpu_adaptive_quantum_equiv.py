#!/usr/bin/env python3
"""The adaptive quantum changes nothing but host time (models/cpu/cpu.cpp,
"Adaptive quantum").

usage: cpu_adaptive_quantum_equiv.py MINIPC OUTDIR NAME=ELF[,key=value...] ...

For every firmware (optionally with extra --set key=value pairs, separated
by commas; cpu0.mode=fast selects fast mode, the default here is accurate;
the pseudo-key time=T replaces the --time 20s limit; the pseudo-key
noskip says the adaptive run has nothing to skip: accurate mode without the
cache touches the bus at every fetch) it runs minipc twice,
with cpu0.adaptive_quantum=true and =false, each writing its console, stats
JSON and VCD, and fails unless the three are byte-identical and the two
runs exit with the same status (0 unless time= is given: a run stopped by
the time limit exits with the time-limit status). The stats JSON has no host-time field (platform.cpp leaves it
out), so it is compared whole. Prints the real/skipped sync figures the
adaptive run reports on stderr when minipc is verbose, nothing else.
"""
import filecmp
import os
import re
import subprocess
import sys


def run(minipc, elf, sets, adaptive, outdir, tag):
    base = os.path.join(outdir, f"{tag}.{'adaptive' if adaptive else 'plain'}")
    limit = "20s"
    for s in [s for s in sets if s.startswith("time=")]:
        limit = s.partition("=")[2]
        sets = [x for x in sets if x != s]
    sets = [s for s in sets if s != "noskip"]
    cmd = [minipc, "run", "--firmware", elf, "--quiet", "-v", "--time", limit, "--vcd", base + ".vcd", "--stats",
           base + ".stats.json", "--set", "cpu0.mode=accurate", "--set",
           f"cpu0.adaptive_quantum={'true' if adaptive else 'false'}"]
    for s in sets:
        cmd += ["--set", s]
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
    with open(base + ".console", "wb") as f:
        f.write(p.stdout)
    return p.returncode, p.stderr.decode(errors="replace"), base


def main():
    if len(sys.argv) < 4:
        print(__doc__, file=sys.stderr)
        return 2
    minipc, outdir = sys.argv[1], sys.argv[2]
    os.makedirs(outdir, exist_ok=True)
    failed = False
    for spec in sys.argv[3:]:
        name, _, rest = spec.partition("=")
        elf, *sets = rest.split(",")
        results, syncs, statuses = {}, {}, {}
        limited = any(s.startswith("time=") for s in sets)
        for adaptive in (False, True):
            status, err, base = run(minipc, elf, sets, adaptive, outdir, name)
            statuses[adaptive] = status
            if status != 0 and not limited:
                print(f"FAIL {name}: adaptive_quantum={adaptive} exited with {status}\n{err}")
                failed = True
            results[adaptive] = base
            m = re.search(r"cpu0: quantum syncs: (\d+) waited, (\d+) skipped", err)
            syncs[adaptive] = (int(m.group(1)), int(m.group(2))) if m else None
        if statuses[True] != statuses[False]:
            print(f"FAIL {name}: exit status {statuses[False]} (plain) but {statuses[True]} (adaptive)")
            failed = True
        # A run the time limit stops ends without sc_stop(), so SystemC calls
        # no end_of_simulation() and minipc prints no sync report: there the
        # identical outputs (instruction counts in the stats) are the check.
        if not limited and "noskip" not in sets and (not syncs[True] or syncs[True][1] == 0):
            print(f"FAIL {name}: the adaptive run skipped no quantum sync (report: {syncs[True]})")
            failed = True
        same = True
        for ext in (".console", ".stats.json", ".vcd"):
            a, b = results[False] + ext, results[True] + ext
            if not filecmp.cmp(a, b, shallow=False):
                print(f"FAIL {name}: {os.path.basename(a)} and {os.path.basename(b)} differ")
                same = False
                failed = True
        if same:
            sizes = ", ".join(f"{ext} {os.path.getsize(results[True] + ext)} B"
                              for ext in (".console", ".stats.json", ".vcd"))
            (pw, _), (aw, sk) = syncs[False] or (0, 0), syncs[True] or (0, 0)
            print(f"ok {name}: identical ({sizes}); syncs waited {pw} -> {aw}, skipped {sk}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
