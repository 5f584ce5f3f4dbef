// Bottom halves: softirqs, tasklets, and (workqueue.h) work in a thread.
//
// A softirq is a numbered function run soon after an interrupt handler
// raised it: on the way out of the outermost interrupt, with interrupts
// enabled. If softirqs keep re-raising themselves, the remainder is handed
// to the ksoftirqd thread so tasks are not starved.
//
// Tasklets ride on TASKLET_SOFTIRQ: a scheduled tasklet runs once, never
// concurrently with itself; scheduling it again before it runs is a no-op,
// scheduling it while it runs makes it run once more afterwards.
#ifndef MINIPC_FW_KERNEL_SOFTIRQ_H
#define MINIPC_FW_KERNEL_SOFTIRQ_H

#include <stdint.h>

// Lower number runs first.
#define HI_SOFTIRQ 0       // high-priority tasklets
#define TIMER_SOFTIRQ 1    // tick bookkeeping: wake sleepers
#define TASKLET_SOFTIRQ 2  // ordinary tasklets
#define APP_SOFTIRQ 3      // first number free for scenarios
#define NR_SOFTIRQS 8

#define MAX_SOFTIRQ_RESTART 10  // passes in irq exit before deferring to ksoftirqd
#define MAX_SOFTIRQ_TICKS ((2 * HZ + 999) / 1000)  // ... or ticks (Linux: MAX_SOFTIRQ_TIME, 2 ms)

void open_softirq(int nr, void (*action)(void));
void raise_softirq(int nr);              // any context
uint32_t softirq_pending(void);
int in_softirq(void);                    // a softirq (or tasklet) is running

// From the interrupt exit path (and ksoftirqd): runs pending softirqs.
void do_softirq(void);
// Creates the ksoftirqd thread.
void softirq_init(void);
extern int ksoftirqd_pid;
extern uint32_t softirq_deferred;        // times the irq exit handed over to ksoftirqd

// Tasklet state bits.
#define TASKLET_STATE_SCHED 0x1  // scheduled, not yet run
#define TASKLET_STATE_RUN 0x2    // running

struct tasklet {
  struct tasklet* next;
  volatile uint32_t state;
  volatile int disabled;   // tasklet_disable() count; runs only at 0
  void (*func)(uint32_t data);
  uint32_t data;
  uint32_t runs;
};

#define TASKLET_INIT(fn, d) {0, 0, 0, (fn), (d), 0}

void tasklet_init(struct tasklet* t, void (*func)(uint32_t), uint32_t data);
void tasklet_schedule(struct tasklet* t);
void tasklet_hi_schedule(struct tasklet* t);
void tasklet_disable(struct tasklet* t);
void tasklet_enable(struct tasklet* t);

#endif  // MINIPC_FW_KERNEL_SOFTIRQ_H
