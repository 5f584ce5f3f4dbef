// Edge/level control register (ELCR) of the PIIX/PIIX3 south bridge, which
// holds the PC's two 8259As: I/O 0x4D0 (ELCR1, master, IRQ0-7) and 0x4D1
// (ELCR2, slave, IRQ8-15). Bit n = 1 puts IRn of the bound 8259A in level
// mode (0 = edge). The PIIX forces the bits of IRQ0, 1, 2 (timer, keyboard,
// cascade) and IRQ8, 13 (RTC, FPU error) to edge: writing 1 there is ignored
// with a warning.
//
// Elcr8259Rtl: the same register bound to a Pic8259Rtl (the RTL twin takes
// the value on its elcr_i pins). One register at offset 0 per instance, bound to its Pic8259, which keeps
// the value (so a read always tells what the PIC uses). Which bits are
// forced follows the PIC's wiring at the time of the access: a PIC attached
// as a slave (Pic8259::attach_slave) gets ELCR2's mask, any other ELCR1's.
#pragma once

#include <cstdint>

#include "core/peripheral.h"
#include "pic8259/pic8259_rtl.h"

namespace minipc {

class Elcr8259Rtl : public Peripheral {
 public:
  Elcr8259Rtl(const sc_core::sc_module_name& nm, Pic8259Rtl& pic);

  Register ELCR{bank_, "ELCR", 0, 1, 0x00};

  static constexpr uint8_t kMasterEdgeOnly = 0x07;  // IRQ0, IRQ1, IRQ2
  static constexpr uint8_t kSlaveEdgeOnly = 0x21;   // IRQ8, IRQ13
  uint8_t edge_only() const { return pic_.wired_as_slave() ? kSlaveEdgeOnly : kMasterEdgeOnly; }

 protected:
  void reset_state() override;

 private:
  void write_elcr(uint64_t v);
  uint64_t read_elcr();

  Pic8259Rtl& pic_;
};

}  // namespace minipc
