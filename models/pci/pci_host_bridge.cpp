#include "pci/pci_host_bridge.h"

#include <cstring>
#include <stdexcept>
#include <string>

namespace minipc {

PciHostBridge::PciHostBridge(const sc_core::sc_module_name& nm)
    : sc_core::sc_module(nm),
      config_reads_(StatsRegistry::instance().counter(std::string(name()) + ".config_reads")),
      config_writes_(StatsRegistry::instance().counter(std::string(name()) + ".config_writes")),
      master_aborts_(StatsRegistry::instance().counter(std::string(name()) + ".master_aborts")) {
  regs.register_b_transport(this, &PciHostBridge::b_transport);
  regs.register_transport_dbg(this, &PciHostBridge::transport_dbg);
}

void PciHostBridge::attach(PciFunction& fn, unsigned device, unsigned function) {
  if (device >= kDevices || function >= kFunctions)
    throw std::invalid_argument(std::string(name()) + ": " + fn.name() + " at device " + std::to_string(device) +
                                " function " + std::to_string(function) + " is outside 0-31 / 0-7");
  PciFunction*& slot = functions_[device * kFunctions + function];
  if (slot)
    throw std::invalid_argument(std::string(name()) + ": 00:" + std::to_string(device) + "." +
                                std::to_string(function) + " is already " + slot->name());
  slot = &fn;
}

PciFunction* PciHostBridge::function_at(unsigned device, unsigned function) const {
  if (device >= kDevices || function >= kFunctions) return nullptr;
  return functions_[device * kFunctions + function];
}

uint32_t PciHostBridge::config_read(unsigned bus, unsigned device, unsigned function, unsigned offset, unsigned len) {
  config_reads_.add();
  PciFunction* fn = bus == 0 ? function_at(device, function) : nullptr;
  if (!fn) {
    master_aborts_.add();
    return len >= 4 ? 0xFFFFFFFFu : (1u << (8 * len)) - 1;
  }
  return fn->config_read(offset, len);
}

void PciHostBridge::config_write(unsigned bus, unsigned device, unsigned function, unsigned offset, unsigned len,
                                 uint32_t value) {
  config_writes_.add();
  PciFunction* fn = bus == 0 ? function_at(device, function) : nullptr;
  if (!fn) {
    master_aborts_.add();
    return;
  }
  fn->config_write(offset, len, value);
}

// One I/O bus cycle inside the dword at dword_port: bytes first..first+len-1.
void PciHostBridge::cycle(bool write, uint64_t dword_port, unsigned first, unsigned len, uint8_t* data) {
  if (dword_port == kConfigAddressPort && first == 0 && len == 4) {  // CONFADD
    if (write) {
      uint32_t v;
      std::memcpy(&v, data, 4);
      confadd_ = v & CONFADD_MASK;
    } else {
      std::memcpy(data, &confadd_, 4);
    }
    return;
  }
  if (dword_port == kConfigAddressPort + 4 && (confadd_ & CONFADD_ENABLE)) {  // CONFDATA
    const unsigned bus = (confadd_ >> 16) & 0xFF, device = (confadd_ >> 11) & 0x1F, function = (confadd_ >> 8) & 7;
    const unsigned offset = (confadd_ & 0xFC) + first;
    if (write) {
      uint32_t v = 0;
      std::memcpy(&v, data, len);
      config_write(bus, device, function, offset, len, v);
    } else {
      const uint32_t v = config_read(bus, device, function, offset, len);
      std::memcpy(data, &v, len);
    }
    return;
  }
  // Not a configuration cycle: an ordinary I/O cycle nobody claims.
  if (!write) std::memset(data, 0xFF, len);
}

void PciHostBridge::b_transport(tlm::tlm_generic_payload& p, sc_core::sc_time& delay) {
  const unsigned len = p.get_data_length();
  const uint64_t start = p.get_address();
  if (p.get_byte_enable_ptr() || p.get_streaming_width() < len || len == 0 || len > 4 || start + len > kWindowBytes) {
    p.set_response_status(tlm::TLM_BURST_ERROR_RESPONSE);
    return;
  }
  const bool write = p.is_write();
  uint8_t* data = p.get_data_ptr();
  // One cycle per dword the access touches (see "Misaligned accesses").
  for (uint64_t a = start; a < start + len;) {
    const uint64_t port = kConfigAddressPort + a;
    const uint64_t dword = port & ~uint64_t(3);
    const uint64_t end = std::min<uint64_t>(start + len, dword + 4 - kConfigAddressPort);
    cycle(write, dword, static_cast<unsigned>(port - dword), static_cast<unsigned>(end - a), data + (a - start));
    a = end;
  }
  delay += sc_core::sc_time(1.0 / clock_hz.get(), sc_core::SC_SEC) * static_cast<double>(access_cycles.get());
  p.set_response_status(tlm::TLM_OK_RESPONSE);
}

unsigned int PciHostBridge::transport_dbg(tlm::tlm_generic_payload& p) {
  // Debug reads see CONFADD only (a CONFDATA read has no side effects either,
  // but the debugger has no business starting configuration cycles).
  if (!p.is_read()) return 0;
  const unsigned len = p.get_data_length();
  for (unsigned i = 0; i < len; ++i) {
    const uint64_t a = p.get_address() + i;
    p.get_data_ptr()[i] = a < 4 ? static_cast<uint8_t>(confadd_ >> (8 * a)) : 0xFF;
  }
  return len;
}

}  // namespace minipc
