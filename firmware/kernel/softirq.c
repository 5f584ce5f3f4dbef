// Softirqs and ksoftirqd.
#include "kernel/softirq.h"

#include "kernel/task.h"
#include "kernel/timer.h"
#include "kernel/x86.h"
#include "lib/trace.h"

static void (*softirq_vec[NR_SOFTIRQS])(void);
static volatile uint32_t pending;
static volatile int softirq_running;
static struct waitq ksoftirqd_wq;
int ksoftirqd_pid = -1;
uint32_t softirq_deferred;

void open_softirq(int nr, void (*action)(void)) {
  softirq_vec[nr] = action;
}

void raise_softirq(int nr) {
  uint32_t flags = irq_save();
  pending |= 1u << nr;
  irq_restore(flags);
}

uint32_t softirq_pending(void) {
  return pending;
}

int in_softirq(void) {
  return softirq_running;
}

// One pass over the pending bits, lowest first, interrupts enabled while
// each action runs. Called with interrupts disabled; returns that way.
static void softirq_pass(void) {
  uint32_t todo = pending;
  pending = 0;
  sti();
  for (int nr = 0; todo; nr++, todo >>= 1) {
    if (!(todo & 1) || !softirq_vec[nr])
      continue;
    trace_mark(TRACE_SOFTIRQ_ENTER, (uint32_t)nr);
    softirq_vec[nr]();
    trace_mark(TRACE_SOFTIRQ_EXIT, (uint32_t)nr);
  }
  cli();
}

// ksoftirqd has work it was handed and has not finished: the interrupt
// exit leaves the softirqs to it (Linux's ksoftirqd_running() check in
// invoke_softirq), so a flood runs between the tasks instead of at every
// tick's exit.
static volatile int ksoftirqd_busy;

void do_softirq(void) {
  uint32_t flags = irq_save();
  if (softirq_running || !pending || ksoftirqd_busy) {
    irq_restore(flags);
    return;
  }
  softirq_running = 1;
  int restarts = MAX_SOFTIRQ_RESTART;
  const uint32_t start = jiffies;
  // Linux's __do_softirq: at most MAX_SOFTIRQ_RESTART passes and
  // MAX_SOFTIRQ_TIME; the rest goes to ksoftirqd.
  while (pending && restarts-- > 0 && jiffies - start < MAX_SOFTIRQ_TICKS)
    softirq_pass();
  softirq_running = 0;
  if (pending && ksoftirqd_pid >= 0 && current_task()->pid != ksoftirqd_pid) {
    // Still raising itself: let the thread carry on, between tasks.
    softirq_deferred++;
    ksoftirqd_busy = 1;
    wake_up(&ksoftirqd_wq);
  }
  irq_restore(flags);
}

static void ksoftirqd(void* arg) {
  (void)arg;
  for (;;) {
    cli();
    while (!pending) {
      ksoftirqd_busy = 0;
      sleep_on(&ksoftirqd_wq, 0);
    }
    softirq_running = 1;
    softirq_pass();
    softirq_running = 0;
    sti();
    // With wakeup preemption (kernel/task.h) the thread goes on while it has
    // work and its turn lasts, as Linux's cond_resched(); otherwise it
    // yields after every pass.
    if (sched_wakeup_preempt) {
      if (need_resched)
        schedule();
    } else {
      task_yield();
    }
  }
}

void softirq_init(void) {
  ksoftirqd_pid = task_create_kernel("ksoftirqd", ksoftirqd, 0);
}
