// rtc: the MC146818's three interrupts against jiffies.
//
//   periodic  256 Hz (rate 8): counted over one second of jiffies
//   alarm     seconds alarm two seconds ahead (minutes and hours "don't
//             care"): fires once, 1-2 s after it was set, at that second
//   update    the time read with the UIP protocol advances by one second
//             per update-ended interrupt
#include <stdint.h>

#include "drivers/rtc.h"
#include "kernel/check.h"
#include "kernel/irq.h"
#include "kernel/kernel.h"
#include "kernel/task.h"
#include "kernel/timer.h"
#include "lib/console.h"
#include "lib/printf.h"

#define RTC_RATE_256HZ 8
#define ALARM_AHEAD_S 2

static volatile uint32_t periodic_count, alarm_count, update_count;
static volatile uint32_t alarm_jiffies;

static int rtc_interrupt(int irq, void* dev) {
  (void)irq;
  (void)dev;
  uint8_t status = rtc_irq_status();
  if (status & RTC_C_PF)
    periodic_count++;
  if (status & RTC_C_AF) {
    alarm_count++;
    alarm_jiffies = jiffies;
  }
  if (status & RTC_C_UF)
    update_count++;
  return (status & (RTC_C_PF | RTC_C_AF | RTC_C_UF)) ? IRQ_HANDLED : IRQ_NONE;
}

int main(void) {
  console_init();
  kernel_init(KERNEL_PIC);
  printf("rtc: MC146818 on IRQ 8, HZ=%d\n", HZ);
  check(1, (rtc_read(RTC_REG_D) & RTC_D_VRT) != 0, "rtc: register D reports valid time");
  request_irq(RTC_IRQ, rtc_interrupt, 0, "rtc");

  // Periodic.
  uint32_t hz = rtc_rate_hz(RTC_RATE_256HZ);
  rtc_set_rate(RTC_RATE_256HZ);
  rtc_ack();
  rtc_enable(RTC_B_PIE);
  task_sleep_ticks(2);  // skip the first, partial period
  uint32_t start = periodic_count;
  task_sleep_ticks(HZ);
  uint32_t counted = periodic_count - start;
  rtc_disable(RTC_B_PIE);
  uint32_t tolerance = hz / 100 + 1;
  if (counted + tolerance < hz || counted > hz + tolerance)
    printf("rtc: counted %u periodic interrupts\n", counted);
  check(2, counted + tolerance >= hz && counted <= hz + tolerance,
        "rtc: periodic %u Hz counted over 1 s of jiffies within 1%%", hz);

  // Alarm.
  struct rtc_time now;
  rtc_read_time(&now);
  uint8_t alarm_sec = (uint8_t)((now.sec + ALARM_AHEAD_S) % 60);
  rtc_set_alarm(RTC_ALARM_DONT_CARE, RTC_ALARM_DONT_CARE, alarm_sec);
  rtc_ack();
  uint32_t set_at = jiffies;
  rtc_enable(RTC_B_AIE);
  while (!alarm_count && jiffies - set_at < (ALARM_AHEAD_S + 2) * HZ)
    task_sleep_ticks(1);
  struct rtc_time at;
  rtc_read_time(&at);
  rtc_disable(RTC_B_AIE);
  uint32_t waited = alarm_jiffies - set_at;
  check(3, alarm_count == 1, "rtc: the alarm fired once");
  check(4, waited + 1 >= (ALARM_AHEAD_S - 1) * HZ && waited <= ALARM_AHEAD_S * HZ + 1,
        "rtc: alarm %d s ahead fired after 1-2 s of jiffies", ALARM_AHEAD_S);
  check(5, at.sec == alarm_sec, "rtc: time read at the alarm is the alarm second");

  // Update-ended: the clock ticks once per interrupt.
  rtc_ack();
  rtc_enable(RTC_B_UIE);
  uint32_t first = update_count;
  while (update_count == first)
    task_sleep_ticks(1);
  struct rtc_time t0, t1;
  rtc_read_time(&t0);
  uint32_t u0 = update_count;
  while (update_count == u0)
    task_sleep_ticks(1);
  rtc_read_time(&t1);
  rtc_disable(RTC_B_UIE);
  check(6, (t0.sec + 1) % 60 == t1.sec, "rtc: one update-ended interrupt = one second of RTC time");
  check(7, irq_desc[RTC_IRQ].unhandled == 0, "rtc: every IRQ 8 carried a flag in register C");
  check_exit("rtc");
}
