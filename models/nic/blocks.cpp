// Block types of this folder (models/core/block.h).
#include "core/block.h"
#include "core/fault.h"
#include "core/input_file.h"
#include "nic/e1000.h"
#include "core/sim_control.h"
#include "trace/trace_port.h"
#include "wire/wire_params.h"

namespace minipc {

void register_nic_blocks(BlockRegistry& r) {
  r.add({"e1000", "tlm",
         "Intel 82540EM-compatible Ethernet controller (PCI 8086:100E): BAR0 128 KiB MMIO, BAR1 I/O, INTA#/MSI, "
         "receive and transmit DMA, a wire with pcap or generator endpoints",
         [](BlockBuilder& b) {
           const std::string& n = b.name();
           PciSlots* slots = b.find<PciSlots>("pci.slots");
           if (!slots)
             throw ConfigError(n + ".type: an e1000 block is a PCI function: it needs an i440fx_piix3 block earlier "
                               "in the config");
           auto& nic = b.own(std::make_unique<E1000>(n.c_str()));
           Param<uint64_t> device{n + ".pci_device", 3,
                                  "device number on PCI bus 0 (3: INTA# reaches PIRQC, as QEMU's first NIC)"};
           Param<uint64_t> priority{n + ".bus_priority", 1, "arbitration priority of the NIC's DMA (smaller wins)"};
           slots->plug(nic, static_cast<unsigned>(device.get()), device.key());
           b.master(nic.master, n, bus_priority(priority));
           b.trace(nic.intx_trace.signal, n + ".intx");
           b.trace(nic.rdh_trace.signal, n + ".rdh");
           b.trace(nic.rdt_trace.signal, n + ".rdt");
           b.trace(nic.tdh_trace.signal, n + ".tdh");
           b.trace(nic.tdt_trace.signal, n + ".tdt");
           b.trace(nic.rx_fifo_trace.signal, n + ".rx_buffer_bytes");
           b.offer<E1000>("nic", &nic);
           // Faults on the cable's receive side and the link (e1000.h):
           // target <name>, kinds frame_drop, frame_corrupt,
           // frame_duplicate, link_down.
           for (const std::string& kind : E1000::fault_kinds())
             b.offer<FaultHook>(fault_service(n, kind), &b.own(std::make_unique<FaultHook>(nic.fault_hook(kind))));
           // The far end of the cable (docs/wire.md): keys <name>.wire.*.
           auto& cable = b.own(std::make_unique<wire::WireConfig>(n + ".wire"));
           std::unique_ptr<wire::FrameSource> source;
           try {
             source = cable.make_source();
           } catch (const wire::WireError& e) {
             // A file that is not there (or not a regular file) is missing
             // input; one that is, is bad data.
             const bool missing = cable.kind() == wire::WireConfig::Source::pcap &&
                                  !not_a_regular_file(cable.pcap.get()).empty();
             if (missing) throw InputError(n + ".wire: " + e.what());
             throw DataError(n + ".wire: " + e.what());
           }
           if (source) {
             nic.wire_source = &b.own(std::move(source));
             nic.wire_start_at_rx_enable = cable.start_at_rx_enable();
             nic.wire_start = sc_core::sc_time(static_cast<double>(cable.start_ns()), sc_core::SC_NS);
           }
           b.on_connect([&nic](BlockBuilder& b) {
             if (TracePort* tp = b.find<TracePort>("trace_port")) {
               const std::string track = std::string(nic.name()) + ".rx";
               nic.packet_trace = [tp, track](const E1000::PacketSpan& s) {
                 tp->add_slice(track, "frame " + std::to_string(s.seq), s.seq, s.arrived, s.done,
                               {{"length", s.length},
                                {"buffered_ns", (s.dma_start - s.arrived).to_seconds() * 1e9},
                                {"dma_ns", (s.done - s.dma_start).to_seconds() * 1e9},
                                {"waited_for_descriptor", s.waited_for_descriptor}});
               };
             }
           });
         }});
}

}  // namespace minipc
