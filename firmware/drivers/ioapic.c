// I/O APIC: indirect registers through IOREGSEL/IOWIN.
#include "drivers/ioapic.h"

#include "drivers/lapic.h"
#include "kernel/irq.h"

#define IOREGSEL 0x00
#define IOWIN 0x10

#define IOAPIC_REG_ID 0x00
#define IOAPIC_REG_VER 0x01
#define IOAPIC_REG_REDTBL 0x10  // entry n: 0x10 + 2n (low), 0x11 + 2n (high)

#define REDIR_MASKED 0x00010000u
#define REDIR_LEVEL 0x00008000u      // 0 = edge
#define REDIR_ACTIVE_LOW 0x00002000u // 0 = active high
#define REDIR_LOGICAL 0x00000800u    // 0 = physical destination
#define REDIR_FIXED 0x00000000u      // delivery mode
#define REDIR_DEST_SHIFT 24          // in the high dword

#define ISA_TIMER_IRQ 0
#define ISA_TIMER_PIN 2

static uint32_t max_redirection;
static uint32_t dest_apic_id;
static uint32_t pin_entry_low[NR_IRQS];

static uint32_t ioapic_read(uint32_t reg) {
  *(volatile uint32_t*)(IOAPIC_BASE + IOREGSEL) = reg;
  return *(volatile uint32_t*)(IOAPIC_BASE + IOWIN);
}

static void ioapic_write(uint32_t reg, uint32_t value) {
  *(volatile uint32_t*)(IOAPIC_BASE + IOREGSEL) = reg;
  *(volatile uint32_t*)(IOAPIC_BASE + IOWIN) = value;
}

int ioapic_pin_for_irq(int irq) {
  return irq == ISA_TIMER_IRQ ? ISA_TIMER_PIN : irq;
}

uint32_t ioapic_max_redirection(void) {
  return max_redirection;
}

uint64_t ioapic_read_entry(int pin) {
  uint32_t lo = ioapic_read(IOAPIC_REG_REDTBL + 2 * (uint32_t)pin);
  uint32_t hi = ioapic_read(IOAPIC_REG_REDTBL + 2 * (uint32_t)pin + 1);
  return (uint64_t)hi << 32 | lo;
}

static void write_entry(int pin, uint32_t low) {
  // High dword first, so the entry is never unmasked with a stale target.
  ioapic_write(IOAPIC_REG_REDTBL + 2 * (uint32_t)pin + 1, dest_apic_id << REDIR_DEST_SHIFT);
  ioapic_write(IOAPIC_REG_REDTBL + 2 * (uint32_t)pin, low);
}

void ioapic_init(void) {
  max_redirection = (ioapic_read(IOAPIC_REG_VER) >> 16) & 0xFF;
  dest_apic_id = lapic_id();
  for (uint32_t pin = 0; pin <= max_redirection && pin < NR_IRQS; pin++)
    write_entry((int)pin, REDIR_MASKED);
  for (int irq = 0; irq < NR_IRQS; irq++)
    pin_entry_low[irq] = REDIR_FIXED | (uint32_t)IOAPIC_VECTOR(irq);  // edge, high, physical
}

static void ioapic_mask(int irq) {
  write_entry(ioapic_pin_for_irq(irq), pin_entry_low[irq] | REDIR_MASKED);
}

static void ioapic_unmask(int irq) {
  write_entry(ioapic_pin_for_irq(irq), pin_entry_low[irq]);
}

// Edge-triggered lines end at the LAPIC only.
static void ioapic_eoi(int irq) {
  (void)irq;
  lapic_eoi();
}

static int ioapic_vector(int irq) {
  return IOAPIC_VECTOR(irq);
}

// APIC mode needs both halves: the LAPIC that takes the messages, then the
// IOAPIC that sends them (its entries name the LAPIC's id).
static void apic_init(void) {
  lapic_init();
  ioapic_init();
}

const struct irq_chip ioapic_chip = {
    .name = "IOAPIC",
    .init = apic_init,
    .shutdown = 0,
    .mask = ioapic_mask,
    .unmask = ioapic_unmask,
    .eoi = ioapic_eoi,
    .spurious = 0,
    .vector = ioapic_vector,
};
