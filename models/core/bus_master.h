// The bus-master kit: what a device that masters the bus embeds (the DMAC,
// the disk's bus-master IDE engine, the NIC). docs/bus.md, "the kit".
//
//   socket       the initiator socket (b_transport only: never DMI, never
//                host pointers);
//   read/write   one transaction of N bytes at an address of a space, built
//                here (no byte enables, streaming width N, DMI not allowed),
//                issued at the calling thread's time; the thread then waits
//                until the transaction is over (the grant and the bus
//                occupancy the bus annotates);
//   set_active   the quiet/active state the bus keeps per master ("quiet
//                masters"): a device declares itself quiet while idle and
//                active no later than the local time of its first request;
//   last_failure what the last access that was not answered OK was, for the
//                device's error status and its messages;
//   observe      the bus's wait figures of other masters (the DMAC reports
//                the CPU stall it causes from them);
//   windows      the bus-free windows the other masters announce
//                (core/bus_host.h; transparent DMA uses only those).
//
// The platform connects it with bus.connect_master(dev.master, name,
// priority): the bus binds the socket and calls attach() with itself (as a
// BusMasterHost) and the master's index. Unattached (socket bound by hand, or
// not at all) the kit still moves data; set_active and observe then do
// nothing.
#pragma once

#include <tlm_utils/simple_initiator_socket.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <systemc>
#include <tlm>

#include "core/address_space.h"
#include "core/bus_host.h"

namespace minipc {

class BusMaster {
 public:
  // Construct as a member of the device (the socket is named under it:
  // "dma.master").
  explicit BusMaster(const char* socket_name = "master");
  BusMaster(const BusMaster&) = delete;
  BusMaster& operator=(const BusMaster&) = delete;

  tlm_utils::simple_initiator_socket<BusMaster> socket;

  // Called by the host when it connects the socket. Applies the state given
  // to set_active() so far.
  void attach(BusMasterHost& host, int index);
  BusMasterHost* host() const { return host_; }
  int index() const { return index_; }  // -1 until attached

  // Quiet (false) or active (true); a master starts active.
  void set_active(bool active);
  bool active() const { return active_; }

  // One transaction from the calling SC_THREAD: true when answered OK.
  bool read(AddressSpace space, uint64_t addr, uint8_t* data, unsigned len);
  bool write(AddressSpace space, uint64_t addr, const uint8_t* data, unsigned len);
  bool read(uint64_t addr, uint8_t* data, unsigned len) { return read(AddressSpace::memory, addr, data, len); }
  bool write(uint64_t addr, const uint8_t* data, unsigned len) { return write(AddressSpace::memory, addr, data, len); }

  // The same transaction without the wait, for a device that keeps its own
  // local time (temporal decoupling): issued at sc_time_stamp() + delay;
  // on return delay is where the transaction ends, relative to
  // sc_time_stamp() (the bus may have waited inside). on_granted is not
  // called. Records a failure like read()/write().
  tlm::tlm_response_status transport(tlm::tlm_command cmd, AddressSpace space, uint64_t addr, uint8_t* data,
                                     unsigned len, sc_core::sc_time& delay);

  // Called when the bus hands a read()/write() back, with the time it still
  // takes from now (when masters arbitrate, the bus returns at the grant
  // with the occupancy), before the thread waits for it. The DMAC raises
  // HLDA and counts its bus time here.
  std::function<void(const sc_core::sc_time& remaining)> on_granted;

  // The last access that was not answered TLM_OK_RESPONSE.
  struct Failure {
    bool write = false;
    AddressSpace space = AddressSpace::memory;
    uint64_t address = 0;
    unsigned length = 0;
    tlm::tlm_response_status status = tlm::TLM_OK_RESPONSE;
  };
  const Failure& last_failure() const { return failure_; }
  uint64_t failures() const { return failures_; }
  // "address error writing memory 0x2000 (4 bytes)".
  static std::string describe(const Failure& f);

  // Bus-free windows (BusMasterHost): while wanted, the announcers
  // announce. Unattached: no window is known.
  void want_windows(bool on) {
    wants_windows_ = on;
    if (host_) host_->want_windows(index_, on);
  }
  BusMasterHost::FreeWindow free_window() const {
    return host_ ? host_->free_window(index_) : BusMasterHost::FreeWindow{};
  }
  // nullptr when unattached.
  const sc_core::sc_event* window_changed() const { return host_ ? &host_->window_changed() : nullptr; }
  // The time a transaction would hold the bus once granted; false when
  // unknown (BusMasterHost::transaction_time).
  bool transaction_time(tlm::tlm_command cmd, AddressSpace space, uint64_t addr, unsigned len,
                        sc_core::sc_time& t) const {
    return host_ && host_->transaction_time(cmd, space, addr, len, t);
  }

  // The bus's wait figures of these masters (indices as the bus gave them).
  void observe(std::vector<int> masters);
  // Attached and observe() called.
  bool observing() const { return host_ && observing_; }
  // The sum of their waits so far (zero when not observing).
  sc_core::sc_time observed_wait() const;

 private:
  bool transfer(tlm::tlm_command cmd, AddressSpace space, uint64_t addr, uint8_t* data, unsigned len);

  BusMasterHost* host_ = nullptr;
  int index_ = -1;
  bool active_ = true;
  bool wants_windows_ = false;
  Failure failure_;
  uint64_t failures_ = 0;
  bool observing_ = false;
  std::vector<int> observed_;
};

}  // namespace minipc
