// powerfail: the chipset's power-fail NMI (docs/faults_disk_nmi.md), two
// boots of one machine whose disk image and CMOS survive the power loss
// (testbench/scenarios/faults/powerfail.sh runs both).
//
// boot=1 (config platform/configs/power_fail.yaml: fault `mains`,
// target port_b, kind power_fail): arms LVT LINT1 for NMI delivery as a PC
// BIOS leaves it, clears the save sector, and counts: each step advances a
// counter and a checksum of the work, committed with one store so that an
// NMI always sees a consistent pair. The NMI handler reads port 0x61; with
// IOCHK (bit 6) set it saves {magic, counter, checksum} to CMOS RAM and to
// disk sector SAVE_LBA (PIO, polled: the driver's waits stay bounded with
// interrupts off), reads both back, prints how long the save took in
// simulated time (the TSC, calibrated against the tick at boot: in the NMI
// handler the tick cannot be taken, so jiffies stand still) and returns; the main task then halts with
// interrupts on, waiting for the power to go. The run ends with exit 96
// (power failure), never with the exit port.
//   1 the NMI came with IOCHK set (port 0x61 bit 6), bit 7 (parity) clear
//   2 the state is in CMOS and on disk, as read back
// With mask=1 the main task first sets the NMI mask (port 0x70 bit 7): it
// sees IOCHK by polling port 0x61 while no NMI comes, then clears the mask,
// and the NMI arrives then.
//   3 (mask=1) no NMI while masked; the NMI came when the mask was cleared
// With halt=nmi the NMI handler itself prints the checks and halts with
// interrupts off (cli; hlt), inside the handler: the run must still end with
// the power (96), not as a deadlock (94).
//
// boot=2 (no fault): reads the sector and CMOS back.
//   1 the saved state is on disk (magic)
//   2 the CMOS copy equals the disk copy
//   3 counter and checksum agree: the work replayed for `counter` steps
//     gives the saved checksum
#include <stdint.h>

#include "drivers/ata.h"
#include "drivers/rtc.h"
#include "kernel/check.h"
#include "kernel/kernel.h"
#include "kernel/timer.h"
#include "kernel/trap.h"
#include "kernel/x86.h"
#include "lib/cmdline.h"
#include "lib/console.h"
#include "lib/io.h"
#include "lib/printf.h"
#include "lib/string.h"

#define SAVE_LBA 8u
#define SAVE_MAGIC 0x50574641u  // "AFWP"
#define CMOS_SAVE 0x40          // CMOS RAM bytes 0x40..0x4B hold the saved record
#define PORT_B 0x61
#define PORT_B_IOCHK 0x40
#define PORT_B_PERR 0x80
#define CMOS_INDEX 0x70
#define CMOS_NMI_MASK 0x80
#define LAPIC_SVR ((volatile uint32_t*)0xFEE000F0u)
#define LAPIC_LVT_LINT1 ((volatile uint32_t*)0xFEE00360u)
#define LVT_DELIVERY_NMI (4u << 8)
#define SEED 0x12345678u

struct record {
  uint32_t magic, counter, checksum;
};

// The work: one step of a xorshift generator per count.
static inline uint32_t step(uint32_t x) {
  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  return x;
}

// Two slots, `cur` names the committed one (one 32-bit store commits).
static struct record slots[2];
static volatile uint32_t cur;
static volatile int saved, nmi_count, nmi_iochk, nmi_perr, save_ok;
static volatile int masked_phase;  // mask=1: set while the NMI mask is on
static volatile int nmi_while_masked;
static uint8_t sector[ATA_SECTOR_SIZE] __attribute__((aligned(16)));
static uint64_t tsc_per_ms;

static inline uint64_t rdtsc64(void) {
  uint32_t lo, hi;
  __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
  return ((uint64_t)hi << 32) | lo;
}

// TSC clocks per millisecond of simulated time, over CAL_TICKS ticks of
// busy waiting (the TSC does not count halted clocks: no HLT in between).
#define CAL_TICKS 10u
static void calibrate_tsc(void) {
  uint32_t j = jiffies;
  while (jiffies == j)
    __asm__ volatile("pause");
  uint64_t t0 = rdtsc64();
  j = jiffies;
  while (jiffies - j < CAL_TICKS)
    __asm__ volatile("pause");
  tsc_per_ms = (rdtsc64() - t0) * HZ / (CAL_TICKS * 1000u);
}

static void cmos_write_record(const struct record* r) {
  const uint8_t* p = (const uint8_t*)r;
  for (unsigned i = 0; i < sizeof *r; i++)
    rtc_write((uint8_t)(CMOS_SAVE + i), p[i]);
}

static void cmos_read_record(struct record* r) {
  uint8_t* p = (uint8_t*)r;
  for (unsigned i = 0; i < sizeof *r; i++)
    p[i] = rtc_read((uint8_t)(CMOS_SAVE + i));
}

static int save_state(void) {
  struct record r = slots[cur];
  r.magic = SAVE_MAGIC;
  cmos_write_record(&r);
  memset(sector, 0, sizeof sector);
  memcpy(sector, &r, sizeof r);
  int w = ata_write_pio(SAVE_LBA, 1, sector);
  struct record back_cmos, back_disk;
  cmos_read_record(&back_cmos);
  memset(sector, 0xEE, sizeof sector);
  int rd = ata_read_pio(SAVE_LBA, 1, sector);
  memcpy(&back_disk, sector, sizeof back_disk);
  if (w || rd)
    printf("powerfail: disk write %d (%s), read %d (%s)\n", w, ata_strerror(w), rd, ata_strerror(rd));
  return !w && !rd && memcmp(&back_cmos, &r, sizeof r) == 0 && memcmp(&back_disk, &r, sizeof r) == 0;
}

__attribute__((noreturn)) static void report_and_wait(int interrupts) {
  check(1, nmi_count == 1 && nmi_iochk && !nmi_perr, "powerfail: NMI taken, port 0x61 says IOCHK (bit 6)");
  check(2, save_ok, "powerfail: state saved to CMOS and to disk sector %u, read back equal", SAVE_LBA);
  printf("powerfail: waiting for the power to go%s\n", interrupts ? "" : " (halted in the NMI handler)");
  for (;;) {
    if (interrupts)
      __asm__ volatile("sti; hlt");
    else
      __asm__ volatile("cli; hlt");
  }
}

static int halt_in_nmi;

static int nmi_handler(struct trapframe* tf) {
  (void)tf;
  nmi_count++;
  if (masked_phase)
    nmi_while_masked = 1;
  uint8_t reason = inb(PORT_B);
  nmi_iochk = (reason & PORT_B_IOCHK) != 0;
  nmi_perr = (reason & PORT_B_PERR) != 0;
  if (!nmi_iochk || saved)
    return 1;
  uint64_t t0 = rdtsc64();
  save_ok = save_state();
  uint64_t t1 = rdtsc64();
  uint32_t us = tsc_per_ms ? (uint32_t)((t1 - t0) * 1000u / tsc_per_ms) : 0;
  printf("powerfail: state saved in %u us of simulated time (counter %u)\n", us, slots[cur].counter);
  saved = 1;
  if (halt_in_nmi)
    report_and_wait(0);
  return 1;
}

__attribute__((noreturn)) static void boot1(void) {
  int mask = cmdline_uint("mask", 0) != 0;
  halt_in_nmi = cmdline_is("halt", "nmi");
  exception_set_handler(T_NMI, nmi_handler);
  *LAPIC_SVR = 0x1FF;                   // software-enabled (a disabled APIC keeps its LVTs masked)
  *LAPIC_LVT_LINT1 = LVT_DELIVERY_NMI;  // the chipset's NMI, as a PC BIOS programs it
  memset(sector, 0, sizeof sector);
  int r = ata_write_pio(SAVE_LBA, 1, sector);
  if (r)
    printf("powerfail: clearing the save sector: %d (%s)\n", r, ata_strerror(r));
  slots[0].counter = 0;
  slots[0].checksum = SEED;
  cur = 0;
  if (mask) {
    masked_phase = 1;
    outb(CMOS_INDEX, CMOS_NMI_MASK | 0x0D);  // NMI off (index D: harmless)
  }
  printf("powerfail: boot 1: counting until the power fails%s\n", mask ? " (NMI masked)" : "");
  while (!saved) {
    uint32_t next = cur ^ 1;
    slots[next].counter = slots[cur].counter + 1;
    slots[next].checksum = step(slots[cur].checksum);
    __asm__ volatile("" ::: "memory");  // the slot is in memory before it is committed
    cur = next;
    if (masked_phase && (inb(PORT_B) & PORT_B_IOCHK)) {
      // IOCHK seen by polling: no NMI came while masked. Unmask: it comes now.
      int none_yet = nmi_count == 0;
      masked_phase = 0;
      outb(CMOS_INDEX, 0x0D);
      for (uint32_t i = 0; i < 100000u && !saved; i++)
        __asm__ volatile("pause");
      check(3, none_yet && !nmi_while_masked && saved,
            "powerfail: no NMI while port 0x70 bit 7 masked it; it came when the mask was cleared");
    }
  }
  report_and_wait(1);
}

static void boot2(void) {
  printf("powerfail: boot 2: looking for the saved state\n");
  memset(sector, 0xEE, sizeof sector);
  int r = ata_read_pio(SAVE_LBA, 1, sector);
  struct record disk, cmos;
  memcpy(&disk, sector, sizeof disk);
  cmos_read_record(&cmos);
  check(1, r == 0 && disk.magic == SAVE_MAGIC, "powerfail: the saved state is on disk sector %u", SAVE_LBA);
  check(2, memcmp(&disk, &cmos, sizeof disk) == 0, "powerfail: the CMOS copy equals the disk copy");
  uint32_t x = SEED;
  for (uint32_t i = 0; i < disk.counter; i++)
    x = step(x);
  printf("powerfail: saved counter %u\n", disk.counter);
  check(3, disk.counter > 0 && x == disk.checksum, "powerfail: counter and checksum agree (the work replayed)");
}

int main(void) {
  console_init();
  kernel_init(KERNEL_PIC);
  calibrate_tsc();
  int r = ata_init(ATA_POLL, ATA_BM_PORT);
  if (r)
    printf("powerfail: ata_init: %d (%s)\n", r, ata_strerror(r));
  if (cmdline_uint("boot", 1) == 2) {
    boot2();
    check_exit("powerfail");
  }
  boot1();
}
