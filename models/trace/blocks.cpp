// Block types of this folder (models/core/block.h).
#include "core/block.h"
#include "trace/trace_port.h"

namespace minipc {

void register_trace_blocks(BlockRegistry& r) {
  r.add({"trace_port", "tlm", "firmware trace markers and metrics (0x4F0): VCD signals, Perfetto events, fw.* stats",
         [](BlockBuilder& b) {
           auto& port = b.own(std::make_unique<TracePort>(b.name().c_str()));
           b.register_window(port.regs, b.name(), TracePort::kWindowBytes, 0x4F0);
           b.offer<TracePort>("trace_port", &port);
           b.trace(port.last_event.signal, b.name() + ".event");
           b.trace(port.last_arg.signal, b.name() + ".arg");
           b.trace(port.isr_depth.signal, "cpu0.isr_depth");
           b.on_connect([&port](BlockBuilder& b) {
             if (const double* hz = b.find<const double>("cpu.clock_hz")) port.set_cpu_clock_hz(*hz);
           });
         }});
}

}  // namespace minipc
