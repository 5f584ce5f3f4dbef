// The PC keyboard behind the 8042 controller (data 0x60, status/command
// 0x64, IRQ 1), scan code set 1 (the controller translates by default).
//
// Interrupt build: the top half (IRQ 1) reads every byte the controller
// holds and queues the scan codes; a tasklet (the bottom half) decodes them
// to ASCII and hands characters to readers. Polling build (-DKBD_POLL): the
// controller's keyboard interrupt is switched off and a kernel thread
// polls the status register once per tick, then runs the same bottom half.
#ifndef MINIPC_FW_DRIVERS_KBD_H
#define MINIPC_FW_DRIVERS_KBD_H

#include <stdint.h>

#define KBD_IRQ 1

// Empties the controller, switches its interrupt on (or starts the poller)
// and registers the keyboard as DEV_KEYBOARD (kernel/dev.h: fd 0).
void kbd_init(void);

// Reads up to `len` characters. Blocking: sleeps until at least one
// arrives (the request is completed by id by the bottom half). Non-blocking:
// -EAGAIN if none is buffered.
int kbd_read(char* buf, uint32_t len, int nonblock);

// Puts a scan code into the controller's output buffer as if the keyboard
// had sent it (8042 command 0xD2, "write keyboard output buffer"): a
// self-test path that QEMU's 8042 also implements.
void kbd_inject(uint8_t scancode);

// 1 if the controller's output buffer is empty (the last byte was read).
int kbd_output_empty(void);

extern volatile uint32_t kbd_scancodes;  // bytes taken from port 0x60
extern volatile uint32_t kbd_keys;       // characters decoded
extern volatile uint32_t kbd_irqs;       // top-half runs

#endif  // MINIPC_FW_DRIVERS_KBD_H
