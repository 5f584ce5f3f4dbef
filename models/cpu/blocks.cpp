// Block types of this folder (models/core/block.h): an IA-32 processor and
// its local APIC, which is always there, as on a PC.
#include "apic/io_apic.h"
#include "apic/local_apic.h"
#include "core/block.h"
#include "cpu/cpu.h"

namespace minipc {

namespace {
// cpu0 -> lapic0; any other name gets ".lapic" appended.
std::string lapic_name(const std::string& cpu) {
  if (cpu.rfind("cpu", 0) == 0) return "lapic" + cpu.substr(3);
  return cpu + "_lapic";
}
}  // namespace

void register_cpu_blocks(BlockRegistry& r) {
  r.add({"ia32", "tlm", "IA-32 CPU (protected mode ISS, fast or accurate) with its local APIC at 0xFEE00000",
         [](BlockBuilder& b) {
           const std::string& n = b.name();
           const std::string ln = lapic_name(n);
           // The platform acts as the BIOS: on the boot CPU it programs LVT
           // LINT0 as ExtINT (virtual-wire mode, as SeaBIOS does and QEMU's
           // BSP resets to), so the 8259A reaches INTR through the LAPIC in
           // both interrupt modes. A config can still say otherwise.
           const bool bsp = b.find<Cpu>("cpu") == nullptr;
           auto& cfg = ConfigStore::instance();
           if (bsp && !cfg.peek(ln + ".lint0_extint_at_reset"))
             cfg.set(ln + ".lint0_extint_at_reset", "true", "platform (BIOS: virtual wire on the BSP)");
           auto& cpu = b.own(std::make_unique<Cpu>(n.c_str()));
           auto& lapic = b.own(std::make_unique<LocalApic>(ln.c_str()));
           Param<uint64_t> priority{n + ".bus_priority", 2,
                                    "arbitration priority of " + n + " on the bus (smaller wins)"};
           const int master = b.master(cpu.mem, n, bus_priority(priority));
           b.master(cpu.io, n, bus_priority(priority));
           b.offer<const int>("cpu.master", &b.own(std::make_unique<int>(master)));
           // The CPU reaches its own LAPIC without crossing the bus.
           b.direct(cpu.lapic, lapic.regs);
           lapic.intr.bind(b.drive(ln + ".intr", ln + ".intr"));
           lapic.nmi.bind(b.drive(ln + ".nmi", ln + ".nmi"));
           cpu.nmi.bind(b.read(ln + ".nmi", n + ".nmi"));  // NMI messages (ICR, LINT1 in NMI mode)
           cpu.on_nmi_acknowledge = [&lapic] { lapic.acknowledge_nmi(); };
           // Virtual wire: the 8259A's INT behind LINT0 (ExtINT); LINT1 is
           // the NMI pin, with no source on this PC.
           lapic.lint0.bind(b.read("pic_int", ln + ".lint0"));
           lapic.lint1.bind(b.read("nmi", ln + ".lint1"));
           // The local APIC is always there, as on a PC: its INTR is the
           // CPU's and it answers the INTA cycle (an ExtINT asks the 8259A
           // for the vector), so LAPIC timer interrupts and IPIs reach the
           // CPU in both interrupt modes.
           IrqLine& intr_net = b.read(ln + ".intr", n + ".intr");
           cpu.intr.bind(intr_net);
           cpu.inta.bind(lapic);
           b.offer<Cpu>("cpu", &cpu);
           b.offer<const double>("cpu.clock_hz", &b.own(std::make_unique<double>(cpu.clock_hz.get())));
           b.offer<IrqLine>("cpu.intr", &intr_net);
           b.offer<LocalApic>("apic.lapic", &lapic);
           b.trace(intr_net, n + ".intr");
           b.trace(lapic.ppr_trace, ln + ".ppr");
           b.trace(lapic.isr_vector_trace, ln + ".isr_vector");
           b.trace(cpu.halted, n + ".halted");
           b.trace(cpu.interrupt_flag, n + ".if");
           // Bus-free windows exist in accurate mode only (fast mode has no
           // bus access per instruction).
           if (!cpu.fast_mode()) b.trace(cpu.bus_free.signal, n + ".bus_free");
           b.on_connect([&cpu, &lapic](BlockBuilder& b) {
             if (InterruptAcknowledgeIf* pic = b.find<InterruptAcknowledgeIf>("inta.pic")) lapic.extint_ack.bind(*pic);
             IoApic* ioapic = b.find<IoApic>("apic.ioapic");
             cpu.nmi_possible = [&lapic, ioapic] { return lapic.nmi_armed() || (ioapic && ioapic->routes_nmi()); };
             using Accepted = std::function<void(int, const sc_core::sc_time&, bool)>;
             if (Accepted* fn = b.find<Accepted>("interrupt_accepted")) cpu.on_interrupt_accepted = *fn;
           });
         }});
}

}  // namespace minipc
