#include "core/peripheral.h"

namespace minipc {

Peripheral::Peripheral(const sc_core::sc_module_name& nm, double default_clock_hz)
    : sc_core::sc_module(nm),
      clock_hz(this, "clock_hz", default_clock_hz, "device clock (Hz)"),
      access_cycles(this, "access_cycles", 1, "device clocks per register access"),
      bank_(name()) {
  regs.register_b_transport(this, &Peripheral::b_transport);
  regs.register_transport_dbg(this, &Peripheral::transport_dbg);
}

void Peripheral::reset() {
  bank_.reset();
  reset_state();
}

void Peripheral::b_transport(tlm::tlm_generic_payload& p, sc_core::sc_time& delay) {
  access_time_ = sc_core::sc_time_stamp() + delay;
  bank_.transport(p);
  delay += clock_period() * static_cast<double>(access_cycles.get());
}

unsigned int Peripheral::transport_dbg(tlm::tlm_generic_payload& p) {
  // Debug reads must not have side effects: serve them from stored values.
  if (!p.is_read()) return 0;
  const unsigned len = p.get_data_length();
  for (unsigned i = 0; i < len; ++i) {
    Register* r = bank_.find(p.get_address() + i, false);
    if (!r) return i;
    p.get_data_ptr()[i] = static_cast<uint8_t>(r->get() >> (8 * (p.get_address() + i - r->offset())));
  }
  return len;
}

}  // namespace minipc
