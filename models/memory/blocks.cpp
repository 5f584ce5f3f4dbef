// Block types of this folder (models/core/block.h).
#include "core/block.h"
#include "core/fault.h"
#include "core/hex.h"
#include "memory/memory.h"

namespace minipc {

void register_memory_blocks(BlockRegistry& r) {
  r.add({"ram", "tlm", "RAM from address 0 (grants DMI)", [](BlockBuilder& b) {
           auto& ram = b.own(std::make_unique<Memory>(b.name().c_str()));
           const int t = b.target(ram.port, b.name());
           b.window(AddressSpace::memory, 0, ram.bytes(), t, b.name() + ".size");
           b.offer<Memory>("ram", &ram);
           // Fault kind `bit_flip` (docs/faults.md): one bit of RAM flips,
           // silently, as on a PC without ECC (every reader, DMI or not, sees
           // it; the CPU's decode cache compares bytes, so flipped code runs
           // as flipped). An error that is reported instead is the bus's
           // memory_error kind (a machine check on the CPU's read).
           auto& flip = b.own(std::make_unique<FaultHook>());
           flip.description = "one bit of RAM flips: address, bit (0-7)";
           flip.records_itself = true;
           flip.prepare = [&ram](const FaultArgs& args) -> FaultAction {
             Param<uint64_t> address{args.key("address"), 0, "the byte whose bit flips"};
             Param<uint64_t> bit{args.key("bit"), 0, "which bit (0-7)"};
             if (!ConfigStore::instance().peek(address.key()))
               throw ConfigError(address.key() + ": missing (the byte of RAM whose bit flips)");
             if (address.get() >= ram.bytes())
               throw ConfigError(address.key() + ": " + hex(address.get()) + " is outside RAM (" +
                                 std::to_string(ram.bytes() >> 20) + " MiB)");
             if (bit.get() > 7) throw ConfigError(bit.key() + ": " + std::to_string(bit.get()) + " is not a bit (0-7)");
             const uint64_t a = address.get();
             const uint8_t mask = static_cast<uint8_t>(1u << bit.get());
             return [&ram, &args, a, mask](bool begin) {
               if (!begin) return;
               uint8_t& byte = ram.data()[a];
               const uint8_t was = byte;
               byte = static_cast<uint8_t>(byte ^ mask);
               args.record("bit flip at " + hex(a) + ": " + hex(was) + " -> " + hex(byte));
             };
           };
           b.offer<FaultHook>(fault_service(b.name(), "bit_flip"), &flip);
         }});
}

}  // namespace minipc
