// The interrupt descriptor table.
//
// Interrupt gates (IF cleared on entry) for everything, so the kernel decides
// when to re-enable interrupts (irq.c does, for nesting by priority). The
// system call is a trap gate with DPL 3: ring 3 may raise it with int 0x80
// and interrupts stay enabled while it runs.
#include <stdint.h>

#include "kernel/gdt.h"
#include "kernel/trap.h"
#include "kernel/x86.h"

#define GATE_INTR32 0x0E  // 32-bit interrupt gate
#define GATE_TRAP32 0x0F  // 32-bit trap gate
#define GATE_P 0x80       // present

struct __attribute__((packed)) gatedesc {
  uint16_t offset_lo;
  uint16_t selector;
  uint8_t zero;
  uint8_t type_attr;  // P | DPL << 5 | type
  uint16_t offset_hi;
};

extern const uint32_t vectors[256];  // vectors.S
static struct gatedesc idt[256];

static void set_gate(int vector, uint32_t handler, uint8_t type, int dpl) {
  idt[vector].offset_lo = handler & 0xFFFF;
  idt[vector].selector = KERNEL_CS;
  idt[vector].zero = 0;
  idt[vector].type_attr = (uint8_t)(GATE_P | (dpl << 5) | type);
  idt[vector].offset_hi = handler >> 16;
}

void idt_init(void) {
  for (int v = 0; v < 256; v++)
    set_gate(v, vectors[v], GATE_INTR32, DPL_KERNEL);
  set_gate(T_SYSCALL, vectors[T_SYSCALL], GATE_TRAP32, DPL_USER);
  lidt(idt, sizeof idt);
}
