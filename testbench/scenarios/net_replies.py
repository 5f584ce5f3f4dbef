#!/usr/bin/env python3
"""The net firmware's replies on minipc, byte for byte (the QEMU side is
testbench/qemu/run_net.py, which applies the same checks to what QEMU's
e1000 sends).

Runs the net scenario's frames (testbench/qemu/net_frames.py, replayed from a
pcap through nic0's wire) with `minipc run --pcap`, takes the frames the card
sent (source MAC = the firmware's) from that pcap, and checks them with
run_net.check_replies: the ARP reply byte for byte, both ICMP echo replies,
both UDP echoes, nothing else. It also checks the pcap with tshark
(installed by scripts/setup): every frame decoded, the replies' protocols seen.
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "testbench", "qemu"))
import net_frames as nf  # noqa: E402
import run_net  # noqa: E402


def read_pcap(path):
    data = open(path, "rb").read()
    frames, off = [], 24
    while off + 16 <= len(data):
        incl = int.from_bytes(data[off + 8:off + 12], "little")
        frames.append(data[off + 16:off + 16 + incl])
        off += 16 + incl
    return frames


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--minipc", required=True)
    ap.add_argument("--firmware", required=True)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        src, out = os.path.join(tmp, "in.pcap"), os.path.join(tmp, "wire.pcap")
        cmdline = subprocess.run([sys.executable, os.path.join(ROOT, "testbench", "qemu", "net_frames.py"),
                                  "--pcap", src, "--cmdline"], capture_output=True, text=True, check=True).stdout.strip()
        p = subprocess.run([a.minipc, "run", "--config", os.path.join(ROOT, "platform", "configs", "net.yaml"),
                            "--firmware", a.firmware, "--no-vcd", "--no-stats", "--pcap", out,
                            "--set", "platform.cmdline=" + cmdline, "--set", "nic0.wire.source=pcap",
                            "--set", "nic0.wire.pcap=" + src], capture_output=True, text=True)
        print(p.stdout[-2500:], p.stderr[-1500:])
        if p.returncode != 0:
            print(f"net_replies: FAIL: minipc exit status {p.returncode}")
            sys.exit(1)
        frames = read_pcap(out)
        sent = [f for f in frames if f[6:12] == nf.FW_MAC]
        received = [f for f in frames if f[6:12] != nf.FW_MAC]
        problems = run_net.check_replies(sent)
        if len(received) != len(read_pcap(src)):
            problems.append(f"{len(received)} frames received in the wire pcap, {len(read_pcap(src))} replayed")
        if not shutil.which("tshark"):
            problems.append("tshark not installed (scripts/setup installs it)")
        else:
            t = subprocess.run(["tshark", "-r", out, "-T", "fields", "-e", "frame.protocols"],
                               capture_output=True, text=True)
            protos = t.stdout.split()
            if t.returncode != 0 or len(protos) != len(frames):
                problems.append(f"tshark read {len(protos)} of {len(frames)} frames (status {t.returncode})")
            for want in ("eth:ethertype:arp", "eth:ethertype:ip:icmp:data"):
                if want not in protos:
                    problems.append(f"tshark saw no {want}")
        for pr in problems:
            print("net_replies: " + pr)
        if problems:
            print("net_replies: FAIL")
            sys.exit(1)
        print(f"net_replies: PASS ({len(sent)} replies, {len(received)} frames received)")


if __name__ == "__main__":
    main()
