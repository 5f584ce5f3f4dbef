// Driver of the example RTL CRC-32 engine (apb_crc32.h).
#include "drivers/apb_crc32.h"

#include "lib/regs.h"

static struct regs regs = {REGS_MMIO, APB_CRC32_MMIO_BASE};

uint32_t apb_crc32_read(uint32_t reg) { return reg_read32(&regs, reg); }
void apb_crc32_write(uint32_t reg, uint32_t value) { reg_write32(&regs, reg, value); }

int apb_crc32_init(uint32_t mmio) {
  regs = regs_mmio(mmio);
  if (apb_crc32_read(APB_CRC32_ID) != APB_CRC32_ID_VALUE) return -1;
  apb_crc32_write(APB_CRC32_STATUS, APB_CRC32_STATUS_DONE | APB_CRC32_STATUS_ERR);
  return 0;
}

void apb_crc32_start(uint32_t addr, uint32_t len, int irq) {
  apb_crc32_write(APB_CRC32_ADDR, addr);
  apb_crc32_write(APB_CRC32_LEN, len);
  apb_crc32_write(APB_CRC32_CTRL, APB_CRC32_CTRL_START | (irq ? APB_CRC32_CTRL_IE : 0));
}

uint32_t apb_crc32_ack(void) {
  uint32_t s = apb_crc32_read(APB_CRC32_STATUS) & (APB_CRC32_STATUS_DONE | APB_CRC32_STATUS_ERR);
  if (s) apb_crc32_write(APB_CRC32_STATUS, s);
  return s;
}
