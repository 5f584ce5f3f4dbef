// The RTL twin of the 8259A pair as a block type (impl: rtl).
#include "pic/pic_pair_block.h"
#include "pic8259/elcr8259_rtl.h"
#include "pic8259/pic8259_rtl.h"

namespace minipc {

void register_rtl_pic_blocks(BlockRegistry& r) {
  r.add({"pic8259_pair", "rtl", "the 8259A pair as Verilated SystemVerilog (rtl/pic8259)", [](BlockBuilder& b) {
           build_pic8259_pair<Pic8259Rtl, Elcr8259Rtl>(b, [&b](Pic8259Rtl& master, Pic8259Rtl& slave) {
             const std::string m = b.rtl_trace_path("pic_master");
             if (!m.empty()) master.open_trace(m);
             const std::string s = b.rtl_trace_path("pic_slave");
             if (!s.empty()) slave.open_trace(s);
           });
         }});
}

}  // namespace minipc
