// Driver of the example RTL block apb_timer (rtl/examples/apb_timer,
// docs/rtl-blocks.md): a 32-bit down-counter behind the APB bridge, in the
// memory space (rtl_apb block `timer0`, platform/configs/apb_timer.yaml).
#ifndef MINIPC_FW_DRIVERS_APB_TIMER_H
#define MINIPC_FW_DRIVERS_APB_TIMER_H

#include <stdint.h>

#define APB_TIMER_MMIO_BASE 0xFED10000u
#define APB_TIMER_IRQ 5

// Registers (32-bit).
#define APB_TIMER_CTRL 0x00
#define APB_TIMER_LOAD 0x04
#define APB_TIMER_COUNT 0x08   // read-only
#define APB_TIMER_STATUS 0x0C  // write 1 to clear
#define APB_TIMER_ID 0x10      // read-only
#define APB_TIMER_ID_VALUE 0x41505431u  // "APT1"

#define APB_TIMER_CTRL_EN 0x1
#define APB_TIMER_CTRL_PERIODIC 0x2
#define APB_TIMER_CTRL_IE 0x4
#define APB_TIMER_STATUS_EXPIRED 0x1

// 0 when the block answers with its ID at `mmio`, -1 otherwise.
int apb_timer_init(uint32_t mmio);
uint32_t apb_timer_read(uint32_t reg);
void apb_timer_write(uint32_t reg, uint32_t value);
// Starts the timer: `cycles` clk_i cycles per period, periodic or one-shot,
// interrupt enabled.
void apb_timer_start(uint32_t cycles, int periodic);
void apb_timer_stop(void);
// The interrupt handler's part: 1 (and the flag cleared) when the timer
// expired, 0 when the interrupt was not ours.
int apb_timer_ack(void);

#endif
