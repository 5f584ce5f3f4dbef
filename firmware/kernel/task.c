// Tasks and the round-robin scheduler.
#include "kernel/task.h"

#include "kernel/gdt.h"
#include "kernel/timer.h"
#include "kernel/x86.h"
#include "lib/string.h"
#include "lib/trace.h"

// What swtch() pushes, lowest address first.
struct context {
  uint32_t eflags, edi, esi, ebx, ebp, eip;
};

static struct task tasks[NTASKS];
static uint8_t kstacks[NTASKS][KSTACK_SIZE] __attribute__((aligned(16)));
static uint8_t ustacks[NTASKS][USTACK_SIZE] __attribute__((aligned(16)));
static struct task* current;
static struct waitq exit_wq;
volatile int need_resched;
volatile int preempt_count;
int sched_wakeup_preempt;
static uint32_t wake_seq;       // orders the woken tasks (wakeup preemption)
static struct task* preempted;  // the task a woken one took the CPU from: it resumes next
static int rr_last;             // wakeup preemption: the round robin's last pick (woken tasks jump it)

struct task* current_task(void) {
  return current;
}

struct task* task_by_pid(int pid) {
  if (pid < 0 || pid >= NTASKS || tasks[pid].state == TASK_UNUSED)
    return 0;
  return &tasks[pid];
}

static void idle(void* arg) {
  (void)arg;
  for (;;) {
    cli();
    if (need_resched) {
      sti();
      schedule();
    } else {
      sti_hlt();  // wakes on the next interrupt
    }
  }
}

void task_init(void) {
  extern uint8_t __stack_top[];
  memset(tasks, 0, sizeof tasks);
  for (int i = 0; i < NTASKS; i++)
    tasks[i].pid = i;
  // pid 1: the code running now, on the boot stack.
  struct task* t = &tasks[1];
  t->state = TASK_RUNNING;
  t->name = "main";
  t->kstack_top = (uint32_t)__stack_top;
  t->timeslice = TIMESLICE_TICKS;
  current = t;
  tss_set_kernel_stack(t->kstack_top);
  // pid 0: idle, chosen only when nothing else can run.
  task_create_kernel("idle", idle, 0);
}

static struct task* alloc_task(const char* name) {
  // Slot 0 is the idle task's; the first call (from task_init) takes it.
  for (int i = 0; i < NTASKS; i++) {
    if (tasks[i].state == TASK_UNUSED && (i != 0 || !tasks[0].name)) {
      struct task* t = &tasks[i];
      memset(t, 0, sizeof *t);
      t->pid = i;
      t->name = name;
      t->kstack_top = (uint32_t)(kstacks[i] + KSTACK_SIZE);
      t->timeslice = TIMESLICE_TICKS;
      return t;
    }
  }
  return 0;
}

// First code of every kernel thread: swtch() "returns" to the trampoline
// with interrupts disabled and fn, arg above it on the stack; its CALL
// makes them the C function's parameters.
void kernel_thread_start(task_fn fn, void* arg) __attribute__((used, noreturn));
void kernel_thread_start(task_fn fn, void* arg) {
  sti();
  fn(arg);
  task_exit(0);
}

void kernel_thread_trampoline(void);
__asm__(
    ".text\n"
    ".globl kernel_thread_trampoline\n"
    "kernel_thread_trampoline:\n"
    "  call kernel_thread_start\n");  // never returns

int task_create_kernel(const char* name, task_fn fn, void* arg) {
  uint32_t flags = irq_save();
  struct task* t = alloc_task(name);
  if (!t) {
    irq_restore(flags);
    return -1;
  }
  // Stack, top down: arg, fn, a fake return address (the trampoline
  // CALLs into C, so fn and arg become its parameters), context.
  uint32_t* sp = (uint32_t*)t->kstack_top;
  *--sp = (uint32_t)arg;
  *--sp = (uint32_t)fn;
  sp -= sizeof(struct context) / 4;
  struct context* c = (struct context*)sp;
  memset(c, 0, sizeof *c);
  c->eflags = EFLAGS_RESERVED;  // IF=0: the trampoline enables interrupts
  c->eip = (uint32_t)kernel_thread_trampoline;
  t->context = c;
  t->state = TASK_RUNNABLE;
  irq_restore(flags);
  return t->pid;
}

int task_create_user(const char* name, void (*entry)(void)) {
  uint32_t flags = irq_save();
  struct task* t = alloc_task(name);
  if (!t) {
    irq_restore(flags);
    return -1;
  }
  t->user = 1;
  // A trap frame as if the task had entered the kernel from ring 3; the
  // first switch to the task returns through trapret and IRETs to ring 3:
  // the CPU pops EIP, CS, EFLAGS and, because CS.RPL = 3 > CPL, ESP and SS.
  uint32_t* sp = (uint32_t*)t->kstack_top;
  sp -= sizeof(struct trapframe) / 4;
  struct trapframe* tf = (struct trapframe*)sp;
  memset(tf, 0, sizeof *tf);
  tf->ds = tf->es = tf->fs = tf->gs = USER_DS;
  tf->cs = USER_CS;
  tf->ss = USER_DS;
  tf->eip = (uint32_t)entry;
  tf->esp = (uint32_t)(ustacks[t->pid] + USTACK_SIZE);
  tf->eflags = EFLAGS_IF | EFLAGS_RESERVED;
  t->tf = tf;
  *--sp = (uint32_t)trapret;
  sp -= sizeof(struct context) / 4 - 1;  // eip slot is the word above
  struct context* c = (struct context*)sp;
  memset(c, 0, sizeof *c - 4);
  c->eflags = EFLAGS_RESERVED;
  t->context = c;
  t->state = TASK_RUNNABLE;
  irq_restore(flags);
  return t->pid;
}

// Round robin: the next runnable task after the current one; idle if none.
// With wakeup preemption: the task woken longest ago that has not run since
// goes first; a running task whose timeslice is not used up goes on.
static struct task* pick_next(void) {
  if (sched_wakeup_preempt) {
    struct task* first = 0;
    for (int i = 0; i < NTASKS; i++) {
      struct task* t = &tasks[i];
      if (t->pid != 0 && t != current && t->state == TASK_RUNNABLE && t->woken &&
          (!first || (int32_t)(t->woken - first->woken) < 0))
        first = t;
    }
    if (first)
      return first;
    if (current->pid != 0 && current->state == TASK_RUNNING && current->timeslice > 0)
      return current;
    struct task* p = preempted;
    if (p && p != current && p->state == TASK_RUNNABLE && p->timeslice > 0)
      return p;
  }
  // The round robin goes on from its own last pick: a task that ran
  // because it was woken does not move it (else a task woken every tick
  // would send the CPU back to the same successor each time).
  int start = sched_wakeup_preempt ? rr_last : current->pid;
  for (int i = 1; i <= NTASKS; i++) {
    struct task* t = &tasks[(start + i) % NTASKS];
    if (t->pid != 0 && (t->state == TASK_RUNNABLE || (t == current && t->state == TASK_RUNNING))) {
      rr_last = t->pid;
      return t;
    }
  }
  return &tasks[0];
}

void schedule(void) {
  uint32_t flags = irq_save();
  need_resched = 0;
  struct task* prev = current;
  struct task* next = pick_next();
  if (next != prev) {
    if (sched_wakeup_preempt) {
      if (next == preempted)
        preempted = 0;
      else if (next->woken && prev->state == TASK_RUNNING && prev->pid != 0 && prev->timeslice > 0)
        preempted = prev;
    }
    if (prev->state == TASK_RUNNING)
      prev->state = TASK_RUNNABLE;
    next->state = TASK_RUNNING;
    // With wakeup preemption a task keeps what is left of its slice (a
    // preempted one resumes its turn); a used-up slice starts afresh.
    if (!sched_wakeup_preempt || next->timeslice <= 0)
      next->timeslice = TIMESLICE_TICKS;
    next->woken = 0;
    next->switches++;
    current = next;
    tss_set_kernel_stack(next->kstack_top);
    trace_mark(TRACE_TASK_SWITCH, (uint32_t)next->pid);
    swtch(&prev->context, next->context);
  } else if (!sched_wakeup_preempt || prev->timeslice <= 0) {
    prev->timeslice = TIMESLICE_TICKS;
  }
  irq_restore(flags);
}

void task_yield(void) {
  if (sched_wakeup_preempt)
    current->timeslice = 0;  // gives up the rest of its turn
  schedule();
}

void task_tick(void) {
  current->ticks++;
  if (current->pid == 0 || --current->timeslice <= 0)
    need_resched = 1;
}

static void make_runnable(struct task* t) {
  t->state = TASK_RUNNABLE;
  t->wq = 0;
  t->wake_at = 0;
  t->woken = ++wake_seq ? wake_seq : ++wake_seq;  // never 0
  need_resched = 1;
  trace_mark(TRACE_TASK_WAKE, (uint32_t)t->pid);
}

void sleep_on(struct waitq* wq, uint32_t req) {
  struct task* t = current;
  t->req = req;
  t->wq = wq;
  t->wq_next = wq->head;
  wq->head = t;
  t->state = TASK_SLEEPING;
  schedule();  // returns when woken, interrupts still disabled
}

static void unlink(struct waitq* wq, struct task* t) {
  for (struct task** link = &wq->head; *link; link = &(*link)->wq_next) {
    if (*link == t) {
      *link = t->wq_next;
      return;
    }
  }
}

void wake_up(struct waitq* wq) {
  uint32_t flags = irq_save();
  while (wq->head) {
    struct task* t = wq->head;
    wq->head = t->wq_next;
    make_runnable(t);
  }
  irq_restore(flags);
}

int wake_up_req(struct waitq* wq, uint32_t req) {
  uint32_t flags = irq_save();
  int woken = 0;
  for (struct task* t = wq->head; t; t = t->wq_next) {
    if (t->req == req || t->req == 0) {
      unlink(wq, t);
      make_runnable(t);
      woken = 1;
      break;
    }
  }
  irq_restore(flags);
  return woken;
}

static struct waitq sleep_wq;

void task_sleep_ticks(uint32_t ticks) {
  uint32_t flags = irq_save();
  current->wake_at = jiffies + (ticks ? ticks : 1);
  while (current->wake_at && (int32_t)(jiffies - current->wake_at) < 0)
    sleep_on(&sleep_wq, 0);
  current->wake_at = 0;
  irq_restore(flags);
}

void task_wake_expired(uint32_t now) {
  uint32_t flags = irq_save();
  struct task** link = &sleep_wq.head;
  while (*link) {
    struct task* t = *link;
    if ((int32_t)(now - t->wake_at) >= 0) {
      *link = t->wq_next;
      make_runnable(t);
    } else {
      link = &t->wq_next;
    }
  }
  irq_restore(flags);
}

void task_exit(int status) {
  cli();
  current->exit_status = status;
  current->state = TASK_ZOMBIE;
  wake_up_req(&exit_wq, (uint32_t)current->pid);
  schedule();
  for (;;)  // a zombie is never scheduled again
    hlt();
}

int task_wait(int pid) {
  uint32_t flags = irq_save();
  struct task* t = task_by_pid(pid);
  if (!t) {
    irq_restore(flags);
    return -1;
  }
  while (t->state != TASK_ZOMBIE)
    sleep_on(&exit_wq, (uint32_t)pid);
  int status = t->exit_status;
  t->state = TASK_UNUSED;
  irq_restore(flags);
  return status;
}
