#!/usr/bin/env python3
"""Runs the net firmware on qemu-system-i386 with an e1000 and checks it.

    run_net.py <qemu> <elf> <expected-lines-file> [--append "key=value ..."]
               [--pcap out.pcap] [--timeout seconds]

QEMU gets an e1000 at 00:03.0 (mitigation off) on a dgram netdev: every
Ethernet frame is one UDP datagram between QEMU's port and ours, both on
127.0.0.1. The script waits for "net: ready" on the serial console (QEMU's
e1000 holds reception off for a second of virtual time after RCTL is
written, so frames sent earlier would only wait in the socket), sends the
frames of net_frames.py, collects what the firmware sends back, and QEMU's
filter-dump writes both directions to a pcap.

Pass: QEMU's exit status is 1 (the firmware wrote 0 to isa-debug-exit),
every line of the expected file appears whole on the console, as do the
lines of the delivered datagrams and of the counters these frames must
end in (net_frames.py), the ARP reply is byte for
byte the expected one, both ICMP echo replies and both UDP echoes are
correct (addresses, checksums, identifiers, data).
"""
import argparse
import os
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import net_frames as nf  # noqa: E402


def free_udp_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def check_ipv4(frame, proto, problems, what):
    """The reply's Ethernet and IP headers; returns the IP payload or None."""
    if frame[0:6] != nf.PEER_MAC or frame[6:12] != nf.FW_MAC or frame[12:14] != b"\x08\x00":
        problems.append("%s: Ethernet header %s" % (what, frame[:14].hex()))
        return None
    ip = frame[14:]
    ihl = (ip[0] & 0xF) * 4
    tot = struct.unpack("!H", ip[2:4])[0]
    if ip[0] != 0x45 or nf.csum(ip[:20]) != 0 or ip[9] != proto or ip[12:16] != nf.FW_IP or ip[16:20] != nf.PEER_IP:
        problems.append("%s: IP header %s" % (what, ip[:20].hex()))
        return None
    if len(frame) < 60:
        problems.append("%s: %d bytes, shorter than the 60-byte minimum" % (what, len(frame)))
    return ip[ihl:tot]


def check_replies(replies):
    problems = []
    arp = [f for f in replies if f[12:14] == b"\x08\x06"]
    if arp != [nf.expected_arp_reply()]:
        problems.append("ARP replies %s, want one %s" % ([f.hex() for f in arp], nf.expected_arp_reply().hex()))

    ipf = [f for f in replies if f[12:14] == b"\x08\x00"]
    pings = [f for f in ipf if len(f) > 23 and f[23] == 1]
    seqs = []
    for f in pings:
        icmp = check_ipv4(f, 1, problems, "ICMP reply")
        if icmp is None:
            continue
        want = nf.icmp_echo(0x1234, struct.unpack("!H", icmp[6:8])[0], nf.PING_DATA, reply=True)
        if icmp != want:
            problems.append("ICMP reply %s, want %s" % (icmp.hex(), want.hex()))
        seqs.append(struct.unpack("!H", icmp[6:8])[0])
    if sorted(seqs) != [1, 2]:
        problems.append("ICMP echo replies for sequence numbers %s, want [1, 2]" % sorted(seqs))

    echoes = {}
    for f in [f for f in ipf if len(f) > 23 and f[23] == 17]:
        seg = check_ipv4(f, 17, problems, "UDP echo")
        if seg is None:
            continue
        sport, dport, length, c = struct.unpack("!HHHH", seg[:8])
        pseudo = nf.FW_IP + nf.PEER_IP + struct.pack("!BBH", 0, 17, length)
        if sport != 5001 or length != len(seg) or c == 0 or nf.csum(pseudo + seg) != 0:
            problems.append("UDP echo header %s" % seg[:8].hex())
        echoes[dport] = seg[8:]
    want = {40002: nf.PAYLOADS["udp-echo-a"], 40003: nf.PAYLOADS["udp-echo-b"]}
    if echoes != want:
        problems.append("UDP echoes to ports %s, want %s" % (sorted(echoes), sorted(want)))
    if len(replies) != len(arp) + len(pings) + len(echoes):
        problems.append("%d frames sent back, %d expected" % (len(replies), 1 + 2 + 2))
    return problems


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("qemu")
    ap.add_argument("elf")
    ap.add_argument("expected")
    ap.add_argument("--append", default="", help="extra firmware command line (mode=, io=, ...)")
    ap.add_argument("--pcap", help="keep QEMU's dump of the wire here")
    ap.add_argument("--timeout", type=float, default=60)
    args = ap.parse_args()

    tmp = tempfile.TemporaryDirectory()
    pcap = args.pcap or os.path.join(tmp.name, "net.pcap")
    peer = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    peer.bind(("127.0.0.1", 0))
    peer_port = peer.getsockname()[1]
    qemu_port = free_udp_port()
    cmdline = (nf.CMDLINE + " " + args.append).strip()
    cmd = [
        args.qemu, "-kernel", args.elf, "-append", cmdline,
        "-device", "e1000,mitigation=off,addr=03,netdev=n0,mac=52:54:00:12:34:56",
        "-netdev", "dgram,id=n0,local.type=inet,local.host=127.0.0.1,local.port=%d,"
                   "remote.type=inet,remote.host=127.0.0.1,remote.port=%d" % (qemu_port, peer_port),
        "-object", "filter-dump,id=f0,netdev=n0,file=%s" % pcap,
        "-serial", "stdio", "-display", "none", "-monitor", "none",
        "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04", "-no-reboot", "-m", "64",
        "-icount", "shift=4,sleep=off", "-rtc", "clock=vm",
    ]
    print("run_net: " + " ".join(cmd), flush=True)
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    lines = []
    ready = threading.Event()

    def read_console():
        for raw in proc.stdout:
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            print(line, flush=True)
            lines.append(line)
            if line == "net: ready":
                ready.set()

    reader = threading.Thread(target=read_console, daemon=True)
    reader.start()

    replies = []
    peer.settimeout(0.1)

    def collect(until):
        while time.monotonic() < until:
            try:
                data, _ = peer.recvfrom(65536)
                replies.append(data)
            except socket.timeout:
                if proc.poll() is not None:
                    return

    deadline = time.monotonic() + args.timeout
    status = None
    if ready.wait(timeout=args.timeout):
        for _, frame, _ in nf.FRAMES:
            peer.sendto(frame, ("127.0.0.1", qemu_port))
            time.sleep(0.005)
        collect(deadline)
    try:
        status = proc.wait(timeout=max(1, deadline - time.monotonic()))
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    collect(time.monotonic() + 0.2)  # anything still in the socket
    reader.join(timeout=5)

    problems = []
    if not ready.is_set():
        problems.append("no 'net: ready' line")
    if status is None:
        problems.append("QEMU timed out after %g s (no exit-port write)" % args.timeout)
    elif status != 1:
        problems.append("firmware exit code %d, QEMU status %d" % (status >> 1, status)
                        if status & 1 else "QEMU status %d" % status)
    with open(args.expected) as f:
        want_lines = [l.rstrip("\n") for l in f if l.strip()]
    for want in want_lines + nf.expected_udp_lines() + nf.expected_counter_lines():
        if want not in lines:
            problems.append("missing line: " + want)
    problems += check_replies(replies)
    if not os.path.exists(pcap) or os.path.getsize(pcap) <= 24:
        problems.append("no frames in the pcap " + pcap)
    for p in problems:
        print("run_net: " + p)
    if problems:
        return 1
    print("run_net: PASS (%d frames sent, %d received)" % (len(nf.FRAMES), len(replies)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
