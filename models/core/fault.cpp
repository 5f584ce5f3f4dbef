#include "core/fault.h"

#include <iostream>

#include <systemc>

#include "core/stats.h"

namespace minipc {

namespace {
// Firings printed per fault before the rest are only counted: a frame-drop
// fault with probability 0.01 over a million frames must not flood stderr.
constexpr uint64_t kPrintedFirings = 10;
}  // namespace

FaultLog& FaultLog::instance() {
  static FaultLog log;
  return log;
}

int FaultLog::add(const std::string& name) {
  names_.push_back(name);
  counters_.push_back(&StatsRegistry::instance().counter("faults." + name + ".fired", "firings"));
  return static_cast<int>(names_.size());
}

uint64_t FaultLog::fired(int index) const { return counters_.at(static_cast<size_t>(index - 1))->value(); }

void FaultLog::record(int index, const std::string& detail) {
  Counter& c = *counters_.at(static_cast<size_t>(index - 1));
  c.add();
  const std::string& n = name(index);
  if (!quiet_ && c.value() <= kPrintedFirings) {
    std::cerr << "minipc: fault " << n << " at " << sc_core::sc_time_stamp() << ": " << detail;
    if (c.value() == kPrintedFirings) std::cerr << " (further firings are only counted: faults." << n << ".fired)";
    std::cerr << "\n";
  }
  for (auto& fn : sinks_) fn(index, n, detail);
}

void FaultLog::clear() {
  names_.clear();
  counters_.clear();
  sinks_.clear();
  quiet_ = false;
}

}  // namespace minipc
