// diskfault: the ATA driver (drivers/ata.c) coping with the disk's faults
// (docs/faults_disk_nmi.md), on the test image of tools/mkdiskimage, run with
// platform/configs/disk_faults.yaml:
//   bad   kind unreadable, lba 100, count 2, from 0 s
//   hang  kind busy, at 200 ms, no duration (the drive never answers again)
//
//   1 PIO, polling: sectors 96..111 through ata_read_sectors(): 100 and 101
//     reported unreadable after ATA_READ_TRIES commands each, the other 14
//     match the image, the two bad ones are zeroed
//   2 READ DMA, IRQ 14: the same
//   3 a plain ata_read_pio() over the bad sector ends with ATA_EUNC and the
//     task file's LBA; a read elsewhere has no error
//   4 after the hang (the task sleeps past 200 ms): a read fails with
//     ATA_EDEAD, the driver's console line says the drive is dead, and the
//     wait was bounded (jiffies: within 5 timeouts of ATA_TIMEOUT)
//   5 the next read fails with ATA_EDEAD at once (under a tick)
//
// With hang=dma, step 4 instead reads 64 sectors at a time by DMA with
// IRQ 14 from 150 ms on until a read fails: the hang lands in the middle of
// a command (the drive drops it without an interrupt), the driver's command
// timer ends the sleep, and the drive is reported dead the same way.
//
// The measured times go to plain lines, not check lines.
#include <stdint.h>

#include "apps/disk/pattern.h"
#include "drivers/ata.h"
#include "kernel/check.h"
#include "kernel/kernel.h"
#include "kernel/task.h"
#include "kernel/timer.h"
#include "lib/cmdline.h"
#include "lib/console.h"
#include "lib/printf.h"
#include "lib/string.h"

#define LBA0 96u
#define NSECT 16u
#define BAD0 100u  // the config's fault: lba 100, count 2
#define NBAD 2u
#define HANG_MS 200u  // the config's busy fault
#define TIMEOUT_MS 20u
#define GOOD_LBA 200u

#define DMA_CHUNK 64u
static uint8_t buf[DMA_CHUNK * ATA_SECTOR_SIZE] __attribute__((aligned(16)));

// Dwords that differ from the image outside the bad sectors, and whether the
// bad sectors were zeroed.
static uint32_t mismatches_outside_bad(int* zeroed) {
  uint32_t bad = 0;
  *zeroed = 1;
  for (uint32_t s = 0; s < NSECT; s++) {
    uint32_t lba = LBA0 + s;
    const uint8_t* p = buf + s * ATA_SECTOR_SIZE;
    if (lba >= BAD0 && lba < BAD0 + NBAD) {
      for (uint32_t i = 0; i < ATA_SECTOR_SIZE; i++)
        if (p[i])
          *zeroed = 0;
    } else {
      bad += pattern_mismatches(p, lba, 1, 0);
    }
  }
  return bad;
}

static void robust_read(int code, const char* name, enum ata_xfer xfer) {
  struct ata_read_report rep;
  memset(buf, 0xEE, NSECT * ATA_SECTOR_SIZE);
  int r = ata_read_sectors(LBA0, NSECT, buf, xfer, &rep);
  int zeroed;
  uint32_t bad = mismatches_outside_bad(&zeroed);
  int listed = rep.nbad == NBAD && rep.bad[0] == BAD0 && rep.bad[1] == BAD0 + 1;
  if (r != ATA_EUNC || !listed || bad || !zeroed)
    printf("diskfault: %s: returned %d (%s), %u bad sectors listed (first %u), %u dwords differ, retries %u\n",
           name, r, ata_strerror(r), rep.nbad, rep.nbad ? rep.bad[0] : 0, bad, rep.retries);
  check(code, r == ATA_EUNC && listed && bad == 0 && zeroed,
        "diskfault: %s: LBA %u and %u unreadable, the other %u sectors match the image", name, BAD0, BAD0 + 1,
        NSECT - NBAD);
  check(code, rep.retries == NBAD * (ATA_READ_TRIES - 1),
        "diskfault: %s: each bad sector tried %d times before it was given up", name, ATA_READ_TRIES);
}

int main(void) {
  console_init();
  kernel_init(KERNEL_PIC);
  printf("diskfault: ATA driver against an unreadable range and a hung drive\n");
  int r = ata_init(ATA_POLL, ATA_BM_PORT);
  check(1, r == 0, "diskfault: drive 0 ready");
  ata_set_timeout_ms(TIMEOUT_MS);

  robust_read(2, "pio", ATA_XFER_PIO);
  ata_set_wait(ATA_INTERRUPT);
  robust_read(3, "dma", ATA_XFER_DMA);
  ata_set_wait(ATA_POLL);

  memset(buf, 0xEE, NSECT * ATA_SECTOR_SIZE);
  r = ata_read_pio(BAD0 - 2, 4, buf);
  uint32_t where = ata_last_error_lba;
  check(4, r == ATA_EUNC && where == BAD0 && (ata_last_error & ATA_ER_UNC) && (ata_last_status & ATA_SR_ERR),
        "diskfault: one READ SECTORS over the range: UNC at LBA %u in the task file", BAD0);
  check(4, pattern_mismatches(buf, BAD0 - 2, 2, 0) == 0,
        "diskfault: the sectors before the bad one arrived (PIO)");
  r = ata_read_pio(GOOD_LBA, NSECT, buf);
  check(4, r == 0 && pattern_mismatches(buf, GOOD_LBA, NSECT, 0) == 0,
        "diskfault: sectors outside the range read without error");

  uint32_t before_hang = uptime_ms();
  if (before_hang >= HANG_MS)
    printf("diskfault: the reads took until %u ms, past the hang at %u ms\n", before_hang, HANG_MS);
  check(5, before_hang < HANG_MS, "diskfault: the reads ended before the drive hangs");
  uint32_t t0, waited_ms;
  if (cmdline_is("hang", "dma")) {
    // Back-to-back DMA reads with IRQ 14 from 150 ms on: the hang comes
    // during one of them.
    task_sleep_ticks((HANG_MS - 50u - before_hang) * HZ / 1000u);
    ata_set_wait(ATA_INTERRUPT);
    uint32_t good = 0;
    for (;;) {
      t0 = jiffies;
      r = ata_read_dma(GOOD_LBA, DMA_CHUNK, buf);
      if (r)
        break;
      good += pattern_mismatches(buf, GOOD_LBA, DMA_CHUNK, 0) == 0;
    }
    ata_set_wait(ATA_POLL);
    check(6, good > 0, "diskfault: DMA reads with IRQ 14 worked until the hang");
  } else {
    task_sleep_ticks((HANG_MS + 50u - before_hang) * HZ / 1000u);
    t0 = jiffies;
    r = ata_read_pio(GOOD_LBA, 1, buf);
  }
  waited_ms = (jiffies - t0) * 1000u / HZ;
  printf("diskfault: the hung drive was given up after %u ms (timeout %u ms)\n", waited_ms, TIMEOUT_MS);
  check(6, r == ATA_EDEAD && ata_dead, "diskfault: a read from the hung drive fails: drive reported dead");
  check(6, waited_ms <= 5 * TIMEOUT_MS, "diskfault: the wait was bounded (at most 5 timeouts)");
  t0 = jiffies;
  r = ata_read_dma(GOOD_LBA, 1, buf);
  uint32_t again = jiffies - t0;
  check(7, r == ATA_EDEAD && again <= 1, "diskfault: the next command fails at once with the drive dead");
  check_exit("diskfault");
}
