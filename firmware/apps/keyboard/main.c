// keyboard: keys reach a ring-3 task through a blocking read.
//
// The ring-3 task first reads without blocking (nothing typed yet:
// -EAGAIN), then reads "Hi minipc\n" one blocking read at a time, then
// waits for one more key ('q') with SYS_waitkey. Each blocked read is a
// request with its own id; the keyboard's bottom half completes the oldest
// and wakes exactly that request's task.
//
// Where the keys come from:
//   -DKBD_INJECT  a kernel thread types them itself through the 8042's
//                 "write keyboard output buffer" command (0xD2), one scan
//                 code at a time: the QEMU builds
//   otherwise     the platform's keyboard script types them (minipc): the
//                 scan codes of KEY_SCRIPT below, set 1, makes and breaks
// -DKBD_POLL builds the polling driver instead of the IRQ 1 one.
#include <stdint.h>

#include "drivers/kbd.h"
#include "kernel/check.h"
#include "kernel/kernel.h"
#include "kernel/syscall.h"
#include "kernel/task.h"
#include "kernel/timer.h"
#include "kernel/user.h"
#include "lib/console.h"
#include "lib/printf.h"
#include "lib/string.h"

#define EXPECTED_LINE "Hi minipc"
#define LINE_MAX 32

// "Hi minipc\n" then "q": LShift down, h, LShift up, i, space, m i n i p c, Enter, q.
const uint8_t KEY_SCRIPT[] = {  // global: the platform may read it by symbol
    0x2A, 0x23, 0xA3, 0xAA,  // H
    0x17, 0x97,              // i
    0x39, 0xB9,              // space
    0x32, 0xB2, 0x17, 0x97, 0x31, 0xB1, 0x17, 0x97, 0x19, 0x99, 0x2E, 0xAE,  // minipc
    0x1C, 0x9C,              // Enter
    0x10, 0x90,              // q
};
#define KEY_SCRIPT_CHARS 11

static volatile int reader_ready;
static volatile struct {
  int nonblock_ret;
  char line[LINE_MAX];
  int waitkey;
  int reads;
} got;

static void reader(void) {
  got.nonblock_ret = u_read(0, (char*)got.line, 1, O_NONBLOCK);
  reader_ready = 1;
  int n = 0;
  for (;;) {
    char c;
    int r = u_read(0, &c, 1, 0);
    got.reads++;
    if (r != 1 || c == '\n' || n == LINE_MAX - 1)
      break;
    got.line[n++] = c;
  }
  got.line[n] = 0;
  u_printf("keyboard: ring 3 read a line\n");
  got.waitkey = u_waitkey();
  u_exit(0);
}

#ifdef KBD_INJECT
static void injector(void* arg) {
  (void)arg;
  while (!reader_ready)
    task_sleep_ticks(1);
  for (unsigned i = 0; i < sizeof KEY_SCRIPT; i++) {
    while (!kbd_output_empty())  // the driver has taken the last byte
      task_sleep_ticks(1);
    kbd_inject(KEY_SCRIPT[i]);
    task_sleep_ticks(1);
  }
}
#endif

int main(void) {
  console_init();
  kernel_init(KERNEL_PIC);
#ifdef KBD_POLL
  const char* mode = "polling";
#else
  const char* mode = "IRQ 1";
#endif
  printf("keyboard: 8042 driver (%s), scan code set 1\n", mode);
  kbd_init();
  int pid = task_create_user("reader", reader);
#ifdef KBD_INJECT
  task_create_kernel("injector", injector, 0);
#endif
  task_wait(pid);
  // The last break code may still be on its way.
  for (int t = 0; t < HZ / 2 && kbd_scancodes < sizeof KEY_SCRIPT; t++)
    task_sleep_ticks(1);

  printf("keyboard: ring 3 got \"%s\" and then '%c'\n", (const char*)got.line,
         got.waitkey > 0 ? got.waitkey : '?');
  check(1, got.nonblock_ret == -EAGAIN, "keyboard: non-blocking read with nothing typed: EAGAIN");
  check(2, strcmp((const char*)got.line, EXPECTED_LINE) == 0,
        "keyboard: blocking reads returned \"%s\"", EXPECTED_LINE);
  check(3, got.waitkey == 'q', "keyboard: wait-for-key returned 'q'");
  check(4, kbd_scancodes == sizeof KEY_SCRIPT, "keyboard: %u scan codes read from port 0x60",
        (unsigned)sizeof KEY_SCRIPT);
  check(5, kbd_keys == KEY_SCRIPT_CHARS, "keyboard: %d characters decoded (shift applied)",
        KEY_SCRIPT_CHARS);
#ifdef KBD_POLL
  check(6, kbd_irqs == 0, "keyboard: polling driver took no interrupt");
#else
  check(6, kbd_irqs > 0, "keyboard: top half ran on IRQ 1");
#endif
  check_exit("keyboard");
}
