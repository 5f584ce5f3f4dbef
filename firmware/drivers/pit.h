// The 8254 programmable interval timer (PC: 1.193182 MHz input clock).
#ifndef MINIPC_FW_DRIVERS_PIT_H
#define MINIPC_FW_DRIVERS_PIT_H

#include <stdint.h>

#define PIT_HZ 1193182u
#define PIT_IRQ 0

// Channel 0 in mode 2 (rate generator) dividing PIT_HZ by `divisor`
// (1..65536; 65536 is written as 0): OUT0 (IRQ 0) pulses once per period.
void pit_start_periodic(uint32_t divisor);

// Latches and reads channel 0's current count (counts down to 1, reloads).
uint16_t pit_read_count(void);

// The divisor the kernel uses for `hz` ticks per second (rounded).
static inline uint32_t pit_divisor_for(uint32_t hz) {
  return (PIT_HZ + hz / 2) / hz;
}

// Channel 0 as the kernel's tick device (registered by drivers/pc.c).
struct clock_event;
extern const struct clock_event pit_clockevent;

#endif  // MINIPC_FW_DRIVERS_PIT_H
