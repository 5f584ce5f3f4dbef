// Block types of this folder (models/core/block.h).
#include "core/block.h"
#include "rtc/mc146818.h"

namespace minipc {

void register_rtc_blocks(BlockRegistry& r) {
  r.add({"mc146818", "tlm", "MC146818 real-time clock and CMOS RAM (0x70-0x71), IRQ 8", [](BlockBuilder& b) {
           auto& rtc = b.own(std::make_unique<Mc146818>(b.name().c_str()));
           b.register_window(rtc.regs, b.name(), 2, 0x70);
           rtc.irq.bind(b.isa_irq("irq", 8, "IRQ line of the RTC"));
         }});
}

}  // namespace minipc
