#include "describe.h"
#include "config_text.h"

#include "core/fault.h"

#include "pci_wiring.h"

#include <algorithm>
#include <iomanip>
#include <sstream>

namespace minipc {

namespace {
std::string hex(uint64_t v, int width) {
  std::ostringstream s;
  s << "0x" << std::hex << std::uppercase << std::setw(width) << std::setfill('0') << v;
  return s.str();
}

std::string pad(const std::string& s, size_t w) { return s.size() >= w ? s + " " : s + std::string(w - s.size(), ' '); }

// irqN nets sort by number.
bool isa_line(const std::string& net, unsigned* n) {
  if (net.rfind("irq", 0) != 0 || net.size() < 4 || net.size() > 5) return false;
  if (net.find_first_not_of("0123456789", 3) != std::string::npos) return false;
  *n = static_cast<unsigned>(std::stoul(net.substr(3)));
  return true;
}
}  // namespace

void describe(const Platform& pc, std::ostream& out) {
  const Bus& bus = pc.bus();
  // The PCI windows are routed at the end of elaboration and the BARs
  // assigned at reset: do both now, so the maps show them.
  if (PciWiring* pci = pc.service<PciWiring>("pci")) pci->settle_for_describe();
  out << "blocks\n";
  size_t w = 4;
  for (const auto& b : pc.blocks()) w = std::max(w, b.name.size());
  for (const auto& b : pc.blocks())
    out << "  " << pad(b.name, w) << pad(b.type, 22) << pad(b.impl, 4) << " " << b.description << "\n";

  for (AddressSpace space : {AddressSpace::memory, AddressSpace::io}) {
    const bool mem = space == AddressSpace::memory;
    out << "\n" << (mem ? "memory map" : "I/O map") << "\n";
    const int digits = mem ? 8 : 4;
    for (const auto& m : bus.mappings()) {
      if (m.space != space) continue;
      const Platform::BlockRecord* b = pc.target_block(m.target);
      out << "  " << hex(m.base, digits) << "-" << hex(m.base + m.size - 1, digits) << "  "
          << pad(bus.target_name(m.target), 14) << (b ? "block " + b->name + " (" + b->type + ", " + b->impl + ")" : "")
          << ((m.offset & PciWiring::kBarTag) ? "  PCI window: BARs decode here"
              : m.offset                       ? "  at offset " + hex(m.offset, 1)
                                               : "")
          << "\n";
    }
  }

  out << "\ninterrupt routing (" << (pc.apic_mode() ? "platform.interrupts: apic" : "platform.interrupts: pic")
      << "; vectors are the firmware's: 8259A ICW2, IOAPIC redirection entries, LAPIC LVT)\n";
  std::vector<std::pair<unsigned, const Platform::NetRecord*>> isa;
  for (const auto* n : pc.nets()) {
    unsigned line;
    if (isa_line(n->name, &line) && !n->drivers.empty()) isa.emplace_back(line, n);
  }
  std::sort(isa.begin(), isa.end());
  for (const auto& [line, n] : isa) {
    std::vector<std::string> readers;
    for (const auto& r : n->readers)
      if (r != "irq_monitor") readers.push_back(r);
    out << "  " << pad(join(n->drivers), 16) << "-> " << pad(n->name, 6) << "-> " << join(readers) << "\n";
  }
  for (const auto* n : pc.nets()) {
    unsigned line;
    if (isa_line(n->name, &line) || n->drivers.empty() || n->readers.empty()) continue;
    if (n->name == "pic_int" || n->name == "pic_cascade" || n->name.rfind("pirq", 0) == 0 ||
        n->name.find(".intr") != std::string::npos)
      out << "  " << pad(join(n->drivers), 16) << "-> " << pad(n->name, 6) << "-> " << join(n->readers) << "\n";
  }

  if (PciWiring* pci = pc.service<PciWiring>("pci")) {
    out << "\nPCI functions (bus 0; BARs as the platform, acting as the BIOS, assigns them at reset)\n";
    for (const auto& f : pci->functions()) {
      PciFunction& fn = *f.fn;
      std::ostringstream line;
      line << "  00:" << std::hex << std::setw(2) << std::setfill('0') << f.device << "." << f.function << "  "
           << std::setw(4) << fn.config_read(PciFunction::VID, 2) << ":" << std::setw(4)
           << fn.config_read(PciFunction::DID, 2) << "  class " << std::setw(6)
           << (fn.config_read(PciFunction::RID, 4) >> 8) << std::dec << "  " << pad(fn.basename(), 10);
      if (fn.interrupt_pin())
        line << "INT" << static_cast<char>('A' + fn.interrupt_pin() - 1) << " -> IRQ "
             << fn.config_read(PciFunction::INTLN, 1) << "  ";
      out << line.str() << "\n";
      for (int n = 0; n < PciFunction::kBars; ++n) {
        const auto& bar = fn.bar(n);
        if (bar.kind == PciFunction::BarKind::none) continue;
        const uint32_t v = fn.config_read(PciFunction::BAR0 + 4 * n, 4);
        const bool io = bar.kind == PciFunction::BarKind::io;
        const uint64_t base = v & (io ? ~3u : ~15u);
        out << "      BAR" << n << "  " << (io ? "I/O    " : "memory ") << hex(base, io ? 4 : 8) << "-"
            << hex(base + bar.size - 1, io ? 4 : 8) << "  (" << bar.size << " bytes)\n";
      }
    }
  }

  out << "\nbus masters (bus.arbitration: " << bus.arbitration.get() << "; smaller priority wins)\n";
  for (size_t i = 0; i < bus.initiator_count(); ++i)
    out << "  " << i << "  " << pad(bus.initiator_name(static_cast<int>(i)), w) << "priority "
        << bus.initiator_priority(static_cast<int>(i)) << "\n";

  // Fault kinds (docs/faults.md): the platform's own, then the blocks'.
  out << "\nfault kinds (faults: in a config, or --fault; docs/faults.md)\n";
  out << "  " << pad("bus", w) << "error, memory_error, wait (range, master, access, nth | probability)\n";
  out << "  " << pad("<net>", w) << "stuck_high, stuck_low, glitch, lost_edge (any net above)\n";
  for (const std::string& service : pc.service_names()) {
    if (service.rfind("fault:", 0) != 0) continue;
    const size_t colon = service.find(':', 6);
    const std::string block = service.substr(6, colon - 6), kind = service.substr(colon + 1);
    const FaultHook* hook = pc.service<FaultHook>(service);
    out << "  " << pad(block, w) << kind << ": " << (hook ? hook->description : "") << "\n";
  }
}

}  // namespace minipc
