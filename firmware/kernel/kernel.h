// Bringing the kernel up: one call with the interrupt mode.
//
// KERNEL_PIC:  devices -> 8259A pair -> INTR (vectors 0x20-0x2F)
// KERNEL_APIC: devices -> IOAPIC -> LAPIC (vectors 0x30-0xEF), 8259A masked
#ifndef MINIPC_FW_KERNEL_KERNEL_H
#define MINIPC_FW_KERNEL_KERNEL_H

enum kernel_irq_mode { KERNEL_PIC, KERNEL_APIC };

// Segments, IDT, interrupt controller, tasks (main becomes pid 1, idle
// pid 0), softirqs and tasklets (ksoftirqd), the workqueue (kworker) and the
// tick at HZ; enables interrupts. Prints nothing.
void kernel_init(enum kernel_irq_mode mode);

extern enum kernel_irq_mode kernel_irq_mode;

// Ends the run: exit port with `code` (0 pass, 1-63 the failed check).
__attribute__((noreturn)) void kernel_exit(int code);

#endif  // MINIPC_FW_KERNEL_KERNEL_H
