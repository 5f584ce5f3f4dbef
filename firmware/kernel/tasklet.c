// Tasklets: deferred functions on two softirqs (HI and TASKLET), each
// tasklet serialised against itself by its state bits.
#include "kernel/softirq.h"
#include "kernel/x86.h"
#include "lib/trace.h"

struct tasklet_list {
  struct tasklet* head;
  struct tasklet** tail;
};

static struct tasklet_list lists[2];  // 0: HI_SOFTIRQ, 1: TASKLET_SOFTIRQ

void tasklet_init(struct tasklet* t, void (*func)(uint32_t), uint32_t data) {
  t->next = 0;
  t->state = 0;
  t->disabled = 0;
  t->func = func;
  t->data = data;
  t->runs = 0;
}

static void enqueue(struct tasklet* t, int hi) {
  uint32_t flags = irq_save();
  if (!(t->state & TASKLET_STATE_SCHED)) {
    t->state |= TASKLET_STATE_SCHED;
    struct tasklet_list* l = &lists[hi ? 0 : 1];
    t->next = 0;
    if (!l->head)
      l->tail = &l->head;
    *l->tail = t;
    l->tail = &t->next;
    raise_softirq(hi ? HI_SOFTIRQ : TASKLET_SOFTIRQ);
  }
  irq_restore(flags);
}

void tasklet_schedule(struct tasklet* t) {
  enqueue(t, 0);
}

void tasklet_hi_schedule(struct tasklet* t) {
  enqueue(t, 1);
}

void tasklet_disable(struct tasklet* t) {
  uint32_t flags = irq_save();
  t->disabled++;
  irq_restore(flags);
}

void tasklet_enable(struct tasklet* t) {
  uint32_t flags = irq_save();
  t->disabled--;
  irq_restore(flags);
}

// Takes the whole list, runs what may run, puts back what may not (a
// disabled tasklet) and re-raises the softirq for it.
static void tasklet_action_list(struct tasklet_list* l, int softirq) {
  cli();
  struct tasklet* t = l->head;
  l->head = 0;
  l->tail = &l->head;
  sti();
  while (t) {
    struct tasklet* next = t->next;
    if (t->disabled || (t->state & TASKLET_STATE_RUN)) {
      cli();
      t->next = 0;
      *l->tail = t;
      l->tail = &t->next;
      raise_softirq(softirq);
      sti();
    } else {
      cli();
      t->state = (t->state & ~TASKLET_STATE_SCHED) | TASKLET_STATE_RUN;
      sti();
      trace_mark(TRACE_TASKLET_ENTER, (uint32_t)t);
      t->runs++;
      t->func(t->data);
      trace_mark(TRACE_TASKLET_EXIT, (uint32_t)t);
      cli();
      t->state &= ~TASKLET_STATE_RUN;
      sti();
    }
    t = next;
  }
}

static void tasklet_hi_action(void) {
  tasklet_action_list(&lists[0], HI_SOFTIRQ);
}

static void tasklet_action(void) {
  tasklet_action_list(&lists[1], TASKLET_SOFTIRQ);
}

void tasklet_subsys_init(void) {
  lists[0].tail = &lists[0].head;
  lists[1].tail = &lists[1].head;
  open_softirq(HI_SOFTIRQ, tasklet_hi_action);
  open_softirq(TASKLET_SOFTIRQ, tasklet_action);
}
