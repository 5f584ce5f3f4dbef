// The PCI side of the PC (docs/pci.md): the i440FX-like host bridge with
// configuration mechanism #1 at 0xCF8, the PIIX3-like ISA bridge (00:01.0)
// and IDE function (00:01.1) wrapping the primary ATA channel's bus-master
// registers, the platform's BAR decoding (PciBarMapper over the bus), INTx
// steering to the 8259 and the I/O APIC, and the BIOS's PCI setup at reset.
//
// The block type i440fx_piix3 (register_pci_blocks, below the builder in
// pci_wiring.cpp) calls build_pci() once, after the ata_disk block, whose
// bus-master engine and bmi block it claims: the disk's master index on the
// bus stays where it was.
//
// BAR decoding: a BAR that the firmware (or the BIOS) places while decoding
// is enabled becomes a window on the bus at run time (Bus::try_map, which
// invalidates DMI and the decode cache), answered by the function's BAR port
// with the address tagged; moving the BAR moves the window, clearing the
// command bit unmaps it. A window over RAM, a fixed device or another BAR is
// refused: the BAR keeps its old value, with a warning. The BIOS assigns BARs
// from [pci.io_base, pci.io_limit) and [pci.mem_base, pci.mem_limit).
#pragma once

#include <tlm_utils/simple_target_socket.h>

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <systemc>
#include <tlm>

#include "apic/io_apic.h"
#include "bus/bus.h"
#include "core/irq.h"
#include "core/params.h"
#include "core/peripheral.h"
#include "disk/ata_disk.h"
#include "pci/pci_function.h"
#include "pci/pci_host_bridge.h"
#include "pci/piix3.h"

namespace minipc {

class PciWiring : public sc_core::sc_module, public PciBarMapper, public PciSlots {
 public:
  // What the PCI side connects to. isa_irq: the platform's IRQ lines 0-15
  // (the PIIX3 drives the ones pci.isa_irqs lists); elcr_*: the ELCR
  // registers (0x4D0/0x4D1) the BIOS programs.
  struct Links {
    Bus& bus;
    AtaDisk& disk;
    IoApic& ioapic;
    std::array<IrqLine*, 16> isa_irq;
    Peripheral& elcr_master;
    Peripheral& elcr_slave;
    unsigned disk_bus_priority;
    // PIRQA-D: the nets to drive (the platform's, read by the I/O APIC's
    // pins 16-19). When null, the wiring makes its own lines and binds the
    // I/O APIC's pins to them.
    std::array<IrqLine*, 4> pirq{};
  };

  // Device numbers on bus 0 (as on QEMU's i440FX board).
  static constexpr unsigned kHostDevice = 0, kPiix3Device = 1;
  static constexpr uint64_t kBarTag = 1ull << 40;  // marks tagged BAR window offsets on the bus

  Param<uint64_t> io_base{"pci.io_base", 0xC000, "first I/O address the BIOS gives BARs"};
  Param<uint64_t> io_limit{"pci.io_limit", 0x10000, "end of the BIOS's I/O BAR range"};
  Param<uint64_t> mem_base{"pci.mem_base", 0xFEA00000, "first memory address the BIOS gives BARs"};
  Param<uint64_t> mem_limit{"pci.mem_limit", 0xFEB00000, "end of the BIOS's memory BAR range"};
  Param<std::string> pirq_irqs{"pci.pirq_irqs", "10,10,11,11",
                               "ISA IRQs the BIOS steers PIRQA-D to (PIRQRC; SeaBIOS's choice), 0 = not routed"};
  Param<std::string> isa_irqs{"pci.isa_irqs", "11",
                              "8259 inputs the PIIX3 may drive (lines no other device drives), comma separated"};
  Param<uint64_t> bmi_io_base{"disk0.bmi_io_base", 0xC000,
                              "where the BIOS puts the IDE function's BAR4 (bus-master registers; 0: by the rule)"};
  Param<uint64_t> bmi_mmio_base{"disk0.bmi_mmio_base", 0xFEB01000,
                                "minipc's fixed memory alias of the primary bus-master registers (0: none)"};

  PciWiring(const sc_core::sc_module_name& nm, const Links& links);
  ~PciWiring() override;

  // The disk's bus-master engine's index on the bus (through the IDE
  // function's Bus Master Enable gate).
  int disk_master() const { return disk_master_; }
  PciHostBridge& host() { return *host_; }
  // Plugs a further function (a block of its own, e.g. a NIC) into bus 0 at
  // `device` (2-31), function 0, before the BIOS runs: its BARs get windows
  // and addresses, its INTx pin is swizzled onto a PIRQ. `key` names the
  // config key the device number came from (in errors).
  void plug(PciFunction& fn, unsigned device, const std::string& key) override;
  I440fxHostFunction& host_function() { return *i440fx_; }
  Piix3IsaFunction& isa() { return *isa_; }
  Piix3IdeFunction& ide() { return *ide_; }

  // PciBarMapper
  bool map_bar(PciFunction& fn, int bar, bool io, uint64_t base, uint64_t size) override;
  void unmap_bar(PciFunction& fn, int bar) override;

  // Whether [base, base+size) of the space is free for a BAR of fn (nothing
  // but tagged BAR ports mapped there, no other decoded BAR).
  bool window_free(const PciFunction* fn, int bar, bool io, uint64_t base, uint64_t size, std::string* why) const;

  // The BIOS's PCI setup (docs/pci.md "The platform as the BIOS"); runs at
  // start of simulation, callable again (tests).
  void run_bios();
  // What the end of elaboration and the BIOS do, for `minipc describe`,
  // which never starts the simulation.
  void settle_for_describe() {
    end_of_elaboration();
    run_bios();
  }
  struct FunctionInfo {
    PciFunction* fn;
    unsigned device, function;
  };
  std::vector<FunctionInfo> functions() const {
    std::vector<FunctionInfo> out;
    for (const Slot& s : slots_) out.push_back({s.fn, s.device, s.function});
    return out;
  }

  struct Window {
    bool io;
    uint64_t base, size;
    PciFunction* fn;
    int bar;
  };
  const std::vector<Window>& windows() const { return windows_; }

 private:
  class BarPort;
  void end_of_elaboration() override;
  void start_of_simulation() override { run_bios(); }
  void add_function(PciFunction& fn, unsigned device, unsigned function, const std::string& bus_name);
  void bar_access(tlm::tlm_generic_payload& p, sc_core::sc_time& delay);

  Links links_;
  std::unique_ptr<PciHostBridge> host_;
  std::unique_ptr<I440fxHostFunction> i440fx_;
  std::unique_ptr<Piix3IsaFunction> isa_;
  std::unique_ptr<Piix3IdeFunction> ide_;
  struct Slot {
    PciFunction* fn;
    unsigned device, function;
    int target = -1;  // its BarPort's bus target, -1 without BARs
  };
  std::vector<Slot> slots_;
  std::vector<std::unique_ptr<BarPort>> ports_;
  std::vector<Window> windows_;
  std::array<std::unique_ptr<IrqLine>, Piix3IsaFunction::kPirqs> pirq_lines_;
  std::array<std::unique_ptr<IrqLine>, 16> isa_unused_;  // PIIX3 outputs to lines it may not drive
  int disk_master_ = -1;
};

// Builds the PCI side and connects it to the bus (see Links). Throws
// ConfigError for bad pci.* keys.
std::unique_ptr<PciWiring> build_pci(const PciWiring::Links& links);

}  // namespace minipc
