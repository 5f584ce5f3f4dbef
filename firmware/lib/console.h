// The console: what printf writes to.
//
// The console is a list of backends (struct console), each a device that
// takes bytes; every byte goes to each of them in the order they were
// registered. lib/ knows no device: a driver registers its backend.
//
// On the PC the console is COM1 and nothing else (console_init(), in the
// UART driver), so a run on minipc and a run on qemu-system-i386
// (-serial stdio) print the same bytes. The Bochs/QEMU debug console (port
// 0xE9, drivers/debugcon.c) is a second backend, for ad-hoc debugging only.
#ifndef MINIPC_FW_LIB_CONSOLE_H
#define MINIPC_FW_LIB_CONSOLE_H

struct console {
  const char* name;
  void (*putc)(char c);   // sends one byte; returns when the device took it
  struct console* next;   // the console's own link: register each once
};

// Adds a backend at the end of the list.
void console_register(struct console* con);

// The machine's console: programs COM1 (115200 8N1) and registers it.
// Defined by the UART driver (drivers/uart.c). Call once, before the first
// putchar; bytes written before any backend is registered are dropped.
void console_init(void);

int putchar(int c);
int puts(const char* s);  // the string, then '\n'

#endif  // MINIPC_FW_LIB_CONSOLE_H
