// Character devices: what a file descriptor of a ring-3 task reaches.
//
// The kernel knows no device; a driver registers its operations under a
// device number when it is initialised (the keyboard driver: DEV_KEYBOARD
// in kbd_init()), and the system calls go through them. SYS_read on fd 0
// reads DEV_KEYBOARD; SYS_write on fd 1 is the console (lib/console.h).
#ifndef MINIPC_FW_KERNEL_DEV_H
#define MINIPC_FW_KERNEL_DEV_H

#include <stdint.h>

#define DEV_KEYBOARD 0
#define NR_DEVS 8

struct dev_ops {
  const char* name;
  // Reads up to `len` bytes: blocking (sleeps until at least one), or
  // -EAGAIN when nonblock and nothing is there.
  int (*read)(char* buf, uint32_t len, int nonblock);
};

// Returns 0, or -1 for a number out of range.
int dev_register(int nr, const struct dev_ops* ops);

// The device's operations, or 0 if none is registered.
const struct dev_ops* dev_get(int nr);

#endif  // MINIPC_FW_KERNEL_DEV_H
