// The CPU's timing model: cycles per instruction class.
//
// One table, so the timing model is visible and tunable in one place. The
// numbers are a rough i486/Pentium-like picture, not a cycle-exact model.
#pragma once

#include <cstdint>

namespace minipc {

enum class CostClass : uint8_t {
  nop,     // NOP, prefixes-only forms, CLC/STC...
  alu,     // register ALU, MOV, LEA, SETcc, CMOVcc
  shift,   // shifts, rotates, bit ops
  mul,     // MUL/IMUL
  div,     // DIV/IDIV
  branch,  // Jcc/JMP/CALL/RET (taken adds kBranchTakenCycles)
  stack,   // PUSH/POP/PUSHAD/POPAD/ENTER/LEAVE
  string,  // one iteration of MOVS/STOS/LODS/CMPS/SCAS
  io,      // IN/OUT/INS/OUTS (per transfer)
  system,  // LGDT, MOV CRn, CPUID, RDTSC, far JMP, segment loads
  interrupt,  // INT n, IRET, external interrupt delivery
  count_
};

// Base cycles of one instruction of each class.
constexpr uint8_t kCycleCost[static_cast<unsigned>(CostClass::count_)] = {
    /*nop*/ 1, /*alu*/ 1, /*shift*/ 1, /*mul*/ 3, /*div*/ 20, /*branch*/ 1,
    /*stack*/ 1, /*string*/ 1, /*io*/ 10, /*system*/ 10, /*interrupt*/ 20,
};
// Extra cycles when the instruction has a memory operand.
constexpr uint8_t kMemOperandCycles = 1;
// Extra cycles when a branch is taken (pipeline refill).
constexpr uint8_t kBranchTakenCycles = 1;

constexpr uint8_t cycle_cost(CostClass c) { return kCycleCost[static_cast<unsigned>(c)]; }

}  // namespace minipc
