// The 8254 as a block (models/core/block.h), for the TLM model and its RTL
// twin (same ports). Counter 0 drives the IRQ line of `irq` (0 on a PC);
// counter 1 (DRAM refresh on an AT) drives the net <name>.out1, unused;
// counter 2's gate and output are the nets <name>.gate2 and <name>.out2,
// which port B (0x61) controls and reads.
#pragma once

#include <functional>
#include <memory>

#include "core/block.h"

namespace minipc {

template <typename Pit>
Pit& build_pit8254(BlockBuilder& b) {
  const std::string& n = b.name();
  auto& pit = b.own(std::make_unique<Pit>(n.c_str()));
  b.register_window(pit.regs, n, 4, 0x40);
  pit.out0.bind(b.isa_irq("irq", 0, "IRQ line of counter 0's OUT"));
  pit.out1.bind(b.drive(n + ".out1", n + ".out1", NetSharing::exclusive));
  pit.out2.bind(b.drive(n + ".out2", n + ".out2", NetSharing::exclusive));
  pit.gate2.bind(b.read(n + ".gate2", n + ".gate2"));
  b.trace(b.read(n + ".out2", "vcd"), n + ".out2");
  return pit;
}

}  // namespace minipc
