// The tick. Top half: count the jiffy, charge the running task's
// timeslice, defer the rest (sleeping tasks) to TIMER_SOFTIRQ.
#include "kernel/timer.h"

#include "kernel/irq.h"
#include "kernel/softirq.h"
#include "kernel/task.h"
#include "lib/trace.h"

volatile uint32_t jiffies;
void (*timer_tick_hook)(void);

static const struct clock_event* tick_device;

void clockevent_register(const struct clock_event* dev) {
  tick_device = dev;
}

int timer_has_clockevent(void) {
  return tick_device != 0;
}

static int timer_interrupt(int irq, void* dev) {
  (void)irq;
  (void)dev;
  jiffies++;
  trace_mark(TRACE_TICK, jiffies);
  task_tick();
  raise_softirq(TIMER_SOFTIRQ);
  if (timer_tick_hook)
    timer_tick_hook();
  return IRQ_HANDLED;
}

static void timer_softirq(void) {
  task_wake_expired(jiffies);
}

void timer_init(void) {
  open_softirq(TIMER_SOFTIRQ, timer_softirq);
  tick_device->set_periodic(HZ);
  request_irq(tick_device->irq, timer_interrupt, 0, "timer");
}

void timer_busy_wait(uint32_t ticks) {
  uint32_t start = jiffies;
  while (jiffies - start < ticks)
    __asm__ volatile("pause" ::: "memory");
}
