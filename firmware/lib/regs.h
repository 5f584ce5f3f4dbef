// One register accessor for port I/O and MMIO.
//
// A device whose register block the platform can map in the I/O space, the
// memory space or both (the DMAC, the ATA bus master; docs/dma.md) is
// driven through a struct regs: the driver says where the block is once and
// every access goes the chosen way, so the same driver code can run either
// way and the two can be compared (docs/experiments/mmio_vs_port_io.md).
// Drivers of blocks that only exist in one space (8259A, 8254: ports; LAPIC,
// IOAPIC: memory) keep their plain inb/outb or volatile accesses.
#ifndef MINIPC_FW_LIB_REGS_H
#define MINIPC_FW_LIB_REGS_H

#include <stdint.h>

#include "lib/io.h"

enum regs_kind { REGS_PORT, REGS_MMIO };

struct regs {
  enum regs_kind kind;
  uint32_t base;  // first port, or physical address (identity-mapped)
};

static inline struct regs regs_port(uint16_t port) {
  return (struct regs){REGS_PORT, port};
}

static inline struct regs regs_mmio(uint32_t addr) {
  return (struct regs){REGS_MMIO, addr};
}

static inline const char* regs_kind_name(enum regs_kind kind) {
  return kind == REGS_MMIO ? "mmio" : "port";
}

// One access each; `off` is the register's offset in the block. The kind
// test is a compare and a branch: cheaper than a call through a pointer.
static inline uint8_t reg_read8(const struct regs* r, uint32_t off) {
  if (r->kind == REGS_MMIO)
    return *(volatile uint8_t*)(r->base + off);
  return inb((uint16_t)(r->base + off));
}

static inline uint16_t reg_read16(const struct regs* r, uint32_t off) {
  if (r->kind == REGS_MMIO)
    return *(volatile uint16_t*)(r->base + off);
  return inw((uint16_t)(r->base + off));
}

static inline uint32_t reg_read32(const struct regs* r, uint32_t off) {
  if (r->kind == REGS_MMIO)
    return *(volatile uint32_t*)(r->base + off);
  return inl((uint16_t)(r->base + off));
}

static inline void reg_write8(const struct regs* r, uint32_t off, uint8_t v) {
  if (r->kind == REGS_MMIO)
    *(volatile uint8_t*)(r->base + off) = v;
  else
    outb((uint16_t)(r->base + off), v);
}

static inline void reg_write16(const struct regs* r, uint32_t off, uint16_t v) {
  if (r->kind == REGS_MMIO)
    *(volatile uint16_t*)(r->base + off) = v;
  else
    outw((uint16_t)(r->base + off), v);
}

static inline void reg_write32(const struct regs* r, uint32_t off, uint32_t v) {
  if (r->kind == REGS_MMIO)
    *(volatile uint32_t*)(r->base + off) = v;
  else
    outl((uint16_t)(r->base + off), v);
}

#endif  // MINIPC_FW_LIB_REGS_H
