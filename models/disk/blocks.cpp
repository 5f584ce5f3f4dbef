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
           auto& face = b.own(std::make_unique<AtaDiskBlock>());
           face.disk = &disk;
           face.bus_priority = bus_priority(priority);
           b.offer<AtaDiskBlock>("ata_disk", &face);
           // Fault kinds (docs/faults_disk_nmi.md).
           b.offer<FaultHook>(fault_service(n, "unreadable"), &b.own(std::make_unique<FaultHook>(unreadable_fault_hook(disk))));
           b.offer<FaultHook>(fault_service(n, "busy"), &b.own(std::make_unique<FaultHook>(busy_fault_hook(disk))));
           Param<uint64_t> cmd_io{n + ".io_base", 0x1F0, "command block ports (8)"};
           Param<uint64_t> ctrl_io{n + ".ctrl_io_base", 0x3F6, "control block port (Alternate Status / Device Control)"};
           if (!cmd_io.get() || !ctrl_io.get())
             throw ConfigError(n + ".io_base/ctrl_io_base: the ATA task file is port I/O only and needs both");
           b.window(AddressSpace::io, cmd_io.get(), 8, b.target(disk.regs, n), cmd_io.key());
           b.window(AddressSpace::io, ctrl_io.get(), 1, b.target(disk.ctrl, n + ".ctrl"), ctrl_io.key());
           // The bus-master engine and its registers: a PCI IDE function
           // (block i440fx_piix3) claims them in its build step; otherwise
           // they sit on the bus at fixed places.
           b.on_connect([&disk, &face](BlockBuilder& b) {
             if (face.claimed) return;
             const std::string& n = b.name();
             b.master(disk.master, n, face.bus_priority);
             Param<uint64_t> bmi_io{n + ".bmi_io_base", 0xC000, "bus-master IDE registers in the I/O space (0: none)"};
             Param<uint64_t> bmi_mmio{n + ".bmi_mmio_base", 0xFEB01000,
                                      "bus-master IDE registers in the memory space (0: none)"};
             const int bmi = b.target(disk.bmi, n + ".bmi");
             if (bmi_io.get()) b.window(AddressSpace::io, bmi_io.get(), 8, bmi, bmi_io.key());
             if (bmi_mmio.get()) b.window(AddressSpace::memory, bmi_mmio.get(), 8, bmi, bmi_mmio.key());
           });
           disk.irq.bind(b.isa_irq("irq", 14, "IRQ line of the primary ATA channel (INTRQ)"));
         }});
}

}  // namespace minipc
