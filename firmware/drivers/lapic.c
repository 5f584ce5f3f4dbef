// Local APIC, by 32-bit MMIO accesses to 16-byte-aligned registers.
#include "drivers/lapic.h"

#include "kernel/trap.h"

// Register offsets.
#define LAPIC_ID 0x020
#define LAPIC_VER 0x030
#define LAPIC_TPR 0x080
#define LAPIC_EOI 0x0B0
#define LAPIC_SVR 0x0F0
#define LAPIC_ISR 0x100   // 8 registers of 32 bits, 0x10 apart
#define LAPIC_IRR 0x200
#define LAPIC_ESR 0x280
#define LAPIC_LVT_TIMER 0x320
#define LAPIC_LVT_LINT0 0x350
#define LAPIC_LVT_LINT1 0x360
#define LAPIC_LVT_ERROR 0x370
#define LAPIC_TIMER_INITIAL 0x380
#define LAPIC_TIMER_CURRENT 0x390
#define LAPIC_TIMER_DIVIDE 0x3E0

#define SVR_APIC_ENABLE 0x100
#define LVT_MASKED 0x10000
#define LVT_TIMER_PERIODIC 0x20000
#define LVT_DELIVERY_NMI 0x400

volatile uint32_t lapic_spurious_count;
volatile uint32_t lapic_error_count;

static inline uint32_t lapic_read(uint32_t reg) {
  return *(volatile uint32_t*)(LAPIC_BASE + reg);
}

static inline void lapic_write(uint32_t reg, uint32_t value) {
  *(volatile uint32_t*)(LAPIC_BASE + reg) = value;
  (void)lapic_read(LAPIC_ID);  // wait for the write to land
}

// Spurious: the interrupt went away during acknowledge. No EOI.
static void lapic_spurious(struct trapframe* tf) {
  (void)tf;
  lapic_spurious_count++;
}

static void lapic_error(struct trapframe* tf) {
  (void)tf;
  lapic_write(LAPIC_ESR, 0);  // latch the error bits
  lapic_error_count++;
  lapic_eoi();
}

void lapic_init(void) {
  trap_set_handler(LAPIC_SPURIOUS_VECTOR, lapic_spurious);
  trap_set_handler(LAPIC_ERROR_VECTOR, lapic_error);
  lapic_write(LAPIC_SVR, SVR_APIC_ENABLE | LAPIC_SPURIOUS_VECTOR);
  lapic_write(LAPIC_LVT_TIMER, LVT_MASKED | LAPIC_TIMER_VECTOR);
  lapic_write(LAPIC_LVT_LINT0, LVT_MASKED);
  lapic_write(LAPIC_LVT_LINT1, LVT_DELIVERY_NMI);
  lapic_write(LAPIC_LVT_ERROR, LAPIC_ERROR_VECTOR);
  lapic_write(LAPIC_ESR, 0);  // back-to-back writes clear it
  lapic_write(LAPIC_ESR, 0);
  lapic_write(LAPIC_EOI, 0);  // in case something was in service
  lapic_write(LAPIC_TPR, 0);
}

uint32_t lapic_id(void) {
  return lapic_read(LAPIC_ID) >> 24;
}

uint32_t lapic_version(void) {
  return lapic_read(LAPIC_VER);
}

void lapic_eoi(void) {
  lapic_write(LAPIC_EOI, 0);
}

void lapic_set_tpr(uint32_t tpr) {
  lapic_write(LAPIC_TPR, tpr & 0xFF);
}

uint32_t lapic_get_tpr(void) {
  return lapic_read(LAPIC_TPR) & 0xFF;
}

int lapic_irr(int vector) {
  return (lapic_read(LAPIC_IRR + 0x10 * (uint32_t)(vector >> 5)) >> (vector & 31)) & 1;
}

int lapic_isr(int vector) {
  return (lapic_read(LAPIC_ISR + 0x10 * (uint32_t)(vector >> 5)) >> (vector & 31)) & 1;
}

void lapic_timer_one_shot_masked(uint32_t divide, uint32_t count) {
  lapic_write(LAPIC_TIMER_DIVIDE, divide);
  lapic_write(LAPIC_LVT_TIMER, LVT_MASKED | LAPIC_TIMER_VECTOR);
  lapic_write(LAPIC_TIMER_INITIAL, count);
}

void lapic_timer_periodic(uint32_t divide, uint32_t count) {
  lapic_write(LAPIC_TIMER_DIVIDE, divide);
  lapic_write(LAPIC_LVT_TIMER, LVT_TIMER_PERIODIC | LAPIC_TIMER_VECTOR);
  lapic_write(LAPIC_TIMER_INITIAL, count);
}

void lapic_timer_stop(void) {
  lapic_write(LAPIC_LVT_TIMER, LVT_MASKED | LAPIC_TIMER_VECTOR);
  lapic_write(LAPIC_TIMER_INITIAL, 0);
}

uint32_t lapic_timer_current(void) {
  return lapic_read(LAPIC_TIMER_CURRENT);
}
