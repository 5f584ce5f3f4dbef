// The IA-32 system instructions the kernel uses, one inline function each.
// Port I/O, CLI/STI/HLT live in lib/io.h.
#ifndef MINIPC_FW_KERNEL_X86_H
#define MINIPC_FW_KERNEL_X86_H

#include <stdint.h>

#include "lib/io.h"

#define EFLAGS_IF 0x00000200u  // interrupt enable
#define EFLAGS_RESERVED 0x00000002u  // bit 1 always reads as 1

// Descriptor-table register image for LGDT/LIDT: 16-bit limit, 32-bit base.
struct __attribute__((packed)) dtr {
  uint16_t limit;
  uint32_t base;
};

static inline void lgdt(const void* table, uint16_t size) {
  struct dtr d = {(uint16_t)(size - 1), (uint32_t)table};
  __asm__ volatile("lgdt %0" : : "m"(d));
}

static inline void lidt(const void* table, uint16_t size) {
  struct dtr d = {(uint16_t)(size - 1), (uint32_t)table};
  __asm__ volatile("lidt %0" : : "m"(d));
}

static inline void ltr(uint16_t selector) {
  __asm__ volatile("ltr %0" : : "r"(selector));
}

static inline uint32_t read_eflags(void) {
  uint32_t eflags;
  __asm__ volatile("pushfl; popl %0" : "=r"(eflags));
  return eflags;
}

static inline uint32_t read_cr0(void) {
  uint32_t v;
  __asm__ volatile("movl %%cr0, %0" : "=r"(v));
  return v;
}

static inline uint32_t read_cr2(void) {
  uint32_t v;
  __asm__ volatile("movl %%cr2, %0" : "=r"(v));
  return v;
}

static inline uint32_t read_cr4(void) {
  uint32_t v;
  __asm__ volatile("movl %%cr4, %0" : "=r"(v));
  return v;
}

static inline void write_cr4(uint32_t v) {
  __asm__ volatile("movl %0, %%cr4" : : "r"(v) : "memory");
}

// CPUID leaf `leaf`: EAX, EBX, ECX, EDX into r[0..3].
static inline void cpuid(uint32_t leaf, uint32_t r[4]) {
  __asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3]) : "a"(leaf), "c"(0));
}

static inline uint64_t rdmsr(uint32_t index) {
  uint32_t lo, hi;
  __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(index));
  return ((uint64_t)hi << 32) | lo;
}

static inline void wrmsr(uint32_t index, uint64_t v) {
  __asm__ volatile("wrmsr" : : "c"(index), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)) : "memory");
}

static inline uint16_t read_cs(void) {
  uint16_t v;
  __asm__ volatile("movw %%cs, %0" : "=r"(v));
  return v;
}

static inline uint16_t read_ss(void) {
  uint16_t v;
  __asm__ volatile("movw %%ss, %0" : "=r"(v));
  return v;
}

static inline uint32_t read_esp(void) {
  uint32_t v;
  __asm__ volatile("movl %%esp, %0" : "=r"(v));
  return v;
}

// Interrupt state save/restore: the section between them runs with IF=0
// and leaves IF as it found it (nesting-safe, unlike a bare CLI/STI pair).
static inline uint32_t irq_save(void) {
  uint32_t eflags = read_eflags();
  cli();
  return eflags;
}

static inline void irq_restore(uint32_t eflags) {
  if (eflags & EFLAGS_IF)
    sti();
}

// STI;HLT: the one-instruction interrupt shadow of STI guarantees that an
// interrupt arriving between the two still wakes the HLT.
static inline void sti_hlt(void) {
  __asm__ volatile("sti; hlt" ::: "memory");
}

static inline void barrier(void) {
  __asm__ volatile("" ::: "memory");
}

#endif  // MINIPC_FW_KERNEL_X86_H
