// The Bochs/QEMU debug console: every byte written to port 0xE9 appears on
// the host (minipc and QEMU's -debugcon). Not part of the PC's console:
// a scenario that wants it registers debugcon_console (lib/console.h).
#ifndef MINIPC_FW_DRIVERS_DEBUGCON_H
#define MINIPC_FW_DRIVERS_DEBUGCON_H

#define DEBUGCON_PORT 0xE9

struct console;
extern struct console debugcon_console;

void debugcon_putc(char c);

#endif  // MINIPC_FW_DRIVERS_DEBUGCON_H
