// extension-points: the kernel reaches its devices only through the tables
// the drivers register (docs/kernel.md, "Extension points"); this scenario
// checks that the registrations happened and that calls go through them.
//
//   irq_chip    machine_init() registered the 8259A for KERNEL_PIC and the
//               IOAPIC for KERNEL_APIC; every line uses the mode's chip
//   clock_event the tick device it registered drives jiffies
//   dev_ops     fd 0 is -EBADF until a device is registered, then reads it
//   console     a second backend gets every byte once, COM1 still does
//
// Built twice: extension_points, and extension_points_nomachine, whose own
// empty machine_init() replaces the PC's (drivers/pc.c is then not linked):
// kernel_init() must refuse to run without a controller (exit 63).
#include <stdint.h>

#include "kernel/check.h"
#include "kernel/dev.h"
#include "kernel/irq.h"
#include "kernel/kernel.h"
#include "kernel/machine.h"
#include "kernel/timer.h"
#include "kernel/user.h"
#include "lib/console.h"
#include "lib/printf.h"
#include "lib/string.h"

#ifdef NO_MACHINE
void machine_init(void) {
}
#endif

// A console backend that keeps what it is given.
static char captured[128];
static uint32_t ncaptured;

static void capture_putc(char c) {
  if (ncaptured < sizeof captured)
    captured[ncaptured] = c;
  ncaptured++;
}

static struct console capture_console = {"capture", capture_putc, 0};

// A device that answers every read with one 'x'.
static int fake_read(char* buf, uint32_t len, int nonblock) {
  (void)nonblock;
  if (len == 0)
    return 0;
  buf[0] = 'x';
  return 1;
}

static const struct dev_ops fake_dev = {"fake", fake_read};

int main(void) {
  console_init();
  kernel_init(KERNEL_PIC);

  const struct irq_chip* pic = irq_chip_for(KERNEL_PIC);
  const struct irq_chip* apic = irq_chip_for(KERNEL_APIC);
  check(1, pic && strcmp(pic->name, "8259A") == 0, "extension-points: KERNEL_PIC chip is the 8259A");
  check(2, apic && strcmp(apic->name, "IOAPIC") == 0, "extension-points: KERNEL_APIC chip is the IOAPIC");
  int same = 1;
  for (int irq = 0; irq < NR_IRQS; irq++)
    same &= irq_desc[irq].chip == pic;
  check(3, same, "extension-points: every line uses the mode's chip");

  uint32_t j = jiffies;
  timer_busy_wait(3);
  check(4, jiffies - j >= 3 && irq_desc[0].count >= 3,
        "extension-points: the registered tick device drives jiffies on IRQ 0");

  char c = 0;
  check(5, u_read(0, &c, 1, O_NONBLOCK) == -EBADF, "extension-points: fd 0 without a device: EBADF");
  check(6, dev_register(DEV_KEYBOARD, &fake_dev) == 0 && u_read(0, &c, 1, 0) == 1 && c == 'x',
        "extension-points: fd 0 reads the registered device");
  check(7, dev_register(NR_DEVS, &fake_dev) == -1, "extension-points: device number out of range refused");

  console_register(&capture_console);
  console_register(&capture_console);  // twice: still one backend
  printf("extension-points: this line goes to two consoles\n");
  const char* line = "extension-points: this line goes to two consoles\n";
  check(8, ncaptured == strlen(line) && memcmp(captured, line, ncaptured) == 0,
        "extension-points: the second console got the line once, byte for byte");
  return check_done("extension-points");
}
