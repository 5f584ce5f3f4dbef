// Block types of this folder (models/core/block.h): the I/O APIC and the
// APIC bus (the message target at 0xFEE00000). The local APICs are part of
// the CPU block (models/cpu/blocks.cpp): one per CPU, always present.
#include "apic/apic_message_target.h"
#include "apic/io_apic.h"
#include "apic/local_apic.h"
#include "core/block.h"

namespace minipc {

void register_apic_blocks(BlockRegistry& r) {
  r.add({"ioapic", "tlm", "I/O APIC (0xFEC00000), 24 inputs; pin 0 the 8259's INT, pin 2 IRQ 0, pins 16-19 PIRQA-D",
         [](BlockBuilder& b) {
           auto& ioapic = b.own(std::make_unique<IoApic>(b.name().c_str()));
           b.register_window(ioapic.regs, b.name(), 0x20, 0, 0xFEC00000);
           // Pins as on a PC: pin 0 the 8259A's INT (ExtINT), pin 2 the PIT
           // (IRQ0), pin n IRQ n below 16, pins 16-19 the PCI PIRQ lines;
           // 20-23 are not connected.
           static const char* const kPirq[] = {"pirqA", "pirqB", "pirqC", "pirqD"};
           for (unsigned pin = 0; pin < IoApic::kInputs; ++pin) {
             const std::string reader = b.name() + ".pin" + std::to_string(pin);
             if (pin == 0)
               ioapic.in[pin].bind(b.read("pic_int", reader));
             else if (pin == 2)
               ioapic.in[pin].bind(b.read("irq0", reader));
             else if (pin < 16)
               ioapic.in[pin].bind(b.read("irq" + std::to_string(pin), reader));
             else if (pin < 20)
               ioapic.in[pin].bind(b.read(kPirq[pin - 16], reader));
             else
               ioapic.in[pin].bind(b.read(b.name() + ".nc" + std::to_string(pin), reader));
           }
           b.offer<IoApic>("apic.ioapic", &ioapic);
         }});
  r.add({"apic_bus", "tlm",
         "APIC messages (interrupt messages, IPIs, MSIs) as memory writes to 0xFEE00000; IOAPIC and LAPIC messages cross the bus in APIC mode",
         [](BlockBuilder& b) {
           auto& bus = b.own(std::make_unique<ApicMessageTarget>(b.name().c_str()));
           b.on_connect([&bus](BlockBuilder& b) {
             const auto lapics = b.find_all<LocalApic>("apic.lapic");
             const auto ioapics = b.find_all<IoApic>("apic.ioapic");
             for (LocalApic* l : lapics) bus.attach(*l);
             for (IoApic* io : ioapics) bus.attach(*io);
             // In APIC mode the IOAPIC's interrupt messages and the LAPICs'
             // IPIs cross the bus (more masters). In PIC mode they go straight
             // to the message target, keeping the CPU the bus's only master
             // (and its fast, unsynchronised timeline).
             if (b.apic_mode()) {
               for (IoApic* io : ioapics) b.master(io->msg, io->basename(), 0);
               for (LocalApic* l : lapics) b.master(l->msg, l->basename(), 0);
             } else {
               for (IoApic* io : ioapics) b.direct(io->msg, bus.port);
               for (LocalApic* l : lapics) b.direct(l->msg, bus.port);
             }
             // In both modes the window is on the bus, so that a bus master's
             // write there (a PCI function's MSI) is an APIC message, as on a
             // PC. The CPUs reach their own LAPIC there without the bus.
             b.window(AddressSpace::memory, 0xFEE00000, 0x100000, b.target(bus.port, b.name()), b.name());
           });
         }});
}

}  // namespace minipc
