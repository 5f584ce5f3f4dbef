// The kworker thread: takes work items off one FIFO and runs them with
// interrupts enabled.
#include "kernel/workqueue.h"

#include "kernel/task.h"
#include "kernel/x86.h"
#include "lib/trace.h"

static struct work* head;
static struct work** tail = &head;
static struct waitq worker_wq;
int kworker_pid = -1;

int schedule_work(struct work* w) {
  uint32_t flags = irq_save();
  int queued = 0;
  if (!w->pending) {
    w->pending = 1;
    w->next = 0;
    *tail = w;
    tail = &w->next;
    wake_up(&worker_wq);
    queued = 1;
  }
  irq_restore(flags);
  return queued;
}

static void kworker(void* arg) {
  (void)arg;
  for (;;) {
    cli();
    while (!head)
      sleep_on(&worker_wq, 0);
    struct work* w = head;
    head = w->next;
    if (!head)
      tail = &head;
    w->pending = 0;  // may be queued again while it runs
    sti();
    trace_mark(TRACE_WORK_ENTER, (uint32_t)w);
    w->func(w);
    trace_mark(TRACE_WORK_EXIT, (uint32_t)w);
  }
}

void workqueue_init(void) {
  kworker_pid = task_create_kernel("kworker", kworker, 0);
}
