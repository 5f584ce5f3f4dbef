// Bad-input scenario: halts with interrupts disabled. Nothing can wake the
// CPU (no NMI source is armed on this PC), so minipc must stop at once with
// exit 94 (deadlock) naming the CPU and its EIP, not run to the time limit.
//
// Command line: nmi=1 first arms the local APIC's LINT1 pin for NMI
// delivery (LVT LINT1 = NMI, unmasked): an NMI could then still come, so
// the run goes on to the time limit (exit 92).
#include <stdint.h>

#include "lib/cmdline.h"
#include "lib/console.h"
#include "lib/printf.h"

#define LAPIC_SVR ((volatile uint32_t*)0xFEE000F0u)
#define LAPIC_LVT_LINT1 ((volatile uint32_t*)0xFEE00360u)
#define LVT_DELIVERY_NMI (4u << 8)

int main(void) {
  console_init();
  if (cmdline_uint("nmi", 0)) {
    *LAPIC_SVR = 0x1FF;  // software-enabled (a disabled APIC keeps its LVTs masked)
    *LAPIC_LVT_LINT1 = LVT_DELIVERY_NMI;
    printf("faults: LINT1 armed for NMI\n");
  }
  printf("faults: halting with interrupts disabled\n");
  for (;;)
    __asm__ volatile("cli; hlt");
  return 1;
}
