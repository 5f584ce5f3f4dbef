// A test initiator that plays the CPU against one register block: read() and
// write() at a local time ahead of SystemC time (as a temporally decoupled CPU
// does), failing the test on any response but OK. Bind `socket` to the
// block's target socket. `script` optionally runs in a thread, for tests that
// must act inside the simulation.
#pragma once

#include <gtest/gtest.h>
#include <tlm_utils/simple_initiator_socket.h>

#include <cstdint>
#include <functional>
#include <systemc>
#include <tlm>

namespace minipc::test {

class RegInitiator : public sc_core::sc_module {
 public:
  SC_HAS_PROCESS(RegInitiator);
  tlm_utils::simple_initiator_socket<RegInitiator> socket{"socket"};
  std::function<void()> script;

  explicit RegInitiator(const sc_core::sc_module_name& nm) : sc_module(nm) { SC_THREAD(run); }

  uint64_t read(uint64_t offset, unsigned len = 1, sc_core::sc_time delay = sc_core::SC_ZERO_TIME) {
    uint64_t v = 0;
    last_status = access(tlm::TLM_READ_COMMAND, offset, reinterpret_cast<uint8_t*>(&v), len, delay);
    EXPECT_EQ(last_status, tlm::TLM_OK_RESPONSE) << "read of offset " << offset;
    return v;
  }
  void write(uint64_t offset, uint64_t v, unsigned len = 1, sc_core::sc_time delay = sc_core::SC_ZERO_TIME) {
    last_status = access(tlm::TLM_WRITE_COMMAND, offset, reinterpret_cast<uint8_t*>(&v), len, delay);
    EXPECT_EQ(last_status, tlm::TLM_OK_RESPONSE) << "write of offset " << offset;
  }
  // The raw access, for tests that expect an error response.
  tlm::tlm_response_status access(tlm::tlm_command cmd, uint64_t offset, uint8_t* data, unsigned len,
                                  sc_core::sc_time& delay) {
    tlm::tlm_generic_payload p;
    p.set_command(cmd);
    p.set_address(offset);
    p.set_data_ptr(data);
    p.set_data_length(len);
    p.set_streaming_width(len);
    p.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    socket->b_transport(p, delay);
    return p.get_response_status();
  }
  tlm::tlm_response_status last_status = tlm::TLM_INCOMPLETE_RESPONSE;

 private:
  void run() {
    if (script) script();
  }
};

}  // namespace minipc::test
