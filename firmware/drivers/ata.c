// ATA disk driver (ata.h): PIO and bus-master DMA, polling or IRQ 14.
#include "drivers/ata.h"

#include "drivers/pci.h"

#include "kernel/irq.h"
#include "kernel/task.h"
#include "kernel/timer.h"
#include "kernel/x86.h"
#include "lib/io.h"
#include "lib/printf.h"
#include "lib/regs.h"
#include "lib/string.h"

#define TIMEOUT_TICKS timeout_ticks
// A poll loop also ends after this many reads, so that it ends even when
// jiffies stand still (interrupts off).
#define POLL_CAP 4000000u
#define PRD_ENTRIES 8  // 256 sectors = 128 KiB: at most 3 entries

volatile uint32_t ata_irqs;
uint32_t ata_polls;
uint8_t ata_last_status, ata_last_error, ata_last_bmista;
uint32_t ata_last_error_lba;
int ata_dead;

static uint32_t timeout_ticks = (ATA_TIMEOUT_MS * HZ + 999) / 1000;

static enum ata_wait wait_mode;
// The bus-master block answers in the I/O space and in the memory space.
static struct regs bm_regs = {REGS_PORT, ATA_BM_IO_BASE};
static uint16_t bm_io_base = ATA_BM_IO_BASE;  // BAR4 of the PCI IDE function once found
static void (*idle_hook)(void);
static int irq_requested;

// Completion by interrupt: the handler's snapshot and a sequence number.
static volatile uint32_t irq_seq;
static volatile uint8_t irq_status, irq_bmista;
static volatile int cur_dma;  // a DMA command is running: the handler reads BMISTA
static struct waitq ata_wq;
// The command timer, driven by the tick (a chained timer_tick_hook).
static volatile int timer_armed, timer_fired;
static volatile uint32_t timer_deadline;
static void (*prev_tick_hook)(void);
static int tick_hook_installed;

// The PRD table must not cross a 64 KiB boundary: of twice the room, the
// half that does not (the firmware's sections are only 16-byte aligned).
static struct ata_prd prd_area[2 * PRD_ENTRIES] __attribute__((aligned(16)));
static struct ata_prd* prd_table;

// ---- bus-master registers: port I/O or MMIO (lib/regs.h) --------------------

uint8_t ata_bm_read8(uint32_t off) {
  return reg_read8(&bm_regs, off);
}

static void bm_write8(uint32_t off, uint8_t v) {
  reg_write8(&bm_regs, off, v);
}

static void bm_write32(uint32_t off, uint32_t v) {
  reg_write32(&bm_regs, off, v);
}

// Stops the engine and clears BMISTA's error and interrupt bits (W1C),
// keeping the drive-DMA-capable bits.
static void bm_reset(uint8_t dir) {
  bm_write8(ATA_BMICOM, dir);
  uint8_t s = ata_bm_read8(ATA_BMISTA);
  bm_write8(ATA_BMISTA, (uint8_t)((s & (ATA_BMISTA_DRV0_DMA | ATA_BMISTA_DRV1_DMA)) | ATA_BMISTA_ERROR |
                                  ATA_BMISTA_INTR));
}

// ---- waiting -----------------------------------------------------------------

static void ata_tick(void) {
  if (timer_armed && !timer_fired && (int32_t)(jiffies - timer_deadline) >= 0) {
    timer_fired = 1;
    wake_up(&ata_wq);
  }
  if (prev_tick_hook)
    prev_tick_hook();
}

static int ata_interrupt(int irq, void* dev) {
  (void)irq;
  (void)dev;
  uint8_t bmsta = cur_dma ? ata_bm_read8(ATA_BMISTA) : 0;
  uint8_t st = inb(ATA_REG_STATUS);  // acknowledges INTRQ
  if (st & ATA_SR_BSY)
    return IRQ_NONE;  // not (or not yet) the drive's
  if (cur_dma)
    bm_write8(ATA_BMISTA, (uint8_t)((bmsta & (ATA_BMISTA_DRV0_DMA | ATA_BMISTA_DRV1_DMA)) | ATA_BMISTA_INTR));
  irq_status = st;
  irq_bmista = bmsta;
  irq_seq++;
  ata_irqs++;
  wake_up(&ata_wq);
  return IRQ_HANDLED;
}

static int poll_expired(uint32_t start, uint32_t n) {
  return n >= POLL_CAP || (jiffies - start) >= TIMEOUT_TICKS;
}

// Polls Alternate Status until BSY clears; the status, or ATA_ETIMEDOUT.
// With `work`, the idle hook runs between two polls.
static int poll_not_busy(int work) {
  uint32_t start = jiffies;
  for (uint32_t n = 0;; n++) {
    uint8_t st = inb(ATA_REG_ALTSTATUS);
    ata_polls++;
    if (!(st & ATA_SR_BSY))
      return st;
    if (poll_expired(start, n))
      return ATA_ETIMEDOUT;
    if (work && idle_hook)
      idle_hook();
  }
}

// Sleeps until the handler has run since *seq was taken; the status it
// read, or ATA_ETIMEDOUT. Advances *seq.
static int wait_interrupt(uint32_t* seq) {
  uint32_t flags = irq_save();
  timer_fired = 0;
  timer_deadline = jiffies + TIMEOUT_TICKS;
  timer_armed = 1;
  while (irq_seq == *seq && !timer_fired)
    sleep_on(&ata_wq, 0);
  timer_armed = 0;
  int r = ATA_ETIMEDOUT;
  if (irq_seq != *seq) {
    r = irq_status;
    *seq = irq_seq;
  }
  irq_restore(flags);
  return r;
}

// The drive's answer to "this step is done" in the current mode.
static int wait_step(uint32_t* seq) {
  if (wait_mode == ATA_INTERRUPT)
    return wait_interrupt(seq);
  return poll_not_busy(1);
}

static void delay_400ns(void) {
  for (int i = 0; i < 4; i++)
    (void)inb(ATA_REG_ALTSTATUS);
}

// The address in the task file (LBA28): after an error, where it happened.
static uint32_t taskfile_lba(void) {
  return (uint32_t)inb(ATA_REG_LBA_LOW) | ((uint32_t)inb(ATA_REG_LBA_MID) << 8) |
         ((uint32_t)inb(ATA_REG_LBA_HIGH) << 16) | ((uint32_t)(inb(ATA_REG_DEVICE) & 0x0F) << 24);
}

static int status_error(int st) {
  if (st < 0)
    return st;
  ata_last_status = (uint8_t)st;
  if (st == 0x00 || st == 0xFF)
    return ATA_ENODEV;
  if (!(st & (ATA_SR_ERR | ATA_SR_DF)))
    return 0;
  uint8_t err = inb(ATA_REG_ERROR);
  ata_last_error = err;
  if (err & ATA_ER_UNC) {
    ata_last_error_lba = taskfile_lba();
    return ATA_EUNC;
  }
  if (err & ATA_ER_IDNF)
    return ATA_EIDNF;
  if (err & ATA_ER_ABRT)
    return ATA_EABRT;
  return ATA_EDEV;
}

// Soft reset (SRST), keeping the chosen nIEN: recovery after a timeout.
static int soft_reset(void) {
  uint8_t nien = wait_mode == ATA_POLL ? ATA_DC_NIEN : 0;
  outb(ATA_REG_DEVCTL, (uint8_t)(ATA_DC_NIEN | ATA_DC_SRST));
  delay_400ns();
  outb(ATA_REG_DEVCTL, ATA_DC_NIEN);
  delay_400ns();
  // Then select device 0 again (once BSY is gone: a write while BSY is
  // ignored): after a reset the selection is not to be relied on (QEMU's
  // PIIX reads Status 0x00 until Device is written).
  int st = poll_not_busy(0);
  outb(ATA_REG_DEVICE, ATA_DEV_OBS | ATA_DEV_LBA);
  delay_400ns();
  if (st >= 0)
    st = poll_not_busy(0);
  // QEMU completes SRST asynchronously (a bottom half run by the host): the
  // selection written above can be undone after it, leaving Status 0x00.
  // Select again until the drive answers, a bounded number of times (a
  // drive that answers at once, like minipc's, never gets here).
  for (uint32_t tries = 0; st >= 0 && (st == 0x00 || st == 0xFF) && tries < 100000; tries++) {
    outb(ATA_REG_DEVICE, ATA_DEV_OBS | ATA_DEV_LBA);
    delay_400ns();
    st = poll_not_busy(0);
  }
  (void)inb(ATA_REG_STATUS);  // drop anything pending
  outb(ATA_REG_DEVCTL, nien);
  if (st >= 0)
    ata_last_status = (uint8_t)st;
  return st < 0 ? st : (st == 0x00 || st == 0xFF) ? ATA_ENODEV : 0;
}

// The drive stayed BSY through a timeout and a soft reset: say so once,
// and fail every later command at once.
static int mark_dead(void) {
  if (!ata_dead)
    printf("ata: drive 0 not responding (BSY past the %u ms timeout, also after a soft reset): reported dead\n",
           (unsigned)(timeout_ticks * 1000 / HZ));
  ata_dead = 1;
  return ATA_EDEAD;
}

// Waits for the drive to accept a command (BSY and DRQ clear).
static int ready_for_command(void) {
  if (ata_dead)
    return ATA_EDEAD;
  int st = poll_not_busy(0);
  if (st == ATA_ETIMEDOUT)  // stuck BSY: a reset may bring it back
    return soft_reset() == ATA_ETIMEDOUT ? mark_dead() : ATA_ETIMEDOUT;
  if (st < 0)
    return st;
  if (st == 0x00 || st == 0xFF)
    return ATA_ENODEV;
  if (st & ATA_SR_DRQ)  // a transfer left half done: start over
    return soft_reset();
  return 0;
}

static void issue(uint8_t command, uint32_t lba, uint32_t count) {
  outb(ATA_REG_DEVICE, (uint8_t)(ATA_DEV_OBS | ATA_DEV_LBA | ((lba >> 24) & 0x0F)));
  outb(ATA_REG_SECCOUNT, (uint8_t)count);  // 256 -> 0
  outb(ATA_REG_LBA_LOW, (uint8_t)lba);
  outb(ATA_REG_LBA_MID, (uint8_t)(lba >> 8));
  outb(ATA_REG_LBA_HIGH, (uint8_t)(lba >> 16));
  outb(ATA_REG_COMMAND, command);
  delay_400ns();
}

// After a failed or timed-out step: leave the drive ready for the next one.
static int fail(int err) {
  if (err == ATA_ETIMEDOUT)
    return soft_reset() == ATA_ETIMEDOUT ? mark_dead() : err;
  else
    (void)inb(ATA_REG_STATUS);  // acknowledge
  return err;
}

static int check_range(uint32_t lba, uint32_t count) {
  if (count < 1 || count > ATA_MAX_SECTORS || lba >= (1u << 28) || lba + count > (1u << 28))
    return ATA_EINVAL;
  return 0;
}

// ---- setup -------------------------------------------------------------------

void ata_set_wait(enum ata_wait wait) {
  wait_mode = wait;
  if (wait == ATA_INTERRUPT && !irq_requested) {
    request_irq(ATA_IRQ, ata_interrupt, 0, "ata");
    irq_requested = 1;
  }
  (void)inb(ATA_REG_STATUS);  // no stale interrupt shows when nIEN clears
  outb(ATA_REG_DEVCTL, wait == ATA_POLL ? ATA_DC_NIEN : 0);
}

void ata_set_bm_access(enum ata_bm_access bm) {
  bm_regs = bm == ATA_BM_MMIO ? regs_mmio(ATA_BM_MMIO_BASE) : regs_port(bm_io_base);
}

// The PCI IDE function (class 01 01, bus-master capable): its BAR4 is where
// the bus-master registers are (docs/pci.md), and bus mastering is the
// driver's to enable. Without one the registers stay at ATA_BM_IO_BASE.
static void find_bus_master(void) {
  struct pci_dev ide;
  int io;
  if (pci_find_class(0x010100, 0, &ide) < 0)
    return;
  uint32_t base = pci_bar_base(&ide, 4, &io);
  if (io && base)
    bm_io_base = (uint16_t)base;
  pci_enable(&ide, PCI_COMMAND_MASTER);
}

void ata_set_idle_hook(void (*hook)(void)) {
  idle_hook = hook;
}

void ata_set_timeout_ms(uint32_t ms) {
  timeout_ticks = (ms * HZ + 999) / 1000;
  if (timeout_ticks == 0)
    timeout_ticks = 1;
}

int ata_init(enum ata_wait wait, enum ata_bm_access bm) {
  find_bus_master();
  ata_set_bm_access(bm);
  wait_mode = ATA_POLL;
  if (!tick_hook_installed) {
    uint32_t flags = irq_save();
    prev_tick_hook = timer_tick_hook;
    timer_tick_hook = ata_tick;
    tick_hook_installed = 1;
    irq_restore(flags);
  }
  ata_irqs = 0;
  ata_polls = 0;
  ata_dead = 0;
  int r = soft_reset();
  if (r < 0)
    return r;
  ata_set_wait(wait);
  return 0;
}

// ---- PIO ---------------------------------------------------------------------

// PIO data-in (READ SECTORS, IDENTIFY): a DRQ block per sector.
static int pio_in(uint8_t command, uint32_t lba, uint32_t count, uint16_t* buf) {
  int r = ready_for_command();
  if (r < 0)
    return r;
  cur_dma = 0;
  uint32_t seq = irq_seq;
  issue(command, lba, count);
  for (uint32_t i = 0; i < count; i++) {
    int st = wait_step(&seq);
    if ((r = status_error(st)) < 0)
      return fail(r);
    if (!(st & ATA_SR_DRQ))
      return fail(ATA_EDEV);
    insw(ATA_REG_DATA, buf + i * (ATA_SECTOR_SIZE / 2), ATA_SECTOR_SIZE / 2);
  }
  // The last block read: the command ends without another interrupt.
  int st = poll_not_busy(0);
  if ((r = status_error(st)) < 0)
    return fail(r);
  (void)inb(ATA_REG_STATUS);
  return (st & ATA_SR_DRQ) ? fail(ATA_EDEV) : 0;
}

int ata_identify(uint16_t id[256], uint32_t* sectors) {
  int r = pio_in(ATA_CMD_IDENTIFY, 0, 1, id);
  if (r == 0 && sectors)
    *sectors = (uint32_t)id[60] | ((uint32_t)id[61] << 16);
  return r;
}

int ata_read_pio(uint32_t lba, uint32_t count, void* buf) {
  int r = check_range(lba, count);
  return r < 0 ? r : pio_in(ATA_CMD_READ_SECTORS, lba, count, (uint16_t*)buf);
}

int ata_write_pio(uint32_t lba, uint32_t count, const void* buf) {
  int r = check_range(lba, count);
  if (r < 0 || (r = ready_for_command()) < 0)
    return r;
  const uint16_t* p = (const uint16_t*)buf;
  cur_dma = 0;
  uint32_t seq = irq_seq;
  issue(ATA_CMD_WRITE_SECTORS, lba, count);
  for (uint32_t i = 0; i < count; i++) {
    // The first DRQ comes without an interrupt: poll for it.
    int st = i == 0 ? poll_not_busy(1) : wait_step(&seq);
    if ((r = status_error(st)) < 0)
      return fail(r);
    if (!(st & ATA_SR_DRQ))
      return fail(ATA_EDEV);
    outsw(ATA_REG_DATA, p + i * (ATA_SECTOR_SIZE / 2), ATA_SECTOR_SIZE / 2);
  }
  int st = wait_step(&seq);  // the last sector written: completion
  if ((r = status_error(st)) < 0)
    return fail(r);
  (void)inb(ATA_REG_STATUS);
  return 0;
}

// ---- DMA ---------------------------------------------------------------------

static int dma(uint8_t command, uint32_t lba, uint32_t count, const struct ata_prd* table) {
  int r = check_range(lba, count);
  if (r < 0 || (r = ready_for_command()) < 0)
    return r;
  uint8_t dir = command == ATA_CMD_READ_DMA ? ATA_BMICOM_READ : 0;
  bm_reset(dir);
  bm_write32(ATA_BMIDTP, (uint32_t)table);
  cur_dma = 1;
  uint32_t seq = irq_seq;
  issue(command, lba, count);
  bm_write8(ATA_BMICOM, (uint8_t)(dir | ATA_BMICOM_START));
  int st;
  uint8_t bmsta;
  if (wait_mode == ATA_INTERRUPT) {
    st = wait_interrupt(&seq);
    bmsta = irq_bmista;
  } else {
    st = poll_not_busy(1);
    bmsta = ata_bm_read8(ATA_BMISTA);
  }
  bm_reset(dir);  // stop: also ends a table longer than the transfer
  cur_dma = 0;
  ata_last_bmista = bmsta;
  if (st >= 0 && (bmsta & ATA_BMISTA_ERROR)) {
    ata_last_status = (uint8_t)st;
    ata_last_error = inb(ATA_REG_ERROR);
    return fail(ATA_EDMA);
  }
  if ((r = status_error(st)) < 0)
    return fail(r);
  (void)inb(ATA_REG_STATUS);
  return 0;
}

// One PRD entry per piece of the buffer inside a 64 KiB page.
static int build_prd(const void* buf, uint32_t bytes) {
  uint32_t addr = (uint32_t)buf;
  if (!prd_table) {
    uint32_t a = (uint32_t)prd_area;
    prd_table = ((a ^ (a + sizeof prd_area / 2 - 1)) >> 16) ? prd_area + PRD_ENTRIES : prd_area;
  }
  if (addr & 3)
    return ATA_EINVAL;
  int n = 0;
  while (bytes) {
    if (n == PRD_ENTRIES)
      return ATA_EINVAL;
    uint32_t room = 0x10000u - (addr & 0xFFFFu);
    uint32_t chunk = bytes < room ? bytes : room;
    prd_table[n].base = addr;
    prd_table[n].count = chunk & 0xFFFFu;  // 64 KiB is written as 0
    addr += chunk;
    bytes -= chunk;
    n++;
  }
  prd_table[n - 1].count |= ATA_PRD_EOT;
  return 0;
}

int ata_read_dma(uint32_t lba, uint32_t count, void* buf) {
  int r = check_range(lba, count);
  if (r < 0 || (r = build_prd(buf, count * ATA_SECTOR_SIZE)) < 0)
    return r;
  return dma(ATA_CMD_READ_DMA, lba, count, prd_table);
}

int ata_write_dma(uint32_t lba, uint32_t count, const void* buf) {
  int r = check_range(lba, count);
  if (r < 0 || (r = build_prd(buf, count * ATA_SECTOR_SIZE)) < 0)
    return r;
  return dma(ATA_CMD_WRITE_DMA, lba, count, prd_table);
}

// ---- reads that cope with media errors ------------------------------------------

static int read_once(uint32_t lba, uint32_t count, uint8_t* buf, enum ata_xfer xfer) {
  return xfer == ATA_XFER_DMA ? ata_read_dma(lba, count, buf) : ata_read_pio(lba, count, buf);
}

int ata_read_sectors(uint32_t lba, uint32_t count, void* buf, enum ata_xfer xfer, struct ata_read_report* rep) {
  struct ata_read_report local;
  if (!rep)
    rep = &local;
  rep->nbad = rep->retries = 0;
  int r = check_range(lba, count);
  if (r < 0)
    return r;
  uint8_t* p = (uint8_t*)buf;
  uint32_t done = 0;  // sectors [lba, lba + done) are in buf
  int tries = 0;      // commands that failed at sector lba + done
  int result = 0;
  while (done < count) {
    r = read_once(lba + done, count - done, p + done * ATA_SECTOR_SIZE, xfer);
    if (r == 0)
      break;
    if (r != ATA_EUNC)
      return r;
    uint32_t bad = ata_last_error_lba;
    if (bad < lba + done || bad >= lba + count)
      return ATA_EDEV;  // an error address outside the command: nothing to trust
    uint32_t good = bad - (lba + done);  // sectors before the bad one
    if (good && xfer == ATA_XFER_DMA) {
      r = read_once(lba + done, good, p + done * ATA_SECTOR_SIZE, xfer);
      if (r == ATA_EUNC)
        continue;  // an earlier sector failed this time: start from it
      if (r < 0)
        return r;
    }
    if (good)
      tries = 0;
    done += good;
    if (++tries < ATA_READ_TRIES) {
      rep->retries++;
      continue;
    }
    printf("ata: LBA %u unreadable (UNC, %d tries): skipped\n", (unsigned)bad, ATA_READ_TRIES);
    if (rep->nbad < ATA_MAX_BAD)
      rep->bad[rep->nbad] = bad;
    rep->nbad++;
    memset(p + done * ATA_SECTOR_SIZE, 0, ATA_SECTOR_SIZE);
    done++;
    tries = 0;
    result = ATA_EUNC;
  }
  return result;
}

int ata_read_dma_prd(uint32_t lba, uint32_t count, const struct ata_prd* table) {
  if ((uint32_t)table & 3)
    return ATA_EINVAL;
  return dma(ATA_CMD_READ_DMA, lba, count, table);
}

const char* ata_strerror(int err) {
  switch (err) {
    case 0: return "ok";
    case ATA_ETIMEDOUT: return "timeout";
    case ATA_EABRT: return "ABRT";
    case ATA_EIDNF: return "IDNF";
    case ATA_EDEV: return "device error";
    case ATA_EDMA: return "bus-master error";
    case ATA_EINVAL: return "invalid argument";
    case ATA_ENODEV: return "no device";
    case ATA_EUNC: return "UNC";
    case ATA_EDEAD: return "drive dead";
    default: return "?";
  }
}
