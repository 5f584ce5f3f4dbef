// Block types of this folder (models/core/block.h).
#include "pic/pic8259.h"
#include "pic/pic_pair_block.h"

namespace minipc {

void register_pic_blocks(BlockRegistry& r) {
  r.add({"pic8259_pair", "tlm",
         "8259A master (0x20) and slave (0xA0) with their ELCRs (0x4D0/0x4D1), cascaded on IR2",
         [](BlockBuilder& b) {
           auto& master = b.own(std::make_unique<Pic8259>("pic_master"));
           auto& slave = b.own(std::make_unique<Pic8259>("pic_slave"));
           wire_pic8259_pair(b, master, slave);
         }});
}

}  // namespace minipc
