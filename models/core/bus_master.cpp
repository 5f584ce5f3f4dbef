#include "core/bus_master.h"

#include "core/hex.h"

namespace minipc {

using sc_core::sc_time;
using sc_core::SC_ZERO_TIME;

BusMaster::BusMaster(const char* socket_name) : socket(socket_name) {}

void BusMaster::attach(BusMasterHost& host, int index) {
  host_ = &host;
  index_ = index;
  host_->set_active(index_, active_);
  if (wants_windows_) host_->want_windows(index_, true);
}

void BusMaster::set_active(bool active) {
  active_ = active;
  if (host_) host_->set_active(index_, active);
}

bool BusMaster::read(AddressSpace space, uint64_t addr, uint8_t* data, unsigned len) {
  return transfer(tlm::TLM_READ_COMMAND, space, addr, data, len);
}

bool BusMaster::write(AddressSpace space, uint64_t addr, const uint8_t* data, unsigned len) {
  // Targets and snoopers do not write into a write payload's data.
  return transfer(tlm::TLM_WRITE_COMMAND, space, addr, const_cast<uint8_t*>(data), len);
}

bool BusMaster::transfer(tlm::tlm_command cmd, AddressSpace space, uint64_t addr, uint8_t* data, unsigned len) {
  sc_time d = SC_ZERO_TIME;
  const bool ok = transport(cmd, space, addr, data, len, d) == tlm::TLM_OK_RESPONSE;
  if (on_granted) on_granted(d);
  sc_core::wait(d);
  return ok;
}

tlm::tlm_response_status BusMaster::transport(tlm::tlm_command cmd, AddressSpace space, uint64_t addr,
                                              uint8_t* data, unsigned len, sc_time& delay) {
  tlm::tlm_generic_payload p;
  AddressSpaceExtension io(AddressSpace::io);
  if (space == AddressSpace::io) p.set_extension(&io);
  p.set_command(cmd);
  p.set_address(addr);
  p.set_data_ptr(data);
  p.set_data_length(len);
  p.set_streaming_width(len);
  p.set_byte_enable_ptr(nullptr);
  p.set_dmi_allowed(false);
  p.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
  socket->b_transport(p, delay);
  if (space == AddressSpace::io) p.clear_extension(&io);
  const tlm::tlm_response_status status = p.get_response_status();
  if (status != tlm::TLM_OK_RESPONSE) {
    failure_ = {cmd == tlm::TLM_WRITE_COMMAND, space, addr, len, status};
    ++failures_;
  }
  return status;
}

std::string BusMaster::describe(const Failure& f) {
  std::string status;
  switch (f.status) {
    case tlm::TLM_ADDRESS_ERROR_RESPONSE: status = "address error"; break;
    case tlm::TLM_COMMAND_ERROR_RESPONSE: status = "command error"; break;
    case tlm::TLM_BURST_ERROR_RESPONSE: status = "burst error"; break;
    case tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE: status = "byte-enable error"; break;
    case tlm::TLM_INCOMPLETE_RESPONSE: status = "no answer"; break;
    default: status = "bus error"; break;
  }
  return status + (f.write ? " writing " : " reading ") + to_string(f.space) + " " + hex(f.address) + " (" +
         std::to_string(f.length) + " bytes)";
}

void BusMaster::observe(std::vector<int> masters) {
  observed_ = std::move(masters);
  observing_ = true;
}

sc_time BusMaster::observed_wait() const {
  sc_time t = SC_ZERO_TIME;
  if (observing())
    for (int m : observed_) t += host_->wait_time(m);
  return t;
}

}  // namespace minipc
