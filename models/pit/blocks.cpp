// Block types of this folder (models/core/block.h): the 8254 PIT and the
// PC/AT's system control port B.
#include "pit/pit8254.h"
#include "pit/pit_block.h"
#include "pit/system_control_port_b.h"

namespace minipc {

void register_pit_blocks(BlockRegistry& r) {
  r.add({"pit8254", "tlm", "8254 programmable interval timer (0x40-0x43), counter 0 on IRQ 0",
         [](BlockBuilder& b) { wire_pit8254(b, b.own(std::make_unique<Pit8254>(b.name().c_str()))); }});
  r.add({"system_control_port_b", "tlm",
         "port B (0x61): the 8254 counter 2's gate and output, speaker data, refresh toggle", [](BlockBuilder& b) {
           auto& port = b.own(std::make_unique<SystemControlPortB>(b.name().c_str()));
           Param<std::string> pit{b.name() + ".pit", "pit0", "the 8254 whose counter 2 this port gates and reads"};
           b.register_window(port.regs, b.name(), 1, 0x61);
           port.gate2.bind(b.drive(pit.get() + ".gate2", b.name() + ".gate2"));
           port.out2.bind(b.read(pit.get() + ".out2", b.name() + ".out2"));
         }});
}

}  // namespace minipc
