// CoreDebugger: the GDB stub and the instruction trace on an Ia32Core.
//
// One object per CPU. It is the DebugTarget of the stub (registers from the
// core, memory through a side-effect-free accessor, e.g. the Cpu's TLM debug
// transport) and the core's per-step hook:
//
//   core.set_insn_hook(&debugger);    // Ia32Core::run() then calls, per step:
//   debugger.before_step(core);       //   stub: breakpoints, single-step, Ctrl-C
//                                     //   (blocks while GDB holds the target)
//                                     //   trace: snapshot
//   s = core.step();
//   debugger.after_step(core, s);     //   trace: the line; stub: report a fatal stop
//
// When neither the stub nor the trace needs instructions any more (trace
// window over, no stub), the debugger unhooks itself, so a run goes back to
// full speed. Nothing here depends on SystemC; run ending (GDB 'k') is
// reported through set_on_kill.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "cpu/ia32_core.h"
#include "debug/debug_target.h"
#include "debug/gdb_stub.h"
#include "debug/insn_trace.h"

namespace minipc::debug {

#ifdef MINIPC_IA32_INSN_HOOK
#define MINIPC_CORE_DEBUGGER_BASES : public DebugTarget, public InsnHook
#else
#define MINIPC_CORE_DEBUGGER_BASES : public DebugTarget
#endif

class CoreDebugger MINIPC_CORE_DEBUGGER_BASES {
 public:
  // Debug access to physical memory: write or read len bytes at addr;
  // returns the bytes transferred from the start (TLM transport_dbg).
  using PhysicalAccess = std::function<size_t(bool write, uint32_t addr, uint8_t* data, size_t len)>;
  // Linear -> physical without side effects (paging); false: not mapped.
  // Unset: identity (no paging).
  using Translate = std::function<bool(uint32_t linear, uint32_t& physical)>;

  CoreDebugger(Ia32Core& core, PhysicalAccess memory, std::string cpu_name = "cpu0");
  ~CoreDebugger() override;

  void set_translate(Translate t) { translate_ = std::move(t); }

  // --gdb PORT: listen on 127.0.0.1:port (0: any free port); wait_at_start
  // stops before the first instruction until GDB connects. Throws GdbStubError.
  GdbStub& enable_gdb(uint16_t port, bool wait_at_start = true);
  // --trace-insn FILE [--trace-insn-window START:COUNT]. Throws std::runtime_error.
  InsnTrace& enable_trace(const std::string& path, InsnTrace::Window window = {});

  GdbStub* gdb() { return stub_.get(); }
  InsnTrace* trace() { return trace_.get(); }
  // True while the per-step hook is needed.
  bool active() const { return (stub_ && stub_->listening()) || (trace_ && trace_->active()); }

  // Called once when GDB sends 'k' (the owner ends the simulation).
  void set_on_kill(std::function<void()> f);
  // Diagnostics ("gdb: client connected ..."), e.g. to stderr.
  void set_log(std::function<void(const std::string&)> f);

  // ---- the per-step hook (see above) -------------------------------------
  bool before_step(Ia32Core& core);
  void after_step(Ia32Core& core, StepStatus status);

  // The simulation ended: closes the trace and tells GDB (W code, or X with
  // SIGILL/SIGSEGV after a fatal stop).
  void finish(int exit_code, bool fatal, const std::string& why);

  // ---- DebugTarget -------------------------------------------------------
  uint32_t read_register(unsigned gdb_regno) override;
  bool write_register(unsigned gdb_regno, uint32_t value) override;
  size_t read_memory(uint32_t addr, uint8_t* data, size_t len) override;
  size_t write_memory(uint32_t addr, const uint8_t* data, size_t len) override;

 private:
  size_t access(bool write, uint32_t addr, uint8_t* data, size_t len);
  void unhook_if_idle(Ia32Core& core);

  Ia32Core& core_;
  PhysicalAccess memory_;
  Translate translate_;
  std::string cpu_name_;
  std::unique_ptr<GdbStub> stub_;
  std::unique_ptr<InsnTrace> trace_;
  std::function<void()> on_kill_;
  std::function<void(const std::string&)> log_;
  bool fatal_reported_ = false;
};

#undef MINIPC_CORE_DEBUGGER_BASES

}  // namespace minipc::debug
