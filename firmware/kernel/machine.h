// The machine under the kernel: the one function the kernel needs from the
// drivers, by name, so that no kernel file includes a driver header.
//
// machine_init() is the board's (drivers/pc.c for the PC): it registers the
// interrupt controller of each mode (irq_register_chip, irq.h) and the tick
// device (clockevent_register, timer.h). kernel_init() calls it once, after
// the IDT is loaded and before it programs any controller. Devices that are
// not the kernel's own (keyboard, disk, DMA) register themselves when a
// scenario initialises them.
#ifndef MINIPC_FW_KERNEL_MACHINE_H
#define MINIPC_FW_KERNEL_MACHINE_H

void machine_init(void);

#endif  // MINIPC_FW_KERNEL_MACHINE_H
