// apb_crc32: the second example user RTL block (rtl/examples/apb_crc32): a
// CRC-32 engine that reads memory itself through its bus-master port, on the
// same bus as the CPU (docs/rtl-blocks.md). Block `crc0` of
// platform/configs/apb_crc32.yaml: memory 0xFED20000, IRQ 6, clk_i 10 MHz.
//
//   irq     the CRC of a 64 KiB buffer, completion by interrupt, equals the
//           software CRC-32 (the same table method as the hello scenario)
//   poll    a second buffer, polled, while the CPU keeps computing
//   error   a source in unmapped memory ends with ERR
#include <stdint.h>

#include "drivers/apb_crc32.h"
#include "kernel/check.h"
#include "kernel/irq.h"
#include "kernel/kernel.h"
#include "kernel/task.h"
#include "kernel/timer.h"
#include "lib/console.h"
#include "lib/printf.h"

#define BUF_BYTES 65536u

static uint8_t buf[BUF_BYTES] __attribute__((aligned(4)));
static uint32_t crc_table[256];
static volatile uint32_t irq_status, irq_count;

static void crc32_init(void) {
  for (uint32_t n = 0; n < 256; n++) {
    uint32_t c = n;
    for (int k = 0; k < 8; k++)
      c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    crc_table[n] = c;
  }
}

static uint32_t crc32(const uint8_t* data, uint32_t len) {
  uint32_t c = 0xFFFFFFFFu;
  for (uint32_t i = 0; i < len; i++)
    c = crc_table[(c ^ data[i]) & 0xFF] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}

static int crc_interrupt(int irq, void* dev) {
  (void)irq;
  (void)dev;
  uint32_t s = apb_crc32_ack();
  if (!s) return IRQ_NONE;
  irq_status = s;
  irq_count++;
  return IRQ_HANDLED;
}

int main(void) {
  console_init();
  kernel_init(KERNEL_PIC);
  printf("apb_crc32: RTL CRC-32 engine at 0x%x on IRQ %d\n", APB_CRC32_MMIO_BASE, APB_CRC32_IRQ);
  check(1, apb_crc32_init(APB_CRC32_MMIO_BASE) == 0, "apb_crc32: ID register reads CRC1");
  request_irq(APB_CRC32_IRQ, crc_interrupt, 0, "apb_crc32");
  crc32_init();
  uint32_t x = 12345;
  for (uint32_t i = 0; i < BUF_BYTES; i++) {
    x = x * 1103515245u + 12345u;
    buf[i] = (uint8_t)(x >> 16);
  }

  // By interrupt.
  uint32_t want = crc32(buf, BUF_BYTES);
  uint32_t t0 = jiffies;
  apb_crc32_start((uint32_t)(uintptr_t)buf, BUF_BYTES, 1);
  while (!irq_count && jiffies - t0 < HZ)
    task_sleep_ticks(1);
  uint32_t got = apb_crc32_read(APB_CRC32_RESULT);
  if (got != want) printf("apb_crc32: engine 0x%08x, software 0x%08x\n", got, want);
  check(2, irq_count == 1 && irq_status == APB_CRC32_STATUS_DONE, "apb_crc32: 64 KiB done by interrupt");
  check(3, got == want, "apb_crc32: the engine's CRC-32 equals the software's");

  // Polled, the CPU busy with the same work meanwhile (both on the bus).
  apb_crc32_start((uint32_t)(uintptr_t)(buf + 4096), 8192, 0);
  uint32_t sw = crc32(buf + 4096, 8192);
  uint32_t s;
  while (!((s = apb_crc32_read(APB_CRC32_STATUS)) & (APB_CRC32_STATUS_DONE | APB_CRC32_STATUS_ERR)))
    ;
  apb_crc32_ack();
  check(4, s == APB_CRC32_STATUS_DONE && apb_crc32_read(APB_CRC32_RESULT) == sw,
        "apb_crc32: 8 KiB polled while the CPU computes it too");

  // A bus error: unmapped memory.
  apb_crc32_start(0xE0000000u, 64, 0);
  while (!((s = apb_crc32_read(APB_CRC32_STATUS)) & (APB_CRC32_STATUS_DONE | APB_CRC32_STATUS_ERR)))
    ;
  apb_crc32_ack();
  check(5, s == APB_CRC32_STATUS_ERR, "apb_crc32: a source in unmapped memory ends with ERR");
  check(6, irq_desc[APB_CRC32_IRQ].unhandled == 0, "apb_crc32: every IRQ 6 was the engine's");
  check_exit("apb_crc32");
}
