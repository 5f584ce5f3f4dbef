// Block types of this folder (models/core/block.h).
#include "core/block.h"
#include "disk/ata_disk.h"

namespace minipc {

void register_disk_blocks(BlockRegistry& r) {
  r.add({"ata_disk", "tlm",
         "primary ATA channel with one drive (0x1F0-0x1F7, 0x3F6), PIO and bus-master IDE DMA, IRQ 14",
         [](BlockBuilder& b) {
           const std::string& n = b.name();
           auto& disk = b.own(std::make_unique<AtaDisk>(n.c_str()));
           Param<uint64_t> priority{n + ".bus_priority", 1,
                                    "arbitration priority of the disk's bus-master engine (smaller wins)"};
           b.master(disk.master, n, static_cast<unsigned>(priority.get()));
           auto window = [&](const std::string& key, uint64_t def, const char* what) {
             return Param<uint64_t>{n + "." + key, def, what};
           };
           Param<uint64_t> cmd_io = window("io_base", 0x1F0, "command block ports (8)");
           Param<uint64_t> ctrl_io = window("ctrl_io_base", 0x3F6, "control block port (Alternate Status / Device Control)");
           Param<uint64_t> bmi_io = window("bmi_io_base", 0xC000, "bus-master IDE registers in the I/O space (0: none)");
           Param<uint64_t> bmi_mmio =
               window("bmi_mmio_base", 0xFEB01000, "bus-master IDE registers in the memory space (0: none)");
           if (!cmd_io.get() || !ctrl_io.get())
             throw ConfigError(n + ".io_base/ctrl_io_base: the ATA task file is port I/O only and needs both");
           auto place = [&](AddressSpace space, Param<uint64_t>& base, uint64_t size, int target) {
             if (base.get()) b.window(space, base.get(), size, target, base.key());
           };
           place(AddressSpace::io, cmd_io, 8, b.target(disk.regs, n));
           place(AddressSpace::io, ctrl_io, 1, b.target(disk.ctrl, n + ".ctrl"));
           const int bmi = b.target(disk.bmi, n + ".bmi");
           place(AddressSpace::io, bmi_io, 8, bmi);
           place(AddressSpace::memory, bmi_mmio, 8, bmi);
           disk.irq.bind(b.isa_irq("irq", 14, "IRQ line of the primary ATA channel (INTRQ)"));
         }});
}

}  // namespace minipc
