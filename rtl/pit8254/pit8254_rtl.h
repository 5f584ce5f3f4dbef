// minipc::Pit8254Rtl: the synthesizable 8254 (rtl/pit8254/pit8254.sv),
// Verilated to C++, behind exactly the C++ interface of the TLM model
// minipc::Pit8254 (models/pit/pit8254.h): the `regs` target socket (offsets
// 0-3, the same Register names), gate0..2 / out0..2, input_hz, the same stats
// and warnings. The platform picks one or the other (`impl: rtl`).
//
// Register accesses become bus cycles on the Verilated pins (CS#, RD#/WR#,
// A1 A0, D). The RTL runs on one clk_i; each counter's CLK pin is a clock
// enable on it: a clk_i cycle with cnt_clk_i high is one 1.193182 MHz CLK
// pulse, a cycle with it low carries a bus access or a GATE change. So
// clk_i has no fixed frequency: it is "as fast as needed" between two CLK
// pulses.
//
// Lazy clocking (default): the model is ticked in a tight C++ loop only (a)
// up to the CLK edge of an access's local time, before the access's bus cycle,
// and (b) up to the next OUT change, which the wrapper predicts from the
// counter's observable state (mode, CE, GATE, ...): one sc_event per counter
// fires then and the loop ticks the RTL to that edge; the RTL computes OUT.
// CLK edge k is at k / input_hz from time 0, as in the TLM model, so both
// implementations produce the same OUT edges at the same times.
//
// pin_accurate = true: additionally a method wakes at every CLK edge, ticks
// the RTL there and drives `clk_trace`, so waveforms show every clock (the
// edges are computed as k / input_hz, not by an sc_clock, whose period is
// rounded to the time resolution and would drift from the TLM model's edges).
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <utility>

#include "core/irq.h"
#include "core/peripheral.h"
#include "core/stats.h"

namespace minipc {

class Pit8254Rtl : public Peripheral {
 public:
  SC_HAS_PROCESS(Pit8254Rtl);
  explicit Pit8254Rtl(const sc_core::sc_module_name& nm);
  ~Pit8254Rtl() override;

  static constexpr unsigned kCounters = 3;

  IrqIn gate0{"gate0"};
  IrqIn gate1{"gate1"};
  IrqIn gate2{"gate2"};
  IrqOut out0{"out0"};
  IrqOut out1{"out1"};
  IrqOut out2{"out2"};

  Param<double> input_hz{this, "input_hz", 1193182.0, "CLK input of the three counters (Hz)"};
  Param<bool> pin_accurate{this, "pin_accurate", false, "tick the RTL at every CLK edge (full waveforms)"};
  Param<bool> fast_forward{this, "fast_forward", true,
                           "skip runs of plain-decrement CLK pulses with the RTL's ff_i cycle (off: tick every pulse)"};

  // CLK as a signal, for waveforms (pin_accurate only; constant low otherwise).
  sc_core::sc_signal<bool> clk_trace{"clk_trace", false};

  Register COUNTER0{bank_, "COUNTER0", 0, 1, 0x00};
  Register COUNTER1{bank_, "COUNTER1", 1, 1, 0x00};
  Register COUNTER2{bank_, "COUNTER2", 2, 1, 0x00};
  Register CONTROL_WORD{bank_, "CONTROL_WORD", 3, 1, 0x00, Access::write_only};

  enum : uint8_t {
    CW_BCD = 0x01, CW_MODE = 0x0E, CW_RW = 0x30, CW_SC = 0xC0,
    CW_SC_READ_BACK = 0xC0,
    RB_COUNTER0 = 0x02, RB_COUNTER1 = 0x04, RB_COUNTER2 = 0x08,
    RB_NOT_STATUS = 0x10, RB_NOT_COUNT = 0x20,
    STATUS_OUT = 0x80, STATUS_NULL_COUNT = 0x40,
  };

  sc_core::sc_time clock_edge_time(uint64_t k) const;
  uint64_t clock_edges_at(const sc_core::sc_time& t) const;
  sc_core::sc_time input_period() const { return sc_core::sc_time(1.0 / input_hz.get(), sc_core::SC_SEC); }
  unsigned mode(unsigned counter) const;

  // Writes the RTL's internals (Verilator VCD tracer) to `path`, on the
  // platform's time base (VCD time unit = the SystemC time resolution).
  void open_trace(const std::string& path);
  // clk_i cycles the RTL has been ticked so far (for benches).
  uint64_t rtl_cycles() const { return cycles_; }
  // CLK pulses applied through fast-forward cycles instead of one cycle each.
  uint64_t skipped_pulses() const { return skipped_; }

 protected:
  void reset_state() override;
  void before_end_of_elaboration() override;
  void start_of_simulation() override;
  void end_of_simulation() override;

 private:
  struct Rtl;  // the Verilated model, its context and tracer
  struct Channel {
    std::deque<std::pair<sc_core::sc_time, bool>> pending_out;
    sc_core::sc_event wakeup;
    IrqIn* gate = nullptr;
    IrqOut* out = nullptr;
    Register* reg = nullptr;
    bool illegal = false;  // the count last written is illegal (until the next control word)
    Counter* reloads = nullptr;
    Counter* out_edges = nullptr;
    Counter* wakeups = nullptr;
  };

  uint64_t read_counter(unsigned i);
  void write_counter(unsigned i, uint64_t v);
  void write_control_word(uint64_t v);

  // One clk_i cycle (bus or GATE cycle, or a CLK pulse when clk_pulse) at
  // SystemC-time-base time `t` (for the trace).
  void tick(bool clk_pulse, const sc_core::sc_time& t);
  // One bus cycle; returns d_o.
  uint8_t bus(unsigned a, bool write, uint8_t d, const sc_core::sc_time& t);
  // Ticks CLK pulses up to time t (never backwards); returns the effective time.
  sc_core::sc_time sync(const sc_core::sc_time& t);
  // Applies, with fast-forward cycles, the pulses up to `target` that only
  // decrement CE (none loads, reloads or moves OUT); advances edge_.
  void skip_plain_pulses(uint64_t target);
  uint64_t plain_pulses(unsigned i) const;  // pulses after edge_ that only decrement CE
  // Records OUT changes visible on the pins now, at time t.
  void collect_out(const sc_core::sc_time& t);
  uint64_t obs(unsigned i) const;
  uint64_t predict_next_out(unsigned i) const;  // next edge where OUT may change, or kNever
  void schedule(unsigned i);
  void drive_out(unsigned i);
  void on_gate();
  void pin_clock();

  std::unique_ptr<Rtl> rtl_;
  long double units_per_clock_ = 0;
  std::array<Channel, kCounters> channels_;
  sc_core::sc_signal<bool> gate_tied_high_{"gate_tied_high", true};
  sc_core::sc_event pin_event_;
  sc_core::sc_time synced_;   // latest time the RTL was brought to
  uint64_t edge_ = 0;         // CLK pulses applied
  uint8_t out_pins_ = 0;      // OUT levels last collected
  uint8_t gate_pins_ = 7;     // GATE levels on the RTL's pins
  uint64_t cycles_ = 0;
  uint64_t skipped_ = 0;
  bool ff_ = true;  // fast_forward, and no VCD (a waveform shows every pulse)
  bool started_ = false;
};

}  // namespace minipc
