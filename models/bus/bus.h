// The interconnect: one bus with a memory map and an I/O map.
//
// Initiators (CPUs, DMA, bus-master devices) bind to `targ_socket`; targets
// (RAM, ROM, register blocks) are reached through `init_socket`. A target is
// mapped into the memory space, the I/O space or both; the payload address is
// rewritten to base-relative offset (+ a mapping offset). DMI requests are
// forwarded with address translation both ways. Maps may change while the
// simulation runs (try_map, unmap, remap): the DMI regions granted for the
// ranges concerned are invalidated.
//
// Unmapped addresses answer TLM_ADDRESS_ERROR_RESPONSE (bus.unmapped=ones,
// the default: the CPU then reads all ones, a DMA engine reports a bus
// error). With bus.unmapped=error such an access is a machine check: the bus
// stops the simulation (StopReason::bus_fatal) with a message naming the
// master, the space, the address and what the master says about itself (the
// CPU: its EIP), and the master never sees the answer.
//
// Bus masters: a device embeds the kit of core/bus_master.h and is connected
// with connect_master(); the bus is its BusMasterHost (quiet/active state,
// wait figures). Other initiators bind with connect_initiator().
//
// Contention (DESIGN.md §2): the bus is one shared resource with a busy
// timeline. A transaction occupies it for address_cycles + data beats plus the
// target's latency (the bus is not split: it is held while the target
// answers). With one initiator, the wait is computed from the timeline
// without synchronising (start = max(local time, busy_until)). With two or
// more initiators, each request synchronises to its local time and waits for
// a grant; when requests meet, the arbitration policy decides:
//   fixed_priority - the lowest priority number wins, ties by connection order
//   round_robin    - the next initiator after the last one granted wins
// Waits and occupancy are counted per initiator and per target; `owner` shows
// the initiator holding the bus (-1 when idle) for the VCD.
//
// Quiet masters: a master that is idle most of the time (a DMA engine, a
// bus-master disk) can be declared quiet with set_active(master, false) and
// says when it becomes active. "One initiator" above means "no other master
// active": an idle DMAC does not cost the CPU a synchronisation per access.
// A quiet master must become active no later than the local time of its
// first request, which holds for engines started by a CPU register write
// (they become active in that write, and start at its local time or later).
//
// Bus-free windows (core/bus_host.h, docs/bus.md): an announcer (the CPU in
// accurate mode, registered with a FreeWindowRegistration through its
// socket) says in which span it will not request the bus; a master that
// wants windows (a transparent DMA channel, through its kit) reads the
// intersection of the other active masters' windows with free_window().
// The bus only keeps the latest window of each announcer; it does not
// enforce them.
//
// Faults on purpose (docs/faults.md): add_fault() adds a rule that matches
// accesses by space, address range, master and command; for each matching
// access its `fire` decides (trigger, probability, count) what happens: an
// error response (the target never sees the access; a read returns all
// ones), a memory error (the same, and a MachineCheckExtension on the
// payload for a CPU's machine-check architecture) or extra wait states (the
// target answers later, holding the bus). DMI is never granted over a
// memory-space rule's range, so a CPU in fast mode meets it too. Without
// rules an access pays one empty() test.
//
// Snooping: add_snooper(own_master, fn) registers a cache's snoop port. fn is
// called for every memory-space read and write of any other master (b_transport
// and transport_dbg), after decode succeeded and before the transaction
// reaches the target (after the grant when arbitrating), with the bus address,
// the payload's data and length. A cache writes a dirty line back there (with
// transport_dbg), so the target then sees the CPU's data, and drops lines a
// write touches. An initiator that cannot name its master (the CPU does not
// know the bus) registers through its socket with a transport_dbg carrying a
// SnoopRegistration extension (core/bus_host.h); the bus answers accepted =
// true. A MasterContextRegistration registers the master's context the same
// way.
#pragma once

#include <tlm_utils/multi_passthrough_initiator_socket.h>
#include <tlm_utils/multi_passthrough_target_socket.h>

#include <cstdint>
#include <array>
#include <deque>
#include <functional>
#include <iosfwd>
#include <memory>
#include <string>
#include <vector>

#include <systemc>
#include <tlm>

#include "core/address_space.h"
#include "core/bus_host.h"
#include "core/bus_master.h"
#include "core/params.h"

namespace minipc {

class Bus : public sc_core::sc_module, public BusMasterHost, public BusFreeWindows {
 public:
  tlm_utils::multi_passthrough_target_socket<Bus> targ_socket{"targ_socket"};
  tlm_utils::multi_passthrough_initiator_socket<Bus> init_socket{"init_socket"};

  Param<std::string> arbitration{this, "arbitration", "fixed_priority", "fixed_priority or round_robin"};
  Param<double> clock_hz{this, "clock_hz", 100e6, "bus clock (Hz)"};
  Param<uint64_t> width_bytes{this, "width_bytes", 4, "bytes per data beat"};
  Param<uint64_t> address_cycles{this, "address_cycles", 1, "bus cycles of the address phase"};
  Param<bool> contention{this, "contention", true, "model the busy timeline and arbitration"};
  Param<std::string> unmapped{this, "unmapped", "ones",
                              "an access nobody answers: ones (TLM address error; the CPU reads all ones, "
                              "a DMA engine reports a bus error) or error (machine check: the simulation stops)"};

  // The initiator holding the bus (connection index), -1 when idle.
  // Written only while someone watches it (watch_owner()): the waveform
  // (a VCD being recorded when the simulation starts) or a model that waits
  // on it (the DMAC's idle-bus rule). Unwatched, the changes are kept (and
  // the past ones dropped) without an event or a process run per
  // transaction; watch_owner() brings the signal up to date (one delta).
  sc_core::sc_signal<int> owner{"owner", -1};
  int watch_owner();
  bool owner_watched() const { return owner_watched_; }

  explicit Bus(const sc_core::sc_module_name& nm);

  // Elaboration: connect sockets and build the maps. An initiator is a bus
  // master; several sockets of one master (a CPU's mem and io sockets) name
  // the same master and share its arbitration slot and stats. Returns the
  // master's index, as used in `owner`.
  template <typename InitiatorSocket>
  int connect_initiator(InitiatorSocket& s, const std::string& master_name, unsigned priority = 0) {
    // What tlm_base_initiator_socket::bind does, on the socket bases: works
    // for any initiator socket type (the platform passes them as bases).
    (s.get_base_port())(targ_socket.get_base_interface());
    (targ_socket.get_base_port())(s.get_base_interface());
    int index = -1;
    for (size_t i = 0; i < initiators_.size(); ++i)
      if (initiators_[i]->name == master_name) index = static_cast<int>(i);
    if (index < 0) {
      initiators_.push_back(std::make_unique<Initiator>(master_name, priority));
      index = static_cast<int>(initiators_.size() - 1);
      ++active_count_;
    }
    socket_master_.push_back(index);
    return index;
  }
  // A device's bus-master kit: connects its socket, then hands the kit this
  // bus and the master's index (the kit applies its quiet/active state).
  int connect_master(BusMaster& kit, const std::string& master_name, unsigned priority = 0) {
    const int index = connect_initiator(kit.socket, master_name, priority);
    kit.attach(*this, index);
    return index;
  }
  // Declares whether a master may issue requests now (see "Quiet masters").
  // Every master starts active.
  void set_active(int master, bool active) override;
  bool active(int master) const { return initiators_.at(static_cast<size_t>(master))->active; }
  // Names what a master is doing in the message of a fatal unmapped access
  // (bus.unmapped=error); an initiator that only has its socket registers
  // with a MasterContextRegistration instead.
  void describe_master(int master, MasterContext context) {
    initiators_.at(static_cast<size_t>(master))->context = std::move(context);
  }
  // Calls fn on every memory-space access of the other masters (see
  // "Snooping" above).
  void add_snooper(int own_master, BusSnooper fn) { snoopers_.push_back({own_master, std::move(fn)}); }
  struct FaultEffect {
    enum Kind { none, error, memory_error, wait } kind = none;
    sc_core::sc_time extra;  // wait: the extra time the target takes
  };
  struct FaultRule {
    AddressSpace space = AddressSpace::memory;
    uint64_t lo = 0, hi = 0;  // inclusive
    int master = -1;          // -1: every master
    int access = 0;           // 0: reads and writes, 1: reads, 2: writes
    // Called for each matching access: p, the master, the access's local time.
    std::function<FaultEffect(const tlm::tlm_generic_payload&, int, const sc_core::sc_time&)> fire;
  };
  // Adds a rule (elaboration). Throws ConfigError for an empty range.
  void add_fault(FaultRule rule);
  // The master's index by name (-1 when no master has that name).
  int master_index(const std::string& name) const;
  template <typename TargetSocket>
  int connect_target(TargetSocket& s, const std::string& target_name) {
    init_socket.bind(s);
    targets_.push_back(std::make_unique<Target>(target_name));
    return static_cast<int>(targets_.size() - 1);
  }
  // Maps [base, base+size) of `space` to target, whose offsets start at
  // `offset`. Throws ConfigError when it overlaps another mapping (naming
  // both targets), is empty or names no target. For elaboration.
  void map(AddressSpace space, uint64_t base, uint64_t size, int target, uint64_t offset = 0);

  // Run-time map changes (a PCI BAR write, a decode enable). None throws:
  // each returns false, with the reason in *why when given, and then changes
  // nothing. Every change invalidates the DMI regions the masters hold for
  // the old and the new range (invalidate_direct_mem_ptr on every initiator)
  // and the decode cache; a transaction waiting for the bus is decoded again
  // after its grant.
  bool try_map(AddressSpace space, uint64_t base, uint64_t size, int target, uint64_t offset = 0,
               std::string* why = nullptr);
  // Removes the window of `space` that starts at base.
  bool unmap(AddressSpace space, uint64_t base, std::string* why = nullptr);
  // Removes every window of target in `space`; returns how many.
  size_t unmap_target(int target, AddressSpace space);
  // Moves the window of `space` at old_base to new_base (same size, target
  // and target offset).
  bool remap(AddressSpace space, uint64_t old_base, uint64_t new_base, std::string* why = nullptr);

  struct Mapping {
    AddressSpace space;
    uint64_t base;
    uint64_t size;
    int target;
    uint64_t offset;
  };
  // The mapping answering [addr, addr+len) in space, or nullptr.
  const Mapping* decode(AddressSpace space, uint64_t addr, unsigned len) const;
  // The maps, memory space first, each in address order.
  const std::vector<Mapping>& mappings() const { return maps_; }
  // The maps as a table for people (`minipc describe`): one line a window,
  // "  memory 0x00000000-0x03ffffff  ram" (+ the target offset when not 0).
  void print_map(std::ostream& os) const;

  size_t initiator_count() const { return initiators_.size(); }
  size_t target_count() const { return targets_.size(); }
  unsigned initiator_priority(int i) const { return initiators_.at(static_cast<size_t>(i))->priority; }
  const std::string& initiator_name(int i) const override { return initiators_.at(static_cast<size_t>(i))->name; }
  const std::string& target_name(int t) const { return targets_.at(static_cast<size_t>(t))->name; }

  // Per-initiator figures (also in the stats registry).
  uint64_t transactions(int initiator) const { return initiators_.at(static_cast<size_t>(initiator))->transactions; }
  sc_core::sc_time wait_time(int initiator) const override { return initiators_.at(static_cast<size_t>(initiator))->wait; }
  sc_core::sc_time busy_time(int initiator) const { return initiators_.at(static_cast<size_t>(initiator))->busy; }
  uint64_t unmapped_accesses() const { return unmapped_; }
  sc_core::sc_time cycle() const { return sc_core::sc_time(1.0 / clock_hz.get(), sc_core::SC_SEC); }

  // Bus-free windows (see above).
  void want_windows(int master, bool on) override;
  FreeWindow free_window(int master) const override;
  const sc_core::sc_event& window_changed() const override { return window_changed_; }
  bool transaction_time(tlm::tlm_command cmd, AddressSpace space, uint64_t addr, unsigned len,
                        sc_core::sc_time& t) const override;
  bool windows_wanted() const override { return window_wanters_ > 0; }
  void announce_free(int master, const sc_core::sc_time& start, const sc_core::sc_time& end) override;

 private:
  struct Initiator {
    Initiator(std::string n, unsigned p) : name(std::move(n)), priority(p) {}
    std::string name;
    unsigned priority;
    bool active = true;
    MasterContext context;  // for fatal messages; may be empty
    uint64_t transactions = 0;
    sc_core::sc_time wait, busy;
    // arbitration state
    bool requesting = false;
    bool granted = false;
    sc_core::sc_time requested_at;
    sc_core::sc_event grant;
    // bus-free windows
    bool announcer = false;
    bool wants_windows = false;
    sc_core::sc_time free_start, free_end;  // the latest announced window
  };
  struct Target {
    explicit Target(std::string n) : name(std::move(n)) {}
    std::string name;
    uint64_t transactions = 0;
    sc_core::sc_time busy;
    // The longest latency seen per command (read, write), beyond the bus
    // cycles: transaction_time()'s estimate.
    bool latency_seen[2] = {false, false};
    sc_core::sc_time latency[2];
  };

  void b_transport(int id, tlm::tlm_generic_payload& p, sc_core::sc_time& delay);
  unsigned int transport_dbg(int id, tlm::tlm_generic_payload& p);
  bool get_direct_mem_ptr(int id, tlm::tlm_generic_payload& p, tlm::tlm_dmi& dmi);
  void invalidate_direct_mem_ptr(int target, sc_dt::uint64 start, sc_dt::uint64 end);

  void end_of_elaboration() override;
  void snoop(int master, const tlm::tlm_generic_payload& p, uint64_t addr) const;
  // An access nobody answers: the address error, and with unmapped=error
  // the machine check (the master never sees the answer).
  void unmapped_access(int master, tlm::tlm_generic_payload& p, sc_core::sc_time& delay);
  // What a window change must do: DMI and decode cache invalidated.
  void changed(AddressSpace space, uint64_t base, uint64_t size);
  bool check_window(AddressSpace space, uint64_t base, uint64_t size, int target, const Mapping* ignore,
                    std::string* why) const;
  sc_core::sc_time own_occupancy(unsigned len) const;
  mutable std::array<sc_core::sc_time, 65> occupancy_{};  // own_occupancy() of lengths 0..64, once computed
  sc_core::sc_time own_occupancy(const tlm::tlm_generic_payload& p) const { return own_occupancy(p.get_data_length()); }
  void account(int id, const Mapping& m, const tlm::tlm_generic_payload& p, const sc_core::sc_time& wait,
               const sc_core::sc_time& busy);
  void arbiter();
  int choose() const;
  void post_owner(const sc_core::sc_time& at, int who);
  void owner_writer();
  void start_of_simulation() override;

  std::vector<std::unique_ptr<Initiator>> initiators_;
  std::vector<int> socket_master_;  // targ_socket index -> master index
  std::vector<std::unique_ptr<Target>> targets_;
  std::vector<Mapping> maps_;
  mutable size_t last_hit_ = 0;
  uint64_t map_generation_ = 0;  // bumped by every map change after elaboration
  bool elaborated_ = false;
  uint64_t unmapped_ = 0;
  bool strict_ = false;  // unmapped == "error"
  sc_core::sc_event halt_;  // never notified: where a master stopped by a machine check stays
  bool round_robin_ = false;
  int active_count_ = 0;  // masters not declared quiet
  std::vector<std::pair<int, BusSnooper>> snoopers_;  // own master, callback
  std::vector<FaultRule> faults_;
  // The effect of the fault rules on an access (none when no rule fires).
  FaultEffect apply_faults(int master, tlm::tlm_generic_payload& p, const sc_core::sc_time& at);
  void fault_response(tlm::tlm_generic_payload& p, const FaultEffect& e, sc_core::sc_time& delay);
  int window_wanters_ = 0;
  sc_core::sc_event window_changed_;

  // busy timeline
  sc_core::sc_time busy_until_;
  bool held_ = false;  // granted and not yet released (sync path)
  int last_granted_ = -1;
  sc_core::sc_event arbitrate_;
  sc_core::sc_time decide_at_ = sc_core::SC_ZERO_TIME;
  bool decide_armed_ = false;

  // owner trace: changes posted at future local times, written in time order
  std::deque<std::pair<sc_core::sc_time, int>> owner_changes_;
  sc_core::sc_event owner_event_;
  bool owner_watched_ = false;
  int owner_value_ = -1;  // unwatched: the value the dropped past changes left
  void drop_past_owner_changes();
};

}  // namespace minipc
