// The rtl_apb block type: a user's Verilated module with an APB slave port
// behind the generic bridge (apb_bridge.h). The config names the module
// (one built by minipc_add_rtl_block(), rtl/apb/rtl_apb.cmake):
//
//     timer0:
//       type: rtl_apb
//       module: apb_timer
//       mmio_base: 0xFED10000   # and/or io_base (at least one)
//       irq: 5                  # required when the module has irq_o
//       clock_hz: 10MHz
#include <algorithm>

#include "apb/apb_bridge.h"
#include "apb/apb_registry.h"
#include "core/block.h"
#include "core/bus_master.h"
#include "core/hex.h"

namespace minipc {

RtlApbModules& RtlApbModules::instance() {
  static RtlApbModules m;
  return m;
}

void RtlApbModules::add(RtlApbModule m) {
  if (find(m.name)) return;
  modules_.push_back(std::move(m));
}

const RtlApbModule* RtlApbModules::find(const std::string& name) const {
  for (const auto& m : modules_)
    if (m.name == name) return &m;
  return nullptr;
}

std::vector<std::string> RtlApbModules::names() const {
  std::vector<std::string> out;
  for (const auto& m : modules_) out.push_back(m.name);
  std::sort(out.begin(), out.end());
  return out;
}

namespace {
std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
  return s.empty() ? "none in this build" : s;
}

void build_rtl_apb(BlockBuilder& b) {
  const std::string& n = b.name();
  auto& cfg = ConfigStore::instance();
  Param<std::string> module{n + ".module", "", "the RTL module (a NAME given to minipc_add_rtl_block)"};
  if (module.get().empty())
    throw ConfigError(n + ": an rtl_apb block needs 'module' (built in this minipc: " +
                      join(RtlApbModules::instance().names()) + ")");
  const RtlApbModule* m = RtlApbModules::instance().find(module.get());
  if (!m)
    throw ConfigError(module.key() + ": '" + module.get() + "' is not an RTL block of this build (" +
                      join(RtlApbModules::instance().names()) + ")");
  auto& bridge = b.own(std::make_unique<ApbBridge>(n.c_str(), m->make(n + ".rtl")));

  Param<uint64_t> io_base{n + ".io_base", 0, "port of the APB register window (0: none)"};
  Param<uint64_t> mmio_base{n + ".mmio_base", 0, "memory address of the APB register window (0: none)"};
  const uint64_t size = bridge.size.get();
  if (!io_base.get() && !mmio_base.get())
    throw ConfigError(n + ": an rtl_apb block needs mmio_base and/or io_base (where its registers are)");
  if (io_base.get() && io_base.get() + size > 0x10000)
    throw ConfigError(io_base.key() + ": " + hex(io_base.get()) + " + size " + hex(size) +
                      " is outside the 64 KiB I/O space");
  const int t = b.target(bridge.regs, n);
  if (io_base.get()) b.window(AddressSpace::io, io_base.get(), size, t, io_base.key());
  if (mmio_base.get()) b.window(AddressSpace::memory, mmio_base.get(), size, t, mmio_base.key());
  bridge.set_bases(io_base.get(), mmio_base.get());

  const bool irq_given = cfg.peek(n + ".irq").has_value();
  if (bridge.model().has_irq()) {
    if (!irq_given)
      throw ConfigError(n + ".irq: module " + module.get() + " has an interrupt output (irq_o): give its ISA IRQ line");
    bridge.irq.bind(b.isa_irq("irq", 0, "ISA IRQ line of irq_o bit 0"));
  } else {
    if (irq_given) throw ConfigError(n + ".irq: module " + module.get() + " has no interrupt output (irq_o)");
    bridge.irq.bind(b.drive(n + ".irq", n + ".irq"));
  }
  if (BusMaster* kit = bridge.master()) {
    Param<uint64_t> priority{n + ".bus_priority", 3, "fixed_priority arbitration of the memory port (smaller wins)"};
    b.master(*kit, n, bus_priority(priority));
  }
  const std::string path = b.rtl_trace_path(n);
  if (!path.empty()) bridge.open_trace(path);
}
}  // namespace

void register_rtl_apb_blocks(BlockRegistry& r) {
  r.add({"rtl_apb", "rtl", "a user's SystemVerilog block with an APB slave port (rtl/apb, docs/rtl-blocks.md)",
         build_rtl_apb});
}

}  // namespace minipc
