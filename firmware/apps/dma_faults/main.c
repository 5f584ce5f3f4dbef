// dma-faults: the DMA driver recovers from bus errors in the middle of a
// transfer, injected by the platform (docs/faults.md; the faults are in
// platform/configs/dma_faults.yaml):
//
//   src_read   the DMAC's 1,000th read of SRC answers a bus error (the
//              first copy stops after 999 units)
//   dst_write  the DMAC's 7,095th write of DST answers a bus error: the
//              first copy wrote 999 + 4,096 units, so the second copy
//              stops after 1,999
//
// A copy of 16 KiB (4,096 dwords) from SRC to DST, interrupt-completed,
// is retried from the start when the channel reports a bus error (up to
// three tries); the scenario checks that the first try stopped part-way
// with the right error, that the retry delivered every byte, and that a
// write error is reported as one.
#include <stdint.h>

#include "drivers/dma.h"
#include "kernel/check.h"
#include "kernel/kernel.h"
#include "lib/console.h"
#include "lib/printf.h"
#include "lib/string.h"

#define SRC 0x00800000u  // 8 MiB: free RAM, away from the image
#define DST 0x00900000u
#define BYTES 16384u
#define UNITS (BYTES / 4)
#define TRIES 3

struct attempt {
  int code;
  uint32_t remaining;
};

// Copies BYTES from SRC to DST on channel 0; records each try. Returns the
// number of tries used, or 0 when every try failed.
static int copy_with_retry(struct attempt* log) {
  for (int t = 0; t < TRIES; t++) {
    memset((void*)DST, 0, BYTES);
    struct dma_xfer x = {.src = SRC, .dst = DST, .count = UNITS, .unit = 4, .mode = DMA_MODE_BURST,
                         .src_inc = 1, .dst_inc = 1, .irq = 1};
    dma_program(0, &x);
    dma_start(0);
    log[t].code = dma_wait_irq(0);
    log[t].remaining = dma_remaining(0);
    if (log[t].code == DMA_OK)
      return t + 1;
    printf("dma-faults: try %d: %s after %u of %u units, retrying\n", t + 1, dma_strerror(log[t].code),
           UNITS - log[t].remaining, UNITS);
  }
  return 0;
}

int main(void) {
  console_init();
  kernel_init(KERNEL_PIC);
  check(1, dma_init(DMA_ACCESS_PORT, 0xD000, 0) == 0, "dma-faults: controller found");
  dma_irq_init();
  uint8_t* src = (uint8_t*)SRC;
  for (uint32_t i = 0; i < BYTES; i++)
    src[i] = (uint8_t)(i * 7 + (i >> 8));

  struct attempt a[TRIES] = {0};
  int tries = copy_with_retry(a);
  check(2, a[0].code == DMA_ERR_READ_BUS && a[0].remaining > 0 && a[0].remaining < UNITS,
        "dma-faults: first copy stopped part-way by a read bus error");
  check(3, tries == 2 && memcmp((void*)SRC, (void*)DST, BYTES) == 0,
        "dma-faults: the retry delivered every byte");

  struct attempt b[TRIES] = {0};
  tries = copy_with_retry(b);
  check(4, b[0].code == DMA_ERR_WRITE_BUS && b[0].remaining > 0 && b[0].remaining < UNITS,
        "dma-faults: second copy stopped part-way by a write bus error");
  check(5, tries == 2 && memcmp((void*)SRC, (void*)DST, BYTES) == 0,
        "dma-faults: its retry delivered every byte");
  check(6, dma_irq_errors[0] == 2, "dma-faults: the interrupt handler saw both errors");
  check_exit("dma-faults");
}
