#include "core/fault.h"

#include <cstdio>
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

// "8.096 ms": a time for people.
static std::string readable(const sc_core::sc_time& t) {
  const double s = t.to_seconds();
  char buf[48];
  if (s >= 1e-3)
    std::snprintf(buf, sizeof buf, "%.6f ms", s * 1e3);
  else if (s >= 1e-6)
    std::snprintf(buf, sizeof buf, "%.3f us", s * 1e6);
  else
    std::snprintf(buf, sizeof buf, "%.0f ns", s * 1e9);
  return buf;
}

void FaultLog::record(int index, const std::string& detail) {
  Counter& c = *counters_.at(static_cast<size_t>(index - 1));
  c.add();
  const std::string& n = name(index);
  if (!quiet_ && c.value() <= kPrintedFirings) {
    std::cerr << "minipc: fault " << n  << " at " << readable(sc_core::sc_time_stamp()) << ": " << detail;
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
