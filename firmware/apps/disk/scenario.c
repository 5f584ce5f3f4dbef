// disk: the ATA driver (drivers/ata.c) against the test image of
// tools/mkdiskimage (pattern.h), every path, a write through the
// copy-on-write overlay and the error cases.
//
//   identify   the drive answers; LBA and DMA supported; capacity = the image's
//   paths      the same 16 sectors read by PIO polling, PIO IRQ 14, DMA
//              polling, DMA IRQ 14, and DMA with the bus-master registers
//              through MMIO; each compared with the pattern
//   big        one READ DMA of 256 sectors into a buffer straddling 64 KiB
//              boundaries (three PRD entries)
//   write      PIO write + DMA read-back, DMA write + PIO read-back; the
//              neighbouring sectors keep the image's data
//   errors     a read past the last sector ends in IDNF (PIO and DMA); a PRD
//              entry or the PRD table outside RAM gives the BMISTA error
//              (polling and IRQ), and the next command works
//
// Command line: "paths=pio" runs only what a PC without minipc's bus-master
// window can do (identify, PIO paths, PIO write, PIO IDNF): the QEMU run.
#include <stdint.h>

#include "apps/disk/pattern.h"
#include "drivers/ata.h"
#include "kernel/check.h"
#include "kernel/irq.h"
#include "kernel/kernel.h"
#include "lib/cmdline.h"
#include "lib/console.h"
#include "lib/printf.h"
#include "lib/string.h"

#define LBA0 100u
#define NSECT 16u
#define WRITE_LBA 2000u
#define WRITE_N 8u
#define SALT_PIO 0xFFFFFFFFu
#define SALT_DMA 0x5A5A0000u
#define OUTSIDE_RAM 0xF0000000u  // nothing is mapped there on minipc

static uint16_t id[256];
static uint8_t buf[NSECT * ATA_SECTOR_SIZE] __attribute__((aligned(16)));
static uint8_t wbuf[WRITE_N * ATA_SECTOR_SIZE] __attribute__((aligned(16)));
static uint8_t big_area[0x38000] __attribute__((aligned(16)));
static struct ata_prd bad_prd[1] __attribute__((aligned(8)));

static void clear(void* p, uint32_t n) {
  memset(p, 0xEE, n);
}

static void report(const char* what, int r, uint32_t bad) {
  if (r || bad)
    printf("disk: %s: returned %d (%s), %u dwords differ, status 0x%x error 0x%x bmista 0x%x\n", what,
           r, ata_strerror(r), bad, ata_last_status, ata_last_error, ata_last_bmista);
}

// Reads the test sectors in the given mode and checks them; the number of
// IRQ 14 deliveries during the read goes to *irqs.
static int read_path(int code, const char* name, int dma_path, enum ata_wait wait, enum ata_bm_access bm,
                     uint32_t* irqs) {
  ata_set_wait(wait);
  ata_set_bm_access(bm);
  clear(buf, sizeof buf);
  uint32_t before = ata_irqs;
  int r = dma_path ? ata_read_dma(LBA0, NSECT, buf) : ata_read_pio(LBA0, NSECT, buf);
  *irqs = ata_irqs - before;
  uint32_t bad = pattern_mismatches(buf, LBA0, NSECT, 0);
  report(name, r, bad);
  return check(code, r == 0 && bad == 0, "disk: %s: %u sectors read match the image", name, NSECT);
}

int main(void) {
  console_init();
  kernel_init(KERNEL_PIC);
  int dma_paths = !cmdline_is("paths", "pio");
  printf("disk: ATA driver, primary channel, %s\n", dma_paths ? "PIO and bus-master DMA" : "PIO only");

  int r = ata_init(ATA_POLL, ATA_BM_PORT);
  if (r)
    printf("disk: ata_init: %d (%s), status 0x%x\n", r, ata_strerror(r), ata_last_status);
  check(1, r == 0, "disk: drive 0 ready after a soft reset");
  uint32_t sectors = 0;
  r = ata_identify(id, &sectors);
  char model[41];
  for (int i = 0; i < 20; i++) {
    model[2 * i] = (char)(id[27 + i] >> 8);
    model[2 * i + 1] = (char)id[27 + i];
  }
  model[40] = 0;
  printf("disk: IDENTIFY: model \"%s\", %u sectors\n", model, sectors);
  check(2, r == 0 && (id[49] & 0x0200) && (id[49] & 0x0100),
        "disk: IDENTIFY DEVICE: LBA and DMA supported");
  check(3, sectors == DISK_IMAGE_SECTORS, "disk: capacity is the test image's %u sectors",
        DISK_IMAGE_SECTORS);

  // Every path reads the same sectors.
  uint32_t irqs;
  read_path(4, "PIO polling", 0, ATA_POLL, ATA_BM_PORT, &irqs);
  check(5, irqs == 0, "disk: PIO polling took no interrupt");
  read_path(6, "PIO IRQ 14", 0, ATA_INTERRUPT, ATA_BM_PORT, &irqs);
  check(7, irqs == NSECT, "disk: PIO IRQ 14: one interrupt per sector");
  if (dma_paths) {
    read_path(8, "DMA polling", 1, ATA_POLL, ATA_BM_PORT, &irqs);
    check(9, irqs == 0, "disk: DMA polling took no interrupt");
    read_path(10, "DMA IRQ 14", 1, ATA_INTERRUPT, ATA_BM_PORT, &irqs);
    check(11, irqs == 1, "disk: DMA IRQ 14: one interrupt per command");
    read_path(12, "DMA IRQ 14, bus-master registers by MMIO", 1, ATA_INTERRUPT, ATA_BM_MMIO, &irqs);
    read_path(13, "DMA polling, bus-master registers by MMIO", 1, ATA_POLL, ATA_BM_MMIO, &irqs);

    // 256 sectors (128 KiB) starting 32 KiB into a 64 KiB page: 3 PRD entries.
    uint8_t* big = (uint8_t*)((((uint32_t)big_area + 0xFFFFu) & ~0xFFFFu) + 0x8000u);
    ata_set_bm_access(ATA_BM_PORT);
    ata_set_wait(ATA_INTERRUPT);
    clear(big, 256 * ATA_SECTOR_SIZE);
    r = ata_read_dma(0, 256, big);
    uint32_t bad = pattern_mismatches(big, 0, 256, 0);
    report("big DMA", r, bad);
    check(14, r == 0 && bad == 0, "disk: READ DMA of 256 sectors across two 64 KiB boundaries");
  }

  // Writes go to the copy-on-write overlay; read back by the other method.
  ata_set_wait(ATA_POLL);
  pattern_fill(wbuf, WRITE_LBA, WRITE_N, SALT_PIO);
  r = ata_write_pio(WRITE_LBA, WRITE_N, wbuf);
  check(15, r == 0, "disk: WRITE SECTORS (PIO) of %u sectors", WRITE_N);
  ata_set_wait(ATA_INTERRUPT);
  clear(buf, sizeof buf);
  r = dma_paths ? ata_read_dma(WRITE_LBA, WRITE_N, buf) : ata_read_pio(WRITE_LBA, WRITE_N, buf);
  uint32_t bad = pattern_mismatches(buf, WRITE_LBA, WRITE_N, SALT_PIO);
  report("read-back", r, bad);
  check(16, r == 0 && bad == 0, "disk: the written sectors read back");
  if (dma_paths) {
    pattern_fill(wbuf, WRITE_LBA + WRITE_N, WRITE_N, SALT_DMA);
    r = ata_write_dma(WRITE_LBA + WRITE_N, WRITE_N, wbuf);
    check(17, r == 0, "disk: WRITE DMA of %u sectors", WRITE_N);
    clear(buf, sizeof buf);
    r = ata_read_pio(WRITE_LBA + WRITE_N, WRITE_N, buf);
    bad = pattern_mismatches(buf, WRITE_LBA + WRITE_N, WRITE_N, SALT_DMA);
    report("PIO read-back", r, bad);
    check(18, r == 0 && bad == 0, "disk: the DMA-written sectors read back by PIO");
  }
  clear(buf, 2 * ATA_SECTOR_SIZE);
  int r1 = ata_read_pio(WRITE_LBA - 1, 1, buf);
  int r2 = ata_read_pio(WRITE_LBA + 2 * WRITE_N, 1, buf + ATA_SECTOR_SIZE);
  bad = pattern_mismatches(buf, WRITE_LBA - 1, 1, 0) +
        pattern_mismatches(buf + ATA_SECTOR_SIZE, WRITE_LBA + 2 * WRITE_N, 1, 0);
  check(19, r1 == 0 && r2 == 0 && bad == 0, "disk: the sectors around the writes are unchanged");

  // Errors.
  ata_set_wait(ATA_POLL);
  r = ata_read_pio(sectors, 1, buf);
  report("PIO past the end", r, 0);
  if (dma_paths)
    check(20, r == ATA_EIDNF && (ata_last_error & ATA_ER_IDNF), "disk: READ SECTORS past the last sector: IDNF");
  else  // QEMU answers ABRT; ATA-6 allows either for an address out of range
    check(20, r == ATA_EIDNF || r == ATA_EABRT, "disk: READ SECTORS past the last sector: IDNF or ABRT");
  if (dma_paths) {
    ata_set_wait(ATA_INTERRUPT);
    r = ata_read_dma(sectors - 1, 2, buf);
    report("DMA past the end", r, 0);
    check(21, r == ATA_EIDNF, "disk: READ DMA running past the last sector: IDNF");

    bad_prd[0].base = OUTSIDE_RAM;
    bad_prd[0].count = ATA_SECTOR_SIZE | ATA_PRD_EOT;
    for (int mode = 0; mode < 2; mode++) {
      ata_set_wait(mode ? ATA_INTERRUPT : ATA_POLL);
      const char* how = mode ? "IRQ 14" : "polling";
      r = ata_read_dma_prd(LBA0, 1, bad_prd);
      report("PRD outside RAM", r, 0);
      check(22 + 3 * mode, r == ATA_EDMA && (ata_last_bmista & ATA_BMISTA_ERROR),
            "disk: %s: PRD entry outside RAM: BMISTA error", how);
      check(23 + 3 * mode, (ata_last_error & ATA_ER_ABRT) && !(ata_bm_read8(ATA_BMISTA) & 0x07),
            "disk: %s: ABRT, BMISTA cleared by the driver", how);
      clear(buf, sizeof buf);
      r = ata_read_dma(LBA0, NSECT, buf);
      bad = pattern_mismatches(buf, LBA0, NSECT, 0);
      report("after the bus-master error", r, bad);
      check(24 + 3 * mode, r == 0 && bad == 0, "disk: %s: the next READ DMA works", how);
    }
    ata_set_wait(ATA_POLL);
    r = ata_read_dma_prd(LBA0, 1, (const struct ata_prd*)OUTSIDE_RAM);
    report("PRD table outside RAM", r, 0);
    check(28, r == ATA_EDMA, "disk: PRD table outside RAM: BMISTA error");
    clear(buf, sizeof buf);
    r = ata_read_pio(LBA0, NSECT, buf);
    bad = pattern_mismatches(buf, LBA0, NSECT, 0);
    check(29, r == 0 && bad == 0, "disk: PIO works after the bus-master errors");
  }
  check(30, irq_desc[ATA_IRQ].unhandled == 0, "disk: every IRQ 14 was the drive's");
  check_exit("disk");
}
