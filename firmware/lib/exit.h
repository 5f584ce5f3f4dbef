// Ending a run: the exit port (0xF4) hands a status to the host.
//
// minipc stops the simulation and exits with the value; QEMU's
// isa-debug-exit device exits with (value << 1) | 1. Scenarios use 0 for
// pass and 1..63 for failures.
#ifndef MINIPC_FW_LIB_EXIT_H
#define MINIPC_FW_LIB_EXIT_H

#include "lib/io.h"

#define EXIT_PORT 0xF4

static inline __attribute__((noreturn)) void exit_to_host(int code) {
  outb(EXIT_PORT, (uint8_t)code);
  // Only reached when nothing listens on the exit port.
  for (;;) {
    cli();
    hlt();
  }
}

#endif  // MINIPC_FW_LIB_EXIT_H
