// The I/O APIC (Intel 82093AA datasheet) at its default physical address.
//
// ISA lines reach IOAPIC inputs one to one, except IRQ 0 (the 8254), which a
// PC wires to input 2 (the MP/ACPI "interrupt source override"); minipc's
// platform follows the PC. Every line gets its own vector, chosen so that a
// lower IRQ number has a higher LAPIC priority class, like the 8259A's
// fixed priorities: vector = 0xE8 - 8 * irq (IRQ 0: 0xE8 ... IRQ 23: 0x30).
#ifndef MINIPC_FW_DRIVERS_IOAPIC_H
#define MINIPC_FW_DRIVERS_IOAPIC_H

#include <stdint.h>

#define IOAPIC_BASE 0xFEC00000u

#define IOAPIC_VECTOR(irq) (0xE8 - 8 * (irq))

// Reads the version, masks every redirection entry (edge, active high,
// fixed delivery, physical destination = this CPU's LAPIC id).
void ioapic_init(void);
int ioapic_pin_for_irq(int irq);
uint32_t ioapic_max_redirection(void);
// The redirection entry of a pin, high dword << 32 | low.
uint64_t ioapic_read_entry(int pin);

// The IOAPIC (with the LAPIC) as the kernel's irq_chip, registered for
// KERNEL_APIC by drivers/pc.c: init = lapic_init() then ioapic_init().
struct irq_chip;
extern const struct irq_chip ioapic_chip;

#endif  // MINIPC_FW_DRIVERS_IOAPIC_H
