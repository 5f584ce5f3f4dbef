// nested: interrupt priorities and masks on the 8259A pair.
//
//   A  the RTC's handler (IRQ 8, behind the master's IR2) is preempted by
//      the PIT tick (IRQ 0, higher priority): do_irq() re-enables IF and the
//      PIC lets the higher line through.
//   B  the tick's handler waits until the RTC's request shows in the slave's
//      IRR: the RTC (lower priority) is held back until the tick's EOI.
//   C  IRQ 8 masked in the IMR: the request waits in the IRR; unmasking
//      delivers it.
//   D  CLI: the same with the CPU's interrupt flag instead of the IMR.
// Each part prints the order of events it saw.
#include <stdint.h>

#include "drivers/pic.h"
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
#include "lib/string.h"

#define RTC_RATE_1024HZ 6
#define MAX_EVENTS 16
#define GUARD_PERIODS 20  // PIT periods a wait may take before it gives up

static const char* events[MAX_EVENTS];
static int nevents;
static volatile int part;
static volatile uint32_t rtc_count;
static volatile int nested_depth_seen;

static void log_event(const char* e) {
  if (nevents < MAX_EVENTS)
    events[nevents++] = e;
}

static int order_is(const char* const* want, int n) {
  if (nevents != n)
    return 0;
  for (int i = 0; i < n; i++)
    if (strcmp(events[i], want[i]))
      return 0;
  return 1;
}

static void print_order(const char* name) {
  printf("nested: %s order:", name);
  for (int i = 0; i < nevents; i++)
    printf(" %s", events[i]);
  printf("\n");
}

// Counts PIT periods by watching channel 0's count reload (it counts
// down; a larger value than last time means a new period began). Works
// with interrupts off, which jiffies do not.
static int pit_periods_elapsed(uint16_t* last) {
  uint16_t now = pit_read_count();
  int wrapped = now > *last;
  *last = now;
  return wrapped;
}

static int rtc_interrupt(int irq, void* dev) {
  (void)irq;
  (void)dev;
  uint8_t status = rtc_irq_status();
  if (!(status & RTC_C_PF))
    return IRQ_NONE;
  rtc_count++;
  if (part == 'A') {
    part = 'a';
    log_event("rtc-enter");
    uint32_t j = jiffies;
    uint16_t last = pit_read_count();
    int periods = 0;
    while (jiffies == j && periods < GUARD_PERIODS)
      periods += pit_periods_elapsed(&last);
    log_event("rtc-exit");
    part = 0;
  } else if (part == 'b') {
    part = 0;
    log_event("rtc");
  }
  return IRQ_HANDLED;
}

static void tick_hook(void) {
  if (part == 'a' && nevents == 1) {
    nested_depth_seen = hardirq_depth;
    log_event("timer");
  } else if (part == 'B') {
    part = 'b';
    log_event("timer-enter");
    uint16_t last = pit_read_count();
    int periods = 0;
    while (!(pic_read_irr() & (1u << RTC_IRQ)) && periods < GUARD_PERIODS)
      periods += pit_periods_elapsed(&last);
    if (pic_read_irr() & (1u << RTC_IRQ))
      log_event("rtc-requested");
    log_event("timer-exit");
  }
}

static void wait_ticks(uint32_t n) {
  task_sleep_ticks(n);
}

// Waits, with the RTC's delivery blocked, until its request is in the IRR.
static int wait_rtc_requested(void) {
  uint16_t last = pit_read_count();
  int periods = 0;
  while (!(pic_read_irr() & (1u << RTC_IRQ)) && periods < GUARD_PERIODS)
    periods += pit_periods_elapsed(&last);
  return (pic_read_irr() & (1u << RTC_IRQ)) != 0;
}

int main(void) {
  console_init();
  kernel_init(KERNEL_PIC);
  printf("nested: 8259A priorities IRQ 0 > IRQ 1 > IRQ 8-15 > IRQ 3-7\n");
  timer_tick_hook = tick_hook;
  request_irq(RTC_IRQ, rtc_interrupt, 0, "rtc");
  rtc_set_rate(RTC_RATE_1024HZ);
  rtc_ack();
  rtc_enable(RTC_B_PIE);

  // A: a higher-priority line preempts a lower one's handler.
  nevents = 0;
  part = 'A';
  while (part == 'A' || part == 'a')
    wait_ticks(1);
  print_order("A (rtc handler waits for a tick)");
  static const char* const want_a[] = {"rtc-enter", "timer", "rtc-exit"};
  check(1, order_is(want_a, 3), "nested: IRQ 0 preempted the IRQ 8 handler");
  check(2, nested_depth_seen == 2, "nested: tick ran at interrupt depth 2");

  // B: a lower-priority line waits for the higher one's EOI.
  wait_ticks(2);
  nevents = 0;
  part = 'B';
  while (part == 'B' || part == 'b')
    wait_ticks(1);
  print_order("B (tick handler waits for the rtc)");
  static const char* const want_b[] = {"timer-enter", "rtc-requested", "timer-exit", "rtc"};
  check(3, order_is(want_b, 4), "nested: IRQ 8 held in the IRR until the tick's EOI");

  // C: masked in the IMR.
  disable_irq(RTC_IRQ);
  uint32_t before = rtc_count;
  int requested = wait_rtc_requested();
  wait_ticks(3);
  int held = rtc_count == before && (pic_read_imr() & (1u << RTC_IRQ));
  enable_irq(RTC_IRQ);
  wait_ticks(2);
  printf("nested: C (IMR) order: masked%s%s unmasked%s\n", requested ? " rtc-requested" : "",
         held ? " not-delivered" : " delivered-while-masked", rtc_count != before ? " rtc" : "");
  check(4, requested && held, "nested: IRQ 8 masked in the IMR waits in the IRR");
  check(5, rtc_count != before, "nested: unmasking IRQ 8 delivers it");

  // D: CLI.
  wait_ticks(1);
  cli();
  before = rtc_count;
  uint32_t j = jiffies;
  requested = wait_rtc_requested();
  uint16_t last = pit_read_count();
  for (int p = 0; p < 3;)
    p += pit_periods_elapsed(&last);
  held = rtc_count == before && jiffies == j;
  sti();
  wait_ticks(2);
  printf("nested: D (CLI) order: cli%s%s sti%s\n", requested ? " rtc-requested" : "",
         held ? " nothing-delivered" : " delivered-under-cli", rtc_count != before ? " rtc" : "");
  check(6, requested && held, "nested: with IF clear neither IRQ 0 nor IRQ 8 is taken");
  check(7, rtc_count != before && jiffies != j, "nested: STI delivers what waited");

  rtc_disable(RTC_B_PIE);
  check(8, irq_desc[RTC_IRQ].unhandled == 0 && irq_desc[PIT_IRQ].unhandled == 0,
        "nested: every delivery was claimed by a handler");
  check_exit("nested");
}
