// The PC as the kernel sees it (kernel/machine.h): which drivers serve the
// kernel's interrupt modes and its tick. The kernel calls machine_init()
// and from then on only calls through the tables registered here.
//
// A new machine (or a second PC flavour) is another file defining
// machine_init(); a new controller or tick device is a new driver whose
// table is registered here.
#include "drivers/ioapic.h"
#include "drivers/pic.h"
#include "drivers/pit.h"
#include "kernel/irq.h"
#include "kernel/machine.h"
#include "kernel/timer.h"

void machine_init(void) {
  // Legacy mode: devices -> 8259A pair -> INTR. APIC mode: devices ->
  // IOAPIC -> LAPIC, the 8259A programmed but masked.
  irq_register_chip(KERNEL_PIC, &pic_chip);
  irq_register_chip(KERNEL_APIC, &ioapic_chip);
  // The 8254's channel 0 on IRQ 0 (IOAPIC pin 2 in APIC mode).
  clockevent_register(&pit_clockevent);
}
