#include "platform.h"

#include "config_text.h"
#include "output_files.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/sim_control.h"
#include "loader/elf_loader.h"
#include "registered_blocks.h"

namespace minipc {

namespace {
// Sections of the config that are not blocks.
bool reserved(const std::string& section) {
  return section == "platform" || section == "bus" || section == "include" || section == "faults";
}

// SystemC object names may not contain dots: nets "uart0.txrdy" become
// signals "uart0_txrdy".
std::string object_name(const std::string& net) {
  std::string s = net;
  std::replace(s.begin(), s.end(), '.', '_');
  return s;
}

}  // namespace

Platform::Platform() {
  register_all_blocks();
  current_ = &platform_record_;
  apic_mode_ = interrupts.get() == "apic";
  if (!apic_mode_ && interrupts.get() != "pic")
    throw ConfigError(interrupts.key() + ": '" + interrupts.get() + "' is not an interrupt mode (pic, apic)");
  bus_ = std::make_unique<Bus>("bus");
  offer<sc_core::sc_signal<int>>("bus.owner", &bus_->owner);
  // A model about to wait on bus.owner asks for it first (Bus::watch_owner).
  offer<std::function<int()>>("bus.owner_watch",
                              &own(std::make_unique<std::function<int()>>([this] { return bus_->watch_owner(); })));
  offer<Bus>("bus", bus_.get());  // for the platform's own block types (pci_wiring.cpp)
  add_trace([this](sc_core::sc_trace_file* f) { sc_core::sc_trace(f, bus_->owner, "bus.owner"); });
  // Latency of every interrupt: line -> INTR -> ISR -> EOI (stats "irq.*").
  irq_monitor_ = std::make_unique<InterruptMonitor>("irq_monitor");
  using Accepted = std::function<void(int, const sc_core::sc_time&, bool)>;
  offer<Accepted>("interrupt_accepted", &own(std::make_unique<Accepted>(
                                            [this](int vector, const sc_core::sc_time& at, bool back_to_back) {
                                              irq_monitor_->accepted(vector, at, back_to_back);
                                            })));

  // Faults first: the nets they target get a filter when driven.
  faults_ = std::make_unique<FaultInjector>("faults");

  // Pass 1: every block in config order; pass 2: their connect steps.
  // A section with a `type` is a block; one without is the parameters of a
  // module some block creates (pic_master, lapic0), or a mistake (below).
  const std::vector<std::string> sections = ConfigStore::instance().sections();
  for (const std::string& s : sections)
    if (!reserved(s) && ConfigStore::instance().peek(s + ".type")) build_block(s);
  for (auto& [block, fn] : connects_) {
    current_ = block;
    fn(*this);
  }
  current_ = &platform_record_;
  for (const std::string& s : sections)
    if (!reserved(s) && !ConfigStore::instance().any_used(s)) untyped_block(s);
  // The ISA IRQ lines in the VCD, driven or not.
  for (unsigned i = 0; i < 16; ++i) {
    IrqLine& line = read("irq" + std::to_string(i), "vcd");
    add_trace([&line, i](sc_core::sc_trace_file* f) { sc_core::sc_trace(f, line, "irq" + std::to_string(i)); });
  }
  monitor_interrupts();
  faults_->wire(*this, *bus_);
  add_trace([this](sc_core::sc_trace_file* f) { faults_->trace(f); });
  if (!trace_rtl.get().empty() && rtl_traces_.empty())
    throw ConfigError(trace_rtl.key() + ": no block is RTL (set pit0.impl=rtl and/or pic.impl=rtl, or add an rtl_apb block)");
  // Unused keys are checked by the run session (platform/session.cpp),
  // which takes the run's own keys (platform.vcd, ...) first.
}

Platform::~Platform() {
  // Modules in reverse order of creation, as SystemC expects.
  while (!owned_.empty()) owned_.pop_back();
}

// A section none of whose keys any block took: a block without a type, or
// a misspelt name.
void Platform::untyped_block(const std::string& name) {
  std::string where;
  for (const auto& e : ConfigStore::instance().unused())
    if (e.key.rfind(name + ".", 0) == 0) {
      where = " (" + e.source + ")";
      break;
    }
  throw ConfigError("block '" + name + "'" + where + ": no 'type' and no block has such a part (is the name right? " +
                    "known types: " + join(BlockRegistry::instance().types()) + ")");
}

void Platform::build_block(const std::string& name) {
  auto& cfg = ConfigStore::instance();
  const auto type = cfg.take(name + ".type");
  const auto impl_entry = cfg.take(name + ".impl");
  const auto impls = BlockRegistry::instance().impls(type->value);
  // Without `impl`: tlm, or the only implementation a type has (rtl_apb: rtl).
  std::string impl = "tlm";
  if (!impl_entry && impls.size() == 1) impl = impls.front();
  if (impl_entry) impl = impl_entry->value;
  if (impls.empty())
    throw ConfigError(name + ".type (" + type->source + "): unknown block type '" + type->value + "' (known: " +
                      join(BlockRegistry::instance().types()) + ")");
  const BlockType* t = BlockRegistry::instance().find(type->value, impl);
  if (!t)
    throw ConfigError(name + ".impl" + source_of(name + ".impl") + ": '" + impl + "' is not an implementation (" +
                      join(impls) + ")" +
                      (impl == "rtl" ? "; 'rtl' needs Verilator, and this minipc was built without it" : ""));
  // Parameter descriptions for `minipc params`.
  ConfigStore::instance().register_param({name + ".type", "string", type->value, type->value, t->description});
  ConfigStore::instance().register_param(
      {name + ".impl", "string", "tlm", impl, "implementation of " + name + " (" + join(impls) + ")"});
  blocks_.push_back({name, type->value, impl, t->description});
  current_ = &blocks_.back();
  t->build(*this);
  // Targets a block connected to the bus by itself (the PCI wiring's) are
  // that block's too.
  target_blocks_.resize(bus_->target_count(), nullptr);
  for (auto& owner : target_blocks_)
    if (!owner) owner = current_;
  current_ = &platform_record_;
}

// ---- address spaces -------------------------------------------------------

int Platform::target(TargetSocket& socket, const std::string& label) {
  const int index = bus_->connect_target(socket, label);
  if (target_blocks_.size() <= static_cast<size_t>(index)) target_blocks_.resize(static_cast<size_t>(index) + 1);
  target_blocks_[static_cast<size_t>(index)] = current_;
  return index;
}

void Platform::window(AddressSpace space, uint64_t base, uint64_t size, int target, const std::string& key,
                      uint64_t offset) {
  if (space == AddressSpace::io && base + size > 0x10000)
    throw ConfigError(key + source_of(key) + ": " + hex_upper(base) + " is outside the 64 KiB I/O space");
  if (space == AddressSpace::memory && (base + size > (1ull << 32) || base + size < base))
    throw ConfigError(key + source_of(key) + ": [" + hex_upper(base) + ", " + hex_upper(base + size) +
                      ") crosses the 4 GiB memory space");
  try {
    bus_->map(space, base, size, target, offset);
  } catch (const ConfigError& e) {
    throw ConfigError(key + source_of(key) + ": " + e.what());
  }
}

void Platform::register_window(TargetSocket& socket, const std::string& label, uint64_t size, uint64_t io_base_default,
                               uint64_t mmio_base_default) {
  // A register block can sit in the I/O space, the memory space, or both:
  // the same driver can then be compared both ways (io_base 0 = not in I/O).
  Param<uint64_t> io_base{label + ".io_base", io_base_default, "port of the register block (0: none)"};
  Param<uint64_t> mmio_base{label + ".mmio_base", mmio_base_default, "memory address of the register block (0: none)"};
  if (io_base.get() + size > 0x10000)
    throw ConfigError(io_base.key() + source_of(io_base.key()) + ": " + hex_upper(io_base.get()) +
                      " is outside the 64 KiB I/O space");
  const int t = target(socket, label);
  if (io_base.get()) window(AddressSpace::io, io_base.get(), size, t, io_base.key());
  if (mmio_base.get()) window(AddressSpace::memory, mmio_base.get(), size, t, mmio_base.key());
}

int Platform::master(InitiatorSocket& socket, const std::string& name, unsigned priority) {
  return bus_->connect_initiator(socket, name, priority);
}

int Platform::master(BusMaster& kit, const std::string& name, unsigned priority) {
  return bus_->connect_master(kit, name, priority);
}

void Platform::direct(InitiatorSocket& socket, TargetSocket& target) {
  // What tlm_base_initiator_socket::bind does, on the socket bases.
  (socket.get_base_port())(target.get_base_interface());
  (target.get_base_port())(socket.get_base_interface());
}

// ---- nets -------------------------------------------------------------------

Platform::Net& Platform::net(const std::string& name) {
  auto it = nets_.find(name);
  if (it != nets_.end()) return it->second;
  Net& n = nets_[name];
  n.record.name = name;
  n.line = std::make_unique<IrqLine>(object_name(name).c_str());
  net_order_.push_back(name);
  return n;
}

IrqLine& Platform::drive(const std::string& name, const std::string& driver) {
  Net& n = net(name);
  if (!n.record.drivers.empty()) {
    throw ConfigError(driver + source_of(driver) + " and " + n.record.drivers.front() +
                        source_of(n.record.drivers.front()) + " both drive " + name +
                        " (a line with one driver: give one of them another line)");
  }
  n.record.drivers.push_back(driver);
  if (faults_ && faults_->net_faulted(name)) {
    // The driver writes the raw line; a FaultLine (fault_line()) drives
    // what the readers see.
    if (!n.raw) n.raw = std::make_unique<IrqLine>((object_name(name) + "_driver").c_str());
    return *n.raw;
  }
  return *n.line;
}

IrqLine& Platform::read(const std::string& name, const std::string& reader) {
  Net& n = net(name);
  if (!reader.empty() && reader != "vcd") n.record.readers.push_back(reader);
  return *n.line;
}

IrqLine& Platform::isa_irq(const std::string& param, uint64_t default_line, const std::string& what) {
  Param<uint64_t> p{current_->name + "." + param, default_line, what};
  if (p.get() >= 16 || p.get() == 2)
    throw ConfigError(p.key() + ": IRQ " + std::to_string(p.get()) + " is not 0..15 (2 is the cascade)" +
                      source_of(p.key()));
  return drive("irq" + std::to_string(p.get()), p.key());
}

FaultLine& Platform::fault_line(const std::string& name) {
  Net& n = net(name);
  if (!n.filter) {
    if (!n.raw) n.raw = std::make_unique<IrqLine>((object_name(name) + "_driver").c_str());
    n.filter = std::make_unique<FaultLine>((object_name(name) + "_fault").c_str(), *n.raw, *n.line);
  }
  return *n.filter;
}

std::vector<std::string> Platform::service_names() const {
  std::vector<std::string> out;
  for (const auto& s : services_) out.push_back(s.first);
  return out;
}

std::vector<const Platform::NetRecord*> Platform::nets() const {
  std::vector<const NetRecord*> out;
  for (const auto& n : net_order_) out.push_back(&nets_.at(n).record);
  return out;
}

// ---- tracing, services, connect steps ----------------------------------------

std::string Platform::rtl_trace_path(const std::string& module) {
  if (trace_rtl.get().empty()) return "";
  // --trace-rtl FILE: each RTL block writes FILE's base name + ".<block>.vcd".
  std::string base = trace_rtl.get();
  if (base.size() > 4 && base.compare(base.size() - 4, 4, ".vcd") == 0) base.resize(base.size() - 4);
  const std::string path = base + "." + module + ".vcd";
  make_parent_dirs(trace_rtl.key(), path);
  if (!std::ofstream(path)) throw LoadError(exit_status::no_input, trace_rtl.key() + ": cannot write '" + path + "'");
  rtl_traces_.push_back(path);
  return path;
}

void Platform::trace_all(sc_core::sc_trace_file* f) const {
  for (const auto& t : traces_) t(f);
}

void Platform::offer_any(const std::string& service, std::any object) {
  services_.emplace_back(service, std::move(object));
}

std::vector<const std::any*> Platform::find_any(const std::string& service) const {
  std::vector<const std::any*> out;
  for (const auto& [name, object] : services_)
    if (name == service) out.push_back(&object);
  return out;
}

void Platform::on_connect(std::function<void(BlockBuilder&)> fn) { connects_.emplace_back(current_, std::move(fn)); }

void Platform::monitor_interrupts() {
  irq_monitor_->wire(*this);
  add_trace([this](sc_core::sc_trace_file* f) {
    sc_core::sc_trace(f, irq_monitor_->inta_vector.signal, "cpu0.inta_vector");
    sc_core::sc_trace(f, irq_monitor_->in_service.signal, "cpu0.interrupts_in_service");
  });
}

}  // namespace minipc
