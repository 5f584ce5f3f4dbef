#include "session.h"

#include "core/fault.h"

#include "output_files.h"

#include <sys/statvfs.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <sstream>

#include "core/stats.h"
#include "core/timed_signal.h"
#include "cpu/cpu.h"
#include "debug/core_debugger.h"
#include "memory/memory.h"
#include "nic/e1000.h"
#include "trace/trace_port.h"

namespace minipc {

namespace {
// SystemC stamps the wall-clock date into the VCD header; overwrite it in
// place (same length) so the same config gives a byte-identical VCD.
void blank_vcd_date(const std::string& path) {
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  if (!f) return;
  std::string head(512, '\0');
  f.read(&head[0], static_cast<std::streamsize>(head.size()));
  head.resize(static_cast<size_t>(f.gcount()));
  const size_t begin = head.find("$date");
  const size_t end = head.find("$end", begin == std::string::npos ? 0 : begin);
  if (begin == std::string::npos || end == std::string::npos) return;
  std::string body(end - (begin + 5), ' ');
  const std::string note = "\n     minipc";
  body.replace(0, std::min(note.size(), body.size()), note.substr(0, body.size()));
  if (!body.empty()) body.back() = '\n';
  f.clear();
  f.seekp(static_cast<std::streamoff>(begin + 5));
  f.write(body.data(), static_cast<std::streamsize>(body.size()));
}

// Creates the folders an output file goes in; key names the setting.
}  // namespace

RunSession::RunSession(Platform& pc) : pc_(pc) {
  cpu_ = pc.service<Cpu>("cpu");
  ram_ = pc.service<Memory>("ram");
  trace_port_ = pc.service<TracePort>("trace_port");
  if (!cpu_) throw ConfigError("the platform has no CPU (a block with type: ia32)");
  if (!ram_) throw ConfigError("the platform has no RAM (a block with type: ram)");
  // Every key must have been taken by now: a typo is an error, not a no-op.
  ConfigStore::instance().check_all_used();
  check_outputs();
  open_pcap();
}

// An output file that is the firmware itself would overwrite it (`--stats
// fw.elf`): refused before anything is written.
void RunSession::check_outputs() const {
  namespace fs = std::filesystem;
  std::string vcd_file = vcd.get();
  if (!vcd_file.empty() && !(vcd_file.size() > 4 && vcd_file.compare(vcd_file.size() - 4, 4, ".vcd") == 0))
    vcd_file += ".vcd";
  const std::pair<std::string, std::string> outputs[] = {{vcd.key(), vcd_file},
                                                         {stats_file.key(), stats_file.get()},
                                                         {perfetto.key(), perfetto.get()},
                                                         {pcap.key(), pcap.get()},
                                                         {trace_insn.key(), trace_insn.get()}};
  for (const auto& [key, path] : outputs) {
    std::error_code ec;
    if (!path.empty() && !firmware.get().empty() && fs::equivalent(path, firmware.get(), ec))
      throw ConfigError(key + ": '" + path + "' is the firmware (" + firmware.key() + "): it would be overwritten");
  }
}

// --pcap: every NIC's wire, both directions, in one file (frames stamped
// with the simulated time their first bit is on the wire).
void RunSession::open_pcap() {
  if (pcap.get().empty()) return;
  const std::vector<E1000*> nics = pc_.services<E1000>("nic");
  if (nics.empty()) throw ConfigError(pcap.key() + ": the platform has no NIC (a block with type: e1000)");
  make_parent_dirs(pcap.key(), pcap.get());
  pcap_ = std::make_unique<wire::PcapWriter>();
  try {
    pcap_->open(pcap.get());
  } catch (const wire::WireError& e) {
    throw LoadError(exit_status::no_input, pcap.key() + ": " + e.what());
  }
  for (E1000* nic : nics)
    nic->wire_tap = [w = pcap_.get()](const sc_core::sc_time& t, const uint8_t* data, size_t len, bool) {
      w->write(t.value() / 1000, data, len);  // ps -> ns
    };
}

RunSession::~RunSession() {
  if (trace_) sc_core::sc_close_vcd_trace_file(trace_);
}

LoadedImage RunSession::load_firmware() {
  const std::string& path = firmware.get();
  if (path.empty()) throw LoadError(exit_status::no_input, "no firmware given (--firmware ELF)");
  LoadedImage img = load_elf(path, ram_->data(), ram_->bytes());
  if (!find_multiboot_header(path))
    std::cerr << "minipc: warning: firmware '" << path << "' has no valid Multiboot v1 header (magic 0x1BADB002 and "
              << "its checksum in the first 8 KiB): minipc boots its ELF entry, qemu-system-i386 -kernel would "
              << "refuse it\n";
  const uint32_t mbi = write_multiboot_info(ram_->data(), ram_->bytes(), cmdline.get(), kMultibootInfoAddress, &img);
  cpu_->set_entry_state(img.entry, kMultibootBootloaderMagic, mbi);
  return img;
}

void RunSession::open_vcd() {
  timed_signals_recorded() = !vcd.get().empty();  // no waveform: the VCD-only signals cost nothing
  if (vcd.get().empty()) return;
  std::string base = vcd.get();
  {
    // SystemC writes "<name>.vcd": a device given as the VCD (/dev/full,
    // /dev/stdout) would silently become a file next to it.
    std::error_code ec;
    const auto st = std::filesystem::status(base, ec);
    if (!ec && std::filesystem::exists(st) && !std::filesystem::is_regular_file(st))
      throw LoadError(exit_status::no_input, vcd.key() + ": '" + base +
                                                 "' is not a regular file (a VCD is written to a file of its own)");
  }
  if (base.size() > 4 && base.compare(base.size() - 4, 4, ".vcd") == 0) base.resize(base.size() - 4);
  make_parent_dirs(vcd.key(), base);
  vcd_path_ = base + ".vcd";
  {
    // A device that opens but takes nothing (/dev/full) fails here, not
    // silently inside SystemC's writer.
    std::ofstream probe(vcd_path_);
    if (!probe) throw LoadError(exit_status::no_input, "platform.vcd: cannot write '" + vcd_path_ + "'");
    const std::string block(4096, '\n');
    probe.write(block.data(), static_cast<std::streamsize>(block.size()));
    probe.flush();
    if (!probe) throw LoadError(exit_status::no_input, "platform.vcd: error writing '" + vcd_path_ + "' (disk full?)");
  }
  trace_ = sc_core::sc_create_vcd_trace_file(base.c_str());
  trace_->set_time_unit(1, sc_core::SC_PS);
  pc_.trace_all(trace_);
}

void RunSession::write_stats(const Result& r) {
  if (stats_file.get().empty()) return;
  auto& stats = StatsRegistry::instance();
  nlohmann::json j = stats.to_json();
  j["platform"]["simulated_ns"] = r.simulated.to_seconds() * 1e9;
  j["platform"]["exit_code"] = r.exit_code;
  // Host time is left out on purpose: the stats file is byte-identical for
  // the same config and seed (DESIGN.md §6); the summary line prints it.
  make_parent_dirs(stats_file.key(), stats_file.get());
  std::ofstream out(stats_file.get());
  if (!out) throw LoadError(exit_status::no_input, "platform.stats: cannot write '" + stats_file.get() + "'");
  out << std::setw(2) << j << "\n";
  out.flush();
  if (!out) throw LoadError(exit_status::no_input, "platform.stats: error writing '" + stats_file.get() + "' (disk full?)");
}

void RunSession::start_debugging() {
  if (!gdb_port.get() && trace_insn.get().empty()) return;
  Cpu* cpu = cpu_;
  debugger_ = std::make_unique<debug::CoreDebugger>(
      cpu->core(), [cpu](bool w, uint32_t a, uint8_t* d, size_t n) { return cpu->debug_access(w, a, d, n); },
      cpu->name());
  debugger_->set_log([](const std::string& line) { std::cerr << "minipc: " << line << "\n"; });
  // GDB's `k`: the user ended the run (status 0, but not the firmware's exit).
  debugger_->set_on_kill([] { request_stop(StopReason::debugger_kill, 0, ""); });
  if (!trace_insn.get().empty()) {
    debug::InsnTrace::Window window;
    try {
      window = debug::InsnTrace::parse_window(trace_insn_window.get());
    } catch (const std::invalid_argument& e) {
      throw ConfigError(trace_insn_window.key() + ": " + e.what());
    }
    make_parent_dirs(trace_insn.key(), trace_insn.get());
    debugger_->enable_trace(trace_insn.get(), window);
  }
  if (gdb_port.get()) {
    if (gdb_port.get() > 65535) throw ConfigError(gdb_port.key() + ": " + std::to_string(gdb_port.get()) + " is not a TCP port");
    try {
      debugger_->enable_gdb(static_cast<uint16_t>(gdb_port.get()), gdb_wait.get());
    } catch (const debug::GdbStubError& e) {
      throw InputError(std::string("--gdb: ") + e.what());
    }
  }
  cpu_->core().set_insn_hook(debugger_.get());
}

namespace {
// --wall-limit: every simulated millisecond, the host time so far; past the
// limit the run stops (a guest that makes simulated time crawl, such as an
// interrupt storm, cannot hold the host forever). Only built with a limit,
// so runs without one have no extra event.
class WallClockWatchdog : public sc_core::sc_module {
 public:
  SC_HAS_PROCESS(WallClockWatchdog);
  WallClockWatchdog(const sc_core::sc_module_name& nm, double limit_s, Cpu& cpu)
      : sc_core::sc_module(nm), limit_s_(limit_s), cpu_(cpu), t0_(std::chrono::steady_clock::now()) {
    SC_THREAD(watch);
  }

 private:
  void watch() {
    for (;;) {
      wait(sc_core::sc_time(1, sc_core::SC_MS));
      const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0_).count();
      if (s < limit_s_) continue;
      std::ostringstream m;
      m << "wall-clock limit of " << limit_s_ << " s host time reached at " << sc_core::sc_time_stamp()
        << " simulated (" << cpu_.name() << " at EIP=" << hex_upper(cpu_.core().eip()) << ")";
      request_stop(StopReason::wall_limit, exit_status::wall_limit, m.str());
      return;
    }
  }
  double limit_s_;
  Cpu& cpu_;
  std::chrono::steady_clock::time_point t0_;
};
}  // namespace

RunSession::Result RunSession::run() {
  open_vcd();
  // Markers are kept for the Chrome trace only when one is written.
  if (trace_port_) trace_port_->set_recording(!perfetto.get().empty());
  if (trace_port_ && !perfetto.get().empty()) {
    // Each fault's firing is a marker on a track of its own.
    TracePort* tp = trace_port_;
    FaultLog::instance().on_record([tp](int index, const std::string& name, const std::string& detail) {
      const sc_core::sc_time now = sc_core::sc_time_stamp();
      tp->add_slice("faults", "fault " + name, static_cast<uint64_t>(index), now, now, {{"detail", detail}});
    });
  }
  start_debugging();
  reset_sim_outcome();
  if (!(wall_limit.get() >= 0) || !std::isfinite(wall_limit.get()))
    throw ConfigError(wall_limit.key() + ": must be 0 (no limit) or a number of seconds");
  if (wall_limit.get() > 0) watchdog_ = std::make_unique<WallClockWatchdog>("wall_clock", wall_limit.get(), *cpu_);
  const auto t0 = std::chrono::steady_clock::now();
  cpu_->set_time_limit(sc_core::sc_time_stamp() + time_limit.get());
  sc_core::sc_start(time_limit.get());
  const double host = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  Result r{};
  r.simulated = sc_core::sc_time_stamp();
  r.host_seconds = host;
  r.instructions = cpu_->instructions();
  if (const auto& o = sim_outcome()) {
    r.exit_code = o->exit_code;
    r.reason = o->reason;
    r.message = o->message;
  } else {
    std::ostringstream m;
    m << "time limit " << time_limit.get() << " reached without the firmware exiting (" << cpu_->name() << " at EIP="
      << hex_upper(cpu_->core().eip()) << (cpu_->halted.read() ? ", halted" : "") << ")";
    r.exit_code = exit_status::time_limit;
    r.reason = StopReason::time_limit;
    r.message = m.str();
  }
  std::string output_error;  // reported after every other output is written
  if (debugger_) {
    debugger_->finish(r.exit_code, r.reason == StopReason::cpu_fatal || r.reason == StopReason::bus_fatal,
                      r.message.empty() ? "the firmware exited" : r.message);
    if (debugger_->trace() && debugger_->trace()->write_failed())
      output_error = trace_insn.key() + ": error writing '" + trace_insn.get() + "' (disk full?)";
  }
  if (trace_) {
    sc_core::sc_close_vcd_trace_file(trace_);
    trace_ = nullptr;
    blank_vcd_date(vcd_path_);
    r.vcd_path = vcd_path_;
    // SystemC's writer does not report write errors: a file system with no
    // room left after the run means the VCD was cut short.
    struct statvfs fs {};
    std::error_code ec;
    if (std::filesystem::is_regular_file(vcd_path_, ec) && statvfs(vcd_path_.c_str(), &fs) == 0 && fs.f_bavail == 0)
      output_error = vcd.key() + ": the file system of '" + vcd_path_ + "' is full: the VCD is cut short";
  }
  write_stats(r);
  if (!stats_file.get().empty()) r.stats_path = stats_file.get();
  if (!perfetto.get().empty()) {
    if (!trace_port_) throw ConfigError(perfetto.key() + ": the platform has no trace port (a block with type: trace_port)");
    make_parent_dirs(perfetto.key(), perfetto.get());
    trace_port_->write_chrome_trace(perfetto.get());
    r.perfetto_path = perfetto.get();
  }
  if (pcap_) {
    try {
      pcap_->close();
    } catch (const wire::WireError& e) {
      throw LoadError(exit_status::no_input, pcap.key() + ": " + e.what());
    }
    r.pcap_path = pcap.get();
    r.pcap_frames = pcap_->frames();
  }
  if (!output_error.empty()) throw LoadError(exit_status::no_input, output_error);
  return r;
}

}  // namespace minipc
