// kernel_init(): the order matters. Segments and the IDT first (any fault
// after that is diagnosed), then the machine's drivers register, then the
// controller with every line masked, then the tasks and bottom halves, then
// the tick, then STI.
#include "kernel/kernel.h"

#include "kernel/gdt.h"
#include "kernel/irq.h"
#include "kernel/machine.h"
#include "kernel/softirq.h"
#include "kernel/task.h"
#include "kernel/timer.h"
#include "kernel/trap.h"
#include "kernel/workqueue.h"
#include "kernel/x86.h"
#include "lib/exit.h"
#include "lib/printf.h"

void tasklet_subsys_init(void);

enum kernel_irq_mode kernel_irq_mode;

static __attribute__((noreturn)) void missing(const char* what) {
  printf("kernel: the machine registered no %s for interrupt mode %d\n", what, (int)kernel_irq_mode);
  kernel_exit(KERNEL_EXIT_NO_DEVICE);
}

void kernel_init(enum kernel_irq_mode mode) {
  cli();
  kernel_irq_mode = mode;
  gdt_init();
  idt_init();
  machine_init();
  // The legacy controller (the 8259A) is always programmed, so nothing
  // arrives on an exception vector (the power-on mapping puts IRQ 0-7 on
  // vectors 8-15); another mode then silences it.
  const struct irq_chip* legacy = irq_chip_for(KERNEL_PIC);
  const struct irq_chip* chip = irq_chip_for(mode);
  if (!legacy || !chip)
    missing("interrupt controller");
  if (!timer_has_clockevent())
    missing("tick device");
  legacy->init();
  if (chip != legacy) {
    if (legacy->shutdown)
      legacy->shutdown();
    chip->init();
  }
  irq_init(chip);
  task_init();
  tasklet_subsys_init();
  softirq_init();
  workqueue_init();
  timer_init();
  sti();
}

void kernel_exit(int code) {
  cli();
  exit_to_host(code);
}
