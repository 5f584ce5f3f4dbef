// kernel_init(): the order matters. Segments and the IDT first (any fault
// after that is diagnosed), then the controller with every line masked,
// then the tasks and bottom halves, then the tick, then STI.
#include "kernel/kernel.h"

#include "drivers/ioapic.h"
#include "drivers/lapic.h"
#include "drivers/pic.h"
#include "kernel/gdt.h"
#include "kernel/irq.h"
#include "kernel/softirq.h"
#include "kernel/task.h"
#include "kernel/timer.h"
#include "kernel/trap.h"
#include "kernel/workqueue.h"
#include "kernel/x86.h"
#include "lib/exit.h"

void tasklet_subsys_init(void);

enum kernel_irq_mode kernel_irq_mode;

void kernel_init(enum kernel_irq_mode mode) {
  cli();
  kernel_irq_mode = mode;
  gdt_init();
  idt_init();
  // The 8259A is always programmed, so nothing arrives on an exception
  // vector (the power-on mapping puts IRQ 0-7 on vectors 8-15).
  pic_init();
  if (mode == KERNEL_APIC) {
    pic_disable();
    lapic_init();
    ioapic_init();
    irq_init(&ioapic_chip);
  } else {
    irq_init(&pic_chip);
  }
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
