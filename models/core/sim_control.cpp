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

void reset_sim_outcome() { outcome().reset(); }

}  // namespace minipc
