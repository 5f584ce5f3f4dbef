#!/usr/bin/env python3
"""The NIC's wire faults end to end (docs/nic.md "Faults", docs/net.md).

Runs the net firmware on platform/configs/net.yaml with generated traffic
(UDP on two flows, ARP and ICMP mixed in) and four faults on nic0:

  noisy   frame_corrupt, probability 0.02   (the card drops them: CRCERRS)
  lossy   frame_drop, every 40th frame      (lost on the wire)
  echo    frame_duplicate, probability 0.02 (delivered twice)
  unplug  link_down at 60 ms for 10 ms      (LSC down, then up)

and checks:
  - the driver's lines: "e1000: link down" then "e1000: link up", and
    "net: info link downs 1 ups 1 crcerrs N" with N = the frames the card
    dropped for a bad FCS;
  - every fault fired;
  - conservation, exactly: the wire (from_source = offered - duplicates +
    dropped + link_down), the card (offered = its fates, crc_error among
    them), the pcap (the frames the card received, duplicates twice), the
    driver (to_host = taken) and the stack (taken = delivered + stack +
    dropped);
  - with --twice: a second run gives the same console, stats and pcap, byte
    for byte (the faults' seeds).
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def fail(msg):
    print(f"net_faults: FAIL: {msg}")
    sys.exit(1)


def pcap_records(path):
    with open(path, "rb") as f:
        data = f.read()
    recs, off = [], 24
    while off + 16 <= len(data):
        incl = int.from_bytes(data[off + 8:off + 12], "little")
        recs.append(data[off + 16:off + 16 + incl])
        off += 16 + incl
    if off != len(data):
        fail(f"{path}: truncated record")
    return recs


def run(a, tmp, tag):
    frames, rate = a.frames, a.rate
    duration_ms = int(frames / rate * 1000) + 150
    cfg = os.path.join(tmp, "faults.yaml")
    with open(cfg, "w") as f:
        f.write(f"include: {os.path.join(ROOT, 'platform', 'configs', 'net.yaml')}\n"
                f"platform:\n  time_limit: {duration_ms / 1000 + 1:.3f}s\n"
                "nic0:\n  wire:\n    source: generator\n    gen:\n"
                f"      rate: {rate}\n      size: uniform:60-300\n      count: {frames}\n"
                "      flows: 2\n      arp: 300\n      icmp: 400\n      seed: 11\n"
                "faults:\n"
                "  noisy:\n    target: nic0\n    kind: frame_corrupt\n    probability: 0.02\n    seed: 3\n"
                "  lossy:\n    target: nic0\n    kind: frame_drop\n    nth: 40\n"
                "  echo:\n    target: nic0\n    kind: frame_duplicate\n    probability: 0.02\n    seed: 5\n"
                "  unplug:\n    target: nic0\n    kind: link_down\n    at: 60ms\n    duration: 10ms\n")
    stats, pcap = os.path.join(tmp, f"s{tag}.json"), os.path.join(tmp, f"w{tag}.pcap")
    cmd = [a.minipc, "run", "--config", cfg, "--firmware", a.firmware, "--no-vcd", "--stats", stats,
           "--pcap", pcap, "--quiet", "--set",
           f"platform.cmdline=mode={a.mode} duration_ms={duration_ms} print=0 rcvbuf=65536 trace=0"]
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        print(p.stdout[-3000:], p.stderr[-3000:])
        fail(f"minipc exit status {p.returncode}")
    with open(stats) as f:
        s = json.load(f)
    with open(pcap, "rb") as f:
        pcap_bytes = f.read()
    return p.stdout, p.stderr, s, pcap, pcap_bytes


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--minipc", required=True)
    ap.add_argument("--firmware", required=True)
    ap.add_argument("--frames", type=int, default=3000, help="UDP frames generated")
    ap.add_argument("--rate", type=int, default=20000)
    ap.add_argument("--mode", default="napi")
    ap.add_argument("--twice", action="store_true", help="run twice and compare the outputs")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        out, err, s, pcap, pcap_bytes = run(a, tmp, 1)
        print(out[-2500:])
        lines = out.splitlines()
        rx, wire, fw = s["nic0"]["rx"], s["nic0"]["wire"], s["fw"]["net"]
        n = lambda d, k: int(d[k])
        checks = []
        # the driver's lines
        down = [i for i, l in enumerate(lines) if "e1000: link down" in l]
        up = [i for i, l in enumerate(lines) if "e1000: link up" in l]
        checks.append((len(down) == 1 and len(up) == 1 and down[0] < up[0],
                       f"one 'e1000: link down' then one 'e1000: link up' (lines {down}, {up})"))
        info = [l for l in lines if l.startswith("net: info link downs")]
        want = f"net: info link downs 1 ups 1 crcerrs {n(rx, 'crc_error')}"
        checks.append((info == [want], f"'{want}' (got {info})"))
        checks.append((n(fw, "crcerrs") == n(rx, "crc_error") and n(fw, "link_downs") == 1 and n(fw, "link_ups") == 1,
                       f"fw.net.crcerrs {fw['crcerrs']} = rx.crc_error {rx['crc_error']}, one down and one up"))
        # every fault fired
        for name in ("noisy", "lossy", "echo", "unplug"):
            fired = int(s["faults"][name]["fired"])
            checks.append((fired > 0, f"fault {name} fired ({fired})"))
        checks.append((int(s["faults"]["unplug"]["fired"]) == 1, "unplug fired once (for 10 ms)"))
        checks.append((int(s["faults"]["lossy"]["fired"]) == n(wire, "dropped"),
                       f"lossy fired once per frame lost ({s['faults']['lossy']['fired']} = dropped {wire['dropped']})"))
        for k in ("dropped", "link_down", "corrupted", "duplicates"):
            checks.append((n(wire, k) > 0, f"some frames {k} on the wire ({wire[k]})"))
        # conservation
        fates = ("filtered", "disabled", "oversize", "missed", "dma_error", "flushed", "crc_error", "to_host",
                 "in_buffer")
        card = {k: n(rx, k) for k in fates}
        offered = n(rx, "offered")
        checks.append((n(wire, "from_source") == offered - n(wire, "duplicates") + n(wire, "dropped") +
                       n(wire, "link_down"),
                       f"from_source {wire['from_source']} = offered {offered} - duplicates {wire['duplicates']}"
                       f" + dropped {wire['dropped']} + link_down {wire['link_down']}"))
        checks.append((offered == sum(card.values()),
                       f"offered {offered} = " + " + ".join(f"{k} {v}" for k, v in card.items())))
        recs = pcap_records(pcap)
        received = len(recs) - int(s["nic0"]["tx"]["frames"])
        checks.append((received == offered, f"the pcap's received frames {received} = offered {offered}"))
        nic_mac = bytes.fromhex("525400123456")
        rx_recs = [r for r in recs if r[6:12] != nic_mac]
        twins = sum(1 for x, y in zip(rx_recs, rx_recs[1:]) if x == y)
        checks.append((twins == n(wire, "duplicates"),
                       f"the pcap shows each duplicate twice in a row ({twins} = duplicates {wire['duplicates']})"))
        checks.append((card["to_host"] == n(fw, "rx"), f"to_host {card['to_host']} = taken by the driver {fw['rx']}"))
        checks.append((n(fw, "rx") == n(fw, "delivered") + n(fw, "stack") + n(fw, "dropped"),
                       f"taken {fw['rx']} = delivered {fw['delivered']} + stack {fw['stack']} + dropped {fw['dropped']}"))
        checks.append((n(fw, "skb_in_use") == 0 and card["in_buffer"] == 0, "no buffer left in use, the buffer drained"))
        ok = True
        for good, text in checks:
            print(("ok   " if good else "FAIL ") + text)
            ok &= good
        if a.twice:
            out2, err2, s2, _, pcap_bytes2 = run(a, tmp, 2)
            same = (out2 == out, s2 == s, pcap_bytes2 == pcap_bytes)
            print(("ok   " if all(same) else "FAIL ") +
                  f"a second run: console, stats, pcap identical {same}")
            ok &= all(same)
        if not ok:
            fail("checks")
        print(f"net_faults: PASS ({n(wire, 'from_source')} frames from the source)")


if __name__ == "__main__":
    main()
