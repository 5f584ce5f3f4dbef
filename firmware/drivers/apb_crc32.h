// Driver of the example RTL block apb_crc32 (rtl/examples/apb_crc32,
// docs/rtl-blocks.md): a CRC-32 engine that reads memory through its
// bus-master port; rtl_apb block `crc0` in platform/configs/apb_crc32.yaml.
#ifndef MINIPC_FW_DRIVERS_APB_CRC32_H
#define MINIPC_FW_DRIVERS_APB_CRC32_H

#include <stdint.h>

#define APB_CRC32_MMIO_BASE 0xFED20000u
#define APB_CRC32_IRQ 6

#define APB_CRC32_CTRL 0x00
#define APB_CRC32_ADDR 0x04
#define APB_CRC32_LEN 0x08
#define APB_CRC32_STATUS 0x0C
#define APB_CRC32_RESULT 0x10
#define APB_CRC32_ID 0x14
#define APB_CRC32_ID_VALUE 0x43524331u  // "CRC1"

#define APB_CRC32_CTRL_START 0x1
#define APB_CRC32_CTRL_IE 0x2
#define APB_CRC32_STATUS_BUSY 0x1
#define APB_CRC32_STATUS_DONE 0x2
#define APB_CRC32_STATUS_ERR 0x4

int apb_crc32_init(uint32_t mmio);
uint32_t apb_crc32_read(uint32_t reg);
void apb_crc32_write(uint32_t reg, uint32_t value);
// Starts a CRC of `len` bytes (a multiple of 4) at physical address `addr`
// (4-byte aligned), with or without the completion interrupt.
void apb_crc32_start(uint32_t addr, uint32_t len, int irq);
// The interrupt handler's part, or a poll: the STATUS bits DONE/ERR seen
// (and cleared), 0 when neither.
uint32_t apb_crc32_ack(void);

#endif
