// MC146818 RTC (Motorola MC146818A datasheet).
//
// Register access is an index write to 0x70 followed by a data access to
// 0x71; bit 7 of the index is the PC's NMI mask, left clear here. Index and
// data form a pair, so each access runs with interrupts disabled.
#include "drivers/rtc.h"

#include "kernel/irq.h"
#include "kernel/x86.h"

#define CMOS_INDEX 0x70
#define CMOS_DATA 0x71

uint8_t rtc_read(uint8_t reg) {
  uint32_t flags = irq_save();
  outb(CMOS_INDEX, reg);
  uint8_t v = inb(CMOS_DATA);
  irq_restore(flags);
  return v;
}

void rtc_write(uint8_t reg, uint8_t value) {
  uint32_t flags = irq_save();
  outb(CMOS_INDEX, reg);
  outb(CMOS_DATA, value);
  irq_restore(flags);
}

static uint8_t from_bcd(uint8_t v) {
  return (uint8_t)((v >> 4) * 10 + (v & 0x0F));
}

static uint8_t to_bcd(uint8_t v) {
  return (uint8_t)(((v / 10) << 4) | (v % 10));
}

static void read_raw(struct rtc_time* t) {
  while (rtc_read(RTC_REG_A) & RTC_A_UIP)
    ;
  t->sec = rtc_read(RTC_SECONDS);
  t->min = rtc_read(RTC_MINUTES);
  t->hour = rtc_read(RTC_HOURS);
}

void rtc_read_time(struct rtc_time* t) {
  struct rtc_time again;
  read_raw(t);
  for (;;) {
    read_raw(&again);
    if (again.sec == t->sec && again.min == t->min && again.hour == t->hour)
      break;
    *t = again;
  }
  if (!(rtc_read(RTC_REG_B) & RTC_B_DM_BINARY)) {
    t->sec = from_bcd(t->sec);
    t->min = from_bcd(t->min);
    t->hour = from_bcd(t->hour & 0x7F);
  }
}

void rtc_set_rate(int rate) {
  uint8_t a = rtc_read(RTC_REG_A);
  rtc_write(RTC_REG_A, (uint8_t)((a & ~RTC_A_RS_MASK) | (rate & RTC_A_RS_MASK)));
}

void rtc_enable(uint8_t bits) {
  uint32_t flags = irq_save();
  rtc_write(RTC_REG_B, rtc_read(RTC_REG_B) | bits);
  irq_restore(flags);
}

void rtc_disable(uint8_t bits) {
  uint32_t flags = irq_save();
  rtc_write(RTC_REG_B, rtc_read(RTC_REG_B) & (uint8_t)~bits);
  irq_restore(flags);
}

static uint8_t alarm_value(uint8_t v, int binary) {
  if (v >= RTC_ALARM_DONT_CARE)
    return v;
  return binary ? v : to_bcd(v);
}

void rtc_set_alarm(uint8_t hour, uint8_t min, uint8_t sec) {
  int binary = (rtc_read(RTC_REG_B) & RTC_B_DM_BINARY) != 0;
  rtc_write(RTC_HOURS_ALARM, alarm_value(hour, binary));
  rtc_write(RTC_MINUTES_ALARM, alarm_value(min, binary));
  rtc_write(RTC_SECONDS_ALARM, alarm_value(sec, binary));
}

uint8_t rtc_ack(void) {
  return rtc_read(RTC_REG_C);
}

uint32_t rtc_wait_update_start(void) {
  uint32_t polls = 0;
  while (rtc_read(RTC_REG_A) & RTC_A_UIP)
    polls++;
  while (!(rtc_read(RTC_REG_A) & RTC_A_UIP))
    polls++;
  return polls;
}

uint8_t rtc_irq_status(void) {
  static uint32_t read_at_count;
  static uint8_t status;
  uint32_t count = irq_desc[RTC_IRQ].count;
  if (count != read_at_count) {
    read_at_count = count;
    status = rtc_ack();
  }
  return status;
}
