// Edge/level control register (ELCR) of the PIIX/PIIX3 south bridge, which
// holds the PC's two 8259As: I/O 0x4D0 (ELCR1, master, IRQ0-7) and 0x4D1
// (ELCR2, slave, IRQ8-15). Bit n = 1 puts IRn of the bound 8259A in level
// mode (0 = edge). The PIIX forces the bits of IRQ0, 1, 2 (timer, keyboard,
// cascade) and IRQ8, 13 (RTC, FPU error) to edge: writing 1 there is ignored
// with a warning.
//
// One register at offset 0 per instance, bound to its 8259A, which keeps
// the value (so a read always tells what the PIC uses). Which bits are
// forced follows the PIC's wiring at the time of the access: a PIC attached
// as a slave (attach_slave) gets ELCR2's mask, any other ELCR1's.
//
// It binds to the 8259A's face, so it serves the TLM model and the RTL twin
// alike (set_elcr(), elcr() and wired_as_slave()).
#pragma once

#include <cstdint>
#include <sstream>
#include <string>

#include "core/peripheral.h"
#include "pic/pic8259_face.h"

namespace minipc {

class Elcr8259 : public Peripheral {
 public:
  Elcr8259(const sc_core::sc_module_name& nm, Pic8259Face& pic) : Peripheral(nm), pic_(pic) {
    for (unsigned l = 0; l < 8; ++l) ELCR.field("IR" + std::to_string(l) + "_LEVEL", l, 1);
    ELCR.on_write = [this](uint64_t v) { write_elcr(v); };
    ELCR.on_read = [this] { return read_elcr(); };
  }

  Register ELCR{bank_, "ELCR", 0, 1, 0x00};

  static constexpr uint8_t kMasterEdgeOnly = 0x07;  // IRQ0, IRQ1, IRQ2
  static constexpr uint8_t kSlaveEdgeOnly = 0x21;   // IRQ8, IRQ13
  uint8_t edge_only() const { return pic_.wired_as_slave() ? kSlaveEdgeOnly : kMasterEdgeOnly; }

 protected:
  void reset_state() override { pic_.set_elcr(0); }

 private:
  void write_elcr(uint64_t v) {
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

  uint64_t read_elcr() {
    ELCR.set(pic_.elcr());
    return pic_.elcr();
  }

  Pic8259Face& pic_;
};

}  // namespace minipc
