// The trace port (0x4F0-0x4F7): firmware marks events for the host.
//
// The firmware writes an argument (dword) to offset 4, then an event id (word)
// to offset 0 (firmware/lib/trace.h has the ids). Writing the id records the
// event at the access's local time. Ids below 0x30 come in ENTER/EXIT pairs
// (even = enter, odd = exit) and become slices in a Chrome trace-event JSON
// file that the Perfetto UI opens; the others become instant events. The
// VCD gets the last event id and argument, and the nesting depth of the
// ISR/exception slices.
//
// Metrics (offset 8, NAME): the firmware writes a name byte by byte to NAME
// (a 0 byte clears it), the value to ARG, then event 0x0200 (METRIC): the
// stats get `fw.<name>` = the value (the last one written wins). This is how
// firmware reports what only it knows (work a background task finished,
// cycles a driver operation took) to the stats JSON and the sweep runner.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/peripheral.h"
#include "core/stats.h"
#include "core/timed_signal.h"

namespace minipc {

class TracePort : public Peripheral {
 public:
  explicit TracePort(const sc_core::sc_module_name& nm);

  Register EVENT{bank_, "EVENT", 0, 2, 0x0000, Access::write_only};
  Register ARG{bank_, "ARG", 4, 4, 0x00000000};
  Register NAME{bank_, "NAME", 8, 1, 0x00, Access::write_only};
  static constexpr uint64_t kWindowBytes = 16;
  static constexpr uint16_t kMetric = 0x0200;

  struct Event {
    sc_core::sc_time at;
    uint16_t id;
    uint32_t arg;
  };
  const std::vector<Event>& events() const { return events_; }
  // Whether events and slices are kept for the Chrome trace (the platform
  // keeps them only when a trace file will be written: without one a
  // marker costs no memory, so a long run's memory stays flat). The stage
  // histograms, metrics and waveform signals do not depend on it.
  void set_recording(bool on) { recording_ = on; }
  bool recording() const { return recording_; }

  // Stage histograms (firmware/lib/trace.h's network ids): the time from a
  // stage's start marker to its end marker, in CPU cycles at this clock
  // (the boot CPU's, set by the platform; 0 until set: nanoseconds are
  // still recorded). Stats `fw.stage.<name>.cycles` and `.ns`.
  void set_cpu_clock_hz(double hz) { cpu_clock_hz_ = hz; }
  struct Stage {
    const char* name;
    uint16_t start, end;
    bool per_frame;  // divide by the end marker's argument (frames done)
  };
  static const std::vector<Stage>& stages();

  // A slice another block records on a track of its own (Perfetto shows
  // overlapping slices of one track in lanes): e.g. a received packet's life
  // in the NIC. track: "nic0.rx"; args: shown with the slice.
  void add_slice(const std::string& track, const std::string& name, uint64_t id, const sc_core::sc_time& begin,
                 const sc_core::sc_time& end, nlohmann::json args);

  // The Chrome trace-event document of the events so far.
  nlohmann::json to_chrome_trace() const;
  // Writes it; throws InputError when the file cannot be written.
  void write_chrome_trace(const std::string& path) const;

  // Name of an event id ("isr", "softirq", "task_switch", ...).
  static std::string event_name(uint16_t id);

  TimedSignal<uint32_t> last_event{"last_event"};
  TimedSignal<uint32_t> last_arg{"last_arg"};
  TimedSignal<uint32_t> isr_depth{"isr_depth"};

 private:
  void write_event(uint64_t v);
  void write_metric(uint32_t value);

  void stage_event(uint16_t id, uint32_t arg, const sc_core::sc_time& at);

  std::vector<Event> events_;
  bool recording_ = true;
  double cpu_clock_hz_ = 0;
  struct StageState {
    bool open = false;
    sc_core::sc_time since;
    Histogram* ns = nullptr;
    Histogram* cycles = nullptr;
  };
  std::vector<StageState> stage_state_;
  struct Slice {
    std::string track, name;
    uint64_t id;
    sc_core::sc_time begin, end;
    nlohmann::json args;
  };
  std::vector<Slice> slices_;
  uint32_t depth_ = 0;
  std::string metric_name_;
  std::map<std::string, double> metrics_;
  Counter& count_;
};

}  // namespace minipc
