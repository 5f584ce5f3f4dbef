// 8254 PIT (Intel 8254 datasheet). Channel 0 drives IRQ 0.
#include "drivers/pit.h"

#include "kernel/timer.h"
#include "lib/io.h"

#define PIT_CH0 0x40
#define PIT_CONTROL 0x43

// Control word: SC1:0 counter select | RW1:0 access | M2:0 mode | BCD.
#define PIT_SEL_CH0 0x00
#define PIT_RW_LATCH 0x00    // counter latch command
#define PIT_RW_LOHI 0x30     // low byte then high byte
#define PIT_MODE_RATE 0x04   // mode 2: rate generator
#define PIT_BINARY 0x00

void pit_start_periodic(uint32_t divisor) {
  outb(PIT_CONTROL, PIT_SEL_CH0 | PIT_RW_LOHI | PIT_MODE_RATE | PIT_BINARY);
  outb(PIT_CH0, divisor & 0xFF);         // 65536 goes out as 0x00, 0x00
  outb(PIT_CH0, (divisor >> 8) & 0xFF);
}

uint16_t pit_read_count(void) {
  outb(PIT_CONTROL, PIT_SEL_CH0 | PIT_RW_LATCH);
  uint8_t lo = inb(PIT_CH0);
  uint8_t hi = inb(PIT_CH0);
  return (uint16_t)(hi << 8 | lo);
}

static void pit_set_periodic(uint32_t hz) {
  pit_start_periodic(pit_divisor_for(hz));
}

const struct clock_event pit_clockevent = {
    .name = "8254",
    .irq = PIT_IRQ,
    .set_periodic = pit_set_periodic,
};
