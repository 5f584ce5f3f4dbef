// The local APIC of the CPU (Intel SDM vol. 3, chapter 10), at its default
// physical address.
#ifndef MINIPC_FW_DRIVERS_LAPIC_H
#define MINIPC_FW_DRIVERS_LAPIC_H

#include <stdint.h>

#define LAPIC_BASE 0xFEE00000u

#define LAPIC_TIMER_VECTOR 0xEF
#define LAPIC_ERROR_VECTOR 0xFE
#define LAPIC_SPURIOUS_VECTOR 0xFF

// Timer divide configuration values (the DCR encoding).
#define LAPIC_DIV_1 0xB
#define LAPIC_DIV_16 0x3

// Software-enables the APIC (SVR), spurious vector 0xFF, TPR 0, LINT0
// (the 8259A's ExtINT path) masked, error LVT on LAPIC_ERROR_VECTOR,
// timer masked; installs the spurious and error handlers.
void lapic_init(void);
uint32_t lapic_id(void);
uint32_t lapic_version(void);

void lapic_eoi(void);
// Task priority: interrupts whose vector class (vector >> 4) is not above
// tpr >> 4 wait in the IRR.
void lapic_set_tpr(uint32_t tpr);
uint32_t lapic_get_tpr(void);
// 1 if `vector` is requested (IRR) / in service (ISR).
int lapic_irr(int vector);
int lapic_isr(int vector);

// Timer. one_shot with the LVT masked counts without interrupting (for
// calibration); periodic interrupts on LAPIC_TIMER_VECTOR.
void lapic_timer_one_shot_masked(uint32_t divide, uint32_t count);
void lapic_timer_periodic(uint32_t divide, uint32_t count);
void lapic_timer_stop(void);
uint32_t lapic_timer_current(void);

extern volatile uint32_t lapic_spurious_count;
extern volatile uint32_t lapic_error_count;

#endif  // MINIPC_FW_DRIVERS_LAPIC_H
