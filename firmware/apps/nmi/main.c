// nmi: the non-maskable interrupt (SDM vol. 3 §6.7) sent by the CPU to itself
// through the local APIC's ICR (physical destination = own APIC ID, delivery
// mode NMI: a self NMI by shorthand is not a valid ICR combination).
//
//   IF=0      the NMI is taken through vector 2 with interrupts disabled
//   blocking  a second NMI sent inside the handler waits for its IRET, then
//             is taken once, not nested
//   HLT       cli; hlt is ended by an NMI. The NMI may land before the HLT
//             (QEMU delivers it at the ICR write): the code skips the HLT if
//             it already came, and the handler steps over the HLT if it
//             interrupted the window between that test and the HLT, so the
//             check cannot hang; which path ran is printed (not a check
//             line: it is timing). The unit tests pin HLT wake-up down.
//
// Built twice: nmi (KERNEL_APIC, platform.interrupts=apic) and nmi_pic
// (KERNEL_PIC: the LAPIC stays software-disabled, which still sends IPIs).
#include <stdint.h>

#include "drivers/lapic.h"
#include "kernel/check.h"
#include "kernel/kernel.h"
#include "kernel/trap.h"
#include "kernel/x86.h"
#include "lib/io.h"
#include "lib/console.h"
#include "lib/printf.h"

#define LAPIC_REG(off) (*(volatile uint32_t*)(LAPIC_BASE + (off)))
#define ICR_LOW 0x300
#define ICR_HIGH 0x310
#define ICR_NMI 0x400
#define ICR_ASSERT 0x4000
#define ICR_PENDING 0x1000
#define SPIN 100000u

static volatile uint32_t nmi_count, depth, max_depth;
static volatile uint32_t saw_if;          // IF of an interrupted context (1: some NMI hit IF=1)
static volatile int resend_in_handler;    // the next NMI handler sends one more NMI
static volatile uint32_t count_after_resend;  // nmi_count when the handler returned
static volatile uint32_t hlt_woken, hlt_skipped;
extern char nmi_window[], nmi_hlt[], nmi_done[];  // check 3's test-and-HLT

static void send_self_nmi(void) {
  LAPIC_REG(ICR_HIGH) = lapic_id() << 24;
  LAPIC_REG(ICR_LOW) = ICR_ASSERT | ICR_NMI;
  for (uint32_t i = 0; (LAPIC_REG(ICR_LOW) & ICR_PENDING) && i < SPIN; i++)
    __asm__ volatile("pause");
}

static int nmi_handler(struct trapframe* tf) {
  depth++;
  if (depth > max_depth)
    max_depth = depth;
  nmi_count++;
  if (tf->eflags & EFLAGS_IF)
    saw_if = 1;
  if (resend_in_handler) {
    resend_in_handler = 0;
    send_self_nmi();
    for (uint32_t i = 0; i < SPIN; i++)  // time for it to arrive (blocked)
      __asm__ volatile("pause");
    count_after_resend = nmi_count;
  }
  if (tf->eip >= (uint32_t)nmi_window && tf->eip <= (uint32_t)nmi_hlt) {
    tf->eip = (uint32_t)nmi_done;  // before the HLT: step over it (IF=0 would halt for good)
    hlt_skipped++;
  } else if (tf->eip == (uint32_t)nmi_done) {
    hlt_woken++;  // the return address of the HLT
  }
  depth--;
  return 1;
}

static int wait_count(uint32_t n) {
  for (uint32_t i = 0; nmi_count < n && i < 10 * SPIN; i++)
    __asm__ volatile("pause");
  return nmi_count == n;
}

int main(void) {
  console_init();
#ifdef NMI_PIC
  kernel_init(KERNEL_PIC);
#else
  kernel_init(KERNEL_APIC);
#endif
  exception_set_handler(T_NMI, nmi_handler);

  cli();
  send_self_nmi();
  int ok = wait_count(1);
  check(1, ok && !saw_if && max_depth == 1, "nmi: self NMI through the LAPIC ICR taken with IF=0");

  resend_in_handler = 1;
  send_self_nmi();
  ok = wait_count(3);
  check(2, ok && count_after_resend == 2 && max_depth == 1,
        "nmi: an NMI sent inside the handler waited for its IRET and was taken once");

  send_self_nmi();
  __asm__ volatile(
      ".globl nmi_window, nmi_hlt, nmi_done\n"
      "nmi_window: cmpl $4, %0\n"
      "        jae nmi_done\n"
      "nmi_hlt: hlt\n"
      "nmi_done:\n"
      :
      : "m"(nmi_count)
      : "memory", "cc");
  ok = wait_count(4);
  printf("nmi: HLT %s\n", hlt_woken ? "woken by the NMI" : hlt_skipped ? "stepped over (the NMI came first)" : "skipped (the NMI came first)");
  check(3, ok && hlt_woken + hlt_skipped <= 1, "nmi: cli; hlt ended by an NMI");
  sti();

  check(4, nmi_count == 4 && max_depth == 1, "nmi: 4 NMIs, never nested");
  check_exit("nmi");
}
