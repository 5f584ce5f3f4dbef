// shared-line: several handlers chained on one line, each claiming only
// what its device raised.
//
// IRQ 8 carries three logical devices of the MC146818: the periodic
// interrupt (2 Hz), the update-ended interrupt (1 Hz) and the alarm (left
// off, so its handler must never claim). Register C is read once per
// interrupt (rtc_irq_status) and each handler looks at its own flag, as
// drivers on a shared PCI line check their own device's status.
#include <stdint.h>

#include "drivers/rtc.h"
#include "kernel/check.h"
#include "kernel/irq.h"
#include "kernel/kernel.h"
#include "kernel/task.h"
#include "kernel/timer.h"
#include "lib/console.h"
#include "lib/printf.h"

#define RTC_RATE_2HZ 15
#define SECONDS 3

struct logical_device {
  const char* name;
  uint8_t flag;  // its bit in register C
  volatile uint32_t claimed;
};

static struct logical_device periodic = {"periodic", RTC_C_PF, 0};
static struct logical_device update = {"update-ended", RTC_C_UF, 0};
static struct logical_device alarm = {"alarm", RTC_C_AF, 0};
static volatile uint32_t both_in_one;

static int rtc_device_interrupt(int irq, void* dev) {
  (void)irq;
  struct logical_device* d = dev;
  uint8_t status = rtc_irq_status();
  if ((status & (RTC_C_PF | RTC_C_UF)) == (RTC_C_PF | RTC_C_UF) && d == &periodic)
    both_in_one++;
  if (!(status & d->flag))
    return IRQ_NONE;
  d->claimed++;
  return IRQ_HANDLED;
}

int main(void) {
  console_init();
  kernel_init(KERNEL_PIC);
  printf("shared-line: IRQ 8 chain: periodic -> update-ended -> alarm\n");
  request_irq(RTC_IRQ, rtc_device_interrupt, &periodic, "rtc-periodic");
  request_irq(RTC_IRQ, rtc_device_interrupt, &update, "rtc-update");
  request_irq(RTC_IRQ, rtc_device_interrupt, &alarm, "rtc-alarm");

  int chained = 0;
  for (struct irqaction* a = irq_desc[RTC_IRQ].action; a; a = a->next)
    chained++;
  check(1, chained == 3, "shared-line: three handlers chained on IRQ 8");

  rtc_set_rate(RTC_RATE_2HZ);
  rtc_ack();
  rtc_enable(RTC_B_PIE | RTC_B_UIE);
  task_sleep_ticks(SECONDS * HZ);
  rtc_disable(RTC_B_PIE | RTC_B_UIE);
  task_sleep_ticks(2);

  struct irq_desc* desc = &irq_desc[RTC_IRQ];
  printf("shared-line: deliveries claimed by periodic and by update-ended: %s\n",
         periodic.claimed && update.claimed ? "both" : "not both");
  check(2, periodic.claimed >= 2 * SECONDS - 1 && periodic.claimed <= 2 * SECONDS + 1,
        "shared-line: periodic handler served %d +- 1 times", 2 * SECONDS);
  check(3, update.claimed >= SECONDS - 1 && update.claimed <= SECONDS + 1,
        "shared-line: update-ended handler served %d +- 1 times", SECONDS);
  check(4, alarm.claimed == 0, "shared-line: alarm handler walked but never claimed");
  check(5, desc->unhandled == 0, "shared-line: every delivery claimed by some handler");
  check(6, desc->count >= periodic.claimed + update.claimed - both_in_one,
        "shared-line: one delivery may serve both devices");
  check_exit("shared-line");
}
