// Block types of this folder (models/core/block.h).
#include "pic/elcr8259.h"
#include "pic/pic8259.h"
#include "pic/pic_pair_block.h"

namespace minipc {

void register_pic_blocks(BlockRegistry& r) {
  r.add({"pic8259_pair", "tlm",
         "8259A master (0x20) and slave (0xA0) with their ELCRs (0x4D0/0x4D1), cascaded on IR2",
         [](BlockBuilder& b) { build_pic8259_pair<Pic8259, Elcr8259>(b); }});
}

}  // namespace minipc
