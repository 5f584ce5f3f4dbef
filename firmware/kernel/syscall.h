// System calls: ring 3 executes int 0x80 with the number in EAX and the
// arguments in EBX, ECX, EDX, ESI; the result comes back in EAX (negative:
// an error code).
#ifndef MINIPC_FW_KERNEL_SYSCALL_H
#define MINIPC_FW_KERNEL_SYSCALL_H

#include "kernel/trap.h"

#define SYS_write 1    // (fd, buf, len) -> len; fd 1 = console
#define SYS_read 2     // (fd, buf, len, flags) -> bytes; fd 0 = keyboard
#define SYS_sleep 3    // (ticks) -> 0
#define SYS_yield 4    // () -> 0
#define SYS_getpid 5   // () -> pid
#define SYS_exit 6     // (status) -> does not return
#define SYS_waitkey 7  // () -> next key (blocking)
#define SYS_uptime 8   // () -> jiffies
#define NSYSCALLS 32   // numbers 16-31 are for scenarios (syscall_register)

#define O_NONBLOCK 0x1  // SYS_read flag

#define EBADF 9
#define EAGAIN 11
#define EFAULT 14
#define ENOSYS 38

typedef int (*syscall_fn)(struct trapframe* tf);
void syscall_register(int nr, syscall_fn fn);
void syscall(struct trapframe* tf);

#endif  // MINIPC_FW_KERNEL_SYSCALL_H
