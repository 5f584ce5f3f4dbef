// minipc::Pit8254Rtl: the synthesizable 8254 (rtl/pit8254/pit8254.sv),
// Verilated to C++, behind the 8254's face (models/pit/pit8254_face.h) that
// the TLM model minipc::Pit8254 also has: the `regs` target socket (offsets
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
#include <memory>
#include <string>

#include "pit/pit8254_face.h"

namespace minipc {

class Pit8254Rtl : public Pit8254Face {
 public:
  SC_HAS_PROCESS(Pit8254Rtl);
  explicit Pit8254Rtl(const sc_core::sc_module_name& nm);
  ~Pit8254Rtl() override;

  Param<bool> pin_accurate{this, "pin_accurate", false, "tick the RTL at every CLK edge (full waveforms)"};
  Param<bool> fast_forward{this, "fast_forward", true,
                           "skip runs of plain-decrement CLK pulses with the RTL's ff_i cycle (off: tick every pulse)"};

  // CLK as a signal, for waveforms (pin_accurate only; constant low otherwise).
  sc_core::sc_signal<bool> clk_trace{"clk_trace", false};

  unsigned mode(unsigned counter) const override;

  // Writes the RTL's internals (Verilator VCD tracer) to `path`, on the
  // platform's time base (VCD time unit = the SystemC time resolution).
  void open_trace(const std::string& path);
  // clk_i cycles the RTL has been ticked so far (for benches).
  uint64_t rtl_cycles() const { return cycles_; }
  // CLK pulses applied through fast-forward cycles instead of one cycle each.
  uint64_t skipped_pulses() const { return skipped_; }

 protected:
  void reset_state() override;
  void start_of_simulation() override;
  void end_of_simulation() override;

 private:
  struct Rtl;  // the Verilated model, its context and tracer

  uint64_t read_counter(unsigned i) override;
  void write_counter(unsigned i, uint64_t v) override;
  void write_control_word(uint64_t v) override;
  void on_gate() override;
  void bring_to(unsigned, const sc_core::sc_time& t) override {
    if (started_) sync(t);
  }
  uint64_t next_out_edge(unsigned i) const override { return predict_next_out(i); }

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
  void pin_clock();

  std::unique_ptr<Rtl> rtl_;
  // The count last written to counter i is illegal (until the next control word).
  std::array<bool, kCounters> illegal_{};
  sc_core::sc_event pin_event_;
  sc_core::sc_time synced_;   // latest time the RTL was brought to
  uint64_t edge_ = 0;         // CLK pulses applied
  uint8_t out_pins_ = 0;      // OUT levels last collected
  uint8_t gate_pins_ = 7;     // GATE levels on the RTL's pins
  uint64_t cycles_ = 0;
  uint64_t skipped_ = 0;
  bool ff_ = true;  // fast_forward, and no VCD (a waveform shows every pulse)
};

}  // namespace minipc
