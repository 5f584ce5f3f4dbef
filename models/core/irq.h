// Interrupt lines and the interrupt-acknowledge (INTA) cycle.
//
// IRQ lines are sc_signal<bool> (traceable, and Verilated ports bind to them).
// A device drives its line through an sc_out<bool>; a controller samples it
// through an sc_in<bool>. The CPU sees one INTR input and, when it accepts the
// interrupt, runs an INTA cycle through InterruptAcknowledgeIf to get the
// vector from whichever controller is wired (8259A or local APIC).
#pragma once

#include <cstdint>
#include <functional>
#include <systemc>

namespace minipc {

using IrqLine = sc_core::sc_signal<bool>;
using IrqOut = sc_core::sc_out<bool>;
using IrqIn = sc_core::sc_in<bool>;

class InterruptAcknowledgeIf : public virtual sc_core::sc_interface {
 public:
  // The INTA cycle: returns the vector (0..255) of the highest-priority
  // pending request and moves it in service, as the controller's datasheet
  // says. Returns -1 when nothing is pending any more (the request went away
  // between INTR and INTA); the CPU then resumes without an interrupt.
  virtual int acknowledge() = 0;
};

// What an observer (the platform's interrupt-latency monitor) needs of one
// 8259A, whichever implementation (TLM model or RTL twin) is built.
struct Pic8259View {
  std::function<uint8_t()> vector_base;  // ICW2's T7-T3
  std::function<uint8_t()> elcr;         // level-triggered lines
  // Hooks the chip's EOIs: fn(level, local time of the EOI write).
  std::function<void(std::function<void(unsigned, const sc_core::sc_time&)>)> on_eoi;
};

// Drives an output line only when its level changes: keeps VCDs small and
// avoids needless delta cycles.
inline void drive(IrqOut& line, bool level) {
  if (line.read() != level) line.write(level);
}

}  // namespace minipc
