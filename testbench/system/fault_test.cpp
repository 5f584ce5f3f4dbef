// Fault injection as a user meets it (docs/faults.md): the faults: section
// and --fault, their errors, and what each platform-level kind does to the
// bus and the nets, seen in the stats and the VCD. The firmware's reactions
// are scenarios (firmware/apps/irq_faults, dma_faults, ...).
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "minipc_process.h"

namespace fs = std::filesystem;
using minipc_test::has;
using minipc_test::minipc;
using minipc_test::RunResult;
using minipc_test::scratch;
using minipc_test::slurp;

namespace {

// Value changes of one scalar or vector VCD signal (by its reference name):
// (time in the file's unit, value).
std::vector<std::pair<uint64_t, uint64_t>> vcd_changes(const std::string& vcd, const std::string& signal) {
  std::istringstream in(vcd);
  std::string line, id;
  std::vector<std::pair<uint64_t, uint64_t>> out;
  uint64_t now = 0;
  while (std::getline(in, line)) {
    if (line.rfind("$var", 0) == 0) {
      std::istringstream v(line);
      std::string var, type, width, code, ref;
      v >> var >> type >> width >> code >> ref;
      if (ref == signal) id = code;
      continue;
    }
    if (id.empty() || line.empty()) continue;
    if (line[0] == '#') {
      now = std::stoull(line.substr(1));
    } else if ((line[0] == '0' || line[0] == '1') && line.substr(1) == id) {
      out.emplace_back(now, line[0] - '0');
    } else if (line[0] == 'b') {
      const size_t sp = line.find(' ');
      if (sp != std::string::npos && line.substr(sp + 1) == id)
        out.emplace_back(now, std::stoull(line.substr(1, sp - 1), nullptr, 2));
    }
  }
  return out;
}

nlohmann::json stats_of(const fs::path& p) { return nlohmann::json::parse(slurp(p)); }

const char* kTiming = "--time 60ms --firmware " IRQ_FAULTS " --config " IRQ_FAULTS_CONFIG;

}  // namespace

// ---- errors: a clear message naming the key, exit 64 -------------------------------

TEST(FaultConfig, MissingTargetOrKindIs64AndNamesTheKey) {
  RunResult r = minipc("--no-vcd --no-stats --fault 'x:kind=error'", scratch());
  EXPECT_EQ(r.status, 64) << r.err;
  EXPECT_TRUE(has(r.err, "faults.x.target: missing")) << r.err;
  r = minipc("--no-vcd --no-stats --fault 'x:target=bus'", scratch());
  EXPECT_EQ(r.status, 64) << r.err;
  EXPECT_TRUE(has(r.err, "faults.x.kind: missing")) << r.err;
}

TEST(FaultConfig, UnknownKindsNameWhatTheTargetOffers) {
  RunResult r = minipc("--no-vcd --no-stats --fault 'x:target=bus,kind=melt,range=0+4'", scratch());
  EXPECT_EQ(r.status, 64) << r.err;
  EXPECT_TRUE(has(r.err, "'melt' is not a bus fault (error, memory_error, wait)")) << r.err;
  r = minipc("--no-vcd --no-stats --fault 'x:target=pic,kind=melt'", scratch());
  EXPECT_EQ(r.status, 64) << r.err;
  EXPECT_TRUE(has(r.err, "pic offers no fault 'melt' (it offers: spurious)")) << r.err;
  r = minipc("--no-vcd --no-stats --fault 'x:target=uart0,kind=stuck_high'", scratch());
  EXPECT_EQ(r.status, 64) << r.err;
  EXPECT_TRUE(has(r.err, "'uart0' is a block; stuck_high is a fault of a net (uart0 drives irq4")) << r.err;
  r = minipc("--no-vcd --no-stats --fault 'x:target=nosuch,kind=spurious'", scratch());
  EXPECT_EQ(r.status, 64) << r.err;
  EXPECT_TRUE(has(r.err, "'nosuch' is not the bus, a net or a block of this platform")) << r.err;
}

TEST(FaultConfig, BadBusParametersAre64) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"range=0x1000", "is not a range (BASE+SIZE"},
      {"range=0x1000+0", "is empty or outside the 4 GiB memory space"},
      {"range=0xFFFFF000+0x2000", "is empty or outside the 4 GiB memory space"},
      {"range=0+4,master=dma9", "no bus master 'dma9' (masters: "},
      {"range=0+4,access=sideways", "'sideways' is not an access (read, write, any)"},
      {"range=0+4,probability=1.5", "faults.x.probability (--fault): must be in (0, 1]"},
      {"range=0+4,nth=0", "faults.x.nth (--fault): counts from 1"},
      {"range=0+4,nth=2,probability=0.5", "give one trigger, not both"},
      {"range=0+4,space=disk", "'disk' is not a space (memory, io)"},
  };
  for (const auto& [keys, message] : cases) {
    const RunResult r = minipc("--no-vcd --no-stats --fault 'x:target=bus,kind=error," + keys + "'", scratch());
    EXPECT_EQ(r.status, 64) << keys << "\n" << r.err;
    EXPECT_TRUE(has(r.err, message)) << keys << "\n" << r.err;
  }
  RunResult r = minipc("--no-vcd --no-stats --fault 'x:target=bus,kind=wait,range=0+4'", scratch());
  EXPECT_EQ(r.status, 64) << r.err;
  EXPECT_TRUE(has(r.err, "a wait fault needs cycles")) << r.err;
  r = minipc("--no-vcd --no-stats --fault 'x:target=bus,kind=memory_error,range=0+4,access=write'", scratch());
  EXPECT_EQ(r.status, 64) << r.err;
  EXPECT_TRUE(has(r.err, "a memory error is met by reads")) << r.err;
}

TEST(FaultConfig, TyposTimingAndSyntaxAre64) {
  // A misspelt parameter is an unused key, named with its source.
  RunResult r = minipc("--no-vcd --no-stats --fault 'x:target=irq5,kind=glitch,widht=1us'", scratch());
  EXPECT_EQ(r.status, 64) << r.err;
  EXPECT_TRUE(has(r.err, "faults.x.widht")) << r.err;
  r = minipc("--no-vcd --no-stats --fault 'x:target=irq5,kind=glitch,times=3'", scratch());
  EXPECT_EQ(r.status, 64) << r.err;
  EXPECT_TRUE(has(r.err, "faults.x.times (--fault): repeated firings need a period (every)")) << r.err;
  r = minipc("--no-vcd --no-stats --fault 'x:target=irq5,kind=stuck_high,duration=2ms,every=1ms'", scratch());
  EXPECT_EQ(r.status, 64) << r.err;
  EXPECT_TRUE(has(r.err, "does not end before the next firing")) << r.err;
  r = minipc("--no-vcd --no-stats --fault 'x:target=irq5,glitch'", scratch());
  EXPECT_EQ(r.status, 64) << r.err;
  EXPECT_TRUE(has(r.err, "is not key=value")) << r.err;
  r = minipc("--no-vcd --no-stats --set faults.x=1", scratch());
  EXPECT_EQ(r.status, 64) << r.err;
  EXPECT_TRUE(has(r.err, "a fault is a mapping")) << r.err;
}

// `minipc describe` lists the kinds each target offers.
TEST(FaultConfig, DescribeListsTheKinds) {
  const RunResult r = minipc("describe", scratch());
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(has(r.out, "fault kinds (faults: in a config, or --fault; docs/faults.md)")) << r.out;
  EXPECT_TRUE(has(r.out, "error, memory_error, wait")) << r.out;
  EXPECT_TRUE(has(r.out, "stuck_high, stuck_low, glitch, lost_edge")) << r.out;
  EXPECT_TRUE(has(r.out, "spurious: a spurious interrupt")) << r.out;
  EXPECT_TRUE(has(r.out, "bit_flip: one bit of RAM flips")) << r.out;
}

// ---- nets ------------------------------------------------------------------------

// A glitch every millisecond, three times: three 200 ns pulses on irq6 (which
// nothing drives), each counted; the VCD's faults.<name> counts them too.
TEST(FaultNets, GlitchesArePulsesOfTheirWidthCountedInStatsAndVcd) {
  const fs::path d = scratch();
  const RunResult r = minipc(std::string(kTiming) + " --vcd v.vcd --stats s.json --fault "
                             "'g:target=irq6,kind=glitch,at=1ms,duration=200ns,every=1ms,times=3'",
                             d);
  EXPECT_EQ(r.status, 92) << r.err;  // the scenario does not finish in 60 ms: the time limit
  EXPECT_EQ(stats_of(d / "s.json")["faults"]["g"]["fired"], 3);
  const std::string vcd = slurp(d / "v.vcd");
  const auto irq6 = vcd_changes(vcd, "irq6");
  ASSERT_EQ(irq6.size(), 7u) << vcd.substr(0, 2000);  // initial 0, then 3 x (1, 0)
  for (int i = 0; i < 3; ++i) {
    const auto rise = irq6[1 + 2 * i], fall = irq6[2 + 2 * i];
    EXPECT_EQ(rise.second, 1u);
    EXPECT_EQ(fall.second, 0u);
    EXPECT_EQ(rise.first, (1 + static_cast<uint64_t>(i)) * 1000000000ull);  // ps
    EXPECT_EQ(fall.first - rise.first, 200000u);
  }
  const auto marker = vcd_changes(vcd, "g");  // faults.g: the VCD's scope faults
  ASSERT_EQ(marker.size(), 4u);
  EXPECT_EQ(marker.back().second, 3u);
  EXPECT_TRUE(has(r.err, "minipc: fault g at 1.000000 ms: glitch for 200 ns")) << r.err;
}

// stuck_high with a duration holds the line for that long, then gives it
// back to its driver; stuck_low holds a driven line low.
TEST(FaultNets, StuckLinesHoldTheirLevelForTheDuration) {
  const fs::path d = scratch();
  const RunResult r = minipc(std::string(kTiming) + " --vcd v.vcd --no-stats "
                             "--fault 'hi:target=irq6,kind=stuck_high,at=2ms,duration=3ms' "
                             "--fault 'lo:target=irq0,kind=stuck_low,at=40ms,duration=5ms'",
                             d);
  EXPECT_EQ(r.status, 92) << r.err;
  const std::string vcd = slurp(d / "v.vcd");
  const auto irq6 = vcd_changes(vcd, "irq6");
  ASSERT_EQ(irq6.size(), 3u);
  EXPECT_EQ(irq6[1], std::make_pair(uint64_t{2000000000}, uint64_t{1}));
  EXPECT_EQ(irq6[2], std::make_pair(uint64_t{5000000000}, uint64_t{0}));
  // The 8254's OUT0 pulses every millisecond; irq0 has no change between
  // 40 ms and 45 ms.
  const auto irq0 = vcd_changes(vcd, "irq0");
  int during = 0, before = 0;
  for (const auto& [t, v] : irq0) {
    if (t > 40000000000ull && t < 45000000000ull) ++during;
    if (t > 30000000000ull && t < 35000000000ull) ++before;
  }
  EXPECT_GT(before, 4);
  EXPECT_EQ(during, 0);
}

// lost_edge swallows one rising edge of the driver: one tick fewer reaches
// the 8259A (vector 0x20) than in the same run without it.
TEST(FaultNets, ALostEdgeCostsExactlyOneInterrupt) {
  const fs::path d = scratch();
  RunResult r = minipc(std::string(kTiming) + " --no-vcd --stats a.json", d);
  EXPECT_EQ(r.status, 92) << r.err;
  r = minipc(std::string(kTiming) + " --no-vcd --stats b.json --fault 'le:target=irq0,kind=lost_edge,at=35ms'", d);
  EXPECT_EQ(r.status, 92) << r.err;
  EXPECT_TRUE(has(r.err, "minipc: fault le at 35.")) << r.err;
  EXPECT_TRUE(has(r.err, "rising edge lost")) << r.err;
  const auto a = stats_of(d / "a.json"), b = stats_of(d / "b.json");
  EXPECT_EQ(a["irq"]["vector_0x20"]["total_ns"]["count"].get<int>(),
            b["irq"]["vector_0x20"]["total_ns"]["count"].get<int>() + 1);
  EXPECT_EQ(b["faults"]["le"]["fired"], 1);
}

// ---- the bus ---------------------------------------------------------------------

// Wait states on the source buffer hold the bus longer by exactly what they
// add: 10 bus cycles (100 ns at 100 MHz) per DMAC read of the buffer (the
// dma_faults scenario's copies). The one read that also meets the error
// fault is never forwarded, so it adds no wait.
TEST(FaultBus, WaitStatesHoldTheBusForExactlyTheirAmount) {
  const fs::path d = scratch();
  const std::string base = "--firmware " DMA_FAULTS " --no-vcd --config " DMA_FAULTS_CONFIG;
  RunResult r = minipc(base + " --stats plain.json", d);
  EXPECT_EQ(r.status, 0) << r.err << r.out;
  r = minipc(base + " --stats w.json --fault "
                    "'w:target=bus,kind=wait,range=0x800000+16K,master=dma,access=read,times=0,cycles=10'",
             d);
  EXPECT_EQ(r.status, 0) << r.err << r.out;
  const auto plain = stats_of(d / "plain.json"), w = stats_of(d / "w.json");
  const int64_t fired = w["faults"]["w"]["fired"].get<int64_t>();
  // Reads of the source: 1,000 (the last one errs), 4,096 (the retry),
  // 2,000 (the 2,000th write errs), 4,096 (the retry).
  EXPECT_EQ(fired, 1000 + 4096 + 2000 + 4096);
  const double added = w["bus"]["initiator"]["dma"]["busy_ns"].get<double>() -
                       plain["bus"]["initiator"]["dma"]["busy_ns"].get<double>();
  EXPECT_NEAR(added, static_cast<double>(fired - 1) * 100.0, 0.5);
  EXPECT_EQ(w["bus"]["initiator"]["dma"]["transactions"], plain["bus"]["initiator"]["dma"]["transactions"]);
}

// A probability trigger is seeded: the same seed fires on the same accesses,
// another seed on others.
TEST(FaultBus, ProbabilityIsSeededAndDeterministic) {
  const fs::path d = scratch();
  auto fired = [&](const std::string& seed, const std::string& file) {
    const RunResult r = minipc("--firmware " DMA_FAULTS " --no-vcd --time 1s --stats " + file +
                                   " --fault 'p:target=bus,kind=wait,range=0x900000+16K,master=dma,times=0,"
                                   "cycles=1,probability=0.25,seed=" + seed + "'",
                               d);
    EXPECT_NE(r.status, 64) << r.err;
    return stats_of(d / file)["faults"]["p"]["fired"].get<int>();
  };
  const int a = fired("7", "a.json"), b = fired("7", "b.json"), c = fired("8", "c.json");
  EXPECT_EQ(a, b);
  // 2 x 4,096 writes at p = 0.25: about 2,048; the other seed differs.
  EXPECT_GT(a, 1800);
  EXPECT_LT(a, 2300);
  EXPECT_NE(a, c);
}

// ---- RAM -------------------------------------------------------------------------

// A bit flip is silent: here bit 0 of the Multiboot info block's flags
// (at 0x9000, written by the loader) is gone before the firmware reads it,
// so the demo no longer sees the memory sizes. Outside RAM is an error.
TEST(FaultRam, ABitFlipIsSilentAndTheFirmwareReadsTheFlippedBit) {
  const fs::path d = scratch();
  RunResult r = minipc("--no-vcd --stats s.json --fault 'f:target=ram,kind=bit_flip,address=0x9000,bit=0'", d);
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(has(r.out, "memory: not reported\n")) << r.out;
  EXPECT_TRUE(has(r.err, "minipc: fault f at 0 ns: bit flip at 0x9000: 0x5 -> 0x4")) << r.err;
  EXPECT_EQ(stats_of(d / "s.json")["faults"]["f"]["fired"], 1);
  r = minipc("--no-vcd --no-stats", d);
  EXPECT_TRUE(has(r.out, "memory: mem_lower=640 KiB")) << r.out;
  r = minipc("--no-vcd --no-stats --fault 'f:target=ram,kind=bit_flip,address=0x4000000'", d);
  EXPECT_EQ(r.status, 64) << r.err;
  EXPECT_TRUE(has(r.err, "faults.f.address: 0x4000000 is outside RAM (64 MiB)")) << r.err;
  r = minipc("--no-vcd --no-stats --fault 'f:target=ram,kind=bit_flip,address=0x9000,bit=8'", d);
  EXPECT_EQ(r.status, 64) << r.err;
  EXPECT_TRUE(has(r.err, "faults.f.bit: 8 is not a bit (0-7)")) << r.err;
}
