// Segments: a flat 4 GiB code and data segment for ring 0 and for ring 3,
// and the one TSS. Protection comes from privilege levels, not from limits.
#ifndef MINIPC_FW_KERNEL_GDT_H
#define MINIPC_FW_KERNEL_GDT_H

// GDT slots.
#define SEG_NULL 0
#define SEG_KCODE 1
#define SEG_KDATA 2
#define SEG_UCODE 3
#define SEG_UDATA 4
#define SEG_TSS 5
#define NSEGS 6

#define DPL_KERNEL 0
#define DPL_USER 3

// Selectors: index << 3 | table indicator (0 = GDT) | requested privilege.
#define KERNEL_CS ((SEG_KCODE << 3) | DPL_KERNEL)  // 0x08
#define KERNEL_DS ((SEG_KDATA << 3) | DPL_KERNEL)  // 0x10
#define USER_CS ((SEG_UCODE << 3) | DPL_USER)      // 0x1B
#define USER_DS ((SEG_UDATA << 3) | DPL_USER)      // 0x23
#define TSS_SEL ((SEG_TSS << 3) | DPL_KERNEL)      // 0x28

#ifndef __ASSEMBLER__
#include <stdint.h>

// Loads the GDT, reloads every segment register, loads the task register.
void gdt_init(void);

// The stack the CPU switches to on an interrupt or trap from ring 3
// (TSS.SS0:ESP0). Set on every task switch to the new task's kernel stack.
void tss_set_kernel_stack(uint32_t esp0);
#endif

#endif  // MINIPC_FW_KERNEL_GDT_H
