// A run of a built platform (platform/platform.h builds, this runs): loads
// the firmware, opens the VCD, starts the GDB stub and the instruction trace,
// runs until the firmware exits, a fatal error or the time limit, and writes
// the stats file and the Perfetto trace.
#pragma once

#include <memory>
#include <string>

#include <systemc>

#include "core/params.h"
#include "core/sim_control.h"
#include "loader/elf_loader.h"
#include "platform.h"
#include "wire/wire.h"

namespace minipc {

class Cpu;
class Memory;
class TracePort;
namespace debug {
class CoreDebugger;
}

class RunSession {
 public:
  // Reads the run's keys (platform.firmware, .vcd, .stats, ...); throws
  // ConfigError when the platform has no CPU or no RAM.
  explicit RunSession(Platform& pc);
  ~RunSession();

  Param<std::string> firmware{"platform.firmware", "", "Multiboot ELF to boot"};
  Param<uint64_t> gdb_port{"platform.gdb_port", 0, "GDB stub on 127.0.0.1:<port> (0: none)"};
  Param<bool> gdb_wait{"platform.gdb_wait", true, "with gdb_port: stop before the first instruction until GDB attaches"};
  Param<std::string> trace_insn{"platform.trace_insn", "", "instruction trace file ('' for none)"};
  Param<std::string> trace_insn_window{"platform.trace_insn_window", "0:1000000",
                                       "instructions traced, START:COUNT (counted from the first)"};
  Param<std::string> cmdline{"platform.cmdline", "", "Multiboot command line"};
  Param<sc_core::sc_time> time_limit{"platform.time_limit", sc_core::sc_time(1, sc_core::SC_SEC),
                                     "stop (exit 92) if the firmware has not exited by then"};
  Param<double> wall_limit{"platform.wall_limit", 0,
                           "stop (exit 93) after this many seconds of host time (0: no limit), checked every "
                           "simulated millisecond"};
  Param<std::string> vcd{"platform.vcd", "", "VCD file to write ('' for none)"};
  Param<std::string> stats_file{"platform.stats", "", "stats JSON file to write ('' for none)"};
  Param<std::string> perfetto{"platform.perfetto", "",
                              "Chrome trace-event JSON of the firmware's trace markers ('' for none)"};
  Param<std::string> pcap{"platform.pcap", "",
                          "pcap of every frame on the NICs' wires, both directions, simulated-time ns stamps ('' for none)"};

  // Loads the firmware into RAM and sets the boot CPU's Multiboot entry
  // state. Throws LoadError.
  LoadedImage load_firmware();

  struct Result {
    int exit_code;
    StopReason reason;
    std::string message;           // error line, empty for a firmware exit
    sc_core::sc_time simulated;
    double host_seconds;
    uint64_t instructions;
    std::string vcd_path;          // as written, empty if none
    std::string stats_path;
    std::string perfetto_path;     // empty if none
    std::string pcap_path;         // empty if none
    uint64_t pcap_frames = 0;
  };
  // Runs until the firmware exits, a fatal error, or the time limit.
  Result run();

 private:
  void open_vcd();
  void open_pcap();
  void check_outputs() const;
  void start_debugging();
  void write_stats(const Result& r);

  Platform& pc_;
  Cpu* cpu_ = nullptr;  // the boot CPU
  Memory* ram_ = nullptr;
  TracePort* trace_port_ = nullptr;
  std::unique_ptr<debug::CoreDebugger> debugger_;
  sc_core::sc_trace_file* trace_ = nullptr;
  std::string vcd_path_;
  std::unique_ptr<wire::PcapWriter> pcap_;
  std::unique_ptr<sc_core::sc_module> watchdog_;
};

}  // namespace minipc
