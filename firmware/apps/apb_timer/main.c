// apb_timer: the example user RTL block (rtl/examples/apb_timer) behind the
// generic APB bridge, driven by firmware/drivers/apb_timer.c
// (docs/rtl-blocks.md). The block is `timer0` in
// platform/configs/apb_timer.yaml: memory 0xFED10000, IRQ 5, clk_i 1 MHz.
//
//   periodic  1 kHz (LOAD 1000): counted over 100 ms of jiffies
//   one-shot  5 ms (LOAD 5000): fires once, after 5 ms of jiffies; the
//             counter stops at 0 and EN clears
//   strobes   a byte write lands in one byte lane (APB4 PSTRB)
//   PSLVERR   an unmapped offset reads all ones, a write to the read-only
//             ID is lost (the bridge answers PSLVERR as an unmapped access)
#include <stdint.h>

#include "drivers/apb_timer.h"
#include "kernel/check.h"
#include "kernel/irq.h"
#include "kernel/kernel.h"
#include "kernel/task.h"
#include "kernel/timer.h"
#include "lib/console.h"
#include "lib/printf.h"

#define CLOCK_HZ 1000000u

static volatile uint32_t expiries;
static volatile uint32_t expired_at;

static int timer_interrupt(int irq, void* dev) {
  (void)irq;
  (void)dev;
  if (!apb_timer_ack()) return IRQ_NONE;
  expiries++;
  expired_at = jiffies;
  return IRQ_HANDLED;
}

int main(void) {
  console_init();
  kernel_init(KERNEL_PIC);
  printf("apb_timer: RTL timer at 0x%x on IRQ %d, HZ=%d\n", APB_TIMER_MMIO_BASE, APB_TIMER_IRQ, HZ);
  check(1, apb_timer_init(APB_TIMER_MMIO_BASE) == 0, "apb_timer: ID register reads APT1");
  request_irq(APB_TIMER_IRQ, timer_interrupt, 0, "apb_timer");

  // Periodic, 1 kHz.
  apb_timer_start(CLOCK_HZ / 1000, 1);
  task_sleep_ticks(2);  // skip the first, partial period
  uint32_t start = expiries;
  task_sleep_ticks(HZ / 10);
  uint32_t counted = expiries - start;
  apb_timer_stop();
  if (counted < 98 || counted > 102) printf("apb_timer: counted %u periodic interrupts\n", counted);
  check(2, counted >= 98 && counted <= 102, "apb_timer: periodic 1 kHz counted over 100 ms of jiffies within 2%%");

  // One-shot, 5 ms.
  uint32_t before = expiries;
  uint32_t set_at = jiffies;
  apb_timer_start(5 * (CLOCK_HZ / 1000), 0);
  while (expiries == before && jiffies - set_at < HZ)
    task_sleep_ticks(1);
  task_sleep_ticks(HZ / 100 + 1);  // long enough for a second expiry, if any
  uint32_t waited = expired_at - set_at;
  check(3, expiries - before == 1, "apb_timer: the one-shot fired once");
  check(4, waited * 1000 >= 4 * HZ && waited * 1000 <= 6 * HZ, "apb_timer: one-shot 5 ms fired after 5 ms of jiffies");
  check(5, apb_timer_read(APB_TIMER_COUNT) == 0 && !(apb_timer_read(APB_TIMER_CTRL) & APB_TIMER_CTRL_EN),
        "apb_timer: the one-shot stopped at 0 with EN clear");

  // Byte strobes.
  apb_timer_write(APB_TIMER_LOAD, 0);
  *(volatile uint8_t*)(APB_TIMER_MMIO_BASE + APB_TIMER_LOAD + 1) = 0xAB;
  check(6, apb_timer_read(APB_TIMER_LOAD) == 0xAB00u, "apb_timer: a byte write changes one byte lane");

  // PSLVERR.
  check(7, apb_timer_read(0x40) == 0xFFFFFFFFu, "apb_timer: an unmapped register reads all ones (PSLVERR)");
  apb_timer_write(APB_TIMER_ID, 0);
  check(8, apb_timer_read(APB_TIMER_ID) == APB_TIMER_ID_VALUE, "apb_timer: a write to the read-only ID is lost");
  check(9, irq_desc[APB_TIMER_IRQ].unhandled == 0, "apb_timer: every IRQ 5 was the timer's");
  check_exit("apb_timer");
}
