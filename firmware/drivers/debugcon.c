// Debug console (port 0xE9): a console backend with no setup and no status
// to wait for.
#include "drivers/debugcon.h"

#include "lib/console.h"
#include "lib/io.h"

void debugcon_putc(char c) {
  outb(DEBUGCON_PORT, (uint8_t)c);
}

struct console debugcon_console = {"debugcon", debugcon_putc, 0};
