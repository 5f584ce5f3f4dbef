// Interrupt lines: one descriptor per line (irq_desc), whatever controller
// delivers it.
//
// A line has a status, a chain of handlers (shared lines have several) and
// the chip (8259A pair or IOAPIC+LAPIC) that masks, acknowledges and ends
// it. do_irq() runs the chain with interrupts enabled, and sends the EOI
// only afterwards, so while a handler runs the controller itself keeps
// back this line and every line of lower or equal priority (8259A fully
// nested mode: the ISR bit; LAPIC: the processor priority) while letting
// higher-priority lines preempt it: nesting by priority.
#ifndef MINIPC_FW_KERNEL_IRQ_H
#define MINIPC_FW_KERNEL_IRQ_H

#include <stdint.h>

#define NR_IRQS 24  // IOAPIC inputs; the 8259A pair serves lines 0-15

// irq_desc.status bits.
#define IRQ_DISABLED 0x01    // masked by disable_irq() or never enabled
#define IRQ_WAITING 0x02     // enabled, no interrupt seen yet (cleared by the first)
#define IRQ_PENDING 0x04     // arrived while disabled or in progress; replay it
#define IRQ_INPROGRESS 0x08  // handler chain running

// Handler results.
#define IRQ_NONE 0     // not my device
#define IRQ_HANDLED 1  // my device; it has stopped asking

typedef int (*irq_handler_t)(int irq, void* dev);

struct irqaction {
  irq_handler_t handler;
  void* dev;
  const char* name;
  struct irqaction* next;
};

// How device interrupts reach the CPU (kernel_init()'s argument):
// KERNEL_PIC:  devices -> 8259A pair -> INTR (vectors 0x20-0x2F)
// KERNEL_APIC: devices -> IOAPIC -> LAPIC (vectors 0x30-0xEF), 8259A masked
enum kernel_irq_mode { KERNEL_PIC, KERNEL_APIC, NR_IRQ_MODES };

// What an interrupt controller does for a line: the ops table a controller
// driver registers (irq_register_chip) and the kernel calls through. There
// is no ack-before-handlers step: every line the PC's chips serve is ended
// by one EOI after its handlers, which is what keeps lower priorities back
// while they run (see above); a chip that needs more does it in eoi().
struct irq_chip {
  const char* name;
  void (*init)(void);            // program the controller, every line masked
  void (*shutdown)(void);        // mask every line, the chip stays programmed; may be 0
  void (*mask)(int irq);
  void (*unmask)(int irq);
  void (*eoi)(int irq);          // end of interrupt, after the handlers
  int (*spurious)(int irq);      // 1 if this delivery was spurious (chip ends it itself); may be 0
  int (*vector)(int irq);        // the IDT vector the line arrives on, or -1
};

// The machine's controller for `mode` (called from machine_init(),
// kernel/machine.h). KERNEL_PIC's chip is the legacy one: kernel_init()
// programs it in every mode, so nothing arrives on an exception vector.
void irq_register_chip(enum kernel_irq_mode mode, const struct irq_chip* chip);
// The chip registered for `mode`, or 0.
const struct irq_chip* irq_chip_for(enum kernel_irq_mode mode);

struct irq_desc {
  uint32_t status;
  int depth;                     // disable_irq() nesting
  const struct irq_chip* chip;
  struct irqaction* action;      // handler chain
  uint32_t count;                // deliveries
  uint32_t spurious;             // deliveries the chip reported as spurious
  uint32_t unhandled;            // deliveries no handler claimed
  uint32_t window;               // deliveries in the current "nobody cared" window
  uint32_t window_unhandled;     // of those, unclaimed
  int nobody_cared;              // disabled by note_interrupt (irq.c)
};

// "nobody cared" (Linux's note_interrupt): a line with more than
// NOBODY_CARED_LIMIT unclaimed deliveries out of NOBODY_CARED_WINDOW is
// disabled.
#define NOBODY_CARED_WINDOW 100000u
#define NOBODY_CARED_LIMIT 99900u

extern struct irq_desc irq_desc[NR_IRQS];

// Chooses the controller for every line (kernel_init() passes the chip of
// its mode). Lines start disabled.
void irq_init(const struct irq_chip* chip);

// Adds a handler to the line's chain (at the end) and enables the line.
// Up to NR_ACTIONS handlers in all. Returns 0, or -1 if out of slots.
int request_irq(int irq, irq_handler_t handler, void* dev, const char* name);

// Masks the line at its controller (IMR or IOAPIC mask bit); nests.
void disable_irq(int irq);
void enable_irq(int irq);

// The line whose vector this is, or -1.
int irq_for_vector(int vector);

// Entry from trap(): runs the line's chain.
void do_irq(int irq);

// Hardware-interrupt nesting depth (0 = not in an interrupt handler).
extern volatile int hardirq_depth;

#endif  // MINIPC_FW_KERNEL_IRQ_H
