// Block types of this folder (models/core/block.h).
#include "core/fault.h"
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
           // Fault kind `spurious` (docs/faults.md): a request that is gone
           // by the INTA cycle; chip: master (IRQ7) or slave (IRQ15).
           auto& hook = b.own(std::make_unique<FaultHook>());
           hook.description = "a spurious interrupt: IRQ7 (chip: master) or IRQ15 (chip: slave)";
           hook.prepare = [&master, &slave](const FaultArgs& args) -> FaultAction {
             Param<std::string> chip{args.key("chip"), "master", "master (IRQ7) or slave (IRQ15)"};
             if (chip.get() != "master" && chip.get() != "slave")
               throw ConfigError(chip.key() + ": '" + chip.get() + "' is not a chip (master, slave)");
             Pic8259& c = chip.get() == "master" ? master : slave;
             return [&c](bool begin) {
               if (begin) c.phantom_request();
             };
           };
           b.offer<FaultHook>(fault_service(b.name(), "spurious"), &hook);
         }});
}

}  // namespace minipc
