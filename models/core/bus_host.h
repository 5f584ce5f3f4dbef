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

#include "core/address_space.h"

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

  // Bus-free windows (docs/bus.md "Bus-free windows"). A master that knows
  // its near future (the CPU in accurate mode) announces the spans in which
  // it will not request the bus; a master that wants to use only such spans
  // (a transparent DMA channel) asks for them here.
  //
  // While `master` wants windows, the announcers announce (it costs them a
  // synchronisation per instruction, so they do it only then).
  virtual void want_windows(int master, bool on) = 0;
  // The span in which no other active master will request the bus, as far
  // as they have announced: [start, end), absolute times (start may lie in
  // the future; end == sc_max_time(): open-ended, a halted CPU). known is
  // false when an active master other than `master` does not announce
  // windows (a fast-mode CPU, a NIC): then nothing is known about its
  // future. A known window with start >= end is no window.
  struct FreeWindow {
    bool known = false;
    sc_core::sc_time start, end;
  };
  virtual FreeWindow free_window(int master) const = 0;
  // Notified (one delta later) whenever an announcer announces; a window
  // whose start lies in the future is the reader's to wait for.
  virtual const sc_core::sc_event& window_changed() const = 0;
  // How long a transaction of len bytes to addr would hold the bus if it
  // were granted at once (bus cycles + the target's latency as seen so
  // far); false when the bus has not yet seen that target answer such a
  // command (its latency is unknown) or nothing answers the address.
  virtual bool transaction_time(tlm::tlm_command cmd, AddressSpace space, uint64_t addr, unsigned len,
                                sc_core::sc_time& t) const = 0;

 protected:
  ~BusMasterHost() = default;
};

// What an announcer of bus-free windows calls (the bus implements it; the
// announcer gets it through a FreeWindowRegistration).
class BusFreeWindows {
 public:
  // True while some master wants windows (BusMasterHost::want_windows).
  virtual bool windows_wanted() const = 0;
  // `master` will not request the bus in [start, end) (absolute times;
  // end == sc_max_time(): until it says otherwise). Replaces its previous
  // window; announce(master, t, t) ends it at t.
  virtual void announce_free(int master, const sc_core::sc_time& start, const sc_core::sc_time& end) = 0;

 protected:
  ~BusFreeWindows() = default;
};

// transport_dbg extension: "I announce my bus-free windows". The bus fills
// in itself and the master index and answers accepted = true; from then on
// the master counts as an announcer in free_window().
struct FreeWindowRegistration : tlm::tlm_extension<FreeWindowRegistration> {
  BusFreeWindows* bus = nullptr;
  int master = -1;
  bool accepted = false;
  tlm::tlm_extension_base* clone() const override { return new FreeWindowRegistration(*this); }
  void copy_from(const tlm::tlm_extension_base& e) override {
    *this = static_cast<const FreeWindowRegistration&>(e);
  }
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
