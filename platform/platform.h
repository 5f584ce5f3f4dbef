// The platform builder: a whole PC built from the config as data
// (docs/platform.md). The config's top-level sections name blocks; each
// block's `type` (and `impl`) picks a factory from the BlockRegistry, which
// builds the block's modules and declares its windows, bus masters, nets,
// traced signals and services to this builder. The builder checks the whole
// (overlapping windows, two drivers on one exclusive net, unknown types,
// missing keys: ConfigError naming the file, the key and both blocks) and
// wires it. It only builds: running, the VCD, the stats file, Perfetto, GDB
// and the instruction trace are the run session's (platform/session.h).
//
// Reserved sections: `platform` (keys of the whole: interrupts, time_limit,
// ...) and `bus` (the interconnect's parameters).
#pragma once

#include <any>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <systemc>

#include "bus/bus.h"
#include "core/block.h"
#include "core/params.h"
#include "faults.h"
#include "interrupt_monitor.h"

namespace minipc {

class Platform : public BlockBuilder {
 public:
  // Builds the system from ConfigStore::instance(); throws ConfigError (bad,
  // unknown or colliding keys) and std::runtime_error / LoadError from
  // models that cannot open their files.
  Platform();
  ~Platform() override;

  Param<std::string> interrupts{"platform.interrupts", "pic",
                                "pic: the 8259A's INT is the CPU's INTR; apic: the local APIC's (IOAPIC routes the lines)"};
  Param<std::string> trace_rtl{"platform.trace_rtl", "", "VCD of the RTL blocks' internals ('' for none)"};

  Bus& bus() { return *bus_; }
  const Bus& bus() const { return *bus_; }

  // ---- what `minipc describe` and the run session read ---------------------
  struct BlockRecord {
    std::string name, type, impl, description;
  };
  const std::deque<BlockRecord>& blocks() const { return blocks_; }
  struct NetRecord {
    std::string name;
    std::vector<std::string> drivers;  // "uart0.irq"
    std::vector<std::string> readers;  // "pic_master.ir4", "ioapic.pin4"
  };
  // In the order nets were first named.
  std::vector<const NetRecord*> nets() const;
  // The block that declared bus target `index` (for the maps).
  const BlockRecord* target_block(int index) const {
    return index >= 0 && static_cast<size_t>(index) < target_blocks_.size() ? target_blocks_[static_cast<size_t>(index)]
                                                                           : nullptr;
  }
  // Traces every signal the blocks declared into f (declaration order).
  void trace_all(sc_core::sc_trace_file* f) const;
  // The RTL trace files opened (--trace-rtl).
  const std::vector<std::string>& rtl_trace_paths() const { return rtl_traces_; }
  template <typename T>
  T* service(const std::string& s) const {
    return find<T>(s);
  }
  template <typename T>
  std::vector<T*> services(const std::string& s) const {
    return find_all<T>(s);
  }

  // ---- faults (platform/faults.h) ---------------------------------------------
  // The filter between a faulted net's driver and its readers (made once).
  FaultLine& fault_line(const std::string& net);
  bool has_net(const std::string& net) const { return nets_.count(net) > 0; }
  // Every service name offered, in order (for error messages).
  std::vector<std::string> service_names() const;
  const FaultInjector& faults() const { return *faults_; }

  // ---- BlockBuilder ----------------------------------------------------------
  const std::string& name() const override { return current_->name; }
  const std::string& type() const override { return current_->type; }
  const std::string& impl() const override { return current_->impl; }
  bool apic_mode() const override { return apic_mode_; }
  int target(TargetSocket& socket, const std::string& label) override;
  void window(AddressSpace space, uint64_t base, uint64_t size, int target, const std::string& key,
              uint64_t offset = 0) override;
  void register_window(TargetSocket& socket, const std::string& label, uint64_t size, uint64_t io_base_default,
                       uint64_t mmio_base_default = 0) override;
  int master(InitiatorSocket& socket, const std::string& master, unsigned priority) override;
  int master(BusMaster& kit, const std::string& master, unsigned priority) override;
  void direct(InitiatorSocket& socket, TargetSocket& target) override;
  IrqLine& drive(const std::string& net, const std::string& driver) override;
  IrqLine& read(const std::string& net, const std::string& reader) override;
  IrqLine& isa_irq(const std::string& param, uint64_t default_line, const std::string& what) override;
  std::string rtl_trace_path(const std::string& module) override;
  void add_trace(std::function<void(sc_core::sc_trace_file*)> fn) override { traces_.push_back(std::move(fn)); }
  void offer_any(const std::string& service, std::any object) override;
  std::vector<const std::any*> find_any(const std::string& service) const override;
  void on_connect(std::function<void(BlockBuilder&)> fn) override;
  void own_any(std::shared_ptr<void> p) override { owned_.push_back(std::move(p)); }

 private:
  struct Net {
    NetRecord record;
    std::unique_ptr<IrqLine> line;
    std::unique_ptr<IrqLine> raw;         // a faulted net: what its driver writes
    std::unique_ptr<FaultLine> filter;    // between raw and line
  };
  Net& net(const std::string& name);
  void build_block(const std::string& name);
  [[noreturn]] void untyped_block(const std::string& name);
  void monitor_interrupts();

  std::unique_ptr<Bus> bus_;
  std::unique_ptr<InterruptMonitor> irq_monitor_;
  std::unique_ptr<FaultInjector> faults_;
  std::deque<BlockRecord> blocks_;  // stable addresses: connect steps point at them
  const BlockRecord* current_ = nullptr;
  BlockRecord platform_record_{"platform", "platform", "", ""};
  bool apic_mode_ = false;
  std::map<std::string, Net> nets_;
  std::vector<std::string> net_order_;
  std::vector<const BlockRecord*> target_blocks_;
  std::vector<std::pair<std::string, std::string>> window_owners_;  // per window: block, key
  std::vector<std::function<void(sc_core::sc_trace_file*)>> traces_;
  std::vector<std::pair<std::string, std::any>> services_;
  std::vector<std::pair<const BlockRecord*, std::function<void(BlockBuilder&)>>> connects_;
  std::vector<std::shared_ptr<void>> owned_;  // destroyed in reverse order of creation (see ~Platform)
  std::vector<std::string> rtl_traces_;
};

}  // namespace minipc
