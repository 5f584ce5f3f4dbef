#include "debug/core_debugger.h"

#include <algorithm>

namespace minipc::debug {

namespace {
// gdb_reg::cs.. order -> Ia32Core segment numbers (reg::es, cs, ss, ds, fs, gs).
constexpr unsigned kSegOfGdb[6] = {reg::cs, reg::ss, reg::ds, reg::es, reg::fs, reg::gs};
}  // namespace

CoreDebugger::CoreDebugger(Ia32Core& core, PhysicalAccess memory, std::string cpu_name)
    : core_(core), memory_(std::move(memory)), cpu_name_(std::move(cpu_name)) {}

CoreDebugger::~CoreDebugger() {
#ifdef MINIPC_IA32_INSN_HOOK
  if (core_.insn_hook() == this) core_.set_insn_hook(nullptr);
#endif
}

GdbStub& CoreDebugger::enable_gdb(uint16_t port, bool wait_at_start) {
  stub_ = std::make_unique<GdbStub>(*this);
  stub_->listen(port);
  if (on_kill_) stub_->set_on_kill(on_kill_);
  if (log_) stub_->set_log(log_);
  if (wait_at_start) stub_->stop_at_next_instruction(true);
  return *stub_;
}

InsnTrace& CoreDebugger::enable_trace(const std::string& path, InsnTrace::Window window) {
  trace_ = std::make_unique<InsnTrace>(
      path, window, [this](uint32_t a, uint8_t* d, size_t n) { return access(false, a, d, n); }, cpu_name_);
  return *trace_;
}

void CoreDebugger::set_on_kill(std::function<void()> f) {
  on_kill_ = std::move(f);
  if (stub_) stub_->set_on_kill(on_kill_);
}

void CoreDebugger::set_log(std::function<void(const std::string&)> f) {
  log_ = std::move(f);
  if (stub_) stub_->set_log(log_);
}

bool CoreDebugger::before_step(Ia32Core& core) {
  // The stub first: GDB may change registers while the target is stopped,
  // and the trace must see the state the instruction really starts from.
  if (stub_) stub_->before_instruction(core.eip());
  if (trace_) trace_->before(core);
  // Never refuse the step: after a 'k' the owner has asked the simulation
  // to stop, and the CPU reaches its next synchronisation point normally.
  return true;
}

void CoreDebugger::after_step(Ia32Core& core, StepStatus status) {
  if (trace_) trace_->after(core, status);
  if (status == StepStatus::fatal && stub_ && !fatal_reported_) {
    // Let the user look at the state the CPU died in.
    fatal_reported_ = true;
    stub_->stopped(core.fatal_kind() == FatalKind::bus ? StopSignal::sigsegv : StopSignal::sigill);
  }
  unhook_if_idle(core);
}

void CoreDebugger::unhook_if_idle(Ia32Core& core) {
#ifdef MINIPC_IA32_INSN_HOOK
  if (!active() && core.insn_hook() == this) core.set_insn_hook(nullptr);
#else
  (void)core;
#endif
}

void CoreDebugger::finish(int exit_code, bool fatal, const std::string& why) {
  if (trace_) trace_->finish(why);
  if (stub_) {
    if (fatal) stub_->terminated(core_.fatal_kind() == FatalKind::bus ? StopSignal::sigsegv : StopSignal::sigill);
    else stub_->exited(exit_code);
  }
}

uint32_t CoreDebugger::read_register(unsigned n) {
  if (n < 8) return core_.gpr(n);
  if (n == gdb_reg::eip) return core_.eip();
  if (n == gdb_reg::eflags) return core_.eflags();
  if (n >= gdb_reg::cs && n <= gdb_reg::gs) return core_.seg(kSegOfGdb[n - gdb_reg::cs]).selector;
  return 0;
}

bool CoreDebugger::write_register(unsigned n, uint32_t v) {
  if (n < 8) {
    core_.set_gpr(n, v);
  } else if (n == gdb_reg::eip) {
    core_.set_eip(v);
  } else if (n == gdb_reg::eflags) {
    core_.set_eflags(v);
  } else {
    return false;  // selectors: loading one needs a descriptor; not from the debugger
  }
  return true;
}

size_t CoreDebugger::access(bool write, uint32_t addr, uint8_t* data, size_t len) {
  if (!memory_) return 0;
  size_t done = 0;
  while (done < len) {
    const uint32_t lin = addr + static_cast<uint32_t>(done);
    const size_t chunk = std::min<size_t>(len - done, 0x1000 - (lin & 0xFFF));  // stay inside a page
    uint32_t phys = lin;
    if (translate_ && !translate_(lin, phys)) break;
    const size_t n = memory_(write, phys, data + done, chunk);
    done += n;
    if (n < chunk) break;
    if (lin + chunk == 0) break;  // wrapped past 4 GiB
  }
  return done;
}

size_t CoreDebugger::read_memory(uint32_t addr, uint8_t* data, size_t len) { return access(false, addr, data, len); }

size_t CoreDebugger::write_memory(uint32_t addr, const uint8_t* data, size_t len) {
  // Code may change under the core's feet: drop cached pointers/translations.
  const size_t n = access(true, addr, const_cast<uint8_t*>(data), len);
  if (n) core_.flush_direct_cache();
  return n;
}

}  // namespace minipc::debug
