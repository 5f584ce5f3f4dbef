// dma: the minipc DMAC driver (drivers/dma.c) against the controller.
//
//   probe       DMA_ID through port I/O and through MMIO
//   copies      memory->memory, verified byte for byte with guard bytes on
//               both sides: {port, MMIO} x {polling, interrupt} x {burst,
//               cycle stealing, transparent} x {1, 2, 4-byte units}
//   fill        SRC_INC off: one 4-byte pattern repeated
//   channels    four channels at once (mixed modes and units), interrupt and
//               polling
//   bus errors  destination outside RAM (code 2) and a source running past
//               the end of RAM (code 1, the units before it written), both
//               with the error interrupt; the channel works afterwards
//   bad config  COUNT 0 and SIZE 3 (code 3, nothing moved)
//   abort       a long cycle-stealing block stopped (code 4): the moved
//               prefix is the source, the rest untouched; works afterwards
//
// cmdline "irq=apic" runs it in APIC mode (IOAPIC pin 10; minipc needs
// platform.interrupts=apic), otherwise 8259A mode (slave IR2).
#include <stdint.h>

#include "drivers/dma.h"
#include "kernel/check.h"
#include "kernel/irq.h"
#include "kernel/kernel.h"
#include "lib/cmdline.h"
#include "lib/console.h"
#include "lib/printf.h"
#include "lib/string.h"

// Buffers in RAM above the image (which loads at 1 MiB and stays under 2 MiB).
#define SRC_BASE 0x00800000u
#define DST_BASE 0x00A00000u
#define AREA_BYTES 0x20000u  // 128 KiB per area
#define GUARD 16u
#define GUARD_BYTE 0x5A
#define OUTSIDE_RAM 0x10000000u  // 256 MiB: nothing is mapped there

static uint8_t* const src_area = (uint8_t*)SRC_BASE;
static uint8_t* const dst_area = (uint8_t*)DST_BASE;
static uint32_t ram_end = 64u << 20;

static const char* const mode_names[] = {"burst", "cycle-steal", "transparent"};

static uint32_t seed = 0x12345678u;
static void fill_pattern(uint8_t* p, uint32_t n) {
  uint32_t x = seed;
  for (uint32_t i = 0; i < n; i++) {
    x = x * 1103515245u + 12345u;
    p[i] = (uint8_t)(x >> 16);
  }
  seed = x;
}

static int all_bytes(const uint8_t* p, uint32_t n, uint8_t v) {
  for (uint32_t i = 0; i < n; i++)
    if (p[i] != v) return 0;
  return 1;
}

// Prepares src (pattern) and dst (guard bytes around and over it).
static void prepare(uint8_t* src, uint8_t* dst, uint32_t bytes) {
  fill_pattern(src, bytes);
  memset(dst - GUARD, GUARD_BYTE, bytes + 2 * GUARD);
}

// The destination equals the source and the guards are intact.
static int verify(const uint8_t* src, const uint8_t* dst, uint32_t bytes) {
  return memcmp(src, dst, bytes) == 0 && all_bytes(dst - GUARD, GUARD, GUARD_BYTE) &&
         all_bytes(dst + bytes, GUARD, GUARD_BYTE);
}

static int wait_for(int ch, int use_irq) {
  return use_irq ? dma_wait_irq(ch) : dma_wait_poll(ch);
}

// One copy of `bytes` bytes on channel ch; 1 if everything checked out.
static int copy_once(int ch, enum dma_mode mode, uint32_t unit, int use_irq, uint32_t src_off,
                     uint32_t dst_off, uint32_t bytes) {
  uint8_t* src = src_area + src_off;
  uint8_t* dst = dst_area + GUARD + dst_off;
  prepare(src, dst, bytes);
  struct dma_xfer x = {.src = (uint32_t)src, .dst = (uint32_t)dst, .count = bytes / unit, .unit = unit,
                       .mode = mode, .src_inc = 1, .dst_inc = 1, .irq = use_irq};
  uint32_t irqs = dma_irq_done[ch];
  if (dma_program(ch, &x) != DMA_OK) return 0;
  dma_start(ch);
  int code = wait_for(ch, use_irq);
  int ok = code == DMA_OK && dma_remaining(ch) == 0 && verify(src, dst, bytes);
  if (use_irq) ok = ok && dma_irq_done[ch] == irqs + 1;
  if (!ok)
    printf("dma: channel %d %s unit %u: code %d (%s), remain %u\n", ch, mode_names[mode], unit, code,
           dma_strerror(code), dma_remaining(ch));
  return ok;
}

static void copies(int code, enum dma_access access) {
  static const uint32_t units[] = {1, 2, 4};
  dma_init(access, DMA_IO_BASE, DMA_MMIO_BASE);
  for (int use_irq = 0; use_irq < 2; use_irq++) {
    for (int mode = DMA_MODE_BURST; mode <= DMA_MODE_TRANSPARENT; mode++) {
      int ok = 1;
      for (unsigned u = 0; u < 3; u++) {
        uint32_t unit = units[u];
        // 1-byte units also from and to odd addresses.
        uint32_t so = unit == 1 ? 1 : 0, dof = unit == 1 ? 3 : 0;
        ok &= copy_once(u, (enum dma_mode)mode, unit, use_irq, so, dof, 1020);
      }
      check(code, ok, "dma: %s, %s, %s: 1-, 2- and 4-byte units copied byte for byte", dma_access_name(access),
            use_irq ? "interrupt" : "polling", mode_names[mode]);
    }
  }
}

static void fill(int code) {
  uint32_t* pattern = (uint32_t*)src_area;
  *pattern = 0xC0FFEE42u;
  uint8_t* dst = dst_area + GUARD;
  memset(dst - GUARD, GUARD_BYTE, 256 + 2 * GUARD);
  struct dma_xfer x = {.src = (uint32_t)pattern, .dst = (uint32_t)dst, .count = 64, .unit = 4,
                       .mode = DMA_MODE_BURST, .src_inc = 0, .dst_inc = 1};
  dma_program(1, &x);
  dma_start(1);
  int ok = dma_wait_poll(1) == DMA_OK;
  for (uint32_t i = 0; i < 64; i++) ok = ok && ((uint32_t*)dst)[i] == 0xC0FFEE42u;
  ok = ok && all_bytes(dst + 256, GUARD, GUARD_BYTE) && all_bytes(dst - GUARD, GUARD, GUARD_BYTE);
  check(code, ok, "dma: SRC_INC off fills 64 units with one 4-byte pattern");
}

// Four channels started back to back.
static void channels(int code, int use_irq) {
  static const struct {
    enum dma_mode mode;
    uint32_t unit, bytes;
  } plan[DMA_CHANNELS] = {
      {DMA_MODE_BURST, 4, 2048}, {DMA_MODE_STEAL, 2, 1000}, {DMA_MODE_TRANSPARENT, 1, 777}, {DMA_MODE_STEAL, 4, 512}};
  uint8_t* src[DMA_CHANNELS];
  uint8_t* dst[DMA_CHANNELS];
  uint32_t irqs[DMA_CHANNELS];
  for (int ch = 0; ch < DMA_CHANNELS; ch++) {
    src[ch] = src_area + 0x4000u * (uint32_t)ch;
    dst[ch] = dst_area + GUARD + 0x4000u * (uint32_t)ch;
    prepare(src[ch], dst[ch], plan[ch].bytes);
    struct dma_xfer x = {.src = (uint32_t)src[ch], .dst = (uint32_t)dst[ch], .count = plan[ch].bytes / plan[ch].unit,
                         .unit = plan[ch].unit, .mode = plan[ch].mode, .src_inc = 1, .dst_inc = 1, .irq = use_irq};
    dma_program(ch, &x);
    irqs[ch] = dma_irq_done[ch];
  }
  for (int ch = 0; ch < DMA_CHANNELS; ch++) dma_start(ch);
  int ok = 1;
  for (int ch = 0; ch < DMA_CHANNELS; ch++) {
    int c = wait_for(ch, use_irq);
    int good = c == DMA_OK && verify(src[ch], dst[ch], plan[ch].bytes);
    if (use_irq) good = good && dma_irq_done[ch] == irqs[ch] + 1;
    if (!good) printf("dma: channel %d of 4: code %d (%s)\n", ch, c, dma_strerror(c));
    ok &= good;
  }
  ok = ok && dma_read(DMA_BUSY) == 0;
  check(code, ok, "dma: four channels at once (%s, %s): every block copied", dma_access_name(dma_access_method()),
        use_irq ? "interrupt" : "polling");
}

static void bus_errors(int code) {
  // Destination outside RAM: the first unit's write fails.
  uint8_t* src = src_area;
  prepare(src, dst_area + GUARD, 64);
  uint32_t errs = dma_irq_errors[2];
  struct dma_xfer x = {.src = (uint32_t)src, .dst = OUTSIDE_RAM, .count = 16, .unit = 4,
                       .mode = DMA_MODE_BURST, .src_inc = 1, .dst_inc = 1, .irq = 1};
  dma_program(2, &x);
  dma_start(2);
  int c = dma_wait_irq(2);
  uint32_t remain = dma_remaining(2);
  check(code, c == DMA_ERR_WRITE_BUS && dma_irq_errors[2] == errs + 1 && remain == 16,
        "dma: destination 0x%08x outside RAM: error %d (%s) by interrupt, no unit moved", OUTSIDE_RAM, c,
        dma_strerror(c));
  check(code + 1, (dma_read(DMA_CH_STATUS(2)) & (DMA_STATUS_ERROR | DMA_STATUS_BUSY)) == 0 &&
                      dma_read(DMA_IRQ_STATUS) == 0,
        "dma: the handler acknowledged the error (CH2_STATUS and IRQ_STATUS clear)");

  // Source running past the end of RAM: two units read, the third fails.
  src = (uint8_t*)(ram_end - 8);
  uint8_t* dst = dst_area + GUARD;
  prepare(src, dst, 8);
  memset(dst, GUARD_BYTE, 16);
  errs = dma_irq_errors[2];
  x.src = (uint32_t)src;
  x.dst = (uint32_t)dst;
  x.count = 4;
  dma_program(2, &x);
  dma_start(2);
  c = dma_wait_irq(2);
  remain = dma_remaining(2);
  int ok = c == DMA_ERR_READ_BUS && dma_irq_errors[2] == errs + 1 && remain == 2 && memcmp(src, dst, 8) == 0 &&
           all_bytes(dst + 8, 8 + GUARD, GUARD_BYTE);
  if (!ok) printf("dma: read past RAM: code %d, remain %u\n", c, remain);
  check(code + 2, ok, "dma: source running past the end of RAM: error %d (%s), the 2 units before it written", c,
        dma_strerror(c));

  // The channel works again.
  check(code + 3, copy_once(2, DMA_MODE_BURST, 4, 1, 0, 0, 512) && copy_once(2, DMA_MODE_STEAL, 2, 0, 0, 0, 512),
        "dma: after the bus errors the channel copies again (interrupt and polling)");
}

static void bad_config(int code) {
  uint8_t* dst = dst_area + GUARD;
  prepare(src_area, dst, 64);
  struct dma_xfer x = {.src = SRC_BASE, .dst = (uint32_t)dst, .count = 0, .unit = 4,
                       .mode = DMA_MODE_BURST, .src_inc = 1, .dst_inc = 1};
  dma_program(3, &x);
  dma_start(3);
  int c = dma_wait_poll(3);
  check(code, c == DMA_ERR_BAD_CONFIG && all_bytes(dst, 64, GUARD_BYTE),
        "dma: COUNT 0: error %d (%s) by polling, nothing moved", c, dma_strerror(c));
  uint32_t errs = dma_irq_errors[3];
  x.irq = 1;
  dma_program(3, &x);
  dma_start(3);
  c = dma_wait_irq(3);
  check(code + 1, c == DMA_ERR_BAD_CONFIG && dma_irq_errors[3] == errs + 1,
        "dma: COUNT 0: error %d (%s) by interrupt", c, dma_strerror(c));
  // SIZE 3 is reserved: written raw, past the driver's argument check.
  x.count = 16;
  x.irq = 0;
  dma_program(3, &x);
  dma_write(DMA_CH_CTRL(3), (dma_ctrl_word(3) & ~DMA_CTRL_SIZE(3)) | DMA_CTRL_SIZE(3));
  c = dma_wait_poll(3);
  check(code + 2, c == DMA_ERR_BAD_CONFIG && all_bytes(dst, 64, GUARD_BYTE),
        "dma: reserved SIZE 3: error %d (%s), nothing moved", c, dma_strerror(c));
  x.unit = 3;
  check(code + 3, dma_program(3, &x) == DMA_ERR_INVALID, "dma: the driver refuses a 3-byte unit");
}

static void abort_block(int code) {
  const uint32_t bytes = 0x10000, unit = 4, count = bytes / unit;
  uint8_t* src = src_area;
  uint8_t* dst = dst_area + GUARD;
  prepare(src, dst, bytes);
  struct dma_xfer x = {.src = (uint32_t)src, .dst = (uint32_t)dst, .count = count, .unit = unit,
                       .mode = DMA_MODE_STEAL, .src_inc = 1, .dst_inc = 1};
  dma_program(0, &x);
  dma_start(0);
  dma_abort(0);
  int c = dma_wait_poll(0);
  uint32_t remain = dma_remaining(0);
  uint32_t moved = (count - remain) * unit;
  int ok = c == DMA_ERR_ABORTED && remain > 0 && remain <= count && memcmp(src, dst, moved) == 0 &&
           all_bytes(dst + moved, bytes - moved + GUARD, GUARD_BYTE) && dma_read(DMA_BUSY) == 0;
  printf("dma: aborted after %u of %u units\n", count - remain, count);
  check(code, ok, "dma: ABORT stops a cycle-stealing block: error %d (%s), moved prefix intact, rest untouched", c,
        dma_strerror(c));
  check(code + 1, copy_once(0, DMA_MODE_BURST, 4, 0, 0, 0, 1020), "dma: after the abort the channel copies again");
}

int main(void) {
  console_init();
  const struct multiboot_info* mbi = multiboot_info_ptr;
  if (mbi && (mbi->flags & MULTIBOOT_INFO_MEMORY)) ram_end = (mbi->mem_upper + 1024u) * 1024u;
  int apic = cmdline_is("irq", "apic");
  kernel_init(apic ? KERNEL_APIC : KERNEL_PIC);
  printf("dma: minipc DMAC, IRQ %d (%s)\n", DMA_IRQ, apic ? "IOAPIC pin 10" : "8259A slave IR2");

  check(1, dma_init(DMA_ACCESS_PORT, DMA_IO_BASE, DMA_MMIO_BASE) == 0 && dma_channels() == 4,
        "dma: port I/O at 0x%x: DMA_ID magic 0xD3AC, 4 channels", DMA_IO_BASE);
  uint32_t port_id = dma_id();
  check(2, dma_init(DMA_ACCESS_MMIO, DMA_IO_BASE, DMA_MMIO_BASE) == 0 && dma_id() == port_id,
        "dma: MMIO at 0x%08x: the same DMA_ID", DMA_MMIO_BASE);
  check(3, dma_irq_init() == 0, "dma: IRQ %d requested", DMA_IRQ);

  copies(4, DMA_ACCESS_PORT);
  copies(5, DMA_ACCESS_MMIO);
  dma_init(DMA_ACCESS_PORT, DMA_IO_BASE, DMA_MMIO_BASE);
  fill(6);
  channels(7, 0);
  dma_init(DMA_ACCESS_MMIO, DMA_IO_BASE, DMA_MMIO_BASE);
  channels(8, 1);
  dma_init(DMA_ACCESS_PORT, DMA_IO_BASE, DMA_MMIO_BASE);
  bus_errors(9);
  bad_config(13);
  abort_block(17);
  check(19, irq_desc[DMA_IRQ].unhandled == 0 && irq_desc[DMA_IRQ].count == dma_irq_count,
        "dma: every IRQ %d delivery was claimed by the driver", DMA_IRQ);
  check_exit("dma");
}
