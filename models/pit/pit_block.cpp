#include "pit/pit_block.h"

namespace minipc {

void wire_pit8254(BlockBuilder& b, Pit8254Face& pit) {
  const std::string& n = b.name();
  b.register_window(pit.regs, n, 4, 0x40);
  pit.out0.bind(b.isa_irq("irq", 0, "IRQ line of counter 0's OUT"));
  pit.out1.bind(b.drive(n + ".out1", n + ".out1"));
  pit.out2.bind(b.drive(n + ".out2", n + ".out2"));
  pit.gate2.bind(b.read(n + ".gate2", n + ".gate2"));
  b.trace(b.read(n + ".out2", "vcd"), n + ".out2");
}

}  // namespace minipc
