#include "cpu/cpu.h"

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "core/address_space.h"
#include "core/bus_host.h"
#include "core/machine_check.h"
#include "core/sim_control.h"
#include "core/stats.h"
#include "core/timed_signal.h"

namespace minipc {

namespace {
std::string hex32(uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%08llX", static_cast<unsigned long long>(v));
  return buf;
}

std::string ms_string(const sc_core::sc_time& t) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.6f ms", t.to_seconds() * 1e3);
  return buf;
}

// Instructions run between two looks at INTR and the quantum (upper bound).
constexpr uint64_t kMaxChunkInstructions = 1024;
}  // namespace


Cpu::Cpu(sc_core::sc_module_name name) : sc_module(name), core_(*this) {
  if (mode.get() == "fast") fast_ = true;
  else if (mode.get() == "accurate") fast_ = false;
  else throw ConfigError(mode.key() + ": unknown CPU mode '" + mode.get() + "' (expected fast or accurate)");
  if (on_triple_fault.get() != "stop")
    throw ConfigError(on_triple_fault.key() + ": unknown value '" + on_triple_fault.get() + "' (expected stop)");
  if (!(clock_hz.get() > 0)) throw ConfigError(clock_hz.key() + ": clock must be positive");
  period_ = sc_core::sc_time(1.0 / clock_hz.get(), sc_core::SC_SEC);
  if (period_ == sc_core::SC_ZERO_TIME)
    throw ConfigError(clock_hz.key() + ": clock period below the simulation time resolution");
  period_units_ = period_.value();
  for (size_t k = 0; k < cycle_times_.size(); ++k) cycle_times_[k] = sc_core::sc_time::from_value(k * period_units_);
  quantum_ = quantum.get() != sc_core::SC_ZERO_TIME
                 ? quantum.get()
                 : (fast_ ? sc_core::sc_time(1, sc_core::SC_US) : sc_core::sc_time(10, sc_core::SC_NS));
  adaptive_ = adaptive_quantum.get();
  // Lazy runs (see "Lazy runs"): accurate mode with a quantum of at most one
  // clock, where every chunk is one instruction and ends in a sync.
  lazy_allowed_ = !fast_ && adaptive_ && quantum_ <= period_;
  core_.set_jit(jit.get());
  const CacheConfig cache_cfg = cache_params.config();
  if (cache_cfg.enabled) {
    if (fast_)
      throw ConfigError(cache_params.enabled.key() + ": the cache model needs " + mode.key() +
                        "=accurate (fast mode reads RAM through DMI and has no bus traffic to save)");
    cache_ = std::make_unique<Cache>(cache_cfg, static_cast<Cache::Backend&>(*this));
    hit_cycles_ = cache_cfg.hit_cycles;
  }

  mem.register_invalidate_direct_mem_ptr(this, &Cpu::invalidate_direct_mem_ptr);
  io_payload_.set_extension(new AddressSpaceExtension(AddressSpace::io));
  mem_payload_.set_streaming_width(4);

  core_.set_interrupt_acknowledge([this]() {
    interact();  // the controller changes state and signals
    const int vector = inta.size() > 0 ? inta->acknowledge() : -1;
    // The first ISR instruction runs once the IDT delivery (its cycle cost)
    // is done: report that time.
    if (vector >= 0 && on_interrupt_accepted)
      on_interrupt_accepted(vector,
                            sc_core::sc_time_stamp() + local_offset() +
                                period_ * static_cast<double>(cycle_cost(CostClass::interrupt)),
                            core_.iret_just_retired());
    return vector;
  });

  auto& stats = StatsRegistry::instance();
  const std::string n = this->name();
  stats.probe(n + ".instructions", [this] { return static_cast<double>(instructions()); }, "instructions");
  stats.probe(n + ".cycles", [this] { return static_cast<double>(cycles()); }, "cycles");
  stats.probe(n + ".halted_cycles", [this] { return static_cast<double>(halted_cycles()); }, "cycles");
  stats.probe(n + ".machine_checks", [this] { return static_cast<double>(core_.machine_checks()); }, "errors");
  if (cache_) {
    const Cache* c = cache_.get();
    auto count = [&](const char* key, uint64_t (*get)(const Cache::Stats&)) {
      stats.probe(n + ".cache." + key, [c, get] { return static_cast<double>(get(c->stats())); });
    };
    count("hits", [](const Cache::Stats& s) { return s.hits(); });
    count("misses", [](const Cache::Stats& s) { return s.misses(); });
    count("read_hits", [](const Cache::Stats& s) { return s.read_hits; });
    count("read_misses", [](const Cache::Stats& s) { return s.read_misses; });
    count("write_hits", [](const Cache::Stats& s) { return s.write_hits; });
    count("write_misses", [](const Cache::Stats& s) { return s.write_misses; });
    count("writebacks", [](const Cache::Stats& s) { return s.writebacks; });
    count("evictions", [](const Cache::Stats& s) { return s.evictions; });
    count("snoop_invalidations", [](const Cache::Stats& s) { return s.snoop_invalidations; });
    count("snoop_writebacks", [](const Cache::Stats& s) { return s.snoop_writebacks; });
    stats.probe(n + ".cache.hit_rate", [c] { return c->stats().hit_rate(); });
  }

  core_.set_nmi_acknowledge([this]() {
    interact();  // the source changes state and signals
    if (on_nmi_acknowledge) on_nmi_acknowledge();
  });

  SC_THREAD(run_thread);
  SC_METHOD(nmi_method);  // runs once at start; then follows the pin if bound
}

// Follows the NMI pin: the core latches rising edges. Runs while the CPU
// thread is suspended, so the core's state is not in use.
void Cpu::nmi_method() {
  if (nmi.size() == 0) return;  // unbound: never triggered again
  core_.set_nmi(nmi->read());
  if (core_.nmi_pending()) nmi_latched_.notify();
  next_trigger(nmi->value_changed_event());
}

void Cpu::end_of_elaboration() {
  has_lapic_ = lapic.size() > 0;
  // Tell the bus what this CPU is doing when one of its accesses is fatal
  // (bus.unmapped=error): the instruction's EIP. A target bound straight to
  // the socket ignores the registration.
  MasterContextRegistration context;
  context.context = [this] { return "EIP=" + hex32(core_.current_eip()); };
  register_through(mem, context);
  if (!fast_) {
    // Accurate mode knows each instruction's bus-free tail: offer it.
    FreeWindowRegistration windows;
    if (register_through(mem, windows)) {
      windows_ = windows.bus;
      window_master_ = windows.master;
    }
  }
  if (!cache_) return;
  // Register the cache's snoop callback with the bus behind the mem socket
  // (the CPU does not know the bus or its master index).
  SnoopRegistration reg;
  reg.snooper = [this](bool is_write, uint64_t addr, const unsigned char* data, unsigned len) {
    cache_->snoop(is_write, addr, data, len);
  };
  snooping_ = register_through(mem, reg);
}

// An info report (minipc --verbose): how many quantum syncs waited and how
// many the adaptive quantum skipped. Host-side only, so not a stat.
void Cpu::end_of_simulation() {
  const std::string msg = "quantum syncs: " + std::to_string(real_syncs_) + " waited, " +
                          std::to_string(skipped_syncs_) + " skipped (adaptive_quantum=" +
                          (adaptive_ ? "true" : "false") + "); interrupt-state re-samples done in place: " +
                          std::to_string(resamples_in_place_);
  SC_REPORT_INFO(name(), msg.c_str());
  if (fast_) {
    const std::string jit_msg = core_.jit_enabled()
                                    ? "translator: " + std::to_string(core_.jit_blocks_compiled()) + " blocks translated, " +
                                          std::to_string(core_.jit_flushes()) + " code-buffer flushes, " +
                                          std::to_string(core_.jit_failures()) + " left interpreted"
                                    : std::string("translator: off (") +
                                          (Ia32Core::jit_available() ? "jit=false" : "not available on this host") + ")";
    SC_REPORT_INFO(name(), jit_msg.c_str());
  }
}

void Cpu::set_entry_state(uint32_t eip, uint32_t eax, uint32_t ebx) { core_.set_entry_state(eip, eax, ebx); }

sc_core::sc_time Cpu::local_offset() const {
  return (base_ - sc_core::sc_time_stamp()) + local_ + cycles_time(chunk_cycles()) + bus_delay_;
}

// ---- Adaptive quantum -------------------------------------------------------
//
// The plain quantum keeper (adaptive_quantum=false, the reference) calls
// wait(local time) at every quantum boundary: in accurate mode (10 ns, one
// core clock) after about every instruction. That context switch is most of
// accurate mode's host time, yet usually nothing else is waiting to run.
// The adaptive keeper makes each such wait() only when it could matter and
// otherwise just moves its idea of the kernel time on ("skips" the sync).
//
// Bookkeeping. base_ is the time at which the reference CPU would be
// suspended/resumed: the reference's sc_time_stamp(). It follows exactly the
// reference's rules (the same quantum grid, the same boundaries, reset after
// a target waited), so the chunk budgets, the boundaries and every local
// offset handed to a target are the reference's. The real kernel time
// sc_time_stamp() lags behind base_ by the skipped time; local_offset()
// gives targets (base_ - sc_time_stamp()) + local time, the same absolute
// time as in the reference.
//
// Why the results are exactly the same (nothing observable can differ):
// 1. A sync is skipped only if, at that moment, (a) the kernel has no
//    pending activity (no runnable process, delta or timed notification,
//    update request) at or before the boundary it would wait for:
//    sc_time_to_pending_activity() > target - sc_time_stamp(), strictly, so
//    nothing at the wake-up instant either; (b) the CPU has not interacted
//    with anything since its last real wait() (no b_transport, INTA, signal
//    write: see interact()), so it cannot have called sc_stop() or changed
//    another model's state; (c) the time limit cannot fall inside the
//    skipped span (the grid rule in may_skip_to()); (d) no debugger hook.
//    In the reference that wait() would let the kernel advance to the
//    boundary with no process to run, and resume the CPU alone.
// 2. While skipping, only the CPU thread runs, and it touches only its own
//    state (registers, its cache on hits, its counters): no other process
//    can run or be made runnable, no signal or event changes. So the rest
//    of the simulation is frozen exactly as the reference leaves it, and the
//    CPU sees the same INTR level (no one could have changed it).
// 3. Before anything another model can observe, the CPU first catches up
//    (wait() for base_ - sc_time_stamp(); no activity lies in that span, by
//    1 and 2): every b_transport (mem, io, lapic; cache fills and
//    write-backs included), INTA (and its on_interrupt_accepted report),
//    every write of the halted/interrupt_flag signals. So it makes that
//    access at the same sc_time_stamp(), in the same kind of time step
//    (after a timed wait), with the same delay argument as the reference:
//    targets that look at sc_time_stamp(), notify events or write signals
//    do so identically. After an interaction the CPU skips nothing until its
//    next real wait() (1b): a device may have called sc_stop() (not
//    visible as pending activity) or scheduled something.
// 4. Real waits (HLT, fatal stop, boundaries that cannot be skipped) wait
//    for base_ + local - sc_time_stamp(): the same wake-up time as the
//    reference's wait(local) from base_, with nothing to run between.
// 5. Time limit: sc_start(d) stops at an instant the CPU cannot see, and the
//    reference CPU never resumes past it. When the platform has told the
//    CPU that instant (set_time_limit(), RunSession::run()), the CPU never
//    skips past it nor from it (a skip to it is fine: the reference resumes
//    there too); that is all the rule needs, and fast mode skips like
//    accurate mode. Otherwise (tests calling sc_start() themselves) the
//    CPU falls back to a grid: it never skips
//    across a multiple of kSkipGrid (1 us) and never skips from an instant
//    on that grid: any limit that is a multiple of 1 us (platform.time_limit,
//    --time, the tests' sc_start calls) ends the run after exactly the
//    instructions of the reference. A limit off that grid could let the CPU
//    run up to 1 us further than the reference; set adaptive_quantum=false
//    for such runs. (In fast mode, whose quantum is 1 us, every boundary
//    then crosses the grid: nothing is skipped without a known limit.)
// The stats (which include no host time) and the VCD (written only on value
// changes, all at the same times) are therefore identical; the equivalence
// test runs firmware both ways and compares console, stats JSON and VCD byte
// for byte.
namespace {
const sc_core::sc_time kSkipGrid(1, sc_core::SC_US);
}  // namespace

// The horizon (the first pending activity, the grid limit) is looked up once
// after each wait(): while the CPU skips, nothing else runs, so it cannot
// move (1, 2 above). Every wait() drops it.
void Cpu::refresh_horizon() {
  const sc_core::sc_time now = sc_core::sc_time_stamp();
  if (limit_known_) {
    grid_limit_ = now < limit_ ? limit_ : now;
  } else {
    const sc_core::sc_time phase = now % kSkipGrid;
    grid_limit_ = phase == sc_core::SC_ZERO_TIME ? now : now - phase + kSkipGrid;
  }
  activity_at_ = now + sc_core::sc_time_to_pending_activity();
  horizon_valid_ = true;
}


void Cpu::real_sync() {
  ++real_syncs_;
  wait(base_ + local_ - sc_core::sc_time_stamp());
  horizon_valid_ = false;
  keeper_reset(sc_core::sc_time_stamp());
  interacted_ = false;
}

void Cpu::catch_up() {
  const sc_core::sc_time now = sc_core::sc_time_stamp();
  if (base_ > now) {
    ++real_syncs_;
    wait(base_ - now);
    horizon_valid_ = false;
  }
}

void Cpu::interact() {
  if (lazy_) {  // the reference's state first (see "Lazy runs"); this unit is the run's last
    lazy_settle();
    core_.end_run_after_unit();
  }
  catch_up();
  interacted_ = true;
}

void Cpu::write_signals() {
  const bool h = core_.halted();
  const bool i = core_.eflags() & flag::if_;
  interact();  // written at the reference's time stamp
  if (halted.read() != h) halted.write(h);
  if (interrupt_flag.read() != i) interrupt_flag.write(i);
  halted_written_ = h;
  if_written_ = i;
}

void Cpu::run_thread() {
  waveform_signals_ = timed_signals_recorded();
  keeper_reset(sc_core::sc_time_stamp());
  update_signals();
  for (;;) {
    core_.set_intr(intr.read());
    StepStatus s;
    uint64_t time_stop;
    if (lazy_allowed_ && local_ == sc_core::SC_ZERO_TIME && lazy_window(time_stop)) {
      s = run_lazy(time_stop);
    } else {
      // Run up to the end of the quantum (in fast mode to the end of the
      // block that reaches it, see Ia32Core::run()).
      chunk_start();
      run_delta_ = sc_core::sc_delta_count();
      s = core_.run(chunk_budget(), fast_);
    }
    chunk_end();
    update_signals();
    // The unit's bus accesses are over: until the next unit starts (the end
    // of this chunk, one instruction while announcing) the bus is free of
    // this CPU; halted, until the interrupt that wakes it.
    // (A halt is announced whenever the bus takes windows: it costs one
    // interaction per HLT, which is followed by a wait anyway, and a channel
    // started meanwhile by another master finds the window there.)
    if (windows_ && s == StepStatus::halted)
      announce_window(sc_core::sc_max_time());
    else if (announcing() && s != StepStatus::fatal)
      announce_window(base_ + local_);
    if (sim_outcome()) {  // stopped by a device during the chunk: no further instruction
      real_sync();
      return;
    }
    if (core_.consume_resample_request()) settle_interrupt_controllers();
    if (s == StepStatus::fatal) {
      const bool bus = core_.fatal_kind() == FatalKind::bus;
      real_sync();
      request_stop(bus ? StopReason::bus_fatal : StopReason::cpu_fatal,
                   bus ? exit_status::bus_fatal : exit_status::cpu_fatal,
                   std::string(name()) + ": " + core_.fatal_message());
      return;
    }
    if (s == StepStatus::halted) {
      wait_while_halted();
      if (sim_outcome()) return;  // a deadlock (or another model's stop meanwhile)
      continue;
    }
    if (keeper_need_sync()) quantum_sync();
  }
}

// run_thread()'s end of a chunk, called by the core (CpuBus::next_chunk())
// when the chunk ran its budget with nothing pending, for the case where
// that end is only bookkeeping: no signal to write, no sync or a skipped
// one. Then the next chunk's budget, as run_thread() would compute it; the
// core goes on without returning (in accurate mode a chunk is about one
// instruction, and the return and call cost more than the instruction).
// In every other case it returns 0 and run_thread() does the rest; the time
// accounted here is then not counted twice (chunk_start_cycles_ and
// bus_delay_ have moved on). INTR: the reference re-reads it before every
// chunk, but it can only change while this thread waits, and every wait()
// inside a chunk comes with an interaction (interact()), after which this
// returns 0 at once.
uint64_t Cpu::next_chunk() {
  if (interacted_ || announcing()) return 0;
  chunk_end();
  if (!signals_current()) return 0;
  if (keeper_need_sync() && !try_skip()) return 0;
  return chunk_budget();
}

// run_thread()'s handling of a re-sample request (core_.run() returned for
// an OUT, STI, POPF, IRET or INTA), done in place when it is only
// bookkeeping: this thread has not yielded since run_thread() called
// core_.run() (no other process ran, so INTR is still what the core has),
// nothing is pending at the current time (settle_interrupt_controllers()
// would not wait: no controller can answer before this thread waits), and
// the end of the chunk needs no signal write, no window, no stop and no
// sync (next_chunk()'s conditions). Then run_thread() would end the chunk,
// sample the same INTR and start the next chunk with chunk_budget(): this
// does exactly that and the core goes on. Otherwise 0: run() returns and
// run_thread() does it all (the time accounted here is not counted twice).
uint64_t Cpu::resample_in_place() {
  if (sc_core::sc_delta_count() != run_delta_ || announcing()) return 0;
  if (sc_core::sc_pending_activity_at_current_time()) return 0;
  chunk_end();
  if (!signals_current() || sim_outcome() || keeper_need_sync()) return 0;
  ++resamples_in_place_;
  return chunk_budget();
}

uint64_t Cpu::chunk_budget() const {
  if (announcing()) return 1;  // a window per instruction
  const uint64_t left = quantum_ > local_ ? (quantum_ - local_).value() : 0;
  return std::clamp<uint64_t>(left / period_units_, 1, kMaxChunkInstructions);
}

// The chunk ended because the interrupt state may have changed (INTA, IRET,
// STI, POPF, OUT). An interrupt controller answers through sc_signals and
// SC_METHODs: its INT output changes a few delta cycles after the INTA or the
// OUT (8259A: notify -> method -> signal update; a cascaded slave adds two
// more). Let those deltas run, without advancing time, before INTR is sampled
// again; the bound keeps a model that never settles from stalling the CPU.
void Cpu::settle_interrupt_controllers() {
  for (unsigned i = 0; i < 8 && sc_core::sc_pending_activity_at_current_time(); ++i) {
    wait(sc_core::SC_ZERO_TIME);
    horizon_valid_ = false;
  }
}

uint64_t Cpu::stall_cycles() const {
  return static_cast<uint64_t>(stall_time_ / period_) + core_.stall();
}

uint64_t Cpu::halted_cycles() const {
  if (!in_halt_wait_) return halted_cycles_;
  return halted_cycles_ + static_cast<uint64_t>((sc_core::sc_time_stamp() - halt_start_) / period_);
}

// Why this halted CPU can never run again, or "" when something could wake
// it: with IF=0 only an NMI can, and none can come while NMIs are blocked
// (in an NMI handler, until its IRET) or when no source could send one.
// A debugger attached (an instruction hook) could change anything. With
// IF=1 an interrupt could always come (a device the CPU cannot see through
// may still be counting): not judged here.
std::string Cpu::cannot_wake() const {
  if (core_.insn_hook() || !nmi_possible) return "";
  if (core_.eflags() & flag::if_) return "";
  if (core_.nmi_blocked()) return "interrupts disabled (IF=0) inside an NMI handler (NMIs blocked until its IRET)";
  if (core_.nmi_pending() || nmi_possible()) return "";
  return "interrupts disabled (IF=0) and no NMI source armed (local APIC LINT0/LINT1, I/O APIC entries)";
}

void Cpu::wait_while_halted() {
  real_sync();
  // A stop already scheduled (the power going) ends this halt anyway.
  if (deadlock_stop.get() && !stop_scheduled() &&
      !(core_.nmi_deliverable() || (intr.read() && core_.interrupt_window_open()))) {
    const std::string why = cannot_wake();
    if (!why.empty()) {
      request_stop(StopReason::deadlock, exit_status::deadlock,
                   std::string(name()) + ": deadlock: halted at EIP=" + hex32(core_.current_eip()) + " with " + why +
                       "; nothing can wake it (at " + ms_string(sc_core::sc_time_stamp()) + ")");
      return;
    }
  }
  const sc_core::sc_time start = sc_core::sc_time_stamp();
  halt_start_ = start;
  in_halt_wait_ = true;
  // Wake when INTR is high and the core would take it (IF=1), or on an NMI
  // the core would take; otherwise only the end of the simulation ends it.
  while (!(core_.nmi_deliverable() || (intr.read() && core_.interrupt_window_open())))
    wait(intr.value_changed_event() | nmi_latched_);
  horizon_valid_ = false;
  in_halt_wait_ = false;
  // The interrupt (or NMI) that woke the CPU ends its open-ended window.
  if (window_end_ == sc_core::sc_max_time() && windows_) announce_window(sc_core::sc_time_stamp());
  const uint64_t idle = static_cast<uint64_t>((sc_core::sc_time_stamp() - start) / period_);
  halted_cycles_ += idle;
  core_.add_cycles(idle);
  keeper_reset(sc_core::sc_time_stamp());
}

// ---- Lazy runs ----------------------------------------------------------------
//
// Accurate mode's default quantum (10 ns) is at most one core clock, so the
// reference keeper runs one instruction per chunk and ends every chunk that
// took time in a sync (the next grid point is at most one quantum away);
// with the adaptive quantum that sync is usually skipped: base_ moves to the
// instruction's end and local_ to zero. A lazy run does a whole series of
// such chunks in one Ia32Core::run_until() call and settles base_ once,
// from the core's counters: while only cache hits happen, an instruction
// takes (cycles + stall) whole clocks, so its end lies at
//   T_k = T_0 + (cycles + stall since the run's start) * period.
// The run's time bound is the last boundary the reference would skip (the
// horizon, may_skip_to(): T_k <= grid_limit_ and T_k < activity_at_); the
// core returns at the first boundary past it, or where IF changed (the
// reference writes the interrupt_flag signal after that chunk), and for
// everything else that ends a chunk. Nothing else differs meanwhile (no
// other process runs, INTR cannot change, see "Adaptive quantum").
// lazy_settle() then gives the keeper the reference's state at the start
// of the run's last unit (base_ = its start, local_ = 0, the chunk starting
// there), and run_thread() ends that chunk as usual. Anything another model
// can observe goes through interact(), which settles first, at the start of
// the unit it happens in, and makes that unit the run's last; from there
// the usual accounting goes on.
bool Cpu::lazy_window(uint64_t& time_stop) {
  if (interacted_ || core_.insn_hook() || announcing()) return false;
  if (!horizon_valid_) refresh_horizon();
  if (grid_limit_ < base_ || activity_at_ <= base_) return false;
  // The largest D with T_0 + D * period <= grid_limit_ and < activity_at_.
  const uint64_t g = (grid_limit_ - base_).value() / period_units_;
  const uint64_t a = ((activity_at_ - base_).value() - 1) / period_units_;
  const uint64_t d = std::min<uint64_t>({g, a, uint64_t{1} << 40});
  if (d == 0) return false;
  time_stop = core_.cycles() + core_.stall() + d + 1;
  return true;
}

StepStatus Cpu::run_lazy(uint64_t time_stop) {
  lazy_ = true;
  lazy_base_ = base_;
  lazy_start_ = core_.cycles() + core_.stall();
  lazy_insns_ = core_.instructions();
  const StepStatus s = core_.run_until(time_stop, kLazyMaxInstructions);
  if (lazy_) lazy_settle();
  return s;
}

void Cpu::lazy_settle() {
  lazy_ = false;
  const uint64_t unit_cycles = core_.unit_cycles(), unit_stall = core_.unit_stall();
  const uint64_t d = unit_cycles + unit_stall - lazy_start_;
  if (d) keeper_reset(lazy_base_ + sc_core::sc_time::from_value(d * period_units_));
  // Host-side report only: one skipped sync per instruction before this unit
  // (instructions that took no time skipped none in the reference).
  const uint64_t n = core_.instructions() - lazy_insns_;
  skipped_syncs_ += n ? n - 1 : 0;
  chunk_start_cycles_ = unit_cycles;
  chunk_start_stall_ = unit_stall;
  bus_delay_ = sc_core::SC_ZERO_TIME;
}

// ---- bus ------------------------------------------------------------------

// Announces [end of the last bus transaction, end) as free of this CPU. With
// no transaction since the previous window the start stays: the window
// grows. end == start ends the window (a wake-up).
void Cpu::announce_window(const sc_core::sc_time& end) {
  interact();  // the bus and the DMAC see it at the reference's time stamp
  const sc_core::sc_time start = std::min(last_bus_end_, end);
  windows_->announce_free(window_master_, start, end);
  ++windows_announced_;
  if (start < end) {
    bus_free.post(start, true);
    if (end != sc_core::sc_max_time()) bus_free.post(end, false);
  } else {
    bus_free.post(end, false);
  }
  window_start_ = start;
  window_end_ = end;
}

size_t Cpu::debug_access(bool write, uint32_t addr, uint8_t* data, size_t len) {
  tlm::tlm_generic_payload p;
  p.set_command(write ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND);
  p.set_address(addr);
  p.set_data_ptr(data);
  p.set_data_length(static_cast<unsigned>(len));
  p.set_streaming_width(static_cast<unsigned>(len));
  const unsigned done = mem->transport_dbg(p);
  // The debugger sees and changes what the program sees: cached bytes
  // (possibly dirty) over memory, and cached copies patched by writes.
  if (cache_ && done) {
    if (write) cache_->debug_write(addr, data, done);
    else cache_->debug_read(addr, data, done);
  }
  return done;
}

tlm::tlm_response_status Cpu::transport(bool is_io, tlm::tlm_command cmd, uint32_t addr, void* data, unsigned len) {
  tlm::tlm_generic_payload& p = is_io ? io_payload_ : mem_payload_;
  p.set_command(cmd);
  p.set_address(addr);
  p.set_data_ptr(static_cast<unsigned char*>(data));
  p.set_data_length(len);
  p.set_streaming_width(len);
  p.set_byte_enable_ptr(nullptr);
  p.set_byte_enable_length(0);
  p.set_dmi_allowed(false);
  p.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
  mc_reported_ = false;
  interact();  // at the reference's time stamp, with its delay
  const sc_core::sc_time offset = local_offset();
  const sc_core::sc_time before = sc_core::sc_time_stamp();
  sc_core::sc_time delay = offset;
  // The local APIC sits inside the CPU: its 4 KiB page (IA32_APIC_BASE,
  // when enabled) never reaches the bus (DESIGN.md §2).
  bool on_bus = is_io;
  if (is_io)
    io->b_transport(p, delay);
  else if (lapic.size() > 0 && in_lapic_page(addr)) {
    p.set_address(addr & 0xFFFu);
    lapic->b_transport(p, delay);
  } else {
    mem->b_transport(p, delay);
    on_bus = true;
  }
  if (sc_core::sc_time_stamp() != before) {
    // The target (e.g. a multi-master bus arbitrating) synchronised us with
    // wait(): everything up to now is in the past, and the returned delay is
    // the local time relative to the new sc_time_stamp().
    keeper_reset(sc_core::sc_time_stamp());
    chunk_start();
    bus_delay_ = delay;
  } else if (delay > offset) {
    bus_delay_ += delay - offset;
  }
  // A hardware error reported for the machine check (core/machine_check.h):
  // the extension is the transaction's (the attacher allocated it), so the
  // CPU takes it off this reused payload and deletes it; a failed memory
  // read remembers it for read_mem()/fetch() (take_machine_check()).
  if (auto* mce = p.get_extension<MachineCheckExtension>()) [[unlikely]] {
    p.clear_extension(mce);
    if (!is_io && cmd == tlm::TLM_READ_COMMAND && p.get_response_status() != tlm::TLM_OK_RESPONSE) {
      mc_reported_ = true;
      mc_address_ = mce->address;
      mc_uncorrected_ = mce->uncorrected;
    }
    delete mce;
  }
  const sc_core::sc_time end = sc_core::sc_time_stamp() + delay, start = before + offset;
  if (end > start) stall_time_ += end - start;
  if (on_bus && end > last_bus_end_) last_bus_end_ = end;
  // The access stopped the run (the exit port, a machine check): it is the
  // CPU's last instruction, in every mode (a block or chunk ends here).
  if (sim_outcome()) [[unlikely]] core_.stop_after_current();
  return p.get_response_status();
}

// One warning per distinct address, for the first kMaxUnmappedWarnings
// addresses; then one line saying the rest are counted, not shown (a guest
// sweeping unmapped memory would otherwise grow the set and stderr without
// bound). The bus's stats count every access.
void Cpu::warn_once(const char* what, bool is_io, uint32_t addr) {
  const uint64_t key = (static_cast<uint64_t>(is_io) << 32) | addr;
  if (warned_.size() >= kMaxUnmappedWarnings) {
    if (!warnings_capped_) {
      warnings_capped_ = true;
      SC_REPORT_WARNING(name(), ("more unmapped accesses at other addresses: not shown (the first " +
                                 std::to_string(kMaxUnmappedWarnings) + " were; bus stats count them all)").c_str());
    }
    return;
  }
  if (!warned_.insert(key).second) return;
  const std::string msg = std::string(what) + (is_io ? " port " : " address ") + hex32(addr) +
                          " at EIP=" + hex32(core_.current_eip()) + (is_io ? "" : " (reads return all ones)");
  SC_REPORT_WARNING(name(), msg.c_str());
}

// ---- cache ----------------------------------------------------------------

bool Cpu::classify_page(uint32_t page) {
  PageClass& e = page_class_[page & (page_class_.size() - 1)];
  const uint64_t lo = static_cast<uint64_t>(page) << 12, hi = lo + 0xFFF;
  auto covers = [&](const tlm::tlm_dmi& d) {
    return d.get_start_address() <= lo && hi <= d.get_end_address() && d.is_read_write_allowed();
  };
  bool ok = std::any_of(dmi_regions_.begin(), dmi_regions_.end(), covers);
  if (!ok) {
    // RAM is what the bus grants read/write DMI for: plain memory, no side
    // effects. Device windows, ROM and unmapped space are not cacheable.
    tlm::tlm_generic_payload p;
    p.set_command(tlm::TLM_READ_COMMAND);
    p.set_address(lo);
    p.set_data_length(1);
    tlm::tlm_dmi d;
    if (mem->get_direct_mem_ptr(p, d)) {
      dmi_regions_.push_back(d);
      ok = covers(d);
    }
  }
  e.page = page;
  e.cacheable = ok;
  return ok;
}

bool Cpu::bus_read(uint32_t addr, uint8_t* data, unsigned len) {
  return transport(false, tlm::TLM_READ_COMMAND, addr, data, len) == tlm::TLM_OK_RESPONSE;
}

bool Cpu::bus_write(uint32_t addr, const uint8_t* data, unsigned len) {
  // The payload points at the cache's buffer: a snoop may still merge
  // another master's bytes into a write-back waiting for the bus.
  return transport(false, tlm::TLM_WRITE_COMMAND, addr, const_cast<uint8_t*>(data), len) == tlm::TLM_OK_RESPONSE;
}

void Cpu::snoop_write_back(uint32_t addr, const uint8_t* data, unsigned len) {
  tlm::tlm_generic_payload p;
  p.set_command(tlm::TLM_WRITE_COMMAND);
  p.set_address(addr);
  p.set_data_ptr(const_cast<uint8_t*>(data));
  p.set_data_length(len);
  p.set_streaming_width(len);
  mem->transport_dbg(p);
}

bool Cpu::read_mem(uint32_t addr, void* data, unsigned len) {
  if (cached(addr, len, Cache::kData)) {
    if (cache_->read(addr, data, len, Cache::kData)) {
      core_.add_stall(hit_cycles_);
      return true;
    }
    if (fill_machine_check(data, len)) return true;
  }
  if (transport(false, tlm::TLM_READ_COMMAND, addr, data, len) != tlm::TLM_OK_RESPONSE) {
    std::memset(data, 0xFF, len);
    if (!take_machine_check()) warn_once("read from unmapped", false, addr);
  }
  return true;
}

// After a failed read: a machine check the transaction reported goes to the
// core, which ends the instruction in #MC or shutdown (no return) or only
// logs it (returns true: the read completes with all ones).
bool Cpu::take_machine_check() {
  if (!mc_reported_) return false;
  mc_reported_ = false;
  core_.machine_check(mc_address_, mc_uncorrected_);
  return true;
}

// A cached read or fetch whose line fill failed: when the fill carried a
// machine check, that is the read's error (not read again uncached). Pages
// with injected faults are not cacheable (the bus grants no DMI for them),
// so only a target that reports errors inside DMI memory gets here. A
// write-allocate fill's error is not reported (the store then goes to the
// bus uncached, as before).
bool Cpu::fill_machine_check(void* data, unsigned len) {
  if (!mc_reported_) return false;
  std::memset(data, 0xFF, len);
  return take_machine_check();
}

bool Cpu::write_mem(uint32_t addr, const void* data, unsigned len) {
  if (cached(addr, len, Cache::kData)) {
    const bool hit = cache_->write(addr, data, len);
    mc_reported_ = false;  // a write-allocate fill's error is not this store's (fill_machine_check())
    if (hit) {
      core_.add_stall(hit_cycles_);
      return true;
    }
  }
  uint8_t buf[16];
  std::memcpy(buf, data, std::min<unsigned>(len, sizeof buf));
  if (transport(false, tlm::TLM_WRITE_COMMAND, addr, buf, len) != tlm::TLM_OK_RESPONSE)
    warn_once("write to unmapped", false, addr);
  return true;
}

bool Cpu::fetch(uint32_t addr, void* data, unsigned len) {
  if (cached(addr, len, Cache::kFetch)) {
    if (cache_->read(addr, data, len, Cache::kFetch)) {
      core_.add_stall(hit_cycles_);
      return true;
    }
    if (fill_machine_check(data, len)) return true;
  }
  if (transport(false, tlm::TLM_READ_COMMAND, addr, data, len) == tlm::TLM_OK_RESPONSE) return true;
  if (!take_machine_check()) return false;  // nothing there: the core's bus fatal stop
  std::memset(data, 0xFF, len);
  return true;
}

unsigned Cpu::fetch_words(uint32_t first, unsigned n, uint32_t* out) {
  unsigned k = 0;
  // The words that hit, one lookup per line; each adds its hit time before
  // the first miss's fill sees the local time (as fetch() word by word).
  // Cacheability is per page, so one check covers every word.
  if (cached(first, 4 * n, Cache::kFetch)) {
    k = cache_->read_word_hits(first, n, out);
    core_.add_stall(k * hit_cycles_);
  }
  for (; k < n; ++k)
    if (!fetch(first + 4 * k, out + k, 4)) return k;
  return n;
}

const uint8_t* Cpu::fetch_code(uint32_t first, unsigned n, FetchWindow& window) {
  if (!cached(first, 4 * n, Cache::kFetch)) return nullptr;
  const uint8_t* code = cache_->word_hits_in_line(first, n);
  if (!code) return nullptr;
  core_.add_stall(n * hit_cycles_);
  const uint32_t size = cache_->config().line, lo = first & ~(size - 1);
  window.lo = lo;
  window.size = size;
  window.data = code - (first - lo);
  window.generation = cache_->generation_counter();
  window.generation_at = *window.generation;
  window.apic_base = core_.apic_base_msr();
  cache_->fetch_line_counters(window.hits, window.clock, window.stamp);
  window.hit_cycles = hit_cycles_;
  return code;
}

bool Cpu::read_io(uint16_t port, void* data, unsigned len) {
  if (transport(true, tlm::TLM_READ_COMMAND, port, data, len) != tlm::TLM_OK_RESPONSE) {
    warn_once("read from unmapped I/O", true, port);
    std::memset(data, 0xFF, len);
  }
  return true;
}

bool Cpu::write_io(uint16_t port, const void* data, unsigned len) {
  uint8_t buf[16];
  std::memcpy(buf, data, std::min<unsigned>(len, sizeof buf));
  if (transport(true, tlm::TLM_WRITE_COMMAND, port, buf, len) != tlm::TLM_OK_RESPONSE)
    warn_once("write to unmapped I/O", true, port);
  return true;
}

uint8_t* Cpu::direct_ptr(uint32_t addr, bool write) {
  if (!fast_) return nullptr;
  const uint64_t page = addr & ~0xFFFull, page_end = page + 0xFFF;
  auto usable = [&](const tlm::tlm_dmi& d) {
    return d.get_start_address() <= page && page_end <= d.get_end_address() &&
           (write ? d.is_write_allowed() : d.is_read_allowed());
  };
  for (const tlm::tlm_dmi& d : dmi_regions_)
    if (usable(d)) return d.get_dmi_ptr() + (addr - d.get_start_address());
  tlm::tlm_generic_payload p;
  p.set_command(write ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND);
  p.set_address(addr);
  p.set_data_length(1);
  tlm::tlm_dmi d;
  if (!mem->get_direct_mem_ptr(p, d)) return nullptr;
  dmi_regions_.push_back(d);
  return usable(d) ? d.get_dmi_ptr() + (addr - d.get_start_address()) : nullptr;
}

void Cpu::invalidate_direct_mem_ptr(sc_dt::uint64 start, sc_dt::uint64 end) {
  dmi_regions_.erase(std::remove_if(dmi_regions_.begin(), dmi_regions_.end(),
                                    [&](const tlm::tlm_dmi& d) {
                                      return d.get_start_address() <= end && start <= d.get_end_address();
                                    }),
                     dmi_regions_.end());
  core_.flush_direct_cache();
  page_class_.fill(PageClass{});
  ok_page_[0] = ok_page_[1] = OkPage{};
  // A window that stops being RAM must not keep cached (or dirty) lines.
  if (cache_) cache_->flush_range(start, end);
}

}  // namespace minipc
