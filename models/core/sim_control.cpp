#include "core/sim_control.h"

#include <systemc>

namespace minipc {
std::optional<SimOutcome>& detail::outcome() {
  static std::optional<SimOutcome> o;
  return o;
}
using detail::outcome;

void request_stop(StopReason reason, int exit_code, std::string message) {
  if (outcome()) return;
  outcome() = SimOutcome{reason, exit_code, std::move(message)};
  if (sc_core::sc_is_running()) sc_core::sc_stop();
}

namespace {
int& scheduled_stops() {
  static int n = 0;
  return n;
}
}  // namespace

void reset_sim_outcome() {
  outcome().reset();
  scheduled_stops() = 0;
}

void schedule_stop(int delta) { scheduled_stops() += delta; }
bool stop_scheduled() { return scheduled_stops() > 0; }

}  // namespace minipc
