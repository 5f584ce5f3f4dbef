// The console: what printf writes to.
//
// The console is COM1 and nothing else, so a run on minipc and a run on
// qemu-system-i386 (-serial stdio) print the same bytes. The Bochs/QEMU
// debug console (port 0xE9) is there for ad-hoc debugging only.
#ifndef MINIPC_FW_LIB_CONSOLE_H
#define MINIPC_FW_LIB_CONSOLE_H

// Programs COM1 (115200 8N1). Call once, before the first putchar.
void console_init(void);

int putchar(int c);
int puts(const char* s);  // the string, then '\n'

// One byte to the debug console port; not part of the console.
void debugcon_putc(char c);

#endif  // MINIPC_FW_LIB_CONSOLE_H
