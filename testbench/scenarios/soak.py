#!/usr/bin/env python3
"""Soak (issue: faults on purpose and by accident): a busy system for a long
stretch of simulated time, with the simulator's resident memory watched.

The net firmware on platform/configs/net.yaml: timer ticks (HZ), disk reads
by DMA with IRQ 14 every 10 ms (disk=1), the NIC
receiving generated UDP, ARP and ICMP traffic on two flows (one without a
reader), the stack answering, a ring-3 reader, a ring-3 busy task, and the
console (a line per second of the firmware's counters is not printed:
print=0; the UART still carries the start and end lines). No VCD and no
Perfetto: a run without them must not grow with simulated time.

Checks:
  - the run ends with the firmware's PASS (conservation holds at the end);
  - resident memory (VmRSS of the minipc process, sampled every 0.1 s of
    host time) grows by less than 5 % from the second quarter of the run to
    the last (the first quarter holds start-up: loading, the first
    translations, the stats' first histograms);
  - the counters it reads in the stats are non-negative and the ones that
    must move did (nothing wrapped or stalled).
Prints the figures. The default suite runs a short soak (a few simulated
seconds); the `long` test runs one simulated hour.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def fail(msg):
    print(f"soak: FAIL: {msg}")
    sys.exit(1)


def rss_kib(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--minipc", required=True)
    ap.add_argument("--firmware", required=True)
    ap.add_argument("--seconds", type=float, default=5.0, help="simulated seconds of traffic")
    ap.add_argument("--rate", type=int, default=5000, help="frames/s offered")
    a = ap.parse_args()
    duration_ms = int(a.seconds * 1000)
    with tempfile.TemporaryDirectory() as tmp:
        cfg = os.path.join(tmp, "soak.yaml")
        with open(cfg, "w") as f:
            f.write(f"include: {os.path.join(ROOT, 'platform', 'configs', 'net.yaml')}\n"
                    f"platform:\n  time_limit: {a.seconds + 2:.3f}s\n"
                    "nic0:\n  wire:\n    source: generator\n    gen:\n"
                    f"      rate: {a.rate}\n      size: uniform:60-600\n      duration: {duration_ms}ms\n"
                    "      flows: 2\n      arp: 200\n      icmp: 300\n      seed: 11\n")
        stats = os.path.join(tmp, "s.json")
        cmd = [a.minipc, "run", "--config", cfg, "--firmware", a.firmware, "--no-vcd", "--stats", stats, "--quiet",
               "--set", f"platform.cmdline=mode=napi duration_ms={duration_ms + 200} print=0 busy=1 trace=0 disk=1"]
        t0 = time.monotonic()
        # Files, not pipes: the console (a line per ARP/ICMP answer) outgrows a
        # pipe's buffer long before an hour, and nobody reads it until the end.
        out_path, err_path = os.path.join(tmp, "out.txt"), os.path.join(tmp, "err.txt")
        out_f, err_f = open(out_path, "w"), open(err_path, "w")
        p = subprocess.Popen(cmd, stdout=out_f, stderr=err_f, text=True)
        samples = []
        while p.poll() is None:
            r = rss_kib(p.pid)
            if r is not None:
                samples.append((time.monotonic() - t0, r))
            time.sleep(0.1)
        p.wait()
        out_f.close()
        err_f.close()
        out, err = open(out_path, errors="replace").read(), open(err_path, errors="replace").read()
        wall = time.monotonic() - t0
        print(out[-2000:], err[-2000:])
        if p.returncode != 0 or "net: PASS" not in out:
            fail(f"minipc exit status {p.returncode}")
        if len(samples) < 8:
            fail(f"only {len(samples)} memory samples over {wall:.1f} s: run longer (--seconds)")
        q = wall / 4
        second = [r for t, r in samples if q <= t < 2 * q]
        last = [r for t, r in samples if t >= 3 * q]
        if not second or not last:
            fail("no samples in the second or the last quarter")
        growth = (max(last) - max(second)) / max(second)
        print(f"soak: {a.seconds:g} s simulated in {wall:.1f} s host; {len(samples)} RSS samples; "
              f"max RSS second quarter {max(second)} KiB, last quarter {max(last)} KiB, growth {growth * 100:+.2f} %")
        s = json.load(open(stats))
        rx, fw = s["nic0"]["rx"], s["fw"]["net"]
        moved = {"nic0.rx.offered": rx["offered"], "nic0.rx.to_host": rx["to_host"], "fw.net.delivered": fw["delivered"],
                 "fw.net.irqs": fw["irqs"], "cpu0.instructions": s["cpu0"]["instructions"],
                 "irq.accepted": s["irq"]["accepted"], "disk0.sectors_read": s["disk0"]["sectors_read"],
                 "disk0.dma_bytes": s["disk0"]["dma_bytes"], "fw.net.disk_reads": fw["disk_reads"],
                 "uart0.tx_bytes": s["uart0"]["tx_bytes"]}
        for k, v in moved.items():
            print(f"soak: {k} = {v}")
            if not (v > 0):
                fail(f"{k} = {v}: it should have moved (a wrapped or stalled counter)")
        if fw["disk_errors"] != 0:
            fail(f"fw.net.disk_errors = {fw['disk_errors']}: the disk task's reads failed")
        # The disk task reads 8 sectors every 10 ms: about 100 reads a second.
        if fw["disk_reads"] < 50 * a.seconds:
            fail(f"only {fw['disk_reads']} disk reads in {a.seconds:g} s (about 100 a second expected)")
        expect = a.rate * a.seconds * 0.9
        if rx["offered"] < expect:
            fail(f"only {rx['offered']} frames offered, want about {a.rate * a.seconds:.0f}")
        if "ASAN_OPTIONS" in os.environ:
            # The sanitizer stage (scripts/test-sanitize): ASan keeps freed
            # memory in quarantine, so the resident set is not the program's.
            print("soak: under AddressSanitizer: the memory figure is not checked")
        elif growth >= 0.05:
            fail(f"resident memory grew {growth * 100:.2f} % (limit 5 %)")
        print("soak: PASS")


if __name__ == "__main__":
    main()
