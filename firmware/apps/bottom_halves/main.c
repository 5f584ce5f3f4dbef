// bottom-halves: what runs when, after one interrupt.
//
// On one tick the top half (the timer's hook, in the ISR) schedules a HI
// tasklet, an ordinary tasklet (twice), raises an application softirq and
// queues a work item. Expected order: isr, hi-tasklet, tasklet, softirq
// (numbers 0, 2, 3: lower first, on the way out of the interrupt with IF
// set), then the work in the kworker thread, which sleeps and continues.
// Then: a tasklet that reschedules itself runs again, never inside itself;
// a disabled tasklet waits for tasklet_enable(); a softirq that keeps
// raising itself is handed over to ksoftirqd.
#include <stdint.h>

#include "kernel/check.h"
#include "kernel/irq.h"
#include "kernel/kernel.h"
#include "kernel/softirq.h"
#include "kernel/task.h"
#include "kernel/timer.h"
#include "kernel/workqueue.h"
#include "kernel/x86.h"
#include "lib/console.h"
#include "lib/printf.h"
#include "lib/string.h"

#define STORM_SOFTIRQ (APP_SOFTIRQ + 1)
#define STORM_RUNS (4 * MAX_SOFTIRQ_RESTART)
#define MAX_EVENTS 16

static const char* events[MAX_EVENTS];
static volatile int nevents;
static volatile int fire;
static volatile int softirq_context_ok, work_context_ok, work_slept;

static void log_event(const char* e) {
  uint32_t flags = irq_save();
  if (nevents < MAX_EVENTS)
    events[nevents++] = e;
  irq_restore(flags);
}

static void hi_func(uint32_t data) {
  (void)data;
  log_event("hi-tasklet");
}

static void tasklet_func(uint32_t data) {
  (void)data;
  log_event("tasklet");
}

static void app_softirq(void) {
  softirq_context_ok = in_softirq() && hardirq_depth == 0 && (read_eflags() & EFLAGS_IF);
  log_event("softirq");
}

static void work_func(struct work* w) {
  (void)w;
  work_context_ok = current_task()->pid == kworker_pid && !in_softirq() && hardirq_depth == 0;
  log_event("work");
  uint32_t j = jiffies;
  task_sleep_ticks(2);  // process context: sleeping is allowed
  work_slept = jiffies - j >= 2;
  log_event("work-after-sleep");
}

static struct tasklet hi_tasklet = TASKLET_INIT(hi_func, 0);
static struct tasklet tasklet = TASKLET_INIT(tasklet_func, 0);
static struct work work = WORK_INIT(work_func, 0);

static void tick_hook(void) {
  if (!fire)
    return;
  fire = 0;
  log_event("isr");
  tasklet_schedule(&tasklet);
  tasklet_schedule(&tasklet);  // already scheduled: no second run
  tasklet_hi_schedule(&hi_tasklet);
  raise_softirq(APP_SOFTIRQ);
  schedule_work(&work);
}

// A tasklet that reschedules itself once from inside its own run.
static volatile int self_running, self_overlap;
static void self_func(uint32_t data);
static struct tasklet self_tasklet = TASKLET_INIT(self_func, 0);
static void self_func(uint32_t data) {
  (void)data;
  if (self_running)
    self_overlap = 1;
  self_running = 1;
  if (self_tasklet.runs == 1)
    tasklet_schedule(&self_tasklet);
  self_running = 0;
}

static void plain_func(uint32_t data) {
  (void)data;
}
static struct tasklet disabled_tasklet = TASKLET_INIT(plain_func, 0);

// A softirq storm: re-raises itself STORM_RUNS times.
static volatile uint32_t storm_runs, storm_in_ksoftirqd;
static void storm_softirq(void) {
  storm_runs++;
  if (current_task()->pid == ksoftirqd_pid)
    storm_in_ksoftirqd++;
  if (storm_runs < STORM_RUNS)
    raise_softirq(STORM_SOFTIRQ);
}

int main(void) {
  console_init();
  kernel_init(KERNEL_PIC);
  printf("bottom-halves: softirqs 0 HI, 1 TIMER, 2 TASKLET, 3 app; kworker pid %d\n", kworker_pid);
  open_softirq(APP_SOFTIRQ, app_softirq);
  open_softirq(STORM_SOFTIRQ, storm_softirq);
  timer_tick_hook = tick_hook;

  fire = 1;
  while (nevents < 6)
    task_sleep_ticks(1);
  printf("bottom-halves: order:");
  for (int i = 0; i < nevents; i++)
    printf(" %s", events[i]);
  printf("\n");
  static const char* const want[] = {"isr", "hi-tasklet", "tasklet", "softirq", "work", "work-after-sleep"};
  int in_order = nevents == 6;
  for (int i = 0; in_order && i < 6; i++)
    in_order = strcmp(events[i], want[i]) == 0;
  check(1, in_order, "bottom-halves: isr < hi tasklet < tasklet < softirq < work");
  check(2, tasklet.runs == 1, "bottom-halves: a tasklet scheduled twice before it ran ran once");
  check(3, softirq_context_ok, "bottom-halves: softirq ran after the ISR, interrupts enabled");
  check(4, work_context_ok, "bottom-halves: work ran in the kworker thread");
  check(5, work_slept, "bottom-halves: work slept 2 ticks in process context and continued");

  tasklet_schedule(&self_tasklet);
  task_sleep_ticks(3);
  check(6, self_tasklet.runs == 2 && !self_overlap,
        "bottom-halves: a tasklet rescheduled while running ran again, after itself");

  tasklet_disable(&disabled_tasklet);
  tasklet_schedule(&disabled_tasklet);
  task_sleep_ticks(3);
  uint32_t runs_disabled = disabled_tasklet.runs;
  tasklet_enable(&disabled_tasklet);
  task_sleep_ticks(3);
  check(7, runs_disabled == 0 && disabled_tasklet.runs == 1,
        "bottom-halves: a disabled tasklet waited for tasklet_enable");

  uint32_t deferred_before = softirq_deferred;
  raise_softirq(STORM_SOFTIRQ);
  while (storm_runs < STORM_RUNS)
    task_sleep_ticks(1);
  check(8, softirq_deferred > deferred_before && storm_in_ksoftirqd > 0,
        "bottom-halves: a self-raising softirq was handed to ksoftirqd");
  check_exit("bottom-halves");
}
