// Work queues: deferred work run by a kernel thread ("kworker"), in process
// context, so a work function may sleep (task_sleep_ticks, sleep_on).
#ifndef MINIPC_FW_KERNEL_WORKQUEUE_H
#define MINIPC_FW_KERNEL_WORKQUEUE_H

#include <stdint.h>

struct work {
  struct work* next;
  volatile int pending;  // queued, not yet started
  void (*func)(struct work* w);
  uint32_t data;
};

#define WORK_INIT(fn, d) {0, 0, (fn), (d)}

// Creates the kworker thread.
void workqueue_init(void);
// Queues `w` at the tail unless it is already pending; any context.
// Returns 1 if queued, 0 if it was pending.
int schedule_work(struct work* w);
extern int kworker_pid;

#endif  // MINIPC_FW_KERNEL_WORKQUEUE_H
