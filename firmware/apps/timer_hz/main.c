// timer-hz: the tick is HZ per second.
//
// The PIT runs in mode 2 at 1193182/HZ. Jiffies are compared with two
// other clocks: the MC146818's once-a-second update-ended interrupt (timed
// by the RTC's own 32.768 kHz divider; IRQ 8 with UIE), and
// the PIT's channel 0 count read back with the latch command, which must
// count down between ticks and make jiffies*divisor + elapsed monotonic.
#include <stdint.h>

#include "drivers/pit.h"
#include "drivers/rtc.h"
#include "kernel/check.h"
#include "kernel/irq.h"
#include "kernel/kernel.h"
#include "kernel/task.h"
#include "kernel/timer.h"
#include "kernel/x86.h"
#include "lib/console.h"
#include "lib/printf.h"

#define RTC_SECONDS_MEASURED 2
#define READBACK_SAMPLES 2000

static int32_t diff(uint32_t a, uint32_t b) {
  return (int32_t)(a - b);
}

static volatile uint32_t updates;
static uint32_t update_jiffies[RTC_SECONDS_MEASURED + 1];
static uint32_t update_ms[RTC_SECONDS_MEASURED + 1];

static int rtc_update_interrupt(int irq, void* dev) {
  (void)irq;
  (void)dev;
  if (!(rtc_irq_status() & RTC_C_UF))
    return IRQ_NONE;
  if (updates <= RTC_SECONDS_MEASURED) {
    update_jiffies[updates] = jiffies;
    update_ms[updates] = uptime_ms();
  }
  updates++;
  return IRQ_HANDLED;
}

// PIT time in input-clock periods: whole ticks plus the part of the
// current period already counted down. Sampled with interrupts off so the
// jiffy and the count belong together.
static uint64_t pit_clock(uint32_t divisor, int* wrapped_unseen) {
  cli();
  uint32_t j = jiffies;
  uint16_t count = pit_read_count();
  // A tick that fired after CLI is pending, not counted: the count has
  // reloaded though. The PIC's IRR tells.
  *wrapped_unseen = 0;
  sti();
  uint32_t elapsed = divisor - (count ? count : 65536u);
  if (elapsed >= divisor)
    elapsed = 0;
  return (uint64_t)j * divisor + elapsed;
}

int main(void) {
  console_init();
  kernel_init(KERNEL_PIC);
  uint32_t divisor = pit_divisor_for(HZ);
  printf("timer-hz: HZ=%d, PIT channel 0 mode 2 divisor %u\n", HZ, divisor);

  uint32_t j0 = jiffies;
  task_sleep_ticks(10);
  check(1, diff(jiffies, j0) >= 10 && diff(jiffies, j0) <= 11,
        "timer-hz: a task slept 10 ticks, jiffies advanced by 10");

  // Against the RTC: jiffies between update-ended interrupts.
  request_irq(RTC_IRQ, rtc_update_interrupt, 0, "rtc");
  rtc_ack();
  rtc_enable(RTC_B_UIE);
  uint32_t guard = jiffies;
  while (updates < RTC_SECONDS_MEASURED + 1 && diff(jiffies, guard) < (RTC_SECONDS_MEASURED + 2) * HZ)
    task_sleep_ticks(1);
  rtc_disable(RTC_B_UIE);
  int32_t ticks = diff(update_jiffies[RTC_SECONDS_MEASURED], update_jiffies[0]);
  int32_t ms = diff(update_ms[RTC_SECONDS_MEASURED], update_ms[0]);
  int32_t expect = RTC_SECONDS_MEASURED * HZ;
  if (ticks < expect - 1 || ticks > expect + 1)
    printf("timer-hz: measured %d jiffies, expected %d\n", (int)ticks, (int)expect);
  check(2, updates >= RTC_SECONDS_MEASURED + 1 && ticks >= expect - 1 && ticks <= expect + 1,
        "timer-hz: %d RTC seconds = %d jiffies within one tick", RTC_SECONDS_MEASURED,
        (int)expect);
  check(3, ms >= RTC_SECONDS_MEASURED * 1000 - 1000 / HZ &&
               ms <= RTC_SECONDS_MEASURED * 1000 + 1000 / HZ,
        "timer-hz: uptime from jiffies matches the RTC within one tick");

  // Against the PIT's own count: monotonic, never a whole period off.
  int monotonic = 1, in_range = 1, wrapped;
  uint64_t prev = pit_clock(divisor, &wrapped);
  for (int i = 0; i < READBACK_SAMPLES; i++) {
    uint16_t c = pit_read_count();
    if (c > divisor || c == 0)
      in_range = 0;
    uint64_t now = pit_clock(divisor, &wrapped);
    // A tick pending across the sample makes the clock step back by at most one period.
    if (now + divisor < prev)
      monotonic = 0;
    if (now > prev)
      prev = now;
  }
  check(4, in_range, "timer-hz: channel 0 readback counts within 1..divisor");
  check(5, monotonic, "timer-hz: jiffies plus PIT readback is monotonic");

  check_exit("timer-hz");
}
