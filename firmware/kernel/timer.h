// The tick: HZ interrupts per second from the machine's tick device (on the
// PC the 8254 on IRQ 0), counted in jiffies. HZ is chosen at build time:
// -DHZ=100, 250 or 1000 (default).
#ifndef MINIPC_FW_KERNEL_TIMER_H
#define MINIPC_FW_KERNEL_TIMER_H

#include <stdint.h>

#ifndef HZ
#define HZ 1000
#endif

#define TIMESLICE_TICKS ((HZ + 99) / 100)  // 10 ms, at least one tick

extern volatile uint32_t jiffies;

// A device that interrupts periodically (Linux: clock_event_device),
// registered by the machine (kernel/machine.h).
struct clock_event {
  const char* name;                  // the device (e.g. "8254")
  int irq;                           // the line it interrupts on
  void (*set_periodic)(uint32_t hz); // start interrupting `hz` times a second
};
void clockevent_register(const struct clock_event* dev);
int timer_has_clockevent(void);

// Starts the tick device at HZ and requests its line.
void timer_init(void);

// Milliseconds since timer_init, from jiffies.
static inline uint32_t uptime_ms(void) {
  return (uint32_t)((uint64_t)jiffies * 1000u / HZ);
}

// Spins (interrupts must be on) until jiffies has advanced `ticks` times.
void timer_busy_wait(uint32_t ticks);

// Called on every tick with interrupts enabled, after jiffies moved
// (one hook; scenarios use it to observe the tick).
extern void (*timer_tick_hook)(void);

#endif  // MINIPC_FW_KERNEL_TIMER_H
