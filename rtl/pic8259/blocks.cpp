// The RTL twin of the 8259A pair as a block type (impl: rtl).
#include "pic/pic_pair_block.h"
#include "pic8259/pic8259_rtl.h"

namespace minipc {

void register_rtl_pic_blocks(BlockRegistry& r) {
  r.add({"pic8259_pair", "rtl", "the 8259A pair as Verilated SystemVerilog (rtl/pic8259)", [](BlockBuilder& b) {
           auto& master = b.own(std::make_unique<Pic8259Rtl>("pic_master"));
           auto& slave = b.own(std::make_unique<Pic8259Rtl>("pic_slave"));
           wire_pic8259_pair(b, master, slave);
           const std::string m = b.rtl_trace_path("pic_master");
           if (!m.empty()) master.open_trace(m);
           const std::string s = b.rtl_trace_path("pic_slave");
           if (!s.empty()) slave.open_trace(s);
         }});
}

}  // namespace minipc
