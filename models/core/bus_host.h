// What an interconnect offers the masters connected to it (docs/bus.md, on
// bus masters and the kit), without naming the interconnect.
//
// Models never include the bus: a bus-master device embeds the kit of
// core/bus_master.h, and the bus (models/bus) implements BusMasterHost and
// hands itself to the kit when the platform connects it. An initiator that
// only has its socket (the CPU) registers what it offers the bus through that
// socket, with a transport_dbg carrying one of the extensions below; the bus
// answers accepted = true and ties the registration to the master that owns
// the socket.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include <systemc>
#include <tlm>

namespace minipc {

class BusMasterHost {
 public:
  // Declares whether `master` may issue requests now ("quiet masters": a
  // quiet master costs the others no synchronisation). Every master starts
  // active.
  virtual void set_active(int master, bool active) = 0;
  // The time `master` has waited for the bus so far (arbitration and the
  // busy timeline).
  virtual sc_core::sc_time wait_time(int master) const = 0;
  // The name the master was connected with ("cpu0", "dma").
  virtual const std::string& initiator_name(int master) const = 0;

 protected:
  ~BusMasterHost() = default;
};

// A snoop callback: is_write, bus address, the payload's data, its length.
using BusSnooper = std::function<void(bool is_write, uint64_t addr, const unsigned char* data, unsigned len)>;

// transport_dbg extension: "call this snooper for every memory access of the
// other masters" (a cache's snoop port). Carries no address or data.
struct SnoopRegistration : tlm::tlm_extension<SnoopRegistration> {
  BusSnooper snooper;
  bool accepted = false;
  tlm::tlm_extension_base* clone() const override { return new SnoopRegistration(*this); }
  void copy_from(const tlm::tlm_extension_base& e) override { *this = static_cast<const SnoopRegistration&>(e); }
};

// What a master can say about the access it is making, for the message of a
// fatal bus error (the CPU: "EIP=0x00101234"). Called only while that access
// is in the bus.
using MasterContext = std::function<std::string()>;

// transport_dbg extension: "describe my accesses with this".
struct MasterContextRegistration : tlm::tlm_extension<MasterContextRegistration> {
  MasterContext context;
  bool accepted = false;
  tlm::tlm_extension_base* clone() const override { return new MasterContextRegistration(*this); }
  void copy_from(const tlm::tlm_extension_base& e) override {
    *this = static_cast<const MasterContextRegistration&>(e);
  }
};

// Sends a registration (SnoopRegistration, MasterContextRegistration)
// through an initiator socket: a transport_dbg with no address or data.
// True when the bus took it (a target bound straight to the socket does not).
template <typename Socket, typename Registration>
bool register_through(Socket& socket, Registration& registration) {
  tlm::tlm_generic_payload p;
  p.set_command(tlm::TLM_IGNORE_COMMAND);
  p.set_address(0);
  p.set_data_length(0);
  p.set_extension(&registration);
  socket->transport_dbg(p);
  p.clear_extension(&registration);
  return registration.accepted;
}

}  // namespace minipc
