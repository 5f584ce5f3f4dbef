// Line descriptors and the flow of one interrupt.
#include "kernel/irq.h"

#include "lib/printf.h"

#include "kernel/x86.h"
#include "lib/trace.h"

#define NR_ACTIONS 32

struct irq_desc irq_desc[NR_IRQS];
volatile int hardirq_depth;

static struct irqaction actions[NR_ACTIONS];
static int nactions;
static signed char vector_irq[256];
static const struct irq_chip* chips[NR_IRQ_MODES];

void irq_register_chip(enum kernel_irq_mode mode, const struct irq_chip* chip) {
  if ((unsigned)mode < NR_IRQ_MODES)
    chips[mode] = chip;
}

const struct irq_chip* irq_chip_for(enum kernel_irq_mode mode) {
  return (unsigned)mode < NR_IRQ_MODES ? chips[mode] : 0;
}

void irq_init(const struct irq_chip* chip) {
  for (int v = 0; v < 256; v++)
    vector_irq[v] = -1;
  for (int irq = 0; irq < NR_IRQS; irq++) {
    struct irq_desc* desc = &irq_desc[irq];
    desc->status = IRQ_DISABLED;
    desc->depth = 1;
    desc->chip = chip;
    desc->action = 0;
    desc->count = desc->spurious = desc->unhandled = 0;
    desc->window = desc->window_unhandled = 0;
    desc->nobody_cared = 0;
    int v = chip->vector(irq);
    if (v >= 0)
      vector_irq[v] = (signed char)irq;
  }
}

int irq_for_vector(int vector) {
  return vector_irq[vector & 0xFF];
}

int request_irq(int irq, irq_handler_t handler, void* dev, const char* name) {
  uint32_t flags = irq_save();
  if (irq < 0 || irq >= NR_IRQS || nactions == NR_ACTIONS) {
    irq_restore(flags);
    return -1;
  }
  struct irqaction* a = &actions[nactions++];
  a->handler = handler;
  a->dev = dev;
  a->name = name;
  a->next = 0;
  struct irq_desc* desc = &irq_desc[irq];
  struct irqaction** link = &desc->action;
  while (*link)
    link = &(*link)->next;
  *link = a;
  int first = (link == &desc->action);
  irq_restore(flags);
  if (first) {
    desc->status |= IRQ_WAITING;
    enable_irq(irq);
  }
  return 0;
}

void disable_irq(int irq) {
  uint32_t flags = irq_save();
  struct irq_desc* desc = &irq_desc[irq];
  if (desc->depth++ == 0) {
    desc->status |= IRQ_DISABLED;
    desc->chip->mask(irq);
  }
  irq_restore(flags);
}

void enable_irq(int irq) {
  uint32_t flags = irq_save();
  struct irq_desc* desc = &irq_desc[irq];
  if (desc->depth > 0 && --desc->depth == 0) {
    desc->status &= ~IRQ_DISABLED;
    desc->chip->unmask(irq);
  }
  irq_restore(flags);
}

// Linux's note_interrupt(): of every NOBODY_CARED_WINDOW deliveries on a
// line, more than NOBODY_CARED_LIMIT that no handler claimed mean a stuck
// or misrouted line ("nobody cared"): the kernel disables the line and says
// so, instead of spending the machine in its interrupt handlers. (Linux also
// restarts the count when unhandled deliveries are more than 100 ms apart;
// this kernel counts plain windows.)
static void note_interrupt(int irq, struct irq_desc* desc, int handled) {
  desc->window++;
  if (!handled)
    desc->window_unhandled++;
  if (desc->window < NOBODY_CARED_WINDOW)
    return;
  if (desc->window_unhandled > NOBODY_CARED_LIMIT) {
    printf("irq %d: nobody cared (%u of %u deliveries unhandled), disabling it\n", irq,
           (unsigned)desc->window_unhandled, (unsigned)desc->window);
    desc->nobody_cared = 1;
    disable_irq(irq);
  }
  desc->window = desc->window_unhandled = 0;
}

static void run_chain(int irq, struct irq_desc* desc) {
  int handled = 0;
  for (struct irqaction* a = desc->action; a; a = a->next)
    handled |= a->handler(irq, a->dev);
  if (!handled)
    desc->unhandled++;
  note_interrupt(irq, desc, handled);
}

// Called with interrupts disabled (interrupt gate).
void do_irq(int irq) {
  struct irq_desc* desc = &irq_desc[irq];
  const struct irq_chip* chip = desc->chip;
  int vector = chip->vector(irq);

  if (chip->spurious && chip->spurious(irq)) {
    desc->spurious++;
    return;
  }
  trace_mark(TRACE_ISR_ENTER, (uint32_t)vector);
  desc->count++;
  desc->status &= ~IRQ_WAITING;

  if (desc->status & (IRQ_DISABLED | IRQ_INPROGRESS) || !desc->action) {
    // Not now: remember it and keep the line quiet until it is replayed.
    desc->status |= IRQ_PENDING;
    chip->eoi(irq);
    trace_mark(TRACE_ISR_EXIT, (uint32_t)vector);
    return;
  }

  desc->status |= IRQ_INPROGRESS;
  hardirq_depth++;
  do {
    desc->status &= ~IRQ_PENDING;
    // Higher-priority lines may preempt the handlers from here on; this
    // line and lower ones wait for the EOI below.
    sti();
    run_chain(irq, desc);
    cli();
  } while ((desc->status & (IRQ_PENDING | IRQ_DISABLED)) == IRQ_PENDING);
  hardirq_depth--;
  desc->status &= ~IRQ_INPROGRESS;
  chip->eoi(irq);
  trace_mark(TRACE_ISR_EXIT, (uint32_t)vector);
}
