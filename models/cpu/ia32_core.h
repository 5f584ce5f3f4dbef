// Ia32Core: the IA-32 instruction-set interpreter, free of SystemC.
//
// The core owns the architectural state and executes instructions; it reaches
// memory and port I/O only through CpuBus, so the same core runs inside the
// SystemC Cpu module, in unit tests against a flat array, and in lockstep
// against Unicorn. Decode is table driven (opcodes.def): each instruction is
// decoded into an Insn record carrying its operands and a handler pointer, so
// a decode cache can later keep those records keyed by physical address.
#pragma once

#include <cstdint>
#include <cstring>
#include <exception>
#include <functional>
#include <memory>
#include <string>

#include "cpu/cycle_costs.h"

namespace minipc {

// The core's window on the world. Addresses are physical (the core applies
// segmentation and, with CR0.PG, paging before it calls these).
// read/write return false when nothing answers the address.
class CpuBus {
 public:
  virtual ~CpuBus() = default;
  virtual bool read_mem(uint32_t addr, void* data, unsigned len) = 0;
  virtual bool write_mem(uint32_t addr, const void* data, unsigned len) = 0;
  virtual bool read_io(uint16_t port, void* data, unsigned len) = 0;
  virtual bool write_io(uint16_t port, const void* data, unsigned len) = 0;
  // Instruction fetch; by default the same as a memory read.
  virtual bool fetch(uint32_t addr, void* data, unsigned len) { return read_mem(addr, data, len); }
  // n aligned dwords from first, exactly as n fetch() calls of 4 bytes in
  // order (the same transactions, cache lookups and stall time); stops at
  // the first that fails. Returns how many were fetched.
  virtual unsigned fetch_words(uint32_t first, unsigned n, uint32_t* out) {
    for (unsigned k = 0; k < n; ++k)
      if (!fetch(first + 4 * k, out + k, 4)) return k;
    return n;
  }
  // A window onto fetchable bytes (a cache line) that the core may use
  // for further fetches without calling the bus: while the count at
  // `generation` still equals generation_at and IA32_APIC_BASE equals
  // apic_base, fetching n dwords at physical p with
  // [p, p + 4n) inside [lo, lo + size) is: *hits += n, *clock += n,
  // *stamp = *clock, n * hit_cycles stall clocks, and the bytes at
  // data + (p - lo) (16 more readable past the window). size 0: none.
  struct FetchWindow {
    uint32_t lo = 0, size = 0;
    const uint8_t* data = nullptr;
    const uint64_t* generation = nullptr;
    uint64_t generation_at = 0, apic_base = 0;
    uint64_t *hits = nullptr, *clock = nullptr, *stamp = nullptr;
    uint64_t hit_cycles = 0;
    // A fetch in the window, as described; nullptr (nothing done) outside it.
    [[gnu::always_inline]] const uint8_t* hit(uint32_t first, unsigned n, uint64_t apic_base_now, uint64_t& stall) const {
      const uint32_t off = first - lo;
      if (uint64_t{off} + 4 * n > size || *generation != generation_at || apic_base_now != apic_base) return nullptr;
      *hits += n;
      *clock += n;
      *stamp = *clock;
      stall += n * hit_cycles;
      return data + off;
    }
  };
  // The common case of fetch_words() without a copy: when all n dwords are
  // there at once (e.g. cache hits in one line) it does what fetch_words()
  // would and returns a pointer to their bytes, valid until the next bus
  // call, with at least 16 readable bytes past the last one (only the n
  // dwords are meaningful), and may describe the line in `window`;
  // otherwise nullptr and nothing done.
  virtual const uint8_t* fetch_code(uint32_t first, unsigned n, FetchWindow& window) { return nullptr; }
  // RAM fast path: a host pointer to the byte at addr that stays valid for the
  // rest of the 4 KiB page containing addr, or nullptr (then the core uses the
  // calls above). The core caches these per page until flush_direct_cache().
  virtual uint8_t* direct_ptr(uint32_t addr, bool write) { return nullptr; }
  // Core clocks spent waiting for the bus and the targets (and cache hits):
  // the time stamp counter counts them, as a real TSC counts every clock.
  virtual uint64_t stall_cycles() const { return 0; }
  // Ia32Core::run() used up its instruction budget and nothing ended the run
  // early (no fault, HLT, fatal stop, interrupt-state change, hook): the
  // owner may go on with a further budget, having done its end-of-chunk
  // work (as if run() had returned and been called again), or return 0 and
  // let run() return. Default: return.
  virtual uint64_t next_chunk() { return 0; }
  // Ia32Core::run() stopped for a re-sample of the interrupt state (an OUT,
  // STI, POPF, IRET, an INTA) with no fault or halt: the owner may settle
  // that in place and go on with a further budget (as if run() had
  // returned, the controllers had settled, INTR had been sampled again and
  // run() had been called again), or return 0 and let run() return.
  // Default: return.
  virtual uint64_t resample_in_place() { return 0; }
};

enum class StepStatus : uint8_t {
  ok,      // instruction retired (or an interrupt was delivered)
  halted,  // in HLT, waiting for an interrupt
  fatal,   // cannot continue; see fatal_message()
};

// Why the core stopped fatally (selects the simulator's exit status).
enum class FatalKind : uint8_t { none, cpu, bus };

// Machine-check architecture (Intel SDM vol. 3B ch. 15): MSR indices and
// register fields, named as the SDM names them. models/cpu/README.md
// "Machine check" says what is modelled.
namespace mca {
constexpr uint32_t IA32_MCG_CAP = 0x179;
constexpr uint32_t IA32_MCG_STATUS = 0x17A;
constexpr uint32_t IA32_MC0_CTL = 0x400;  // bank i: IA32_MCi_CTL/STATUS/ADDR/MISC at 0x400 + 4i + 0..3
constexpr uint32_t IA32_MC0_STATUS = 0x401;
constexpr uint32_t IA32_MC0_ADDR = 0x402;
constexpr uint32_t IA32_MC0_MISC = 0x403;
constexpr unsigned kBanks = 1;  // IA32_MCG_CAP.Count; no MCG_CTL_P, MCG_EXT_P, MCG_CMCI_P, MCG_TES_P, MCG_SER_P
// IA32_MCG_STATUS
constexpr uint64_t MCG_STATUS_RIPV = 1u << 0;  // restart IP valid
constexpr uint64_t MCG_STATUS_EIPV = 1u << 1;  // error IP valid
constexpr uint64_t MCG_STATUS_MCIP = 1u << 2;  // machine check in progress
// IA32_MCi_STATUS
constexpr uint64_t MCi_STATUS_VAL = 1ull << 63;
constexpr uint64_t MCi_STATUS_OVER = 1ull << 62;
constexpr uint64_t MCi_STATUS_UC = 1ull << 61;
constexpr uint64_t MCi_STATUS_EN = 1ull << 60;
constexpr uint64_t MCi_STATUS_MISCV = 1ull << 59;
constexpr uint64_t MCi_STATUS_ADDRV = 1ull << 58;
constexpr uint64_t MCi_STATUS_PCC = 1ull << 57;
// The MCA error code (MCi_STATUS[15:0]) of a memory read error: the
// compound code of a memory controller error, 0000 0000 1MMM CCCC with
// MMM = 001 (memory read) and CCCC = 1111 (channel not specified).
constexpr uint64_t kMemoryReadErrorCode = 0x009F;
// IA32_MCi_CTL: the one error this model reports is enabled by EE00 (bit 0);
// the other bits are not implemented (writes to them are dropped, SDM
// §15.3.2.1).
constexpr uint64_t MCi_CTL_EE_MEMORY_READ = 1u << 0;
constexpr uint32_t CR4_MCE = 1u << 6;
}  // namespace mca

namespace reg {
enum Gpr : uint8_t { eax, ecx, edx, ebx, esp, ebp, esi, edi };
enum Seg : uint8_t { es, cs, ss, ds, fs, gs };
}  // namespace reg

namespace flag {
constexpr uint32_t cf = 1u << 0, pf = 1u << 2, af = 1u << 4, zf = 1u << 6, sf = 1u << 7,
                   tf = 1u << 8, if_ = 1u << 9, df = 1u << 10, of = 1u << 11, nt = 1u << 14,
                   rf = 1u << 16, ac = 1u << 18, id = 1u << 21;
constexpr uint32_t status = cf | pf | af | zf | sf | of;
constexpr uint32_t reserved_one = 1u << 1;
}  // namespace flag

// A segment register with its descriptor cache (SDM vol. 3 §3.4.3).
struct SegmentReg {
  uint16_t selector = 0;
  uint32_t base = 0;
  uint32_t limit = 0xFFFFFFFF;
  uint8_t access = 0x93;  // descriptor byte 5: P, DPL, S, type (0: null/unusable)
  unsigned dpl() const { return (access >> 5) & 3; }
  bool present() const { return access & 0x80; }
};

struct TableReg {
  uint32_t base = 0;
  uint16_t limit = 0;
};

class Ia32Core;
struct Insn;

// Observer of the steps Ia32Core::run() makes (debuggers, tracers); off when
// null. before_step() may block (a debugger holding the target stopped);
// returning false ends run() before the step.
class InsnHook {
 public:
  virtual ~InsnHook() = default;
  virtual bool before_step(Ia32Core& core) = 0;
  virtual void after_step(Ia32Core& core, StepStatus status) = 0;
};
#define MINIPC_IA32_INSN_HOOK 1  // models/debug/core_debugger.h keys on this

using InsnHandler = void (*)(Ia32Core&, const Insn&);

// One decoded instruction. Everything a handler needs, independent of the
// machine state, so the record can be cached.
struct Insn {
  InsnHandler handler = nullptr;
  uint32_t imm = 0;       // first immediate (sign-extended where the form says)
  uint32_t imm2 = 0;      // second immediate (ENTER level, far JMP selector)
  uint32_t disp = 0;      // memory operand displacement
  uint16_t opcode = 0;    // 0x000-0x0FF one byte, 0x100-0x1FF after 0F
  uint8_t length = 0;     // bytes, prefixes included
  uint8_t opsize = 4;     // 2 or 4 (0x66)
  uint8_t rep = 0;        // 0, 0xF2 or 0xF3
  int8_t seg = -1;        // segment override or -1
  int8_t eseg = reg::ds;  // the memory operand's segment (the override, else by base register)
  uint8_t mod = 0, regop = 0, rm = 0;  // ModRM fields
  int8_t base = -1, index = -1;        // memory operand registers, -1 = none
  uint8_t scale = 0;
  CostClass cost = CostClass::alu;
  uint8_t cycles = 0;     // cycle_cost(cost) + kMemOperandCycles for a memory operand
  bool has_modrm = false;
  bool lock = false;
  // Inside a block (Ia32Core::Block): the byte offset from the block's first
  // instruction and the cycles of the instructions before this one.
  uint8_t block_off = 0;
  uint16_t cycles_before = 0;
  bool is_mem() const { return has_modrm && mod != 3; }
};
static_assert(sizeof(Insn) == 40, "Insn grew: blocks keep 16 of them");

class Jit;

class Ia32Core {
 public:
  explicit Ia32Core(CpuBus& bus);
  ~Ia32Core();

  // Flat 32-bit protected mode: CS/DS/ES/SS/FS/GS base 0 limit 4G, CR0.PE=1,
  // IF=0, all GPRs 0, EIP=0.
  void reset();
  // The Multiboot v1 entry state: reset() plus EIP, EAX, EBX.
  void set_entry_state(uint32_t eip, uint32_t eax, uint32_t ebx);

  // Executes one instruction, or accepts a pending interrupt.
  StepStatus step();
  // Steps until max_insns instructions retired or the status is not ok.
  // A halted core returns halted at once (unless an interrupt wakes it).
  // whole_blocks: a block (see Block) that starts within the budget runs to
  // its end, so the run may retire up to kMaxBlockInsns - 1 instructions
  // more (fast mode's CPU thread: a budget then never splits a block, which
  // would leave its rest to be interpreted and make blocks start mid-block).
  // The rule depends only on the instruction stream, not on whether blocks
  // are translated, so results stay the same with and without the
  // translator. Without it the count is exact (tests, debuggers).
  StepStatus run(uint64_t max_insns, bool whole_blocks = false);
  // A time-bounded run (the CPU thread's accurate mode, cpu.cpp "Lazy
  // runs"): one unit (an instruction, or the delivery of an interrupt) at a
  // time, no blocks, and it returns at the first unit boundary where
  // cycles() + stall() >= time_stop, where IF differs from its value at
  // the start, or after max_insns instructions, and for everything that
  // ends run() (status not ok, a resample request, a hook). The start of
  // the last unit is kept (unit_cycles(), unit_stall()); end_run_after_unit()
  // makes the current unit the last.
  StepStatus run_until(uint64_t time_stop, uint64_t max_insns);
  uint64_t unit_cycles() const { return unit_cycles_; }
  uint64_t unit_stall() const { return unit_stall_; }
  void end_run_after_unit() { time_stop_ = 0; }
  // Core clocks the bus spent on cache hits (whole clocks; the bus adds
  // them): time the core waited that is not in cycles(). Counted here so
  // that run_until() can bound a run by time.
  void add_stall(uint64_t n) { stall_ += n; }
  uint64_t stall() const { return stall_; }

  // External interrupt request (the INTR pin), sampled at instruction
  // boundaries when IF=1 and no STI shadow is active. On acceptance the core
  // calls the acknowledge callback (the INTA cycle); a result < 0 means the
  // request vanished. After an acknowledge the latched level is cleared: the
  // owner must re-sample the pin (the controller lowers it after INTA).
  void set_intr(bool level) { intr_ = level; }
  bool intr() const { return intr_; }
  void set_interrupt_acknowledge(std::function<int()> ack) { ack_ = std::move(ack); }
  // True when the core would accept an interrupt at the next boundary.
  bool interrupt_window_open() const { return (eflags_ & flag::if_) && !ev_.sti_shadow; }

  // The NMI pin (SDM vol. 3 §6.7). Edge-triggered: a rising edge latches one
  // pending NMI (a second edge while one is pending is lost, as on hardware).
  // A pending NMI is taken at the next instruction boundary through IDT
  // vector 2 whatever IF says (not inside an STI/MOV SS shadow), wakes HLT,
  // and then NMIs are blocked until the next IRET (any IRET, as on hardware);
  // an NMI latched meanwhile stays pending and is taken after that IRET.
  // The acknowledge callback runs when the NMI is taken (the local APIC
  // drops its nmi output then).
  void set_nmi(bool level) {
    if (level && !nmi_level_) ev_.nmi_pending = true;
    nmi_level_ = level;
  }
  bool nmi_pending() const { return ev_.nmi_pending; }
  bool nmi_blocked() const { return nmi_blocked_; }
  // The last instruction retired was an IRET: an interrupt accepted now
  // comes back to back, before any instruction of the code the IRET
  // returned to (the interrupt-storm check's "no progress").
  bool iret_just_retired() const { return after_iret_; }
  // True when a pending NMI would be taken at the next boundary.
  bool nmi_deliverable() const { return ev_.nmi_pending && !nmi_blocked_ && !ev_.sti_shadow; }
  void set_nmi_acknowledge(std::function<void()> ack) { nmi_ack_ = std::move(ack); }

  // True (once) when the last run() ended early because the interrupt state
  // may have changed: an interrupt was acknowledged, or IRET, STI, POPF or an
  // OUT ran. The owner lets the controllers settle and re-samples INTR.
  // The run was stopped during the current instruction (its bus access):
  // run() returns after it, a block included.
  void stop_after_current() {
    block_end_ = nullptr;
    ev_.resample_intr = true;
  }
  bool consume_resample_request() {
    const bool r = ev_.resample_intr;
    ev_.resample_intr = false;
    return r;
  }

  // Drops cached direct pointers and translations (DMI invalidated, memory
  // map changed); also the TLB flush of CR3 writes.
  void flush_direct_cache();

  // CPUID leaf 1 EBX[31:24] and IA32_APIC_BASE.BSP.
  void set_apic_id(uint8_t id) { apic_id_ = id; }
  void set_bootstrap_processor(bool bsp);

  // ---- state ----------------------------------------------------------
  uint32_t gpr(unsigned r) const { return regs_[r & 7]; }
  void set_gpr(unsigned r, uint32_t v) { regs_[r & 7] = v; }
  uint32_t eip() const { return eip_; }
  void set_eip(uint32_t v) { eip_ = v; }
  uint32_t eflags() const { return eflags_; }
  uint64_t apic_base_msr() const { return apic_base_; }
  void set_insn_hook(InsnHook* h) { hook_ = h; }
  InsnHook* insn_hook() const { return hook_; }
  void set_eflags(uint32_t v) { eflags_ = (v & kEflagsWritable) | flag::reserved_one; }
  const SegmentReg& seg(unsigned s) const { return segs_[s]; }
  const SegmentReg& tr() const { return tr_; }
  const SegmentReg& ldtr() const { return ldtr_; }
  unsigned cpl() const { return cpl_; }
  uint32_t cr(unsigned n) const { return n < 5 ? cr_[n] : 0; }
  const TableReg& gdtr() const { return gdtr_; }
  const TableReg& idtr() const { return idtr_; }
  bool halted() const { return ev_.halted; }
  uint64_t msr(uint32_t index) const;

  uint64_t instructions() const { return instructions_; }
  // Inside a block the cycles of its earlier instructions are added when the
  // block ends; cycles() includes them (bus callbacks see the exact count).
  uint64_t cycles() const { return cycles_ + (cur_ ? cur_->cycles_before : 0); }
  // Cycles are added by whoever models time outside the core (halt time).
  void add_cycles(uint64_t n) { cycles_ += n; }

  FatalKind fatal_kind() const { return fatal_kind_; }
  // The fatal stop was a triple fault (a fault while delivering #DF).
  bool triple_faulted() const { return triple_fault_; }
  const std::string& fatal_message() const { return fatal_message_; }
  // EIP of the instruction being executed (valid inside bus callbacks).
  uint32_t current_eip() const { return insn_eip_; }

  // ---- Machine check (SDM vol. 3B ch. 15) -----------------------------
  // The read or instruction fetch in progress met a hardware error
  // (core/machine_check.h): the CpuBus calls this from inside read_mem() or
  // fetch(). The error is logged in bank 0 whatever IA32_MC0_CTL says
  // (SDM §15.3.2.1). An uncorrected error whose signalling is enabled
  // (IA32_MC0_CTL.EE00) does not return: the current instruction ends in
  // #MC (vector 18, no error code, MCG_STATUS EIPV=1 RIPV=0 MCIP=1) when
  // CR4.MCE=1 and MCG_STATUS.MCIP=0, else in shutdown (a fatal stop, as a
  // triple fault). Otherwise it returns, and the access completes with the
  // data the bus returned (the caller fills all ones).
  void machine_check(uint64_t address, bool uncorrected);
  // Errors reported through machine_check() (logged, signalled or not).
  uint64_t machine_checks() const { return machine_checks_; }
  // The fatal stop was a machine-check shutdown.
  bool machine_check_shutdown() const { return mc_shutdown_; }

  // The translator (models/cpu/jit.h): run()'s blocks compiled to host code
  // once a block has been entered `threshold` times (0 or 1: at the first
  // entry). Architecturally invisible: the same registers, memory, cycles,
  // faults and bus accesses as the interpreter. On by default where the host
  // can run it (x86-64); jit_available() says whether it can.
  static constexpr unsigned kDefaultJitThreshold = 4;
  static bool jit_available();
  void set_jit(bool on, unsigned threshold = kDefaultJitThreshold);
  bool jit_enabled() const { return jit_ != nullptr; }
  uint64_t blocks_built() const { return blocks_built_; }  // blocks decoded into the block cache
  // Blocks compiled so far and code flushes (the code buffer filled up).
  uint64_t jit_blocks_compiled() const;
  uint64_t jit_flushes() const;
  uint64_t jit_failures() const;  // blocks left interpreted (the generator could not encode them)

  // Decodes the instruction at eip without executing it (tests, tracing).
  // Returns false and a message on an undecodable instruction.
  bool decode_at(uint32_t eip, Insn& out, std::string* error = nullptr);

  // Architectural exception vectors.
  enum Vector : uint8_t { DE = 0, DB = 1, BP = 3, OF = 4, BR = 5, UD = 6, DF = 8, TS = 10, NP = 11, SS = 12, GP = 13, PF = 14, MC = 18 };

  static constexpr uint32_t kEflagsWritable =
      flag::status | flag::tf | flag::if_ | flag::df | (3u << 12) | flag::nt | flag::rf | flag::ac | flag::id;

 private:
  friend struct Exec;
  friend class Jit;
  struct Fault {
    FatalKind kind;  // none: an architectural exception (vector) to deliver
    int vector;
    std::string message;
    uint32_t error_code = 0;
  };
  enum class EventKind : uint8_t { software, external, exception };
  // A descriptor as read from the GDT.
  struct Descriptor {
    uint32_t lo = 0, hi = 0;
    uint32_t base() const { return (lo >> 16) | ((hi & 0xFF) << 16) | (hi & 0xFF000000); }
    uint32_t limit() const {
      const uint32_t l = (lo & 0xFFFF) | (hi & 0xF0000);
      return (hi & (1u << 23)) ? (l << 12) | 0xFFF : l;
    }
    uint8_t access() const { return static_cast<uint8_t>(hi >> 8); }
    unsigned dpl() const { return (hi >> 13) & 3; }
    bool present() const { return hi & (1u << 15); }
    bool is_system() const { return !(hi & (1u << 12)); }
    bool is_code() const { return !is_system() && (hi & (1u << 11)); }
    bool is_data() const { return !is_system() && !(hi & (1u << 11)); }
    bool conforming() const { return is_code() && (hi & (1u << 10)); }
    bool readable_or_writable() const { return hi & (1u << 9); }
  };

  StepStatus execute_insn();  // one instruction, no interrupt acceptance or single-step trap
  template <bool Lazy>
  StepStatus run_fast(uint64_t stop, uint32_t watch, bool whole_blocks);  // run()'s common case
  bool lazy_go_on() const { return cycles_ + stall_ < time_stop_ && !((eflags_ ^ lazy_if_) & flag::if_); }
  // run()'s and run_until()'s boundary rule. What sends an instruction
  // through step(): a pending interrupt with IF=1, TF, an STI/MOV SS
  // shadow, a pending NMI, a halted or stopped core. INTR changes only
  // outside a run and at INTA (in step()); shadows, HLT and fatal stops only
  // in the instruction just executed; so only EFLAGS needs a look each time
  // (the watched bits). Event bytes 4-7: halted, resample_intr (false
  // here), nmi_pending, sti_shadow.
  uint32_t watched_flags() const { return flag::tf | (intr_ ? flag::if_ : 0); }
  bool boundary_needs_step(uint32_t watch) const {
    constexpr uint64_t kBoundaryEvents = 0xFFFFFFFF00000000ull;
    return (event_word() & kBoundaryEvents) || fatal_kind_ != FatalKind::none || (eflags_ & watch);
  }
  // decode
  void decode(Insn& d);
  static bool lock_allowed(const Insn& d);
  uint8_t fetch8();
  // memory
  uint32_t linear(int seg, uint32_t offset) const { return segs_[seg].base + offset; }
  struct PageSlot;
  PageSlot& slot(uint32_t lin, bool write);  // TLB + host-pointer lookup; may raise #PF
  uint32_t tlb_tag(uint32_t lin) const { return (lin >> 12) | access_tag_; }  // a slot's tag for lin
  void fill_slot(PageSlot& s, uint32_t tag, uint32_t lin, bool write);
  // Two-level page walk. Returns true and the physical address, or false and
  // the #PF error code. update: set accessed/dirty bits.
  bool walk(uint32_t lin, bool write, bool user, bool update, uint32_t& phys_or_error);
  uint32_t phys_read32(uint32_t pa);
  void phys_write32(uint32_t pa, uint32_t v);
  void invlpg(uint32_t lin);
  bool paging() const { return cr_[0] & 0x80000000u; }
  // Supervisor-mode accesses (descriptor tables, TSS, the ring-0 stack).
  uint32_t sys_read(uint32_t lin, unsigned n);
  void sys_write(uint32_t lin, uint32_t v, unsigned n);
  void set_cpl(unsigned cpl);
  uint32_t ea(const Insn& d) const;   // offset part of the memory operand
  int ea_seg(const Insn& d) const;    // segment of the memory operand
  uint32_t read(uint32_t lin, unsigned n);
  void write(uint32_t lin, uint32_t v, unsigned n);
  uint32_t read_slow(uint32_t lin, unsigned n);
  void write_slow(uint32_t lin, uint32_t v, unsigned n);
  void read_block(uint32_t lin, void* data, unsigned n);
  uint32_t io_in(uint16_t port, unsigned n);
  void io_out(uint16_t port, uint32_t v, unsigned n);
  // operands
  uint32_t get_reg(unsigned n, unsigned r) const;
  void set_reg(unsigned n, unsigned r, uint32_t v);
  uint32_t read_rm(const Insn& d, unsigned n);
  void write_rm(const Insn& d, unsigned n, uint32_t v);
  void push(uint32_t v, unsigned n = 4);
  uint32_t pop(unsigned n = 4);
  // control
  Descriptor read_descriptor(uint16_t selector, int vector, uint32_t ext);
  // Linear address of the descriptor a (range-checked) selector names: in the
  // GDT (TI=0) or the LDT (TI=1).
  uint32_t descriptor_address(uint16_t selector) const {
    return ((selector & 4) ? ldtr_.base : gdtr_.base) + (selector & ~7u);
  }
  void load_ldt_register(uint16_t selector);
  bool deliver_nmi();  // false: fatal
  bool deliver_event(uint8_t vector, EventKind kind);  // at the boundary; false: fatal
  StepStatus fault_taken(const Fault& f);  // the instruction faulted: restore, deliver or stop
  void set_accessed(uint16_t selector, const Descriptor& d);
  static SegmentReg cache_of(uint16_t selector, const Descriptor& d);
  void load_segment(unsigned s, uint16_t selector);
  SegmentReg check_code_segment(uint16_t selector);  // far JMP/CALL target (same privilege)
  SegmentReg check_stack_segment(uint16_t selector, unsigned rpl, int vector, uint32_t ext);
  void far_return(uint16_t cs, uint32_t eip, uint32_t frame_bytes, uint32_t pop_extra, bool iret, uint32_t fl);
  void load_task_register(uint16_t selector);
  void write_eflags(uint32_t v, uint32_t mask, unsigned cpl);
  void require_cpl0();
  void require_io_privilege();
  void deliver_interrupt(uint8_t vector, uint32_t return_eip, EventKind kind, bool has_error = false,
                         uint32_t error_code = 0);
  bool deliver_exception(const Fault& f);  // with #DF / triple fault escalation
  std::string register_dump() const;
  [[noreturn]] void fatal(FatalKind k, std::string msg);
  [[noreturn]] void raise(int vector, const char* what) { raise(vector, 0, what); }
  [[noreturn]] void raise(int vector, uint32_t error_code, const char* what);
  std::string unsupported_message(uint32_t at);
  bool cond(unsigned cc) const;

  CpuBus& bus_;
  uint32_t regs_[8] = {};
  uint32_t eip_ = 0;
  uint32_t eflags_ = flag::reserved_one;
  SegmentReg segs_[6];
  SegmentReg tr_{0, 0, 0, 0};
  SegmentReg ldtr_{0, 0, 0, 0};  // access 0: no LDT (null LDTR)
  uint32_t cr_[5] = {};
  TableReg gdtr_, idtr_;
  unsigned cpl_ = 0;
  uint32_t access_tag_ = 0;  // kUserTag while CPL=3: user and supervisor translations are cached apart
  bool intr_ = false;
  bool triple_fault_ = false;
  bool nmi_level_ = false;    // the NMI pin as last seen (edge detection)
  bool nmi_blocked_ = false;  // an NMI handler started; cleared by IRET
  bool after_iret_ = false;   // iret_just_retired(): set by IRET, cleared before each block or step
  std::function<void()> nmi_ack_;
  uint8_t apic_id_ = 0;
  uint64_t apic_base_ = 0xFEE00900;
  InsnHook* hook_ = nullptr;
  int64_t tsc_offset_ = 0;
  // Machine check: the banks (IA32_MCi_CTL/STATUS/ADDR/MISC) and IA32_MCG_STATUS.
  struct McBank {
    uint64_t ctl = mca::MCi_CTL_EE_MEMORY_READ, status = 0, addr = 0, misc = 0;
  };
  McBank mc_[mca::kBanks];
  uint64_t mcg_status_ = 0;
  uint64_t machine_checks_ = 0;
  bool mc_shutdown_ = false;
  bool mca_msr(uint32_t index) const { return index == mca::IA32_MCG_CAP || index == mca::IA32_MCG_STATUS ||
                                              (index >= mca::IA32_MC0_CTL && index < mca::IA32_MC0_CTL + 4 * mca::kBanks); }
  uint64_t read_mca_msr(uint32_t index) const;
  void write_mca_msr(uint32_t index, uint64_t v);
  uint32_t insn_esp_ = 0, insn_eflags_ = 0;  // restored when the instruction faults
  std::function<int()> ack_;

  // decode cursor
  uint32_t fetch_addr_ = 0;
  uint32_t insn_eip_ = 0;
  unsigned fetch_count_ = 0;
  uint32_t fetch_word_addr_ = 1;  // aligned dword buffered for slow fetches
  uint32_t fetch_word_ = 0;
  const uint8_t* fetch_page_ = nullptr;
  uint32_t fetch_page_addr_ = 0xFFFFFFFF;  // page number of fetch_page_, or invalid
  uint32_t fetch_page_phys_ = 0;           // physical page address of fetch_page_
  // The last code page found without a host pointer (accurate mode): the
  // run loop does not look for blocks there. A hint only: the instruction is
  // still translated and fetched by decode_slow(); dropped with the TLB.
  uint32_t bus_page_addr_ = 0xFFFFFFFF;
  uint32_t next_eip_ = 0;
  // The core's event bytes, kept in one 8-byte word so run()'s fast path
  // tests them all with one load (any of bytes 1-7 set sends the instruction
  // boundary through the general path). The first four are per-instruction
  // flags, cleared before each instruction (one store).
  struct alignas(8) Events {
    bool branch_taken = false;
    bool restart = false;         // a REP instruction yields before finishing
    bool shadow_pending = false;  // this instruction sets the shadow
    bool software_int = false;    // this instruction was INT n/INT3/INTO (no single-step trap)
    bool halted = false;
    bool resample_intr = false;
    bool nmi_pending = false;     // latched NMI waiting for delivery
    bool sti_shadow = false;      // set by the instruction that opened the window
  };
  static_assert(sizeof(Events) == 8);
  Events ev_;
  uint64_t event_word() const {
    uint64_t w;
    std::memcpy(&w, &ev_, 8);
    return w;
  }

  // The software TLB: per 4 KiB linear page, the physical page and, for RAM,
  // a host pointer. Without paging it is the old direct-pointer cache.
  static constexpr unsigned kPageCacheSize = 256;
  static constexpr uint32_t kUserTag = 0x80000000u;
  struct PageSlot {
    uint32_t tag = 0xFFFFFFFF;  // linear page number | access tag, or invalid
    uint32_t phys = 0;          // physical page address
    uint8_t* ptr = nullptr;     // host pointer to the page, nullptr: use the bus
    // For translated code: tag when the page has a host pointer (else
    // invalid), and the host address of linear address 0 through this page
    // (ptr minus the page's linear base), so an access is addend + lin.
    uintptr_t addend = 0;
    uint32_t jtag = 0xFFFFFFFF;
    uint32_t unused = 0;
  };
  static_assert(sizeof(PageSlot) == 32, "translated code indexes the TLB by page * 32");
  PageSlot read_pages_[kPageCacheSize], write_pages_[kPageCacheSize];

  // The decode cache ("decode once, run many"): decoded instructions in a
  // direct-mapped table keyed by PHYSICAL address. Each entry also keeps the
  // instruction's bytes (up to 16, with a mask for its length) and is used
  // only while the bytes in memory still match, so every writer (CPU stores,
  // self-modifying code, DMA, the loader, a debugger planting INT3) invalidates
  // it by construction, with no bookkeeping on the store path. Only RAM with a
  // host pointer (fast mode, DMI) is cached, and only instructions that end
  // at least 16 bytes before the end of their page; the rest (accurate mode's
  // bus fetches, page-crossing instructions) are decoded every time, with
  // exactly the old fetch behaviour.
  static constexpr unsigned kDecodeCacheSize = 1u << 14;
  struct DecodedInsn {
    uint32_t phys = 0xFFFFFFFF;  // physical address of the first byte, or invalid
    uint32_t words = 0;          // aligned dwords covering the instruction at phys (bus fetches)
    uint64_t bytes[2] = {};
    uint64_t mask[2] = {};
    Insn insn;
    bool holds(const uint8_t* code) const;       // code (16 readable bytes) starts with the kept bytes
    void keep(uint32_t pa, const uint8_t* code);  // remembers insn.length bytes of code, tags pa
  };
  std::unique_ptr<DecodedInsn[]> decode_cache_;
  const Insn& fetch_decoded();    // the instruction at EIP, from the cache or decoded
  const Insn& decode_slow(uint32_t lin);  // fetch_decoded() when the cache cannot answer
  uint32_t map_fetch_page(uint32_t lin);  // fetch_page_ for lin's page (RAM only), lin's physical address; may raise #PF
  const Insn& decode_bus(uint32_t pa);    // decode_slow() for code fetched over the bus
  const Insn& decode_prefetched(uint32_t pa, DecodedInsn& e);  // decode_bus()'s decode from prefetch_
  // Dwords decode_bus() fetched for the instruction at prefetch_base_;
  // fetch8() takes them before it fetches anything over the bus.
  uint32_t prefetch_[5] = {};
  uint32_t prefetch_base_ = 0;
  unsigned prefetch_n_ = 0;
  uint8_t fetched_bytes_[16] = {};  // the bus-fetched bytes of the instruction being decoded
  Insn slow_insn_;  // an instruction that is not cached (no host pointer, end of page)

  // The block cache (fast mode's run loop): straight-line runs of decoded
  // instructions, keyed by the PHYSICAL address of the first. A block ends
  // with the first instruction that may transfer control, raise an event
  // (HLT, STI, POPF, IN/OUT, string ops, INT, IRET, system instructions) or
  // change what the run loop watches (TF, IF), or at kMaxBlockInsns
  // instructions, kMaxBlockBytes bytes or near the end of the page (the same
  // 16-byte rule as the decode cache). Like the decode cache, a block keeps
  // its code bytes and runs only while memory still holds them (checked once
  // per block entry, a few 8-byte compares), so every writer outside the
  // block invalidates it by construction. A store INTO the block being run
  // (self-modifying code within a block) is caught on the store path
  // (note_code_write): the block stops after the storing instruction and
  // the next instruction is fetched again from memory.
  static constexpr unsigned kBlockCacheSize = 1u << 14;
  static constexpr unsigned kMaxBlockInsns = 16;
  static constexpr unsigned kMaxBlockBytes = 64;
  struct Block {
    uint32_t phys = 0xFFFFFFFF;  // physical address of the first byte, or invalid
    uint16_t n = 0;              // instructions
    uint16_t nbytes = 0;         // code bytes (the instructions' lengths summed)
    uint64_t bytes[kMaxBlockBytes / 8] = {};  // code bytes, the last word masked
    uint64_t last_mask = 0;      // mask of the valid bytes in bytes[(nbytes - 1) / 8]
    Insn insns[kMaxBlockInsns];
    // Translation (Jit): the host code, or nullptr; entries counted until
    // the threshold. Reset whenever the block is rebuilt.
    mutable uint32_t (*code)(Ia32Core*) = nullptr;
    mutable const void* chain = nullptr;  // entry from another block's code (checks the bytes)
    mutable uint32_t chain_phys = 0xFFFFFFFF;  // phys while chain is set, else invalid (one compare)
    mutable uint32_t heat = 0;
    uint64_t built = 0;  // blocks_built_ when built: the older of the two ways is replaced
  };
  static constexpr uint32_t kJitNever = 0x80000000u;  // Block::heat: translation failed
  // Two ways, skewed: a block lives in its slot of the first way (contiguous
  // code up to 16 KiB maps there without conflicts) or of the second (a
  // multiplicative hash, so the blocks that collide in the first way, e.g.
  // code 32 KiB apart, spread out there). A new block takes a free slot of
  // the two, else the one built longer ago (Block::built). A kernel's hot
  // path spans more than 16 KiB: with one way, two blocks it runs every
  // packet evicted each other and were decoded again (and never translated).
  static unsigned block_index(uint32_t pa) { return (pa ^ (pa >> 14)) & (kBlockCacheSize - 1); }
  static unsigned block_index2(uint32_t pa) { return (pa * 0x9E3779B1u) >> (32 - 14); }
  static_assert(kBlockCacheSize == 1u << 14, "block_index2 shifts for 14 bits");
  uint64_t blocks_built_ = 0;  // Block::built stamps
  void forget_translations();
  std::unique_ptr<Block[]> blocks_;
  const Block* find_block();                    // the block at EIP, or nullptr (not cacheable)
  const Block* build_block(uint32_t lin);       // find_block() on a miss
  static bool block_matches(const Block& b, const uint8_t* code);  // memory still holds b's bytes
  static bool continues_block(const Insn& d);   // false: d ends its block
  // The block being run: its code in host memory (code_len_ == 0: none) and
  // the end of its instruction loop, which note_code_write() pulls in.
  const uint8_t* code_lo_ = nullptr;
  uintptr_t code_len_ = 0;
  const Insn* block_end_ = nullptr;
  const Insn* cur_ = nullptr;  // the block instruction being run (cycles()), or nullptr
  void note_code_write(const uint8_t* p, unsigned n) {
    if (static_cast<uintptr_t>(p + n - 1 - code_lo_) < code_len_ + n - 1) [[unlikely]] block_end_ = nullptr;
  }

  // The translator and what its code shares with the core: the status
  // flags in the host's layout (the last translated flag-setting
  // instruction's pushfq; how chained blocks pass them on), and the fault or
  // foreign exception a helper called from translated code caught (nothing
  // unwinds through translated code).
  std::unique_ptr<Jit> jit_;
  unsigned jit_threshold_ = kDefaultJitThreshold;
  uint64_t jit_fl_ = 0;
  const Block* jit_block_ = nullptr;  // the block translated code is running (blocks chain)
  uint64_t jit_stop_ = 0;             // run()'s instruction budget: a chained block must fit
  uint64_t jit_exact_ = 0;            // ~0: it must fit whole; 0 (whole_blocks): it must start within it
  Fault jit_fault_{};
  std::exception_ptr jit_exc_;
  bool jit_compile(const Block& b);                  // false: not translated
  StepStatus jit_faulted(const Block& b, unsigned index);  // translated instruction `index` faulted

  uint64_t instructions_ = 0;
  uint64_t cycles_ = 0;
  uint64_t stall_ = 0;  // add_stall()
  CpuBus::FetchWindow fetch_window_;  // CpuBus::fetch_code()
  // run_until(): its time bound and IF at its start; the start of the unit
  // (step() and every run_fast() iteration record it).
  uint64_t time_stop_ = 0;
  uint32_t lazy_if_ = 0;
  uint64_t unit_cycles_ = 0, unit_stall_ = 0;
  FatalKind fatal_kind_ = FatalKind::none;
  std::string fatal_message_;
};

}  // namespace minipc
