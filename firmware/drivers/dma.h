// minipc DMAC driver (docs/dma.md): four channels, memory<->memory (and
// device) transfers, completion by polling or by interrupt (IRQ 10).
//
// The register window answers both in the I/O space (DMA_IO_BASE) and in the
// memory space (DMA_MMIO_BASE); dma_init() picks one, and every register
// access of the driver then goes through that struct regs (lib/regs.h): the
// same driver code runs over port I/O or MMIO (docs/experiments/mmio_vs_port_io.md).
//
// Typical use:
//   dma_init(DMA_ACCESS_PORT, DMA_IO_BASE, DMA_MMIO_BASE);
//   struct dma_xfer x = {.src = s, .dst = d, .count = n, .unit = 4,
//                        .mode = DMA_MODE_BURST, .src_inc = 1, .dst_inc = 1};
//   dma_program(0, &x); dma_start(0); err = dma_wait_poll(0);
// With .irq = 1 (after dma_irq_init()), dma_wait_irq(0) sleeps until the
// interrupt handler has seen the channel finish.
#ifndef MINIPC_FW_DRIVERS_DMA_H
#define MINIPC_FW_DRIVERS_DMA_H

#include <stdint.h>

#define DMA_IO_BASE 0xD000u        // dma.io_base
#define DMA_MMIO_BASE 0xFEB00000u  // dma.mmio_base
#define DMA_IRQ 10                 // dma.irq (PIC slave IR2, IOAPIC pin 10)
#define DMA_CHANNELS 4

// Registers (offsets in the 0x100-byte window).
#define DMA_ID 0x00          // RO 0xD3AC0104: magic, version 1, 4 channels
#define DMA_BUSY 0x04        // RO bit n: channel n busy
#define DMA_IRQ_STATUS 0x08  // R/W1C bit n done, bit 8+n error
#define DMA_IRQ_ENABLE 0x0C  // RW same bits
#define DMA_CH(n) (0x20u + 0x20u * (uint32_t)(n))
#define DMA_CH_SRC(n) (DMA_CH(n) + 0x00)
#define DMA_CH_DST(n) (DMA_CH(n) + 0x04)
#define DMA_CH_COUNT(n) (DMA_CH(n) + 0x08)   // units, not bytes
#define DMA_CH_CTRL(n) (DMA_CH(n) + 0x0C)
#define DMA_CH_REMAIN(n) (DMA_CH(n) + 0x10)  // RO units still to move
#define DMA_CH_STATUS(n) (DMA_CH(n) + 0x14)  // BUSY, DONE (W1C), ERROR (W1C), TIMEOUT, CODE

#define DMA_ID_MAGIC 0xD3AC0000u
#define DMA_ID_MAGIC_MASK 0xFFFF0000u

// CHn_CTRL fields.
#define DMA_CTRL_EN (1u << 0)
#define DMA_CTRL_DIR(d) ((uint32_t)(d) << 1)   // 0 mem->mem, 1 dev->mem, 2 mem->dev
#define DMA_CTRL_SIZE(s) ((uint32_t)(s) << 3)  // 0: 1 byte, 1: 2 bytes, 2: 4 bytes
#define DMA_CTRL_MODE(m) ((uint32_t)(m) << 5)  // enum dma_mode
#define DMA_CTRL_SRC_INC (1u << 7)
#define DMA_CTRL_DST_INC (1u << 8)
#define DMA_CTRL_SRC_IO (1u << 9)
#define DMA_CTRL_DST_IO (1u << 10)
#define DMA_CTRL_IE_DONE (1u << 11)
#define DMA_CTRL_IE_ERR (1u << 12)
#define DMA_CTRL_ABORT (1u << 31)

// CHn_STATUS fields.
#define DMA_STATUS_BUSY (1u << 0)
#define DMA_STATUS_DONE (1u << 1)
#define DMA_STATUS_ERROR (1u << 2)
#define DMA_STATUS_TIMEOUT (1u << 3)  // RO: the error is DMA_ERR_STARVED
#define DMA_STATUS_CODE(s) (((s) >> 8) & 0xFu)

enum dma_access { DMA_ACCESS_PORT, DMA_ACCESS_MMIO };
enum dma_mode { DMA_MODE_BURST = 0, DMA_MODE_STEAL = 1, DMA_MODE_TRANSPARENT = 2 };
enum dma_dir { DMA_MEM_TO_MEM = 0, DMA_DEV_TO_MEM = 1, DMA_MEM_TO_DEV = 2 };

// Error codes: the controller's (CHn_STATUS bits 11:8), then the driver's.
enum dma_error {
  DMA_OK = 0,
  DMA_ERR_READ_BUS = 1,    // bus error reading the source
  DMA_ERR_WRITE_BUS = 2,   // bus error writing the destination
  DMA_ERR_BAD_CONFIG = 3,  // COUNT 0 or a reserved field value: not started
  DMA_ERR_ABORTED = 4,     // ABORT while busy
  DMA_ERR_STARVED = 5,     // transparent: no bus-free window big enough for dma.transparent_timeout
  DMA_ERR_TIMEOUT = 16,    // driver: the channel stayed busy (dma_wait_poll)
  DMA_ERR_INVALID = 17,    // driver: bad argument (channel, unit, mode)
};

struct dma_xfer {
  uint32_t src, dst;
  uint32_t count;      // units
  uint32_t unit;       // 1, 2 or 4 bytes
  enum dma_mode mode;
  enum dma_dir dir;    // DMA_MEM_TO_MEM (0) unless set
  int src_inc, dst_inc;
  int src_io, dst_io;  // device side in the I/O space
  int irq;             // IE_DONE | IE_ERR: finish with dma_wait_irq()
};

// Selects the register accessor (port I/O at io_base or MMIO at mmio_base)
// and probes DMA_ID. Returns 0, or -1 when the ID does not answer.
int dma_init(enum dma_access access, uint32_t io_base, uint32_t mmio_base);
enum dma_access dma_access_method(void);
const char* dma_access_name(enum dma_access access);
uint32_t dma_id(void);  // DMA_ID as read by dma_init()
unsigned dma_channels(void);

// Raw register access through the selected accessor.
uint32_t dma_read(uint32_t reg);
void dma_write(uint32_t reg, uint32_t value);

// Writes SRC, DST, COUNT and keeps the CTRL word for dma_start(). Returns
// DMA_OK or DMA_ERR_INVALID (channel, unit or mode out of range; COUNT is
// the controller's to check).
int dma_program(int ch, const struct dma_xfer* x);
uint32_t dma_ctrl_word(int ch);  // the CTRL value dma_start() writes (EN included)
void dma_start(int ch);
int dma_busy(int ch);
uint32_t dma_remaining(int ch);

// Polls CHn_STATUS until the channel is not busy; clears DONE/ERROR and
// returns the error code (DMA_OK when done). DMA_ERR_TIMEOUT after
// `max_polls` reads (0: no limit).
int dma_wait_poll_limit(int ch, uint32_t max_polls);
int dma_wait_poll(int ch);

// (Not for .irq transfers: their handler takes DONE/ERROR first.)
//
// Interrupt completion: dma_irq_init() requests IRQ DMA_IRQ and enables
// every done/error bit in IRQ_ENABLE; the handler reads IRQ_STATUS, keeps
// the channels' error codes, acknowledges (W1C) and wakes the waiters.
int dma_irq_init(void);
// Sleeps until the handler reported the channel; returns its error code.
int dma_wait_irq(int ch);
// Deliveries of IRQ DMA_IRQ claimed by the driver, and per channel the
// done / error events the handler saw.
extern volatile uint32_t dma_irq_count;
extern volatile uint32_t dma_irq_done[DMA_CHANNELS];
extern volatile uint32_t dma_irq_errors[DMA_CHANNELS];

// Writes ABORT (and nothing else, so a channel that already finished is not
// restarted). The channel stops before its next unit with DMA_ERR_ABORTED;
// collect that with dma_wait_poll() or, for an .irq transfer, dma_wait_irq()
// (DMA_OK there means the block completed before the abort arrived).
void dma_abort(int ch);

// Name of an error code.
const char* dma_strerror(int code);

#endif  // MINIPC_FW_DRIVERS_DMA_H
