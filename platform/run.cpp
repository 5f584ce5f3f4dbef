#include "run.h"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <iomanip>
#include <sstream>
#include <csignal>
#include <cstdio>
#include <iostream>

#include "config_file.h"
#include "core/params.h"
#include "core/sim_control.h"
#include "core/stats.h"
#include "describe.h"
#include "platform.h"
#include "session.h"

namespace minipc {
namespace {

// SystemC reports as one-line diagnostics on stderr, so stdout stays the
// firmware's console (diffable against QEMU's serial output).
void report_handler(const sc_core::sc_report& rep, const sc_core::sc_actions& actions) {
  if (actions & sc_core::SC_DISPLAY) {
    const char* sev = rep.get_severity() == sc_core::SC_INFO      ? "info"
                      : rep.get_severity() == sc_core::SC_WARNING ? "warning"
                                                                  : "error";
    std::fflush(stdout);
    std::cerr << "minipc: " << sev << ": " << rep.get_msg_type() << ": " << rep.get_msg() << "\n";
  }
  sc_core::sc_report_handler::default_handler(rep, actions & ~(sc_core::SC_DISPLAY | sc_core::SC_LOG));
}

std::string stem_of(const std::string& path) { return std::filesystem::path(path).stem().string(); }

const char* reason_name(StopReason r) {
  switch (r) {
    case StopReason::firmware_exit: return "firmware exit port";
    case StopReason::cpu_fatal: return "CPU fatal error";
    case StopReason::bus_fatal: return "bus error";
    case StopReason::time_limit: return "time limit";
    case StopReason::wall_limit: return "wall-clock limit";
    case StopReason::debugger_kill: return "killed by the debugger";
    case StopReason::internal: return "internal error";
    case StopReason::deadlock: return "deadlock";
    case StopReason::interrupt_storm: return "interrupt storm";
    case StopReason::power_fail: return "power failure";
  }
  return "?";
}

struct Options {
  std::string config = MINIPC_DEFAULT_CONFIG;
  std::string firmware;
  std::string vcd;
  std::string stats;
  std::string perfetto;
  std::string pcap;
  std::string trace_rtl;
  std::string trace_insn;
  std::string trace_insn_window;
  int gdb = 0;
  bool gdb_nowait = false;
  std::string time;
  std::string wall_limit;
  std::vector<std::string> sets;
  std::vector<std::string> faults;
  bool no_vcd = false;
  bool no_stats = false;
  bool quiet = false;
  bool verbose = false;
};

void add_common(CLI::App& app, Options& o) {
  app.add_option("-c,--config", o.config, "platform config (YAML)")->capture_default_str();
  app.add_option("-s,--set", o.sets, "override a config key: --set cpu0.mode=accurate (repeatable)");
  app.add_flag("-v,--verbose", o.verbose, "also print SystemC info messages");
}

void add_run(CLI::App& app, Options& o) {
  add_common(app, o);
  app.add_option("-f,--firmware", o.firmware, "Multiboot ELF to boot (default: the hello demo)");
  app.add_option("--vcd", o.vcd, "VCD waveform file (default: traces/<firmware>.vcd)");
  app.add_flag("--no-vcd", o.no_vcd, "write no VCD");
  app.add_option("--stats", o.stats, "stats JSON file (default: traces/<firmware>.stats.json)");
  app.add_flag("--no-stats", o.no_stats, "write no stats file");
  app.add_option("--perfetto", o.perfetto, "Chrome trace-event JSON of the firmware's trace markers (Perfetto UI)");
  app.add_option("--pcap", o.pcap, "pcap of every frame on the NICs' wires, both directions (Wireshark, tshark -r)");
  app.add_option("--wall-limit", o.wall_limit, "stop with exit 93 after this many seconds of host time (default: none)");
  app.add_option("--trace-rtl", o.trace_rtl, "VCD of the RTL blocks' internals (with pit0.impl=rtl)");
  app.add_option("--trace-insn", o.trace_insn, "instruction trace with disassembly and changed registers");
  app.add_option("--trace-insn-window", o.trace_insn_window, "START:COUNT instructions to trace (default 0:1000000)");
  app.add_option("--gdb", o.gdb, "GDB remote stub on 127.0.0.1:PORT; waits for GDB before the first instruction")
      ->check(CLI::Range(1, 65535));
  app.add_flag("--gdb-nowait", o.gdb_nowait, "with --gdb: run at once, GDB may attach later");
  app.add_option("--fault", o.faults,
                 "inject a fault: NAME:key=value,... e.g. --fault 'bad:target=bus,kind=error,range=0x300000+0x1000' "
                 "(keys as under faults: in a config, docs/faults.md; repeatable)");
  app.add_option("-t,--time", o.time, "simulated time limit, e.g. 10ms (default: platform.time_limit)");
  app.add_flag("-q,--quiet", o.quiet, "no summary lines");
}

// --fault NAME:key=value,key=value (NAME: optional, default "fault<N>"):
// the keys faults.NAME.key, as a config's faults: section would set them.
void apply_fault_option(const std::string& text, size_t n) {
  std::string name = "fault" + std::to_string(n), rest = text;
  const size_t colon = text.find(':'), eq = text.find('=');
  if (colon != std::string::npos && (eq == std::string::npos || colon < eq)) {
    name = text.substr(0, colon);
    rest = text.substr(colon + 1);
  }
  auto trim = [](std::string s) {
    const size_t a = s.find_first_not_of(" \t"), b = s.find_last_not_of(" \t");
    return a == std::string::npos ? std::string() : s.substr(a, b - a + 1);
  };
  name = trim(name);
  if (name.empty() || name.find_first_of(". =") != std::string::npos)
    throw ConfigError("--fault '" + text + "': '" + name + "' is not a fault name (letters, digits, _)");
  size_t start = 0;
  bool any = false;
  while (start <= rest.size()) {
    size_t comma = rest.find(',', start);
    if (comma == std::string::npos) comma = rest.size();
    const std::string item = trim(rest.substr(start, comma - start));
    start = comma + 1;
    if (item.empty()) continue;
    const size_t e = item.find('=');
    if (e == std::string::npos || e == 0)
      throw ConfigError("--fault '" + text + "': '" + item + "' is not key=value");
    ConfigStore::instance().set("faults." + name + "." + trim(item.substr(0, e)), trim(item.substr(e + 1)), "--fault");
    any = true;
  }
  if (!any) throw ConfigError("--fault '" + text + "': no key=value (e.g. target=bus,kind=error,range=0x1000+16)");
}

// Config file, then the command-line options as config keys, then --set.
void configure(const Options& o, bool for_run) {
  ConfigStore::instance().clear();
  load_config_file(o.config, MINIPC_DEFAULT_CONFIG);
  if (for_run) {
    auto& cfg = ConfigStore::instance();
    std::string fw = o.firmware;
    if (fw.empty()) {
      auto e = cfg.peek("platform.firmware");
      fw = (e && !e->value.empty()) ? e->value : std::string(MINIPC_DEFAULT_FIRMWARE);
    }
    cfg.set("platform.firmware", fw, o.firmware.empty() ? "default" : "--firmware");
    if (!o.time.empty()) cfg.set("platform.time_limit", o.time, "--time");
    if (!o.wall_limit.empty()) cfg.set("platform.wall_limit", o.wall_limit, "--wall-limit");
    const std::string stem = stem_of(fw);
    if (o.no_vcd)
      cfg.set("platform.vcd", "", "--no-vcd");
    else if (!o.vcd.empty())
      cfg.set("platform.vcd", o.vcd, "--vcd");
    else if (!cfg.peek("platform.vcd"))
      cfg.set("platform.vcd", "traces/" + stem + ".vcd", "default");
    if (o.no_stats)
      cfg.set("platform.stats", "", "--no-stats");
    else if (!o.stats.empty())
      cfg.set("platform.stats", o.stats, "--stats");
    else if (!cfg.peek("platform.stats"))
      cfg.set("platform.stats", "traces/" + stem + ".stats.json", "default");
    if (!o.perfetto.empty()) cfg.set("platform.perfetto", o.perfetto, "--perfetto");
    if (!o.pcap.empty()) cfg.set("platform.pcap", o.pcap, "--pcap");
    if (!o.trace_rtl.empty()) cfg.set("platform.trace_rtl", o.trace_rtl, "--trace-rtl");
    if (!o.trace_insn.empty()) cfg.set("platform.trace_insn", o.trace_insn, "--trace-insn");
    if (!o.trace_insn_window.empty()) cfg.set("platform.trace_insn_window", o.trace_insn_window, "--trace-insn-window");
    if (o.gdb) cfg.set("platform.gdb_port", std::to_string(o.gdb), "--gdb");
    if (o.gdb_nowait) cfg.set("platform.gdb_wait", "false", "--gdb-nowait");
    for (size_t i = 0; i < o.faults.size(); ++i) apply_fault_option(o.faults[i], i + 1);
  }
  for (const auto& s : o.sets) apply_override(s);
}

int do_run(const Options& o) {
  configure(o, true);
  Platform pc;
  RunSession session(pc);
  session.load_firmware();
  const RunSession::Result r = session.run();
  std::cout.flush();
  const bool console_lost = std::fflush(stdout) != 0 || std::ferror(stdout) || !std::cout;
  if (!r.message.empty()) std::cerr << "minipc: error: " << r.message << "\n";
  if (!o.quiet) {
    const double mips = r.host_seconds > 0 ? static_cast<double>(r.instructions) / r.host_seconds / 1e6 : 0.0;
    std::cerr << "minipc: simulated " << std::fixed << std::setprecision(3) << r.simulated.to_seconds() * 1e3
              << " ms, " << r.instructions << " instructions (cpu0), "
              << std::fixed << std::setprecision(3) << r.host_seconds << " s host, " << std::setprecision(1)
              << mips << " MIPS\n";
    std::cerr << "minipc: exit code " << r.exit_code << " (" << reason_name(r.reason) << ")\n";
    if (!r.vcd_path.empty()) std::cerr << "minipc: vcd   " << r.vcd_path << "  (open with: gtkwave " << r.vcd_path << ")\n";
    if (!r.stats_path.empty()) std::cerr << "minipc: stats " << r.stats_path << "\n";
    if (!r.perfetto_path.empty())
      std::cerr << "minipc: trace " << r.perfetto_path << "  (open in the Perfetto UI)\n";
    if (!r.pcap_path.empty())
      std::cerr << "minipc: pcap  " << r.pcap_path << "  (" << r.pcap_frames << " frames; open with: tshark -r "
                << r.pcap_path << ")\n";
  }
  if (console_lost) {
    std::cerr << "minipc: error: standard output: the firmware's console could not all be written (closed pipe "
                 "or full disk)\n";
    return exit_status::no_input;
  }
  return r.exit_code;
}

int do_describe(const Options& o) {
  configure(o, false);
  Platform pc;
  RunSession session(pc);  // takes the run's keys, so a typo in them is still reported
  describe(pc, std::cout);
  return 0;
}

int do_params(const Options& o) {
  configure(o, false);
  Platform pc;
  RunSession session(pc);
  auto params = ConfigStore::instance().params();
  std::sort(params.begin(), params.end(), [](const ParamInfo& a, const ParamInfo& b) { return a.key < b.key; });
  // Addresses and ports (keys ending in "base") read better in hex.
  auto shown = [](const ParamInfo& p, const std::string& v) {
    const bool address = p.type == "uint" && p.key.size() > 4 && p.key.compare(p.key.size() - 4, 4, "base") == 0;
    if (!address || v.empty() || v.find_first_not_of("0123456789") != std::string::npos) return v;
    std::ostringstream h;
    h << "0x" << std::hex << std::uppercase << std::stoull(v);
    return h.str();
  };
  size_t wk = 3, wt = 4, wv = 5;
  for (const auto& p : params) {
    wk = std::max(wk, p.key.size());
    wt = std::max(wt, p.type.size());
    wv = std::max(wv, shown(p, p.value).size());
  }
  wv = std::min<size_t>(wv, 40);
  auto col = [](const std::string& s, size_t w) { return s.size() >= w ? s + " " : s + std::string(w + 1 - s.size(), ' '); };
  std::cout << col("key", wk) << col("type", wt) << col("value", wv) << "description\n";
  for (const auto& p : params)
    std::cout << col(p.key, wk) << col(p.type, wt) << col(shown(p, p.value), wv) << p.description
              << (p.value != p.default_value ? "  [default " + shown(p, p.default_value) + "]" : "") << "\n";
  return 0;
}
}  // namespace

int minipc_main(int argc, char** argv) {
  // A closed pipe on standard output (`minipc | head`) is a write error the
  // run reports at its end, after writing the VCD and stats, not a signal
  // that kills it first.
  std::signal(SIGPIPE, SIG_IGN);
  // Keep stdout for the firmware console: compact reports on stderr.
  sc_core::sc_report_handler::set_handler(report_handler);
  sc_core::sc_report_handler::set_actions("/IEEE_Std_1666/deprecated", sc_core::SC_DO_NOTHING);

  CLI::App app{"minipc: a SystemC/TLM-2.0 model of a small x86 PC running real firmware"};
  app.set_version_flag("--version", "minipc 0.1");
  Options run_opts, params_opts, describe_opts;
  CLI::App* run = app.add_subcommand("run", "boot firmware on the platform (the default command)");
  add_run(*run, run_opts);
  CLI::App* params = app.add_subcommand("params", "list every configurable parameter with its value");
  add_common(*params, params_opts);
  CLI::App* describe_cmd =
      app.add_subcommand("describe", "print the assembled platform: blocks, memory and I/O maps, interrupt routing, bus masters");
  add_common(*describe_cmd, describe_opts);
  app.require_subcommand(0, 1);

  // `minipc [options]` means `minipc run [options]`.
  std::vector<std::string> args(argv + 1, argv + argc);
  const bool has_command = !args.empty() && (args[0] == "run" || args[0] == "params" || args[0] == "describe" || args[0] == "-h" ||
                                              args[0] == "--help" || args[0] == "--version");
  if (!has_command) args.insert(args.begin(), "run");
  std::reverse(args.begin(), args.end());  // CLI11 takes the arguments reversed

  try {
    app.parse(args);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : exit_status::usage;
  }

  if (!run_opts.verbose && !params_opts.verbose && !describe_opts.verbose) sc_core::sc_report_handler::set_actions(sc_core::SC_INFO, sc_core::SC_DO_NOTHING);

  try {
    if (params->parsed()) return do_params(params_opts);
    if (describe_cmd->parsed()) return do_describe(describe_opts);
    return do_run(run_opts);  // `minipc` alone runs the default demo
  } catch (const ConfigError& e) {
    std::cerr << "minipc: error: " << e.what() << "\n";
    return exit_status::usage;
  } catch (const LoadError& e) {
    std::cerr << "minipc: error: " << e.what() << "\n";
    return e.exit_code();
  } catch (const InputError& e) {
    std::cerr << "minipc: error: " << e.what() << "\n";
    return exit_status::no_input;
  } catch (const DataError& e) {
    std::cerr << "minipc: error: " << e.what() << "\n";
    return exit_status::data_error;
  } catch (const sc_core::sc_report& e) {
    std::cerr << "minipc: internal error: " << e.what() << "\n";
    return exit_status::internal;
  } catch (const std::exception& e) {
    std::cerr << "minipc: internal error: " << e.what() << "\n";
    return exit_status::internal;
  }
}

}  // namespace minipc
