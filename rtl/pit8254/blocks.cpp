// The RTL twin of the 8254 as a block type (impl: rtl).
#include "pit/pit_block.h"
#include "pit8254/pit8254_rtl.h"

namespace minipc {

void register_rtl_pit_blocks(BlockRegistry& r) {
  r.add({"pit8254", "rtl", "the 8254 as Verilated SystemVerilog (rtl/pit8254)", [](BlockBuilder& b) {
           auto& pit = b.own(std::make_unique<Pit8254Rtl>(b.name().c_str()));
           wire_pit8254(b, pit);
           const std::string path = b.rtl_trace_path(b.name());
           if (!path.empty()) pit.open_trace(path);
         }});
}

}  // namespace minipc
