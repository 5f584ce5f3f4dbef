// User RTL blocks in whole runs (docs/rtl-blocks.md): the example timer as an
// rtl_apb block, its waveform (--trace-rtl) on the platform's time base, and
// the config errors of an rtl_apb block (exit 64, naming the key).
#include <gtest/gtest.h>

#include <filesystem>
#include <sstream>
#include <string>

#include "minipc_process.h"

namespace fs = std::filesystem;
using minipc_test::has;
using minipc_test::minipc;
using minipc_test::RunResult;
using minipc_test::scratch;
using minipc_test::slurp;

namespace {

const std::string kRun = std::string("run --firmware ") + APB_TIMER_FW + " --config " + APB_TIMER_CONFIG;

// The time (VCD units) of the first 0->1 change of the first variable named
// `var` in a VCD; -1 when it never rises.
long long first_rise(const std::string& vcd, const std::string& var) {
  std::istringstream in(vcd);
  std::string line, id;
  long long t = 0;
  while (std::getline(in, line)) {
    if (id.empty()) {
      std::istringstream w(line);
      std::string kw, type, width, code, name;
      if (w >> kw >> type >> width >> code >> name && kw == "$var" && width == "1" && name == var) id = code;
      continue;
    }
    if (!line.empty() && line[0] == '#') t = std::stoll(line.substr(1));
    else if (line == "1" + id && t > 0) return t;
  }
  return -1;
}

}  // namespace

TEST(RtlApb, TimerScenarioPassesAndReportsBridgeStats) {
  const fs::path d = scratch();
  const RunResult r = minipc(kRun + " --no-vcd --stats s.json", d);
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(has(r.out, "apb_timer: PASS")) << r.out;
  EXPECT_TRUE(has(r.err, "timer0: PSLVERR from module apb_timer: 4-byte read at offset 0x40, memory address "
                         "0xfed10040 answered as an unmapped access"))
      << r.err;
  const std::string stats = slurp(d / "s.json");
  for (const char* k : {"\"apb_transfers\"", "\"apb_wait_states\"", "\"apb_slave_errors\"", "\"rtl_cycles\""})
    EXPECT_TRUE(has(stats, k)) << k;
}

TEST(RtlApb, TraceRtlWritesTheBlocksVcdAlignedWithThePlatformVcd) {
  const fs::path d = scratch();
  const RunResult r = minipc(kRun + " --vcd wave.vcd --trace-rtl t.vcd --time 20ms", d);
  ASSERT_TRUE(fs::exists(d / "t.timer0.vcd")) << r.err;
  const std::string rtl = slurp(d / "t.timer0.vcd");
  const std::string wave = slurp(d / "wave.vcd");
  for (const char* s : {"psel_i", "penable_i", "pready_o", "pslverr_o", "prdata_o", "count_q", "expired_q"})
    EXPECT_TRUE(has(rtl, s)) << s;
  // The timer's first interrupt: irq_o in the block's VCD, irq5 in the
  // platform's, at the same time stamp (both in the SystemC resolution).
  EXPECT_TRUE(has(rtl, "$timescale 1ps $end")) << rtl.substr(0, 200);
  const long long a = first_rise(rtl, "irq_o"), b = first_rise(wave, "irq5");
  EXPECT_GT(a, 0);
  EXPECT_EQ(a, b);
}

TEST(RtlApb, UnknownModuleIs64NamingTheKeyAndTheModules) {
  const RunResult r = minipc(kRun + " --no-vcd --set timer0.module=nope", scratch());
  EXPECT_EQ(r.status, 64) << r.err;
  EXPECT_TRUE(has(r.err, "timer0.module: 'nope' is not an RTL block of this build (apb_crc32, apb_timer)")) << r.err;
}

TEST(RtlApb, BlockWithoutABaseIs64) {
  const RunResult r = minipc(kRun + " --no-vcd --set timer0.mmio_base=0", scratch());
  EXPECT_EQ(r.status, 64) << r.err;
  EXPECT_TRUE(has(r.err, "timer0: an rtl_apb block needs mmio_base and/or io_base")) << r.err;
}

TEST(RtlApb, ModuleWithIrqOutputNeedsAnIrqLine) {
  const RunResult r = minipc(kRun + " --no-vcd --set timer1.type=rtl_apb --set timer1.module=apb_timer "
                                    "--set timer1.io_base=0x310 --set timer1.size=0x20",
                             scratch());
  EXPECT_EQ(r.status, 64) << r.err;
  EXPECT_TRUE(has(r.err, "timer1.irq: module apb_timer has an interrupt output (irq_o)")) << r.err;
}

TEST(RtlApb, BadWindowSizeAndClockAre64) {
  RunResult r = minipc(kRun + " --no-vcd --set timer0.size=6", scratch());
  EXPECT_EQ(r.status, 64) << r.err;
  EXPECT_TRUE(has(r.err, "timer0.size: 6 is not a window size")) << r.err;
  r = minipc(kRun + " --no-vcd --set timer0.clock_hz=0", scratch());
  EXPECT_EQ(r.status, 64) << r.err;
  EXPECT_TRUE(has(r.err, "timer0.clock_hz")) << r.err;
}

TEST(RtlApb, IoWindowOutsideTheIoSpaceIs64) {
  const RunResult r = minipc(kRun + " --no-vcd --set timer0.io_base=0xFFC0", scratch());
  EXPECT_EQ(r.status, 64) << r.err;
  EXPECT_TRUE(has(r.err, "timer0.io_base: 0xffc0 + size 0x100 is outside the 64 KiB I/O space")) << r.err;
}

TEST(RtlApb, SecondInstanceInTheIoSpaceWorks) {
  // Two instances of one module (each its own Verilated model): the second
  // in the I/O space on IRQ 6; the scenario drives the first only.
  const RunResult r = minipc(kRun + " --no-vcd --set timer1.type=rtl_apb --set timer1.module=apb_timer "
                                    "--set timer1.io_base=0x310 --set timer1.size=0x20 --set timer1.irq=6",
                             scratch());
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(has(r.out, "apb_timer: PASS")) << r.out;
}
