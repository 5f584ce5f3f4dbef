// The 82371SB (PIIX3) functions the PC's PCI side needs (docs/pci.md):
//
// Piix3IsaFunction, 00:01.0 (8086:7000, class 06 01 00, multi-function):
// the PCI-to-ISA bridge with the PIRQ steering of PCI interrupts.
//   PIRQRC[A:D] (0x60-0x63): bit 7 IRQEN# (1: not routed), bits 3:0 the ISA
//   IRQ the PIRQ# line is steered to (3-7, 9-12, 14, 15; 0-2, 8 and 13 are
//   reserved and route nowhere). Reset 0x80.
// It is the PciIntxSink of every function: INTA#-INTD# of device d reach
// PIRQ[(d + pin - 1) mod 4] (the PC's swizzle, as on QEMU's i440FX board);
// each PIRQ is the wired OR of its sources. Outputs:
//   pirq[0..3] - PIRQA#..PIRQD# as active-high levels (the I/O APIC's pins
//                16-19 on a PC);
//   isa_irq[n] - ISA IRQ n: the OR of the PIRQs steered to n. The 8259
//                needs its ELCR bit set for such a level-triggered, shared
//                line (the BIOS does it).
// A line the platform does not let the PIIX3 drive (set_isa_irq_available)
// still follows the steering; a PIRQ asserted while routed to one is
// reported once with a warning.
//
// Piix3IdeFunction, 00:01.1 (8086:7010, class 01 01 80: bus-master IDE,
// both channels in legacy mode at 0x1F0/0x3F6 and 0x170/0x376, IRQ 14/15, no
// INTx pin):
//   BAR4 = BMIBA, 16 bytes of I/O: bytes 0-7 the primary channel's bus-master
//   registers, served by the ATA model's `bmi` block through the `bmi`
//   initiator socket; bytes 8-15 the secondary channel's BMICOM/BMISTA/BMIDTP,
//   plain storage (no secondary drive is modelled).
//   IDETIM primary/secondary (0x40, 0x42): storage (timings do not change
//   this model's speeds).
//   The engine's bus cycles pass through `master_in` -> `master_out`, gated
//   by PCICMD.BME: with Bus Master Enable clear a cycle ends in a master abort
//   (TLM_GENERIC_ERROR_RESPONSE; the ATA engine then sets BMISTA.Error).
#pragma once

#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include <array>
#include <bitset>
#include <cstdint>

#include <systemc>
#include <tlm>

#include "core/irq.h"
#include "core/register_bank.h"
#include "pci/pci_function.h"

namespace minipc {

class Piix3IsaFunction : public PciFunction, public PciIntxSink {
 public:
  SC_HAS_PROCESS(Piix3IsaFunction);
  enum : uint8_t { PIRQRCA = 0x60 };
  enum : uint8_t { PIRQRC_IRQEN_N = 0x80, PIRQRC_IRQ = 0x0F };
  static constexpr unsigned kPirqs = 4;

  sc_core::sc_vector<IrqOut> pirq{"pirq", kPirqs};
  sc_core::sc_vector<IrqOut> isa_irq{"isa_irq", 16};

  explicit Piix3IsaFunction(const sc_core::sc_module_name& nm);

  // The PIRQ an INTx pin (1..4) of `device` reaches.
  static unsigned swizzle(unsigned device, unsigned pin) { return (device + pin - 1) % kPirqs; }
  // The ISA IRQ PIRQ n is steered to, or -1 when not routed.
  int steered_irq(unsigned n) const;
  bool pirq_level(unsigned n) const { return sources_[n] > 0; }
  // Whether the platform lets the PIIX3 drive ISA IRQ n (default: none).
  void set_isa_irq_available(unsigned n, bool available) { available_[n] = available; }
  bool isa_irq_available(unsigned n) const { return n < 16 && available_[n]; }

  void set_intx(unsigned device, unsigned pin, bool level) override;

  Register PIRQRCA_R{config_, "PIRQRCA", PIRQRCA + 0, 1, 0x80};
  Register PIRQRCB_R{config_, "PIRQRCB", PIRQRCA + 1, 1, 0x80};
  Register PIRQRCC_R{config_, "PIRQRCC", PIRQRCA + 2, 1, 0x80};
  Register PIRQRCD_R{config_, "PIRQRCD", PIRQRCA + 3, 1, 0x80};

 protected:
  void reset_state() override;

 private:
  void write_pirqrc(Register& r, uint64_t v);
  void drive_outputs();  // the one writer of pirq and isa_irq
  std::array<unsigned, kPirqs> sources_{};
  std::bitset<16> available_;
  std::bitset<kPirqs> warned_;
  sc_core::sc_event changed_;
};

class Piix3IdeFunction : public PciFunction {
 public:
  static constexpr int kBmiba = 4;
  static constexpr uint64_t kBmibaBytes = 16;
  enum : uint8_t { IDETIM_PRI = 0x40, IDETIM_SEC = 0x42 };

  tlm_utils::simple_initiator_socket<Piix3IdeFunction> bmi{"bmi"};  // to the ATA model's bmi block
  tlm_utils::simple_target_socket<Piix3IdeFunction> master_in{"master_in"};      // from the ATA engine
  tlm_utils::simple_initiator_socket<Piix3IdeFunction> master_out{"master_out"};  // to the bus

  explicit Piix3IdeFunction(const sc_core::sc_module_name& nm);

  void bar_transport(int bar, tlm::tlm_generic_payload& p, sc_core::sc_time& delay) override;
  // The primary channel's registers reached outside BAR decoding (minipc's
  // memory-mapped alias of them, docs/disk.md): straight to `bmi`.
  void bmi_alias_transport(tlm::tlm_generic_payload& p, sc_core::sc_time& delay) { bmi->b_transport(p, delay); }

  Register IDETIM_PRI_R{config_, "IDETIM_PRI", IDETIM_PRI, 2, 0};
  Register IDETIM_SEC_R{config_, "IDETIM_SEC", IDETIM_SEC, 2, 0};

  // The secondary channel's bus-master registers (BMIBA + 8).
  RegisterBank secondary_{std::string(name()) + ".bmi_secondary"};
  Register BMICOM_S{secondary_, "BMICOM", 0, 1, 0};
  Register BMISTA_S{secondary_, "BMISTA", 2, 1, 0};
  Register BMIDTP_S{secondary_, "BMIDTP", 4, 4, 0};

  uint64_t master_aborts() const { return master_aborts_; }

 protected:
  void reset_state() override { secondary_.reset(); }

 private:
  void master_transport(tlm::tlm_generic_payload& p, sc_core::sc_time& delay);
  uint64_t master_aborts_ = 0;
};

}  // namespace minipc
