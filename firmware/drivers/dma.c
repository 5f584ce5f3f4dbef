// minipc DMAC driver (dma.h, docs/dma.md "Firmware driver").
#include "drivers/dma.h"

#include "kernel/irq.h"
#include "kernel/task.h"
#include "kernel/x86.h"
#include "lib/regs.h"

// ---- registers: port I/O or MMIO, one accessor (lib/regs.h) -------------------

static struct regs regs = {REGS_PORT, DMA_IO_BASE};
static uint32_t id;

uint32_t dma_read(uint32_t reg) { return reg_read32(&regs, reg); }
void dma_write(uint32_t reg, uint32_t value) { reg_write32(&regs, reg, value); }

int dma_init(enum dma_access access, uint32_t io, uint32_t mmio) {
  regs = access == DMA_ACCESS_MMIO ? regs_mmio(mmio) : regs_port((uint16_t)io);
  id = dma_read(DMA_ID);
  return (id & DMA_ID_MAGIC_MASK) == DMA_ID_MAGIC && (id & 0xFF) >= 1 ? 0 : -1;
}

enum dma_access dma_access_method(void) { return regs.kind == REGS_MMIO ? DMA_ACCESS_MMIO : DMA_ACCESS_PORT; }
const char* dma_access_name(enum dma_access a) { return a == DMA_ACCESS_MMIO ? "mmio" : "port"; }
uint32_t dma_id(void) { return id; }
unsigned dma_channels(void) {
  unsigned n = id & 0xFF;
  return n > DMA_CHANNELS ? DMA_CHANNELS : n;
}

// ---- programming ---------------------------------------------------------------

static uint32_t ctrl_word[DMA_CHANNELS];

static int valid_channel(int ch) { return ch >= 0 && ch < DMA_CHANNELS; }

int dma_program(int ch, const struct dma_xfer* x) {
  if (!valid_channel(ch)) return DMA_ERR_INVALID;
  uint32_t size;
  switch (x->unit) {
    case 1: size = 0; break;
    case 2: size = 1; break;
    case 4: size = 2; break;
    default: return DMA_ERR_INVALID;
  }
  if ((unsigned)x->mode > DMA_MODE_TRANSPARENT || (unsigned)x->dir > DMA_MEM_TO_DEV)
    return DMA_ERR_INVALID;
  uint32_t ctrl = DMA_CTRL_EN | DMA_CTRL_DIR(x->dir) | DMA_CTRL_SIZE(size) | DMA_CTRL_MODE(x->mode);
  if (x->src_inc) ctrl |= DMA_CTRL_SRC_INC;
  if (x->dst_inc) ctrl |= DMA_CTRL_DST_INC;
  if (x->src_io) ctrl |= DMA_CTRL_SRC_IO;
  if (x->dst_io) ctrl |= DMA_CTRL_DST_IO;
  if (x->irq) ctrl |= DMA_CTRL_IE_DONE | DMA_CTRL_IE_ERR;
  dma_write(DMA_CH_SRC(ch), x->src);
  dma_write(DMA_CH_DST(ch), x->dst);
  dma_write(DMA_CH_COUNT(ch), x->count);
  ctrl_word[ch] = ctrl;
  return DMA_OK;
}

uint32_t dma_ctrl_word(int ch) { return valid_channel(ch) ? ctrl_word[ch] : 0; }

// Interrupt bookkeeping (the handler below).
volatile uint32_t dma_irq_count;
volatile uint32_t dma_irq_done[DMA_CHANNELS];
volatile uint32_t dma_irq_errors[DMA_CHANNELS];
static volatile int irq_pending[DMA_CHANNELS];
static volatile int irq_code[DMA_CHANNELS];
static struct waitq dma_wq;

void dma_start(int ch) {
  if (!valid_channel(ch)) return;
  uint32_t flags = irq_save();
  irq_pending[ch] = 0;
  irq_restore(flags);
  dma_write(DMA_CH_CTRL(ch), ctrl_word[ch]);
}

int dma_busy(int ch) { return (dma_read(DMA_CH_STATUS(ch)) & DMA_STATUS_BUSY) != 0; }
uint32_t dma_remaining(int ch) { return dma_read(DMA_CH_REMAIN(ch)); }

void dma_abort(int ch) {
  if (valid_channel(ch)) dma_write(DMA_CH_CTRL(ch), DMA_CTRL_ABORT);
}

// ---- completion ------------------------------------------------------------------

int dma_wait_poll_limit(int ch, uint32_t max_polls) {
  if (!valid_channel(ch)) return DMA_ERR_INVALID;
  uint32_t status;
  uint32_t polls = 0;
  while ((status = dma_read(DMA_CH_STATUS(ch))) & DMA_STATUS_BUSY) {
    if (max_polls && ++polls >= max_polls) return DMA_ERR_TIMEOUT;
  }
  int code = (status & DMA_STATUS_ERROR) ? (int)DMA_STATUS_CODE(status) : DMA_OK;
  if (status & (DMA_STATUS_DONE | DMA_STATUS_ERROR))
    dma_write(DMA_CH_STATUS(ch), status & (DMA_STATUS_DONE | DMA_STATUS_ERROR));
  return code;
}

int dma_wait_poll(int ch) { return dma_wait_poll_limit(ch, 0); }

// IRQ_STATUS until it reads 0: a channel finishing while we acknowledge
// another keeps the (level) line up, and the loop takes it too, so the line
// is low when do_irq() sends the EOI.
static int dma_interrupt(int irq, void* dev) {
  (void)irq;
  (void)dev;
  int claimed = 0;
  for (;;) {
    uint32_t s = dma_read(DMA_IRQ_STATUS) & 0x0F0Fu;
    if (!s) break;
    claimed = 1;
    int code[DMA_CHANNELS];
    for (int ch = 0; ch < DMA_CHANNELS; ch++)  // before the W1C clears it
      code[ch] = (s & (0x100u << ch)) ? (int)DMA_STATUS_CODE(dma_read(DMA_CH_STATUS(ch))) : DMA_OK;
    dma_write(DMA_IRQ_STATUS, s);
    for (int ch = 0; ch < DMA_CHANNELS; ch++) {
      if (!(s & (0x101u << ch))) continue;
      if (s & (0x100u << ch))
        dma_irq_errors[ch]++;
      else
        dma_irq_done[ch]++;
      irq_code[ch] = code[ch];
      irq_pending[ch] = 1;
    }
  }
  if (!claimed) return IRQ_NONE;
  dma_irq_count++;
  wake_up(&dma_wq);
  return IRQ_HANDLED;
}

int dma_irq_init(void) {
  dma_write(DMA_IRQ_STATUS, 0x0F0Fu);  // nothing stale
  dma_write(DMA_IRQ_ENABLE, 0x0F0Fu);
  return request_irq(DMA_IRQ, dma_interrupt, 0, "dma");
}

int dma_wait_irq(int ch) {
  if (!valid_channel(ch)) return DMA_ERR_INVALID;
  uint32_t flags = irq_save();
  while (!irq_pending[ch]) sleep_on(&dma_wq, 0);
  irq_pending[ch] = 0;
  int code = irq_code[ch];
  irq_restore(flags);
  return code;
}

const char* dma_strerror(int code) {
  switch (code) {
    case DMA_OK: return "ok";
    case DMA_ERR_READ_BUS: return "bus error reading the source";
    case DMA_ERR_WRITE_BUS: return "bus error writing the destination";
    case DMA_ERR_BAD_CONFIG: return "bad configuration";
    case DMA_ERR_ABORTED: return "aborted";
    case DMA_ERR_STARVED: return "transparent timeout (no bus-free window)";
    case DMA_ERR_TIMEOUT: return "timeout";
    case DMA_ERR_INVALID: return "invalid argument";
    default: return "unknown error";
  }
}
