// InsnTrace on a real Ia32Core running a few hand-assembled instructions:
// line format, disassembly, changed registers and flags, the window, the
// closing line, fatal stops; and CoreDebugger as the hook that feeds it.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "cpu/ia32_core.h"
#include "debug/core_debugger.h"
#include "debug/insn_trace.h"

namespace minipc::debug {
namespace {

class FlatBus : public CpuBus {
 public:
  std::vector<uint8_t> mem = std::vector<uint8_t>(1 << 20, 0);
  bool read_mem(uint32_t a, void* d, unsigned n) override {
    if (uint64_t{a} + n > mem.size()) return false;
    std::memcpy(d, &mem[a], n);
    return true;
  }
  bool write_mem(uint32_t a, const void* d, unsigned n) override {
    if (uint64_t{a} + n > mem.size()) return false;
    std::memcpy(&mem[a], d, n);
    return true;
  }
  bool read_io(uint16_t, void* d, unsigned n) override {
    std::memset(d, 0xFF, n);
    return true;
  }
  bool write_io(uint16_t, const void*, unsigned) override { return true; }
  uint8_t* direct_ptr(uint32_t a, bool) override { return a < mem.size() ? &mem[a] : nullptr; }
  // Debug access, as the Cpu's transport_dbg gives it.
  size_t debug(bool write, uint32_t a, uint8_t* d, size_t n) {
    if (a >= mem.size()) return 0;
    n = std::min<size_t>(n, mem.size() - a);
    if (write) std::memcpy(&mem[a], d, n);
    else std::memcpy(d, &mem[a], n);
    return n;
  }
};

constexpr uint32_t kCode = 0x1000;

const std::vector<uint8_t> kProgram = {
    0xB8, 0x05, 0x00, 0x00, 0x00,  // 0  mov eax, 5
    0xBB, 0x07, 0x00, 0x00, 0x00,  // 1  mov ebx, 7
    0x01, 0xD8,                    // 2  add eax, ebx
    0x31, 0xC9,                    // 3  xor ecx, ecx        (ZF, PF set)
    0xB1, 0x03,                    // 4  mov cl, 3
    0xBF, 0x00, 0x30, 0x00, 0x00,  // 5  mov edi, 0x3000
    0xF3, 0xAA,                    // 6  rep stosb           (3 bytes of AL)
    0x48,                          // 7  dec eax
    0xE9, 0x00, 0x00, 0x40, 0x00,  // 8  jmp far away (unmapped: bus fatal)
};

struct TraceFixture : ::testing::Test {
  FlatBus bus;
  Ia32Core core{bus};
  std::string path;
  void SetUp() override {
    std::copy(kProgram.begin(), kProgram.end(), bus.mem.begin() + kCode);
    core.set_entry_state(kCode, 0, 0);
    core.set_gpr(reg::esp, 0x8000);
    path = ::testing::TempDir() + "insn_trace_" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".txt";
  }
  InsnTrace::MemoryReader reader() {
    return [this](uint32_t a, uint8_t* d, size_t n) { return bus.debug(false, a, d, n); };
  }
  // What Ia32Core::run() does with a hook installed.
  StepStatus run_traced(InsnTrace& t, unsigned max_steps) {
    StepStatus s = StepStatus::ok;
    for (unsigned i = 0; i < max_steps && s == StepStatus::ok; ++i) {
      t.before(core);
      s = core.step();
      t.after(core, s);
    }
    return s;
  }
  std::vector<std::string> lines() {
    std::ifstream f(path);
    std::vector<std::string> out;
    for (std::string l; std::getline(f, l);) out.push_back(l);
    return out;
  }
};

TEST_F(TraceFixture, OneLinePerInstructionWithChangesAndDisassembly) {
  {
    InsnTrace t(path, InsnTrace::Window{0, 1000}, reader());
    EXPECT_EQ(run_traced(t, 20), StepStatus::fatal);
    EXPECT_FALSE(t.active()) << "a fatal stop ends the trace";
    EXPECT_EQ(t.lines_written(), 9u);
  }
  const auto l = lines();
  ASSERT_EQ(l.size(), 2u + 9 + 3);
  EXPECT_EQ(l[0].rfind("# minipc instruction trace: cpu0, window 0:1000", 0), 0u) << l[0];
  // index cycles eip bytes disassembly changes
  EXPECT_NE(l[2].find("00001000  b8 05 00 00 00"), std::string::npos) << l[2];
  EXPECT_NE(l[2].find("eax=00000005"), std::string::npos) << l[2];
#ifdef MINIPC_TEST_HAVE_CAPSTONE
  EXPECT_NE(l[2].find("mov eax, 5"), std::string::npos) << l[2];
  EXPECT_NE(l[4].find("add eax, ebx"), std::string::npos) << l[4];
  EXPECT_NE(l[8].find("rep stosb"), std::string::npos) << l[8];
#endif
  EXPECT_NE(l[4].find("eax=0000000c"), std::string::npos) << l[4];
  EXPECT_NE(l[4].find("+PF"), std::string::npos) << l[4];  // 12 = 0b1100: even parity
  EXPECT_EQ(l[5].find("ecx="), std::string::npos) << "ECX was 0 already: " << l[5];
  EXPECT_NE(l[5].find("+ZF"), std::string::npos) << l[5];
  // The REP string is one line; EDI and ECX moved, memory got AL.
  EXPECT_NE(l[8].find("ecx=00000000"), std::string::npos) << l[8];
  EXPECT_NE(l[8].find("edi=00003003"), std::string::npos) << l[8];
  EXPECT_EQ(bus.mem[0x3002], 0x0C);
  // Index and cycle columns count up.
  unsigned long long i0, c0, i1, c1;
  ASSERT_EQ(std::sscanf(l[2].c_str(), "%llu %llu", &i0, &c0), 2);
  ASSERT_EQ(std::sscanf(l[3].c_str(), "%llu %llu", &i1, &c1), 2);
  EXPECT_EQ(i0, 0u);
  EXPECT_EQ(i1, 1u);
  EXPECT_GT(c1, c0);
  // The jump retires; the fetch at its target is the fatal stop.
  EXPECT_NE(l[10].find("00001018  e9 00 00 40 00"), std::string::npos) << l[10];
  EXPECT_NE(l[11].find("0040101d"), std::string::npos) << l[11];
  EXPECT_NE(l[11].find("(unreadable)"), std::string::npos) << l[11];
  EXPECT_EQ(l[12].rfind("# fatal: ", 0), 0u) << l[12];
  EXPECT_EQ(l.back().rfind("# trace stopped: CPU fatal error; 9 instructions", 0), 0u) << l.back();
}

TEST_F(TraceFixture, WindowBoundsTheFile) {
  {
    InsnTrace t(path, InsnTrace::parse_window("2:3"), reader());
    run_traced(t, 7);
    EXPECT_FALSE(t.active());
    EXPECT_EQ(t.lines_written(), 3u);
  }
  const auto l = lines();
  ASSERT_EQ(l.size(), 2u + 3 + 1);
  EXPECT_EQ(l[2].find("00001000"), std::string::npos) << "instructions 0 and 1 are before the window";
  EXPECT_NE(l[2].find("0000100a"), std::string::npos) << l[2];
  EXPECT_EQ(l.back().rfind("# trace stopped: end of the window; 3 instructions", 0), 0u) << l.back();
}

TEST(InsnTraceWindow, Parsing) {
  auto w = InsnTrace::parse_window("10:5k");
  EXPECT_EQ(w.start, 10u);
  EXPECT_EQ(w.count, 5000u);
  w = InsnTrace::parse_window("1M:2");
  EXPECT_EQ(w.start, 1000000u);
  EXPECT_THROW(InsnTrace::parse_window("10"), std::invalid_argument);
  EXPECT_THROW(InsnTrace::parse_window("a:b"), std::invalid_argument);
  EXPECT_THROW(InsnTrace::parse_window("0:0"), std::invalid_argument);
  EXPECT_THROW(InsnTrace::parse_window("5:3x"), std::invalid_argument);
  EXPECT_EQ(InsnTrace::Window{}.count, 1000000u) << "default: the first million";
}

TEST_F(TraceFixture, UnwritablePathThrows) {
  EXPECT_THROW(InsnTrace("/nonexistent-dir/x/trace.txt", {}, reader()), std::runtime_error);
}

TEST_F(TraceFixture, CoreDebuggerFeedsTheTraceAndServesRegisters) {
  CoreDebugger dbg(core, [this](bool w, uint32_t a, uint8_t* d, size_t n) { return bus.debug(w, a, d, n); });
  dbg.enable_trace(path, InsnTrace::Window{0, 4});
  EXPECT_TRUE(dbg.active());
  for (int i = 0; i < 6; ++i) {
    dbg.before_step(core);
    const StepStatus s = core.step();
    dbg.after_step(core, s);
  }
  EXPECT_FALSE(dbg.active()) << "window over, no stub: the hook can go";
  dbg.finish(0, false, "done");
  const auto l = lines();
  EXPECT_EQ(l.size(), 2u + 4 + 1);
  // The DebugTarget view of the same core (GDB numbering).
  EXPECT_EQ(dbg.read_register(gdb_reg::eax), core.gpr(reg::eax));
  EXPECT_EQ(dbg.read_register(gdb_reg::ebx), 7u);
  EXPECT_EQ(dbg.read_register(gdb_reg::eip), core.eip());
  EXPECT_EQ(dbg.read_register(gdb_reg::cs), core.seg(reg::cs).selector);
  EXPECT_TRUE(dbg.write_register(gdb_reg::edi, 0x1234));
  EXPECT_EQ(core.gpr(reg::edi), 0x1234u);
  EXPECT_FALSE(dbg.write_register(gdb_reg::ds, 0x10));
  uint8_t b[2] = {0x90, 0x90};
  EXPECT_EQ(dbg.write_memory(0x2000, b, 2), 2u);
  uint8_t r[4] = {};
  EXPECT_EQ(dbg.read_memory(0xFFFFE, r, 4), 2u) << "short at the end of RAM";
  EXPECT_EQ(dbg.read_memory(kCode, r, 1), 1u);
  EXPECT_EQ(r[0], 0xB8);
}

}  // namespace
}  // namespace minipc::debug
