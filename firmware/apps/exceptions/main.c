// exceptions: the CPU's fault and trap delivery through the IDT.
//
//   #DE  divl by zero in ring 0; the handler skips the 2-byte instruction
//        and the code continues (fault: EIP points at the divide)
//   #BP  int3; a trap: EIP points after it
//   #UD  ud2; reported with vector and EIP, skipped
//   #GP  loading selector 0x1230 into DS (beyond the GDT limit); error code
//        0x1230 (the selector: index, table), skipped
//   #GP  from ring 3: a user task executes CLI (IOPL 0); the kernel kills it
//        and its exit status says why
// Every diagnosis line carries raw EIPs, which are the same for one image
// on any PC; the check lines compare them with the labels' addresses.
#include <stdint.h>

#include "kernel/check.h"
#include "kernel/kernel.h"
#include "kernel/task.h"
#include "kernel/trap.h"
#include "kernel/user.h"
#include "lib/console.h"
#include "lib/printf.h"

#define GP_BAD_SELECTOR 0x1230  // GDT index 582: far beyond the limit
#define FAULT_INSN_SIZE 2  // divl %ecx, ud2, movw %ax,%ds: two bytes each

// The faulting instructions, at known addresses.
extern const char de_ip[], bp_next_ip[], ud_ip[], gp_ip[];
uint32_t do_divide_by_zero(void);
void do_breakpoint(void);
void do_invalid_opcode(void);
void do_bad_segment_load(void);
__asm__(
    ".text\n"
    ".globl do_divide_by_zero\n"
    "do_divide_by_zero:\n"
    "  movl $7, %eax\n"
    "  xorl %edx, %edx\n"
    "  xorl %ecx, %ecx\n"
    ".globl de_ip\n"
    "de_ip:\n"
    "  divl %ecx\n"
    "  ret\n"
    ".globl do_breakpoint\n"
    "do_breakpoint:\n"
    "  int3\n"
    ".globl bp_next_ip\n"
    "bp_next_ip:\n"
    "  ret\n"
    ".globl do_invalid_opcode\n"
    "do_invalid_opcode:\n"
    ".globl ud_ip\n"
    "ud_ip:\n"
    "  ud2\n"
    "  ret\n"
    ".globl do_bad_segment_load\n"
    "do_bad_segment_load:\n"
    "  pushl %ds\n"
    "  movw $0x1230, %ax\n"
    ".globl gp_ip\n"
    "gp_ip:\n"
    "  movw %ax, %ds\n"
    "  popl %ds\n"
    "  ret\n");

static struct trapframe seen;
static int seen_count;

// Records the frame, prints the kernel's diagnosis, skips the instruction
// if it is a fault (a trap's EIP is already past it).
static int record_and_skip(struct trapframe* tf) {
  seen = *tf;
  seen_count++;
  exception_diagnose(tf);
  if (tf->vector != T_BP)
    tf->eip += FAULT_INSN_SIZE;
  return 1;
}

static void user_cli(void) {
  u_printf("exceptions: ring 3 task running, executing CLI\n");
  __asm__ volatile("cli");
  u_exit(0);  // not reached
}

int main(void) {
  console_init();
  kernel_init(KERNEL_PIC);
  printf("exceptions: kernel up, IDT with 256 vectors\n");

  for (int v = 0; v < NEXCEPTIONS; v++)
    if (v != T_GP)
      exception_set_handler(v, record_and_skip);
  exception_set_handler(T_GP, record_and_skip);

  seen_count = 0;
  uint32_t q = do_divide_by_zero();
  check(1, seen_count == 1 && seen.vector == T_DE && seen.eip == (uint32_t)de_ip && seen.err == 0,
        "exceptions: #DE vector 0 at the divide, no error code");
  check(2, q == 7, "exceptions: #DE recovered by skipping the instruction, execution continues");

  seen_count = 0;
  do_breakpoint();
  check(3, seen_count == 1 && seen.vector == T_BP && seen.eip == (uint32_t)bp_next_ip,
        "exceptions: #BP vector 3 is a trap, EIP after INT3");

  seen_count = 0;
  do_invalid_opcode();
  check(4, seen_count == 1 && seen.vector == T_UD && seen.eip == (uint32_t)ud_ip && seen.err == 0,
        "exceptions: #UD vector 6 at UD2, reported and skipped");

  seen_count = 0;
  do_bad_segment_load();
  check(5,
        seen_count == 1 && seen.vector == T_GP && seen.eip == (uint32_t)gp_ip &&
            seen.err == (GP_BAD_SELECTOR & ~3u),
        "exceptions: #GP vector 13 at MOV DS, error code 0x%x (the selector)", GP_BAD_SELECTOR & ~3u);
  check(6, seen.cs == 0x08, "exceptions: faults in ring 0 pushed CS 0x08 and no SS:ESP");

  // Ring 3: no handler for #GP now, so the kernel's policy applies.
  exception_set_handler(T_GP, 0);
  int pid = task_create_user("user-cli", user_cli);
  int status = task_wait(pid);
  check(7, status == -(T_GP + 1), "exceptions: #GP from ring 3 (CLI with IOPL 0) killed the task");

  check_exit("exceptions");
}
