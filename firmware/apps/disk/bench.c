// disk_bench: the firmware of the disk experiments (docs/experiments/
// disk_pio_vs_dma.md, polling_vs_interrupts.md).
//
// Reads `total` sectors in commands of `sectors` sectors, sequentially, by
// PIO or DMA, and measures the simulated time from the first command's
// issue to the last one's completion. Whenever the CPU would otherwise wait
// for the drive, background work runs, in units of `unit` steps of
// lib/workload.h's kinds (the same step bodies, a smaller unit):
//   wait=poll   polling; about poll_us of work units between two polls of
//               Alternate Status (a whole number of units, from the
//               baseline's time per unit)
//   wait=spin   polling without work (the CPU only spins)
//   wait=irq    IRQ 14; the reader sleeps and a background kernel thread
//               runs work units until the interrupt wakes the reader; it
//               yields at the end of a unit whenever the reader is runnable
//               (an idle-priority task on the round-robin scheduler)
//
// CPU time left, in the CPU's own clocks (RDTSC, which on minipc counts
// every clock: instructions, bus/target/cache stalls, halts):
//   cpu_left = work units done during the reads x TSC clocks one unit takes
//              on an otherwise idle CPU / TSC clocks of the reads
// The idle cost of a unit is measured first (BASELINE_TICKS ticks of units
// alone, tick interrupts included as in the reads). A unit cut off at the
// end of the reads is not counted: the figure is exact to one unit
// (unit_ppm, the unit's share of the reads' time, says how much that is).
//
// Command line (all optional): method=pio|dma (dma), wait=poll|spin|irq
// (irq), sectors=N per command (256), total=N sectors (2048), lba=N first
// sector (1), work=compute|memory (compute), unit=N steps per work unit
// (8; lib/workload.h's unit is 64), poll_us=N polling interval (50),
// bm=io|mmio (io).
//
// The sectors are first written with pattern.h's formula (DMA, untimed), so
// the run needs no image. Each command reads into its own part of a 1 MiB
// buffer (total <= 2048), so the reads run back to back; after the timed
// part every sector is spot-checked (its first and last dword) and the last
// command's data in full. Exit 0 when every read
// succeeded and matched, 1 otherwise.
//
// Figures (stats fw.*): bytes, io_ns, kbps (10^3 bytes per simulated
// second), cmd_ns (time per command), commands, io_cycles (TSC clocks of
// the reads), work_units, unit_steps, unit_ns, unit_cycles (one unit alone),
// units_per_poll, tsc_khz (TSC clocks per simulated ms, a check),
// cpu_left_permille and cpu_left_ppm (rounded), unit_ppm, irqs, polls,
// errors, mismatches.
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
static uint32_t unit_steps;     // steps per work unit
static uint32_t units_per_poll;  // polling with work: units between two polls

// The background work: lib/workload.c's two kinds step for step (compute: a
// register-only xorshift-multiply step; memory: a read-modify-write of the
// next word of a 16 KiB buffer), in units of unit_steps steps instead of
// WORK_UNIT_STEPS, so that the CPU-left figure counts finer units.
#define WORK_BUFFER_WORDS 4096u  // 16 KiB
static uint32_t work_buffer[WORK_BUFFER_WORDS];
static uint32_t work_state = 0x9E3779B9u, work_cursor, work_digest;

static void work_unit(void) {
  if (kind == WORK_MEMORY) {
    uint32_t c = work_cursor, d = work_digest;
    for (uint32_t i = 0; i < unit_steps; i++) {
      uint32_t v = work_buffer[c] + c + d;
      work_buffer[c] = v;
      d ^= v;
      c = (c + 1) & (WORK_BUFFER_WORDS - 1);
    }
    work_cursor = c;
    work_digest = d;
  } else {
    uint32_t x = work_state;
    for (uint32_t i = 0; i < unit_steps; i++) {
      x ^= x << 13;
      x ^= x >> 17;
      x ^= x << 5;
      x = x * 2654435761u + i;
    }
    work_state = x;
    work_digest += x;
  }
}

// The time stamp counter, all 64 bits.
static inline uint64_t rdtsc64(void) {
  uint32_t lo, hi;
  __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
  return ((uint64_t)hi << 32) | lo;
}

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

// The reader (the main task). The background thread gives the CPU back as
// soon as the reader is runnable: the kernel's scheduler is plain round
// robin, and without this the background would keep a whole 10 ms timeslice
// while a CPU-bound reader (PIO with IRQ 14: the next sector's interrupt is
// already pending when the reader asks for it) waits, i.e. it would take
// its CPU out of the transfer instead of using what the transfer leaves.
// The baseline runs the same check (on the running main task: never true),
// so its cost is in the unit's idle time.
static struct task* reader;

static inline int reader_waiting(void) {
  return reader->state == TASK_RUNNABLE;
}

// The three loops that run work units (the baseline, the background thread
// and polling with work) have the same shape, a volatile counter minus a
// start compared with a limit, and run the same per-unit code, so that the
// baseline's cost per unit is the cost the others pay: a loop that costs a
// few instructions less per unit would show as more than the idle rate.
static __attribute__((noinline)) void unit_and_yield(void) {
  work_unit();
  units++;
  if (reader_waiting())
    task_yield();
}

// Units until `ticks` ticks after `from` (the baseline, the background).
static __attribute__((noinline)) void run_units_for(uint32_t from, uint32_t ticks) {
  while (jiffies - from < ticks)
    unit_and_yield();
}

// Polling with work: the units between two polls.
static void poll_work(void) {
  uint32_t from = units;
  while (units - from < units_per_poll)
    unit_and_yield();
}

static void background(void* arg) {
  (void)arg;
  for (;;)
    run_units_for(jiffies, 0xFFFFFFFFu);
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
  unit_steps = cmdline_uint("unit", 8);
  uint32_t poll_us = cmdline_uint("poll_us", 50);
  char wbuf[16];
  kind = workload_parse(cmdline_str("work", "compute", wbuf, sizeof wbuf));
  if (kind == WORK_NONE)
    kind = WORK_COMPUTE;
  enum ata_bm_access bm = cmdline_is("bm", "mmio") ? ATA_BM_MMIO : ATA_BM_PORT;
  if (per_cmd < 1 || per_cmd > ATA_MAX_SECTORS || total < per_cmd || total > MAX_TOTAL || lba0 < 1 ||
      unit_steps < 1 || unit_steps > 65536 || poll_us > 1000000) {
    printf("disk_bench: bad command line: sectors=1..%u, total=sectors..%u, lba>=1, unit=1..65536, "
           "poll_us<=1000000\n", ATA_MAX_SECTORS, MAX_TOTAL);
    return 2;
  }
  uint32_t commands = total / per_cmd;
  total = commands * per_cmd;
  printf("disk_bench: %s, %s, %u x %u sectors, work=%s in units of %u steps, bus master by %s\n",
         dma ? "DMA" : "PIO", irq ? "IRQ 14" : spin ? "spin polling" : "polling with work", commands, per_cmd,
         workload_name(kind), unit_steps, bm == ATA_BM_MMIO ? "MMIO" : "port I/O");

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
  uint64_t c0 = rdtsc64();
  j = jiffies;
  units = 0;
  reader = current_task();
  run_units_for(j, BASELINE_TICKS);
  uint64_t c1 = rdtsc64();
  uint64_t b1 = clock_now();
  uint32_t base_units = units;
  uint64_t base_ns = clocks_to_ns(b1 - b0);
  uint64_t base_cycles = c1 - c0;
  uint32_t unit_ns = base_units ? (uint32_t)(base_ns / base_units) : 0;
  uint32_t unit_cycles = base_units ? (uint32_t)(base_cycles / base_units) : 0;
  // Polling interval: the whole number of units nearest poll_us (at least 1).
  units_per_poll = unit_ns ? (uint32_t)(((uint64_t)poll_us * 1000u + unit_ns / 2) / unit_ns) : 1;
  if (units_per_poll < 1)
    units_per_poll = 1;

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
  uint64_t tsc0 = rdtsc64();
  for (uint32_t c = 0; c < commands; c++) {
    uint32_t lba = lba0 + c * per_cmd;
    if ((r = run_read(dma, lba, per_cmd, buf + c * per_cmd * ATA_SECTOR_SIZE)) < 0) {
      if (!errors)
        printf("disk_bench: read at %u: %s\n", lba, ata_strerror(r));
      errors++;
    }
  }
  uint64_t tsc1 = rdtsc64();
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
  uint64_t io_cycles = tsc1 - tsc0;
  // work x (base_cycles / base_units) / io_cycles, in ppm, rounded.
  uint64_t den = (uint64_t)base_units * io_cycles;
  uint64_t left_ppm = den ? ((uint64_t)work * base_cycles * 1000000u + den / 2) / den : 0;
  uint32_t left = (uint32_t)((left_ppm + 500) / 1000);
  uint32_t unit_ppm = den ? (uint32_t)((base_cycles * 1000000u + den / 2) / den) : 0;
  uint32_t tsc_khz = base_ns ? (uint32_t)((base_cycles * 1000000u + base_ns / 2) / base_ns) : 0;
  printf("disk_bench: %u bytes in %u us: %u kB/s, %u ns per command\n", (uint32_t)bytes,
         (uint32_t)(io_ns / 1000), kbps, (uint32_t)(io_ns / commands));
  printf("disk_bench: %u work units (%u ns, %u TSC clocks each when alone; %u per poll): "
         "%u ppm of the CPU left (one unit: %u ppm), TSC %u kHz\n", work, unit_ns, unit_cycles, units_per_poll,
         (uint32_t)left_ppm, unit_ppm, tsc_khz);
  printf("disk_bench: %u interrupts, %u polls, %d errors, %u dwords wrong, digest %x\n", irqs, polls,
         errors, mismatches, work_digest);
  trace_metric("bytes", (uint32_t)bytes);
  trace_metric("io_ns", (uint32_t)io_ns);
  trace_metric("kbps", kbps);
  trace_metric("cmd_ns", (uint32_t)(io_ns / commands));
  trace_metric("commands", commands);
  trace_metric("io_cycles", (uint32_t)io_cycles);
  trace_metric("work_units", work);
  trace_metric("unit_steps", unit_steps);
  trace_metric("unit_ns", unit_ns);
  trace_metric("unit_cycles", unit_cycles);
  trace_metric("units_per_poll", spin || irq ? 0 : units_per_poll);
  trace_metric("tsc_khz", tsc_khz);
  trace_metric("cpu_left_permille", left);
  trace_metric("cpu_left_ppm", (uint32_t)left_ppm);
  trace_metric("unit_ppm", unit_ppm);
  trace_metric("irqs", irqs);
  trace_metric("polls", polls);
  trace_metric("errors", (uint32_t)errors);
  trace_metric("mismatches", mismatches);
  kernel_exit(errors || mismatches ? 1 : 0);
}
