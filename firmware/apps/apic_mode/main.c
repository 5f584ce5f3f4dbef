// apic-mode: the timer, keyboard and nesting checks through the IOAPIC and
// the LAPIC, the 8259A masked; TPR masking; the LAPIC timer calibrated
// against the PIT.
//
//   routing   IRQ 0 -> IOAPIC pin 2 -> vector 0xE8, IRQ 1 -> pin 1 -> 0xE0,
//             IRQ 8 -> pin 8 -> 0xA8 (priority class = vector >> 4)
//   timer     1 s of RTC update-ended interrupts = HZ jiffies within one tick
//   keyboard  a key typed through the 8042 (command 0xD2) arrives on IRQ 1
//   nesting   the tick (class 0xE) preempts the RTC handler (class 0xA)
//   TPR       TPR 0xB0 holds the RTC's vector in the IRR while ticks pass;
//             TPR 0 lets it in
//   LAPIC timer  counts (divide by 16) over 10 jiffies give its rate; run
//             periodically at that rate, it fires once per jiffy
#include <stdint.h>

#include "drivers/ioapic.h"
#include "drivers/kbd.h"
#include "drivers/lapic.h"
#include "drivers/pic.h"
#include "drivers/pit.h"
#include "drivers/rtc.h"
#include "kernel/check.h"
#include "kernel/irq.h"
#include "kernel/kernel.h"
#include "kernel/task.h"
#include "kernel/timer.h"
#include "kernel/trap.h"
#include "kernel/x86.h"
#include "lib/console.h"
#include "lib/printf.h"

#define RTC_RATE_1024HZ 6
#define TPR_ABOVE_RTC 0xB0
#define CALIBRATION_TICKS 10
#define LAPIC_RUN_TICKS 100
#define SC_A_MAKE 0x1E
#define SC_A_BREAK 0x9E

static volatile uint32_t updates, update_jiffies[2];
static volatile uint32_t periodic_count;
static volatile int part;
static volatile int nested_ok, nested_depth;
static volatile uint32_t lapic_ticks;

static int rtc_interrupt(int irq, void* dev) {
  (void)irq;
  (void)dev;
  uint8_t status = rtc_irq_status();
  if (status & RTC_C_UF) {
    if (updates < 2)
      update_jiffies[updates] = jiffies;
    updates++;
  }
  if (status & RTC_C_PF) {
    periodic_count++;
    if (part == 'A') {
      part = 'a';
      uint32_t j = jiffies;
      for (uint32_t spin = 0; jiffies == j && spin < 100000000u; spin++)
        __asm__ volatile("pause");
      nested_ok = jiffies != j;
      part = 0;
    }
  }
  return (status & (RTC_C_UF | RTC_C_PF)) ? IRQ_HANDLED : IRQ_NONE;
}

static void tick_hook(void) {
  if (part == 'a' && !nested_depth)
    nested_depth = hardirq_depth;
}

static void lapic_timer_interrupt(struct trapframe* tf) {
  (void)tf;
  lapic_ticks++;
  lapic_eoi();
}

static void wait_next_tick(void) {
  uint32_t j = jiffies;
  while (jiffies == j)
    __asm__ volatile("pause");
}

int main(void) {
  console_init();
  kernel_init(KERNEL_APIC);
  printf("apic: LAPIC at 0x%08x, IOAPIC at 0x%08x with %u inputs\n", LAPIC_BASE, IOAPIC_BASE,
         ioapic_max_redirection() + 1);
  check(1, pic_read_imr() == 0xFFFF, "apic: 8259A fully masked");
  uint64_t timer_entry = ioapic_read_entry(ioapic_pin_for_irq(PIT_IRQ));
  check(2, (timer_entry & 0xFF) == IOAPIC_VECTOR(PIT_IRQ) && !(timer_entry & 0x10000),
        "apic: IRQ 0 routed to IOAPIC pin %d, vector 0x%x, unmasked", ioapic_pin_for_irq(PIT_IRQ),
        IOAPIC_VECTOR(PIT_IRQ));
  timer_tick_hook = tick_hook;

  // Timer against the RTC.
  request_irq(RTC_IRQ, rtc_interrupt, 0, "rtc");
  rtc_ack();
  rtc_enable(RTC_B_UIE);
  while (updates < 2)
    task_sleep_ticks(1);
  rtc_disable(RTC_B_UIE);
  int32_t ticks = (int32_t)(update_jiffies[1] - update_jiffies[0]);
  check(3, ticks >= HZ - 1 && ticks <= HZ + 1, "apic: 1 RTC second = %d jiffies within one tick", HZ);

  // Keyboard.
  kbd_init();
  kbd_inject(SC_A_MAKE);
  while (!kbd_output_empty())
    task_sleep_ticks(1);
  kbd_inject(SC_A_BREAK);
  char c = 0;
  int n = kbd_read(&c, 1, 0);
  check(4, n == 1 && c == 'a' && kbd_irqs > 0, "apic: key 'a' arrived on IRQ 1 via IOAPIC pin 1");

  // Nesting by priority class.
  rtc_set_rate(RTC_RATE_1024HZ);
  rtc_ack();
  rtc_enable(RTC_B_PIE);
  part = 'A';
  while (part)
    task_sleep_ticks(1);
  check(5, nested_ok && nested_depth == 2, "apic: tick (class 0xE) preempted the RTC handler (class 0xA)");

  // TPR.
  uint32_t before = periodic_count;
  lapic_set_tpr(TPR_ABOVE_RTC);
  uint32_t j = jiffies;
  task_sleep_ticks(5);
  int held = periodic_count == before && lapic_irr(IOAPIC_VECTOR(RTC_IRQ)) && jiffies - j >= 5;
  lapic_set_tpr(0);
  task_sleep_ticks(2);
  check(6, held, "apic: TPR 0x%x held vector 0x%x in the IRR, ticks went on", TPR_ABOVE_RTC,
        IOAPIC_VECTOR(RTC_IRQ));
  check(7, periodic_count != before, "apic: TPR 0 delivered it");
  rtc_disable(RTC_B_PIE);

  // LAPIC timer against the PIT.
  trap_set_handler(LAPIC_TIMER_VECTOR, lapic_timer_interrupt);
  wait_next_tick();
  lapic_timer_one_shot_masked(LAPIC_DIV_16, 0xFFFFFFFFu);
  for (int i = 0; i < CALIBRATION_TICKS; i++)
    wait_next_tick();
  uint32_t per_tick = (0xFFFFFFFFu - lapic_timer_current()) / CALIBRATION_TICKS;
  lapic_timer_stop();
  check(8, per_tick > 0, "apic: LAPIC timer counts calibrated over %d jiffies", CALIBRATION_TICKS);
  wait_next_tick();
  lapic_ticks = 0;
  lapic_timer_periodic(LAPIC_DIV_16, per_tick);
  uint32_t start = jiffies;
  while (jiffies - start < LAPIC_RUN_TICKS)
    task_sleep_ticks(1);
  uint32_t fired = lapic_ticks;
  lapic_timer_stop();
  check(9, fired + 2 >= LAPIC_RUN_TICKS && fired <= LAPIC_RUN_TICKS + 2,
        "apic: periodic LAPIC timer fired %d times in %d jiffies, within 2", LAPIC_RUN_TICKS,
        LAPIC_RUN_TICKS);
  check(10, lapic_error_count == 0, "apic: no LAPIC errors");
  check_exit("apic");
}
