// The fault injector (docs/faults.md): the config's `faults:` section (and
// --fault) as rules on the bus, filters on nets, and actions of the blocks
// that offer fault kinds (core/fault.h), each fired by its trigger and
// logged (stats faults.<name>.fired, the VCD signal faults.<name>, Perfetto).
//
// A fault is the keys faults.<name>.*:
//   target   bus | a net ("irq7", "pci.pirqa") | a block offering the kind
//   kind     bus: error, memory_error, wait
//            net: stuck_high, stuck_low, glitch, lost_edge
//            block: what it offers (`minipc describe` lists them)
//   at       when the fault is armed (bus) or fires (others); default 0 s
//   duration how long a fault that lasts lasts (stuck_*: default forever;
//            glitch: the pulse width, default 100 ns; block kinds: their own)
//   every    repeat period (net and block kinds), `times` firings (default:
//            1 without `every`, unlimited with it)
//   seed     the fault's random seed (default 1)
// Bus faults also take: range (BASE+SIZE or FIRST-LAST), space (memory, io),
// master (a bus master's name; default all), access (read, write, any),
// nth (the Nth matching access after `at` fires, default 1) or probability
// (each matching access fires with that probability), times (how many
// accesses it hits; default 1, 0 = every one after the first hit), and
// for wait: cycles (extra bus cycles) or wait (a time).
#pragma once

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <systemc>

#include "core/fault.h"
#include "core/irq.h"

namespace minipc {

class Bus;
class Platform;

// A net with a fault between its driver and its readers.
class FaultLine : public sc_core::sc_module {
 public:
  SC_HAS_PROCESS(FaultLine);
  FaultLine(const sc_core::sc_module_name& nm, IrqLine& from_driver, IrqLine& to_readers);

  // stuck: -1 none, 0 low, 1 high. pulse: forced high (a glitch). lose:
  // rising edges of the driver to swallow (the line stays low until the
  // driver lets go).
  void set_stuck(int level);
  void set_pulse(bool on);
  void lose_edges(unsigned n);
  unsigned edges_lost() const { return lost_; }
  // Where a lost edge is recorded (the lost_edge fault's args).
  void set_lose_args(const FaultArgs* a) { lose_args_ = a; }

 private:
  void update();
  IrqIn in_{"in"};
  IrqOut out_{"out"};
  sc_core::sc_event changed_;
  int stuck_ = -1;
  bool pulse_ = false;
  unsigned lose_ = 0, lost_ = 0;
  bool masking_ = false, prev_ = false;
  const FaultArgs* lose_args_ = nullptr;
};

class FaultInjector : public sc_core::sc_module {
 public:
  // Reads the names, targets and kinds of the config's faults (before the
  // blocks are built: nets with faults get a FaultLine).
  explicit FaultInjector(const sc_core::sc_module_name& nm);
  ~FaultInjector() override;

  bool empty() const { return faults_.empty(); }
  // Whether a fault targets net `name`.
  bool net_faulted(const std::string& name) const { return faulted_nets_.count(name) > 0; }
  // After the blocks are built and connected: bus rules, FaultLines between
  // each faulted net's driver and its readers (Platform::fault_line), block
  // hooks found; every fault's trigger scheduled.
  void wire(Platform& pc, Bus& bus);
  // The VCD signals faults.<name> (firings so far).
  void trace(sc_core::sc_trace_file* f) const;

 private:
  struct Fault;
  void schedule(Fault& f);
  std::vector<std::unique_ptr<Fault>> faults_;
  std::set<std::string> faulted_nets_;
};

}  // namespace minipc
