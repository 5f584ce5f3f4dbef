#include "pci_wiring.h"

#include <algorithm>
#include <sstream>

#include "core/hex.h"
#include "core/block.h"

namespace minipc {

// A bus target in front of the BAR windows: tagged offsets are BAR accesses
// (looked up in the decoded windows), untagged ones go to `alias` (a fixed
// window of the function outside PCI decoding) when there is one.
class PciWiring::BarPort : public sc_core::sc_module {
 public:
  tlm_utils::simple_target_socket<BarPort> port{"port"};
  std::function<void(tlm::tlm_generic_payload&, sc_core::sc_time&)> alias;

  BarPort(const sc_core::sc_module_name& nm, PciWiring& owner) : sc_core::sc_module(nm), owner_(owner) {
    port.register_b_transport(this, &BarPort::b_transport);
  }

 private:
  void b_transport(tlm::tlm_generic_payload& p, sc_core::sc_time& delay) {
    if (p.get_address() & kBarTag)
      owner_.bar_access(p, delay);
    else if (alias)
      alias(p, delay);
    else
      p.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
  }
  PciWiring& owner_;
};

namespace {
std::vector<uint64_t> parse_list(const Param<std::string>& p) {
  std::vector<uint64_t> out;
  std::stringstream s(p.get());
  std::string item;
  while (std::getline(s, item, ',')) {
    item.erase(0, item.find_first_not_of(" \t"));
    item.erase(item.find_last_not_of(" \t") + 1);
    try {
      size_t used = 0;
      out.push_back(std::stoull(item, &used, 0));
      if (used != item.size()) throw std::invalid_argument(item);
    } catch (const std::exception&) {
      throw ConfigError(p.key() + ": '" + item + "' is not a number (list like 10,10,11,11)");
    }
  }
  return out;
}

bool valid_isa_irq(uint64_t irq) { return irq <= 15 && irq > 2 && irq != 8 && irq != 13; }
}  // namespace

PciWiring::PciWiring(const sc_core::sc_module_name& nm, const Links& links)
    : sc_core::sc_module(nm), links_(links) {
  Bus& bus = links.bus;
  host_ = std::make_unique<PciHostBridge>("pci_host");
  i440fx_ = std::make_unique<I440fxHostFunction>("i440fx");
  isa_ = std::make_unique<Piix3IsaFunction>("piix3");
  ide_ = std::make_unique<Piix3IdeFunction>("piix3_ide");

  // The disk's engine masters the bus through the IDE function (BME gate),
  // in the place its own connection had (same master index).
  links.disk.master.socket.bind(ide_->master_in);
  disk_master_ = bus.connect_initiator(ide_->master_out, links.disk.basename(), links.disk_bus_priority);
  links.disk.master.attach(bus, disk_master_);
  ide_->bmi.bind(links.disk.bmi);

  bus.map(AddressSpace::io, PciHostBridge::kConfigAddressPort, PciHostBridge::kWindowBytes,
          bus.connect_target(host_->regs, "pci_host"));
  add_function(*i440fx_, kHostDevice, 0, "");
  add_function(*isa_, kPiix3Device, 0, "");
  add_function(*ide_, kPiix3Device, 1, "disk0.bmi");
  if (bmi_mmio_base.get()) {
    ports_.back()->alias = [this](tlm::tlm_generic_payload& p, sc_core::sc_time& d) { ide_->bmi_alias_transport(p, d); };
    bus.map(AddressSpace::memory, bmi_mmio_base.get(), 8, slots_.back().target);
  }
  if (bmi_io_base.get() && (bmi_io_base.get() & (Piix3IdeFunction::kBmibaBytes - 1) ||
                            bmi_io_base.get() + Piix3IdeFunction::kBmibaBytes > 0x10000))
    throw ConfigError(bmi_io_base.key() + ": " + hex(bmi_io_base.get()) +
                      " is not a 16-byte aligned I/O address (the IDE function's BAR4)");

  // INTx: PIRQA-D to the I/O APIC's pins 16-19 and, steered, to the 8259.
  for (unsigned n = 0; n < Piix3IsaFunction::kPirqs; ++n) {
    if (links.pirq[n]) {
      isa_->pirq[n].bind(*links.pirq[n]);
      continue;
    }
    pirq_lines_[n] = std::make_unique<IrqLine>(("pirq" + std::string(1, static_cast<char>('a' + n))).c_str());
    isa_->pirq[n].bind(*pirq_lines_[n]);
    links.ioapic.in[16 + n].bind(*pirq_lines_[n]);
  }
  std::array<bool, 16> drivable{};
  for (uint64_t irq : parse_list(isa_irqs)) {
    if (!valid_isa_irq(irq))
      throw ConfigError(isa_irqs.key() + ": IRQ " + std::to_string(irq) +
                        " is not one the PIIX3 steers to (3-7, 9-12, 14, 15)");
    drivable[irq] = true;
  }
  for (unsigned irq = 0; irq < 16; ++irq) {
    isa_->set_isa_irq_available(irq, drivable[irq]);
    if (drivable[irq]) {
      isa_->isa_irq[irq].bind(*links.isa_irq[irq]);
    } else {
      isa_unused_[irq] = std::make_unique<IrqLine>(("piix3_isa_irq" + std::to_string(irq)).c_str());
      isa_->isa_irq[irq].bind(*isa_unused_[irq]);
    }
  }
  for (Slot& s : slots_) s.fn->set_intx_sink(isa_.get(), s.device);
}

PciWiring::~PciWiring() = default;

void PciWiring::add_function(PciFunction& fn, unsigned device, unsigned function, const std::string& bus_name) {
  host_->attach(fn, device, function);
  fn.set_bar_mapper(this);
  Slot s{&fn, device, function};
  bool has_bars = false;
  for (int n = 0; n < PciFunction::kBars; ++n) has_bars |= fn.bar(n).kind != PciFunction::BarKind::none;
  if (has_bars) {
    const std::string name = bus_name.empty() ? std::string(fn.basename()) + ".bars" : bus_name;
    ports_.push_back(std::make_unique<BarPort>((std::string(fn.basename()) + "_bar_port").c_str(), *this));
    s.target = links_.bus.connect_target(ports_.back()->port, name);
  }
  slots_.push_back(s);
}

void PciWiring::plug(PciFunction& fn, unsigned device, const std::string& key) {
  if (device < 2 || device > 31)
    throw ConfigError(key + ": PCI device " + std::to_string(device) +
                      " is not free on bus 0 (0: host bridge, 1: PIIX3; 2-31 are)");
  for (const Slot& s : slots_)
    if (s.device == device)
      throw ConfigError(key + ": PCI device " + std::to_string(device) + " is taken by " + s.fn->name());
  add_function(fn, device, 0, "");
  fn.set_intx_sink(isa_.get(), device);
}

// ---- BAR decoding ------------------------------------------------------------------

bool PciWiring::window_free(const PciFunction* fn, int bar, bool io, uint64_t base, uint64_t size,
                            std::string* why) const {
  auto fail = [&](const std::string& reason) {
    if (why) *why = reason;
    return false;
  };
  if (io && base + size > 0x10000) return fail("outside the 64 KiB I/O space");
  if (!io && base + size > 0x100000000ull) return fail("outside the 4 GiB memory space");
  for (const Window& w : windows_) {
    if (w.io != io || (w.fn == fn && w.bar == bar)) continue;
    if (base < w.base + w.size && w.base < base + size)
      return fail(std::string("over BAR") + std::to_string(w.bar) + " of " + w.fn->name() + " at " + hex(w.base));
  }
  // Anything else the bus maps there (RAM, a fixed device) refuses it; the
  // BAR's own current window does not.
  const AddressSpace space = io ? AddressSpace::io : AddressSpace::memory;
  const Window* own = nullptr;
  for (const Window& w : windows_)
    if (w.fn == fn && w.bar == bar && w.io == io) own = &w;
  for (const Bus::Mapping& m : links_.bus.mappings()) {
    if (m.space != space || !(base < m.base + m.size && m.base < base + size)) continue;
    if (own && (m.offset & kBarTag) && m.base == own->base) continue;
    return fail("over " + links_.bus.target_name(m.target) + " at " + hex(m.base));
  }
  return true;
}

// The BIOS's BAR ranges, checked once the config is complete.
void PciWiring::end_of_elaboration() {
  if (io_base.get() >= io_limit.get() || io_limit.get() > 0x10000)
    throw ConfigError(io_base.key() + "/" + io_limit.key() + ": [" + hex(io_base.get()) + ", " + hex(io_limit.get()) +
                      ") is not a range of the 64 KiB I/O space");
  if (mem_base.get() >= mem_limit.get() || mem_limit.get() > 0x100000000ull)
    throw ConfigError(mem_base.key() + "/" + mem_limit.key() + ": [" + hex(mem_base.get()) + ", " +
                      hex(mem_limit.get()) + ") is not a range of the 4 GiB memory space");
}

bool PciWiring::map_bar(PciFunction& fn, int bar, bool io, uint64_t base, uint64_t size) {
  std::string why;
  if (!window_free(&fn, bar, io, base, size, &why)) {
    SC_REPORT_WARNING(name(), (std::string(fn.name()) + " BAR" + std::to_string(bar) + " at " + hex(base) + " (" +
                               std::to_string(size) + " bytes) not decoded: " + why).c_str());
    return false;
  }
  // The function's BAR port answers the window; the offset carries the tag
  // and the bus address, so the port finds the BAR (bar_access).
  int target = -1;
  for (const Slot& sl : slots_)
    if (sl.fn == &fn) target = sl.target;
  const AddressSpace space = io ? AddressSpace::io : AddressSpace::memory;
  if (target < 0 || !links_.bus.try_map(space, base, size, target, kBarTag | base, &why)) {
    SC_REPORT_WARNING(name(), (std::string(fn.name()) + " BAR" + std::to_string(bar) + " at " + hex(base) + " (" +
                               std::to_string(size) + " bytes) not decoded: " +
                               (target < 0 ? std::string("the function has no BAR port") : why)).c_str());
    return false;
  }
  windows_.push_back({io, base, size, &fn, bar});
  return true;
}

void PciWiring::unmap_bar(PciFunction& fn, int bar) {
  for (const Window& w : windows_)
    if (w.fn == &fn && w.bar == bar) links_.bus.unmap(w.io ? AddressSpace::io : AddressSpace::memory, w.base);
  windows_.erase(std::remove_if(windows_.begin(), windows_.end(),
                                [&](const Window& w) { return w.fn == &fn && w.bar == bar; }),
                 windows_.end());
}

void PciWiring::bar_access(tlm::tlm_generic_payload& p, sc_core::sc_time& delay) {
  const uint64_t tagged = p.get_address();
  const uint64_t addr = tagged & ~kBarTag;
  const bool io = address_space_of(p) == AddressSpace::io;
  const unsigned len = p.get_data_length();
  for (const Window& w : windows_) {
    if (w.io != io || addr < w.base || addr + len > w.base + w.size) continue;
    p.set_address(addr - w.base);
    w.fn->bar_transport(w.bar, p, delay);
    p.set_address(tagged);
    return;
  }
  p.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
}

// ---- the BIOS ----------------------------------------------------------------------

void PciWiring::run_bios() {
  // PIRQ steering and the ELCR, as SeaBIOS's piix_isa_bridge_setup does.
  const std::vector<uint64_t> pirq = parse_list(pirq_irqs);
  if (pirq.size() != Piix3IsaFunction::kPirqs)
    throw ConfigError(pirq_irqs.key() + ": needs 4 IRQs (PIRQA-D), got '" + pirq_irqs.get() + "'");
  uint16_t elcr = 0;
  for (unsigned n = 0; n < Piix3IsaFunction::kPirqs; ++n) {
    if (pirq[n] && !valid_isa_irq(pirq[n]))
      throw ConfigError(pirq_irqs.key() + ": IRQ " + std::to_string(pirq[n]) +
                        " is not one the PIIX3 steers to (3-7, 9-12, 14, 15; 0 = not routed)");
    isa_->config_write(Piix3IsaFunction::PIRQRCA + n, 1,
                       pirq[n] ? static_cast<uint32_t>(pirq[n]) : uint32_t{Piix3IsaFunction::PIRQRC_IRQEN_N});
    // Level mode only where a PIRQ can reach the 8259: an ELCR bit on a line
    // the PIIX3 may not drive (pci.isa_irqs) would only turn that line's own
    // edge-triggered device (IRQ 10: the DMAC) level-triggered.
    if (pirq[n] && isa_->isa_irq_available(static_cast<unsigned>(pirq[n])))
      elcr |= static_cast<uint16_t>(1u << pirq[n]);
  }
  for (unsigned half = 0; half < 2; ++half) {
    Peripheral& reg = half ? links_.elcr_slave : links_.elcr_master;
    uint8_t v = 0;
    reg.bank().read(0, &v, 1);
    v |= static_cast<uint8_t>(elcr >> (8 * half));
    reg.bank().write(0, &v, 1);
  }

  // Interrupt lines, and decoding off while the BARs move.
  struct Bar {
    Slot* slot;
    int n;
    PciFunction::BarKind kind;
    uint64_t size;
  };
  std::vector<Bar> bars;
  for (Slot& s : slots_) {
    s.fn->config_write(PciFunction::PCICMD, 2, 0);
    const uint8_t pin = s.fn->interrupt_pin();
    if (pin) {
      const uint64_t irq = pirq[Piix3IsaFunction::swizzle(s.device, pin)];
      s.fn->config_write(PciFunction::INTLN, 1, irq ? static_cast<uint32_t>(irq) : 0xFF);
    }
    for (int n = 0; n < PciFunction::kBars; ++n)
      if (s.fn->bar(n).kind != PciFunction::BarKind::none) bars.push_back({&s, n, s.fn->bar(n).kind, s.fn->bar(n).size});
  }

  // BARs: the IDE function's BAR4 where disk0.bmi_io_base says; the others
  // by size (largest first), then device, function, BAR, each at the first
  // aligned free window from pci.io_base / pci.mem_base upward.
  std::stable_sort(bars.begin(), bars.end(), [](const Bar& a, const Bar& b) {
    if (a.size != b.size) return a.size > b.size;
    if (a.slot->device != b.slot->device) return a.slot->device < b.slot->device;
    if (a.slot->function != b.slot->function) return a.slot->function < b.slot->function;
    return a.n < b.n;
  });
  std::vector<Window> placed;
  auto overlaps_placed = [&](bool io, uint64_t base, uint64_t size) {
    return std::any_of(placed.begin(), placed.end(), [&](const Window& w) {
      return w.io == io && base < w.base + w.size && w.base < base + size;
    });
  };
  auto program = [&](const Bar& b, uint64_t base) {
    b.slot->fn->config_write(PciFunction::BAR0 + 4 * b.n, 4, static_cast<uint32_t>(base));
    placed.push_back({b.kind == PciFunction::BarKind::io, base, b.size, b.slot->fn, b.n});
  };
  const bool pin_bmi = bmi_io_base.get() != 0;
  if (pin_bmi) {
    Slot* ide_slot = nullptr;
    for (Slot& sl : slots_)
      if (sl.fn == ide_.get()) ide_slot = &sl;
    const Bar b{ide_slot, Piix3IdeFunction::kBmiba, PciFunction::BarKind::io, Piix3IdeFunction::kBmibaBytes};
    std::string why;
    if (!window_free(ide_.get(), b.n, true, bmi_io_base.get(), b.size, &why))
      throw ConfigError(bmi_io_base.key() + ": BAR4 of " + ide_->name() + " at " + hex(bmi_io_base.get()) + " is " + why);
    program(b, bmi_io_base.get());
  }
  for (const Bar& b : bars) {
    if (pin_bmi && b.slot->fn == ide_.get() && b.n == Piix3IdeFunction::kBmiba) continue;
    const bool io = b.kind == PciFunction::BarKind::io;
    const uint64_t first = io ? io_base.get() : mem_base.get(), limit = io ? io_limit.get() : mem_limit.get();
    uint64_t base = (first + b.size - 1) & ~(b.size - 1);
    while (base + b.size <= limit &&
           (overlaps_placed(io, base, b.size) || !window_free(b.slot->fn, b.n, io, base, b.size, nullptr)))
      base += b.size;
    if (base + b.size > limit)
      throw ConfigError(std::string(io ? io_base.key() : mem_base.key()) + ": no room for BAR" + std::to_string(b.n) +
                        " of " + b.slot->fn->name() + " (" + std::to_string(b.size) + " bytes) below " + hex(limit));
    program(b, base);
  }

  // I/O and memory decoding on, bus mastering off (the driver enables it).
  for (Slot& s : slots_)
    s.fn->config_write(PciFunction::PCICMD, 2, PciFunction::CMD_IOSE | PciFunction::CMD_MSE);
}

std::unique_ptr<PciWiring> build_pci(const PciWiring::Links& links) {
  return std::make_unique<PciWiring>("pci", links);
}

// The chipset as a block type (models/core/block.h). It comes after the
// ata_disk block in the config: it claims the disk's bus-master engine
// (behind the IDE function's Bus Master Enable) and its registers (BAR4).
void register_pci_blocks(BlockRegistry& r) {
  r.add({"i440fx_piix3", "tlm",
         "PCI: host bridge 00:00.0 (mechanism #1 at 0xCF8/0xCFC), PIIX3 ISA bridge 00:01.0 (PIRQ steering), "
         "PIIX3 IDE 00:01.1 (BAR4: the ATA channel's bus-master registers)",
         [](BlockBuilder& b) {
           auto need = [&b](auto* p, const char* what) {
             if (!p) throw ConfigError(b.name() + ".type: an i440fx_piix3 block needs " + std::string(what) +
                                       " earlier in the config");
             return p;
           };
           AtaDiskBlock* disk = need(b.find<AtaDiskBlock>("ata_disk"), "an ata_disk block (the IDE function's channel)");
           IoApic* ioapic = need(b.find<IoApic>("apic.ioapic"), "an ioapic block");
           Peripheral* elcr_master = need(b.find<Peripheral>("elcr.master"), "a pic8259_pair block (the ELCRs)");
           Peripheral* elcr_slave = need(b.find<Peripheral>("elcr.slave"), "a pic8259_pair block (the ELCRs)");
           Bus* bus = need(b.find<Bus>("bus"), "the bus");
           std::array<IrqLine*, 16> isa{};
           for (unsigned i = 0; i < 16; ++i) isa[i] = &b.read("irq" + std::to_string(i), "");  // driven, not read
           std::array<IrqLine*, 4> pirq{};
           for (unsigned n = 0; n < 4; ++n) {
             const std::string net = std::string("pirq") + static_cast<char>('A' + n);
             pirq[n] = &b.drive(net, "piix3." + net);
           }
           disk->claimed = true;
           auto& pci = b.own(build_pci({*bus, *disk->disk, *ioapic, isa, *elcr_master, *elcr_slave,
                                        disk->bus_priority, pirq}));
           // The 8259 inputs the PIIX3 drives (pci.isa_irqs): one driver each.
           for (unsigned i = 0; i < 16; ++i)
             if (pci.isa().isa_irq_available(i)) b.drive("irq" + std::to_string(i), "piix3.irq" + std::to_string(i));
           b.offer<PciWiring>("pci", &pci);
           b.offer<PciSlots>("pci.slots", &pci);
         }});
}

}  // namespace minipc
