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
         "port B (0x61): the 8254 counter 2's gate and output, speaker data, refresh toggle, the chipset's NMI "
         "sources (IOCHK)", [](BlockBuilder& b) {
           auto& port = b.own(std::make_unique<SystemControlPortB>(b.name().c_str()));
           Param<std::string> pit{b.name() + ".pit", "pit0", "the 8254 whose counter 2 this port gates and reads"};
           b.register_window(port.regs, b.name(), 1, 0x61);
           port.gate2.bind(b.drive(pit.get() + ".gate2", b.name() + ".gate2"));
           port.out2.bind(b.read(pit.get() + ".out2", b.name() + ".out2"));
           // The chipset's NMI request on the net "nmi" (the local APIC's
           // LINT1), gated by the NMI mask latch of port 0x70, which the RTC
           // block (mc146818) reports through the service "nmi_mask".
           port.nmi.bind(b.drive("nmi", b.name() + ".nmi"));
           using MaskSink = std::function<void(bool, const sc_core::sc_time&)>;
           b.offer<MaskSink>("nmi_mask", &b.own(std::make_unique<MaskSink>(
                                             [&port](bool masked, const sc_core::sc_time& at) {
                                               port.set_nmi_mask(masked, at);
                                             })));
           b.offer<FaultHook>(fault_service(b.name(), "power_fail"),
                              &b.own(std::make_unique<FaultHook>(power_fail_fault_hook(port))));
         }});
}

}  // namespace minipc
