// Faults on purpose (docs/faults.md): what a block offers to the platform's
// fault injector, and the log every fired fault goes to.
//
// A config names its faults under `faults:`, one mapping each:
//
//     faults:
//       bad_sector:            # the fault's name (stats, VCD, Perfetto, errors)
//         target: disk0        # a block, a net ("irq7") or the bus
//         kind: unreadable     # what the target offers
//         at: 2ms              # trigger (see docs/faults.md)
//         lba: 100             # the kind's own parameters
//         count: 2
//
// The platform handles the bus and the nets itself. Any other target is a
// block that offers the kind, in its factory:
//
//     b.offer<FaultHook>(fault_service(b.name(), "unreadable"), &hook);
//
// where the hook (owned by the block, e.g. with b.own) reads the fault's own
// parameters (as Params keyed args.key("lba"), so a typo or a bad value is a
// ConfigError naming the key) and returns the action to run when the fault
// fires. A fault with a `duration` is ended by calling the action again with
// begin = false. Faults that fire by themselves on events of the block (drop
// a frame with probability p) keep args and call args.record(detail) each
// time they act, with their randomness drawn from args.seed().
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace minipc {

class Counter;

// One fault's identity for the hook: its name and config keys, its seed, and
// the log.
class FaultArgs {
 public:
  FaultArgs(std::string name, int index, uint64_t seed) : name_(std::move(name)), index_(index), seed_(seed) {}
  const std::string& name() const { return name_; }
  // The config key of one of the fault's parameters: "faults.<name>.<param>".
  std::string key(const std::string& param) const { return "faults." + name_ + "." + param; }
  // faults.<name>.seed (default 1) mixed with the name: two faults with the
  // same seed still draw different sequences. Same config, same sequence.
  uint64_t seed() const { return seed_; }
  // Logs one firing (counter faults.<name>.fired, the VCD `faults` signal,
  // a Perfetto instant event, and one line on stderr unless quiet).
  void record(const std::string& detail) const;
  int index() const { return index_; }

 private:
  std::string name_;
  int index_;
  uint64_t seed_;
};

// What a block runs when one of its faults fires (begin = true) and, for a
// fault with a duration, when it ends (begin = false). Called from a SystemC
// process at the firing time.
using FaultAction = std::function<void(bool begin)>;

struct FaultHook {
  std::string description;  // one line: "sectors that cannot be read (UNC): lba, count"
  std::function<FaultAction(const FaultArgs&)> prepare;
  // false: the injector records each firing it makes (the kind's name);
  // true: the action records its firings itself, with their details (and
  // only those: a firing that does nothing is not one).
  bool records_itself = false;
};

// The service name under which a block offers a fault kind.
inline std::string fault_service(const std::string& block, const std::string& kind) {
  return "fault:" + block + ":" + kind;
}

// Every fault of the run, and where their firings go.
class FaultLog {
 public:
  static FaultLog& instance();

  // Registers a fault; returns its index (1-based: 0 on the VCD means none).
  int add(const std::string& name);
  void record(int index, const std::string& detail);
  size_t size() const { return names_.size(); }
  const std::string& name(int index) const { return names_.at(static_cast<size_t>(index - 1)); }
  uint64_t fired(int index) const;

  // The platform's observers of firings (VCD marker, Perfetto): fn(index,
  // name, detail), called in order of registration.
  void on_record(std::function<void(int, const std::string&, const std::string&)> fn) {
    sinks_.push_back(std::move(fn));
  }
  // Whether firings are also printed to stderr ("fault <name>: <detail>").
  void set_quiet(bool quiet) { quiet_ = quiet; }

  void clear();

 private:
  std::vector<std::string> names_;
  std::vector<Counter*> counters_;
  std::vector<std::function<void(int, const std::string&, const std::string&)>> sinks_;
  bool quiet_ = false;
};

inline void FaultArgs::record(const std::string& detail) const { FaultLog::instance().record(index_, detail); }

}  // namespace minipc
