// Jit: fast mode's translator. Ia32Core's blocks (straight-line runs of
// decoded instructions, see Ia32Core::Block) compiled to x86-64 host code.
//
// The translated code keeps the interpreter's whole contract, so it is
// architecturally invisible:
// - Guest registers and EFLAGS stay in the core (regs_, eflags_); the code
//   works on them in place. Status flags come from the host's own ALU: after
//   a flag-setting instruction the host flags are saved (pushfq) and merged
//   into eflags_ only where something else reads them (a helper call, the
//   block's exit); a Jcc right after its CMP/TEST branches on the host flags.
//   Only forms whose host flags equal the interpreter's are translated (ADD,
//   ADC, SUB, SBB, CMP, INC, DEC; AND, OR, XOR and TEST with AF cleared).
// - Loads and stores go through the core's TLB (read_pages_, write_pages_):
//   a hit on a page with a host pointer is one host access; anything else
//   (a miss, MMIO, a page-crossing access) calls the core's read_slow() or
//   write_slow(), exactly what the interpreter does.
// - A store into the block being run stops it after the storing instruction
//   (the interpreter's note_code_write() rule).
// - Every other instruction calls its interpreter handler. Faults are
//   precise: before any call that may fault the code writes the exception
//   snapshot (insn_eip_, insn_esp_, insn_eflags_) and cur_ (cycles()), and
//   the helpers catch the fault (nothing unwinds through translated code).
//
// Blocks chain: a block whose last instruction is a translated direct jump,
// Jcc, CALL or plain fall-through to a target in the same page settles its
// EIP, cycles and instruction count itself and jumps into the target's
// translation, which first checks that the target's bytes are still in
// memory and that it fits the instruction budget (else it returns kSettled).
// The code returns the number of instructions retired in the block it
// stopped in (Ia32Core::jit_block_), or the index of the faulting
// instruction | kFaulted, or kSettled; Ia32Core::run_fast() settles EIP,
// cycles and the instruction count as it does for its own loop.
//
// Available on x86-64 hosts with Xbyak (Debian's libxbyak-dev); elsewhere
// available() is false and run() interprets.
#pragma once

#include <cstdint>
#include <memory>

#include "cpu/ia32_core.h"

namespace minipc {

class Jit {
 public:
  static constexpr uint32_t kFaulted = 0x80000000u;
  // Returned after a chain attempt that did not enter its target (not
  // translated, other bytes, over the budget): everything up to the block
  // boundary is settled (EIP, cycles, instruction count).
  static constexpr uint32_t kSettled = 0x40000000u;
  using Code = uint32_t (*)(Ia32Core*);

  static bool available();
  explicit Jit(Ia32Core& core);
  ~Jit();

  // Room left for one more block; flush() drops every translation (the
  // caller forgets the blocks' code pointers first).
  bool has_room() const;
  void flush();
  // Translates b: sets b.code (entry from run()) and b.chain (entry from
  // another block's code, which first checks the bytes and the budget).
  void compile(const Ia32Core::Block& b);

  uint64_t blocks_compiled() const { return compiled_; }
  uint64_t flushes() const { return flushes_; }
  uint64_t failures() const { return failures_; }  // blocks the generator could not encode

 private:
  struct Gen;
  std::unique_ptr<Gen> gen_;
  uint64_t compiled_ = 0, flushes_ = 0, failures_ = 0;
};

}  // namespace minipc
