#!/usr/bin/env python3
"""The network demo of README.md: `minipc run --config
platform/configs/net_demo.yaml --firmware net-clang.elf --pcap FILE` prints
the 20 datagrams and the stack's replies and passes; the pcap holds the ICMP
echo replies and tshark (installed by scripts/setup) reads every frame of it."""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def fail(msg):
    print(f"net_demo: FAIL: {msg}")
    sys.exit(1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--minipc", required=True)
    ap.add_argument("--firmware", required=True)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        pcap = os.path.join(tmp, "net-demo.pcap")
        p = subprocess.run([a.minipc, "run", "--config", os.path.join(ROOT, "platform", "configs", "net_demo.yaml"),
                            "--firmware", a.firmware, "--pcap", pcap, "--no-vcd", "--no-stats"],
                           capture_output=True, text=True)
        print(p.stdout, p.stderr)
        if p.returncode != 0 or "net: PASS" not in p.stdout:
            fail(f"exit status {p.returncode}")
        udp = [l for l in p.stdout.splitlines() if l.startswith("net: udp 10.0.2.2:")]
        if len(udp) != 20:
            fail(f"{len(udp)} datagram lines, want 20")
        if "net: icmp echo reply to 10.0.2.2 seq 0" not in p.stdout:
            fail("no ICMP echo reply line")
        if f"minipc: pcap  {pcap}" not in p.stderr:
            fail("minipc did not report the pcap")
        if not shutil.which("tshark"):
            fail("tshark not installed (scripts/setup installs it)")
        t = subprocess.run(["tshark", "-r", pcap], capture_output=True, text=True)
        replies = [l for l in t.stdout.splitlines() if "Echo (ping) reply" in l]
        if t.returncode != 0 or len(replies) < 3:
            fail(f"tshark: status {t.returncode}, {len(replies)} echo replies\n{t.stdout}{t.stderr}")
        print(f"net_demo: tshark read {len(t.stdout.splitlines())} frames, {len(replies)} echo replies")
        print("net_demo: PASS")


if __name__ == "__main__":
    main()
