// The system call dispatcher and the calls themselves.
#include "kernel/syscall.h"

#include <stdarg.h>

#include "kernel/dev.h"
#include "kernel/task.h"
#include "kernel/timer.h"
#include "kernel/user.h"
#include "lib/console.h"
#include "lib/printf.h"
#include "lib/trace.h"

#define FD_KEYBOARD 0
#define FD_CONSOLE 1

// Ring 3 shares the flat address space; a buffer must at least not wrap
// around or reach the kernel's idea of the top of memory.
static int user_range_ok(uint32_t addr, uint32_t len) {
  return addr + len >= addr && addr >= 0x1000;
}

static int sys_write(struct trapframe* tf) {
  int fd = (int)tf->ebx;
  const char* p = (const char*)tf->ecx;
  uint32_t len = tf->edx;
  if (fd != FD_CONSOLE)
    return -EBADF;
  if (!user_range_ok((uint32_t)p, len))
    return -EFAULT;
  // One write is one piece of output: a task switched to meanwhile would
  // put its own line in the middle of it.
  preempt_count++;
  for (uint32_t i = 0; i < len; i++)
    putchar(p[i]);
  preempt_count--;
  return (int)len;
}

static int sys_read(struct trapframe* tf) {
  int fd = (int)tf->ebx;
  char* p = (char*)tf->ecx;
  uint32_t len = tf->edx;
  const struct dev_ops* dev = fd == FD_KEYBOARD ? dev_get(DEV_KEYBOARD) : 0;
  if (!dev || !dev->read)
    return -EBADF;
  if (!user_range_ok((uint32_t)p, len))
    return -EFAULT;
  return dev->read(p, len, (tf->esi & O_NONBLOCK) != 0);
}

static int sys_sleep(struct trapframe* tf) {
  task_sleep_ticks(tf->ebx);
  return 0;
}

static int sys_yield(struct trapframe* tf) {
  (void)tf;
  task_yield();
  return 0;
}

static int sys_getpid(struct trapframe* tf) {
  (void)tf;
  return current_task()->pid;
}

static int sys_exit(struct trapframe* tf) {
  task_exit((int)tf->ebx);
}

static int sys_waitkey(struct trapframe* tf) {
  (void)tf;
  const struct dev_ops* dev = dev_get(DEV_KEYBOARD);
  if (!dev || !dev->read)
    return -EBADF;
  char c;
  int n = dev->read(&c, 1, 0);
  return n == 1 ? (unsigned char)c : n;
}

static int sys_uptime(struct trapframe* tf) {
  (void)tf;
  return (int)jiffies;
}

static syscall_fn syscalls[NSYSCALLS] = {
    [SYS_write] = sys_write,   [SYS_read] = sys_read,     [SYS_sleep] = sys_sleep,
    [SYS_yield] = sys_yield,   [SYS_getpid] = sys_getpid, [SYS_exit] = sys_exit,
    [SYS_waitkey] = sys_waitkey, [SYS_uptime] = sys_uptime,
};

void syscall_register(int nr, syscall_fn fn) {
  if (nr > 0 && nr < NSYSCALLS)
    syscalls[nr] = fn;
}

// Runs through a trap gate: interrupts stay as ring 3 had them (on).
void syscall(struct trapframe* tf) {
  uint32_t nr = tf->eax;
  trace_mark(TRACE_SYSCALL_ENTER, nr);
  current_task()->tf = tf;
  if (nr < NSYSCALLS && syscalls[nr])
    tf->eax = (uint32_t)syscalls[nr](tf);
  else
    tf->eax = (uint32_t)-ENOSYS;
  trace_mark(TRACE_SYSCALL_EXIT, nr);
}

// Ring-3 printf (user.h); lives here because it is the user side of write.
int u_printf(const char* fmt, ...) {
  char buf[128];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  if (n > (int)sizeof buf - 1)
    n = sizeof buf - 1;
  return u_write(FD_CONSOLE, buf, (uint32_t)n);
}
