#include "pit/system_control_port_b.h"

#include "core/sim_control.h"

#include <algorithm>

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
  SC_METHOD(drive_nmi);
  sensitive << nmi_update_;
  dont_initialize();
  SC_METHOD(power_off);
  sensitive << power_off_;
  dont_initialize();
}

void SystemControlPortB::reset_state() {
  pending_gate2_.emplace_back(sc_core::sc_time_stamp(), false);
  if (started_) gate2_update_.notify(sc_core::SC_ZERO_TIME);
  // Bit 3 is 0 again: an IOCHK still held requests the NMI (unless masked).
  // IOCHK itself is the power monitor's line, not reset.
  if (started_) nmi_changed(sc_core::sc_time_stamp());
}

uint64_t SystemControlPortB::read_port_b() {
  const sc_core::sc_time t = access_time();
  uint8_t v = static_cast<uint8_t>(PORT_B.get() & WRITABLE);
  if ((t.value() / refresh_period.get().value()) & 1) v |= REFRESH_TOGGLE;
  if (out2.read()) v |= OUT2_STATE;
  if (iochk_) v |= IOCHK;
  return v;
}

void SystemControlPortB::write_port_b(uint64_t v) {
  const bool gate_before = PORT_B.get() & TIMER2_GATE;
  const bool nmi_before = nmi_request();
  PORT_B.set((PORT_B.get() & ~uint64_t{WRITABLE}) | (v & WRITABLE));
  if (nmi_request() != nmi_before) nmi_changed(access_time());
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

namespace minipc {

// ---- NMI sources -------------------------------------------------------------

bool SystemControlPortB::nmi_request() const {
  const uint64_t b = PORT_B.get();
  return iochk_ && !(b & CHANNEL_CHECK_DISABLE) && !nmi_mask_;  // PERR (bit 7) is never raised
}

void SystemControlPortB::nmi_changed(const sc_core::sc_time& at) {
  const sc_core::sc_time now = sc_core::sc_time_stamp();
  pending_nmi_.emplace_back(std::max(at, now), nmi_request());
  nmi_update_.notify(pending_nmi_.front().first - now);
}

void SystemControlPortB::drive_nmi() {
  const sc_core::sc_time now = sc_core::sc_time_stamp();
  bool changed = false, level = false;
  while (!pending_nmi_.empty() && pending_nmi_.front().first <= now) {
    level = pending_nmi_.front().second;
    pending_nmi_.pop_front();
    changed = true;
  }
  if (changed && nmi.size() && nmi->read() != level) nmi->write(level);
  if (!pending_nmi_.empty()) nmi_update_.notify(pending_nmi_.front().first - now);
}

void SystemControlPortB::set_iochk(bool level) {
  const bool before = nmi_request();
  iochk_ = level;
  if (nmi_request() != before) nmi_changed(sc_core::sc_time_stamp());
}

void SystemControlPortB::set_nmi_mask(bool masked, const sc_core::sc_time& at) {
  const bool before = nmi_request();
  nmi_mask_ = masked;
  if (nmi_request() != before) nmi_changed(at);
}

void SystemControlPortB::power_fail(const sc_core::sc_time& warning, const std::string& message) {
  if (!power_failing_) schedule_stop(+1);
  power_failing_ = true;
  power_message_ = message;
  set_iochk(true);
  power_off_.notify(warning);
}

void SystemControlPortB::power_restored() {
  if (!power_failing_) return;
  power_failing_ = false;
  schedule_stop(-1);
  power_off_.cancel();
  set_iochk(false);
}

void SystemControlPortB::power_off() {
  if (!power_failing_) return;
  request_stop(StopReason::power_fail, exit_status::power_fail, power_message_);
}

FaultHook power_fail_fault_hook(SystemControlPortB& port) {
  FaultHook h;
  h.description = "mains failure: IOCHK (port 0x61 bit 6) and an NMI unless masked (port 0x61 bit 3, port 0x70 "
                  "bit 7), then the power goes after `warning` (default 2 ms): the run stops, exit 96";
  h.prepare = [&port](const FaultArgs& args) -> FaultAction {
    Param<sc_core::sc_time> warning{args.key("warning"), sc_core::sc_time(2, sc_core::SC_MS),
                                    "time from the power-fail NMI until the power goes"};
    const sc_core::sc_time w = warning.get();
    return [&port, args, w](bool begin) {
      if (!begin) {  // a brown-out: the power came back before it went
        port.power_restored();
        return;
      }
      // The injector logs the firing (FaultArgs::record); the stop message
      // says when the power went.
      const sc_core::sc_time at = sc_core::sc_time_stamp();
      port.power_fail(w, "power failed at " + (at + w).to_string() + " (fault " + args.name() + ": IOCHK set at " +
                             at.to_string() + ", warning " + w.to_string() + "): the machine lost power");
    };
  };
  return h;
}

}  // namespace minipc
