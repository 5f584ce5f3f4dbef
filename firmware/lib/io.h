// x86 port I/O and the few privileged instructions C cannot say.
#ifndef MINIPC_FW_LIB_IO_H
#define MINIPC_FW_LIB_IO_H

#include <stdint.h>

static inline uint8_t inb(uint16_t port) {
  uint8_t value;
  __asm__ volatile("inb %1, %0" : "=a"(value) : "Nd"(port));
  return value;
}

static inline uint16_t inw(uint16_t port) {
  uint16_t value;
  __asm__ volatile("inw %1, %0" : "=a"(value) : "Nd"(port));
  return value;
}

static inline uint32_t inl(uint16_t port) {
  uint32_t value;
  __asm__ volatile("inl %1, %0" : "=a"(value) : "Nd"(port));
  return value;
}

static inline void outb(uint16_t port, uint8_t value) {
  __asm__ volatile("outb %0, %1" : : "a"(value), "Nd"(port));
}

static inline void outw(uint16_t port, uint16_t value) {
  __asm__ volatile("outw %0, %1" : : "a"(value), "Nd"(port));
}

static inline void outl(uint16_t port, uint32_t value) {
  __asm__ volatile("outl %0, %1" : : "a"(value), "Nd"(port));
}

// String I/O: `count` words (dwords) between a port and memory (REP INSW /
// OUTSW / INSL / OUTSL), e.g. an ATA Data register.
static inline void insw(uint16_t port, void* buf, uint32_t count) {
  __asm__ volatile("cld; rep insw" : "+D"(buf), "+c"(count) : "d"(port) : "memory");
}

static inline void outsw(uint16_t port, const void* buf, uint32_t count) {
  __asm__ volatile("cld; rep outsw" : "+S"(buf), "+c"(count) : "d"(port) : "memory");
}

static inline void insl(uint16_t port, void* buf, uint32_t count) {
  __asm__ volatile("cld; rep insl" : "+D"(buf), "+c"(count) : "d"(port) : "memory");
}

static inline void outsl(uint16_t port, const void* buf, uint32_t count) {
  __asm__ volatile("cld; rep outsl" : "+S"(buf), "+c"(count) : "d"(port) : "memory");
}

static inline void cli(void) { __asm__ volatile("cli" ::: "memory"); }
static inline void sti(void) { __asm__ volatile("sti" ::: "memory"); }
static inline void hlt(void) { __asm__ volatile("hlt" ::: "memory"); }

#endif  // MINIPC_FW_LIB_IO_H
