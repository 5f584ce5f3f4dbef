// irq-faults: the kernel under interrupt-line faults injected by the
// platform (docs/faults.md; the faults are in
// platform/configs/irq_faults.yaml):
//
//   20 ms  pic spurious (master)   INT rises for a request gone by INTA:
//                                  IR7's vector, no ISR bit (IRQ 7)
//   22 ms  pic spurious (slave)    the same through the cascade: IRQ 15,
//                                  with the master's IR2 in service
//   80 ms  irq5 stuck_high         a level-triggered line (ELCR) stuck high
//                                  whose driver's device never asks
//
// The kernel must count the spurious deliveries without running a handler
// (and end the master's cascade level for IRQ 15), and disable IRQ 5 after
// 100,000 deliveries nobody claimed, as Linux's "nobody cared" does; the
// tick must keep running through all of it.
#include <stdint.h>

#include "drivers/pic.h"
#include "kernel/check.h"
#include "kernel/irq.h"
#include "kernel/kernel.h"
#include "kernel/timer.h"
#include "lib/console.h"
#include "lib/io.h"
#include "lib/printf.h"

#define GHOST_IRQ 5
#define ELCR1 0x4D0  // PIIX ELCR for IRQ 0-7: 1 = level-triggered

static volatile uint32_t ghost_calls;

// The driver of a device on IRQ 5 that never raises it: it checks its
// device and claims nothing.
static int ghost_interrupt(int irq, void* dev) {
  (void)irq;
  (void)dev;
  ghost_calls++;
  return IRQ_NONE;
}

int main(void) {
  console_init();
  kernel_init(KERNEL_PIC);
  outb(ELCR1, (uint8_t)(inb(ELCR1) | (1u << GHOST_IRQ)));
  request_irq(GHOST_IRQ, ghost_interrupt, 0, "ghost");

  // The spurious interrupts come at 20 and 22 ms, the stuck line at 80 ms
  // (simulated time from power-on; uptime counts from the timer start).
  while (uptime_ms() < 30)
    ;
  printf("irq-faults: IRQ 7: %u spurious, %u handled; IRQ 15: %u spurious, %u handled\n",
         (unsigned)irq_desc[7].spurious, (unsigned)irq_desc[7].count, (unsigned)irq_desc[15].spurious,
         (unsigned)irq_desc[15].count);
  check(1, irq_desc[7].spurious == 1 && irq_desc[7].count == 0,
        "irq-faults: spurious IRQ 7 counted, no handler run");
  check(2, irq_desc[15].spurious == 1 && irq_desc[15].count == 0,
        "irq-faults: spurious IRQ 15 counted, no handler run");
  check(3, (pic_read_isr() & 0xFFFFu) == 0, "irq-faults: no level left in service (cascade ended)");

  // The storm: main runs again only when the kernel has disabled the line.
  uint32_t limit = uptime_ms() + 5000;
  while (!*(volatile int*)&irq_desc[GHOST_IRQ].nobody_cared && uptime_ms() < limit)
    ;
  struct irq_desc* d = &irq_desc[GHOST_IRQ];
  check(4, d->nobody_cared && (d->status & IRQ_DISABLED), "irq-faults: IRQ 5 stuck high: nobody cared, line disabled");
  check(5, d->unhandled == NOBODY_CARED_WINDOW && ghost_calls == NOBODY_CARED_WINDOW,
        "irq-faults: %u deliveries, none claimed", NOBODY_CARED_WINDOW);
  uint32_t calls = ghost_calls, now = jiffies;
  timer_busy_wait(10);
  check(6, ghost_calls == calls && jiffies >= now + 10, "irq-faults: the tick runs on, IRQ 5 stays quiet");
  check_exit("irq-faults");
}
