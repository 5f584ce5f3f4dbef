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
#include "core/params.h"
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
  // back_to_back: it came right after an IRET, before any instruction of
  // the interrupted code ran.
  void accepted(int vector, const sc_core::sc_time& at, bool back_to_back = false);

  // Interrupt-storm detector: when every interrupt the CPU accepts comes
  // back to back (right after the previous ISR's IRET, so no instruction
  // outside ISRs runs) for this long in simulated time, and at least
  // kStormMinInterrupts of them, the run stops (exit 95) naming the vector
  // taken most often in that span and its source. Such a run makes no
  // progress and, in host time, may never reach its time limit. 0 turns
  // the check off. (A receive livelock is such a span too: studies of it
  // turn the check off, as tools/experiments/receive_livelock.yaml does.)
  static constexpr uint64_t kStormMinInterrupts = 1000;
  Param<sc_core::sc_time> storm_time{"platform.irq_storm_time", sc_core::sc_time(100, sc_core::SC_MS),
                                     "time without an instruction outside interrupt handlers (every interrupt taken "
                                     "right after the previous one's IRET) that stops the run as an interrupt storm "
                                     "(exit 95); 0s: no check"};

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
  // The current span of back-to-back acceptances: its start (the first
  // acceptance after one that followed some progress) and the acceptances
  // per vector in it.
  bool storm_open_ = false;
  sc_core::sc_time storm_start_;
  std::map<int, uint64_t> storm_counts_;
  uint64_t storm_total_ = 0;
  void check_storm(int vector, const sc_core::sc_time& at, bool back_to_back);
  std::string source_of(int vector) const;
  LocalApic* lapic_ = nullptr;
  Counter& nested_;
  Counter& accepted_count_;
};

}  // namespace minipc
