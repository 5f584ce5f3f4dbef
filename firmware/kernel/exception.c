// CPU exceptions: names, a diagnosis, and the recovery policy.
//
// A handler registered for a vector may fix the fault (skip the
// instruction, adjust registers) and return 1. Otherwise the kernel prints
// what happened; a fault in ring 3 kills the task, a fault in the kernel
// stops the machine with exit status 63.
#include "kernel/trap.h"

#include "kernel/task.h"
#include "kernel/x86.h"
#include "lib/exit.h"
#include "lib/printf.h"
#include "lib/trace.h"

#define EXIT_KERNEL_FAULT 63

static const char* const names[NEXCEPTIONS] = {
    [T_DE] = "#DE divide error",
    [T_DB] = "#DB debug",
    [T_NMI] = "NMI",
    [T_BP] = "#BP breakpoint",
    [T_OF] = "#OF overflow",
    [T_BR] = "#BR bound range exceeded",
    [T_UD] = "#UD invalid opcode",
    [T_NM] = "#NM device not available",
    [T_DF] = "#DF double fault",
    [9] = "coprocessor segment overrun",
    [T_TS] = "#TS invalid TSS",
    [T_NP] = "#NP segment not present",
    [T_SS] = "#SS stack-segment fault",
    [T_GP] = "#GP general protection",
    [T_PF] = "#PF page fault",
    [T_MF] = "#MF x87 floating-point error",
    [T_AC] = "#AC alignment check",
    [T_MC] = "#MC machine check",
    [T_XM] = "#XM SIMD floating-point",
};

static exception_handler_t handlers[NEXCEPTIONS];

void exception_set_handler(int vector, exception_handler_t handler) {
  if (vector >= 0 && vector < NEXCEPTIONS)
    handlers[vector] = handler;
}

const char* exception_name(int vector) {
  if (vector >= 0 && vector < NEXCEPTIONS && names[vector])
    return names[vector];
  return "reserved exception";
}

void exception_diagnose(const struct trapframe* tf) {
  printf("trap: %s (vector %u) err=0x%x eip=0x%08x cs=0x%x eflags=0x%08x\n",
         exception_name((int)tf->vector), tf->vector, tf->err, tf->eip, tf->cs, tf->eflags);
  if (tf->vector == T_PF)
    printf("trap: cr2=0x%08x (%s, %s, %s)\n", read_cr2(),
           (tf->err & 1) ? "protection" : "not present", (tf->err & 2) ? "write" : "read",
           (tf->err & 4) ? "user" : "kernel");
  if (tf->err && (tf->vector == T_GP || tf->vector == T_NP || tf->vector == T_SS ||
                  tf->vector == T_TS))
    printf("trap: selector index=%u %s%s\n", tf->err >> 3,
           (tf->err & 2) ? "IDT" : ((tf->err & 4) ? "LDT" : "GDT"),
           (tf->err & 1) ? " external" : "");
  if (tf_from_user(tf))
    printf("trap: from ring 3, ss:esp=0x%x:0x%08x\n", tf->ss, tf->esp);
}

void exception_dispatch(struct trapframe* tf) {
  int vector = (int)tf->vector;
  trace_mark(TRACE_EXC_ENTER, (uint32_t)vector);
  if (handlers[vector] && handlers[vector](tf)) {
    trace_mark(TRACE_EXC_EXIT, (uint32_t)vector);
    return;
  }
  exception_diagnose(tf);
  if (tf_from_user(tf)) {
    printf("trap: killing task %d (%s)\n", current_task()->pid, current_task()->name);
    sti();
    task_exit(-vector - 1);
  }
  printf("trap: fatal exception in the kernel\n");
  exit_to_host(EXIT_KERNEL_FAULT);
}
