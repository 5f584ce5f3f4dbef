// The emulator-style debug ports the firmware uses besides the UART:
//
//   DebugConsole  port 0xE9  Bochs/QEMU "port E9 hack": a write prints the
//                            byte, a read returns 0xE9 (how software detects it).
//   ExitPort      port 0xF4  like QEMU's isa-debug-exit, with minipc's
//                            semantics: writing V ends the run with exit
//                            status V & 0xFF (QEMU would exit with V*2+1).
#pragma once

#include <cstdint>
#include <string>

#include "core/peripheral.h"
#include "core/stats.h"

namespace minipc {

class DebugConsole : public Peripheral {
 public:
  explicit DebugConsole(const sc_core::sc_module_name& nm);

  Param<bool> console{this, "console", true, "print written bytes on stdout (flushed at newline)"};

  // What was written to the port: the first kKeptConsoleBytes (the console
  // and the stats see every byte; the stats count them).
  const std::string& transmitted() const { return transmitted_; }

  // Reads return 0xE9, as in Bochs.
  Register DATA{bank_, "DATA", 0, 1, 0xE9};

 private:
  void write_data(uint64_t v);

  std::string transmitted_;
  Counter& bytes_;
};

class ExitPort : public Peripheral {
 public:
  explicit ExitPort(const sc_core::sc_module_name& nm);

  // The exit status the firmware asked for (V & 0xFF), -1 until written.
  int exit_code() const { return exit_code_; }

  // 4 bytes wide so `out dx, al`, `out dx, ax` and `out dx, eax` all work.
  Register EXIT{bank_, "EXIT", 0, 4, 0x00, Access::write_only};

 private:
  void write_exit(uint64_t v);

  int exit_code_ = -1;
};

}  // namespace minipc
