// Block types of this folder (models/core/block.h).
#include "core/block.h"
#include "memory/memory.h"

namespace minipc {

void register_memory_blocks(BlockRegistry& r) {
  r.add({"ram", "tlm", "RAM from address 0 (grants DMI)", [](BlockBuilder& b) {
           auto& ram = b.own(std::make_unique<Memory>(b.name().c_str()));
           const int t = b.target(ram.port, b.name());
           b.window(AddressSpace::memory, 0, ram.bytes(), t, b.name() + ".size");
           b.offer<Memory>("ram", &ram);
         }});
}

}  // namespace minipc
