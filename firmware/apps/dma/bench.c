// dma_bench: the firmware of the DMA experiments (docs/experiments/).
//
//   exp=modes  (dma_modes.md) mode=burst|steal|transparent size=<bytes|nK>
//              [work=compute|memory|both] [unit=4]: one memory->memory block
//              while the CPU runs background work units (lib/workload.h),
//              one register poll after each, until it sees the block done;
//              then the same units, polled the same way, without DMA
//              (both after the same untimed warm-up). work=both (the default)
//              does it for the compute work on channel 0, then for the
//              memory work on channel 1, so dma.ch0.* / dma.ch1.* hold the
//              two blocks' stats.
//   exp=regs   (mmio_vs_port_io.md) access=port|mmio [n=1000] [ops=100]:
//              the driver's register read, register write and a whole
//              operation (program + start + poll a 16-byte block), timed
//              and their instructions counted.
//
// Time: the local APIC timer, one shot from 0xFFFFFFFF, divide 1, masked:
// a down counter at lapic0.bus_hz (100 MHz: 10 ns; cmdline tick_ns=) read
// inside the CPU, so it is simulated time including every bus wait, and it
// does not depend on cpu0.clock_hz. RDTSC is reported beside it: the CPU's
// clocks, which on minipc now include the bus, target and cache-hit stall
// clocks (an elapsed-cycle count like a real TSC), so cycles / cpu0.clock_hz
// is the same time as the timer's (cross-checked in the docs). The `_ns` /
// `_ps` figures use the timer, the `_tsc` figures the TSC.
//
// Everything runs with interrupts off (no tick in the measurements); the
// DMA's completion is polled. Results go to the host with trace_metric
// (stats fw.*) and to the console.
#include <stdint.h>

#include "drivers/dma.h"
#include "drivers/lapic.h"
#include "kernel/kernel.h"
#include "kernel/trap.h"
#include "kernel/x86.h"
#include "lib/cmdline.h"
#include "lib/console.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "lib/trace.h"
#include "lib/workload.h"

#define SRC_BASE 0x00800000u
#define DST_BASE 0x00A00000u
#define MAX_BLOCK 0x100000u  // 1 MiB

static uint32_t tick_ns = 10;

// ---- clocks -------------------------------------------------------------------

static void clock_start(void) { lapic_timer_one_shot_masked(LAPIC_DIV_1, 0xFFFFFFFFu); }
static uint32_t clock_ticks(void) { return 0xFFFFFFFFu - lapic_timer_current(); }
static uint32_t ns_of(uint32_t ticks) { return ticks * tick_ns; }

// trace_metric() holds interrupts off by itself (lib/trace.h).
static void metric(const char* name, uint32_t value) {
  trace_metric(name, value);
  printf("  %s = %u\n", name, value);
}

__attribute__((noreturn)) static void fail(const char* what) {
  printf("dma_bench: FAIL: %s\n", what);
  kernel_exit(1);
}

// ---- exp=modes ----------------------------------------------------------------

static void fill(uint8_t* p, uint32_t n) {
  uint32_t x = 0xDEADBEEFu;
  for (uint32_t i = 0; i < n; i++) {
    x = x * 1664525u + 1013904223u;
    p[i] = (uint8_t)(x >> 24);
  }
}

// "4096", "0x1000" or "4K" (K = 1024).
static uint32_t parse_size(const char* key, uint32_t def) {
  char buf[16];
  const char* v = cmdline_str(key, 0, buf, sizeof buf);
  if (!v) return def;
  uint32_t n = 0;
  const char* p = v;
  while (*p >= '0' && *p <= '9') n = n * 10 + (uint32_t)(*p++ - '0');
  if ((*p == 'K' || *p == 'k') && p[1] == 0) return n * 1024u;
  return cmdline_uint(key, def);
}

// Work units, one register read (CHn_STATUS) after each, until a read sees
// the channel idle (at least one unit). The same code for the run with DMA
// and for the run alone, taking the same branches, so the two differ only
// in what the DMA does to the CPU: the run alone counts the channel idle
// only from unit idle_from on (the unit after which the run with DMA saw
// it idle; 0 for the run with DMA, where the poll alone decides), so both
// leave the loop at the same unit through the same path. (Before, the run
// alone left by a unit count instead, and the run with DMA executed a few
// more instructions per unit: about 0.5 us per unit without the cache,
// which was harmless with blocks of a few units and is not with the
// hundreds a transparent block now lasts.)
// *idle_at: the unit after which the loop saw the channel idle (0: cap).
// Not inlined, and the idle test without a branch: one body of code for
// both runs (inlined, the compiler specialises each call site).
__attribute__((noinline)) static uint32_t work_loop(enum workload_kind work, int ch, uint32_t idle_from,
                                                    uint32_t cap_ticks, uint32_t* idle_at, uint32_t t0) {
  uint32_t i = 0, seen = 0;
  for (;;) {
    workload_unit(work);
    i++;
    // Poll after every unit in both runs (not only until the block is seen
    // done): a poll costs about a microsecond, so polling only while busy
    // would charge the run with DMA for its polls.
    // idle = !busy && i >= idle_from, as arithmetic (i, idle_from < 2^31)
    uint32_t idle = (uint32_t)(1 - dma_busy(ch)) & ((idle_from - i - 1u) >> 31);
    if (!seen && idle) seen = i;
    if (seen) break;
    if (clock_ticks() - t0 > cap_ticks) break;  // the block never finished
  }
  *idle_at = seen;
  return i;
}

// Untimed, before each timed run: two units and a poll, so that both runs
// start with the loop's code, stack and driver in the cache (when there is
// one: cpu0.cache.enabled) rather than the first paying for the misses
// left by fill() and memset().
static void warm_up(enum workload_kind work, int ch) {
  workload_unit(work);
  workload_unit(work);
  (void)dma_busy(ch);
}

// One block on channel ch under `work`; reports <prefix>_* metrics.
static void block_under_work(enum dma_mode mode, uint32_t size, uint32_t unit, enum workload_kind work, int ch,
                             uint32_t cap_ms) {
  const char* w = workload_name(work);
  uint8_t* src = (uint8_t*)SRC_BASE;
  uint8_t* dst = (uint8_t*)DST_BASE;
  fill(src, size);
  memset(dst, 0, size);
  struct dma_xfer x = {.src = SRC_BASE, .dst = DST_BASE, .count = size / unit, .unit = unit, .mode = mode,
                       .src_inc = 1, .dst_inc = 1};
  if (dma_program(ch, &x) != DMA_OK) fail("dma_program");
  const uint32_t cap_ticks = cap_ms * (1000000u / tick_ns);

  // The run alone starts a channel too, with COUNT 0: the same driver call
  // (one register write), refused by the controller (bad configuration),
  // so that the two runs differ only by the block.
  const int dummy = ch + 2;
  struct dma_xfer none = x;
  none.count = 0;
  if (dma_program(dummy, &none) != DMA_OK) fail("dma_program");

  uint32_t flags = irq_save();
  clock_start();
  // With DMA: started just before the first unit.
  uint32_t seen_dma, seen_alone;
  warm_up(work, ch);
  uint32_t c0 = rdtsc32(), t0 = clock_ticks();
  dma_start(ch);
  uint32_t units = work_loop(work, ch, 0, cap_ticks, &seen_dma, t0);
  uint32_t t1 = clock_ticks(), c1 = rdtsc32();
  int code = dma_wait_poll(ch);
  // Alone: the same number of units, the channel idle.
  warm_up(work, ch);
  uint32_t c2 = rdtsc32(), t2 = clock_ticks();
  dma_start(dummy);
  work_loop(work, ch, units, 0xFFFFFFFFu, &seen_alone, t2);
  uint32_t t3 = clock_ticks(), c3 = rdtsc32();
  int dummy_code = dma_wait_poll(dummy);
  irq_restore(flags);
  if (dummy_code != DMA_ERR_BAD_CONFIG) fail("the COUNT 0 start was not refused");

  if (code != DMA_OK) fail(dma_strerror(code));
  if (memcmp(src, dst, size)) fail("the destination differs from the source");
  uint32_t ns_dma = ns_of(t1 - t0), ns_alone = ns_of(t3 - t2);
  uint32_t lost = ns_dma > ns_alone ? ns_dma - ns_alone : 0;
  printf("dma_bench: %s work: block seen done after %u units (digest 0x%08x)\n", w, seen_dma, workload_digest());
  char name[48];
#define REPORT(suffix, value)                              \
  do {                                                     \
    snprintf(name, sizeof name, "%s_" suffix, w);          \
    metric(name, (value));                                 \
  } while (0)
  REPORT("done_in_work", seen_dma != 0);
  REPORT("units", units);
  REPORT("ns_dma", ns_dma);      // the units with the block in flight
  REPORT("ns_alone", ns_alone);  // the same units, no DMA
  REPORT("cpu_lost_ns", lost);
  REPORT("cpu_lost_ns_per_kib", (uint32_t)((uint64_t)lost * 1024u / size));  // size-free: plots average over sizes
  REPORT("rate_dma_per_s", (uint32_t)((uint64_t)units * 1000000000u / ns_dma));
  REPORT("rate_alone_per_s", (uint32_t)((uint64_t)units * 1000000000u / ns_alone));
  REPORT("slowdown_permille", (uint32_t)((uint64_t)ns_dma * 1000u / ns_alone));
  REPORT("tsc_dma", c1 - c0);
  REPORT("tsc_alone", c3 - c2);
#undef REPORT
}

static int exp_modes(void) {
  char buf[16];
  const char* mode_name = cmdline_str("mode", "burst", buf, sizeof buf);
  enum dma_mode mode;
  if (!strcmp(mode_name, "burst"))
    mode = DMA_MODE_BURST;
  else if (!strcmp(mode_name, "steal"))
    mode = DMA_MODE_STEAL;
  else if (!strcmp(mode_name, "transparent"))
    mode = DMA_MODE_TRANSPARENT;
  else
    fail("mode= must be burst, steal or transparent");
  uint32_t size = parse_size("size", 4096);
  uint32_t unit = cmdline_uint("unit", 4);
  uint32_t cap_ms = cmdline_uint("cap_ms", 100);  // give up on the block after this long
  if (size == 0 || size > MAX_BLOCK || (unit != 1 && unit != 2 && unit != 4) || size % unit)
    fail("size= must be 1..1 MiB and a multiple of unit= (1, 2, 4)");
  // work=compute or work=memory runs one; both (the default) runs the two,
  // the compute block on channel 0 and the memory block on channel 1.
  char wbuf[16];
  const char* wname = cmdline_str("work", "both", wbuf, sizeof wbuf);
  int both = !strcmp(wname, "both");
  enum workload_kind work = workload_parse(wname);
  if (!both && work == WORK_NONE) fail("work= must be compute, memory or both");
  printf("dma_bench: modes: %s, %u bytes in %u-byte units, %s work\n", mode_name, size, unit, wname);
  if (dma_init(DMA_ACCESS_PORT, DMA_IO_BASE, DMA_MMIO_BASE)) fail("no DMA controller");
  if (both || work == WORK_COMPUTE) block_under_work(mode, size, unit, WORK_COMPUTE, 0, cap_ms);
  if (both || work == WORK_MEMORY) block_under_work(mode, size, unit, WORK_MEMORY, 1, cap_ms);
  printf("dma_bench: PASS\n");
  return 0;
}

// ---- exp=regs -----------------------------------------------------------------

// Instruction counting: EFLAGS.TF single-steps the code between tf_on()
// and tf_off(); the #DB handler counts the steps. The count of an empty
// region (the tf_off() sequence itself) is subtracted.
static volatile uint32_t steps;
static int debug_trap(struct trapframe* tf) {
  (void)tf;
  steps++;
  return 1;
}
#define TF_ON() __asm__ volatile("pushfl; orl $0x100, (%%esp); popfl" ::: "memory", "cc")
#define TF_OFF() __asm__ volatile("pushfl; andl $0xFFFFFEFF, (%%esp); popfl" ::: "memory", "cc")

static const uint32_t op_src[4] = {0x11111111u, 0x22222222u, 0x33333333u, 0x44444444u};
static uint32_t op_dst[4];

// One driver operation: program, start and poll a 16-byte burst on channel 1.
static int driver_op(void) {
  struct dma_xfer x = {.src = (uint32_t)op_src, .dst = (uint32_t)op_dst, .count = 4, .unit = 4,
                       .mode = DMA_MODE_BURST, .src_inc = 1, .dst_inc = 1};
  dma_program(1, &x);
  dma_start(1);
  return dma_wait_poll(1);
}

static int exp_regs(void) {
  char buf[16];
  const char* acc = cmdline_str("access", "port", buf, sizeof buf);
  enum dma_access access;
  if (!strcmp(acc, "port"))
    access = DMA_ACCESS_PORT;
  else if (!strcmp(acc, "mmio"))
    access = DMA_ACCESS_MMIO;
  else
    fail("access= must be port or mmio");
  uint32_t n = cmdline_uint("n", 1000), ops = cmdline_uint("ops", 100);
  if (!n || !ops) fail("n= and ops= must be positive");
  printf("dma_bench: regs: %s, %u accesses, %u operations\n", acc, n, ops);
  if (dma_init(access, DMA_IO_BASE, DMA_MMIO_BASE)) fail("no DMA controller");

  uint32_t flags = irq_save();
  clock_start();
  uint32_t sum = 0;
  // Register reads (DMA_ID) and writes (CH3_SRC), through the driver.
  uint32_t c0 = rdtsc32(), t0 = clock_ticks();
  for (uint32_t i = 0; i < n; i++) sum += dma_read(DMA_ID);
  uint32_t t1 = clock_ticks(), c1 = rdtsc32();
  for (uint32_t i = 0; i < n; i++) dma_write(DMA_CH_SRC(3), i);
  uint32_t t2 = clock_ticks(), c2 = rdtsc32();
  // Whole operations.
  int bad = 0;
  for (uint32_t i = 0; i < ops; i++) {
    memset(op_dst, 0, sizeof op_dst);
    bad |= driver_op() != DMA_OK || memcmp(op_src, op_dst, sizeof op_dst) != 0;
  }
  uint32_t t3 = clock_ticks(), c3 = rdtsc32();
  // The same loop shapes without the driver call, for the loop overhead.
  for (uint32_t i = 0; i < n; i++) __asm__ volatile("" : "+r"(sum));
  uint32_t t4 = clock_ticks();
  for (uint32_t i = 0; i < ops; i++) memset(op_dst, 0, sizeof op_dst);
  uint32_t t5 = clock_ticks();

  // Instructions, single-stepped (slow; the timing above is without it).
  exception_set_handler(T_DB, debug_trap);
  volatile uint32_t sink;
  steps = 0;
  TF_ON();
  TF_OFF();
  uint32_t empty = steps;
  steps = 0;
  TF_ON();
  sink = dma_read(DMA_ID);
  TF_OFF();
  uint32_t read_insns = steps - empty;
  steps = 0;
  TF_ON();
  dma_write(DMA_CH_SRC(3), 0x1234);
  TF_OFF();
  uint32_t write_insns = steps - empty;
  steps = 0;
  TF_ON();
  int op_code = driver_op();
  TF_OFF();
  uint32_t op_insns = steps - empty;
  (void)sink;
  irq_restore(flags);

  if (bad || op_code != DMA_OK) fail("a driver operation did not copy its block");
  printf("dma_bench: ID sum 0x%08x, single-step calibration %u\n", sum, empty);
  metric("read_ps", (uint32_t)((uint64_t)ns_of(t1 - t0) * 1000u / n));
  metric("write_ps", (uint32_t)((uint64_t)ns_of(t2 - t1) * 1000u / n));
  metric("loop_ps", (uint32_t)((uint64_t)ns_of(t4 - t3) * 1000u / n));
  metric("op_ns", ns_of(t3 - t2) / ops);
  metric("op_loop_ns", ns_of(t5 - t4) / ops);
  metric("read_tsc_x100", (c1 - c0) * 100u / n);
  metric("write_tsc_x100", (c2 - c1) * 100u / n);
  metric("op_tsc", (c3 - c2) / ops);
  metric("read_insns", read_insns);
  metric("write_insns", write_insns);
  metric("op_insns", op_insns);
  printf("dma_bench: PASS\n");
  return 0;
}

int main(void) {
  console_init();
  kernel_init(KERNEL_PIC);
  tick_ns = cmdline_uint("tick_ns", 10);
  if (cmdline_is("exp", "modes")) kernel_exit(exp_modes());
  if (cmdline_is("exp", "regs")) kernel_exit(exp_regs());
  fail("cmdline exp= must be modes or regs");
  return 1;
}
