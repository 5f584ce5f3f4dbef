#include "core/sim_control.h"

#include <systemc>

namespace minipc {
namespace {
std::optional<SimOutcome>& outcome() {
  static std::optional<SimOutcome> o;
  return o;
}
}  // namespace

void request_stop(StopReason reason, int exit_code, std::string message) {
  if (outcome()) return;
  outcome() = SimOutcome{reason, exit_code, std::move(message)};
  if (sc_core::sc_is_running()) sc_core::sc_stop();
}

const std::optional<SimOutcome>& sim_outcome() { return outcome(); }

void reset_sim_outcome() { outcome().reset(); }

}  // namespace minipc
