// mem-scrub: bit flips in RAM with no ECC to report them
// (platform/configs/mem_scrub.yaml, docs/faults.md): the firmware keeps a
// 64 KiB table and a mirror of it, and a scrubber task compares the two
// every 20 ms, as software scrubbing does on machines without ECC. Each
// difference is located (byte and bit), reported and repaired from the
// mirror (the table is the copy the faults hit; a real scrubber would need a
// checksum per block to tell which copy is wrong, which costs nothing here).
//
//   50 ms   ram bit_flip 0xA01234 bit 5
//   150 ms  ram bit_flip 0xA0FFFF bit 0
#include <stdint.h>

#include "kernel/check.h"
#include "kernel/kernel.h"
#include "kernel/task.h"
#include "kernel/timer.h"
#include "lib/console.h"
#include "lib/printf.h"

#define TABLE ((volatile uint8_t*)0x00A00000u)   // 10 MiB: free RAM, away from the image
#define MIRROR ((volatile uint8_t*)0x00A10000u)
#define BYTES 0x10000u
#define PERIOD_MS 20
#define MAX_FOUND 4

struct found {
  uint32_t address;
  uint8_t bits;  // the flipped bits
};
static struct found found[MAX_FOUND];
static volatile uint32_t nfound, passes;

static void scrub_once(void) {
  for (uint32_t i = 0; i < BYTES; i += 4) {
    if (*(volatile uint32_t*)(TABLE + i) == *(volatile uint32_t*)(MIRROR + i))
      continue;
    for (uint32_t j = i; j < i + 4; j++) {
      uint8_t diff = (uint8_t)(TABLE[j] ^ MIRROR[j]);
      if (!diff)
        continue;
      if (nfound < MAX_FOUND)
        found[nfound] = (struct found){(uint32_t)(uintptr_t)(TABLE + j), diff};
      nfound++;
      TABLE[j] = MIRROR[j];
    }
  }
  passes++;
}

static void scrubber(void* arg) {
  (void)arg;
  for (;;) {
    scrub_once();
    task_sleep_ticks(PERIOD_MS * HZ / 1000);
  }
}

int main(void) {
  console_init();
  kernel_init(KERNEL_PIC);
  for (uint32_t i = 0; i < BYTES; i++)
    TABLE[i] = MIRROR[i] = (uint8_t)(i * 13 + (i >> 7));
  task_create_kernel("scrubber", scrubber, 0);
  while (uptime_ms() < 250)
    task_sleep_ticks(5);

  for (uint32_t k = 0; k < nfound && k < MAX_FOUND; k++)
    printf("mem-scrub: byte 0x%x: bits 0x%x flipped, repaired from the mirror\n", found[k].address,
           found[k].bits);
  check(1, nfound == 2, "mem-scrub: two flipped bits found");
  check(2, nfound >= 1 && found[0].address == 0xA01234u && found[0].bits == 0x20,
        "mem-scrub: the first at 0xA01234, bit 5");
  check(3, nfound >= 2 && found[1].address == 0xA0FFFFu && found[1].bits == 0x01,
        "mem-scrub: the second at 0xA0FFFF, bit 0");
  int clean = 1;
  for (uint32_t i = 0; i < BYTES; i++)
    clean &= TABLE[i] == MIRROR[i];
  check(4, clean && passes >= 2, "mem-scrub: the table is whole again");
  check_exit("mem-scrub");
}
