// Block types of this folder (models/core/block.h).
#include "core/block.h"
#include "dma/dma_controller.h"

namespace minipc {

void register_dma_blocks(BlockRegistry& r) {
  r.add({"dmac", "tlm",
         "minipc DMA controller (docs/dma.md): 4 channels, burst / cycle stealing / transparent; a bus master",
         [](BlockBuilder& b) {
           const std::string& n = b.name();
           auto& dma = b.own(std::make_unique<DmaController>(n.c_str()));
           Param<uint64_t> priority{n + ".bus_priority", 0,
                                    "arbitration priority of the DMA controller (smaller wins)"};
           b.master(dma.master, n, bus_priority(priority));
           // Transparent mode's idea of "idle": the bus's owner signal.
           dma.bus_owner.bind(*b.find<sc_core::sc_signal<int>>("bus.owner"));
           if (auto* watch = b.find<std::function<int()>>("bus.owner_watch")) dma.watch_bus_owner = *watch;
           // DREQ n is the net <name>.dreq<n> (a device's request pin drives
           // it, e.g. uart0's TXRDY); DACK n drives <name>.ch<n>.dack.
           for (unsigned ch = 0; ch < DmaController::kChannels; ++ch) {
             const std::string c = std::to_string(ch);
             dma.dreq[ch].bind(b.read(n + ".dreq" + c, n + ".dreq" + c));
             dma.dack[ch].bind(b.drive(n + ".ch" + c + ".dack", n + ".dack" + c));
           }
           b.register_window(dma.regs, n, DmaController::kWindowBytes, 0xD000, 0xFEB00000);
           dma.irq.bind(b.isa_irq("irq", 10, "IRQ line of the DMA controller"));
           for (unsigned ch = 0; ch < DmaController::kChannels; ++ch) {
             const std::string c = n + ".ch" + std::to_string(ch);
             b.trace(b.read(c + ".dack", "vcd"), c + ".dack");
             b.trace(dma.hold_trace[ch], c + ".hold");
             b.trace(dma.hlda_trace[ch], c + ".hlda");
           }
           // The stall the DMAC causes: the CPUs' wait figures on the bus.
           b.on_connect([&dma](BlockBuilder& b) {
             std::vector<int> cpus;
             for (const int* m : b.find_all<const int>("cpu.master")) cpus.push_back(*m);
             dma.observe_bus(cpus);
           });
         }});
}

}  // namespace minipc
