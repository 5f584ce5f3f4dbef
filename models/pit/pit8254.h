// Intel 8254 programmable interval timer (PC: ports 0x40-0x43, OUT0 -> IRQ 0).
//
// Three independent 16-bit down counters clocked at 1.193182 MHz, each with
// six modes, binary or BCD counting, a GATE input and an OUT output; one
// control word register for programming, counter latch and read-back.
//
// Timing is computed, not ticked. The input clock's rising edges are numbered
// k = 1, 2, ... at k / input_hz (rounded to the SystemC time resolution),
// phase-aligned with time 0. Each access is applied at its local time
// (access_time()): the counter is brought to the last clock edge at or before
// that time in one arithmetic jump (see PitCounter), so a count read returns
// the counting element at the moment of the IN instruction, and a count
// written after edge K is loaded by edge K+1 ("on the next CLK pulse").
//
// OUT changes are predicted: one sc_event per counter is notified for the
// time of the next OUT change only, and a small method drives the OUT port
// then. A mode 2 rate generator costs two wake-ups per period (the one-clock
// low pulse), not one per input clock.
#pragma once

#include <array>
#include <cstdint>

#include "pit/pit8254_face.h"
#include "pit/pit_counter.h"

namespace minipc {

class Pit8254 : public Pit8254Face {
 public:
  explicit Pit8254(const sc_core::sc_module_name& nm);

  unsigned mode(unsigned counter) const override { return counters_.at(counter).core.mode(); }

 protected:
  void reset_state() override;
  void start_of_simulation() override;

 private:
  struct CounterState {
    PitCounter core;
    sc_core::sc_time synced;  // the latest time the counter was brought to
    uint64_t reloads_reported = 0;
  };

  uint64_t read_counter(unsigned i) override;
  void write_counter(unsigned i, uint64_t v) override;
  void write_control_word(uint64_t v) override;
  void on_gate() override;
  void bring_to(unsigned i, const sc_core::sc_time& t) override { sync(i, t); }
  uint64_t next_out_edge(unsigned i) const override { return counters_[i].core.next_out_change(); }

  // Brings counter i to time t (never backwards); returns the effective time.
  sc_core::sc_time sync(unsigned i, const sc_core::sc_time& t);
  void warn_count(unsigned i, uint8_t byte);

  std::array<CounterState, kCounters> counters_;
};

}  // namespace minipc
