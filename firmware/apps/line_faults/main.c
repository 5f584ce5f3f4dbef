// line-faults: drivers that notice the interrupts that never came, under
// the interrupt-line faults of platform/configs/line_faults.yaml
// (docs/faults.md):
//
//   100 ms  irq8 lost_edge      the RTC raises IRQ 8 and the 8259A (edge-
//                               triggered) never sees the edge. Register C is
//                               never read, so the RTC's IRQ output stays
//                               high and no edge ever comes again: the RTC
//                               goes silent for good (a classic PC hang).
//   400 ms  irq8 stuck_low      for 30 ms: the periods in between are lost;
//                               when the line is let go the RTC's pending
//                               request makes an edge, so it recovers alone.
//   600 ms  irq5 glitch         a pulse on an edge-triggered line whose
//                               driver's device did not ask.
//
// The RTC driver's watchdog (a kernel task waking every 100 ms) reads
// register C when a whole period went by without an interrupt: that
// acknowledges the request the 8259A missed, the line drops, and the next
// periodic interrupt makes a fresh edge (Linux drivers do the same with a
// timer that polls the device when an interrupt is overdue).
#include <stdint.h>

#include "drivers/rtc.h"
#include "kernel/check.h"
#include "kernel/irq.h"
#include "kernel/kernel.h"
#include "kernel/task.h"
#include "kernel/timer.h"
#include "lib/console.h"
#include "lib/printf.h"

#define RTC_RATE_64HZ 10
#define WATCHDOG_MS 100
#define GHOST_IRQ 5

static volatile uint32_t rtc_count, ghost_calls;
static volatile uint32_t revived, revived_at_ms;
static volatile uint32_t count_at_350, count_at_700;

static int rtc_interrupt(int irq, void* dev) {
  (void)irq;
  (void)dev;
  if (!(rtc_irq_status() & RTC_C_PF))
    return IRQ_NONE;
  rtc_count++;
  return IRQ_HANDLED;
}

static int ghost_interrupt(int irq, void* dev) {
  (void)irq;
  (void)dev;
  ghost_calls++;
  return IRQ_NONE;
}

// Every WATCHDOG_MS: a window without a single RTC interrupt (64 are due)
// means the request was lost: acknowledge it by hand.
static void watchdog(void* arg) {
  (void)arg;
  uint32_t last = rtc_count;
  for (;;) {
    task_sleep_ticks(WATCHDOG_MS * HZ / 1000);
    uint32_t now = rtc_count;
    if (now == last) {
      rtc_ack();
      revived++;
      revived_at_ms = uptime_ms();
    }
    last = now;
  }
}

int main(void) {
  console_init();
  kernel_init(KERNEL_PIC);
  request_irq(RTC_IRQ, rtc_interrupt, 0, "rtc");
  request_irq(GHOST_IRQ, ghost_interrupt, 0, "ghost");
  rtc_set_rate(RTC_RATE_64HZ);
  rtc_ack();
  rtc_enable(RTC_B_PIE);
  task_create_kernel("rtc-watchdog", watchdog, 0);

  while (uptime_ms() < 350)
    task_sleep_ticks(1);
  count_at_350 = rtc_count;
  while (uptime_ms() < 700)
    task_sleep_ticks(1);
  count_at_700 = rtc_count;
  uint32_t revived_by_700 = revived;
  while (uptime_ms() < 900)
    task_sleep_ticks(1);
  rtc_disable(RTC_B_PIE);

  check(1, revived_by_700 == 1, "line-faults: the RTC went silent after the lost edge; the watchdog revived it once");
  check(2, count_at_350 > 0 && count_at_700 > count_at_350 + 10,
        "line-faults: RTC interrupts came back after the stuck-low line, without the watchdog");
  check(3, irq_desc[GHOST_IRQ].count == 1 && irq_desc[GHOST_IRQ].unhandled == 1 && ghost_calls == 1,
        "line-faults: the glitch on IRQ 5 was one delivery nobody claimed");
  check(4, revived == 1 && rtc_count > 64 / 2, "line-faults: the RTC kept interrupting to the end");
  check_exit("line-faults");
}
