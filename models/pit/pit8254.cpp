#include "pit/pit8254.h"

namespace minipc {

Pit8254::Pit8254(const sc_core::sc_module_name& nm) : Pit8254Face(nm) {}

void Pit8254::start_of_simulation() {
  for (unsigned i = 0; i < kCounters; ++i) counters_[i].core.init_gate(gate(i).read());
  started_ = true;
}

void Pit8254::reset_state() {
  const sc_core::sc_time now = sc_core::sc_time_stamp();
  for (unsigned i = 0; i < kCounters; ++i) {
    PitCounter& c = counters_[i].core;
    const sc_core::sc_time t = sync(i, now);
    const bool before = c.out();
    c.power_on_reset();
    if (c.out() != before) record_out(i, t, c.out());
    schedule(i);
  }
}

// ---- register callbacks -------------------------------------------------------------

uint64_t Pit8254::read_counter(unsigned i) {
  sync(i, access_time());
  const uint8_t v = counters_[i].core.read_byte();
  counter_register(i).set(v);  // what a debug read shows
  return v;
}

void Pit8254::write_counter(unsigned i, uint64_t v) {
  PitCounter& c = counters_[i].core;
  const sc_core::sc_time t = sync(i, access_time());
  const bool before = c.out();
  c.write_count_byte(static_cast<uint8_t>(v));
  counter_register(i).set(v);
  if (c.out() != before) record_out(i, t, c.out());
  warn_count(i, static_cast<uint8_t>(v));
  schedule(i);
}

void Pit8254::write_control_word(uint64_t v) {
  CONTROL_WORD.set(v);
  const unsigned sc = (v & CW_SC) >> 6;
  if ((v & CW_SC) == CW_SC_READ_BACK) {
    // Read-back: D5 = /COUNT, D4 = /STATUS, D3..D1 = counters 2..0, D0 = 0.
    if (v & 0x01) warn_read_back_reserved(v);
    for (unsigned i = 0; i < kCounters; ++i) {
      if (!(v & (RB_COUNTER0 << i))) continue;
      sync(i, access_time());
      if (!(v & RB_NOT_COUNT)) counters_[i].core.latch_count();
      if (!(v & RB_NOT_STATUS)) counters_[i].core.latch_status();
    }
    return;
  }
  PitCounter& c = counters_[sc].core;
  const sc_core::sc_time t = sync(sc, access_time());
  if ((v & CW_RW) == 0) {  // counter latch command
    c.latch_count();
    return;
  }
  if (c.count_half_written()) warn_half_written(v, sc);
  const bool before = c.out();
  c.write_control(static_cast<uint8_t>(v));
  if (c.out() != before) record_out(sc, t, c.out());
  schedule(sc);
}

void Pit8254::warn_count(unsigned i, uint8_t byte) {
  const PitCounter& c = counters_[i].core;
  if (c.illegal_count()) warn_illegal_count(i, byte, c.mode());
}

// ---- time ----------------------------------------------------------------------------

sc_core::sc_time Pit8254::sync(unsigned i, const sc_core::sc_time& t) {
  CounterState& s = counters_[i];
  // With several temporally decoupled initiators a later access may carry an
  // earlier local time; the counter cannot go back, so it is applied "now".
  if (t > s.synced) s.synced = t;
  s.core.advance_to(clock_edges_at(s.synced),
                    [&](uint64_t edge, bool level) { record_out(i, clock_edge_time(edge), level); });
  reloads(i).add(s.core.reloads() - s.reloads_reported);
  s.reloads_reported = s.core.reloads();
  return s.synced;
}

void Pit8254::on_gate() {
  const sc_core::sc_time now = sc_core::sc_time_stamp();
  for (unsigned i = 0; i < kCounters; ++i) {
    PitCounter& c = counters_[i].core;
    const bool level = gate(i).read();
    if (level == c.gate()) continue;
    const sc_core::sc_time t = sync(i, now);
    const bool before = c.out();
    c.set_gate(level);
    if (c.out() != before) record_out(i, t, c.out());
    schedule(i);
  }
}

}  // namespace minipc
