#!/usr/bin/env python3
"""Packet conservation (docs/net.md): every frame offered on the wire ends in
exactly one place, over N generated frames.

Runs the net firmware on platform/configs/net.yaml with the wire's generator
overloading the receiver so that every kind of loss happens: UDP frames on two
flows (port 5000 has a reader, 5001 has none: no_socket), ARP and ICMP
requests mixed in (answered by the stack), a small socket buffer (sock_full)
and a rate above what the guest takes (the card's packet buffer overflows:
missed, MPC). The run lasts until the traffic has drained. Then, exactly:

  offered (the card's count)  = generated (the --pcap file's frames, minus
                                the frames the card sent)
  offered = filtered + disabled + oversize + missed + dma_error + flushed
            + to_host + still in the packet buffer        (the card)
  to_host = taken from the ring by the driver              (card = driver)
  taken   = delivered to the reader + answered by the stack + dropped with
            a reason                                       (the stack)
  and no buffer is left in use, and the card's own MPC register agrees with
  the model's missed count.
It also checks that each kind of loss above occurred (a test that never
drops proves nothing).
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def fail(msg):
    print(f"net_conservation: FAIL: {msg}")
    sys.exit(1)


def pcap_frames(path):
    with open(path, "rb") as f:
        data = f.read()
    n, off = 0, 24
    while off + 16 <= len(data):
        incl = int.from_bytes(data[off + 8:off + 12], "little")
        off += 16 + incl
        n += 1
    if off != len(data):
        fail(f"{path}: truncated record")
    return n


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--minipc", required=True)
    ap.add_argument("--firmware", required=True)
    ap.add_argument("--frames", type=int, default=10000, help="UDP frames generated")
    ap.add_argument("--rate", type=int, default=60000)
    a = ap.parse_args()
    duration_ms = int(a.frames / a.rate * 1000) + 200
    with tempfile.TemporaryDirectory() as tmp:
        cfg = os.path.join(tmp, "cons.yaml")
        with open(cfg, "w") as f:
            f.write(f"include: {os.path.join(ROOT, 'platform', 'configs', 'net.yaml')}\n"
                    f"platform:\n  time_limit: {duration_ms / 1000 + 1:.3f}s\n"
                    "nic0:\n  wire:\n    source: generator\n    gen:\n"
                    f"      rate: {a.rate}\n      size: uniform:60-300\n      count: {a.frames}\n"
                    "      flows: 2\n      arp: 500\n      icmp: 700\n      seed: 7\n")
        stats, pcap = os.path.join(tmp, "s.json"), os.path.join(tmp, "w.pcap")
        cmd = [a.minipc, "run", "--config", cfg, "--firmware", a.firmware, "--no-vcd", "--stats", stats,
               "--pcap", pcap, "--quiet", "--set",
               f"platform.cmdline=mode=napi duration_ms={duration_ms} print=0 rcvbuf=8192 trace=0"]
        p = subprocess.run(cmd, capture_output=True, text=True)
        print(p.stdout[-3000:], p.stderr[-2000:])
        if p.returncode != 0:
            fail(f"minipc exit status {p.returncode}")
        s = json.load(open(stats))
        rx, fw = s["nic0"]["rx"], s["fw"]["net"]
        generated = pcap_frames(pcap) - int(s["nic0"]["tx"]["frames"])
        fates = ("filtered", "disabled", "oversize", "missed", "dma_error", "flushed", "to_host", "in_buffer")
        card = {k: int(rx[k]) for k in fates}
        checks = [
            (int(rx["offered"]) == generated, f"offered {rx['offered']} = generated {generated}"),
            (int(rx["offered"]) == sum(card.values()),
             f"offered {rx['offered']} = " + " + ".join(f"{k} {v}" for k, v in card.items())),
            (card["to_host"] == fw["rx"], f"to_host {card['to_host']} = taken by the driver {fw['rx']}"),
            (fw["rx"] == fw["delivered"] + fw["stack"] + fw["dropped"],
             f"taken {fw['rx']} = delivered {fw['delivered']} + stack {fw['stack']} + dropped {fw['dropped']}"),
            (fw["mpc"] == card["missed"], f"MPC register {fw['mpc']} = missed {card['missed']}"),
            (fw["skb_in_use"] == 0, "no buffer left in use"),
            (card["in_buffer"] == 0, "the packet buffer drained"),
        ]
        for what, key in (("missed", card["missed"]), ("no_socket", fw["drop_no_socket"]),
                          ("sock_full", fw["drop_sock_full"]), ("stack (ARP/ICMP)", fw["stack"]),
                          ("delivered", fw["delivered"])):
            checks.append((key > 0, f"some frames {what} ({key})"))
        ok = True
        for good, text in checks:
            print(("ok   " if good else "FAIL ") + text)
            ok &= good
        if generated < a.frames:
            fail(f"only {generated} frames generated, want at least {a.frames}")
        if not ok:
            fail("conservation")
        print(f"net_conservation: PASS ({generated} frames)")


if __name__ == "__main__":
    main()
