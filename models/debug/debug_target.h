// DebugTarget: what a debugger (the GDB stub) needs from a CPU model.
//
// Only state access lives here: registers in GDB's i386 numbering and
// side-effect-free memory access. Run control (breakpoints, single-step,
// Ctrl-C) is not a target method: the simulation owns the thread that runs
// the CPU, so it asks the stub before each instruction
// (GdbStub::before_instruction) instead of the stub calling step()/resume().
// That keeps the stub from ever blocking the simulation while it runs.
#pragma once

#include <cstddef>
#include <cstdint>

namespace minipc::debug {

// GDB's register numbers for i386 (gdb/features/i386/32bit-core.xml): the
// order of the 'g' packet.
namespace gdb_reg {
enum : unsigned { eax, ecx, edx, ebx, esp, ebp, esi, edi, eip, eflags, cs, ss, ds, es, fs, gs, count };
}

// Signals in stop replies (GDB's target signal numbers).
enum class StopSignal : uint8_t {
  none = 0,
  sigint = 2,    // Ctrl-C
  sigill = 4,    // CPU fatal error (unsupported opcode, triple fault)
  sigtrap = 5,   // breakpoint, single-step, attach
  sigsegv = 11,  // fetch from unmapped memory (bus fatal)
};

class DebugTarget {
 public:
  virtual ~DebugTarget() = default;
  // gdb_reg::eax .. gdb_reg::gs.
  virtual uint32_t read_register(unsigned gdb_regno) = 0;
  // False when the register cannot be written (e.g. a segment selector).
  virtual bool write_register(unsigned gdb_regno, uint32_t value) = 0;
  // Debug access at a linear address: no device side effects, no bus timing
  // or statistics. Returns how many bytes from the start were transferred
  // (short at the first byte nothing answers).
  virtual size_t read_memory(uint32_t addr, uint8_t* data, size_t len) = 0;
  virtual size_t write_memory(uint32_t addr, const uint8_t* data, size_t len) = 0;
};

}  // namespace minipc::debug
