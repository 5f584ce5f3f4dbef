#include "pci/pci_function.h"

#include <algorithm>
#include <sstream>
#include <stdexcept>

#include "core/hex.h"

namespace minipc {

PciFunction::PciFunction(const sc_core::sc_module_name& nm, const Identity& id)
    : sc_core::sc_module(nm),
      config_(std::string(name()) + ".config"),
      identity_(id) {
  bar_regs_ = {&BAR0_R, &BAR1_R, &BAR2_R, &BAR3_R, &BAR4_R, &BAR5_R};
  PCICMD_R.field("IOSE", 0, 1).field("MSE", 1, 1).field("BME", 2, 1).field("PERRE", 6, 1).field("SERRE", 8, 1)
      .field("INTDIS", 10, 1);
  PCICMD_R.on_write = [this](uint64_t v) { write_command(v); };
  PCISTS_R.field("INTS", 3, 1).field("CAPL", 4, 1);
  PCISTS_R.on_write = [this](uint64_t v) { write_status(v); };
  for (int n = 0; n < kBars; ++n) {
    bar_regs_[static_cast<size_t>(n)]->on_write = [this, n](uint64_t v) { write_bar(n, v); };
  }
  apply_identity();
}

void PciFunction::apply_identity() {
  VID_R.set(identity_.vendor_id);
  DID_R.set(identity_.device_id);
  CLASSC_R.set(identity_.class_code);
  RID_R.set(identity_.revision);
  HEDT_R.set(identity_.header_type);
  INTPIN_R.set(identity_.interrupt_pin);
  if (!capabilities_.empty()) {
    CAPPTR_R.set(capabilities_.front().offset);
    PCISTS_R.set(PCISTS_R.get() | STS_CAPL);
    for (size_t i = 0; i < capabilities_.size(); ++i) {
      Register* r = config_.find(capabilities_[i].offset, false);
      const uint8_t next = i + 1 < capabilities_.size() ? capabilities_[i + 1].offset : 0;
      r->set((r->get() & ~0xFFFFull) | capabilities_[i].id | static_cast<uint64_t>(next) << 8);
    }
  }
}

void PciFunction::reset() {
  for (int n = 0; n < kBars; ++n)
    if (bars_[static_cast<size_t>(n)].decoded) {
      if (mapper_) mapper_->unmap_bar(*this, n);
      bars_[static_cast<size_t>(n)].decoded = false;
    }
  config_.reset();
  apply_identity();
  for (int n = 0; n < kBars; ++n) bar_regs_[static_cast<size_t>(n)]->set(bar_low_bits(n));
  intx_level_ = false;
  update_intx();
  reset_state();
}

// ---- configuration accesses ---------------------------------------------------

namespace {
// A configuration cycle carries byte enables inside one dword: any
// contiguous 1-4 bytes that do not cross a dword boundary.
bool aligned_access(unsigned offset, unsigned len) {
  return len >= 1 && len <= 4 && offset < PciFunction::kConfigBytes && offset / 4 == (offset + len - 1) / 4;
}
}  // namespace

uint32_t PciFunction::config_read(unsigned offset, unsigned len) {
  if (!aligned_access(offset, len)) {
    std::ostringstream m;
    m << "config read of " << len << " bytes at 0x" << std::hex << offset << " crosses a dword (a configuration cycle is one dword)";
    SC_REPORT_ERROR(name(), m.str().c_str());
    return 0xFFFFFFFFu;
  }
  uint32_t value = 0;
  for (unsigned i = 0; i < len;) {
    const Register* r = config_.find(offset + i, false);
    if (!r) {  // reserved: reads 0
      ++i;
      continue;
    }
    // The piece of this access inside r, in one bank access (one on_read).
    const unsigned first = offset + i;
    const unsigned end = std::min<unsigned>(offset + len, static_cast<unsigned>(r->offset() + r->size()));
    uint8_t bytes[4] = {};
    config_.read(first, bytes, end - first);
    for (unsigned b = 0; b < end - first; ++b) value |= static_cast<uint32_t>(bytes[b]) << (8 * (first - offset + b));
    i = end - offset;
  }
  return value;
}

void PciFunction::config_write(unsigned offset, unsigned len, uint32_t value) {
  if (!aligned_access(offset, len)) {
    std::ostringstream m;
    m << "config write of " << len << " bytes at 0x" << std::hex << offset << " crosses a dword (a configuration cycle is one dword)";
    SC_REPORT_ERROR(name(), m.str().c_str());
    return;
  }
  for (unsigned i = 0; i < len;) {
    const Register* r = config_.find(offset + i, true);
    if (!r) {  // reserved or read-only: the write is ignored
      ++i;
      continue;
    }
    const unsigned first = offset + i;
    const unsigned end = std::min<unsigned>(offset + len, static_cast<unsigned>(r->offset() + r->size()));
    uint8_t bytes[4] = {};
    for (unsigned b = 0; b < end - first; ++b) bytes[b] = static_cast<uint8_t>(value >> (8 * (first - offset + b)));
    config_.write(first, bytes, end - first);
    i = end - offset;
  }
}

// ---- header registers ---------------------------------------------------------

void PciFunction::write_command(uint64_t v) {
  const uint16_t writable = CMD_IOSE | CMD_MSE | CMD_BME | CMD_PERRE | CMD_SERRE | CMD_INTDIS;
  const uint16_t old = static_cast<uint16_t>(PCICMD_R.get());
  const uint16_t now = static_cast<uint16_t>(v & writable);
  PCICMD_R.set(now);
  if ((old ^ now) & (CMD_IOSE | CMD_MSE))
    for (int n = 0; n < kBars; ++n)
      if (bars_[static_cast<size_t>(n)].kind != BarKind::none) update_decode(n, bar_register(n));
  if ((old ^ now) & CMD_INTDIS) update_intx();
  command_written();
}

void PciFunction::write_status(uint64_t v) {
  // Error bits are write-one-to-clear; Interrupt Status and Capabilities
  // List are read-only.
  PCISTS_R.set(PCISTS_R.get() & ~(v & STS_W1C));
}

void PciFunction::declare_bar(int n, BarKind kind, uint64_t size, bool prefetchable) {
  if (n < 0 || n >= kBars) throw std::invalid_argument(std::string(name()) + ": BAR" + std::to_string(n) + " does not exist");
  const bool pow2 = size && !(size & (size - 1));
  const bool fits = kind == BarKind::io ? size >= 4 && size <= 256 : size >= 16 && size <= 0x80000000ull;
  if (kind == BarKind::none || !pow2 || !fits)
    throw std::invalid_argument(std::string(name()) + ": BAR" + std::to_string(n) + " size " + std::to_string(size) +
                                " is not a power of two in range for its space");
  BarInfo& b = bars_[static_cast<size_t>(n)];
  b.kind = kind;
  b.size = size;
  b.prefetchable = prefetchable;
  bar_regs_[static_cast<size_t>(n)]->set(bar_low_bits(n));
}

uint32_t PciFunction::bar_low_bits(int n) const {
  const BarInfo& b = bars_[static_cast<size_t>(n)];
  if (b.kind == BarKind::io) return 0x1;                      // I/O space indicator
  if (b.kind == BarKind::memory) return b.prefetchable ? 0x8 : 0x0;  // type 00: 32-bit, anywhere
  return 0;
}

bool PciFunction::bar_enabled(int n) const {
  const BarInfo& b = bars_[static_cast<size_t>(n)];
  if (b.kind == BarKind::io) return PCICMD_R.get() & CMD_IOSE;
  if (b.kind == BarKind::memory) return PCICMD_R.get() & CMD_MSE;
  return false;
}

bool PciFunction::bar_window(int n, uint32_t value, uint64_t& base) const {
  const BarInfo& b = bars_[static_cast<size_t>(n)];
  base = value & ~static_cast<uint32_t>(b.size - 1);
  const uint64_t last = base + b.size - 1;
  if (base == 0) return false;
  if (b.kind == BarKind::io) return last <= 0xFFFF;
  return last < 0xFFFFFFFFull;  // the all-ones sizing pattern reaches 0xFFFFFFFF
}

void PciFunction::write_bar(int n, uint64_t v) {
  BarInfo& b = bars_[static_cast<size_t>(n)];
  Register& r = *bar_regs_[static_cast<size_t>(n)];
  if (b.kind == BarKind::none) return;  // unimplemented: reads 0
  const uint32_t old = static_cast<uint32_t>(r.get());
  const uint32_t value = (static_cast<uint32_t>(v) & ~static_cast<uint32_t>(b.size - 1)) | bar_low_bits(n);
  if (value == old) return;
  if (!update_decode(n, value)) {
    std::ostringstream m;
    m << "BAR" << n << " = " << hex(value) << " refused (the window overlaps RAM, a device or another BAR); it keeps "
      << hex(old);
    SC_REPORT_WARNING(name(), m.str().c_str());
    update_decode(n, old);
    return;
  }
  r.set(value);
}

bool PciFunction::update_decode(int n, uint32_t value) {
  BarInfo& b = bars_[static_cast<size_t>(n)];
  uint64_t base = 0;
  const bool want = bar_enabled(n) && bar_window(n, value, base);
  if (b.decoded && (!want || base != b.base)) {
    if (mapper_) mapper_->unmap_bar(*this, n);
    b.decoded = false;
  }
  if (!want || b.decoded) return true;
  if (!mapper_) {
    SC_REPORT_ERROR(name(), "a BAR is enabled but the function has no BAR mapper (set_bar_mapper)");
    return false;
  }
  if (!mapper_->map_bar(*this, n, b.kind == BarKind::io, base, b.size)) return false;
  b.decoded = true;
  b.base = base;
  return true;
}

void PciFunction::bar_transport(int bar, tlm::tlm_generic_payload& p, sc_core::sc_time& delay) {
  p.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
}

// ---- INTx ----------------------------------------------------------------------

void PciFunction::set_intx(bool level) {
  intx_level_ = level;
  update_intx();
}

void PciFunction::update_intx() {
  // Interrupt Status follows the request; the pin follows it unless
  // Interrupt Disable is set (PCI 2.3 §6.2.2-3).
  PCISTS_R.set(intx_level_ ? PCISTS_R.get() | STS_INTS : PCISTS_R.get() & ~uint64_t(STS_INTS));
  const bool drive = intx_level_ && !(PCICMD_R.get() & CMD_INTDIS) && INTPIN_R.get() != 0 && !(msi_ && msi_->enabled());
  if (drive == intx_driven_) return;
  intx_driven_ = drive;
  if (intx_sink_) intx_sink_->set_intx(device_, static_cast<unsigned>(INTPIN_R.get()), drive);
}

// ---- capabilities --------------------------------------------------------------

void PciFunction::add_capability(uint8_t offset, uint8_t id) {
  if (offset < 0x40 || (offset & 3)) throw std::invalid_argument(std::string(name()) + ": capability at " +
                                                                  std::to_string(offset) + " is not in 0x40-0xFC, dword aligned");
  if (!config_.find(offset, false))
    throw std::invalid_argument(std::string(name()) + ": capability at " + std::to_string(offset) + " has no register");
  capabilities_.push_back({offset, id});
  apply_identity();
}

// ---- MSI -----------------------------------------------------------------------

MsiCapability::MsiCapability(PciFunction& fn, uint8_t offset)
    : CAP(fn.config(), "MSI_CAP", offset, 2, kCapId, Access::read_only),
      MC(fn.config(), "MSI_MC", offset + 2u, 2, 0),
      MA(fn.config(), "MSI_MA", offset + 4u, 4, 0),
      MD(fn.config(), "MSI_MD", offset + 8u, 2, 0),
      fn_(fn) {
  MC.write_mask = 0x0071;  // MSIE, Multiple Message Enable (MMC = 0: one vector)
  MA.write_mask = 0xFFFFFFFC;
  // MSI Enable takes INTx# off the pin (and gives it back).
  MC.on_write = [this](uint64_t v) {
    MC.set((MC.get() & ~MC.write_mask) | (v & MC.write_mask));
    fn_.update_intx();
  };
  fn.msi_ = this;
  MC.field("MSIE", 0, 1).field("MMC", 1, 3).field("MME", 4, 3).field("C64", 7, 1);
  fn.add_capability(offset, kCapId);
}

bool MsiCapability::send(tlm::tlm_fw_transport_if<>& master, sc_core::sc_time& delay) {
  if (!enabled() || !fn_.bus_master_enabled()) return false;
  const uint32_t addr = address();
  if ((addr & 0xFFF00000u) != 0xFEE00000u) {
    SC_REPORT_WARNING(fn_.name(), ("MSI message address " + hex(addr) + " is not in the APIC range 0xFEExxxxx").c_str());
    return false;
  }
  uint32_t value = data();  // the upper 16 bits of the dword are 0 (PCI 2.2 §6.8.3)
  tlm::tlm_generic_payload p;
  p.set_command(tlm::TLM_WRITE_COMMAND);
  p.set_address(addr);
  p.set_data_ptr(reinterpret_cast<unsigned char*>(&value));
  p.set_data_length(4);
  p.set_streaming_width(4);
  p.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
  master.b_transport(p, delay);
  return p.is_response_ok();
}

}  // namespace minipc
