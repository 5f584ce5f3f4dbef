// The MC146818 real-time clock of the PC (CMOS index 0x70, data 0x71, IRQ 8).
#ifndef MINIPC_FW_DRIVERS_RTC_H
#define MINIPC_FW_DRIVERS_RTC_H

#include <stdint.h>

#define RTC_IRQ 8

// Registers.
#define RTC_SECONDS 0x00
#define RTC_SECONDS_ALARM 0x01
#define RTC_MINUTES 0x02
#define RTC_MINUTES_ALARM 0x03
#define RTC_HOURS 0x04
#define RTC_HOURS_ALARM 0x05
#define RTC_REG_A 0x0A
#define RTC_REG_B 0x0B
#define RTC_REG_C 0x0C
#define RTC_REG_D 0x0D

// Register A.
#define RTC_A_UIP 0x80        // update in progress (time registers unstable)
#define RTC_A_DV_32K 0x20     // divider: 32.768 kHz time base, running
#define RTC_A_RS_MASK 0x0F    // periodic rate select
// Register B.
#define RTC_B_SET 0x80        // halt updates while setting the time
#define RTC_B_PIE 0x40        // periodic interrupt enable
#define RTC_B_AIE 0x20        // alarm interrupt enable
#define RTC_B_UIE 0x10        // update-ended interrupt enable
#define RTC_B_SQWE 0x08
#define RTC_B_DM_BINARY 0x04  // binary (not BCD) time registers
#define RTC_B_24H 0x02
// Register C (read clears it, and releases IRQ 8).
#define RTC_C_IRQF 0x80
#define RTC_C_PF 0x40         // periodic
#define RTC_C_AF 0x20         // alarm
#define RTC_C_UF 0x10         // update ended
// Register D.
#define RTC_D_VRT 0x80        // valid RAM and time (battery good)

#define RTC_ALARM_DONT_CARE 0xC0  // in an alarm register: matches any value

struct rtc_time {
  uint8_t sec, min, hour;
};

uint8_t rtc_read(uint8_t reg);
void rtc_write(uint8_t reg, uint8_t value);

// Reads the time consistently: waits for UIP clear, reads, and repeats
// until two reads agree. Converts from BCD unless register B says binary.
void rtc_read_time(struct rtc_time* t);

// Periodic interrupt rate: frequency = 32768 >> (rate - 1), rate 3-15
// (rate 6 = 1024 Hz, the PC default; 15 = 2 Hz).
void rtc_set_rate(int rate);
static inline uint32_t rtc_rate_hz(int rate) {
  return 32768u >> (rate - 1);
}
// Sets / clears interrupt-enable bits of register B.
void rtc_enable(uint8_t bits);
void rtc_disable(uint8_t bits);
// Sets the alarm (binary values; RTC_ALARM_DONT_CARE allowed).
void rtc_set_alarm(uint8_t hour, uint8_t min, uint8_t sec);
// Reads register C (acknowledging the interrupt).
uint8_t rtc_ack(void);
// Busy-waits for the next rising edge of UIP: the moment the clock starts
// to update the time, once per second. Returns the number of polls.
uint32_t rtc_wait_update_start(void);



// Register C for the interrupt being handled: read (and so cleared) by the
// first handler on IRQ 8 that asks, remembered for the others on the same
// line (register C cannot be read twice).
uint8_t rtc_irq_status(void);
#endif  // MINIPC_FW_DRIVERS_RTC_H
