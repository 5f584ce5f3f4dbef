// How a simulation ends, and with which exit status.
//
// Any model may end the run (the exit port, a CPU fatal error, the time limit).
// It records why here and calls sc_stop(); the platform reads the outcome
// after sc_start() returns and turns it into the process exit status.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>

namespace minipc {

// Exit statuses of `minipc run` (README has the same table).
namespace exit_status {
constexpr int usage = 64;          // EX_USAGE: bad command line or config
constexpr int data_error = 65;     // EX_DATAERR: malformed ELF, pcap, ...
constexpr int no_input = 66;       // EX_NOINPUT: missing input file
constexpr int internal = 70;       // EX_SOFTWARE: a simulator bug
constexpr int cpu_fatal = 90;      // unsupported opcode, triple fault
constexpr int bus_fatal = 91;      // CPU fetched from unmapped memory; bus.unmapped=error machine check
constexpr int time_limit = 92;     // --time reached without the firmware exiting
constexpr int wall_limit = 93;     // --wall-limit: host time ran out first
constexpr int deadlock = 94;       // every CPU halted and nothing can ever wake one
constexpr int interrupt_storm = 95;  // one vector accepted faster than any ISR can run
constexpr int power_fail = 96;     // the power_fail fault's warning ran out: the machine lost power
}  // namespace exit_status

// An input file a model needs cannot be opened (exit status no_input). The
// message names the parameter and the path: "uart0.rx_file: cannot open 'x': ...".
class InputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// An input file a model needs is there but malformed: a pcap with a
// truncated record, the wrong link type... (exit status data_error). The
// message names the file and where.
class DataError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

enum class StopReason : uint8_t {
  firmware_exit, cpu_fatal, bus_fatal, time_limit, wall_limit, debugger_kill, internal, deadlock, interrupt_storm,
  power_fail
};

struct SimOutcome {
  StopReason reason;
  int exit_code;
  std::string message;  // one line, names the thing and where (empty for firmware exits)
};

// Records the first outcome and stops the simulation; later calls are ignored
// (the first cause wins, so an error is never masked by its consequences).
void request_stop(StopReason reason, int exit_code, std::string message);

namespace detail {
std::optional<SimOutcome>& outcome();
}
// The recorded outcome, if any model asked to stop. Inline and cheap: the
// CPU asks after every bus access whether that access stopped the run.
inline const std::optional<SimOutcome>& sim_outcome() {
  static const std::optional<SimOutcome>& o = detail::outcome();
  return o;
}

// Forget the outcome (tests that run several simulations in one process).
void reset_sim_outcome();

// Stops already on their way at a known time (a power_fail fault's power-off,
// models/pit/system_control_port_b.h): +1 when one is scheduled, -1 when it
// is cancelled. While any is, the CPU's deadlock check (exit 94) does not
// end the run: a CPU halted waiting for the power to go is not deadlocked,
// the run ends with the scheduled stop. reset_sim_outcome() clears them.
void schedule_stop(int delta);
bool stop_scheduled();

}  // namespace minipc
