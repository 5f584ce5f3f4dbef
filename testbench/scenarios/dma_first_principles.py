#!/usr/bin/env python3
"""DMA modes against first-principles bus arithmetic (docs/experiments/
dma_modes.md, "From first principles"; issue 21).

One 4 KiB memory-to-memory block (N = 1024 units of 4 bytes) on channel 0
while the accurate-mode CPU runs compute-bound work units (dma_bench
exp=modes). With the platform's defaults: bus cycle c = 10 ns, a unit = a
read and a write of 2 bus cycles each plus 20 ns of RAM latency:
U = 2 x (2c + 20 ns) = 80 ns; HOLD/HLDA handshake H = dma.hold_latency_cycles
x c = 20 ns. Expected, each within 5 %:

  burst           completion H + N*U                 the CPU loses ~ the completion
  cycle stealing  completion N*(U + 40 ns)            no cache: a 40 ns CPU fetch in every gap
                  completion N*(H + U + c)            cache: the CPU rarely waits
  transparent     CPU stall caused exactly 0          completion N*L, L = one work unit's time
                                                      (one 100 ns window, the poll's IN, per unit)
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

N, C, U, H = 1024, 10.0, 80.0, 20.0


def run(minipc, fw, mode, cache, tmp):
    stats = os.path.join(tmp, f"{mode}-{cache}.json")
    cmd = [minipc, "run", "--firmware", fw, "--no-vcd", "--stats", stats, "--quiet", "--time", "10s",
           "--set", "cpu0.mode=accurate", "--set", "uart0.instant_tx=true",
           "--set", f"cpu0.cache.enabled={'true' if cache else 'false'}",
           "--set", f"platform.cmdline=exp=modes work=compute unit=4 cap_ms=3000 size=4K mode={mode}"]
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        print(p.stdout[-2000:], p.stderr[-2000:])
        sys.exit(f"dma_first_principles: {mode} cache={cache}: exit status {p.returncode}")
    s = json.load(open(stats))
    ch = s["dma"]["ch0"]
    return {"T": ch["completion_latency"]["mean"], "stall": ch["cpu_stall_ns_caused"],
            "lost": s["fw"]["compute_cpu_lost_ns"], "units": s["fw"]["compute_units"],
            "alone": s["fw"]["compute_ns_alone"]}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--minipc", required=True)
    ap.add_argument("--firmware", required=True)
    a = ap.parse_args()
    ok = True

    def near(what, got, want, tol=0.05):
        nonlocal ok
        good = abs(got - want) <= tol * want
        ok &= good
        print(f"{'ok  ' if good else 'FAIL'} {what}: {got:.0f} ns, expected {want:.0f} ns ({(got / want - 1) * 100:+.2f} %)")

    with tempfile.TemporaryDirectory() as tmp:
        b = run(a.minipc, a.firmware, "burst", False, tmp)
        near("burst completion H + N*U", b["T"], H + N * U)
        near("burst CPU time lost ~ completion", b["lost"], b["T"])
        s = run(a.minipc, a.firmware, "steal", False, tmp)
        near("cycle stealing completion N*(U + 40 ns), no cache", s["T"], N * (U + 40.0))
        sc = run(a.minipc, a.firmware, "steal", True, tmp)
        near("cycle stealing completion N*(H + U + c), cache", sc["T"], N * (H + U + C))
        t = run(a.minipc, a.firmware, "transparent", False, tmp)
        good = t["stall"] == 0
        ok &= good
        print(f"{'ok  ' if good else 'FAIL'} transparent: CPU stall caused {t['stall']} ns (exactly 0)")
        near("transparent completion N*L (one unit per work unit)", t["T"], N * t["alone"] / t["units"])
    print("dma_first_principles: " + ("PASS" if ok else "FAIL"))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
