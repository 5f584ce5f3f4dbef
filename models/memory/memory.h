// RAM and ROM: a byte array behind a TLM target socket, with DMI and
// configurable access latency. ROM grants read-only DMI and ignores writes
// (answering TLM_COMMAND_ERROR_RESPONSE so the initiator can report them).
#pragma once

#include <tlm_utils/simple_target_socket.h>

#include <cstdint>
#include <vector>

#include <systemc>
#include <tlm>

#include "core/params.h"

namespace minipc {

class Memory : public sc_core::sc_module {
 public:
  tlm_utils::simple_target_socket<Memory> port{"port"};

  Param<uint64_t> size{this, "size", 64ull << 20, "bytes"};
  Param<sc_core::sc_time> read_latency{this, "read_latency", sc_core::sc_time(20, sc_core::SC_NS),
                                       "latency of one read access"};
  Param<sc_core::sc_time> write_latency{this, "write_latency", sc_core::sc_time(20, sc_core::SC_NS),
                                        "latency of one write access"};
  Param<bool> dmi{this, "dmi", true, "grant direct memory interface pointers"};

  Memory(const sc_core::sc_module_name& nm, bool read_only = false);

  uint8_t* data() { return bytes_.data(); }
  const uint8_t* data() const { return bytes_.data(); }
  uint64_t bytes() const { return bytes_.size(); }
  bool read_only() const { return read_only_; }

  // Tells every DMI holder that [start, end] (offsets) changed under them,
  // e.g. after the loader rewrote code (decode caches must drop it).
  void invalidate_dmi(uint64_t start, uint64_t end);

 private:
  void b_transport(tlm::tlm_generic_payload& p, sc_core::sc_time& delay);
  bool get_direct_mem_ptr(tlm::tlm_generic_payload& p, tlm::tlm_dmi& dmi_data);
  unsigned int transport_dbg(tlm::tlm_generic_payload& p);

  std::vector<uint8_t> bytes_;
  bool read_only_;
};

}  // namespace minipc
