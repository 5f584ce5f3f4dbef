// Base of a memory- or port-mapped peripheral: one register bank behind one
// TLM target socket. The bus maps the socket into the memory space, the I/O
// space or both (DESIGN.md §2); the payload address is the offset into the
// block. Every access costs `access_cycles` of the device clock.
#pragma once

#include <tlm_utils/simple_target_socket.h>

#include <systemc>
#include <tlm>

#include "core/params.h"
#include "core/register_bank.h"

namespace minipc {

// Console bytes a device keeps for transmitted() (tests, checks): the first
// MiB; the console itself and the byte counters see every byte.
constexpr size_t kKeptConsoleBytes = 1u << 20;

class Peripheral : public sc_core::sc_module {
 public:
  tlm_utils::simple_target_socket<Peripheral> regs{"regs"};

  Param<double> clock_hz;          // device clock (Hz)
  Param<uint64_t> access_cycles;   // device clocks per register access

  // Resets every register to its datasheet value and calls reset_state().
  void reset();

  RegisterBank& bank() { return bank_; }
  sc_core::sc_time clock_period() const { return sc_core::sc_time(1.0 / clock_hz.get(), sc_core::SC_SEC); }

 protected:
  // default_clock_hz: the clock register accesses are counted in. ISA-era
  // devices default to the 8.33 MHz ISA bus clock; a model whose own clock
  // is something else (the UART's 1.8432 MHz crystal, the APICs' bus clock)
  // passes it.
  static constexpr double kIsaClockHz = 8.333333e6;
  explicit Peripheral(const sc_core::sc_module_name& nm, double default_clock_hz = kIsaClockHz);
  // Model state outside the registers (FIFOs, counters).
  virtual void reset_state() {}

  // The local time of the access being served (sc_time_stamp() + the
  // initiator's annotated delay). With temporal decoupling the initiator runs
  // ahead of SystemC time; callbacks compare against this, not sc_time_stamp().
  const sc_core::sc_time& access_time() const { return access_time_; }

  RegisterBank bank_;

 private:
  sc_core::sc_time access_time_;
  void b_transport(tlm::tlm_generic_payload& p, sc_core::sc_time& delay);
  unsigned int transport_dbg(tlm::tlm_generic_payload& p);
};

}  // namespace minipc
