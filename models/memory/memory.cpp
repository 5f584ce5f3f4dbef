#include "memory/memory.h"

#include <cstring>

namespace minipc {

Memory::Memory(const sc_core::sc_module_name& nm, bool read_only)
    : sc_core::sc_module(nm), read_only_(read_only) {
  if (size.get() == 0 || size.get() > (4ull << 30))
    throw ConfigError(std::string(name()) + ".size: " + std::to_string(size.get()) +
                      " bytes is outside 1 byte .. 4 GiB");
  try {
    bytes_.assign(size.get(), read_only ? 0xFF : 0x00);
  } catch (const std::bad_alloc&) {
    throw ConfigError(size.key() + ": cannot allocate " + std::to_string(size.get()) + " bytes on this host");
  }
  port.register_b_transport(this, &Memory::b_transport);
  port.register_get_direct_mem_ptr(this, &Memory::get_direct_mem_ptr);
  port.register_transport_dbg(this, &Memory::transport_dbg);
}

void Memory::b_transport(tlm::tlm_generic_payload& p, sc_core::sc_time& delay) {
  const uint64_t addr = p.get_address();
  const unsigned len = p.get_data_length();
  if (addr >= bytes_.size() || len > bytes_.size() - addr) {
    p.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
    return;
  }
  if (p.get_byte_enable_ptr()) {
    p.set_response_status(tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE);
    return;
  }
  if (p.is_read()) {
    std::memcpy(p.get_data_ptr(), &bytes_[addr], len);
    delay += read_latency.get();
  } else if (p.is_write()) {
    if (read_only_) {
      p.set_response_status(tlm::TLM_COMMAND_ERROR_RESPONSE);
      return;
    }
    std::memcpy(&bytes_[addr], p.get_data_ptr(), len);
    delay += write_latency.get();
  }
  p.set_dmi_allowed(dmi.get());
  p.set_response_status(tlm::TLM_OK_RESPONSE);
}

bool Memory::get_direct_mem_ptr(tlm::tlm_generic_payload& p, tlm::tlm_dmi& dmi_data) {
  if (!dmi.get() || p.get_address() >= bytes_.size()) return false;
  dmi_data.set_dmi_ptr(bytes_.data());
  dmi_data.set_start_address(0);
  dmi_data.set_end_address(bytes_.size() - 1);
  dmi_data.set_read_latency(read_latency.get());
  dmi_data.set_write_latency(write_latency.get());
  dmi_data.set_granted_access(read_only_ ? tlm::tlm_dmi::DMI_ACCESS_READ : tlm::tlm_dmi::DMI_ACCESS_READ_WRITE);
  return true;
}

unsigned int Memory::transport_dbg(tlm::tlm_generic_payload& p) {
  const uint64_t addr = p.get_address();
  if (addr >= bytes_.size()) return 0;
  const unsigned len = static_cast<unsigned>(std::min<uint64_t>(p.get_data_length(), bytes_.size() - addr));
  if (p.is_read())
    std::memcpy(p.get_data_ptr(), &bytes_[addr], len);
  else if (p.is_write())
    std::memcpy(&bytes_[addr], p.get_data_ptr(), len);  // debuggers may patch ROM too
  return len;
}

void Memory::invalidate_dmi(uint64_t start, uint64_t end) { port->invalidate_direct_mem_ptr(start, end); }

}  // namespace minipc
