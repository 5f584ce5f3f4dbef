#!/usr/bin/env python3
"""Writes the binary seed inputs of the loader fuzz targets (pcap, elf).

    python3 testbench/fuzz/seeds/make_seeds.py

The files are committed; this script documents how they were made. The config
seeds are YAML text written by hand.
"""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))


def write(rel, data):
    path = os.path.join(HERE, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


# ---- pcap ----------------------------------------------------------------------

def eth(ethertype, payload, dst=b"\x52\x54\x00\x12\x34\x56", src=b"\x52\x54\x00\x12\x34\x57"):
    return dst + src + struct.pack(">H", ethertype) + payload


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack(">%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def ipv4(proto, payload, src=bytes([10, 0, 2, 2]), dst=bytes([10, 0, 2, 15])):
    h = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), 1, 0, 64, proto, 0, src, dst)
    h = h[:10] + struct.pack(">H", csum(h)) + h[12:]
    return h + payload


def udp(payload):
    return struct.pack(">HHHH", 49152, 5000, 8 + len(payload), 0) + payload


def icmp_echo(payload):
    h = struct.pack(">BBHHH", 8, 0, 0, 0x4D50, 1) + payload
    return h[:2] + struct.pack(">H", csum(h)) + h[4:]


ARP = eth(0x0806, struct.pack(">HHBBH6s4s6s4s", 1, 0x0800, 6, 4, 1, b"\x52\x54\x00\x12\x34\x57",
                              bytes([10, 0, 2, 2]), b"\0" * 6, bytes([10, 0, 2, 15])) + b"\0" * 18,
          dst=b"\xff" * 6)
UDP = eth(0x0800, ipv4(17, udp(bytes(range(18)))))
ICMP = eth(0x0800, ipv4(1, icmp_echo(bytes(range(56)))))
VLAN = eth(0x8100, struct.pack(">HH", 5, 0x0800) + ipv4(17, udp(b"x" * 14)))


def pcap(frames, magic=0xA1B2C3D4, snaplen=65535, linktype=1, big=False):
    e = ">" if big else "<"
    out = struct.pack(e + "IHHiIII", magic, 2, 4, 0, 0, snaplen, linktype)
    for i, f in enumerate(frames):
        out += struct.pack(e + "IIII", 1000 + i, 500 * i, len(f), len(f)) + f
    return out


def pcapng(frames):
    def block(btype, body):
        body += b"\0" * (-len(body) % 4)
        n = 12 + len(body)
        return struct.pack("<II", btype, n) + body + struct.pack("<I", n)
    out = block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1))
    out += block(1, struct.pack("<HHI", 1, 0, 65535))
    for i, f in enumerate(frames):
        out += block(6, struct.pack("<IIIII", 0, 0, 1000 + i, len(f), len(f)) + f)
    return out


write("pcap/one_udp.pcap", pcap([UDP]))
write("pcap/mixed.pcap", pcap([ARP, UDP, ICMP, VLAN]))
write("pcap/nanosecond_big_endian.pcap", pcap([UDP, ICMP], magic=0xA1B23C4D, big=True))
write("pcap/two.pcapng", pcapng([ARP, UDP]))

# ---- ELF -----------------------------------------------------------------------

def elf(code, paddr=0x100000 - 0x10000, vaddr=None, extra_phdrs=()):
    """An ELF32 i386 ET_EXEC with one PT_LOAD holding a Multiboot header and code."""
    vaddr = paddr if vaddr is None else vaddr
    mb = struct.pack("<III", 0x1BADB002, 0x3, (-(0x1BADB002 + 0x3)) & 0xFFFFFFFF)
    body = mb + code
    phnum = 1 + len(extra_phdrs)
    off = 52 + 32 * phnum
    entry = vaddr + len(mb)
    ehdr = struct.pack("<16sHHIIIIIHHHHHH", b"\x7fELF\x01\x01\x01" + b"\0" * 9, 2, 3, 1, entry, 52, 0, 0,
                       52, 32, phnum, 40, 0, 0)
    ph = struct.pack("<IIIIIIII", 1, off, vaddr, paddr, len(body), len(body) + 0x100, 7, 0x1000)
    for p in extra_phdrs:
        ph += p
    return ehdr + ph + body


HLT_LOOP = b"\xfa\xf4\xeb\xfd"  # cli; hlt; jmp $-1
write("elf/tiny.elf", elf(HLT_LOOP))
write("elf/low.elf", elf(b"\xb0\x41\xe6\xe9" + HLT_LOOP, paddr=0x1000))
write("elf/two_segments.elf", elf(HLT_LOOP, paddr=0x2000, vaddr=0xC0002000,
                                  extra_phdrs=[struct.pack("<IIIIIIII", 1, 52, 0xC0010000, 0x10000, 8, 0x2000, 6, 0x1000),
                                               struct.pack("<IIIIIIII", 4, 0, 0, 0, 0, 0, 4, 4)]))
