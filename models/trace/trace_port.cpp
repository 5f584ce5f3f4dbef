#include "trace/trace_port.h"
#include "core/hex.h"

#include <fstream>
#include <iomanip>
#include <sstream>

#include "core/sim_control.h"

namespace minipc {

namespace {
constexpr uint16_t kPairedBelow = 0x30;  // ids below pair as ENTER (even) / EXIT (odd)

bool is_isr_like(uint16_t id) { return (id & ~1u) == 0x10 || (id & ~1u) == 0x12; }

}  // namespace

TracePort::TracePort(const sc_core::sc_module_name& nm)
    : Peripheral(nm), count_(StatsRegistry::instance().counter(std::string(name()) + ".events")) {
  EVENT.on_write = [this](uint64_t v) { write_event(v); };
  NAME.on_write = [this](uint64_t v) {
    const char c = static_cast<char>(v);
    if (c == 0) {
      metric_name_.clear();
    } else if (metric_name_.size() < 64) {
      metric_name_ += c;
    }
  };
}

void TracePort::write_metric(uint32_t value) {
  const bool ok = !metric_name_.empty() &&
                  metric_name_.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_.") == std::string::npos;
  if (!ok) {
    SC_REPORT_WARNING(name(), ("METRIC event with a bad name '" + metric_name_ +
                               "' (a-z, 0-9, '_', '.'; written to NAME first) ignored").c_str());
    return;
  }
  auto [it, fresh] = metrics_.emplace(metric_name_, 0.0);
  it->second = value;
  if (fresh) {
    const double* slot = &it->second;  // std::map nodes do not move
    StatsRegistry::instance().probe("fw." + metric_name_, [slot] { return *slot; });
  }
}

std::string TracePort::event_name(uint16_t id) {
  switch (id & (id < kPairedBelow ? ~1u : ~0u)) {
    case 0x10: return "isr";
    case 0x12: return "exception";
    case 0x14: return "syscall";
    case 0x20: return "softirq";
    case 0x22: return "tasklet";
    case 0x24: return "work";
    case 0x30: return "task_switch";
    case 0x31: return "task_wake";
    case 0x32: return "tick";
    case 0x40: return "kbd_scancode";
    case 0x41: return "kbd_key";
    case 0x50: return "net_irq_enter";
    case 0x51: return "net_irq_exit";
    case 0x52: return "napi_poll_enter";
    case 0x53: return "napi_poll_exit";
    case 0x54: return "netif_rx";
    case 0x55: return "netif_receive_skb";
    case 0x56: return "ip_rcv";
    case 0x57: return "udp_rcv";
    case 0x58: return "sock_enqueue";
    case 0x59: return "sock_wake";
    case 0x5A: return "copy_to_user_enter";
    case 0x5B: return "copy_to_user_exit";
    case 0x5C: return "net_drop";
    case 0x5D: return "net_xmit";
    case 0x5E: return "net_tx_done";
    case kMetric: return "metric";
    default: break;
  }
  if (id >= 0x100 && id <= 0x1FF) return "app_" + hex(id);
  return "event_" + hex(id);
}

void TracePort::write_event(uint64_t v) {
  const uint16_t id = static_cast<uint16_t>(v);
  const uint32_t arg = static_cast<uint32_t>(ARG.get());
  const sc_core::sc_time at = access_time();
  if (recording_) events_.push_back({at, id, arg});
  count_.add();
  if (is_isr_like(id)) {
    if ((id & 1) == 0)
      ++depth_;
    else if (depth_ > 0)
      --depth_;
    isr_depth.post(at, depth_);
  }
  last_event.post(at, id);
  last_arg.post(at, arg);
  if (id == kMetric) write_metric(arg);
  if (id >= 0x50 && id <= 0x5F) stage_event(id, arg, at);
}

// The receive path's stages (docs/net.md's path of a frame; measured in
// docs/experiments/net_stage_cycles.md). A stage runs from its start marker
// to the next end marker; markers of an interrupt that comes in between
// count in the stage (the time is the packet's).
const std::vector<TracePort::Stage>& TracePort::stages() {
  static const std::vector<Stage> s = {
      {"net_irq", 0x50, 0x51, false},          // hard IRQ handler
      {"napi_poll", 0x52, 0x53, true},         // one NAPI poll, per frame it took
      {"eth", 0x55, 0x56, false},              // netif_receive_skb to ip_rcv
      {"ip", 0x56, 0x57, false},               // ip_rcv to udp_rcv
      {"udp", 0x57, 0x58, false},              // udp_rcv to the socket's queue
      {"wake_to_copy", 0x59, 0x5A, false},     // the reader woken to its copy
      {"copy_to_user", 0x5A, 0x5B, false},     // recvfrom's copy
  };
  return s;
}

void TracePort::stage_event(uint16_t id, uint32_t arg, const sc_core::sc_time& at) {
  const auto& st = stages();
  if (stage_state_.empty()) {
    // Every stage's histograms at the first network marker, so that a stage
    // the firmware never completes (a zero-copy reader has no copy) still
    // reads count 0: the stats of one firmware have the same keys whatever
    // path its frames take (a sweep's metric columns need them).
    stage_state_.resize(st.size());
    const std::vector<double> ns_bounds = {100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000, 100000, 1e6};
    const std::vector<double> cyc_bounds = {10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 100000};
    for (size_t i = 0; i < st.size(); ++i) {
      const std::string base = std::string("fw.stage.") + st[i].name;
      stage_state_[i].ns = &StatsRegistry::instance().histogram(base + ".ns", ns_bounds, "ns");
      stage_state_[i].cycles = &StatsRegistry::instance().histogram(base + ".cycles", cyc_bounds, "cycles");
    }
  }
  for (size_t i = 0; i < st.size(); ++i) {
    StageState& s = stage_state_[i];
    if (id == st[i].start) {
      s.open = true;
      s.since = at;
    } else if (id == st[i].end && s.open) {
      s.open = false;
      if (st[i].per_frame && arg == 0) continue;
      const double ns = (at - s.since).to_seconds() * 1e9 / (st[i].per_frame ? arg : 1);
      s.ns->sample(ns);
      if (cpu_clock_hz_ > 0) s.cycles->sample(ns * cpu_clock_hz_ / 1e9);
    }
  }
}

nlohmann::json TracePort::to_chrome_trace() const {
  nlohmann::json events = nlohmann::json::array();
  events.push_back({{"name", "process_name"}, {"ph", "M"}, {"pid", 1}, {"args", {{"name", "minipc"}}}});
  events.push_back({{"name", "thread_name"}, {"ph", "M"}, {"pid", 1}, {"tid", 1}, {"args", {{"name", "cpu0"}}}});
  for (const Event& e : events_) {
    nlohmann::json j;
    const std::string base = event_name(e.id);
    j["pid"] = 1;
    j["tid"] = 1;
    j["ts"] = e.at.to_seconds() * 1e6;  // microseconds
    j["cat"] = base;
    j["args"] = {{"arg", e.arg}, {"id", e.id}};
    if (e.id < kPairedBelow) {
      j["ph"] = (e.id & 1) ? "E" : "B";
      j["name"] = (base == "isr" || base == "exception") ? base + " " + hex(e.arg) : base;
    } else {
      j["ph"] = "i";
      j["s"] = "t";
      j["name"] = base;
    }
    events.push_back(j);
  }
  // Other blocks' slices: async events (one process per track), so a
  // packet's slices overlap without nesting.
  std::map<std::string, int> track_pid;
  for (const Slice& sl : slices_) {
    auto [it, fresh] = track_pid.emplace(sl.track, 2 + static_cast<int>(track_pid.size()));
    if (fresh)
      events.push_back({{"name", "process_name"}, {"ph", "M"}, {"pid", it->second}, {"args", {{"name", sl.track}}}});
    const std::string id = hex(sl.id);
    events.push_back({{"name", sl.name}, {"cat", sl.track}, {"ph", "b"}, {"id", id}, {"pid", it->second},
                      {"tid", 1}, {"ts", sl.begin.to_seconds() * 1e6}, {"args", sl.args}});
    events.push_back({{"name", sl.name}, {"cat", sl.track}, {"ph", "e"}, {"id", id}, {"pid", it->second},
                      {"tid", 1}, {"ts", sl.end.to_seconds() * 1e6}});
  }
  return {{"traceEvents", events}, {"displayTimeUnit", "ns"}};
}

void TracePort::add_slice(const std::string& track, const std::string& name, uint64_t id,
                          const sc_core::sc_time& begin, const sc_core::sc_time& end, nlohmann::json args) {
  if (recording_) slices_.push_back({track, name, id, begin, end, std::move(args)});
}

void TracePort::write_chrome_trace(const std::string& path) const {
  std::ofstream out(path);
  if (!out) throw InputError("platform.perfetto: cannot write '" + path + "'");
  out << to_chrome_trace().dump(1) << "\n";
  out.flush();
  if (!out) throw InputError("platform.perfetto: error writing '" + path + "' (disk full?)");
}

}  // namespace minipc
