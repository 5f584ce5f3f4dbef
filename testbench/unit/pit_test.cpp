// 8254 programmable interval timer and PC/AT port B (0x61): the datasheet
// behaviours, one test each.
//
// Each TEST elaborates its own SystemC world (CTest runs one process per
// TEST). The test body plays the CPU: it drives the `regs` socket through an
// initiator socket, annotating a delay to access the timer at a chosen local
// time (ahead of SystemC time, as a temporally decoupled CPU does), drives the
// GATE signals and records every change of the OUT signals with its time.
// The device under test is built by PitBench<Dut>; the suite touches it only
// through `regs`, gate0..2 and out0..2, so an RTL twin with the same ports
// can be dropped in (typed tests).
//
// Times: the input clock's edge k is at k / 1.193182 MHz from time 0 (rounded
// to the time resolution), see clk(). A count written between edges K and
// K+1 is loaded at edge K+1 and decremented from edge K+2 on.
#include <gtest/gtest.h>
#include <tlm_utils/simple_initiator_socket.h>

#include <cmath>
#include <systemc>
#include <vector>

#include "core/params.h"
#include "core/stats.h"
#include "pit/pit8254.h"
#include "pit/system_control_port_b.h"
#ifdef MINIPC_HAVE_RTL_PIT
#include "pit8254/pit8254_rtl.h"
#endif

using namespace minipc;
using sc_core::sc_time;
using sc_core::SC_NS;
using sc_core::SC_US;
using sc_core::SC_MS;
using sc_core::SC_SEC;
using sc_core::SC_ZERO_TIME;

namespace {

// Ports (offsets into the block).
constexpr uint64_t COUNTER0 = 0, COUNTER1 = 1, COUNTER2 = 2, CONTROL_WORD = 3;
// Control word RW field.
enum Rw : unsigned { LATCH = 0, LSB = 1, MSB = 2, LSB_MSB = 3 };
constexpr double kInputHz = 1193182.0;

// Control word for a counter: SC1 SC0 RW1 RW0 M2 M1 M0 BCD.
uint8_t control(unsigned counter, unsigned rw, unsigned mode, bool bcd = false) {
  return static_cast<uint8_t>((counter << 6) | (rw << 4) | (mode << 1) | (bcd ? 1 : 0));
}
// Read-back command: latch count and/or status of the counters in `mask` (bit i = counter i).
uint8_t read_back(bool count, bool status, unsigned mask) {
  return static_cast<uint8_t>(0xC0 | (count ? 0 : 0x20) | (status ? 0 : 0x10) | ((mask & 7) << 1));
}

// Input clock edge k.
sc_time clk(uint64_t k) {
  const double units_per_sec = 1.0 / sc_core::sc_get_time_resolution().to_seconds();
  return sc_time::from_value(static_cast<sc_dt::uint64>(std::llround(static_cast<long double>(k) * units_per_sec / kInputHz)));
}
// A moment between edge k and edge k+1.
sc_time after(uint64_t k) { return clk(k) + sc_time(100, SC_NS); }

double stat(const std::string& name) { return StatsRegistry::instance().value(name); }

class Initiator : public sc_core::sc_module {
 public:
  tlm_utils::simple_initiator_socket<Initiator> socket{"socket"};
  explicit Initiator(const sc_core::sc_module_name& nm) : sc_module(nm) {}

  // Accesses at absolute local time `at` (>= SystemC time): the delay is annotated.
  uint8_t read(uint64_t offset, sc_time at) {
    uint8_t v = 0;
    access(tlm::TLM_READ_COMMAND, offset, &v, at);
    return v;
  }
  void write(uint64_t offset, uint8_t v, sc_time at) { access(tlm::TLM_WRITE_COMMAND, offset, &v, at); }

 private:
  void access(tlm::tlm_command cmd, uint64_t offset, uint8_t* data, sc_time at) {
    const sc_time now = sc_core::sc_time_stamp();
    ASSERT_GE(at, now) << "a test access cannot be in the past";
    sc_time delay = at - now;
    tlm::tlm_generic_payload p;
    p.set_command(cmd);
    p.set_address(offset);
    p.set_data_ptr(data);
    p.set_data_length(1);
    p.set_streaming_width(1);
    p.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    socket->b_transport(p, delay);
    ASSERT_EQ(p.get_response_status(), tlm::TLM_OK_RESPONSE) << "offset " << offset;
  }
};

// Every change of a signal, with its time.
class EdgeLog : public sc_core::sc_module {
 public:
  struct Edge {
    sc_time at;
    bool level;
  };
  std::vector<Edge> edges;

  EdgeLog(const sc_core::sc_module_name& nm, IrqLine& line) : sc_module(nm) {
    sc_core::sc_spawn_options opts;
    opts.spawn_method();
    opts.dont_initialize();
    opts.set_sensitivity(&line.value_changed_event());
    sc_core::sc_spawn([this, &line] { edges.push_back({sc_core::sc_time_stamp(), line.read()}); }, "log", &opts);
  }
  // Times of the changes to `level`.
  std::vector<sc_time> to(bool level) const {
    std::vector<sc_time> v;
    for (const Edge& e : edges)
      if (e.level == level) v.push_back(e.at);
    return v;
  }
  std::vector<sc_time> rising() const { return to(true); }
  std::vector<sc_time> falling() const { return to(false); }
};

void settle() {
  // Let signal writes made from the test body take effect at the current time.
  while (sc_core::sc_pending_activity_at_current_time()) sc_core::sc_start(SC_ZERO_TIME);
}

void run_to(sc_time t) {
  ASSERT_GE(t, sc_core::sc_time_stamp());
  sc_core::sc_start(t - sc_core::sc_time_stamp());
  settle();
}

// The device under test with a CPU-side initiator, GATE and OUT signals.
// Dut: anything with a `regs` target socket, gate0..2 inputs, out0..2 outputs.
template <typename Dut>
struct PitBench {
  Dut pit{"pit0"};
  Initiator cpu{"cpu"};
  IrqLine gate0, gate1, gate2;
  IrqLine out0{"out0"}, out1{"out1"}, out2{"out2"};
  EdgeLog log0{"log0", out0}, log1{"log1", out1}, log2{"log2", out2};

  explicit PitBench(bool g0 = true, bool g1 = true, bool g2 = true)
      : gate0("gate0", g0), gate1("gate1", g1), gate2("gate2", g2) {
    cpu.socket.bind(pit.regs);
    pit.gate0.bind(gate0);
    pit.gate1.bind(gate1);
    pit.gate2.bind(gate2);
    pit.out0.bind(out0);
    pit.out1.bind(out1);
    pit.out2.bind(out2);
    sc_core::sc_start(SC_ZERO_TIME);  // finish elaboration, initialize
  }

  void write(uint64_t port, uint8_t v, sc_time at) { cpu.write(port, v, at); }
  uint8_t read(uint64_t port, sc_time at) { return cpu.read(port, at); }
  // Control word and a 16-bit count (LSB then MSB) at time `at`.
  void program(unsigned counter, unsigned mode, uint32_t count, sc_time at, bool bcd = false) {
    write(CONTROL_WORD, control(counter, LSB_MSB, mode, bcd), at);
    write(counter, static_cast<uint8_t>(count), at);
    write(counter, static_cast<uint8_t>(count >> 8), at);
  }
  // Counter latch command and a two-byte read (counter programmed LSB_MSB).
  uint16_t latched_count(unsigned counter, sc_time at) {
    write(CONTROL_WORD, control(counter, LATCH, 0), at);
    const uint8_t lsb = read(counter, at);
    return static_cast<uint16_t>(lsb | (read(counter, at) << 8));
  }
  uint8_t status(unsigned counter, sc_time at) {
    write(CONTROL_WORD, read_back(false, true, 1u << counter), at);
    return read(counter, at);
  }
  // Changes a GATE input at SystemC time t (the testbench is not decoupled).
  void set_gate(unsigned counter, bool level, sc_time t) {
    run_to(t);
    (counter == 0 ? gate0 : counter == 1 ? gate1 : gate2).write(level);
    settle();
  }
};

// The suite runs against every implementation of the 8254 (typed tests):
// the TLM model and, when rtl/ is built, the Verilated RTL behind its
// wrapper. pit_test holds the TLM instances, pit_rtl_test (the same source
// with MINIPC_PIT_TEST_RTL_ONLY) the RTL ones.
#if defined(MINIPC_PIT_TEST_RTL_ONLY)
using PitImplementations = ::testing::Types<Pit8254Rtl>;
#elif defined(MINIPC_HAVE_RTL_PIT)
using PitImplementations = ::testing::Types<Pit8254, Pit8254Rtl>;
#else
using PitImplementations = ::testing::Types<Pit8254>;
#endif

template <typename Dut>
class Pit : public ::testing::Test {
 public:
  using Bench = PitBench<Dut>;
};
TYPED_TEST_SUITE(Pit, PitImplementations);

}  // namespace

// ---- mode 0: interrupt on terminal count -------------------------------------------

TYPED_TEST(Pit, Mode0OutGoesHighAtTerminalCount) {
  typename TestFixture::Bench b;
  const uint32_t n = 100;
  b.program(0, 0, n, SC_ZERO_TIME);
  run_to(clk(n + 10));
  // Loaded at the first CLK pulse, which does not decrement: N+1 pulses.
  ASSERT_EQ(b.log0.rising().size(), 1u);
  EXPECT_EQ(b.log0.rising()[0], clk(n + 1));
  EXPECT_EQ(b.log0.rising()[0], sc_time((n + 1) / kInputHz, SC_SEC));

  // A mode 0 control word sets OUT low at once; a count written between edges
  // K and K+1 raises OUT at edge K+1+N. OUT then stays high while the counter wraps.
  const sc_time t0 = after(1000);
  b.program(0, 0, n, t0);
  run_to(clk(1000 + 1 + n + 70000));
  ASSERT_EQ(b.log0.edges.size(), 3u);
  EXPECT_EQ(b.log0.edges[1].at, t0);
  EXPECT_FALSE(b.log0.edges[1].level);
  EXPECT_EQ(b.log0.edges[2].at, clk(1000 + 1 + n));
  EXPECT_TRUE(b.log0.edges[2].level);
}

TYPED_TEST(Pit, Mode0GateLowPausesCounting) {
  typename TestFixture::Bench b;
  b.program(0, 0, 100, SC_ZERO_TIME);  // loaded at edge 1, 99 decrements by edge 100
  b.set_gate(0, false, after(50));     // edges 2..50 counted: 51 left
  EXPECT_EQ(b.latched_count(0, after(60)), 51u);
  EXPECT_EQ(b.latched_count(0, after(79)), 51u);
  b.set_gate(0, true, after(80));  // counting resumes at edge 81
  run_to(clk(200));
  ASSERT_EQ(b.log0.rising().size(), 1u);
  EXPECT_EQ(b.log0.rising()[0], clk(80 + 51));  // 30 edges later than without the pause
  EXPECT_TRUE(b.log0.falling().empty());        // GATE does not touch OUT in mode 0
}

TYPED_TEST(Pit, Mode0NewCountRestartsAndFirstByteStopsCounting) {
  typename TestFixture::Bench b;
  b.program(0, 0, 1000, SC_ZERO_TIME);
  // First byte of a new two-byte count: counting stops (CE stays put).
  b.write(COUNTER0, 50, after(100));
  EXPECT_EQ(b.latched_count(0, after(100)), 1000u - 99);
  EXPECT_EQ(b.latched_count(0, after(300)), 1000u - 99);
  // Second byte: loaded at the next pulse, OUT high 50 pulses later.
  b.write(COUNTER0, 0, after(300));
  run_to(clk(2000));
  ASSERT_EQ(b.log0.rising().size(), 1u);
  EXPECT_EQ(b.log0.rising()[0], clk(301 + 50));
}

// ---- mode 1: hardware retriggerable one-shot -----------------------------------------

TYPED_TEST(Pit, Mode1RetriggeredByGateEdge) {
  typename TestFixture::Bench b(true, false, true);  // gate1 low
  b.program(1, 1, 100, SC_ZERO_TIME);
  EXPECT_EQ(b.status(1, SC_ZERO_TIME) & 0xC0, 0xC0);  // OUT high, NULL COUNT until triggered
  b.set_gate(1, true, after(10));                      // trigger: load and OUT low at edge 11
  EXPECT_EQ(b.status(1, after(12)) & 0xC0, 0x00);
  b.set_gate(1, false, after(40));  // GATE level does not stop counting
  EXPECT_EQ(b.latched_count(1, after(50)), 100u - 39);
  b.set_gate(1, true, after(60));  // retrigger: reload at edge 61
  run_to(clk(400));
  ASSERT_EQ(b.log1.falling().size(), 1u);
  EXPECT_EQ(b.log1.falling()[0], clk(11));
  ASSERT_EQ(b.log1.rising().size(), 2u);  // high on the control word, then at the end
  EXPECT_EQ(b.log1.rising()[1], clk(61 + 100));
  // A new trigger gives a new pulse of N clocks.
  b.set_gate(1, false, after(500));
  b.set_gate(1, true, after(600));
  run_to(clk(1000));
  ASSERT_EQ(b.log1.edges.size(), 5u);
  EXPECT_EQ(b.log1.edges[3].at, clk(601));
  EXPECT_EQ(b.log1.edges[4].at, clk(701));
}

TYPED_TEST(Pit, Mode1NewCountWaitsForNextTrigger) {
  typename TestFixture::Bench b(true, false, true);
  b.program(1, 1, 100, SC_ZERO_TIME);
  b.set_gate(1, true, after(10));  // one-shot from edge 11
  b.write(COUNTER1, 20, after(20));  // a new count during the one-shot does not shorten it
  b.write(COUNTER1, 0, after(20));
  run_to(clk(150));
  b.set_gate(1, false, after(150));
  b.set_gate(1, true, after(200));  // the new count is used from this trigger on
  run_to(clk(300));
  const auto falling = b.log1.falling();
  const auto rising = b.log1.rising();
  ASSERT_EQ(falling.size(), 2u);
  ASSERT_EQ(rising.size(), 3u);  // control word, end of each one-shot
  EXPECT_EQ(falling[0], clk(11));
  EXPECT_EQ(rising[1], clk(11 + 100));
  EXPECT_EQ(falling[1], clk(201));
  EXPECT_EQ(rising[2], clk(201 + 20));
}

// ---- mode 2: rate generator ------------------------------------------------------------

TYPED_TEST(Pit, Mode2RateGeneratorPulsesEveryNClocks) {
  typename TestFixture::Bench b;
  const uint32_t n = 11932;  // the classic 100 Hz tick
  b.program(0, 2, n, SC_ZERO_TIME);
  run_to(sc_time(100.5, SC_MS));
  const auto falling = b.log0.falling();
  const auto rising = b.log0.rising();
  ASSERT_EQ(falling.size(), 10u);
  // OUT high at the control word, low for one clock when the count is 1.
  for (unsigned i = 0; i < falling.size(); ++i) {
    EXPECT_EQ(falling[i], clk(n * (i + 1))) << i;
    EXPECT_EQ(rising[i + 1], clk(n * (i + 1) + 1)) << i;
  }
  // IRQ0 (rising edges of OUT0) every N / 1.193182 MHz = 10.00015 ms.
  const double period = (rising[5] - rising[4]).to_seconds();
  EXPECT_NEAR(period, n / kInputHz, 1e-12);
  EXPECT_NEAR(period * 1e3, 10.00015, 1e-5);
  EXPECT_EQ(stat("pit0.counter0.reloads"), 1 + 10);
  EXPECT_EQ(stat("pit0.counter0.mode"), 2);
}

TYPED_TEST(Pit, Mode2NewCountTakesEffectAtEndOfPeriod) {
  typename TestFixture::Bench b;
  b.program(0, 2, 1000, SC_ZERO_TIME);
  b.program(0, 2, 1000, SC_ZERO_TIME);
  b.write(COUNTER0, 0xF4, after(1500));  // 500, LSB then MSB, during the 2nd period
  b.write(COUNTER0, 0x01, after(1500));
  run_to(clk(3000));
  const auto falling = b.log0.falling();
  ASSERT_GE(falling.size(), 3u);
  EXPECT_EQ(falling[0], clk(1000));
  EXPECT_EQ(falling[1], clk(2000));       // the current period is not affected
  EXPECT_EQ(falling[2], clk(2000 + 500));  // the reload at edge 2001 takes 500
}

TYPED_TEST(Pit, Mode2GateLowForcesOutHighAndRisingEdgeReloads) {
  typename TestFixture::Bench b;
  b.program(0, 2, 100, SC_ZERO_TIME);
  b.set_gate(0, false, after(100));  // during the low pulse (edge 100): OUT high at once
  b.set_gate(0, true, after(250));   // reload at edge 251; low again 100 clocks after the trigger
  run_to(clk(500));
  const auto e = b.log0.edges;
  ASSERT_GE(e.size(), 5u);
  EXPECT_EQ(e[1].at, clk(100));
  EXPECT_FALSE(e[1].level);
  EXPECT_EQ(e[2].at, after(100));
  EXPECT_TRUE(e[2].level);
  EXPECT_EQ(e[3].at, clk(250 + 100));
  EXPECT_FALSE(e[3].level);
  EXPECT_EQ(e[4].at, clk(251 + 100));
}

// ---- mode 3: square wave ----------------------------------------------------------------

TYPED_TEST(Pit, Mode3SquareWaveEvenCount) {
  typename TestFixture::Bench b;
  const uint32_t n = 1000;
  b.program(0, 3, n, SC_ZERO_TIME);
  EXPECT_EQ(b.latched_count(0, after(1)), n);
  EXPECT_EQ(b.latched_count(0, after(2)), n - 2);  // decremented by two
  run_to(clk(4 * n + 10));
  const auto falling = b.log0.falling();
  const auto rising = b.log0.rising();
  ASSERT_EQ(falling.size(), 4u);
  for (unsigned i = 0; i < 4; ++i) {
    EXPECT_EQ(falling[i], clk(1 + n / 2 + i * n)) << i;  // high N/2
    EXPECT_EQ(rising[i + 1], clk(1 + n + i * n)) << i;   // low N/2
  }
}

TYPED_TEST(Pit, Mode3SquareWaveOddCount) {
  typename TestFixture::Bench b;
  const uint32_t n = 7;
  b.program(0, 3, n, SC_ZERO_TIME);
  EXPECT_EQ(b.latched_count(0, after(1)), n - 1);  // N-1 loaded, then -2 per clock
  EXPECT_EQ(b.latched_count(0, after(2)), n - 3);
  run_to(clk(40));
  const auto falling = b.log0.falling();
  const auto rising = b.log0.rising();
  ASSERT_GE(falling.size(), 4u);
  for (unsigned i = 0; i < 4; ++i) {
    EXPECT_EQ(falling[i], clk(1 + 4 + i * n)) << i;    // high (N+1)/2 = 4
    EXPECT_EQ(rising[i + 1], clk(1 + n + i * n)) << i;  // low (N-1)/2 = 3
  }
}

TYPED_TEST(Pit, Mode3GateLowStopsWaveWithOutHigh) {
  typename TestFixture::Bench b;
  b.program(0, 3, 100, SC_ZERO_TIME);  // low at edge 51
  b.set_gate(0, false, after(60));     // OUT high at once, counting stops
  run_to(clk(500));
  b.set_gate(0, true, after(500));  // reloads at edge 501: a fresh high half
  run_to(clk(700));
  const auto e = b.log0.edges;
  ASSERT_GE(e.size(), 4u);
  EXPECT_EQ(e[1].at, clk(51));
  EXPECT_EQ(e[2].at, after(60));
  EXPECT_TRUE(e[2].level);
  EXPECT_EQ(e[3].at, clk(501 + 50));
}

// ---- modes 4 and 5: strobes ---------------------------------------------------------------

TYPED_TEST(Pit, Mode4StrobeAfterCount) {
  typename TestFixture::Bench b;
  const uint32_t n = 50;
  b.program(0, 4, n, SC_ZERO_TIME);
  run_to(clk(n + 70000));  // past a wrap: only one strobe per count written
  ASSERT_EQ(b.log0.falling().size(), 1u);
  EXPECT_EQ(b.log0.falling()[0], clk(n + 1));  // N+1 clocks after the write
  ASSERT_EQ(b.log0.rising().size(), 2u);
  EXPECT_EQ(b.log0.rising()[0], SC_ZERO_TIME);  // control word: OUT high
  EXPECT_EQ(b.log0.rising()[1], clk(n + 2));    // one clock low
}

TYPED_TEST(Pit, Mode4NewCountLoadsAtNextClock) {
  typename TestFixture::Bench b;
  b.program(0, 4, 100, SC_ZERO_TIME);
  b.write(COUNTER0, 20, after(30));  // first byte: no effect on counting in mode 4
  EXPECT_EQ(b.latched_count(0, after(40)), 100u - 39);
  b.write(COUNTER0, 0, after(50));  // second byte: 20 loaded at edge 51
  run_to(clk(200));
  ASSERT_EQ(b.log0.falling().size(), 1u);
  EXPECT_EQ(b.log0.falling()[0], clk(51 + 20));
}

TYPED_TEST(Pit, Mode5StrobeOnGateEdge) {
  typename TestFixture::Bench b(true, false, true);
  const uint32_t n = 20;
  b.program(1, 5, n, SC_ZERO_TIME);
  run_to(clk(100));
  EXPECT_TRUE(b.log1.falling().empty());  // nothing without a trigger
  b.set_gate(1, true, after(100));        // loaded at edge 101
  b.set_gate(1, false, after(105));       // level has no effect
  b.set_gate(1, true, after(110));        // retrigger before the count expires: reload at 111
  run_to(clk(300));
  ASSERT_EQ(b.log1.falling().size(), 1u);
  EXPECT_EQ(b.log1.falling()[0], clk(111 + n));
  EXPECT_EQ(b.log1.rising().back(), clk(111 + n + 1));
}

// ---- counting formats -------------------------------------------------------------------

TYPED_TEST(Pit, BcdCountingWraps) {
  typename TestFixture::Bench b;
  b.program(0, 0, 0x0005, SC_ZERO_TIME, /*bcd=*/true);  // 5 in BCD
  EXPECT_EQ(b.latched_count(0, after(1)), 0x0005u);
  EXPECT_EQ(b.latched_count(0, after(5)), 0x0001u);
  EXPECT_EQ(b.latched_count(0, after(6)), 0x0000u);
  EXPECT_EQ(b.latched_count(0, after(7)), 0x9999u);  // wraps to 9999, not FFFF
  EXPECT_EQ(b.latched_count(0, after(8)), 0x9998u);
  EXPECT_EQ(b.latched_count(0, after(6 + 10)), 0x9990u);
  run_to(clk(20));
  ASSERT_EQ(b.log0.rising().size(), 1u);
  EXPECT_EQ(b.log0.rising()[0], clk(6));
  // 1234 BCD counts 1234 clocks.
  b.program(0, 0, 0x1234, after(20), true);
  EXPECT_EQ(b.latched_count(0, after(21 + 34)), 0x1200u);
  run_to(clk(21 + 1234 + 5));
  EXPECT_EQ(b.log0.rising().back(), clk(21 + 1234));
}

TYPED_TEST(Pit, CountZeroMeans65536) {
  typename TestFixture::Bench b;
  b.program(0, 0, 0, SC_ZERO_TIME);        // binary: 2^16
  b.program(1, 0, 0, SC_ZERO_TIME, true);  // BCD: 10^4
  EXPECT_EQ(b.latched_count(0, after(2)), 0xFFFFu);
  EXPECT_EQ(b.latched_count(1, after(2)), 0x9999u);
  run_to(clk(70000));
  ASSERT_EQ(b.log0.rising().size(), 1u);
  EXPECT_EQ(b.log0.rising()[0], clk(65536 + 1));
  ASSERT_EQ(b.log1.rising().size(), 1u);
  EXPECT_EQ(b.log1.rising()[0], clk(10000 + 1));
}

// ---- access: flip-flops, latches, read-back ----------------------------------------------

TYPED_TEST(Pit, LsbThenMsbAccessUsesFlipFlop) {
  typename TestFixture::Bench b;
  b.write(CONTROL_WORD, control(2, LSB_MSB, 0), SC_ZERO_TIME);
  b.write(COUNTER2, 0x34, SC_ZERO_TIME);
  b.write(COUNTER2, 0x12, SC_ZERO_TIME);
  b.write(CONTROL_WORD, control(2, LATCH, 0), after(1));
  EXPECT_EQ(b.read(COUNTER2, after(1)), 0x34);
  EXPECT_EQ(b.read(COUNTER2, after(1)), 0x12);
  // Reads and writes have their own flip-flops and may interleave:
  // read LSB, write LSB, read MSB, write MSB.
  b.write(CONTROL_WORD, control(2, LATCH, 0), after(11));  // 0x1234 - 10 = 0x122A
  EXPECT_EQ(b.read(COUNTER2, after(11)), 0x2A);
  b.write(COUNTER2, 0x78, after(11));
  EXPECT_EQ(b.read(COUNTER2, after(11)), 0x12);
  b.write(COUNTER2, 0x56, after(11));
  EXPECT_EQ(b.latched_count(2, after(12)), 0x5678u);
  // LSB only / MSB only: one byte each, the other byte is 0.
  b.write(CONTROL_WORD, control(2, MSB, 0), after(20));
  b.write(COUNTER2, 0x12, after(20));
  b.write(CONTROL_WORD, control(2, LATCH, 0), after(21));
  EXPECT_EQ(b.read(COUNTER2, after(21)), 0x12);  // MSB of 0x1200
  EXPECT_EQ(b.read(COUNTER2, after(22)), 0x11);  // live MSB of 0x11FF (unlatched)
  b.write(CONTROL_WORD, control(2, LSB, 0), after(30));
  b.write(COUNTER2, 0x40, after(30));
  EXPECT_EQ(b.read(COUNTER2, after(32)), 0x3F);
  EXPECT_EQ(b.read(COUNTER2, after(33)), 0x3E);
}

TYPED_TEST(Pit, CounterLatchFreezesReadValue) {
  typename TestFixture::Bench b;
  b.program(0, 2, 1000, SC_ZERO_TIME);
  b.write(CONTROL_WORD, control(0, LATCH, 0), after(101));  // CE = 900
  b.write(CONTROL_WORD, control(0, LATCH, 0), after(150));  // ignored until read
  EXPECT_EQ(b.read(COUNTER0, after(300)), 900 & 0xFF);
  EXPECT_EQ(b.read(COUNTER0, after(300)), 900 >> 8);
  // Fully read: reads follow the counting element again.
  const uint8_t lsb = b.read(COUNTER0, after(300));
  const uint8_t msb = b.read(COUNTER0, after(300));
  EXPECT_EQ(lsb | (msb << 8), 701);
}

TYPED_TEST(Pit, ReadBackStatusReportsModeAndOut) {
  typename TestFixture::Bench b;
  b.write(CONTROL_WORD, control(0, LSB_MSB, 3), SC_ZERO_TIME);
  // OUT=1, NULL COUNT=1, RW=11, M=011, BCD=0.
  EXPECT_EQ(b.status(0, SC_ZERO_TIME), 0xF6);
  b.write(COUNTER0, 100, SC_ZERO_TIME);
  b.write(COUNTER0, 0, SC_ZERO_TIME);
  EXPECT_EQ(b.status(0, after(1)), 0xB6);   // loaded: NULL COUNT = 0
  EXPECT_EQ(b.status(0, after(60)), 0x36);  // the low half: OUT = 0
  b.write(CONTROL_WORD, control(1, LSB, 0, true), after(60));
  EXPECT_EQ(b.status(1, after(60)), 0x40 | 0x10 | 0x01);  // mode 0 OUT low, LSB, BCD
  // A second status latch before the read is ignored; the status comes before the count.
  b.write(CONTROL_WORD, read_back(true, true, 1), after(70));
  b.write(CONTROL_WORD, read_back(false, true, 1), after(80));
  EXPECT_EQ(b.read(COUNTER0, after(90)), 0x36);
  EXPECT_EQ(b.read(COUNTER0, after(90)), 100 - 2 * 19);  // count latched at edge 70 (second half)
  EXPECT_EQ(b.read(COUNTER0, after(90)), 0);
}

TYPED_TEST(Pit, ReadBackLatchesSeveralCounters) {
  typename TestFixture::Bench b;
  b.program(0, 2, 1000, SC_ZERO_TIME);
  b.program(1, 2, 2000, SC_ZERO_TIME);
  b.program(2, 2, 3000, SC_ZERO_TIME);
  b.write(CONTROL_WORD, read_back(true, true, 0b101), after(11));  // counters 0 and 2
  // Counter 1 was not latched: it shows the live count.
  EXPECT_EQ(b.latched_count(1, after(21)), 2000u - 20);
  auto read16 = [&](uint64_t port, sc_time at) {
    const uint8_t lsb = b.read(port, at);
    return lsb | (b.read(port, at) << 8);
  };
  EXPECT_EQ(b.read(COUNTER0, after(50)), 0xB4);  // status first: OUT, RW=11, mode 2
  EXPECT_EQ(read16(COUNTER0, after(50)), 1000 - 10);
  EXPECT_EQ(b.read(COUNTER2, after(60)), 0xB4);
  EXPECT_EQ(read16(COUNTER2, after(60)), 3000 - 10);
}

TYPED_TEST(Pit, NullCountUntilLoaded) {
  typename TestFixture::Bench b;
  b.write(CONTROL_WORD, control(0, LSB_MSB, 0), SC_ZERO_TIME);
  EXPECT_TRUE(b.status(0, SC_ZERO_TIME) & 0x40);
  b.write(COUNTER0, 0x10, after(5));
  EXPECT_TRUE(b.status(0, after(5)) & 0x40);
  b.write(COUNTER0, 0x00, after(5));  // the count is in CR...
  EXPECT_TRUE(b.status(0, after(5)) & 0x40);
  EXPECT_TRUE(b.status(0, clk(6) - sc_time(1, SC_NS)) & 0x40);
  EXPECT_FALSE(b.status(0, clk(6)) & 0x40);  // ... and in CE at the next pulse
  // Modes 1 and 5 load on a trigger only.
  b.gate1.write(false);
  settle();
  b.program(1, 5, 10, after(20));
  EXPECT_TRUE(b.status(1, after(30)) & 0x40);
  b.set_gate(1, true, after(30));
  EXPECT_FALSE(b.status(1, after(31)) & 0x40);
}

TYPED_TEST(Pit, ReadingCountMidwayReflectsTime) {
  typename TestFixture::Bench b;
  b.program(0, 0, 0xFFFF, SC_ZERO_TIME);
  // The CPU runs ahead of SystemC time: every access is evaluated at its own
  // local time, edge by edge (counter latch, then LSB, MSB).
  EXPECT_EQ(b.latched_count(0, clk(1)), 0xFFFFu);  // loaded by edge 1
  EXPECT_EQ(b.latched_count(0, clk(2) - sc_time(1, SC_NS)), 0xFFFFu);
  EXPECT_EQ(b.latched_count(0, clk(2)), 0xFFFEu);
  EXPECT_EQ(b.latched_count(0, after(1001)), 0xFFFFu - 1000);
  EXPECT_EQ(sc_core::sc_time_stamp(), SC_ZERO_TIME);
  // And after SystemC time has moved on.
  run_to(sc_time(10, SC_MS));
  const uint64_t edges = static_cast<uint64_t>(std::floor(10e-3 * kInputHz));
  EXPECT_EQ(b.latched_count(0, sc_time(10, SC_MS)), 0xFFFF - (edges - 1));
}

TYPED_TEST(Pit, ControlWordSetsInitialOutLevel) {
  typename TestFixture::Bench b;
  b.program(0, 2, 100, SC_ZERO_TIME);                        // high
  b.write(CONTROL_WORD, control(0, LSB_MSB, 0), after(10));  // mode 0: low at once
  b.write(CONTROL_WORD, control(0, LSB_MSB, 1), after(20));  // other modes: high at once
  run_to(clk(300));                                          // no count written: nothing more
  const auto e = b.log0.edges;
  ASSERT_EQ(e.size(), 3u);
  EXPECT_EQ(e[0].at, SC_ZERO_TIME);
  EXPECT_EQ(e[1].at, after(10));
  EXPECT_FALSE(e[1].level);
  EXPECT_EQ(e[2].at, after(20));
  EXPECT_TRUE(e[2].level);
}

TYPED_TEST(Pit, IllegalCountsAndSequencesWarn) {
  typename TestFixture::Bench b;
  sc_core::sc_report_handler::set_actions(sc_core::SC_WARNING, sc_core::SC_DO_NOTHING);
  const int before = sc_core::sc_report_handler::get_count("pit0");
  b.program(0, 2, 1, SC_ZERO_TIME);
  EXPECT_EQ(sc_core::sc_report_handler::get_count("pit0"), before + 1);
  run_to(clk(1000));
  EXPECT_EQ(b.log0.edges.size(), 1u);  // high from the control word, and stays so
  // Reading the control word register is a no-operation on the 8254.
  EXPECT_EQ(b.read(CONTROL_WORD, clk(1000)), 0);
  EXPECT_EQ(sc_core::sc_report_handler::get_count("pit0"), before + 2);
  // A control word in the middle of a two-byte count: warned, the count is dropped.
  b.write(CONTROL_WORD, control(0, LSB_MSB, 0), clk(1000));
  b.write(COUNTER0, 0x10, clk(1000));
  b.write(CONTROL_WORD, control(0, LSB_MSB, 4), clk(1000));
  EXPECT_EQ(sc_core::sc_report_handler::get_count("pit0"), before + 3);
  EXPECT_EQ(b.status(0, after(1010)), 0x80 | 0x40 | 0x30 | 0x08);  // mode 4, no count
}

TYPED_TEST(Pit, OneEventPerEdgeNotPerClock) {
  typename TestFixture::Bench b;
  b.program(0, 2, 1193, SC_ZERO_TIME);  // ~1 kHz
  const sc_dt::uint64 deltas_before = sc_core::sc_delta_count();
  run_to(sc_time(1, SC_SEC));
  const size_t edges = b.log0.edges.size();
  EXPECT_NEAR(static_cast<double>(edges), 2 * 1000.15 + 1, 2);  // one low clock per period
  // Wake-ups of the model and delta cycles in the whole run scale with the
  // OUT edges, not with the 1.19 million input clocks.
  EXPECT_LE(stat("pit0.counter0.wakeups"), edges + 4);
  EXPECT_LT(sc_core::sc_delta_count() - deltas_before, 4 * edges + 10);
  EXPECT_EQ(stat("pit0.counter0.out_edges"), static_cast<double>(edges));
}

// ---- port 0x61 ---------------------------------------------------------------------------

namespace {
// The PC's speaker path: port B's TIMER 2 GATE drives GATE2, OUT2 comes back in bit 5.
template <typename Dut>
struct SpeakerPath {
  Dut pit{"pit0"};
  SystemControlPortB port_b{"port_b"};
  Initiator cpu_pit{"cpu_pit"}, cpu_port_b{"cpu_port_b"};
  IrqLine gate2{"gate2"}, out0{"out0"}, out1{"out1"}, out2{"out2"};
  EdgeLog log2{"log2", out2};

  SpeakerPath() {
    cpu_pit.socket.bind(pit.regs);
    cpu_port_b.socket.bind(port_b.regs);
    pit.gate2.bind(gate2);  // gate0, gate1 left open: tied high
    port_b.gate2.bind(gate2);
    pit.out0.bind(out0);
    pit.out1.bind(out1);
    pit.out2.bind(out2);
    port_b.out2.bind(out2);
    sc_core::sc_start(SC_ZERO_TIME);
  }
};
}  // namespace

TYPED_TEST(Pit, Port61Gate2ControlsCounter2) {
  SpeakerPath<TypeParam> pc;
  EXPECT_EQ(pc.cpu_port_b.read(0, SC_ZERO_TIME) & 0x2F, 0x00);  // gate off, OUT2 low
  pc.cpu_pit.write(CONTROL_WORD, control(2, LSB_MSB, 0), SC_ZERO_TIME);
  pc.cpu_pit.write(COUNTER2, 1000 & 0xFF, SC_ZERO_TIME);
  pc.cpu_pit.write(COUNTER2, 1000 >> 8, SC_ZERO_TIME);
  run_to(clk(2000));
  EXPECT_TRUE(pc.log2.edges.empty());  // GATE2 low: loaded but not counting
  // Enable the gate from a CPU running ahead of SystemC time; bits 4-7 are read-only.
  pc.cpu_port_b.write(0, 0xF1, after(2000));
  EXPECT_EQ(pc.cpu_port_b.read(0, after(2000)) & 0x0F, 0x01);
  run_to(clk(2000 + 1000 + 5));
  ASSERT_EQ(pc.log2.rising().size(), 1u);
  EXPECT_EQ(pc.log2.rising()[0], clk(2000 + 1000));  // 999 decrements from edge 2001
  EXPECT_EQ(pc.cpu_port_b.read(0, sc_core::sc_time_stamp()) & 0x20, 0x20);  // OUT2 in bit 5
  // Speaker tone: mode 3 with the gate on; gate off stops it with OUT2 high.
  pc.cpu_pit.write(CONTROL_WORD, control(2, LSB_MSB, 3), sc_core::sc_time_stamp());
  pc.cpu_pit.write(COUNTER2, 100, sc_core::sc_time_stamp());
  pc.cpu_pit.write(COUNTER2, 0, sc_core::sc_time_stamp());
  pc.cpu_port_b.write(0, 0x03, sc_core::sc_time_stamp());  // gate + speaker data
  run_to(sc_core::sc_time_stamp() + sc_time(1, SC_MS));
  const size_t toggles = pc.log2.edges.size();
  EXPECT_GT(toggles, 20u);
  pc.cpu_port_b.write(0, 0x02, sc_core::sc_time_stamp());
  run_to(sc_core::sc_time_stamp() + sc_time(1, SC_MS));
  EXPECT_LE(pc.log2.edges.size(), toggles + 1);
  EXPECT_TRUE(pc.out2.read());
  EXPECT_TRUE(pc.port_b.speaker_data());
}

TYPED_TEST(Pit, RefreshToggleBit4) {
  SpeakerPath<TypeParam> pc;
  const double period_us = 15.085;
  auto bit4 = [&](double us) { return pc.cpu_port_b.read(0, sc_time(us, SC_US)) & 0x10; };
  EXPECT_EQ(bit4(0), 0);
  EXPECT_EQ(bit4(period_us - 0.01), 0);
  EXPECT_EQ(bit4(period_us + 0.01), 0x10);
  EXPECT_EQ(bit4(2 * period_us - 0.01), 0x10);
  EXPECT_EQ(bit4(2 * period_us + 0.01), 0);
  EXPECT_EQ(bit4(1001 * period_us + 1), 0x10);
  // Bits 6 and 7 (IOCHK, parity) read 0.
  EXPECT_EQ(pc.cpu_port_b.read(0, sc_time(5, SC_US)) & 0xC0, 0);
}
