// lapic-pic: the local APIC in PIC mode. On a PC the LAPIC is always there:
// the BIOS leaves LVT LINT0 as ExtINT (virtual wire), so the 8259A's
// interrupts reach the CPU through it, and the LAPIC's own sources (its
// timer, IPIs) are delivered too, without the IOAPIC.
//
//   virtual wire  LVT LINT0 reads ExtINT unmasked at entry (0x8700 from SeaBIOS); the PIT
//                 ticks through the 8259A (vectors 0x20-0x2F) go on after
//                 the LAPIC is software-enabled
//   self-IPI      ICR with the "self" shorthand, fixed, vector 0x40
//   LAPIC timer   periodic on LAPIC_TIMER_VECTOR, 5 interrupts
#include <stdint.h>

#include "drivers/lapic.h"
#include "kernel/check.h"
#include "kernel/kernel.h"
#include "kernel/timer.h"
#include "kernel/trap.h"
#include "kernel/x86.h"
#include "lib/console.h"

// Register offsets (Intel SDM vol. 3, table 10-1).
#define LAPIC_SVR 0x0F0
#define LAPIC_ICR_LOW 0x300
#define LAPIC_LVT_LINT0 0x350

#define SVR_APIC_ENABLED (1u << 8)
#define ICR_DELIVERY_STATUS (1u << 12)
#define ICR_SHORTHAND_SELF (1u << 18)
#define LVT_MASKED (1u << 16)
#define LVT_DELIVERY_MODE (7u << 8)
#define LVT_EXTINT (7u << 8)
#define SELF_IPI_VECTOR 0x40

static volatile uint32_t ipi_count, lapic_ticks;

static uint32_t lapic_read(uint32_t reg) { return *(volatile uint32_t*)(LAPIC_BASE + reg); }
static void lapic_write(uint32_t reg, uint32_t v) { *(volatile uint32_t*)(LAPIC_BASE + reg) = v; }

static void self_ipi(struct trapframe* tf) {
  (void)tf;
  ipi_count++;
  lapic_eoi();
}

static void lapic_timer_interrupt(struct trapframe* tf) {
  (void)tf;
  lapic_ticks++;
  lapic_eoi();
}

static int wait_for(volatile uint32_t* counter, uint32_t n) {
  uint32_t j = jiffies;
  while (*counter < n && jiffies - j < 100)
    __asm__ volatile("pause");
  return *counter >= n;
}

int main(void) {
  console_init();
  uint32_t lint0 = lapic_read(LAPIC_LVT_LINT0);
  kernel_init(KERNEL_PIC);
  check(1, (lint0 & (LVT_MASKED | LVT_DELIVERY_MODE)) == LVT_EXTINT,
        "lapic-pic: LVT LINT0 is ExtINT, unmasked, at entry (virtual wire)");

  // Software-enable the LAPIC (spurious vector 0xFF), leaving LINT0 as the
  // BIOS set it: the 8259A still reaches INTR through it.
  lapic_write(LAPIC_SVR, SVR_APIC_ENABLED | LAPIC_SPURIOUS_VECTOR);
  uint32_t j = jiffies;
  while (jiffies - j < 3)
    __asm__ volatile("pause");
  check(2, jiffies - j >= 3, "lapic-pic: PIT ticks through the 8259A and LINT0 go on");

  trap_set_handler(SELF_IPI_VECTOR, self_ipi);
  lapic_write(LAPIC_ICR_LOW, ICR_SHORTHAND_SELF | SELF_IPI_VECTOR);
  check(3, wait_for(&ipi_count, 1) && ipi_count == 1, "lapic-pic: self-IPI on vector 0x%x delivered once",
        SELF_IPI_VECTOR);
  check(4, !(lapic_read(LAPIC_ICR_LOW) & ICR_DELIVERY_STATUS), "lapic-pic: ICR delivery status idle");

  trap_set_handler(LAPIC_TIMER_VECTOR, lapic_timer_interrupt);
  lapic_timer_periodic(LAPIC_DIV_16, 20000);
  int fired = wait_for(&lapic_ticks, 5);
  lapic_timer_stop();
  check(5, fired, "lapic-pic: LAPIC timer interrupts delivered (5 on vector 0x%x)", LAPIC_TIMER_VECTOR);
  check(6, (lapic_read(LAPIC_LVT_LINT0) & LVT_MASKED) == 0, "lapic-pic: LINT0 still unmasked");
  check_exit("lapic-pic");
}
