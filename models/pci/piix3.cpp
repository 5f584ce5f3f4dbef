#include "pci/piix3.h"

#include <algorithm>
#include <string>

namespace minipc {

// ---- 00:01.0 PCI-to-ISA bridge ----------------------------------------------------

Piix3IsaFunction::Piix3IsaFunction(const sc_core::sc_module_name& nm)
    : PciFunction(nm, Identity{0x8086, 0x7000, 0x060100, 0x00, 0x80, 0}) {
  for (Register* r : {&PIRQRCA_R, &PIRQRCB_R, &PIRQRCC_R, &PIRQRCD_R}) {
    r->field("IRQEN_N", 7, 1).field("IRQ", 0, 4);
    r->on_write = [this, r](uint64_t v) { write_pirqrc(*r, v); };
  }
  SC_METHOD(drive_outputs);
  sensitive << changed_;
  dont_initialize();
}

void Piix3IsaFunction::reset_state() {
  sources_.fill(0);
  warned_.reset();
  changed_.notify(sc_core::SC_ZERO_TIME);
}

int Piix3IsaFunction::steered_irq(unsigned n) const {
  const Register* regs[kPirqs] = {&PIRQRCA_R, &PIRQRCB_R, &PIRQRCC_R, &PIRQRCD_R};
  const uint8_t rc = static_cast<uint8_t>(regs[n]->get());
  if (rc & PIRQRC_IRQEN_N) return -1;
  const unsigned irq = rc & PIRQRC_IRQ;
  // 0, 1, 2, 8 and 13 are reserved routings (PIIX3 datasheet, PIRQRC).
  if (irq <= 2 || irq == 8 || irq == 13) return -1;
  return static_cast<int>(irq);
}

void Piix3IsaFunction::write_pirqrc(Register& r, uint64_t v) {
  r.set(v & (PIRQRC_IRQEN_N | PIRQRC_IRQ));
  changed_.notify(sc_core::SC_ZERO_TIME);
}

void Piix3IsaFunction::set_intx(unsigned device, unsigned pin, bool level) {
  if (pin < 1 || pin > 4) return;
  unsigned& n = sources_[swizzle(device, pin)];
  if (level)
    ++n;
  else if (n)
    --n;
  changed_.notify(sc_core::SC_ZERO_TIME);
}

void Piix3IsaFunction::drive_outputs() {
  std::bitset<16> isa;
  for (unsigned n = 0; n < kPirqs; ++n) {
    const bool level = pirq_level(n);
    drive(pirq[n], level);
    const int irq = steered_irq(n);
    if (!level || irq < 0) continue;
    isa.set(static_cast<size_t>(irq));
    if (!available_[static_cast<size_t>(irq)] && !warned_[n]) {
      warned_.set(n);
      const std::string msg = "PIRQ" + std::string(1, static_cast<char>('A' + n)) + " is asserted and steered to IRQ" +
                              std::to_string(irq) + ", which another device drives in this platform: the 8259 does "
                              "not see it (the I/O APIC pin " + std::to_string(16 + n) + " does)";
      SC_REPORT_WARNING(name(), msg.c_str());
    }
  }
  for (unsigned irq = 0; irq < 16; ++irq) drive(isa_irq[irq], isa[irq] && available_[irq]);
}

// ---- 00:01.1 IDE -------------------------------------------------------------------

Piix3IdeFunction::Piix3IdeFunction(const sc_core::sc_module_name& nm)
    : PciFunction(nm, Identity{0x8086, 0x7010, 0x010180, 0x00, 0x00, 0}) {
  declare_bar(kBmiba, BarKind::io, kBmibaBytes);
  master_in.register_b_transport(this, &Piix3IdeFunction::master_transport);
  BMICOM_S.write_mask = 0x09;
  BMISTA_S.write_mask = 0x60;
  BMISTA_S.on_write = [this](uint64_t v) {
    // Error and Interrupt are write-one-to-clear; the drive DMA bits are R/W.
    BMISTA_S.set((BMISTA_S.get() & ~(v & 0x06) & ~0x60ull) | (v & 0x60));
  };
  BMIDTP_S.write_mask = 0xFFFFFFFC;
}

void Piix3IdeFunction::bar_transport(int bar, tlm::tlm_generic_payload& p, sc_core::sc_time& delay) {
  if (bar != kBmiba) return PciFunction::bar_transport(bar, p, delay);
  const uint64_t offset = p.get_address();
  const unsigned len = p.get_data_length();
  if (offset + len <= 8) {
    bmi->b_transport(p, delay);
    return;
  }
  if (offset >= 8 && offset + len <= kBmibaBytes) {
    p.set_address(offset - 8);
    secondary_.transport(p);
    p.set_address(offset);
    if (p.get_response_status() == tlm::TLM_ADDRESS_ERROR_RESPONSE && p.is_read()) {  // reserved bytes read 0
      std::fill(p.get_data_ptr(), p.get_data_ptr() + len, 0);
      p.set_response_status(tlm::TLM_OK_RESPONSE);
    } else if (p.get_response_status() == tlm::TLM_ADDRESS_ERROR_RESPONSE) {
      p.set_response_status(tlm::TLM_OK_RESPONSE);
    }
    return;
  }
  p.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);  // straddles the two channels
}

void Piix3IdeFunction::master_transport(tlm::tlm_generic_payload& p, sc_core::sc_time& delay) {
  if (!bus_master_enabled()) {
    ++master_aborts_;
    p.set_response_status(tlm::TLM_GENERIC_ERROR_RESPONSE);
    return;
  }
  master_out->b_transport(p, delay);
}

}  // namespace minipc
