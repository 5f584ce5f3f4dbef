// irq-storm: a fault on purpose. The local APIC timer, periodic with an
// initial count of 1 and divide by 1, interrupts faster than any ISR can
// run: nothing outside the ISR makes progress. minipc's interrupt-storm
// detector (platform.irq_storm_per_ms) must stop the run (exit 95) naming
// the vector and the LAPIC timer, within a few simulated milliseconds,
// instead of simulating to the time limit (which never comes in host time).
#include <stdint.h>

#include "drivers/lapic.h"
#include "kernel/kernel.h"
#include "kernel/trap.h"
#include "lib/console.h"
#include "lib/printf.h"

#define LAPIC_SVR 0x0F0
#define SVR_APIC_ENABLED (1u << 8)

static volatile uint32_t ticks;

static void lapic_timer_interrupt(struct trapframe* tf) {
  (void)tf;
  ticks++;
  lapic_eoi();
}

int main(void) {
  console_init();
  kernel_init(KERNEL_PIC);
  *(volatile uint32_t*)(LAPIC_BASE + LAPIC_SVR) = SVR_APIC_ENABLED | LAPIC_SPURIOUS_VECTOR;
  trap_set_handler(LAPIC_TIMER_VECTOR, lapic_timer_interrupt);
  printf("irq-storm: LAPIC timer periodic, count 1, divide 1, vector 0x%x\n", LAPIC_TIMER_VECTOR);
  lapic_timer_periodic(LAPIC_DIV_1, 1);
  for (;;)
    printf("irq-storm: main loop ran (%u ticks)\n", ticks);
}
