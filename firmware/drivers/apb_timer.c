// Driver of the example RTL timer (apb_timer.h).
#include "drivers/apb_timer.h"

#include "lib/regs.h"

static struct regs regs = {REGS_MMIO, APB_TIMER_MMIO_BASE};

uint32_t apb_timer_read(uint32_t reg) { return reg_read32(&regs, reg); }
void apb_timer_write(uint32_t reg, uint32_t value) { reg_write32(&regs, reg, value); }

int apb_timer_init(uint32_t mmio) {
  regs = regs_mmio(mmio);
  if (apb_timer_read(APB_TIMER_ID) != APB_TIMER_ID_VALUE) return -1;
  apb_timer_stop();
  return 0;
}

void apb_timer_start(uint32_t cycles, int periodic) {
  apb_timer_write(APB_TIMER_CTRL, 0);
  apb_timer_write(APB_TIMER_STATUS, APB_TIMER_STATUS_EXPIRED);
  apb_timer_write(APB_TIMER_LOAD, cycles);
  apb_timer_write(APB_TIMER_CTRL,
                  APB_TIMER_CTRL_EN | APB_TIMER_CTRL_IE | (periodic ? APB_TIMER_CTRL_PERIODIC : 0));
}

void apb_timer_stop(void) {
  apb_timer_write(APB_TIMER_CTRL, 0);
  apb_timer_write(APB_TIMER_STATUS, APB_TIMER_STATUS_EXPIRED);
}

int apb_timer_ack(void) {
  if (!(apb_timer_read(APB_TIMER_STATUS) & APB_TIMER_STATUS_EXPIRED)) return 0;
  apb_timer_write(APB_TIMER_STATUS, APB_TIMER_STATUS_EXPIRED);
  return 1;
}
