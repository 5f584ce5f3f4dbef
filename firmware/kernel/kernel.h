// Bringing the kernel up: one call with the interrupt mode (KERNEL_PIC or
// KERNEL_APIC, irq.h). The controllers and the tick come from the machine
// (kernel/machine.h), not from driver headers.
#ifndef MINIPC_FW_KERNEL_KERNEL_H
#define MINIPC_FW_KERNEL_KERNEL_H

#include "kernel/irq.h"

// Segments, IDT, the machine's drivers (machine_init()), the interrupt
// controller, tasks (main becomes pid 1, idle pid 0), softirqs and tasklets
// (ksoftirqd), the workqueue (kworker) and the tick at HZ; enables
// interrupts. Prints nothing, unless the machine lacks a controller or a
// tick for the mode: then it says so and exits with KERNEL_EXIT_NO_DEVICE.
void kernel_init(enum kernel_irq_mode mode);

extern enum kernel_irq_mode kernel_irq_mode;

#define KERNEL_EXIT_NO_DEVICE 63

// Ends the run: exit port with `code` (0 pass, 1-63 the failed check).
__attribute__((noreturn)) void kernel_exit(int code);

#endif  // MINIPC_FW_KERNEL_KERNEL_H
