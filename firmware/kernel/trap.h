// The trap frame: what the CPU and trapasm.S leave on the kernel stack for
// every interrupt, exception and system call, lowest address first.
#ifndef MINIPC_FW_KERNEL_TRAP_H
#define MINIPC_FW_KERNEL_TRAP_H

#include <stdint.h>

// Exceptions (Intel SDM vol. 3, 6.3.1).
#define T_DE 0    // divide error
#define T_DB 1    // debug
#define T_NMI 2   // non-maskable interrupt
#define T_BP 3    // breakpoint (INT3)
#define T_OF 4    // overflow (INTO)
#define T_BR 5    // BOUND range exceeded
#define T_UD 6    // invalid opcode
#define T_NM 7    // device not available
#define T_DF 8    // double fault
#define T_TS 10   // invalid TSS
#define T_NP 11   // segment not present
#define T_SS 12   // stack-segment fault
#define T_GP 13   // general protection
#define T_PF 14   // page fault
#define T_MF 16   // x87 floating-point error
#define T_AC 17   // alignment check
#define T_MC 18   // machine check
#define T_XM 19   // SIMD floating-point
#define NEXCEPTIONS 32

#define T_IRQ0 0x20      // 8259A: IRQ 0-7 at 0x20-0x27, IRQ 8-15 at 0x28-0x2F
#define T_SYSCALL 0x80   // int 0x80
#define T_SPURIOUS 0xFF  // LAPIC spurious-interrupt vector

struct trapframe {
  // pushal
  uint32_t edi, esi, ebp, esp_at_pushal, ebx, edx, ecx, eax;
  // trapasm.S
  uint32_t gs, fs, es, ds;
  // the vector stub
  uint32_t vector;
  uint32_t err;  // the CPU's error code, or 0 pushed by the stub
  // the CPU
  uint32_t eip, cs, eflags;
  // the CPU, on a privilege change only (from ring 3)
  uint32_t esp, ss;
};

static inline int tf_from_user(const struct trapframe* tf) {
  return (tf->cs & 3) == 3;
}

// Loads the IDT: 256 interrupt gates (DPL 0) to the generated stubs, and a
// trap gate with DPL 3 at T_SYSCALL so ring 3 may execute int 0x80.
void idt_init(void);

// An exception handler returns 1 if it handled (and, if needed, fixed up)
// the fault; 0 to fall back to the default: diagnose, then kill the ring-3
// task or stop the machine.
typedef int (*exception_handler_t)(struct trapframe* tf);
void exception_set_handler(int vector, exception_handler_t handler);
const char* exception_name(int vector);
void exception_diagnose(const struct trapframe* tf);
void exception_dispatch(struct trapframe* tf);

// Any vector the kernel has no use for (a stray interrupt).
typedef void (*vector_handler_t)(struct trapframe* tf);
void trap_set_handler(int vector, vector_handler_t handler);

// Called by trapasm.S.
void trap(struct trapframe* tf);
void trapret(void);

#endif  // MINIPC_FW_KERNEL_TRAP_H
