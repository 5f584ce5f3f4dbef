#include "pic8259/elcr8259_rtl.h"

#include <sstream>

namespace minipc {

Elcr8259Rtl::Elcr8259Rtl(const sc_core::sc_module_name& nm, Pic8259Rtl& pic) : Peripheral(nm), pic_(pic) {
  for (unsigned l = 0; l < 8; ++l) ELCR.field("IR" + std::to_string(l) + "_LEVEL", l, 1);
  ELCR.on_write = [this](uint64_t v) { write_elcr(v); };
  ELCR.on_read = [this] { return read_elcr(); };
}

void Elcr8259Rtl::reset_state() { pic_.set_elcr(0); }

void Elcr8259Rtl::write_elcr(uint64_t v) {
  const uint8_t value = static_cast<uint8_t>(v);
  if (value & edge_only()) {
    std::ostringstream msg;
    msg << std::hex << std::uppercase << "write of 0x" << unsigned(value) << " to ELCR: bits 0x"
        << unsigned(value & edge_only()) << " are edge-only lines and stay 0";
    SC_REPORT_WARNING(name(), msg.str().c_str());
  }
  pic_.set_elcr(static_cast<uint8_t>(value & ~edge_only()));
  ELCR.set(pic_.elcr());
}

uint64_t Elcr8259Rtl::read_elcr() {
  ELCR.set(pic_.elcr());
  return pic_.elcr();
}

}  // namespace minipc
