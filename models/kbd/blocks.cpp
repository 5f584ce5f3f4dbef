// Block types of this folder (models/core/block.h).
#include "core/block.h"
#include "kbd/kbc8042.h"

namespace minipc {

void register_kbd_blocks(BlockRegistry& r) {
  r.add({"kbc8042", "tlm", "8042 keyboard controller (data 0x60, status/command 0x64), IRQ 1", [](BlockBuilder& b) {
           auto& kbd = b.own(std::make_unique<Kbc8042>(b.name().c_str()));
           // One block, two windows, because 0x61 between them is port B.
           const int t = b.target(kbd.regs, b.name());
           b.window(AddressSpace::io, 0x60, 1, t, b.name() + " (data port)", 0);
           b.window(AddressSpace::io, 0x64, 1, t, b.name() + " (status/command port)", 4);
           kbd.irq.bind(b.isa_irq("irq", 1, "IRQ line of the keyboard"));
         }});
}

}  // namespace minipc
