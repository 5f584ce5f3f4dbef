// Block types of this folder (models/core/block.h).
#include "core/block.h"
#include "rtc/mc146818.h"

namespace minipc {

void register_rtc_blocks(BlockRegistry& r) {
  r.add({"mc146818", "tlm", "MC146818 real-time clock and CMOS RAM (0x70-0x71), IRQ 8", [](BlockBuilder& b) {
           auto& rtc = b.own(std::make_unique<Mc146818>(b.name().c_str()));
           b.register_window(rtc.regs, b.name(), 2, 0x70);
           rtc.irq.bind(b.isa_irq("irq", 8, "IRQ line of the RTC"));
           // Port 0x70 bit 7 is the chipset's NMI mask: tell the block that
           // owns the NMI sources (system_control_port_b), if there is one.
           b.on_connect([&rtc](BlockBuilder& b) {
             using MaskSink = std::function<void(bool, const sc_core::sc_time&)>;
             if (MaskSink* sink = b.find<MaskSink>("nmi_mask")) rtc.on_nmi_mask = *sink;
           });
         }});
}

}  // namespace minipc
