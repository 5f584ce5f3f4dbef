// Softirqs and ksoftirqd.
#include "kernel/softirq.h"

#include "kernel/task.h"
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

void do_softirq(void) {
  uint32_t flags = irq_save();
  if (softirq_running || !pending) {
    irq_restore(flags);
    return;
  }
  softirq_running = 1;
  int restarts = MAX_SOFTIRQ_RESTART;
  while (pending && restarts-- > 0)
    softirq_pass();
  softirq_running = 0;
  if (pending && ksoftirqd_pid >= 0 && current_task()->pid != ksoftirqd_pid) {
    // Still raising itself: let the thread carry on, between tasks.
    softirq_deferred++;
    wake_up(&ksoftirqd_wq);
  }
  irq_restore(flags);
}

static void ksoftirqd(void* arg) {
  (void)arg;
  for (;;) {
    cli();
    while (!pending)
      sleep_on(&ksoftirqd_wq, 0);
    softirq_running = 1;
    softirq_pass();
    softirq_running = 0;
    sti();
    task_yield();
  }
}

void softirq_init(void) {
  ksoftirqd_pid = task_create_kernel("ksoftirqd", ksoftirqd, 0);
}
