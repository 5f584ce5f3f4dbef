// Tasks, the round-robin scheduler and wait queues.
//
// A task is a kernel thread or a ring-3 task; each has its own kernel stack
// (the TSS points the CPU at it when the task is interrupted in ring 3).
// The scheduler picks the next runnable task after the current one in the
// table, round robin; a running task is preempted when its timeslice of
// TIMESLICE_TICKS ticks is used up, on the way out of an interrupt.
//
// Wait queues: a task sleeps on a queue with a request id (0 = any);
// wake_up_req() wakes the one task waiting for that request, wake_up() all.
#ifndef MINIPC_FW_KERNEL_TASK_H
#define MINIPC_FW_KERNEL_TASK_H

#include <stdint.h>

#include "kernel/trap.h"

#define NTASKS 10
#define KSTACK_SIZE 8192
#define USTACK_SIZE 4096

enum task_state { TASK_UNUSED, TASK_RUNNABLE, TASK_RUNNING, TASK_SLEEPING, TASK_ZOMBIE };

struct context;  // swtch.S: callee-saved registers and the return address

struct waitq {
  struct task* head;
};

struct task {
  int pid;
  enum task_state state;
  const char* name;
  int user;                    // runs in ring 3
  struct context* context;     // saved by swtch()
  uint32_t kstack_top;         // TSS.ESP0 while this task runs
  int timeslice;               // ticks left
  uint32_t ticks;              // ticks charged to this task
  uint32_t switches;           // times switched to
  // sleeping
  struct waitq* wq;
  struct task* wq_next;
  uint32_t req;                // request id waited for (0 = any)
  uint32_t wake_at;            // jiffies deadline of task_sleep_ticks, 0 = none
  int exit_status;
  struct trapframe* tf;        // ring 3: the frame of the last entry
  uint32_t woken;              // wake order since it last ran (0: not woken); wakeup preemption
};

// Makes the running boot code task 1 ("main") and creates the idle task
// (pid 0). Call once, before enabling interrupts.
void task_init(void);

typedef void (*task_fn)(void* arg);
// A kernel thread running fn(arg) with interrupts enabled; returns its pid
// or -1. Returning from fn exits the task with status 0.
int task_create_kernel(const char* name, task_fn fn, void* arg);
// A ring-3 task starting at `entry` with its own user stack. Returns its pid.
int task_create_user(const char* name, void (*entry)(void));

struct task* current_task(void);
struct task* task_by_pid(int pid);

void task_yield(void);
void task_sleep_ticks(uint32_t ticks);
__attribute__((noreturn)) void task_exit(int status);
// Waits (sleeps) until task `pid` has exited; returns its status, frees it.
int task_wait(int pid);

// The scheduler. schedule() switches to the next runnable task if there is
// one other than the current; need_resched asks for it at the next chance.
void schedule(void);
extern volatile int need_resched;
// Wakeup preemption (0 by default, so existing scenarios keep their
// timelines): a woken task runs at the next interrupt exit or schedule()
// before the round robin goes on, and the task it preempted keeps the rest
// of its timeslice, much as Linux's CFS lets a sleeper preempt a CPU hog.
// Without it a wake-up only asks for a switch, and the round robin may hand
// the CPU to any runnable task (a hog then runs its whole slice while the
// woken reader waits). The net scenario turns it on.
extern int sched_wakeup_preempt;
extern volatile int preempt_count;  // > 0: no preemption at interrupt exit

// From the tick: charges the running task, asks for a switch at the end
// of its timeslice.
void task_tick(void);
// From TIMER_SOFTIRQ: wakes task_sleep_ticks() sleepers that are due.
void task_wake_expired(uint32_t now);

// Wait queues. sleep_on() must be called with interrupts disabled (the
// caller checked its condition under cli); it returns with them disabled.
void sleep_on(struct waitq* wq, uint32_t req);
void wake_up(struct waitq* wq);
int wake_up_req(struct waitq* wq, uint32_t req);  // 1 if a task was woken

// Context switch (swtch.S).
void swtch(struct context** save, struct context* load);

#endif  // MINIPC_FW_KERNEL_TASK_H
