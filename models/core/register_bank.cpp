#include "core/register_bank.h"
#include "core/hex.h"

#include <cstring>
#include <sstream>

namespace minipc {

Register::Register(RegisterBank& bank, std::string name, uint64_t offset, unsigned size_bytes,
                   uint64_t reset_value, Access access)
    : name_(std::move(name)),
      offset_(offset),
      size_(size_bytes),
      reset_value_(reset_value),
      access_(access),
      value_(reset_value) {
  bank.add(this);
}

Register& Register::field(const std::string& field_name, unsigned lsb, unsigned width) {
  fields_.push_back({field_name, lsb, width});
  return *this;
}

uint64_t Register::get_field(const std::string& field_name) const {
  for (const auto& f : fields_)
    if (f.name == field_name) return (value_ & f.mask()) >> f.lsb;
  throw std::out_of_range("register " + name_ + " has no field " + field_name);
}

void RegisterBank::reset() {
  for (Register* r : regs_) r->reset();
}

Register* RegisterBank::find(uint64_t offset, bool write) const {
  for (Register* r : regs_) {
    if (offset < r->offset() || offset >= r->offset() + r->size()) continue;
    if ((write ? r->writable() : r->readable()) && r->is_selected()) return r;
  }
  return nullptr;
}

namespace {
// The register covering offset at all (any direction), for diagnostics.
Register* any_at(const std::vector<Register*>& regs, uint64_t offset) {
  for (Register* r : regs)
    if (offset >= r->offset() && offset < r->offset() + r->size() && r->is_selected()) return r;
  return nullptr;
}
}  // namespace

RegisterBank::Result RegisterBank::read(uint64_t offset, uint8_t* data, unsigned len) {
  Register* r = find(offset, false);
  if (!r) {
    if (Register* w = any_at(regs_, offset)) {
      SC_REPORT_WARNING(owner_.c_str(), ("read of write-only register " + w->name() + " at offset " +
                                         hex(offset) + " returns 0").c_str());
      std::memset(data, 0, len);
      return Result::write_only;
    }
    return Result::unmapped;
  }
  const uint64_t shift = offset - r->offset();
  if (shift + len > r->size()) return Result::misaligned;
  const uint64_t value = (r->on_read ? r->on_read() : r->get()) & r->size_mask();
  for (unsigned i = 0; i < len; ++i) data[i] = static_cast<uint8_t>(value >> (8 * (shift + i)));
  return Result::ok;
}

RegisterBank::Result RegisterBank::write(uint64_t offset, const uint8_t* data, unsigned len) {
  Register* r = find(offset, true);
  if (!r) {
    if (Register* ro = any_at(regs_, offset)) {
      uint64_t v = 0;
      for (unsigned i = 0; i < len && i < 8; ++i) v |= static_cast<uint64_t>(data[i]) << (8 * i);
      SC_REPORT_WARNING(owner_.c_str(), ("write of " + hex(v) + " to read-only register " + ro->name() +
                                         " at offset " + hex(offset) + " ignored").c_str());
      return Result::read_only;
    }
    return Result::unmapped;
  }
  const uint64_t shift = offset - r->offset();
  if (shift + len > r->size()) return Result::misaligned;
  // Merge the written bytes into the current value (a narrow write keeps the rest).
  uint64_t merged = r->get();
  for (unsigned i = 0; i < len; ++i) {
    const unsigned bit = static_cast<unsigned>(8 * (shift + i));
    merged = (merged & ~(0xFFull << bit)) | (static_cast<uint64_t>(data[i]) << bit);
  }
  if (r->on_write) {
    r->on_write(merged & r->size_mask());
  } else {
    r->set((r->get() & ~r->write_mask) | (merged & r->write_mask));
  }
  return Result::ok;
}

void RegisterBank::transport(tlm::tlm_generic_payload& p) {
  const unsigned len = p.get_data_length();
  if (p.get_byte_enable_ptr() || p.get_streaming_width() < len || len == 0 || len > 8) {
    p.set_response_status(tlm::TLM_BURST_ERROR_RESPONSE);
    return;
  }
  Result r = Result::ok;
  if (p.is_read())
    r = read(p.get_address(), p.get_data_ptr(), len);
  else if (p.is_write())
    r = write(p.get_address(), p.get_data_ptr(), len);
  else {
    p.set_response_status(tlm::TLM_OK_RESPONSE);
    return;
  }
  switch (r) {
    case Result::ok:
    case Result::read_only:
    case Result::write_only:
      p.set_response_status(tlm::TLM_OK_RESPONSE);
      break;
    case Result::unmapped:
      p.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
      break;
    case Result::misaligned:
      p.set_response_status(tlm::TLM_BURST_ERROR_RESPONSE);
      break;
  }
}

}  // namespace minipc
