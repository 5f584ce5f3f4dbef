// The 8254 RTL's plain decrement (pit8254_counter.sv, header; simulation
// only) against the next-state logic. Two Verilated models of the RTL: as
// the wrapper runs it (Vpit8254: MINIPC_SIM_FAST_FORWARD and
// MINIPC_SIM_PLAIN_DECREMENT) and without the plain decrement, as synthesis
// sees the counters (Vpit8254_ref: MINIPC_SIM_FAST_FORWARD only, every CLK
// pulse through the next-state logic). Both get the same random pin
// activity, cycle by cycle: control words of every kind (binary and BCD,
// modes 0-7), counter latch and read-back commands, count bytes (small
// counts included, so that loads, reloads and OUT edges come often), reads,
// GATE changes, CLK pulses on any subset of the counters, fast-forward
// cycles, bus and CLK in the same cycle, resets. After every cycle OUT, the
// read data and each counter's state words (CE, the counting flags, the
// programming state) must be equal, and a good part of the pulses must have
// been plain ones (so the comparison is not vacuous).
#include <verilated.h>

#include "Vpit8254.h"
#include "Vpit8254___024root.h"
#include "Vpit8254_ref.h"
#include "Vpit8254_ref___024root.h"
#include "pit8254_state.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <sstream>
#include <string>

namespace {

struct Pins {
  bool rst_n = true, cs_n = true, rd_n = true, wr_n = true, ff = false;
  uint8_t a = 0, d = 0, cnt_clk = 0, gate = 7;
  uint16_t ff_n = 0;
};

template <typename M>
void drive(M& m, const Pins& p, bool clk) {
  m.clk_i = clk;
  m.rst_ni = p.rst_n;
  m.cs_ni = p.cs_n;
  m.rd_ni = p.rd_n;
  m.wr_ni = p.wr_n;
  m.a_i = p.a;
  m.d_i = p.d;
  m.cnt_clk_i = p.cnt_clk;
  m.gate_i = p.gate;
  m.ff_i = p.ff;
  m.ff_n_i = p.ff_n;
  m.eval();
}

// Counter i's state words: CE, the counting flags (cnt_state_t), the
// programming state (ctl_state_t).
using State = minipc::rtl::Pit8254StateWords;


std::string show(const State& s) {
  std::ostringstream o;
  o << std::hex << "CE " << s.ce << " cnt " << s.cnt << " ctl " << s.ctl;
  return o.str();
}

constexpr uint32_t kRun = 1u << 10;  // cnt_state_t.run

// Random pin activity in phases of 20 000 cycles (busy bus, quiet counting,
// GATE toggling, sparse CLK, ...).
class Stimulus {
 public:
  explicit Stimulus(uint64_t seed) : rng_(seed) {}

  Pins next(const Pins& prev) {
    if (cycle_++ % 20000 == 0) {
      p_bus_ = u() < 0.5 ? 0.0005 : 0.05 * u();
      p_gate_ = u() < 0.5 ? 0.0002 : 0.02 * u();
      p_ff_ = u() < 0.7 ? 0.0 : 0.01 * u();
      p_clk_ = u() < 0.2 ? u() : 0.95;
    }
    Pins p;
    p.gate = prev.gate;
    bool bus = false;
    if (u() < p_bus_) {
      bus = true;
      p.cs_n = rng_() % 16 == 0;  // sometimes RD#/WR# without CS#
      p.a = rng_() & 3;
      if (rng_() & 1) {
        p.wr_n = false;
      } else {
        p.rd_n = false;
        p.wr_n = rng_() % 8 == 0;  // RD# and WR# low together: a write
      }
      if (p.a == 3) {
        const unsigned k = rng_() % 8;
        if (k < 4)  // control word: SC, RW != 0, mode 0..7, sometimes BCD
          p.d = static_cast<uint8_t>((rng_() % 3) << 6 | (1 + rng_() % 3) << 4 | (rng_() & 7) << 1 |
                                     (rng_() % 6 == 0));
        else if (k < 6)
          p.d = static_cast<uint8_t>((rng_() % 3) << 6);  // counter latch
        else
          p.d = static_cast<uint8_t>(0xC0 | (rng_() & 0x3F));  // read-back
      } else {
        const unsigned k = rng_() % 4;
        p.d = static_cast<uint8_t>(k == 0 ? rng_() & 7 : k == 1 ? rng_() & 0xFF : k == 2 ? 0 : rng_() & 0x1F);
      }
    }
    if (u() < p_clk_ && (!bus || rng_() % 4 == 0)) p.cnt_clk = rng_() % 8 == 0 ? rng_() & 7 : 7;
    if (u() < p_gate_) p.gate ^= static_cast<uint8_t>(1u << (rng_() % 3));
    if (u() < p_ff_) {
      p.ff = true;
      p.ff_n = static_cast<uint16_t>(rng_() & ((rng_() & 1) ? 0x3F : 0xFFFF));
    }
    p.rst_n = u() >= 0.00001;
    return p;
  }

 private:
  double u() { return std::uniform_real_distribution<double>(0, 1)(rng_); }
  std::mt19937_64 rng_;
  uint64_t cycle_ = 0;
  double p_bus_ = 0, p_gate_ = 0, p_ff_ = 0, p_clk_ = 0;
};

void run_lockstep(uint64_t seed, uint64_t cycles) {
  VerilatedContext ctx;
  Vpit8254 dut(&ctx, "dut");
  Vpit8254_ref ref(&ctx, "ref");
  Pins p;
  drive(dut, p, false);
  drive(ref, p, false);
  p.rst_n = false;
  drive(dut, p, false);
  drive(ref, p, false);
  p.rst_n = true;

  Stimulus stim(seed);
  uint64_t pulses = 0, plain = 0;  // pulses, and those the plain decrement takes
  Pins last;                // the pins the RTL registered at the last edge
  uint8_t gate_before = 7;  // the GATE pins registered at the edge before
  for (uint64_t c = 0; c < cycles; ++c) {
    // A pulse registered at the last edge is acted on at the next one: a
    // plain decrement when the counter runs with CE >= 4 and the registered
    // cycle has no bus access, GATE change or fast-forward.
    const bool ev = !last.cs_n || last.ff || last.gate != gate_before;
    for (unsigned i = 0; i < 3; ++i) {
      if (!(last.cnt_clk >> i & 1)) continue;
      ++pulses;
      const State s = minipc::rtl::pit8254_state_words(*dut.rootp, i);
      if ((s.cnt & kRun) && s.ce >= 4 && !ev) ++plain;
    }
    p = stim.next(p);
    drive(dut, p, false);  // combinational read data during the cycle
    drive(ref, p, false);
    ASSERT_EQ(dut.d_o, ref.d_o) << "seed " << seed << " cycle " << c << ": read data";
    drive(dut, p, true);
    drive(ref, p, true);
    drive(dut, p, false);
    drive(ref, p, false);
    ASSERT_EQ(dut.out_o, ref.out_o) << "seed " << seed << " cycle " << c << ": OUT";
    for (unsigned i = 0; i < 3; ++i) {
      const State a = minipc::rtl::pit8254_state_words(*dut.rootp, i), b = minipc::rtl::pit8254_state_words(*ref.rootp, i);
      ASSERT_TRUE(a == b) << "seed " << seed << " cycle " << c << " counter " << i << ": " << show(a)
                          << " / reference " << show(b);
    }
    gate_before = last.gate;
    last = p;
  }
  // A good part of the pulses were plain ones (about a third with these
  // phases): the comparison is not vacuous.
  EXPECT_GT(plain * 4, pulses) << plain << " plain of " << pulses << " pulses";
  ::testing::Test::RecordProperty("plain_pulses", std::to_string(plain));
  ::testing::Test::RecordProperty("pulses", std::to_string(pulses));
}

TEST(Pit8254Plain, SameStateAsNextStateLogicSeed1) { run_lockstep(1, 1000000); }
TEST(Pit8254Plain, SameStateAsNextStateLogicSeed2) { run_lockstep(2, 1000000); }
TEST(Pit8254Plain, SameStateAsNextStateLogicSeed3) { run_lockstep(3, 1000000); }
TEST(Pit8254Plain, SameStateAsNextStateLogicSeed4) { run_lockstep(4, 1000000); }

}  // namespace
