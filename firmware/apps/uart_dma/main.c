// uart_dma: the minipc DMAC's device channels with a real device, COM1's
// 16550A, paced by its DMA request pins (docs/uart.md "DMA signalling").
//
// The platform wires TXRDY# to the DREQ of channel UART_TX_CH
// (uart0.tx_dma_channel, default 1) and RXRDY# to that of UART_RX_CH
// (uart0.rx_dma_channel, default 2). The 16550 has no DACK: the DMAC's write
// of THR / read of RBR is the acknowledge.
//
//   receive   device->memory from RBR (port 0x3F8, SRC_IO, SRC_INC off,
//             1-byte units) into RAM with guard bytes, the far end scripted
//             by uart0.rx_string (RX_SCRIPT below, from uart0.rx_start on):
//             DMA mode 0 polled, mode 0 interrupt, mode 1 (FIFO trigger 4)
//             polled, mode 1 interrupt (its block ends with a character
//             timeout: 22 is not a multiple of 4). The four blocks are armed
//             back to back with nothing printed in between, since the far end
//             does not wait; then the bytes are checked, and LSR.OE must be 0.
//   transmit  memory->device to THR (DST_IO, DST_INC off, 1-byte units): a
//             line longer than the 16-byte FIFO in DMA mode 0 and mode 1,
//             polled and interrupt. The line itself is the check: the
//             scenario's expected lines include it (a byte dropped by an
//             unpaced DMA, a full FIFO, breaks it). The block must also take
//             at least (length - 16) character times (paced, not a burst).
//
// minipc only (QEMU has no such wiring). Run with
//   --set=uart0.rx_string=<RX_SCRIPT> --set=uart0.rx_start=<after boot>
// cmdline "tx=N" / "rx=N": other channels, when the platform was told so
// (uart0.tx_dma_channel / uart0.rx_dma_channel).
#include <stdint.h>

#include "drivers/dma.h"
#include "kernel/check.h"
#include "kernel/irq.h"
#include "kernel/kernel.h"
#include "kernel/timer.h"
#include "lib/cmdline.h"
#include "lib/console.h"
#include "lib/io.h"
#include "lib/printf.h"
#include "lib/string.h"

#define COM1 0x3F8u
#define COM1_RBR (COM1 + 0)
#define COM1_THR (COM1 + 0)
#define COM1_FCR (COM1 + 2)
#define COM1_LSR (COM1 + 5)
#define FCR_FIFO_ENABLE 0x01u
#define FCR_DMA_MODE1 0x08u
#define FCR_TRIGGER_4 0x40u
#define LSR_OE 0x02u
#define LSR_THRE 0x20u
#define LSR_TEMT 0x40u

// 115200 baud 8N1 (console_init): one character is 10 bits, 86.8 us.
#define CHAR_TIME_NS 86806u

#define RX_BASE 0x00800000u  // RAM above the image
#define TX_BASE 0x00900000u
#define GUARD 16u
#define GUARD_BYTE 0x5A

// What uart0.rx_string must be (testbench/scenarios/uart_dma.cmake): four
// blocks, one per receive test, sent back to back by the far end.
static const char* const rx_blocks[4] = {
    "m0-polled-0123456789",    // 20
    "m0-irq-abcdefghijklm",    // 20
    "m1-polled-ABCDEFGHIJ",    // 20
    "m1-irq-klmnopqrstuvwx",   // 21: 20 by trigger level, the last by timeout
};

static int tx_ch = 1, rx_ch = 2;

static int all_bytes(const uint8_t* p, uint32_t n, uint8_t v) {
  for (uint32_t i = 0; i < n; i++)
    if (p[i] != v) return 0;
  return 1;
}

// DMA mode 0 or 1, FIFOs on, RCVR trigger 4. No FIFO reset: characters
// already received stay.
static void set_dma_mode(int mode1) {
  outb(COM1_FCR, (uint8_t)(FCR_FIFO_ENABLE | FCR_TRIGGER_4 | (mode1 ? FCR_DMA_MODE1 : 0)));
}

// A device channel whose DREQ never comes (a wiring or pin bug) would wait
// for ever: a tick hook aborts it after WATCHDOG_MS, so the wait returns
// DMA_ERR_ABORTED and the check fails instead of the run timing out.
#define WATCHDOG_MS 500u
static volatile int watch_ch = -1;
static volatile uint32_t watch_deadline;

static void watchdog(void) {
  int ch = watch_ch;
  if (ch >= 0 && (int32_t)(uptime_ms() - watch_deadline) >= 0) {
    watch_ch = -1;
    dma_abort(ch);
  }
}

static int wait_for(int ch, int use_irq) {
  watch_deadline = uptime_ms() + WATCHDOG_MS;
  watch_ch = ch;
  int code = use_irq ? dma_wait_irq(ch) : dma_wait_poll(ch);
  watch_ch = -1;
  return code;
}

static const char* completion(int use_irq) { return use_irq ? "interrupt" : "polling"; }

// ---- device -> memory ------------------------------------------------------------

struct rx_result {
  int code;
  uint32_t remain, irqs;
};

static void receive_all(int code) {
  uint8_t* buf[4];
  uint32_t len[4];
  struct rx_result r[4];
  uint32_t off = 0;
  for (int i = 0; i < 4; i++) {
    len[i] = (uint32_t)strlen(rx_blocks[i]);
    buf[i] = (uint8_t*)RX_BASE + GUARD + off;
    memset(buf[i] - GUARD, GUARD_BYTE, len[i] + 2 * GUARD);
    off += len[i] + 2 * GUARD;
  }
  (void)inb(COM1_LSR);  // clear a stale OE
  // Nothing is printed from here to the checks: the far end does not wait.
  for (int i = 0; i < 4; i++) {
    int mode1 = i >= 2, use_irq = i & 1;
    set_dma_mode(mode1);
    struct dma_xfer x = {.src = COM1_RBR, .dst = (uint32_t)buf[i], .count = len[i], .unit = 1,
                         .mode = DMA_MODE_BURST, .dir = DMA_DEV_TO_MEM, .src_inc = 0, .dst_inc = 1,
                         .src_io = 1, .irq = use_irq};
    uint32_t irqs = dma_irq_done[rx_ch];
    if (dma_program(rx_ch, &x) != DMA_OK) {
      r[i].code = DMA_ERR_INVALID;
      continue;
    }
    dma_start(rx_ch);
    r[i].code = wait_for(rx_ch, use_irq);
    r[i].remain = dma_remaining(rx_ch);
    r[i].irqs = dma_irq_done[rx_ch] - irqs;
  }
  uint8_t lsr = inb(COM1_LSR);
  for (int i = 0; i < 4; i++) {
    int mode1 = i >= 2, use_irq = i & 1;
    int ok = r[i].code == DMA_OK && r[i].remain == 0 && memcmp(buf[i], rx_blocks[i], len[i]) == 0 &&
             all_bytes(buf[i] - GUARD, GUARD, GUARD_BYTE) && all_bytes(buf[i] + len[i], GUARD, GUARD_BYTE);
    if (use_irq) ok = ok && r[i].irqs == 1;
    if (!ok) {
      printf("uart_dma: receive %d: code %d (%s), remain %u, got '", i, r[i].code, dma_strerror(r[i].code),
             r[i].remain);
      for (uint32_t k = 0; k < len[i]; k++) putchar(buf[i][k] >= 32 && buf[i][k] < 127 ? buf[i][k] : '?');
      printf("'\n");
    }
    check(code + i, ok, "uart_dma: DMA mode %d, %s: %u bytes from RBR by device-to-memory DMA, byte for byte",
          mode1, completion(use_irq), len[i]);
  }
  check(code + 4, !(lsr & LSR_OE), "uart_dma: no receiver overrun while the DMA read RBR");
}

// ---- memory -> device ------------------------------------------------------------

static void transmit(int code, int mode1, int use_irq) {
  char* line = (char*)TX_BASE;
  int n = snprintf(line, 128, "uart_dma: DMA mode %d, %s: this line went to THR by memory-to-device DMA\n",
                   mode1, completion(use_irq));
  // The console's last characters leave first: the DMA starts on an idle
  // transmitter, so the timing check below sees the block alone.
  while ((inb(COM1_LSR) & (LSR_THRE | LSR_TEMT)) != (LSR_THRE | LSR_TEMT))
    ;
  set_dma_mode(mode1);
  struct dma_xfer x = {.src = (uint32_t)line, .dst = COM1_THR, .count = (uint32_t)n, .unit = 1,
                       .mode = DMA_MODE_BURST, .dir = DMA_MEM_TO_DEV, .src_inc = 1, .dst_inc = 0,
                       .dst_io = 1, .irq = use_irq};
  uint32_t irqs = dma_irq_done[tx_ch];
  int ok = dma_program(tx_ch, &x) == DMA_OK;
  uint32_t t0 = uptime_ms();
  dma_start(tx_ch);
  int c = wait_for(tx_ch, use_irq);
  uint32_t took_ms = uptime_ms() - t0;
  // The line is in THR/the FIFO and on its way: let it finish before printing.
  while (!(inb(COM1_LSR) & LSR_TEMT))
    ;
  ok = ok && c == DMA_OK && dma_remaining(tx_ch) == 0;
  if (use_irq) ok = ok && dma_irq_done[tx_ch] == irqs + 1;
  check(code, ok, "uart_dma: DMA mode %d, %s: %d bytes to THR by memory-to-device DMA, done", mode1,
        completion(use_irq), n);
  // Paced by TXRDY: the last 16 bytes can sit in the FIFO when the block
  // completes, the others waited for the line. One tick of slack (HZ 1000).
  uint32_t min_ms = (uint32_t)(((uint64_t)(n - 16) * CHAR_TIME_NS) / 1000000u);
  min_ms = min_ms > 1 ? min_ms - 1 : 0;
  if (took_ms < min_ms) printf("uart_dma: the block took %u ms, at least %u expected\n", took_ms, min_ms);
  check(code + 1, took_ms >= min_ms, "uart_dma: DMA mode %d, %s: the block took the line's time (paced by TXRDY)",
        mode1, completion(use_irq));
}

int main(void) {
  console_init();
  kernel_init(KERNEL_PIC);
  tx_ch = (int)cmdline_uint("tx", (uint32_t)tx_ch);
  rx_ch = (int)cmdline_uint("rx", (uint32_t)rx_ch);
  timer_tick_hook = watchdog;
  printf("uart_dma: COM1 TXRDY on DMA channel %d, RXRDY on channel %d\n", tx_ch, rx_ch);
  check(1, dma_init(DMA_ACCESS_PORT, DMA_IO_BASE, DMA_MMIO_BASE) == 0, "uart_dma: DMA controller found");
  check(2, dma_irq_init() == 0, "uart_dma: IRQ %d requested", DMA_IRQ);
  // Let the console drain: the far end starts sending at uart0.rx_start.
  while (!(inb(COM1_LSR) & LSR_TEMT))
    ;
  receive_all(3);
  int code = 8;
  for (int mode1 = 0; mode1 < 2; mode1++)
    for (int use_irq = 0; use_irq < 2; use_irq++, code += 2) transmit(code, mode1, use_irq);
  set_dma_mode(0);
  check(16, irq_desc[DMA_IRQ].unhandled == 0 && irq_desc[DMA_IRQ].count == dma_irq_count,
        "uart_dma: every IRQ %d delivery was claimed by the driver", DMA_IRQ);
  check_exit("uart_dma");
}
