// ring3-syscall: ring-3 tasks and int 0x80.
//
// A ring-3 task passes its own ESP in EBX to a probe system call. The
// kernel checks the frame the CPU built on the privilege change: CS and SS
// are the ring-3 selectors, the pushed ESP is the task's, and the frame
// itself is on the task's kernel stack (TSS.ESP0). Back in ring 3 the task
// checks that IRET restored CS, SS and ESP. Then the ordinary calls (write,
// getpid, sleep, yield, exit, errors) and round robin between two ring-3
// tasks that never yield (preempted at the end of their timeslices).
#include <stdint.h>

#include "kernel/check.h"
#include "kernel/gdt.h"
#include "kernel/kernel.h"
#include "kernel/syscall.h"
#include "kernel/task.h"
#include "kernel/timer.h"
#include "kernel/user.h"
#include "kernel/x86.h"
#include "lib/console.h"
#include "lib/printf.h"

#define SYS_PROBE 16
#define PROBE_MAGIC 0x52494E47  // "RING"
#define EXIT_STATUS 42
#define SPIN_TICKS (4 * TIMESLICE_TICKS)

// What the kernel saw in the probe.
static struct {
  uint32_t cs, ss, esp, user_esp;
  int on_kstack;
} probe;

static int sys_probe(struct trapframe* tf) {
  struct task* t = current_task();
  probe.cs = tf->cs;
  probe.ss = tf->ss;
  probe.esp = tf->esp;
  probe.user_esp = tf->ebx;
  uint32_t frame = (uint32_t)tf;
  probe.on_kstack = frame < t->kstack_top && frame >= t->kstack_top - KSTACK_SIZE &&
                    frame + sizeof *tf == t->kstack_top;
  printf("ring3: int 0x80 from ring 3: CPU pushed SS=0x%x ESP=0x%08x CS=0x%x EIP=0x%08x\n",
         tf->ss, tf->esp, tf->cs, tf->eip);
  return PROBE_MAGIC;
}

// What ring 3 saw after IRET.
static volatile struct {
  uint32_t esp_before, esp_after;
  uint16_t cs, ss;
  int ret, pid, sleep_ok, enosys, ebadf;
} user;

static void user_main(void) {
  uint32_t esp_before, esp_after;
  int ret;
  __asm__ volatile(
      "movl %%esp, %%ebx\n"
      "movl %%ebx, %1\n"
      "int $0x80\n"
      "movl %%esp, %2\n"
      : "=a"(ret), "=m"(esp_before), "=m"(esp_after)
      : "a"(SYS_PROBE)
      : "ebx", "memory");
  user.ret = ret;
  user.esp_before = esp_before;
  user.esp_after = esp_after;
  __asm__ volatile("movw %%cs, %0; movw %%ss, %1" : "=r"(user.cs), "=r"(user.ss));
  u_printf("ring3: hello from ring 3 through SYS_write\n");
  user.pid = u_getpid();
  uint32_t t0 = u_uptime();
  u_sleep(5);
  user.sleep_ok = u_uptime() - t0 >= 5;
  u_yield();
  user.enosys = syscall4(NSYSCALLS - 1, 0, 0, 0, 0) == -ENOSYS;
  user.ebadf = u_write(7, "x", 1) == -EBADF;
  u_exit(EXIT_STATUS);
}

static volatile uint32_t spin_count[2];
static volatile uint32_t saw_other_move[2];

static void spinner(int me) {
  uint32_t start = u_uptime();
  uint32_t other_last = spin_count[!me];
  while (u_uptime() - start < SPIN_TICKS) {
    spin_count[me]++;
    if (spin_count[!me] != other_last) {
      other_last = spin_count[!me];
      saw_other_move[me]++;
    }
  }
  u_exit(0);
}
static void spinner_a(void) { spinner(0); }
static void spinner_b(void) { spinner(1); }

int main(void) {
  console_init();
  kernel_init(KERNEL_PIC);
  printf("ring3: GDT user CS=0x%x SS/DS=0x%x, TSS selector 0x%x\n", USER_CS, USER_DS, TSS_SEL);
  syscall_register(SYS_PROBE, sys_probe);

  int pid = task_create_user("user", user_main);
  int status = task_wait(pid);
  printf("ring3: after IRET ring 3 had CS=0x%x SS=0x%x ESP=0x%08x\n", user.cs, user.ss,
         user.esp_after);
  check(1, probe.cs == USER_CS && probe.ss == USER_DS,
        "ring3: the CPU pushed ring-3 CS 0x1b and SS 0x23 on int 0x80");
  check(2, probe.esp == probe.user_esp, "ring3: the pushed ESP is the task's ring-3 ESP");
  check(3, probe.on_kstack, "ring3: the frame is at the top of the task's kernel stack (TSS.ESP0)");
  check(4, user.ret == PROBE_MAGIC, "ring3: EAX carried the result back");
  check(5, user.cs == USER_CS && user.ss == USER_DS && user.esp_after == user.esp_before,
        "ring3: IRET restored CS, SS and ESP");
  check(6, user.pid == pid, "ring3: getpid");
  check(7, user.sleep_ok, "ring3: sleep(5) slept at least 5 ticks");
  check(8, user.enosys && user.ebadf, "ring3: unknown call gives ENOSYS, bad fd gives EBADF");
  check(9, status == EXIT_STATUS, "ring3: exit(%d) reached the waiting kernel task", EXIT_STATUS);

  int a = task_create_user("spin-a", spinner_a);
  int b = task_create_user("spin-b", spinner_b);
  task_wait(a);
  task_wait(b);
  check(10, spin_count[0] && spin_count[1] && saw_other_move[0] && saw_other_move[1],
        "ring3: two ring-3 tasks that never yield were both preempted (round robin)");
  check_exit("ring3");
}
