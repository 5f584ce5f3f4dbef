#include "uart/debug_ports.h"

#include <iostream>

#include "core/sim_control.h"

namespace minipc {

DebugConsole::DebugConsole(const sc_core::sc_module_name& nm)
    : Peripheral(nm), bytes_(StatsRegistry::instance().counter(std::string(name()) + ".bytes", "bytes")) {
  DATA.on_read = [] { return uint64_t{0xE9}; };
  DATA.on_write = [this](uint64_t v) { write_data(v); };
}

void DebugConsole::write_data(uint64_t v) {
  const char ch = static_cast<char>(v & 0xFF);
  if (transmitted_.size() < kKeptConsoleBytes) transmitted_ += ch;  // a console flood must not grow memory
  bytes_.add();
  if (console.get()) {
    std::cout.put(ch);
    if (ch == '\n') std::cout.flush();
  }
}

ExitPort::ExitPort(const sc_core::sc_module_name& nm) : Peripheral(nm) {
  EXIT.on_write = [this](uint64_t v) { write_exit(v); };
}

void ExitPort::write_exit(uint64_t v) {
  // A narrow write merges into the stored value; only the low byte matters.
  EXIT.set(v);
  exit_code_ = static_cast<int>(v & 0xFF);
  std::cout.flush();  // whatever the firmware printed last belongs before the exit
  request_stop(StopReason::firmware_exit, exit_code_, "");
}

}  // namespace minipc
