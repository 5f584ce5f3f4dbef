#include "pit/system_control_port_b.h"

namespace minipc {

SystemControlPortB::SystemControlPortB(const sc_core::sc_module_name& nm) : Peripheral(nm) {
  if (refresh_period.get() == sc_core::SC_ZERO_TIME)
    throw ConfigError(refresh_period.key() + ": must be longer than 0");
  PORT_B.field("TIMER2_GATE", 0, 1).field("SPEAKER_DATA", 1, 1).field("PARITY_CHECK_DISABLE", 2, 1)
      .field("CHANNEL_CHECK_DISABLE", 3, 1).field("REFRESH_TOGGLE", 4, 1).field("OUT2_STATE", 5, 1)
      .field("IOCHK", 6, 1).field("PARITY_ERROR", 7, 1);
  PORT_B.on_read = [this] { return read_port_b(); };
  PORT_B.on_write = [this](uint64_t v) { write_port_b(v); };

  // Runs once at initialization: drives gate2 to its reset level.
  SC_METHOD(drive_gate2);
  sensitive << gate2_update_;
}

void SystemControlPortB::reset_state() {
  pending_gate2_.emplace_back(sc_core::sc_time_stamp(), false);
  if (started_) gate2_update_.notify(sc_core::SC_ZERO_TIME);
}

uint64_t SystemControlPortB::read_port_b() {
  const sc_core::sc_time t = access_time();
  uint8_t v = static_cast<uint8_t>(PORT_B.get() & WRITABLE);
  if ((t.value() / refresh_period.get().value()) & 1) v |= REFRESH_TOGGLE;
  if (out2.read()) v |= OUT2_STATE;
  return v;
}

void SystemControlPortB::write_port_b(uint64_t v) {
  const bool gate_before = PORT_B.get() & TIMER2_GATE;
  PORT_B.set((PORT_B.get() & ~uint64_t{WRITABLE}) | (v & WRITABLE));
  const bool gate_after = PORT_B.get() & TIMER2_GATE;
  if (gate_after == gate_before) return;
  pending_gate2_.emplace_back(access_time(), gate_after);
  const sc_core::sc_time now = sc_core::sc_time_stamp();
  const sc_core::sc_time at = pending_gate2_.front().first;
  if (started_)  // before that, drive_gate2's initial run picks it up
    gate2_update_.notify(at > now ? at - now : sc_core::SC_ZERO_TIME);
}

void SystemControlPortB::drive_gate2() {
  const sc_core::sc_time now = sc_core::sc_time_stamp();
  bool level = PORT_B.get() & TIMER2_GATE;
  if (pending_gate2_.empty()) {
    if (gate2.read() != level) gate2.write(level);
    return;
  }
  bool changed = false;
  while (!pending_gate2_.empty() && pending_gate2_.front().first <= now) {
    level = pending_gate2_.front().second;
    pending_gate2_.pop_front();
    changed = true;
  }
  if (changed && gate2.read() != level) gate2.write(level);
  if (!pending_gate2_.empty()) gate2_update_.notify(pending_gate2_.front().first - now);
}

}  // namespace minipc
