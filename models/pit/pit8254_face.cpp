#include "pit/pit8254_face.h"

#include <cmath>
#include <sstream>

namespace minipc {

namespace {
std::string hex2(uint64_t v) {
  std::ostringstream s;
  s << "0x" << std::hex << (v & 0xFF);
  return s.str();
}
}  // namespace

Pit8254Face::Pit8254Face(const sc_core::sc_module_name& nm) : Peripheral(nm) {
  if (!(input_hz.get() > 0)) throw ConfigError(input_hz.key() + ": must be a positive frequency");
  units_per_clock_ = 1.0L / static_cast<long double>(sc_core::sc_get_time_resolution().to_seconds()) /
                     static_cast<long double>(input_hz.get());

  IrqIn* gates[kCounters] = {&gate0, &gate1, &gate2};
  IrqOut* outs[kCounters] = {&out0, &out1, &out2};
  Register* regs[kCounters] = {&COUNTER0, &COUNTER1, &COUNTER2};
  auto& stats = StatsRegistry::instance();
  for (unsigned i = 0; i < kCounters; ++i) {
    Channel& ch = channels_[i];
    ch.gate = gates[i];
    ch.out = outs[i];
    ch.reg = regs[i];
    const std::string prefix = std::string(name()) + ".counter" + std::to_string(i);
    ch.reloads = &stats.counter(prefix + ".reloads", "loads");
    ch.out_edges = &stats.counter(prefix + ".out_edges", "edges");
    ch.wakeups = &stats.counter(prefix + ".wakeups", "events");
    stats.probe(prefix + ".mode", [this, i] { return static_cast<double>(mode(i)); });

    regs[i]->on_read = [this, i] { return read_counter(i); };
    regs[i]->on_write = [this, i](uint64_t v) { write_counter(i, v); };

    // One small method per counter, woken only at its predicted OUT changes.
    // It runs once at initialization to drive the initial level.
    sc_core::sc_spawn_options opts;
    opts.spawn_method();
    opts.set_sensitivity(&ch.wakeup);
    sc_core::sc_spawn([this, i] { drive_out(i); }, ("out" + std::to_string(i) + "_driver").c_str(), &opts);
  }
  CONTROL_WORD.field("BCD", 0, 1).field("M", 1, 3).field("RW", 4, 2).field("SC", 6, 2);
  CONTROL_WORD.on_write = [this](uint64_t v) { write_control_word(v); };

  SC_METHOD(on_gate);
  sensitive << gate0 << gate1 << gate2;
  dont_initialize();
}

void Pit8254Face::before_end_of_elaboration() {
  // GATE inputs the platform left open are tied high (GATE0/GATE1 on a PC).
  for (IrqIn* g : {&gate0, &gate1, &gate2})
    if (g->bind_count() == 0) g->bind(gate_tied_high_);
}

// ---- clock arithmetic ------------------------------------------------------------

sc_core::sc_time Pit8254Face::clock_edge_time(uint64_t k) const {
  return sc_core::sc_time::from_value(
      static_cast<sc_dt::uint64>(std::llround(static_cast<long double>(k) * units_per_clock_)));
}

uint64_t Pit8254Face::clock_edges_at(const sc_core::sc_time& t) const {
  const sc_dt::uint64 units = t.value();
  uint64_t k = static_cast<uint64_t>(std::floor(static_cast<long double>(units) / units_per_clock_));
  // Settle rounding: the answer is the largest k with clock_edge_time(k) <= t.
  while (clock_edge_time(k + 1).value() <= units) ++k;
  while (k > 0 && clock_edge_time(k).value() > units) --k;
  return k;
}

// ---- OUT --------------------------------------------------------------------------------

void Pit8254Face::record_out(unsigned i, const sc_core::sc_time& t, bool level) {
  channels_[i].pending_out.emplace_back(t, level);
  channels_[i].out_edges->add();
}

void Pit8254Face::schedule(unsigned i) {
  if (!started_) return;  // the drivers run at initialization and schedule then
  Channel& ch = channels_[i];
  sc_core::sc_time next;
  if (!ch.pending_out.empty()) {
    next = ch.pending_out.front().first;
  } else {
    const uint64_t edge = next_out_edge(i);
    if (edge == kNever) return;
    next = clock_edge_time(edge);
  }
  const sc_core::sc_time now = sc_core::sc_time_stamp();
  // sc_event keeps the earliest pending notification; a stale earlier one
  // only costs a wake-up that finds nothing to do.
  ch.wakeup.notify(next > now ? next - now : sc_core::SC_ZERO_TIME);
}

void Pit8254Face::wake_if_pending(unsigned i) {
  if (!channels_[i].pending_out.empty()) channels_[i].wakeup.notify(sc_core::SC_ZERO_TIME);
}

void Pit8254Face::drive_out(unsigned i) {
  Channel& ch = channels_[i];
  ch.wakeups->add();
  const sc_core::sc_time now = sc_core::sc_time_stamp();
  bring_to(i, now);
  bool level = ch.out->read();
  bool changed = false;
  while (!ch.pending_out.empty() && ch.pending_out.front().first <= now) {
    level = ch.pending_out.front().second;
    ch.pending_out.pop_front();
    changed = true;
  }
  if (changed) drive(*ch.out, level);
  schedule(i);
}

// ---- warnings ------------------------------------------------------------------------------

void Pit8254Face::warn_illegal_count(unsigned i, uint8_t byte, unsigned mode) const {
  SC_REPORT_WARNING(name(), ("COUNTER" + std::to_string(i) + " count 1 written (last byte " + hex2(byte) +
                             ") is illegal in mode " + std::to_string(mode) + ": the model keeps OUT high")
                                .c_str());
}

void Pit8254Face::warn_read_back_reserved(uint64_t v) const {
  SC_REPORT_WARNING(name(), ("CONTROL_WORD read-back " + hex2(v) + " has reserved bit D0 set (must be 0)").c_str());
}

void Pit8254Face::warn_half_written(uint64_t v, unsigned i) const {
  SC_REPORT_WARNING(name(), ("CONTROL_WORD " + hex2(v) + " written while COUNTER" + std::to_string(i) +
                             " waits for the MSB of its count: the half-written count is dropped")
                                .c_str());
}

}  // namespace minipc
