// Jit: Ia32Core's blocks translated to x86-64 host code (see jit.h).
#include "cpu/jit.h"

#if defined(__x86_64__) && defined(MINIPC_HAVE_XBYAK)

#include <cstring>
#include <deque>
#include <functional>
#include <vector>

#include <xbyak/xbyak.h>

namespace minipc {

namespace {
constexpr size_t kCodeSize = size_t{16} << 20;  // host code for all translations
constexpr size_t kRoomPerBlock = 64 << 10;       // far more than 16 instructions take
constexpr uint32_t kStatus = flag::status;       // 0x8D5
}  // namespace

// The code generator and what it knows about the core's layout. Everything
// is addressed relative to rbx, which holds the core during a block.
struct Jit::Gen : Xbyak::CodeGenerator {
  using C = Ia32Core;
  C& c;
  int32_t o_regs, o_eflags, o_eip, o_next_eip, o_branch, o_insn_eip, o_insn_esp, o_insn_eflags, o_cur, o_tag,
      o_rpages, o_wpages, o_code_lo, o_block_end, o_fl, o_cycles, o_instructions, o_jit_block, o_stop,
      o_code_len, o_exact;
  int32_t o_segbase[6];

  template <class T>
  int32_t off(const T& member) const {
    return static_cast<int32_t>(reinterpret_cast<const char*>(&member) - reinterpret_cast<const char*>(&c));
  }

  explicit Gen(C& core) : Xbyak::CodeGenerator(kCodeSize), c(core) {
    o_regs = off(c.regs_);
    o_eflags = off(c.eflags_);
    o_eip = off(c.eip_);
    o_next_eip = off(c.next_eip_);
    o_branch = off(c.ev_.branch_taken);
    o_insn_eip = off(c.insn_eip_);
    o_insn_esp = off(c.insn_esp_);
    o_insn_eflags = off(c.insn_eflags_);
    o_cur = off(c.cur_);
    o_tag = off(c.access_tag_);
    o_rpages = off(c.read_pages_);
    o_wpages = off(c.write_pages_);
    o_code_lo = off(c.code_lo_);
    o_block_end = off(c.block_end_);
    o_fl = off(c.jit_fl_);
    o_cycles = off(c.cycles_);
    o_instructions = off(c.instructions_);
    o_jit_block = off(c.jit_block_);
    o_stop = off(c.jit_stop_);
    o_code_len = off(c.code_len_);
    o_exact = off(c.jit_exact_);
    for (unsigned s = 0; s < 6; ++s) o_segbase[s] = off(c.segs_[s].base);
  }

  // ---- helpers called from translated code (never throw) -------------------
  static uint32_t call_handler(C* core, const Insn* d) noexcept {
    try {
      d->handler(*core, *d);
      return 0;
    } catch (const C::Fault& f) {
      core->jit_fault_ = f;
    } catch (...) {
      core->jit_exc_ = std::current_exception();
    }
    return 1;
  }
  // The value (zero-extended), bit 32 set when the read faulted.
  static uint64_t read_helper(C* core, uint32_t lin, uint32_t n) noexcept {
    try {
      return core->read_slow(lin, n);
    } catch (const C::Fault& f) {
      core->jit_fault_ = f;
    } catch (...) {
      core->jit_exc_ = std::current_exception();
    }
    return uint64_t{1} << 32;
  }
  // 0: written; 1: faulted; 2: written into the block being run.
  static uint32_t write_helper(C* core, uint32_t lin, uint32_t v, uint32_t n) noexcept {
    try {
      core->write_slow(lin, v, n);
      return core->block_end_ ? 0 : 2;
    } catch (const C::Fault& f) {
      core->jit_fault_ = f;
    } catch (...) {
      core->jit_exc_ = std::current_exception();
    }
    return 1;
  }

  // ---- where the guest status flags are, at compile time -------------------
  // eflags: in the core's eflags_. host: the host flags saved in jit_fl_ (the
  // last flag-setting instruction's pushfq) hold them; af_zero: that
  // instruction's AF must read 0 (AND/OR/XOR/TEST: the host leaves AF
  // undefined, the interpreter clears it). live: the host flags register
  // still holds them (nothing has clobbered it since).
  struct FlagState {
    bool host = false;
    bool af_zero = false;
    bool live = false;
  };
  FlagState fs;

  // Flag liveness inside the block. An instruction's status flags are dead
  // when a later instruction of the block sets all six before anything
  // reads them; such an instruction does not save them (no pushfq, no
  // fix-ups). Readers: Jcc, ADC/SBB, INC/DEC (CF), every helper call, and
  // every instruction that may fault (the exception snapshot holds the
  // EFLAGS before it); the block's end reads them all. kDeadFlags: what fs
  // says after a dead write (never read).
  static constexpr FlagState kDeadFlags{true, false, false};
  bool flags_dead = false;
  enum class FlagUse { none, sets_all, sets_all_may_fault, other };
  // Must agree with emit_inline(): `none` and `sets_all` only for forms it
  // translates without memory access, helper or flag read.
  static FlagUse flag_use(const Insn& d) {
    if (d.opsize != 4 || d.lock || d.rep) return FlagUse::other;
    const unsigned op16 = d.opcode;
    const bool mem = d.is_mem();
    const FlagUse writes = mem ? FlagUse::sets_all_may_fault : FlagUse::sets_all;
    if (op16 < 0x40 && (op16 & 7) <= 5) {  // ALU: Eb,Gb Ev,Gv Gb,Eb Gv,Ev AL,Ib eAX,Iz
      const unsigned op = (op16 >> 3) & 7;
      return op == 2 || op == 3 ? FlagUse::other : writes;  // ADC/SBB read CF
    }
    switch (op16) {
      case 0x80:
      case 0x81:
      case 0x83:
        return d.regop == 2 || d.regop == 3 ? FlagUse::other : writes;
      case 0xF6:
        return d.regop == 0 ? writes : FlagUse::other;
      case 0x84:
      case 0xA8:
      case 0x85:
      case 0xA9:
      case 0x69:
      case 0x6B:
      case 0x1AF:
        return writes;
      case 0xF7:
        if (d.regop == 0 || d.regop == 4 || d.regop == 5) return writes;
        if (d.regop == 3 && !mem) return FlagUse::sets_all;  // NEG
        if (d.regop == 2 && !mem) return FlagUse::none;      // NOT
        return FlagUse::other;
      case 0xC1:
      case 0xD1:
        if (mem || (d.regop != 4 && d.regop != 5 && d.regop != 7)) return FlagUse::other;
        return (op16 == 0xD1 || (d.imm & 0x1F)) ? FlagUse::sets_all : FlagUse::none;
      case 0x89: case 0x8B: case 0x88: case 0x8A:
      case 0x1B6: case 0x1B7: case 0x1BE: case 0x1BF:
        return mem ? FlagUse::other : FlagUse::none;
      case 0xC6:
      case 0xC7:
        return mem || d.regop != 0 ? FlagUse::other : FlagUse::none;
      case 0xB8: case 0xB9: case 0xBA: case 0xBB: case 0xBC: case 0xBD: case 0xBE: case 0xBF:
      case 0x8D:  // LEA: no access
      case 0x90:
      case 0x99:
        return FlagUse::none;
      default:
        return FlagUse::other;
    }
  }
  bool dead_after[C::kMaxBlockInsns] = {};
  void analyse_flags(const C::Block& b) {
    bool live = true;  // at the block's end
    for (unsigned i = b.n; i-- > 0;) {
      dead_after[i] = false;
      switch (flag_use(b.insns[i])) {
        case FlagUse::none: break;
        case FlagUse::sets_all: dead_after[i] = !live; live = false; break;
        case FlagUse::sets_all_may_fault: dead_after[i] = !live; live = true; break;
        case FlagUse::other: live = true; break;
      }
    }
  }

  // The block being translated.
  const C::Block* blk = nullptr;
  unsigned idx = 0;      // instruction being translated
  bool last = false;     // it is the block's last instruction
  Xbyak::Label* exit_ = nullptr;
  Xbyak::Label* settled_ = nullptr;  // return kSettled
  bool ended = false;                // the last instruction's code left the block itself
  std::deque<Xbyak::Label> labels;          // stable storage for out-of-line targets
  std::vector<std::function<void()>> tails;  // out-of-line code, emitted after the block
  Xbyak::Label* fault_label = nullptr;       // this instruction's fault exit (lazily made)
  Xbyak::Label* stop_label = nullptr;        // this instruction's "stop after me" exit
  bool stop_used = false;

  Xbyak::Label& new_label() {
    labels.emplace_back();
    return labels.back();
  }
  Xbyak::Address R(unsigned r) { return dword[rbx + o_regs + 4 * static_cast<int32_t>(r & 7)]; }
  // A byte register: AL, CL, DL, BL, then AH, CH, DH, BH.
  Xbyak::Address R8(unsigned r) {
    return byte[rbx + o_regs + 4 * static_cast<int32_t>(r & 3) + ((r & 4) ? 1 : 0)];
  }
  // A general register of n bytes (1: R8, 4: R), and the accumulator that
  // emit_load(n) fills (al, eax).
  Xbyak::Address G(unsigned r, unsigned n) { return n == 1 ? R8(r) : R(r); }
  const Xbyak::Reg& accumulator(unsigned n) const {
    return n == 1 ? static_cast<const Xbyak::Reg&>(al) : static_cast<const Xbyak::Reg&>(eax);
  }
  Xbyak::Address flags_at(const FlagState& s) { return dword[rbx + (s.host ? o_fl : o_eflags)]; }

  // eflags_ made current from the saved host flags (clobbers eax, edx).
  void emit_materialize(const FlagState& s) {
    if (!s.host) return;
    mov(eax, dword[rbx + o_fl]);
    and_(eax, s.af_zero ? (kStatus & ~flag::af) : kStatus);
    mov(edx, dword[rbx + o_eflags]);
    and_(edx, ~kStatus);
    or_(eax, edx);
    mov(dword[rbx + o_eflags], eax);
  }
  void materialize() {
    emit_materialize(fs);
    fs = FlagState{};
  }
  void save_flags(bool af_zero) {
    if (flags_dead) {  // a later instruction of the block sets them all first
      fs = kDeadFlags;
      return;
    }
    pushf();
    pop(qword[rbx + o_fl]);
    fs = FlagState{true, af_zero, true};
  }
  // The exception snapshot and cur_ before a call that may fault or read
  // cycles(), with the flags as `s` says (clobbers rax, edx; keeps ecx, r8).
  void emit_snapshot(const FlagState& s, unsigned i) {
    emit_materialize(s);
    const Insn& d = blk->insns[i];
    mov(eax, dword[rbx + o_eip]);
    add(eax, d.block_off);
    mov(dword[rbx + o_insn_eip], eax);
    mov(eax, R(reg::esp));
    mov(dword[rbx + o_insn_esp], eax);
    mov(eax, dword[rbx + o_eflags]);
    mov(dword[rbx + o_insn_eflags], eax);
    mov(rax, reinterpret_cast<uintptr_t>(&d));
    mov(qword[rbx + o_cur], rax);
  }
  Xbyak::Label& fault_exit() {
    if (!fault_label) {
      fault_label = &new_label();
      Xbyak::Label* l = fault_label;
      const uint32_t code = idx | kFaulted;
      tails.push_back([this, l, code] {
        L(*l);
        mov(eax, code);
        jmp(*exit_, T_NEAR);
      });
    }
    return *fault_label;
  }

  // ---- memory ---------------------------------------------------------------
  // ecx = the linear address of d's memory operand.
  void emit_lin(const Insn& d, bool with_seg = true) {
    const int32_t disp = static_cast<int32_t>(d.disp);
    if (d.base >= 0 && d.index >= 0) {
      mov(ecx, R(d.base));
      mov(edx, R(d.index));
      lea(ecx, ptr[rcx + rdx * (1 << d.scale) + disp]);
    } else if (d.base >= 0) {
      mov(ecx, R(d.base));
      if (disp) lea(ecx, ptr[rcx + disp]);
    } else if (d.index >= 0) {
      mov(edx, R(d.index));
      lea(ecx, ptr[rdx * (1 << d.scale) + disp]);
    } else {
      mov(ecx, static_cast<uint32_t>(disp));
    }
    if (with_seg) {
      add(ecx, dword[rbx + o_segbase[d.eseg]]);
      fs.live = false;
    }
  }
  // TLB lookup of ecx for an n-byte access; on a hit rax + rcx is the host
  // address, else jumps to `slow` (clobbers edx, esi, rax).
  void emit_tlb(bool write, unsigned n, Xbyak::Label& slow) {
    const int32_t pages = write ? o_wpages : o_rpages;
    mov(edx, ecx);
    shr(edx, 10);
    and_(edx, 0x3FC);  // page index * 4 (slots are 32 bytes: * 8 below)
    if (n > 1) lea(esi, ptr[rcx + static_cast<int32_t>(n - 1)]);
    else mov(esi, ecx);
    shr(esi, 12);  // the last byte's page: a page-crossing access misses
    or_(esi, dword[rbx + o_tag]);
    cmp(esi, dword[rbx + rdx * 8 + pages + static_cast<int32_t>(offsetof(C::PageSlot, jtag))]);
    jne(slow, T_NEAR);
    mov(rax, qword[rbx + rdx * 8 + pages + static_cast<int32_t>(offsetof(C::PageSlot, addend))]);
    fs.live = false;
  }
  // eax = the n-byte value at linear ecx (zero-extended). `before` is the
  // flag state before the instruction (for the snapshot).
  void emit_load(unsigned n, const FlagState& before) {
    Xbyak::Label& slow = new_label();
    Xbyak::Label& back = new_label();
    emit_tlb(false, n, slow);
    if (n == 4) mov(eax, dword[rax + rcx]);
    else if (n == 2) movzx(eax, word[rax + rcx]);
    else movzx(eax, byte[rax + rcx]);
    L(back);
    Xbyak::Label& fault = fault_exit();
    const FlagState s = before;
    const unsigned i = idx;
    tails.push_back([this, &slow, &back, &fault, s, n, i] {
      L(slow);
      emit_snapshot(s, i);
      mov(rdi, rbx);
      mov(esi, ecx);
      mov(edx, n);
      mov(rax, reinterpret_cast<uintptr_t>(&read_helper));
      call(rax);
      bt(rax, 32);
      jc(fault, T_NEAR);
      jmp(back, T_NEAR);
    });
  }
  // Stores r8d's low n bytes at linear ecx. `before`: the flag state before
  // the instruction; `rest`: what the instruction still does after the store
  // (must keep rax and rcx); then, unless this is the block's last
  // instruction, a store into the block stops it after this instruction.
  void emit_store(unsigned n, const FlagState& before, const std::function<void()>& rest = {}) {
    Xbyak::Label& slow = new_label();
    Xbyak::Label& done = new_label();
    emit_tlb(true, n, slow);
    if (n == 4) mov(dword[rax + rcx], r8d);
    else if (n == 2) mov(word[rax + rcx], r8w);
    else mov(byte[rax + rcx], r8b);
    if (rest) rest();
    if (!last) {
      lea(rdi, ptr[rax + rcx + static_cast<int32_t>(n - 1)]);
      sub(rdi, qword[rbx + o_code_lo]);
      cmp(rdi, blk->nbytes + 3);  // the block's bytes plus the widest store less one
      jb(*stop_label, T_NEAR);
      stop_used = true;
    }
    L(done);
    Xbyak::Label& fault = fault_exit();
    Xbyak::Label* stop = stop_label;
    const bool check = !last;
    const FlagState s = before;
    const unsigned i = idx;
    tails.push_back([this, &slow, &done, &fault, stop, check, s, n, rest, i] {
      L(slow);
      emit_snapshot(s, i);
      mov(rdi, rbx);
      mov(esi, ecx);
      mov(edx, r8d);
      mov(ecx, n);
      mov(rax, reinterpret_cast<uintptr_t>(&write_helper));
      call(rax);
      test(eax, 1);
      jnz(fault, T_NEAR);
      if (rest) rest();
      if (check) {
        cmp(eax, 2);
        je(*stop, T_NEAR);
      }
      jmp(done, T_NEAR);
    });
  }
  // ecx = SS:ESP + delta (linear), r13d = ESP + delta.
  void emit_stack_lin(int32_t delta) {
    mov(r13d, R(reg::esp));
    if (delta) lea(r13d, ptr[r13 + delta]);
    mov(ecx, r13d);
    add(ecx, dword[rbx + o_segbase[reg::ss]]);
    fs.live = false;
  }

  // ---- flags readers ----------------------------------------------------------
  // Host CF = the guest's CF (for ADC, SBB, INC, DEC).
  void load_cf() {
    if (fs.live) return;
    bt(flags_at(fs), 0);
  }
  // Jumps to `skip` when condition cc (Jcc's low nibble) is false.
  void jump_unless(unsigned cc, Xbyak::Label& skip) {
    if (fs.live) {
      switch (cc ^ 1) {  // the opposite condition
        case 0x0: jo(skip, T_NEAR); break;
        case 0x1: jno(skip, T_NEAR); break;
        case 0x2: jb(skip, T_NEAR); break;
        case 0x3: jae(skip, T_NEAR); break;
        case 0x4: je(skip, T_NEAR); break;
        case 0x5: jne(skip, T_NEAR); break;
        case 0x6: jbe(skip, T_NEAR); break;
        case 0x7: ja(skip, T_NEAR); break;
        case 0x8: js(skip, T_NEAR); break;
        case 0x9: jns(skip, T_NEAR); break;
        case 0xA: jp(skip, T_NEAR); break;
        case 0xB: jnp(skip, T_NEAR); break;
        case 0xC: jl(skip, T_NEAR); break;
        case 0xD: jge(skip, T_NEAR); break;
        case 0xE: jle(skip, T_NEAR); break;
        default: jg(skip, T_NEAR); break;
      }
      return;
    }
    static constexpr uint32_t kMask[6] = {flag::of, flag::cf, flag::zf, flag::cf | flag::zf, flag::sf, flag::pf};
    const unsigned k = cc >> 1;
    if (k < 6) {
      test(flags_at(fs), kMask[k]);
    } else {  // L/GE: SF != OF; LE/G: ZF or SF != OF
      mov(eax, flags_at(fs));
      mov(edx, eax);
      shr(edx, 4);  // OF (bit 11) onto SF (bit 7)
      xor_(edx, eax);
      if (k == 6) {
        test(edx, flag::sf);
      } else {
        and_(edx, flag::sf);
        and_(eax, flag::zf);
        or_(eax, edx);
      }
    }
    fs.live = false;
    // The condition is "nonzero"; odd cc negate it.
    if (cc & 1) jnz(skip, T_NEAR);
    else jz(skip, T_NEAR);
  }

  // ---- the ALU ----------------------------------------------------------------
  // op: 0 ADD, 1 OR, 2 ADC, 3 SBB, 4 AND, 5 SUB, 6 XOR, 7 CMP.
  template <class D, class S>
  void alu(unsigned op, const D& dst, const S& src) {
    switch (op) {
      case 0: add(dst, src); break;
      case 1: or_(dst, src); break;
      case 2: adc(dst, src); break;
      case 3: sbb(dst, src); break;
      case 4: and_(dst, src); break;
      case 5: sub(dst, src); break;
      case 6: xor_(dst, src); break;
      default: cmp(dst, src); break;
    }
  }
  static bool logic(unsigned op) { return op == 1 || op == 4 || op == 6; }

  // Flags of a multiply: SF, ZF and PF from eax (the interpreter's szp of
  // the result), AF clear, CF = OF = dl (0 or 1).
  void flags_from_result_and_dl() {
    if (flags_dead) {
      fs = kDeadFlags;
      return;
    }
    test(eax, eax);
    pushf();
    pop(qword[rbx + o_fl]);
    movzx(edx, dl);
    imul(edx, edx, flag::cf | flag::of);
    or_(dword[rbx + o_fl], edx);
    fs = FlagState{true, true, false};
  }

  // The store of a read-modify-write ALU op (result in eax, linear address
  // in r13d): the new flags wait in r12 until the store is done, so a store
  // that faults leaves the snapshot's flags those before the instruction.
  void emit_alu_writeback(unsigned op, const FlagState& before, unsigned n = 4) {
    if (flags_dead) {
      mov(r8d, eax);
      mov(ecx, r13d);
      emit_store(n, before);
      fs = kDeadFlags;
      return;
    }
    pushf();
    pop(r12);
    mov(r8d, eax);
    mov(ecx, r13d);
    emit_store(n, before, [this] { mov(qword[rbx + o_fl], r12); });
    fs = FlagState{true, logic(op), false};
  }

  // DIV Ev (32-bit, unsigned): EAX = EDX:EAX / Ev, EDX = the remainder;
  // the flags stay as they are (the interpreter leaves them). A divisor of
  // 0 or a quotient over 32 bits (EDX >= divisor) goes to the interpreter's
  // handler out of line, which raises #DE as it does.
  void emit_div(const Insn& d, const FlagState& before) {
    if (d.is_mem()) {
      emit_lin(d);
      emit_load(4, before);
      mov(ecx, eax);
    } else {
      mov(ecx, R(d.rm));
    }
    Xbyak::Label& slow = new_label();
    Xbyak::Label& back = new_label();
    Xbyak::Label& fault = fault_exit();
    mov(eax, R(reg::eax));
    mov(edx, R(reg::edx));
    test(ecx, ecx);
    jz(slow, T_NEAR);
    cmp(edx, ecx);
    jae(slow, T_NEAR);
    div(ecx);
    mov(R(reg::eax), eax);
    mov(R(reg::edx), edx);
    add(qword[rbx + o_cycles], cycle_cost(CostClass::div) - cycle_cost(CostClass::alu));
    L(back);
    fs.live = false;
    const FlagState s = before;
    const unsigned i = idx;
    const Insn* insn = &d;
    tails.push_back([this, &slow, &back, &fault, s, i, insn] {
      L(slow);  // the handler raises #DE (it adds the cycles itself)
      emit_snapshot(s, i);
      mov(rdi, rbx);
      mov(rsi, reinterpret_cast<uintptr_t>(insn));
      mov(rax, reinterpret_cast<uintptr_t>(&call_handler));
      call(rax);
      test(eax, eax);
      jnz(fault, T_NEAR);
      jmp(back, T_NEAR);  // (cannot happen: the same operands divide the same way)
    });
  }

  // A call to d's interpreter handler.
  void emit_handler_call(const Insn& d) {
    if (last) emit_next_eip(blk->nbytes);  // a control transfer's handler reads and sets it
    materialize();
    emit_snapshot(fs, idx);
    mov(rdi, rbx);
    mov(rsi, rax);  // &d, from the snapshot
    mov(rax, reinterpret_cast<uintptr_t>(&call_handler));
    call(rax);
    test(eax, eax);
    jnz(fault_exit(), T_NEAR);
    if (!last) {  // a store into the block (note_code_write) stops it after d
      cmp(qword[rbx + o_block_end], 0);
      je(*stop_label, T_NEAR);
      stop_used = true;
    }
    fs = FlagState{};
  }

  // Sets next_eip_ to the block's EIP + off (clobbers eax). The code sets
  // it only where something reads it: the last instruction's handler and
  // the exits that return all of the block's instructions to run().
  void emit_next_eip(uint32_t off) {
    mov(eax, dword[rbx + o_eip]);
    add(eax, off);
    mov(dword[rbx + o_next_eip], eax);
  }
  // next_eip_ = the block's EIP + off, and the branch taken.
  void emit_branch_to(uint32_t off) {
    emit_next_eip(off);
    mov(byte[rbx + o_branch], 1);
  }

  // Translates one instruction; false: not translatable inline.
  bool emit_inline(const Insn& d) {
    if (d.opsize != 4 || d.lock || d.rep) return false;
    const FlagState before = fs;
    const unsigned op16 = d.opcode;
    const bool mem = d.is_mem();
    const uint32_t next_off = d.block_off + d.length;  // EIP offset after d
    if (op16 < 0x40 && (op16 & 7) < 6) {  // op Eb/Ev, Gb/Gv; Gb/Gv, Eb/Ev; AL/eAX, Ib/Iz
      const unsigned op = (op16 >> 3) & 7;
      const unsigned form = op16 & 6;
      const unsigned n = (op16 & 1) ? 4 : 1;
      const Xbyak::Reg& acc = accumulator(n);
      if (form == 4) {  // op AL/eAX, imm
        if (op == 2 || op == 3) load_cf();
        alu(op, G(reg::eax, n), n == 1 ? d.imm & 0xFF : d.imm);
      } else if (form == 0 && !mem) {  // op E, G (register)
        mov(acc, G(d.regop, n));
        if (op == 2 || op == 3) load_cf();
        alu(op, G(d.rm, n), acc);
      } else if (form == 2) {  // op G, E
        if (mem) {
          emit_lin(d);
          emit_load(n, before);
        } else {
          mov(acc, G(d.rm, n));
        }
        if (op == 2 || op == 3) load_cf();
        alu(op, G(d.regop, n), acc);
      } else {  // op E, G (memory): read, modify, write
        emit_lin(d);
        mov(r13d, ecx);
        emit_load(n, before);
        if (op == 2 || op == 3) load_cf();
        alu(op, acc, G(d.regop, n));
        if (op != 7) {
          emit_alu_writeback(op, before, n);
          return true;
        }
      }
      save_flags(logic(op));
      return true;
    }
    switch (op16) {
      case 0x84:  // TEST Eb, Gb
        if (mem) {
          emit_lin(d);
          emit_load(1, before);
          test(R8(d.regop), al);
        } else {
          mov(al, R8(d.regop));
          test(R8(d.rm), al);
        }
        save_flags(true);
        return true;
      case 0xA8:  // TEST AL, Ib
        test(R8(reg::eax), d.imm & 0xFF);
        save_flags(true);
        return true;
      case 0xF6:  // TEST Eb, Ib (the rest of group 3: handlers)
        if (d.regop != 0) return false;
        if (mem) {
          emit_lin(d);
          emit_load(1, before);
          test(al, d.imm & 0xFF);
        } else {
          test(R8(d.rm), d.imm & 0xFF);
        }
        save_flags(true);
        return true;
      case 0x80:
      case 0x81:
      case 0x83: {  // op Eb, Ib / Ev, Iz / Ev, Ib
        const unsigned op = d.regop;
        const unsigned n = op16 == 0x80 ? 1 : 4;
        const uint32_t imm = op16 == 0x80   ? d.imm & 0xFF
                             : op16 == 0x83 ? static_cast<uint32_t>(static_cast<int8_t>(d.imm))
                                            : d.imm;
        if (!mem) {
          if (op == 2 || op == 3) load_cf();
          alu(op, G(d.rm, n), imm);
          save_flags(logic(op));
          return true;
        }
        emit_lin(d);
        mov(r13d, ecx);
        emit_load(n, before);
        if (op == 2 || op == 3) load_cf();
        alu(op, accumulator(n), imm);
        if (op == 7) {
          save_flags(false);
          return true;
        }
        emit_alu_writeback(op, before, n);
        return true;
      }
      case 0x85:  // TEST Ev, Gv
        if (mem) {
          emit_lin(d);
          emit_load(4, before);
          test(R(d.regop), eax);
        } else {
          mov(eax, R(d.regop));
          test(R(d.rm), eax);
        }
        save_flags(true);
        return true;
      case 0xA9:  // TEST eAX, Iz
        test(R(reg::eax), d.imm);
        save_flags(true);
        return true;
      case 0x40: case 0x41: case 0x42: case 0x43: case 0x44: case 0x45: case 0x46: case 0x47:
      case 0x48: case 0x49: case 0x4A: case 0x4B: case 0x4C: case 0x4D: case 0x4E: case 0x4F:
        load_cf();  // INC/DEC keep CF
        if (op16 < 0x48) inc(R(op16 & 7));
        else dec(R(op16 & 7));
        save_flags(false);
        return true;
      case 0x89:  // MOV Ev, Gv
        if (!mem) {
          mov(eax, R(d.regop));
          mov(R(d.rm), eax);
          return true;
        }
        emit_lin(d);
        mov(r8d, R(d.regop));
        emit_store(4, before);
        return true;
      case 0x8B:  // MOV Gv, Ev
        if (mem) {
          emit_lin(d);
          emit_load(4, before);
        } else {
          mov(eax, R(d.rm));
        }
        mov(R(d.regop), eax);
        return true;
      case 0xC7:  // MOV Ev, Iz
        if (d.regop != 0) return false;
        if (!mem) {
          mov(R(d.rm), d.imm);
          return true;
        }
        emit_lin(d);
        mov(r8d, d.imm);
        emit_store(4, before);
        return true;
      case 0xB8: case 0xB9: case 0xBA: case 0xBB: case 0xBC: case 0xBD: case 0xBE: case 0xBF:
        mov(R(op16 & 7), d.imm);
        return true;
      case 0x8D:  // LEA
        if (!mem) return false;
        emit_lin(d, false);
        mov(R(d.regop), ecx);
        return true;
      case 0x1B6:
      case 0x1B7: {  // MOVZX Gv, Eb / Ew
        const unsigned n = op16 == 0x1B6 ? 1 : 2;
        if (mem) {
          emit_lin(d);
          emit_load(n, before);
        } else if (n == 2) {
          movzx(eax, word[rbx + o_regs + 4 * static_cast<int32_t>(d.rm)]);
        } else {  // AL..BL, then AH..BH
          movzx(eax, byte[rbx + o_regs + 4 * static_cast<int32_t>(d.rm & 3) + (d.rm >= 4 ? 1 : 0)]);
        }
        mov(R(d.regop), eax);
        return true;
      }
      case 0x1BE:
      case 0x1BF: {  // MOVSX Gv, Eb / Ew
        const unsigned n = op16 == 0x1BE ? 1 : 2;
        if (mem) {
          emit_lin(d);
          emit_load(n, before);
          if (n == 1) movsx(eax, al);
          else movsx(eax, ax);
        } else if (n == 2) {
          movsx(eax, word[rbx + o_regs + 4 * static_cast<int32_t>(d.rm)]);
        } else {
          movsx(eax, byte[rbx + o_regs + 4 * static_cast<int32_t>(d.rm & 3) + (d.rm >= 4 ? 1 : 0)]);
        }
        mov(R(d.regop), eax);
        return true;
      }
      case 0x50: case 0x51: case 0x52: case 0x53: case 0x54: case 0x55: case 0x56: case 0x57:  // PUSH r
        emit_stack_lin(-4);
        mov(r8d, R(op16 & 7));
        emit_store(4, before, [this] { mov(R(reg::esp), r13d); });
        return true;
      case 0x68:
      case 0x6A:  // PUSH Iz / Ib
        emit_stack_lin(-4);
        mov(r8d, op16 == 0x6A ? static_cast<uint32_t>(static_cast<int8_t>(d.imm)) : d.imm);
        emit_store(4, before, [this] { mov(R(reg::esp), r13d); });
        return true;
      case 0x58: case 0x59: case 0x5A: case 0x5B: case 0x5C: case 0x5D: case 0x5E: case 0x5F:  // POP r
        emit_stack_lin(0);
        emit_load(4, before);
        add(R(reg::esp), 4);
        mov(R(op16 & 7), eax);  // POP ESP: the popped value wins
        fs.live = false;
        return true;
      case 0xC9:  // LEAVE
        mov(r13d, R(reg::ebp));
        mov(ecx, r13d);
        add(ecx, dword[rbx + o_segbase[reg::ss]]);
        fs.live = false;
        emit_load(4, before);
        lea(edx, ptr[r13 + 4]);
        mov(R(reg::esp), edx);
        mov(R(reg::ebp), eax);
        return true;
      case 0x88:  // MOV Eb, Gb
        if (!mem) {
          mov(al, R8(d.regop));
          mov(R8(d.rm), al);
          return true;
        }
        emit_lin(d);
        movzx(r8d, R8(d.regop));
        emit_store(1, before);
        return true;
      case 0x8A:  // MOV Gb, Eb
        if (mem) {
          emit_lin(d);
          emit_load(1, before);
        } else {
          mov(al, R8(d.rm));
        }
        mov(R8(d.regop), al);
        return true;
      case 0xC6:  // MOV Eb, Ib
        if (d.regop != 0) return false;
        if (!mem) {
          mov(R8(d.rm), d.imm & 0xFF);
          return true;
        }
        emit_lin(d);
        mov(r8d, d.imm & 0xFF);
        emit_store(1, before);
        return true;
      case 0xA1:
      case 0xA3: {  // MOV eAX, moffs / moffs, eAX
        mov(ecx, d.imm);
        add(ecx, dword[rbx + o_segbase[d.seg >= 0 ? d.seg : int{reg::ds}]]);
        fs.live = false;
        if (op16 == 0xA1) {
          emit_load(4, before);
          mov(R(reg::eax), eax);
        } else {
          mov(r8d, R(reg::eax));
          emit_store(4, before);
        }
        return true;
      }
      case 0x69:
      case 0x6B:
      case 0x1AF: {  // IMUL Gv, Ev, Iz/Ib; IMUL Gv, Ev
        if (mem) {
          emit_lin(d);
          emit_load(4, before);
        } else {
          mov(eax, R(d.rm));
        }
        if (op16 == 0x1AF) imul(eax, R(d.regop));
        else imul(eax, eax, op16 == 0x6B ? static_cast<int32_t>(static_cast<int8_t>(d.imm)) : static_cast<int32_t>(d.imm));
        seto(dl);  // CF = OF = the product did not fit
        mov(R(d.regop), eax);
        flags_from_result_and_dl();
        return true;
      }
      case 0xF7:  // TEST Ev, Iz; NOT, NEG (register); MUL / IMUL Ev (EDX:EAX = EAX * Ev); DIV Ev
        if (d.regop == 6) {
          emit_div(d, before);
          return true;
        }
        if (d.regop == 0) {
          if (mem) {
            emit_lin(d);
            emit_load(4, before);
            test(eax, d.imm);
          } else {
            test(R(d.rm), d.imm);
          }
          save_flags(true);
          return true;
        }
        if (d.regop == 2 || d.regop == 3) {
          if (mem) return false;
          if (d.regop == 2) {
            not_(R(d.rm));
          } else {
            neg(R(d.rm));
            save_flags(false);
          }
          return true;
        }
        if (d.regop != 4 && d.regop != 5) return false;
        if (mem) {
          emit_lin(d);
          emit_load(4, before);
          mov(ecx, eax);
        } else {
          mov(ecx, R(d.rm));
        }
        mov(eax, R(reg::eax));
        if (d.regop == 4) mul(ecx);
        else imul(ecx);
        mov(R(reg::edx), edx);
        seto(dl);
        mov(R(reg::eax), eax);
        flags_from_result_and_dl();
        add(qword[rbx + o_cycles], cycle_cost(CostClass::mul) - cycle_cost(CostClass::alu));
        return true;
      case 0xC1:
      case 0xD1: {  // SHL/SHR/SAR Ev, Ib / 1 (register)
        if (mem || (d.regop != 4 && d.regop != 5 && d.regop != 7)) return false;
        const unsigned k = op16 == 0xD1 ? 1 : (d.imm & 0x1F);
        if (k == 0) return true;  // no result, no flags
        if (d.regop == 5 && k > 1 && !flags_dead) {  // SHR: OF = the operand's old MSB
          mov(edx, R(d.rm));
          shr(edx, 31);
          shl(edx, 11);
        }
        if (d.regop == 4) shl(R(d.rm), static_cast<uint8_t>(k));
        else if (d.regop == 5) shr(R(d.rm), static_cast<uint8_t>(k));
        else sar(R(d.rm), static_cast<uint8_t>(k));
        save_flags(true);  // AF: the interpreter clears it
        if (k > 1 && !flags_dead) {  // the host's OF is undefined: the interpreter's rule
          if (d.regop == 4) {  // OF = MSB(result) xor CF
            mov(eax, R(d.rm));
            shr(eax, 31);
            mov(ecx, dword[rbx + o_fl]);
            and_(ecx, 1);
            xor_(eax, ecx);
            shl(eax, 11);
            and_(dword[rbx + o_fl], ~flag::of);
            or_(dword[rbx + o_fl], eax);
          } else {
            and_(dword[rbx + o_fl], ~flag::of);
            if (d.regop == 5) or_(dword[rbx + o_fl], edx);
          }
          fs.live = false;
        }
        return true;
      }
      case 0x90:  // NOP
        return true;
      case 0x99:  // CDQ
        mov(eax, R(reg::eax));
        sar(eax, 31);
        mov(R(reg::edx), eax);
        fs.live = false;
        return true;
      default:
        break;
    }
    if (!last) return false;
    // Control transfers: always their block's last instruction. They end
    // the block's code themselves (ended = true), chaining where they can.
    const uint32_t total = d.cycles_before + d.cycles;  // the block's cycles
    if ((op16 >= 0x70 && op16 <= 0x7F) || (op16 >= 0x180 && op16 <= 0x18F)) {  // Jcc
      const uint32_t rel = op16 < 0x100 ? static_cast<uint32_t>(static_cast<int8_t>(d.imm)) : d.imm;
      Xbyak::Label& not_taken = new_label();
      jump_unless(op16 & 0xF, not_taken);
      const FlagState pre = fs;
      emit_exit_to(next_off + rel, total + kBranchTakenCycles, true);
      L(not_taken);
      fs = pre;
      emit_exit_to(next_off, total, false);
      ended = true;
      return true;
    }
    switch (op16) {
      case 0xEB:
      case 0xE9: {  // JMP rel
        const uint32_t rel = op16 == 0xEB ? static_cast<uint32_t>(static_cast<int8_t>(d.imm)) : d.imm;
        emit_exit_to(next_off + rel, total + kBranchTakenCycles, true);
        ended = true;
        return true;
      }
      case 0xE8:  // CALL rel32
        emit_stack_lin(-4);
        mov(r8d, dword[rbx + o_eip]);
        add(r8d, next_off);
        emit_store(4, before, [this] { mov(R(reg::esp), r13d); });
        emit_exit_to(next_off + d.imm, total + kBranchTakenCycles, true);
        ended = true;
        return true;
      case 0xC3:  // RET
        emit_stack_lin(0);
        emit_load(4, before);
        add(R(reg::esp), 4);
        mov(dword[rbx + o_next_eip], eax);
        mov(byte[rbx + o_branch], 1);
        fs.live = false;
        return true;
      default:
        return false;
    }
  }

  // Leaves the block for EIP = block EIP + off (the block retired, `cycles`
  // its cycles, taken: a branch was taken). Into the target's translation
  // when it is in the same page; else back to run() as the interpreter
  // would (next_eip_, branch_taken).
  void emit_exit_to(uint32_t off, uint32_t cycles, bool taken) {
    const uint32_t page_off = blk->phys & 0xFFF;
    const int64_t to = int64_t{page_off} + static_cast<int32_t>(off);
    if (to < 0 || to > 0x1000 - 16) {  // another page (or no block can start there)
      emit_materialize(fs);
      if (taken) emit_branch_to(off);
      else emit_next_eip(off);
      mov(eax, blk->n);
      jmp(*exit_, T_NEAR);
      return;
    }
    emit_flags_for_chain();
    const uint32_t tpa = blk->phys + off;
    add(qword[rbx + o_instructions], blk->n);
    add(qword[rbx + o_cycles], cycles);
    add(dword[rbx + o_eip], off);
    add(qword[rbx + o_code_lo], static_cast<int32_t>(off));
    // That block, translated, in either way of the block cache.
    Xbyak::Label found;
    mov(rax, reinterpret_cast<uintptr_t>(&c.blocks_[C::block_index(tpa)]));
    cmp(dword[rax + static_cast<int32_t>(offsetof(C::Block, chain_phys))], tpa);
    je(found);
    mov(rax, reinterpret_cast<uintptr_t>(&c.blocks_[C::block_index2(tpa)]));
    cmp(dword[rax + static_cast<int32_t>(offsetof(C::Block, chain_phys))], tpa);
    jne(*settled_, T_NEAR);
    L(found);
    jmp(qword[rax + static_cast<int32_t>(offsetof(C::Block, chain))]);
  }

  // Chained blocks pass the status flags in jit_fl_ (host layout, AF
  // as the interpreter has it); every block's body starts from there. Only
  // exits to run() (and the snapshot before a helper call) merge them into
  // eflags_.
  static constexpr FlagState kEntryFlags{true, false, false};
  void emit_flags_for_chain() {
    if (!fs.host) {
      mov(eax, dword[rbx + o_eflags]);
      mov(qword[rbx + o_fl], rax);
    } else if (fs.af_zero) {
      and_(qword[rbx + o_fl], ~flag::af);
    }
  }

  // The entry from another block: the budget, the bytes (compared with
  // immediates: this translation is only valid for them), then the state
  // run() sets for a block.
  void emit_chain_entry(const C::Block& b, Xbyak::Label& body) {
    // exact: instructions + n <= stop; whole blocks: instructions < stop
    if (b.n > 1) {
      mov(eax, b.n - 1);
      and_(rax, qword[rbx + o_exact]);
      add(rax, qword[rbx + o_instructions]);
    } else {
      mov(rax, qword[rbx + o_instructions]);
    }
    cmp(rax, qword[rbx + o_stop]);
    jae(*settled_, T_NEAR);
    mov(rdi, qword[rbx + o_code_lo]);
    uint8_t bytes[C::kMaxBlockBytes];
    std::memcpy(bytes, b.bytes, sizeof bytes);
    const unsigned nb = b.nbytes;
    auto word_at = [&](unsigned at) {
      uint64_t w;
      std::memcpy(&w, bytes + at, 8);
      return w;
    };
    if (nb >= 8) {
      for (unsigned at = 0; at + 8 <= nb; at += 8) {
        mov(rax, word_at(at));
        cmp(qword[rdi + static_cast<int32_t>(at)], rax);
        jne(*settled_, T_NEAR);
      }
      if (nb % 8) {  // the last 8 bytes, overlapping the previous word
        mov(rax, word_at(nb - 8));
        cmp(qword[rdi + static_cast<int32_t>(nb - 8)], rax);
        jne(*settled_, T_NEAR);
      }
    } else {
      unsigned at = 0;
      while (at < nb) {
        const unsigned left = nb - at;
        if (left >= 4) {
          uint32_t v;
          std::memcpy(&v, bytes + at, 4);
          cmp(dword[rdi + static_cast<int32_t>(at)], v);
          at += 4;
        } else if (left >= 2) {
          uint16_t v;
          std::memcpy(&v, bytes + at, 2);
          cmp(word[rdi + static_cast<int32_t>(at)], static_cast<uint32_t>(static_cast<int16_t>(v)));  // Xbyak: sign-extended
          at += 2;
        } else {
          cmp(byte[rdi + static_cast<int32_t>(at)], static_cast<uint32_t>(static_cast<int8_t>(bytes[at])));
          at += 1;
        }
        jne(*settled_, T_NEAR);
      }
    }
    mov(qword[rbx + o_code_len], nb);
    mov(rax, reinterpret_cast<uintptr_t>(&b));
    mov(qword[rbx + o_jit_block], rax);
    // falls through into the body
  }

  void compile(const C::Block& b) {
    align(16);
    const Code entry = getCurr<Code>();
    blk = &b;
    fs = FlagState{};
    labels.clear();
    tails.clear();
    exit_ = &new_label();
    settled_ = &new_label();
    Xbyak::Label& body = new_label();
    // Entry from run(): rbx = the core; r12, r13 are ours; the stack stays
    // 16-byte aligned for the helper calls. Chained blocks share the frame.
    push(rbx);
    push(r12);
    push(r13);
    mov(rbx, rdi);
    mov(eax, dword[rbx + o_eflags]);  // the flags as the body expects them
    mov(qword[rbx + o_fl], rax);
    jmp(body, T_NEAR);
    align(16);
    const void* chain = getCurr();
    emit_chain_entry(b, body);
    L(body);
    fs = kEntryFlags;
    ended = false;
    analyse_flags(b);
    for (idx = 0; idx < b.n; ++idx) {
      const Insn& d = b.insns[idx];
      last = idx + 1 == b.n;
      flags_dead = dead_after[idx];
      fault_label = nullptr;
      stop_label = &new_label();
      stop_used = false;
      if (!emit_inline(d)) {
        emit_handler_call(d);
      } else if (last && !ended && d.cost != CostClass::branch) {
        // A plain instruction ends the block (size limits): fall through.
        emit_exit_to(d.block_off + d.length, d.cycles_before + d.cycles, false);
        ended = true;
      }
      if (stop_used) {  // stop after d: flags as they are now, d retired
        Xbyak::Label* l = stop_label;
        const FlagState s = fs;
        const uint32_t retired = idx + 1;
        tails.push_back([this, l, s, retired] {
          L(*l);
          emit_materialize(s);
          mov(eax, retired);
          jmp(*exit_, T_NEAR);
        });
      }
    }
    if (!ended) {
      materialize();
      mov(eax, b.n);
    }
    L(*exit_);
    pop(r13);
    pop(r12);
    pop(rbx);
    ret();
    L(*settled_);  // flags as a chain passes them
    emit_materialize(kEntryFlags);
    mov(eax, kSettled);
    jmp(*exit_, T_NEAR);
    for (size_t i = 0; i < tails.size(); ++i) tails[i]();
    tails.clear();
    labels.clear();
    b.code = entry;
    b.chain = chain;
    b.chain_phys = b.phys;
  }
};

bool Jit::available() { return true; }
Jit::Jit(Ia32Core& core) : gen_(std::make_unique<Gen>(core)) {}
Jit::~Jit() = default;
bool Jit::has_room() const { return gen_->getSize() + kRoomPerBlock <= kCodeSize; }
void Jit::flush() {
  gen_->reset();
  ++flushes_;
}
void Jit::compile(const Ia32Core::Block& b) {
  const size_t mark = gen_->getSize();
  try {
    gen_->compile(b);
    ++compiled_;
  } catch (const Xbyak::Error& e) {
    // An encoding the generator cannot express: the block stays
    // interpreted (correct, only slower) and the failure is counted.
    gen_->labels.clear();
    gen_->tails.clear();
    gen_->setSize(mark);
    b.code = nullptr;
    b.chain = nullptr;
    b.chain_phys = 0xFFFFFFFF;
    ++failures_;
  }
}

}  // namespace minipc

#else  // no translator on this host: run() interprets

namespace minipc {
struct Jit::Gen {};
bool Jit::available() { return false; }
Jit::Jit(Ia32Core&) {}
Jit::~Jit() = default;
bool Jit::has_room() const { return false; }
void Jit::flush() {}
void Jit::compile(const Ia32Core::Block&) { ++failures_; }
}  // namespace minipc

#endif
