// Cpu: the IA-32 processor as a SystemC TLM-2.0 initiator.
//
// Wraps Ia32Core (the interpreter) and connects it to the platform: a memory
// socket and an I/O socket (payloads marked AddressSpace::io, address = port),
// the INTR input and the INTA port, and a quantum keeper for loosely-timed
// temporal decoupling (DESIGN.md §2 "Time").
//
// Modes (parameter <name>.mode):
//   fast      RAM through DMI (get_direct_mem_ptr on the mem socket), default
//             quantum 1 us. Functional runs and regressions.
//   accurate  every fetch, load and store is a b_transport; default quantum
//             10 ns. For bus contention and latency studies.
// Parameter <name>.quantum overrides the mode's default when non-zero.
// Parameter <name>.adaptive_quantum (default true) lets the CPU skip a
// quantum synchronisation when nothing else in the simulation could run
// before it; the results are exactly those of the plain quantum (cpu.cpp,
// "Adaptive quantum", argues why; testbench/system/adaptive_quantum_equiv.py
// checks it byte for byte).
//
// Cache (accurate mode only, <name>.cache.*, models/cpu/cache.h): a unified
// set-associative cache between the core and the mem socket. Only RAM is
// cached: a 4 KiB page is cacheable when the bus grants read/write DMI for
// all of it (MMIO windows, ROM, the LAPIC page and I/O space never are).
// Misses fetch a whole line with one b_transport; hits cost
// <name>.cache.hit_cycles and no transaction. The cache registers a snoop
// callback with the bus (SnoopRegistration, core/bus_host.h), so DMA and
// bus-master writes invalidate its lines and their reads see dirty data.
//
// Bus-free windows (accurate mode, docs/bus.md "Bus-free windows"): an
// instruction makes its bus accesses (fetch, loads, stores) first and then
// spends its remaining cycles (cycle_costs.h: DIV, MUL, a taken branch's
// refill, I/O and system instructions, interrupt delivery) inside the core.
// After each instruction the CPU knows that it will not request the bus
// from the end of its last transaction to the end of the instruction, and
// announces that window to the bus (BusFreeWindows, registered through the
// mem socket); a halted CPU announces an open-ended window, ended at the
// instant the interrupt wakes it. It announces only while some master wants
// windows (a transparent DMA channel is busy): then it runs one instruction
// per chunk, and each announcement is an interaction (the adaptive quantum
// stays exact). `bus_free` shows the announced windows in the VCD. Fast mode
// has no bus access per instruction and announces nothing.
//
// Time: each instruction costs cycles from the cost table (cycle_costs.h) at
// <name>.clock_hz; b_transport delays add on top. A halted CPU (HLT) waits on
// INTR's value-changed event and costs no host time; that time is counted in
// cycles() (the TSC keeps running) and separately in halted_cycles().
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>

#include "core/bus_host.h"
#include "core/irq.h"
#include "core/params.h"
#include "core/timed_signal.h"
#include "cpu/cache.h"
#include "cpu/ia32_core.h"

namespace minipc {

class Cpu : public sc_core::sc_module, private CpuBus, private Cache::Backend {
 public:
  tlm_utils::simple_initiator_socket<Cpu> mem{"mem"};
  tlm_utils::simple_initiator_socket<Cpu> io{"io"};
  // To this CPU's local APIC (optional): data accesses to the APIC page of
  // IA32_APIC_BASE go here with the offset in the page, not to the bus.
  tlm_utils::simple_initiator_socket_optional<Cpu> lapic{"lapic"};
  sc_core::sc_in<bool> intr{"intr"};
  sc_core::sc_port<InterruptAcknowledgeIf, 1, sc_core::SC_ZERO_OR_MORE_BOUND> inta{"inta"};
  // The NMI pin (optional; an sc_in<bool> that may stay unbound). A rising
  // edge latches one NMI (Ia32Core::set_nmi()); when the core takes it,
  // on_nmi_acknowledge runs (the platform drops the local APIC's nmi output).
  sc_core::sc_port<sc_core::sc_signal_in_if<bool>, 1, sc_core::SC_ZERO_OR_MORE_BOUND> nmi{"nmi"};
  std::function<void()> on_nmi_acknowledge;
  // Whether an NMI could still reach this CPU from a source it does not
  // drive itself (the local APIC's LINT pins, I/O APIC entries with NMI
  // delivery): the deadlock check (a CPU halted with IF=0) asks. Unset (a
  // CPU without the platform's APICs): no deadlock check.
  std::function<bool()> nmi_possible;
  // Stop the run when the CPU halts where nothing can ever wake it
  // (cpu<n>.deadlock_stop; see Cpu::cannot_wake()).
  Param<bool> deadlock_stop{this, "deadlock_stop", true,
                            "stop at once (exit 94) when the CPU halts where nothing can wake it"};

  // Traceable state, written only when it changes.
  sc_core::sc_signal<bool> halted{"halted"};
  sc_core::sc_signal<bool> interrupt_flag{"interrupt_flag"};
  // The bus-free windows this CPU announced (accurate mode, while wanted).
  TimedSignal<bool> bus_free{"bus_free"};

  Param<std::string> mode{this, "mode", "fast", "fast (DMI, large quantum) or accurate (every access on the bus)"};
  Param<double> clock_hz{this, "clock_hz", 100e6, "core clock frequency in Hz"};
  Param<sc_core::sc_time> quantum{this, "quantum", sc_core::SC_ZERO_TIME,
                                  "temporal-decoupling quantum; 0 s = by mode (fast 1 us, accurate 10 ns)"};
  Param<bool> adaptive_quantum{this, "adaptive_quantum", true,
                               "skip a quantum sync when no other process has activity before the CPU's local "
                               "time (exact: same results as false; effective when the quantum is below 1 us)"};
  Param<bool> jit{this, "jit", true,
                  "fast mode: translate hot blocks to host code (x86-64 hosts; same results as false, "
                  "which interprets every instruction)"};
  Param<std::string> on_triple_fault{this, "on_triple_fault", "stop",
                                     "what a triple fault does: stop (cpu_fatal with a register dump; no reset: models/cpu/README.md)"};
  // <name>.cache.{enabled,size,line,ways,write_policy,hit_cycles}
  CacheParams cache_params{std::string(name()) + ".cache"};

  SC_HAS_PROCESS(Cpu);
  explicit Cpu(sc_core::sc_module_name name);

  // Flat 32-bit protected mode, CR0.PE=1, IF=0, ESP=0: the Multiboot v1
  // entry state (EAX = magic, EBX = info pointer).
  void set_entry_state(uint32_t eip, uint32_t eax, uint32_t ebx);

  // Called at each INTA cycle that returns a vector, with the local time at
  // which the first ISR instruction runs (INTA + the IDT delivery's cycle
  // cost): the platform measures interrupt latencies with it.
  // back_to_back: the interrupt came right after an IRET, before any
  // instruction of the interrupted code (no progress outside ISRs).
  std::function<void(int vector, const sc_core::sc_time& at, bool back_to_back)> on_interrupt_accepted;

  uint64_t instructions() const { return core_.instructions(); }
  uint64_t cycles() const { return core_.cycles(); }
  // Includes a halt still in progress.
  uint64_t halted_cycles() const;
  // Host-side figure: re-samples of the interrupt state (after OUT, STI,
  // POPF, IRET, INTA) that needed no return to the thread's loop.
  uint64_t resamples_in_place() const { return resamples_in_place_; }
  bool fast_mode() const { return fast_; }
  sc_core::sc_time clock_period() const { return period_; }
  sc_core::sc_time effective_quantum() const { return quantum_; }
  // Quantum synchronisations done with wait() and skipped by the adaptive
  // quantum (host-side figures; not in the stats, which must not depend on
  // <name>.adaptive_quantum).
  uint64_t real_syncs() const { return real_syncs_; }
  uint64_t skipped_syncs() const { return skipped_syncs_; }
  // The absolute instant the coming sc_start() stops at (the platform's time
  // limit). Known, it replaces the adaptive quantum's 1 us grid rule: the
  // CPU skips any sync up to that instant, never past it nor from it, so a
  // fast-mode run (1 us quantum, one grid cell) skips too and a limit off
  // the 1 us grid is kept exactly. Unknown (tests calling sc_start()
  // themselves), the grid rule applies.
  void set_time_limit(const sc_core::sc_time& end) {
    limit_known_ = true;
    limit_ = end;
    horizon_valid_ = false;
  }

  // Debug access to memory through the bus (transport_dbg: no side effects,
  // no time); returns the bytes done. For debuggers.
  size_t debug_access(bool write, uint32_t addr, uint8_t* data, size_t len);

  // Bus-free windows announced so far (accurate mode).
  uint64_t windows_announced() const { return windows_announced_; }

  // The cache model (accurate mode with <name>.cache.enabled), or nullptr.
  Cache* cache() { return cache_.get(); }
  const Cache* cache() const { return cache_.get(); }
  // Whether the bus accepted the cache's snoop registration (false when the
  // mem socket is bound straight to a target: no other master can write).
  bool cache_snooping() const { return snooping_; }

  // The interpreter, for tests and debuggers (read state, set registers).
  Ia32Core& core() { return core_; }
  const Ia32Core& core() const { return core_; }

 private:
  void end_of_elaboration() override;
  void end_of_simulation() override;
  void run_thread();
  void nmi_method();
  void wait_while_halted();
  void update_signals() {
    // Only this module writes the two signals: the values it last wrote are
    // what they hold (or will hold after this delta's update), so the common
    // nothing-changed case reads no signal.
    if (!signals_current()) write_signals();
  }
  // halted and interrupt_flag exist for the waveform (nothing in the
  // platform reads them): without a VCD (timed_signals_recorded() false when
  // the thread starts) they are not written, so a CLI/STI pair or a HLT
  // costs no signal update, no delta cycle and no catch-up wait.
  bool signals_current() const {
    return !waveform_signals_ ||
           (halted_written_ == core_.halted() && if_written_ == static_cast<bool>(core_.eflags() & flag::if_));
  }
  void write_signals();
  void settle_interrupt_controllers();
  // Bus-free windows (see the header comment).
  bool announcing() const { return windows_ && windows_->windows_wanted(); }
  void announce_window(const sc_core::sc_time& end);
  void invalidate_direct_mem_ptr(sc_dt::uint64 start, sc_dt::uint64 end);

  // CpuBus
  bool read_mem(uint32_t addr, void* data, unsigned len) override;
  bool write_mem(uint32_t addr, const void* data, unsigned len) override;
  bool read_io(uint16_t port, void* data, unsigned len) override;
  bool write_io(uint16_t port, const void* data, unsigned len) override;
  bool fetch(uint32_t addr, void* data, unsigned len) override;
  unsigned fetch_words(uint32_t first, unsigned n, uint32_t* out) override;
  // Gives the core the line as its fetch window: further hits in it need no
  // call while the cache's generation (bumped at every fill, eviction and
  // invalidation) and IA32_APIC_BASE are unchanged.
  const uint8_t* fetch_code(uint32_t first, unsigned n, FetchWindow& window) override;
  uint8_t* direct_ptr(uint32_t addr, bool write) override;
  uint64_t next_chunk() override;
  uint64_t resample_in_place() override;
  std::string cannot_wake() const;  // why a halted CPU can never wake, or ""
  // The chunk starts now; the core clocks and hit stalls since its start.
  void chunk_start() {
    chunk_start_cycles_ = core_.cycles();
    chunk_start_stall_ = core_.stall();
    bus_delay_ = sc_core::SC_ZERO_TIME;
  }
  uint64_t chunk_cycles() const { return core_.cycles() - chunk_start_cycles_ + core_.stall() - chunk_start_stall_; }
  void chunk_end() {  // the chunk's time into the local time; the next starts
    local_ += cycles_time(chunk_cycles()) + bus_delay_;
    chunk_start();
  }
  // The instructions up to the end of the quantum (at least one).
  uint64_t chunk_budget() const;
  bool lazy_window(uint64_t& time_stop);  // cpu.cpp "Lazy runs"
  StepStatus run_lazy(uint64_t time_stop);
  void lazy_settle();

  // Cache::Backend
  bool bus_read(uint32_t addr, uint8_t* data, unsigned len) override;
  bool bus_write(uint32_t addr, const uint8_t* data, unsigned len) override;
  void snoop_write_back(uint32_t addr, const uint8_t* data, unsigned len) override;
  // The access goes through the cache (cache on, RAM, not the LAPIC page).
  // Each stream remembers the last page it found cacheable together with
  // IA32_APIC_BASE at that time; page_class_ changes clear the memos.
  bool cached(uint32_t addr, unsigned len, Cache::Stream stream) {
    if (!cache_) return false;
    const uint32_t page = addr >> 12;
    OkPage& m = ok_page_[stream];
    if (page == m.page && ((addr + len - 1) >> 12) == page && core_.apic_base_msr() == m.apic_base) [[likely]]
      return true;
    if (has_lapic_ && in_lapic_page(addr)) return false;
    const uint32_t last = addr + len - 1;
    if (!cacheable_page(page)) return false;
    if ((last >> 12) != page) return cacheable_page(last >> 12);
    m = OkPage{page, core_.apic_base_msr()};
    return true;
  }
  bool cacheable_page(uint32_t page) {
    const PageClass& e = page_class_[page & (page_class_.size() - 1)];
    return e.page == page ? e.cacheable : classify_page(page);
  }
  bool classify_page(uint32_t page);  // cacheable_page() on a miss of page_class_

  bool in_lapic_page(uint32_t addr) const {
    const uint64_t base = core_.apic_base_msr();
    return (base & 0x800) && (addr & ~0xFFFu) == (base & 0xFFFFF000u);
  }
  tlm::tlm_response_status transport(bool is_io, tlm::tlm_command cmd, uint32_t addr, void* data, unsigned len);
  // The last transport() was a failed memory read carrying a
  // MachineCheckExtension (its fields here).
  bool mc_reported_ = false;
  bool mc_uncorrected_ = true;
  uint64_t mc_address_ = 0;
  bool take_machine_check();
  bool fill_machine_check(void* data, unsigned len);
  void warn_once(const char* what, bool is_io, uint32_t addr);
  sc_core::sc_time local_offset() const;

  // Temporal decoupling (the quantum keeper, cpu.cpp "Adaptive quantum").
  // base_ is the kernel time at which the CPU would be without skipping (the
  // plain quantum keeper's sc_time_stamp()); local_ is the local time
  // relative to base_. Without skips base_ == sc_time_stamp().
  // The hot parts (once per quantum boundary: every instruction in
  // accurate mode) are inline and use integer time arithmetic; the results
  // equal the sc_time double arithmetic they replace (products and
  // quotients of integers below 2^53 time units are exact in a double).
  void keeper_reset(const sc_core::sc_time& at) {
    base_ = at;
    local_ = sc_core::SC_ZERO_TIME;
    next_sync_ = quantum_ == sc_core::SC_ZERO_TIME ? at : at + (quantum_ - (at % quantum_));
  }
  bool keeper_need_sync() const { return base_ + local_ >= next_sync_; }
  void quantum_sync() {  // at a quantum boundary: skip it or wait()
    if (!try_skip()) real_sync();
  }
  bool try_skip() {  // skips the sync at the quantum boundary if it may
    const sc_core::sc_time target = base_ + local_;
    if (!may_skip_to(target)) return false;
    ++skipped_syncs_;
    keeper_reset(target);
    return true;
  }
  void real_sync();     // wait() up to the local time
  void catch_up();      // wait() up to base_ (before anything others can see)
  void interact();      // catch_up(), and no skipping until the next wait()
  bool may_skip_to(const sc_core::sc_time& target) {
    if (!adaptive_ || interacted_ || core_.insn_hook()) return false;
    if (!horizon_valid_) refresh_horizon();
    return target <= grid_limit_ && target < activity_at_;
  }
  void refresh_horizon();  // grid_limit_ and activity_at_ from the kernel's state
  sc_core::sc_time cycles_time(uint64_t cycles) const {
    // sc_time::from_value() is a library call: small counts (a chunk of one
    // instruction) come from a table.
    return cycles < cycle_times_.size() ? cycle_times_[cycles] : sc_core::sc_time::from_value(cycles * period_units_);
  }

  Ia32Core core_;
  sc_core::sc_time base_, local_, next_sync_;
  bool adaptive_ = false;
  bool interacted_ = true;  // since the last wait()
  sc_dt::uint64 run_delta_ = ~sc_dt::uint64{0};  // sc_delta_count() when run_thread() last called core_.run()
  bool horizon_valid_ = false;
  bool halted_written_ = false, if_written_ = false;  // update_signals(): last values written
  bool waveform_signals_ = true;                        // signals_current()
  bool limit_known_ = false;
  sc_core::sc_time limit_;  // set_time_limit(): the instant sc_start() stops at
  sc_core::sc_time grid_limit_, activity_at_;  // skip targets must be <= and <
  uint64_t real_syncs_ = 0, skipped_syncs_ = 0, resamples_in_place_ = 0;
  bool fast_ = true;
  sc_core::sc_time period_;
  uint64_t period_units_ = 1;  // period_ in time-resolution units
  std::array<sc_core::sc_time, 512> cycle_times_;  // k * period_ (a fast-mode chunk: about 100-200 cycles)
  sc_core::sc_time quantum_;
  uint64_t halted_cycles_ = 0;
  BusFreeWindows* windows_ = nullptr;  // the bus, when it took the registration (accurate mode)
  int window_master_ = -1;
  sc_core::sc_time last_bus_end_;  // end of this CPU's last bus transaction (absolute)
  sc_core::sc_time window_start_, window_end_;  // the window announced last
  uint64_t windows_announced_ = 0;
  bool in_halt_wait_ = false;
  sc_core::sc_event nmi_latched_;  // wakes a halted CPU
  sc_core::sc_time halt_start_;
  uint64_t chunk_start_cycles_ = 0, chunk_start_stall_ = 0;  // core_.cycles(), core_.stall() at the chunk's start
  sc_core::sc_time bus_delay_;  // b_transport delays of the current chunk (cache hits: core_.stall())
  sc_core::sc_time stall_time_;  // all bus/target time so far; with core_.stall() what the TSC counts
  uint64_t stall_cycles() const override;
  // Lazy runs (cpu.cpp)
  static constexpr uint64_t kLazyMaxInstructions = 1u << 16;  // a run's bound (responsiveness only)
  bool lazy_allowed_ = false;
  bool lazy_ = false;  // a lazy run is on and not yet settled
  sc_core::sc_time lazy_base_;
  uint64_t lazy_start_ = 0;  // core_.cycles() + core_.stall() at its start
  uint64_t lazy_insns_ = 0;
  tlm::tlm_generic_payload mem_payload_, io_payload_;
  std::vector<tlm::tlm_dmi> dmi_regions_;
  std::set<uint64_t> warned_;
  static constexpr size_t kMaxUnmappedWarnings = 64;
  bool warnings_capped_ = false;
  // cache
  std::unique_ptr<Cache> cache_;
  uint64_t hit_cycles_ = 0;  // core clocks per cache hit
  bool snooping_ = false;
  bool has_lapic_ = false;
  struct PageClass {
    uint32_t page = ~0u;  // never a page number (they have 20 bits)
    bool cacheable = false;
  };
  std::array<PageClass, 64> page_class_{};
  struct OkPage {
    uint32_t page = ~0u;  // never a page number
    uint64_t apic_base = 0;
  };
  OkPage ok_page_[2];  // cached(): per Cache::Stream
};

}  // namespace minipc
