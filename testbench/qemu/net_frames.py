"""The frames the net scenario is fed, and the replies it must send.

One list for every wire: testbench/qemu/run_net.py sends these to QEMU's
e1000 through a dgram netdev; on minipc the NIC's wire replays them from the
pcap `net_frames.py --pcap FILE` writes (firmware/apps/net/app.cmake). The peer is 10.0.2.2 (MAC PEER_MAC),
the firmware 10.0.2.15 (MAC FW_MAC, QEMU's default 52:54:00:12:34:56).

Each entry of FRAMES is (name, bytes, fate): fate is "udp" (delivered to a
reader), "stack" (answered by ARP or ICMP) or "drop:<reason>" (the
firmware's drop counter that must count it).
"""
import struct

FW_MAC = bytes.fromhex("525400123456")
PEER_MAC = bytes.fromhex("52550a000202")  # QEMU user networking's gateway
BROADCAST = b"\xff" * 6
FW_IP = bytes([10, 0, 2, 15])
PEER_IP = bytes([10, 0, 2, 2])

ETH_P_IP = 0x0800
ETH_P_ARP = 0x0806


def csum(data: bytes) -> int:
    """RFC 1071 Internet checksum (complemented), as stored in a header."""
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def fnv1a(data: bytes) -> int:
    """The payload sum the firmware prints for each datagram."""
    h = 0x811C9DC5
    for b in data:
        h = ((h ^ b) * 16777619) & 0xFFFFFFFF
    return h


def eth(dst: bytes, src: bytes, proto: int, payload: bytes) -> bytes:
    """An Ethernet frame without FCS, padded to the 60-byte minimum as a
    sender's MAC does (the receiver must rely on the IP length, not this)."""
    frame = dst + src + struct.pack("!H", proto) + payload
    return frame + b"\0" * (60 - len(frame)) if len(frame) < 60 else frame


def ipv4(src: bytes, dst: bytes, proto: int, payload: bytes, ident=1, bad_csum=False, version=4) -> bytes:
    hdr = struct.pack("!BBHHHBBH4s4s", version << 4 | 5, 0, 20 + len(payload), ident, 0x4000, 64, proto, 0, src, dst)
    c = csum(hdr)
    if bad_csum:
        c ^= 0x5555
    return hdr[:10] + struct.pack("!H", c) + hdr[12:] + payload


def udp(src: bytes, dst: bytes, sport: int, dport: int, payload: bytes, checksum="ok") -> bytes:
    length = 8 + len(payload)
    hdr = struct.pack("!HHHH", sport, dport, length, 0)
    c = 0
    if checksum != "none":
        pseudo = src + dst + struct.pack("!BBH", 0, 17, length)
        c = csum(pseudo + hdr + payload) or 0xFFFF
        if checksum == "bad":
            c ^= 0x00FF
    return struct.pack("!HHHH", sport, dport, length, c) + payload


def udp_frame(sport, dport, payload, checksum="ok", ident=1, bad_ip_csum=False, version=4, dst=FW_IP) -> bytes:
    seg = udp(PEER_IP, dst, sport, dport, payload, checksum)
    return eth(FW_MAC, PEER_MAC, ETH_P_IP, ipv4(PEER_IP, dst, 17, seg, ident, bad_ip_csum, version))


def arp(op: int, sha: bytes, sip: bytes, tha: bytes, tip: bytes) -> bytes:
    return struct.pack("!HHBBH6s4s6s4s", 1, ETH_P_IP, 6, 4, op, sha, sip, tha, tip)


def icmp_echo(ident: int, seq: int, data: bytes, reply=False) -> bytes:
    hdr = struct.pack("!BBHHH", 0 if reply else 8, 0, 0, ident, seq)
    c = csum(hdr + data)
    return hdr[:2] + struct.pack("!H", c) + hdr[4:] + data


def icmp_frame(seq: int, data: bytes, ident=0x1234, bad_csum=False) -> bytes:
    msg = icmp_echo(ident, seq, data)
    if bad_csum:
        msg = msg[:2] + bytes([msg[2] ^ 0x11]) + msg[3:]
    return eth(FW_MAC, PEER_MAC, ETH_P_IP, ipv4(PEER_IP, FW_IP, 1, msg, ident=100 + seq))


def udp_short_frame() -> bytes:
    """A UDP header whose length claims 100 bytes in a 20-byte datagram."""
    seg = bytearray(udp(PEER_IP, FW_IP, 40008, 5000, b"short payload", checksum="none"))
    seg[4:6] = struct.pack("!H", 100)
    return eth(FW_MAC, PEER_MAC, ETH_P_IP, ipv4(PEER_IP, FW_IP, 17, bytes(seg), ident=10))


PAYLOADS = {
    "udp-a": b"hello minipc 5000\n",
    "udp-b": bytes(range(64)),
    "udp-echo-a": b"echo me, 5001",
    "udp-echo-b": bytes((i * 7) & 0xFF for i in range(1000)),
    "udp-nocsum": b"no checksum here",
}
PING_DATA = bytes(range(0x20, 0x40))

FRAMES = [
    ("arp-request", eth(BROADCAST, PEER_MAC, ETH_P_ARP, arp(1, PEER_MAC, PEER_IP, b"\0" * 6, FW_IP)), "stack"),
    ("udp-a", udp_frame(40000, 5000, PAYLOADS["udp-a"], ident=2), "udp"),
    ("udp-b", udp_frame(40001, 5000, PAYLOADS["udp-b"], ident=3), "udp"),
    ("udp-echo-a", udp_frame(40002, 5001, PAYLOADS["udp-echo-a"], ident=4), "udp"),
    ("ping-1", icmp_frame(1, PING_DATA), "stack"),
    ("udp-echo-b", udp_frame(40003, 5001, PAYLOADS["udp-echo-b"], ident=5), "udp"),
    ("ping-2", icmp_frame(2, PING_DATA), "stack"),
    ("udp-bad-csum", udp_frame(40004, 5000, b"corrupted", checksum="bad", ident=6), "drop:udp_csum"),
    ("udp-closed-port", udp_frame(40005, 5009, b"nobody listens", ident=7), "drop:no_socket"),
    ("ip-bad-csum", udp_frame(40006, 5000, b"bad ip header", ident=8, bad_ip_csum=True), "drop:ip_csum"),
    ("ipv6-ethertype", eth(FW_MAC, PEER_MAC, 0x86DD, b"\x60" + b"\0" * 47), "drop:unhandled_proto"),
    ("udp-nocsum", udp_frame(40007, 5000, PAYLOADS["udp-nocsum"], checksum="none", ident=9), "udp"),
    ("ip-version-6", udp_frame(40009, 5000, b"wrong version", ident=11, version=6), "drop:ip_hdr"),
    ("ip-other-host", udp_frame(40010, 5000, b"for 10.0.2.99", ident=12, dst=bytes([10, 0, 2, 99])), "drop:not_for_us"),
    ("arp-other-target", eth(BROADCAST, PEER_MAC, ETH_P_ARP, arp(1, PEER_MAC, PEER_IP, b"\0" * 6, bytes([10, 0, 2, 99]))),
     "drop:not_for_us"),
    ("icmp-bad-csum", icmp_frame(3, PING_DATA, bad_csum=True), "drop:icmp_csum"),
    ("udp-short", udp_short_frame(), "drop:too_small"),
]

# The command line that makes the firmware expect exactly these frames.
CMDLINE = "frames=%d port=5000 ports=2 echo=5001" % len(FRAMES)


def expected_udp_lines():
    """The console lines of the delivered datagrams."""
    lines = []
    for name, frame, fate in FRAMES:
        if fate != "udp":
            continue
        sport, dport = struct.unpack("!HH", frame[34:38])
        payload = PAYLOADS[name]
        lines.append("net: udp 10.0.2.2:%d -> %d len %d sum 0x%08x" % (sport, dport, len(payload), fnv1a(payload)))
    return lines


def expected_counter_lines():
    """The console lines of the counters these frames must end in."""
    fates = [fate for _, _, fate in FRAMES]
    udp_n, stack_n = fates.count("udp"), fates.count("stack")
    drops = {}
    for fate in fates:
        if fate.startswith("drop:"):
            drops[fate[5:]] = drops.get(fate[5:], 0) + 1
    dropped = sum(drops.values())
    lines = ["net: rx %d delivered %d stack %d dropped %d mpc 0" % (len(FRAMES), udp_n, stack_n, dropped)]
    lines += ["net: drop %s %d" % (reason, n) for reason, n in sorted(drops.items())]
    lines.append("net: conservation rx %d = delivered %d + stack %d + dropped %d ok"
                 % (len(FRAMES), udp_n, stack_n, dropped))
    return lines


def expected_arp_reply() -> bytes:
    """The ARP reply byte for byte, padded to the 60-byte minimum."""
    return eth(PEER_MAC, FW_MAC, ETH_P_ARP, arp(2, FW_MAC, FW_IP, PEER_MAC, PEER_IP))


def write_pcap(path, frames=None):
    """A classic pcap (Ethernet) of the frames, 1 ms apart."""
    frames = [f for _, f, _ in FRAMES] if frames is None else frames
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for i, frame in enumerate(frames):
            f.write(struct.pack("<IIII", 0, 1000 * (i + 1), len(frame), len(frame)))
            f.write(frame)


if __name__ == "__main__":
    import argparse

    ap = argparse.ArgumentParser(description="The net scenario's frames.")
    ap.add_argument("--pcap", help="write the frames to this pcap")
    ap.add_argument("--cmdline", action="store_true", help="print the firmware command line they need")
    ap.add_argument("--lines", action="store_true", help="print the console lines they must produce")
    args = ap.parse_args()
    if args.pcap:
        write_pcap(args.pcap)
    if args.cmdline:
        print(CMDLINE)
    if args.lines:
        for line in expected_udp_lines() + expected_counter_lines():
            print(line)
