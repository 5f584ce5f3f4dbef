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


# ---- device (device_fuzz.cpp): a device byte, then 8-byte operations ------------

def op(kind, socket=0, offset=0, value=0, size=0):
    return bytes([kind | size << 3, socket, offset & 0xFF, offset >> 8]) + struct.pack("<I", value & 0xFFFFFFFF)


def rd(socket, offset, size=0):
    return op(0, socket, offset, 0, size)


def wr(socket, offset, value, size=0):
    return op(1, socket, offset, value, size)


def pin(n, level):
    return op(4, value=n | level << 4)


def wait(count, unit):  # count <= 255 of unit 0: 1 ns, 1: 100 ns, 2: 2 us, 3: 50 us
    return op(5, value=count | unit << 16)


def special(v):
    return op(6, value=v)


def device_seeds():
    s = {}
    pic_init = b"".join(wr(0, 0, 0x11) + wr(0, 1, 0x20) + wr(0, 1, 0x04) + wr(0, 1, 0x01) +
                        wr(1, 0, 0x11) + wr(1, 1, 0x28) + wr(1, 1, 0x02) + wr(1, 1, 0x01) for _ in [0])
    s["pic_irq_inta_eoi"] = bytes([0]) + pic_init + pin(0, 1) + special(1) + pin(9, 1) + special(1) + \
        wr(1, 0, 0x20) + wr(0, 0, 0x20) + wr(0, 0, 0x0B) + rd(0, 0) + pin(0, 0) + pin(0, 1)
    s["pic_level_rotate_smm"] = bytes([0]) + pic_init + wr(2, 0, 0xF8) + wr(3, 0, 0xDE) + pin(3, 1) + pin(5, 1) + \
        special(1) + wr(0, 0, 0x68) + special(1) + wr(0, 0, 0xA0) + wr(0, 0, 0x0C) + rd(0, 0) + wr(0, 0, 0xC3)
    s["pit_modes"] = bytes([1]) + wr(0, 3, 0x34) + wr(0, 0, 0x10) + wr(0, 0, 0x00) + pin(2, 1) + wr(0, 3, 0xB6) + \
        wr(0, 2, 0x05) + wr(0, 2, 0x00) + wait(25, 2) + wr(0, 3, 0xC2) + rd(0, 0) + rd(0, 2) + wr(0, 3, 0x92) + \
        wr(0, 2, 3) + wait(30, 2)
    s["rtc_periodic"] = bytes([2]) + wr(0, 0, 0x0A) + wr(0, 1, 0x26) + wr(0, 0, 0x0B) + wr(0, 1, 0x42) + \
        wait(100, 2) + wr(0, 0, 0x0C) + rd(0, 1) + wr(0, 0, 0x00) + rd(0, 1) + wr(0, 0, 0x0B) + wr(0, 1, 0x22) + \
        wait(40, 3)
    s["uart_fifo_loopback"] = bytes([3]) + wr(0, 3, 0x80) + wr(0, 0, 0x01) + wr(0, 1, 0x00) + wr(0, 3, 0x03) + \
        wr(0, 2, 0xC7) + wr(0, 4, 0x1B) + wr(0, 1, 0x0F) + b"".join(wr(0, 0, 0x41 + i) for i in range(20)) + \
        wait(150, 2) + rd(0, 5) + rd(0, 2) + rd(0, 0) + rd(0, 0) + wait(50, 2) + rd(0, 2)
    s["kbd_commands"] = bytes([4]) + wr(0, 4, 0x20) + rd(0, 0) + wr(0, 4, 0x60) + wr(0, 0, 0x47) + \
        wr(0, 0, 0xFF) + wait(60, 3) + rd(0, 4) + rd(0, 0) + wr(0, 4, 0xD1) + wr(0, 0, 0xDF) + wr(0, 4, 0xAA) + \
        rd(0, 0) + wr(0, 0, 0xF4) + wait(40, 3) + rd(0, 0)
    # DMAC: channel 0 registers at 0x20 (SRC, DST, COUNT, CTRL), IRQ_ENABLE all
    s["dma_copy_and_bad_address"] = bytes([5]) + wr(0, 0x0C, 0xFFFF, 2) + wr(0, 0x20, 0x100, 2) + \
        wr(0, 0x24, 0x2000, 2) + wr(0, 0x28, 0x40, 2) + wr(0, 0x2C, 0x1991, 2) + wait(10, 2) + rd(0, 0x08, 2) + \
        wr(0, 0x08, 0xFFFF, 2) + wr(0, 0x20, 0xFFFFF000, 2) + wr(0, 0x28, 0x100, 2) + wr(0, 0x2C, 0x1991, 2) + \
        wait(10, 2) + rd(0, 0x08, 2) + pin(1, 1) + wait(50, 1)
    # ATA: IDENTIFY by PIO, then a DMA read with a PRD table at 0x1000 (zeroes:
    # a zero-length entry) and one outside RAM
    s["ata_identify_dma"] = bytes([6]) + wr(0, 6, 0xE0) + wr(0, 7, 0xEC) + wait(10, 2) + rd(0, 7) + \
        b"".join(rd(0, 0, 1) for _ in range(8)) + wr(0, 2, 1) + wr(0, 3, 5) + wr(0, 7, 0xC8) + \
        wr(2, 4, 0x1000, 2) + wr(2, 0, 0x09) + wait(100, 2) + rd(2, 2) + wr(2, 0, 0) + wr(2, 4, 0xFFFF0000, 2) + \
        wr(0, 7, 0xC8) + wr(2, 0, 0x09) + wait(100, 2) + rd(2, 2) + rd(0, 7) + wr(1, 0, 0x04) + wait(50, 1) + \
        wr(1, 0, 0x00)
    # NIC: receive ring at 0x1000 (zeroed descriptors: buffers at 0), frames;
    # then a ring outside RAM; transmit; interrupts; the I/O window
    s["nic_rx_tx"] = bytes([7]) + wr(0, 0x0000, 0x40, 2) + wr(0, 0x00D0, 0x9F, 2) + wr(0, 0x2800, 0x1000, 2) + \
        wr(0, 0x2808, 0x80, 2) + wr(0, 0x2818, 4, 2) + wr(0, 0x0100, 0x0400801A, 2) + special(0x1003) + \
        wait(10, 2) + rd(0, 0x00C0, 2) + rd(0, 0x4074, 2) + special(0x4004) + wait(10, 2) + \
        wr(0, 0x3800, 0x2000, 2) + wr(0, 0x3808, 0x80, 2) + wr(0, 0x0400, 0x0A, 2) + wr(0, 0x3818, 2, 2) + \
        wait(10, 2) + wr(0, 0x2800, 0xFFFFF000, 2) + wr(0, 0x0100, 0, 2) + wr(0, 0x0100, 0x801A, 2) + \
        special(0x3003) + wait(10, 2) + wr(1, 0, 0x0008, 2) + rd(1, 4, 2) + wr(0, 0x00C4, 100, 2) + \
        wr(0, 0x00C8, 0x4, 2) + wait(15, 2) + rd(0, 0x00C0, 2) + wr(0, 0, 0x04000000, 2)
    s["nic_config_msi"] = bytes([7]) + special(0xE40006 ^ 0x0) + special(0x0100E404 | 0x2) + \
        wr(0, 0x00D0, 0xFF, 2) + wr(0, 0x00C8, 0x80, 2) + wait(50, 1) + rd(0, 0x00C0, 2)
    for name, data in s.items():
        write(os.path.join("device", name), data)


device_seeds()
