// The ring-3 side of the system calls: what a user task may call. Ring-3
// code has no port access (IOPL 0, no I/O bitmap), so it prints and reads
// only through these.
#ifndef MINIPC_FW_KERNEL_USER_H
#define MINIPC_FW_KERNEL_USER_H

#include <stdint.h>

#include "kernel/syscall.h"

static inline int syscall4(int nr, uint32_t a, uint32_t b, uint32_t c, uint32_t d) {
  int ret;
  __asm__ volatile("int $0x80"
                   : "=a"(ret)
                   : "a"(nr), "b"(a), "c"(b), "d"(c), "S"(d)
                   : "memory");
  return ret;
}

static inline int u_write(int fd, const void* buf, uint32_t len) {
  return syscall4(SYS_write, (uint32_t)fd, (uint32_t)buf, len, 0);
}
static inline int u_read(int fd, void* buf, uint32_t len, uint32_t flags) {
  return syscall4(SYS_read, (uint32_t)fd, (uint32_t)buf, len, flags);
}
static inline int u_sleep(uint32_t ticks) { return syscall4(SYS_sleep, ticks, 0, 0, 0); }
static inline int u_yield(void) { return syscall4(SYS_yield, 0, 0, 0, 0); }
static inline int u_getpid(void) { return syscall4(SYS_getpid, 0, 0, 0, 0); }
static inline int u_waitkey(void) { return syscall4(SYS_waitkey, 0, 0, 0, 0); }
static inline uint32_t u_uptime(void) { return (uint32_t)syscall4(SYS_uptime, 0, 0, 0, 0); }
static inline __attribute__((noreturn)) void u_exit(int status) {
  syscall4(SYS_exit, (uint32_t)status, 0, 0, 0);
  for (;;) {
  }
}

// printf for ring 3: formats into a buffer, writes it with SYS_write.
int u_printf(const char* fmt, ...) __attribute__((format(printf, 1, 2)));

#endif  // MINIPC_FW_KERNEL_USER_H
