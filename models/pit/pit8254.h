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
#include <deque>
#include <utility>

#include "core/irq.h"
#include "core/peripheral.h"
#include "core/stats.h"
#include "pit/pit_counter.h"

namespace minipc {

class Pit8254 : public Peripheral {
 public:
  SC_HAS_PROCESS(Pit8254);
  explicit Pit8254(const sc_core::sc_module_name& nm);

  static constexpr unsigned kCounters = 3;

  // GATE inputs. Bind them to the platform's signals; a GATE left unbound is
  // tied high (on a PC, GATE0 and GATE1 are tied high; GATE2 comes from port
  // 0x61 bit 0, see SystemControlPortB).
  IrqIn gate0{"gate0"};
  IrqIn gate1{"gate1"};
  IrqIn gate2{"gate2"};
  // OUT outputs. PC: OUT0 -> IRQ 0, OUT1 -> DRAM refresh (not wired here),
  // OUT2 -> speaker and port 0x61 bit 5.
  IrqOut out0{"out0"};
  IrqOut out1{"out1"};
  IrqOut out2{"out2"};

  Param<double> input_hz{this, "input_hz", 1193182.0, "CLK input of the three counters (Hz)"};

  // ---- registers, A1 A0 as in the datasheet --------------------------------
  Register COUNTER0{bank_, "COUNTER0", 0, 1, 0x00};
  Register COUNTER1{bank_, "COUNTER1", 1, 1, 0x00};
  Register COUNTER2{bank_, "COUNTER2", 2, 1, 0x00};
  // Reads of A1A0 = 11 are a no-operation on the 8254 (the bank warns, returns 0).
  Register CONTROL_WORD{bank_, "CONTROL_WORD", 3, 1, 0x00, Access::write_only};

  // Control word fields (SC1 SC0 RW1 RW0 M2 M1 M0 BCD) and read-back bits.
  enum : uint8_t {
    CW_BCD = 0x01, CW_MODE = 0x0E, CW_RW = 0x30, CW_SC = 0xC0,
    CW_SC_READ_BACK = 0xC0,
    RB_COUNTER0 = 0x02, RB_COUNTER1 = 0x04, RB_COUNTER2 = 0x08,
    RB_NOT_STATUS = 0x10, RB_NOT_COUNT = 0x20,
    STATUS_OUT = 0x80, STATUS_NULL_COUNT = 0x40,
  };

  // ---- clock arithmetic (also for benches and the platform) ---------------
  // The time of input clock edge k.
  sc_core::sc_time clock_edge_time(uint64_t k) const;
  // How many clock edges have happened at time t (edge k counts at its time).
  uint64_t clock_edges_at(const sc_core::sc_time& t) const;
  sc_core::sc_time input_period() const { return sc_core::sc_time(1.0 / input_hz.get(), sc_core::SC_SEC); }

  // The programmed mode of a counter (0-5), for probes and benches.
  unsigned mode(unsigned counter) const { return channels_.at(counter).core.mode(); }

 protected:
  void reset_state() override;
  void before_end_of_elaboration() override;
  void start_of_simulation() override;

 private:
  struct Channel {
    PitCounter core;
    // OUT changes the counter has made but the port does not show yet
    // (their time is ahead of SystemC time): (time, level), in time order.
    std::deque<std::pair<sc_core::sc_time, bool>> pending_out;
    sc_core::sc_time synced;    // the latest time the counter was brought to
    sc_core::sc_event wakeup;   // the next OUT change
    IrqIn* gate = nullptr;
    IrqOut* out = nullptr;
    Register* reg = nullptr;
    uint64_t reloads_reported = 0;
    Counter* reloads = nullptr;
    Counter* out_edges = nullptr;
    Counter* wakeups = nullptr;
  };

  // Register callbacks.
  uint64_t read_counter(unsigned i);
  void write_counter(unsigned i, uint64_t v);
  void write_control_word(uint64_t v);

  // Brings counter i to time t (never backwards); returns the effective time.
  sc_core::sc_time sync(unsigned i, const sc_core::sc_time& t);
  // Records an OUT change made by an access or GATE change at time t.
  void record_out(unsigned i, const sc_core::sc_time& t, bool level);
  // Notifies the counter's wake-up for its next OUT change.
  void schedule(unsigned i);
  void drive_out(unsigned i);  // the per-counter method
  void on_gate();              // method sensitive to the three GATE inputs
  void warn_count(unsigned i, uint8_t byte);

  long double units_per_clock_ = 0;  // input clock period in time-resolution units
  std::array<Channel, kCounters> channels_;
  sc_core::sc_signal<bool> gate_tied_high_{"gate_tied_high", true};
  bool started_ = false;
};

}  // namespace minipc
