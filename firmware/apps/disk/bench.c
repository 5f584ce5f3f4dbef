// disk_bench: the firmware of the disk experiments (docs/experiments/
// disk_pio_vs_dma.md, polling_vs_interrupts.md).
//
// Reads `total` sectors in commands of `sectors` sectors, sequentially, by
// PIO or DMA, and measures the simulated time from the first command's
// issue to the last one's completion. Whenever the CPU would otherwise wait
// for the drive, a background workload (lib/workload.h) runs:
//   wait=poll   polling; one work unit between two polls of Alternate Status
//   wait=spin   polling without work (the CPU only spins)
//   wait=irq    IRQ 14; the reader sleeps and a background kernel thread
//               runs work units until the interrupt wakes the reader
// CPU time left = work units done during the reads x the time one unit
// takes on an otherwise idle CPU (measured first, over 20 ticks), divided
// by the reads' time.
//
// Command line (all optional): method=pio|dma (dma), wait=poll|spin|irq
// (irq), sectors=N per command (256), total=N sectors (2048), lba=N first
// sector (1), work=compute|memory (compute), bm=io|mmio (io).
//
// The sectors are first written with pattern.h's formula (DMA, untimed), so
// the run needs no image. Each command reads into its own part of a 1 MiB
// buffer (total <= 2048), so the reads run back to back; after the timed
// part every sector is spot-checked (its first and last dword) and the last
// command's data in full. Exit 0 when every read
// succeeded and matched, 1 otherwise.
//
// Figures (stats fw.*): bytes, io_ns, kbps (10^3 bytes per simulated
// second), cmd_ns (time per command), commands, work_units, unit_ns,
// cpu_left_permille, irqs, polls, errors, mismatches.
#include <stdint.h>

#include "apps/disk/pattern.h"
#include "drivers/ata.h"
#include "drivers/pic.h"
#include "drivers/pit.h"
#include "kernel/kernel.h"
#include "kernel/task.h"
#include "kernel/timer.h"
#include "kernel/x86.h"
#include "lib/cmdline.h"
#include "lib/console.h"
#include "lib/printf.h"
#include "lib/trace.h"
#include "lib/workload.h"

#define BASELINE_TICKS 20u

#define MAX_TOTAL 2048u  // sectors: every command reads into its own part of buf
static uint8_t buf[MAX_TOTAL * ATA_SECTOR_SIZE] __attribute__((aligned(16)));
static enum workload_kind kind;
static volatile uint32_t units;
static uint32_t divisor;

// Simulated time in PIT input clocks (838 ns): jiffies and the count of
// channel 0, with a tick that fired after CLI counted.
static uint64_t clock_now(void) {
  uint32_t flags = irq_save();
  uint32_t j = jiffies;
  uint16_t count = pit_read_count();
  uint16_t irr = pic_read_irr();
  irq_restore(flags);
  uint32_t elapsed = divisor - (count ? count : 65536u);
  if ((irr & 1) && elapsed < divisor / 2)
    j++;
  return (uint64_t)j * divisor + elapsed;
}

static uint64_t clocks_to_ns(uint64_t clocks) {
  return clocks * 1000000000ull / PIT_HZ;
}

static void poll_work(void) {
  workload_unit(kind);
  units++;
}

static void background(void* arg) {
  (void)arg;
  for (;;) {
    workload_unit(kind);
    units++;
  }
}

static int run_read(int dma, uint32_t lba, uint32_t n, uint8_t* to) {
  return dma ? ata_read_dma(lba, n, to) : ata_read_pio(lba, n, to);
}

int main(void) {
  console_init();
  kernel_init(KERNEL_PIC);
  divisor = pit_divisor_for(HZ);
  int dma = !cmdline_is("method", "pio");
  int spin = cmdline_is("wait", "spin");
  int irq = !spin && !cmdline_is("wait", "poll");
  uint32_t per_cmd = cmdline_uint("sectors", 256);
  uint32_t total = cmdline_uint("total", 2048);
  uint32_t lba0 = cmdline_uint("lba", 1);
  char wbuf[16];
  kind = workload_parse(cmdline_str("work", "compute", wbuf, sizeof wbuf));
  if (kind == WORK_NONE)
    kind = WORK_COMPUTE;
  enum ata_bm_access bm = cmdline_is("bm", "mmio") ? ATA_BM_MMIO : ATA_BM_PORT;
  if (per_cmd < 1 || per_cmd > ATA_MAX_SECTORS || total < per_cmd || total > MAX_TOTAL || lba0 < 1) {
    printf("disk_bench: bad command line: sectors=1..%u, total=sectors..%u, lba>=1\n", ATA_MAX_SECTORS,
           MAX_TOTAL);
    return 2;
  }
  uint32_t commands = total / per_cmd;
  total = commands * per_cmd;
  printf("disk_bench: %s, %s, %u x %u sectors, work=%s, bus master by %s\n", dma ? "DMA" : "PIO",
         irq ? "IRQ 14" : spin ? "spin polling" : "polling with work", commands, per_cmd,
         workload_name(kind), bm == ATA_BM_MMIO ? "MMIO" : "port I/O");

  int errors = 0;
  int r = ata_init(ATA_POLL, bm);
  if (r < 0) {
    printf("disk_bench: no drive: %s\n", ata_strerror(r));
    return 1;
  }
  // The data to read (untimed).
  for (uint32_t done = 0; done < total; done += ATA_MAX_SECTORS) {
    uint32_t n = total - done < ATA_MAX_SECTORS ? total - done : ATA_MAX_SECTORS;
    pattern_fill(buf, lba0 + done, n, 0);
    if ((r = ata_write_dma(lba0 + done, n, buf)) < 0) {
      printf("disk_bench: writing the pattern at %u: %s\n", lba0 + done, ata_strerror(r));
      return 1;
    }
  }

  // Baseline: work units per time on a CPU that does nothing else.
  uint32_t j = jiffies;
  while (jiffies == j)
    ;
  uint64_t b0 = clock_now();
  j = jiffies;
  units = 0;
  while (jiffies - j < BASELINE_TICKS)
    poll_work();
  uint64_t b1 = clock_now();
  uint32_t base_units = units;
  uint64_t base_ns = clocks_to_ns(b1 - b0);

  ata_set_wait(irq ? ATA_INTERRUPT : ATA_POLL);
  ata_set_idle_hook(irq || spin ? 0 : poll_work);
  if (irq)
    task_create_kernel("background", background, 0);
  // The head onto the first sector, so that no command of the run seeks.
  if ((r = run_read(dma, lba0 - 1, 1, buf)) < 0)
    errors++;

  uint32_t mismatches = 0;
  uint32_t irqs0 = ata_irqs, polls0 = ata_polls;
  units = 0;
  uint64_t t0 = clock_now();
  for (uint32_t c = 0; c < commands; c++) {
    uint32_t lba = lba0 + c * per_cmd;
    if ((r = run_read(dma, lba, per_cmd, buf + c * per_cmd * ATA_SECTOR_SIZE)) < 0) {
      if (!errors)
        printf("disk_bench: read at %u: %s\n", lba, ata_strerror(r));
      errors++;
    }
  }
  uint64_t t1 = clock_now();
  uint32_t work = units;
  uint32_t irqs = ata_irqs - irqs0, polls = ata_polls - polls0;
  // Checked after the timed reads (checking costs CPU time that would count
  // against the transfer): the first and last dword of every sector, and
  // the last command's sectors in full.
  const uint32_t* w = (const uint32_t*)buf;
  for (uint32_t s = 0; s < total; s++)
    mismatches += (w[s * 128] != pattern_word((lba0 + s) * 128)) +
                  (w[s * 128 + 127] != pattern_word((lba0 + s) * 128 + 127));
  mismatches += pattern_mismatches(buf + (commands - 1) * per_cmd * ATA_SECTOR_SIZE,
                                   lba0 + (commands - 1) * per_cmd, per_cmd, 0);

  uint64_t io_ns = clocks_to_ns(t1 - t0);
  uint64_t bytes = (uint64_t)total * ATA_SECTOR_SIZE;
  uint32_t kbps = io_ns ? (uint32_t)(bytes * 1000000ull / io_ns) : 0;
  uint32_t unit_ns = base_units ? (uint32_t)(base_ns / base_units) : 0;
  uint64_t left = io_ns && base_units ? (uint64_t)work * base_ns * 1000u / base_units / io_ns : 0;
  printf("disk_bench: %u bytes in %u us: %u kB/s, %u ns per command\n", (uint32_t)bytes,
         (uint32_t)(io_ns / 1000), kbps, (uint32_t)(io_ns / commands));
  printf("disk_bench: %u work units (%u ns each when alone): %u permille of the CPU left\n", work,
         unit_ns, (uint32_t)left);
  printf("disk_bench: %u interrupts, %u polls, %d errors, %u dwords wrong, digest %x\n", irqs, polls,
         errors, mismatches, workload_digest());
  trace_metric("bytes", (uint32_t)bytes);
  trace_metric("io_ns", (uint32_t)io_ns);
  trace_metric("kbps", kbps);
  trace_metric("cmd_ns", (uint32_t)(io_ns / commands));
  trace_metric("commands", commands);
  trace_metric("work_units", work);
  trace_metric("unit_ns", unit_ns);
  trace_metric("cpu_left_permille", (uint32_t)left);
  trace_metric("irqs", irqs);
  trace_metric("polls", polls);
  trace_metric("errors", (uint32_t)errors);
  trace_metric("mismatches", mismatches);
  kernel_exit(errors || mismatches ? 1 : 0);
}
