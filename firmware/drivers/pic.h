// The 8259A programmable interrupt controller pair of the PC.
#ifndef MINIPC_FW_DRIVERS_PIC_H
#define MINIPC_FW_DRIVERS_PIC_H

#include <stdint.h>

#define PIC_MASTER_CMD 0x20
#define PIC_MASTER_DATA 0x21
#define PIC_SLAVE_CMD 0xA0
#define PIC_SLAVE_DATA 0xA1

#define PIC_VECTOR_BASE 0x20  // IRQ 0-7 -> 0x20-0x27, IRQ 8-15 -> 0x28-0x2F
#define PIC_CASCADE_IRQ 2     // the slave's INT is wired to the master's IR2

// Initialises both chips (ICW1-ICW4): edge triggered, cascaded, vectors
// 0x20-0x2F, 8086 mode, normal (not automatic) EOI; every line masked
// except the cascade.
void pic_init(void);

// Masks every line: APIC mode leaves the 8259A programmed but silent.
void pic_disable(void);

void pic_mask(int irq);
void pic_unmask(int irq);
// Specific EOI to the chip(s) that serve the line.
void pic_eoi(int irq);
// The in-service and request registers, slave << 8 | master (OCW3 reads).
uint16_t pic_read_isr(void);
uint16_t pic_read_irr(void);
uint16_t pic_read_imr(void);

// The 8259A as the kernel's irq_chip (registered for KERNEL_PIC by
// drivers/pc.c): init = pic_init, shutdown = pic_disable.
struct irq_chip;
extern const struct irq_chip pic_chip;

#endif  // MINIPC_FW_DRIVERS_PIC_H
