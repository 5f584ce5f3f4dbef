#include "platform.h"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <sstream>

#include "core/stats.h"

namespace minipc {

namespace {
std::string hex(uint64_t v) {
  std::ostringstream s;
  s << "0x" << std::hex << std::uppercase << v;
  return s.str();
}

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
void make_parent_dirs(const std::string& key, const std::string& path) {
  const auto parent = std::filesystem::path(path).parent_path();
  std::error_code ec;
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  if (ec) throw LoadError(exit_status::no_input, key + ": cannot create folder '" + parent.string() + "': " + ec.message());
}
}  // namespace

Platform::Platform() {
  bus_ = std::make_unique<Bus>("bus");
  ram_ = std::make_unique<Memory>("ram");
  cpu_ = std::make_unique<Cpu>("cpu0");
  uart_ = std::make_unique<Uart16550>("uart0");
  debugcon_ = std::make_unique<DebugConsole>("debugcon");
  exitport_ = std::make_unique<ExitPort>("exit");

  // IRQ lines 0-15 as on a PC. No interrupt controller is modelled yet: the
  // lines are traced, and the CPU's INTR input is held low.
  for (size_t i = 0; i < irq_.size(); ++i) irq_[i] = std::make_unique<IrqLine>(("irq" + std::to_string(i)).c_str());
  intr_ = std::make_unique<IrqLine>("intr");
  cpu_->intr.bind(*intr_);

  // Initiators, then targets.
  bus_->connect_initiator(cpu_->mem, "cpu0");
  bus_->connect_initiator(cpu_->io, "cpu0");

  const int ram_target = bus_->connect_target(ram_->port, "ram");
  bus_->map(AddressSpace::memory, 0, ram_->bytes(), ram_target);

  map_device(*uart_, "uart0", 0x3F8, 8, bus_->connect_target(uart_->regs, "uart0"));
  map_device(*debugcon_, "debugcon", 0xE9, 1, bus_->connect_target(debugcon_->regs, "debugcon"));
  map_device(*exitport_, "exit", 0xF4, 4, bus_->connect_target(exitport_->regs, "exit"));

  Param<uint64_t> uart_irq{"uart0.irq", 4, "IRQ line of uart0"};
  if (uart_irq.get() >= irq_.size())
    throw ConfigError(uart_irq.key() + ": IRQ " + std::to_string(uart_irq.get()) + " is not 0..15");
  uart_->irq.bind(*irq_[uart_irq.get()]);

  // Every key must have been taken by now: a typo is an error, not a no-op.
  ConfigStore::instance().check_all_used();
}

Platform::~Platform() {
  if (trace_) sc_core::sc_close_vcd_trace_file(trace_);
}

void Platform::map_device(Peripheral& dev, const std::string& block, uint64_t io_base_default, uint64_t io_size,
                          int target) {
  // A register block can sit in the I/O space, the memory space, or both:
  // the same driver can then be compared both ways (io_base 0 = not in I/O).
  Param<uint64_t> io_base{block + ".io_base", io_base_default, "port of the register block (0: none)"};
  Param<uint64_t> mmio_base{block + ".mmio_base", 0, "memory address of the register block (0: none)"};
  if (io_base.get() + io_size > 0x10000)
    throw ConfigError(io_base.key() + ": " + hex(io_base.get()) + " is outside the 64 KiB I/O space");
  if (io_base.get()) bus_->map(AddressSpace::io, io_base.get(), io_size, target);
  if (mmio_base.get()) bus_->map(AddressSpace::memory, mmio_base.get(), io_size, target);
  (void)dev;
}

LoadedImage Platform::load_firmware() {
  const std::string& path = firmware.get();
  if (path.empty()) throw LoadError(exit_status::no_input, "no firmware given (--firmware ELF)");
  LoadedImage img = load_elf(path, ram_->data(), ram_->bytes());
  const uint32_t mbi = write_multiboot_info(ram_->data(), ram_->bytes(), cmdline.get());
  cpu_->set_entry_state(img.entry, kMultibootBootloaderMagic, mbi);
  return img;
}

void Platform::open_vcd() {
  if (vcd.get().empty()) return;
  std::string base = vcd.get();
  if (base.size() > 4 && base.compare(base.size() - 4, 4, ".vcd") == 0) base.resize(base.size() - 4);
  make_parent_dirs(vcd.key(), base);
  vcd_path_ = base + ".vcd";
  {
    std::ofstream probe(vcd_path_);
    if (!probe) throw LoadError(exit_status::no_input, "platform.vcd: cannot write '" + vcd_path_ + "'");
  }
  trace_ = sc_core::sc_create_vcd_trace_file(base.c_str());
  trace_->set_time_unit(1, sc_core::SC_PS);
  sc_core::sc_trace(trace_, bus_->owner, "bus.owner");
  sc_core::sc_trace(trace_, *intr_, "cpu0.intr");
  sc_core::sc_trace(trace_, cpu_->halted, "cpu0.halted");
  sc_core::sc_trace(trace_, cpu_->interrupt_flag, "cpu0.if");
  for (size_t i = 0; i < irq_.size(); ++i) sc_core::sc_trace(trace_, *irq_[i], irq_[i]->basename());
}

void Platform::write_stats(const Result& r) {
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
}

Platform::Result Platform::run() {
  open_vcd();
  reset_sim_outcome();
  const auto t0 = std::chrono::steady_clock::now();
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
    m << "time limit " << time_limit.get() << " reached without the firmware exiting (cpu0 at EIP="
      << hex(cpu_->core().eip()) << (cpu_->halted.read() ? ", halted" : "") << ")";
    r.exit_code = exit_status::time_limit;
    r.reason = StopReason::time_limit;
    r.message = m.str();
  }
  if (trace_) {
    sc_core::sc_close_vcd_trace_file(trace_);
    trace_ = nullptr;
    blank_vcd_date(vcd_path_);
    r.vcd_path = vcd_path_;
  }
  write_stats(r);
  if (!stats_file.get().empty()) r.stats_path = stats_file.get();
  return r;
}

}  // namespace minipc
