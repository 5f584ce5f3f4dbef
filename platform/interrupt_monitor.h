// Measures every interrupt's life on the legacy path (DESIGN.md §2):
// IRQ line asserted -> INTR -> the CPU accepts it (INTA and the first ISR
// instruction) -> EOI, per vector, as histograms in the stats:
//   irq.vector_0x20.assert_to_intr_ns, .intr_to_isr_ns, .isr_to_eoi_ns, .total_ns
// plus counts of nested acceptances. "Assert" is the most recent rising edge
// of the line before the CPU accepted the interrupt. The line edges are watched on the IRQ
// signals; acceptance and EOI come from the CPU and the 8259A with their
// local times.
#pragma once

#include <array>
#include <functional>
#include <map>
#include <optional>
#include <string>

#include <systemc>

#include "core/block.h"
#include "core/irq.h"
#include "core/stats.h"
#include "core/timed_signal.h"

namespace minipc {

class Pic8259;
class IoApic;
class LocalApic;

class InterruptMonitor : public sc_core::sc_module {
 public:
  sc_core::sc_vector<IrqIn> lines{"lines", 16};
  IrqIn intr{"intr"};

  SC_HAS_PROCESS(InterruptMonitor);
  explicit InterruptMonitor(const sc_core::sc_module_name& nm);
  // Binds the monitor on a built platform: the ISA lines irq0..irq15, the
  // first CPU's INTR (service "cpu.intr"), the 8259A pair's views and, in
  // APIC mode, the IOAPIC and the first LAPIC.
  void wire(BlockBuilder& b);
  // Legacy mode: vectors map to lines through the two 8259As' ICW2, EOIs
  // come from the chips.
  void use_pics(const Pic8259View& master, const Pic8259View& slave);
  // APIC mode: vectors map to lines through the IOAPIC's redirection table
  // (pin 2 is IRQ0, pin n IRQ n), EOIs come from the local APIC.
  void use_apic(IoApic& ioapic, LocalApic& lapic);

  // The CPU accepted an external interrupt with this vector; `at` is its
  // local time when the first ISR instruction is about to run.
  void accepted(int vector, const sc_core::sc_time& at);

  // For the VCD: the vector of the last INTA cycle, shown from the INTA to
  // the EOI that retires it (0 when none is in service), and the number of
  // accepted interrupts not yet retired by an EOI.
  TimedSignal<uint32_t> inta_vector{"inta_vector"};
  TimedSignal<uint32_t> in_service{"in_service"};

 private:
  void on_lines();
  void on_intr();
  void eoi(unsigned line, const sc_core::sc_time& at);
  std::optional<unsigned> line_of(int vector) const;

  struct Vector {
    Histogram* assert_to_intr;
    Histogram* intr_to_isr;
    Histogram* isr_to_eoi;
    Histogram* total;
  };
  Vector& stats_for(int vector);

  Pic8259View master_, slave_;
  IoApic* ioapic_ = nullptr;
  std::array<bool, 16> level_{};
  std::array<std::optional<sc_core::sc_time>, 16> asserted_at_;
  struct InService {
    int vector;
    sc_core::sc_time asserted, accepted;
  };
  std::array<std::optional<InService>, 16> in_service_line_;
  sc_core::sc_time intr_rose_at_;
  unsigned in_service_ = 0;
  std::map<int, Vector> vectors_;
  Counter& nested_;
  Counter& accepted_count_;
};

}  // namespace minipc
