// Blocks: the platform as data (DESIGN.md §5, docs/platform.md).
//
// A config names its blocks at the top level; each has a `type` (and an
// `impl` where TLM and RTL twins exist) and its own parameters:
//
//     uart0:
//       type: uart16550
//       io_base: 0x3F8
//       irq: 4
//
// A block type is a factory registered in BlockRegistry by the model folder
// that implements it (models/<x>/blocks.cpp, one line in its CMakeLists.txt:
// `minipc_register_blocks(<library> <function>)`). The factory builds the
// model's modules and describes to a BlockBuilder what the block needs: its
// register windows in the memory and I/O spaces, its bus-master ports, the
// nets (IRQ lines and other pins) it drives and reads, the signals it traces,
// and services it offers to other blocks (an INTA cycle, a CPU). The builder
// (platform/) checks the whole for collisions and wires it; nothing in a
// model names the Bus class or the platform.
//
// Building is two passes in config order: every factory runs (modules exist,
// windows, masters and nets are declared), then every block's connect step
// (set by the factory with on_connect) binds what needs other blocks, e.g.
// the PIC pair's INTA cycle for the local APICs.
#pragma once

#include <any>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <systemc>
#include <tlm>

#include "core/address_space.h"
#include "core/irq.h"
#include "core/params.h"

namespace minipc {

class BusMaster;

using TargetSocket = tlm::tlm_base_target_socket_b<32, tlm::tlm_fw_transport_if<>, tlm::tlm_bw_transport_if<>>;
using InitiatorSocket = tlm::tlm_base_initiator_socket_b<32, tlm::tlm_fw_transport_if<>, tlm::tlm_bw_transport_if<>>;

// The platform under construction, as a block type sees it. Names of windows,
// masters and nets are global; a block names its own things after itself
// ("uart0", "disk0.ctrl").
class BlockBuilder {
 public:
  virtual ~BlockBuilder() = default;

  // The block being built: its config name ("uart0"), type and impl.
  virtual const std::string& name() const = 0;
  virtual const std::string& type() const = 0;
  virtual const std::string& impl() const = 0;
  // platform.interrupts: true for `apic` (the local APIC's INTR is the
  // CPU's; APIC messages cross the bus), false for `pic`.
  virtual bool apic_mode() const = 0;

  // ---- address spaces ------------------------------------------------------
  // A target socket on the bus; returns its index. `label` names it in the
  // stats and in `minipc describe` (usually the block name).
  virtual int target(TargetSocket& socket, const std::string& label) = 0;
  // Places [base, base+size) of space on target (offsets from `offset`). The
  // key is the config key the base came from (named in errors).
  virtual void window(AddressSpace space, uint64_t base, uint64_t size, int target, const std::string& key,
                      uint64_t offset = 0) = 0;
  // A register block with config keys <name>.io_base and <name>.mmio_base
  // (0 = not in that space): the usual case. Throws ConfigError for a window
  // outside the I/O space.
  virtual void register_window(TargetSocket& socket, const std::string& label, uint64_t size,
                               uint64_t io_base_default, uint64_t mmio_base_default = 0) = 0;

  // ---- bus masters ---------------------------------------------------------
  // Connects an initiator socket as (part of) the bus master `master`; sockets
  // that name the same master share its arbitration slot. Returns its index.
  virtual int master(InitiatorSocket& socket, const std::string& master, unsigned priority) = 0;
  // A device's bus-master kit (core/bus_master.h): connected and attached to
  // the bus (quiet/active state, wait figures). Returns its index.
  virtual int master(BusMaster& kit, const std::string& master, unsigned priority) = 0;
  // Binds an initiator straight to a target without the bus (no timing, not
  // a master): e.g. a CPU's socket to its own local APIC.
  virtual void direct(InitiatorSocket& socket, TargetSocket& target) = 0;

  // ---- nets ----------------------------------------------------------------
  // A named net (created on first use); nets "irq0".."irq15" are the ISA IRQ
  // lines. `driver` names the output for collision errors ("uart0.irq").
  // Every net has one driver: a second is a config error naming both. (Not
  // yet: wired-OR nets, several level-triggered outputs on one line, e.g.
  // a PCI PIRQ steered onto an ISA device's line; the PIIX3 ORs its
  // functions' INTx itself.)
  virtual IrqLine& drive(const std::string& net, const std::string& driver) = 0;
  // A net read by `reader` ("pic_master.ir4"; named by `minipc describe`).
  // A net nobody drives stays low.
  virtual IrqLine& read(const std::string& net, const std::string& reader) = 0;
  // An ISA IRQ output whose line number is the config key <name>.<param>
  // (0..15; 2 is the cascade): returns the net "irq<n>" it drives.
  virtual IrqLine& isa_irq(const std::string& param, uint64_t default_line, const std::string& what) = 0;

  // ---- tracing -------------------------------------------------------------
  // --trace-rtl: the VCD path for an RTL module's internals, or "" when the
  // run does not trace RTL.
  virtual std::string rtl_trace_path(const std::string& module) = 0;
  // Adds a signal to the run's VCD under `name` (traced in declaration order).
  template <typename T>
  void trace(const sc_core::sc_signal<T>& signal, const std::string& name) {
    add_trace([&signal, name](sc_core::sc_trace_file* f) { sc_core::sc_trace(f, signal, name); });
  }
  virtual void add_trace(std::function<void(sc_core::sc_trace_file*)> fn) = 0;

  // ---- services between blocks --------------------------------------------
  // offer("inta.pic", ptr): another block's connect step finds it by name.
  template <typename T>
  void offer(const std::string& service, T* object) {
    offer_any(service, std::any(object));
  }
  // The (first) object offered as `service`, or nullptr when none is.
  template <typename T>
  T* find(const std::string& service) const {
    auto all = find_all<T>(service);
    return all.empty() ? nullptr : all.front();
  }
  // Every object offered as `service`, in the order offered.
  template <typename T>
  std::vector<T*> find_all(const std::string& service) const {
    std::vector<T*> out;
    for (const std::any* a : find_any(service))
      if (auto p = std::any_cast<T*>(a)) out.push_back(*p);
    return out;
  }
  virtual void offer_any(const std::string& service, std::any object) = 0;
  virtual std::vector<const std::any*> find_any(const std::string& service) const = 0;

  // The second pass (see the top of this file).
  virtual void on_connect(std::function<void(BlockBuilder&)> fn) = 0;
  // Keeps a module (or anything) alive as long as the platform.
  template <typename T>
  T& own(std::unique_ptr<T> p) {
    T& ref = *p;
    own_any(std::shared_ptr<void>(std::move(p)));
    return ref;
  }
  virtual void own_any(std::shared_ptr<void> p) = 0;
};

// A bus-master priority from the config (<block>.bus_priority): 0..255, a
// ConfigError naming the key otherwise (a value of 2^32 would wrap to 0).
inline unsigned bus_priority(const Param<uint64_t>& p) {
  if (p.get() > 255)
    throw ConfigError(p.key() + ": " + std::to_string(p.get()) + " is not a bus priority (0..255, smaller wins)");
  return static_cast<unsigned>(p.get());
}

// A block type: builds one block of that type from the config.
struct BlockType {
  std::string type;         // "uart16550"
  std::string impl;         // "tlm" or "rtl"
  std::string description;  // one line for `minipc describe --types`
  std::function<void(BlockBuilder&)> build;
};

class BlockRegistry {
 public:
  static BlockRegistry& instance();
  void add(BlockType t);
  // nullptr when the pair is not registered.
  const BlockType* find(const std::string& type, const std::string& impl) const;
  // The impls registered for a type (empty when the type is unknown).
  std::vector<std::string> impls(const std::string& type) const;
  std::vector<std::string> types() const;
  const std::vector<BlockType>& all() const { return types_; }

 private:
  std::vector<BlockType> types_;
};

}  // namespace minipc
