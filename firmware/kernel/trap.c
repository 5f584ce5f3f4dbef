// trap(): the one C entry for every vector.
//
//   0-31      exceptions -> exception_dispatch()
//   0x80      system call -> syscall()
//   a line's  device interrupt -> do_irq()
//   others    handlers set with trap_set_handler() (LAPIC timer, spurious)
//
// On the way out of the outermost hardware interrupt, pending softirqs run,
// and the scheduler runs if the current task's timeslice is over or a task
// was woken.
#include "kernel/trap.h"

#include "kernel/irq.h"
#include "kernel/softirq.h"
#include "kernel/syscall.h"
#include "kernel/task.h"
#include "kernel/x86.h"
#include "lib/printf.h"

static vector_handler_t vector_handlers[256];
uint32_t stray_interrupts;

void trap_set_handler(int vector, vector_handler_t handler) {
  vector_handlers[vector & 0xFF] = handler;
}

void trap(struct trapframe* tf) {
  int vector = (int)tf->vector;

  if (vector < NEXCEPTIONS) {
    exception_dispatch(tf);
  } else if (vector == T_SYSCALL) {
    syscall(tf);
  } else {
    int irq = irq_for_vector(vector);
    if (irq >= 0) {
      do_irq(irq);
    } else if (vector_handlers[vector]) {
      hardirq_depth++;
      vector_handlers[vector](tf);
      hardirq_depth--;
    } else {
      stray_interrupts++;
    }
  }

  // Interrupt exit: only the outermost level does deferred work.
  if (hardirq_depth == 0 && !in_softirq()) {
    if (softirq_pending())
      do_softirq();
    if (need_resched && preempt_count == 0)
      schedule();
  }
}
