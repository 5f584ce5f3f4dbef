// Bus-free windows (docs/bus.md) and transparent DMA built on them
// (docs/dma.md): the accurate CPU announces the cycles of each instruction
// that follow its last bus access, a halted CPU an open-ended window; a
// transparent channel moves a unit only inside such a window when the whole
// unit fits, so it never delays the CPU, and starves (then times out) when
// the CPU never leaves a window big enough.
//
// The system: a Bus (100 MHz, 4-byte beats, 1 address cycle), 64 KiB of RAM
// at 0 (20 ns), cpu0 (IA-32, accurate mode, 100 MHz, no cache) on the bus at
// priority 2, and either a window probe (a quiet bus master that wants
// windows and records them) or the DMAC (priority 0, registers at I/O
// 0xD000). A 4-byte RAM access holds the bus 2 cycles + 20 ns = 40 ns, so a
// memory->memory unit of 4 bytes takes 80 ns; an instruction fetch is one
// such access per instruction dword.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <functional>
#include <vector>

#include "bus/bus.h"
#include "core/address_space.h"
#include "core/bus_master.h"
#include "core/irq.h"
#include "core/params.h"
#include "core/stats.h"
#include "cpu/cpu.h"
#include "dma/dma_controller.h"
#include "memory/memory.h"

using namespace minipc;
using sc_core::sc_time;
using sc_core::SC_NS;
using sc_core::SC_US;
using D = DmaController;

namespace {

constexpr uint32_t kCode = 0x1000;
constexpr uint16_t kDmaPort = 0xD000;

sc_time ns(double v) { return sc_time(v, SC_NS); }
double stat(const std::string& n) { return StatsRegistry::instance().value(n); }

// A few IA-32 encodings, enough for the programs below.
struct Program {
  std::vector<uint8_t> bytes;
  void put32(uint32_t v) {
    for (int i = 0; i < 4; ++i) bytes.push_back(static_cast<uint8_t>(v >> (8 * i)));
  }
  Program& raw(std::initializer_list<uint8_t> b) {
    bytes.insert(bytes.end(), b);
    return *this;
  }
  Program& mov_eax(uint32_t v) { bytes.push_back(0xB8); put32(v); return *this; }
  Program& mov_ecx(uint32_t v) { bytes.push_back(0xB9); put32(v); return *this; }
  Program& mov_edx(uint32_t v) { bytes.push_back(0xBA); put32(v); return *this; }
  Program& mov_ebx(uint32_t v) { bytes.push_back(0xBB); put32(v); return *this; }
  // out dx, eax to port (via EDX)
  Program& out32(uint16_t port, uint32_t v) { return mov_edx(port).mov_eax(v).raw({0xEF}); }
  Program& in32(uint16_t port) { return mov_edx(port).raw({0xED}); }  // in eax, dx
  Program& hlt() { return raw({0xF4}); }
  size_t here() const { return bytes.size(); }
  // dec ecx; jnz back to `target` (short jump)
  Program& loop_to(size_t target) {
    raw({0x49, 0x75});
    bytes.push_back(static_cast<uint8_t>(static_cast<int>(target) - static_cast<int>(here() + 1)));
    return *this;
  }
  // Programs DMAC channel n: SRC, DST, COUNT, then CTRL with EN.
  Program& dma_start(unsigned n, uint32_t src, uint32_t dst, uint32_t count, uint32_t ctrl) {
    out32(static_cast<uint16_t>(kDmaPort + D::channel_reg(n, D::CH_SRC)), src);
    out32(static_cast<uint16_t>(kDmaPort + D::channel_reg(n, D::CH_DST)), dst);
    out32(static_cast<uint16_t>(kDmaPort + D::channel_reg(n, D::CH_COUNT)), count);
    return out32(static_cast<uint16_t>(kDmaPort + D::channel_reg(n, D::CH_CTRL)), ctrl | D::CTRL_EN);
  }
  // The compute-bound body: mov eax, 1000; xor edx, edx; div ebx (ebx = 7):
  // DIV's 20 cycles after its fetch are a 200 ns window.
  Program& divide() { return mov_eax(1000).raw({0x31, 0xD2, 0xF7, 0xF3}); }
  // The memory-bound body: mov eax, [0x8000]; mov [0x8004], eax: no window
  // longer than 20 ns (an instruction's 1-2 cycles after its accesses).
  Program& copy_word() { return raw({0xA1, 0x00, 0x80, 0x00, 0x00, 0xA3, 0x04, 0x80, 0x00, 0x00}); }
};

// A quiet bus master that wants windows and records every free window the
// bus reports after an announcement.
class WindowProbe : public sc_core::sc_module {
 public:
  SC_HAS_PROCESS(WindowProbe);
  BusMaster master{"socket"};
  struct Seen {
    sc_time at;
    BusMasterHost::FreeWindow window;
  };
  std::vector<Seen> seen;
  explicit WindowProbe(const sc_core::sc_module_name& nm) : sc_module(nm) {
    master.set_active(false);
    master.want_windows(true);
    SC_THREAD(watch);
  }
  // The lengths of the finite windows seen, in ns (each once per start).
  std::vector<double> lengths() const {
    std::vector<double> out;
    sc_time last_start = sc_core::sc_max_time();
    for (const Seen& s : seen) {
      if (!s.window.known || s.window.end == sc_core::sc_max_time() || s.window.start >= s.window.end) continue;
      const double len = std::round((s.window.end - s.window.start).to_seconds() * 1e9);
      if (s.window.start == last_start) out.back() = len;  // a window that grew
      else out.push_back(len);
      last_start = s.window.start;
    }
    return out;
  }

 private:
  void watch() {
    for (;;) {
      wait(*master.window_changed());
      seen.push_back({sc_core::sc_time_stamp(), master.free_window()});
    }
  }
};

struct Fixture : ::testing::Test {
  void SetUp() override {
    ConfigStore::instance().clear();
    StatsRegistry::instance().clear();
    auto& cfg = ConfigStore::instance();
    cfg.set("ram.size", "64K", "test");
    cfg.set("cpu0.mode", "accurate", "test");
  }
};

// cpu0 and RAM on a bus.
struct CpuOnBus {
  Bus bus{"bus"};
  Memory ram{"ram"};
  Cpu cpu{"cpu0"};
  sc_core::sc_signal<bool> intr{"intr"};
  int cpu_master = -1;
  CpuOnBus() {
    cpu.intr.bind(intr);
    cpu_master = bus.connect_initiator(cpu.mem, "cpu0", 2);
    bus.connect_initiator(cpu.io, "cpu0");
    bus.map(AddressSpace::memory, 0, ram.bytes(), bus.connect_target(ram.port, "ram"));
  }
  void load(const Program& p) {
    std::memcpy(ram.data() + kCode, p.bytes.data(), p.bytes.size());
    cpu.set_entry_state(kCode, 0, 0);
    cpu.core().set_gpr(reg::esp, 0xF000);
  }
  // mov ebx, 7; mov eax, 1000; xor edx, edx; div ebx; hlt, for 10 us.
  void run_divide_then_halt() {
    Program p;
    p.mov_ebx(7).divide().hlt();
    load(p);
    sc_core::sc_start(sc_time(10, SC_US));
  }
};

struct ProbeSystem : CpuOnBus {
  WindowProbe probe{"probe"};
  ProbeSystem() { bus.connect_master(probe.master, "probe", 0); }
};

// cpu0, RAM and the DMAC (channel 0 free, the others idle).
struct DmaSystem : CpuOnBus {
  DmaController dma{"dma"};
  IrqLine irq{"dma_irq"};
  sc_core::sc_vector<IrqLine> dreq{"dreq", D::kChannels}, dack{"dack", D::kChannels};
  DmaSystem() {
    const int dma_master = bus.connect_master(dma.master, "dma", 0);
    (void)dma_master;
    bus.map(AddressSpace::io, kDmaPort, D::kWindowBytes, bus.connect_target(dma.regs, "dma"));
    dma.irq.bind(irq);
    dma.bus_owner.bind(bus.owner);
    for (unsigned n = 0; n < D::kChannels; ++n) {
      dma.dreq[n].bind(dreq[n]);
      dma.dack[n].bind(dack[n]);
    }
    dma.observe_bus({cpu_master});
  }
  void fill(uint32_t at, size_t len) {
    for (size_t i = 0; i < len; ++i) ram.data()[at + i] = static_cast<uint8_t>(3 + 11 * i);
  }
  bool same(uint32_t a, uint32_t b, size_t len) { return std::memcmp(ram.data() + a, ram.data() + b, len) == 0; }
};

constexpr uint32_t kTransparentCopy4 = (D::mem_to_mem << D::CTRL_DIR_SHIFT) | (2u << D::CTRL_SIZE_SHIFT) |
                                       (D::transparent << D::CTRL_MODE_SHIFT) | D::CTRL_SRC_INC | D::CTRL_DST_INC;

}  // namespace

// ---- the CPU announces -------------------------------------------------------

TEST_F(Fixture, CpuAnnouncesTheCyclesAfterItsLastAccessAndAnOpenWindowWhenHalted) {
  ProbeSystem s;
  // mov ebx, 7; div (mov eax; xor edx, edx; div ebx); jmp +0 (taken); hlt
  Program p;
  p.mov_ebx(7).divide().raw({0xEB, 0x00}).hlt();
  s.load(p);
  sc_core::sc_start(sc_time(10, SC_US));
  ASSERT_TRUE(s.cpu.halted.read());
  const std::vector<double> l = s.probe.lengths();
  // One window per instruction: the cost table's cycles at 10 ns (MOV 1,
  // XOR 1, DIV 20, a taken JMP 1 + 1 refill).
  EXPECT_EQ(l, (std::vector<double>{10, 10, 10, 200, 20})) << "mov ebx, mov eax, xor, div, jmp";
  ASSERT_FALSE(s.probe.seen.empty());
  const auto& last = s.probe.seen.back().window;
  EXPECT_TRUE(last.known);
  EXPECT_EQ(last.end, sc_core::sc_max_time()) << "a halted CPU leaves the bus to the others until an interrupt";
  EXPECT_TRUE(s.cpu.bus_free.signal.read()) << "cpu0.bus_free shows the open window";
  EXPECT_EQ(s.cpu.windows_announced(), 6u);
}

TEST_F(Fixture, WindowStartsAtTheEndOfTheLastTransaction) {
  ProbeSystem s;
  s.run_divide_then_halt();
  // The DIV (2 bytes at 0x100C..0x100E, one dword fetched at 0x100C): its
  // window starts when that fetch ends and lasts its 20 cycles.
  bool found = false;
  for (const auto& seen : s.probe.seen)
    if (seen.window.end - seen.window.start == ns(200)) {
      found = true;
      EXPECT_LE(seen.at, seen.window.start) << "announced before it begins";
    }
  EXPECT_TRUE(found);
}

TEST_F(Fixture, NothingIsAnnouncedWhileNobodyWantsWindowsButAHalt) {
  CpuOnBus s;
  s.run_divide_then_halt();
  ASSERT_TRUE(s.cpu.halted.read());
  EXPECT_EQ(s.cpu.windows_announced(), 1u) << "only the halt";
}

TEST_F(Fixture, FastModeAnnouncesNothingAndTheBusKnowsNoWindow) {
  ConfigStore::instance().set("cpu0.mode", "fast", "test");
  ProbeSystem s;
  s.run_divide_then_halt();
  ASSERT_TRUE(s.cpu.halted.read());
  EXPECT_EQ(s.cpu.windows_announced(), 0u);
  EXPECT_FALSE(s.probe.master.free_window().known) << "an active master that announces nothing";
}

// ---- transparent DMA in the announced windows ---------------------------------

TEST_F(Fixture, TransparentNeverDelaysAComputeBoundCpu) {
  DmaSystem s;
  s.fill(0x4000, 128);
  Program p;
  // One store first: the bus learns RAM's write latency, which the DMAC needs
  // to know that a unit fits in a window (docs/dma.md).
  p.mov_ebx(7).copy_word().dma_start(0, 0x4000, 0x6000, 32, kTransparentCopy4).mov_ecx(100);
  const size_t loop = p.here();
  p.divide().loop_to(loop).hlt();
  s.load(p);
  bool done_while_looping = false;
  sc_core::sc_spawn([&] {
    wait(s.cpu.halted.posedge_event());
    done_while_looping = stat("dma.ch0.blocks") == 1;
  });
  sc_core::sc_start(sc_time(200, SC_US));
  ASSERT_TRUE(s.cpu.halted.read());
  EXPECT_TRUE(s.same(0x4000, 0x6000, 128));
  EXPECT_TRUE(done_while_looping) << "two 80 ns units fit in each DIV's 200 ns";
  EXPECT_EQ(stat("dma.ch0.transfers"), 32);
  EXPECT_EQ(stat("dma.ch0.cpu_stall_ns_caused"), 0);
  EXPECT_EQ(s.bus.wait_time(s.cpu_master), sc_core::SC_ZERO_TIME) << "not one CPU access waited";
  EXPECT_GT(stat("dma.ch0.starved_ns"), 0) << "the 10-20 ns windows between DIVs are too small";
}

TEST_F(Fixture, TransparentNeverDelaysAMemoryBoundCpuAndFinishesWhenItHalts) {
  DmaSystem s;
  s.fill(0x4000, 128);
  Program p;
  p.dma_start(0, 0x4000, 0x6000, 32, kTransparentCopy4).mov_ecx(50);
  const size_t loop = p.here();
  p.copy_word().loop_to(loop).hlt();
  s.load(p);
  double moved_before_halt = -1;
  sc_core::sc_spawn([&] {
    wait(s.cpu.halted.posedge_event());
    moved_before_halt = stat("dma.ch0.transfers");
  });
  sc_core::sc_start(sc_time(200, SC_US));
  ASSERT_TRUE(s.cpu.halted.read());
  EXPECT_EQ(moved_before_halt, 0) << "no window of 80 ns while the CPU streams";
  EXPECT_EQ(stat("dma.ch0.blocks"), 1) << "the halted CPU's open window";
  EXPECT_TRUE(s.same(0x4000, 0x6000, 128));
  EXPECT_EQ(stat("dma.ch0.cpu_stall_ns_caused"), 0);
  EXPECT_EQ(s.bus.wait_time(s.cpu_master), sc_core::SC_ZERO_TIME);
  EXPECT_GT(stat("dma.ch0.starved_ns"), 10000) << "the loop's 50 iterations";
}

TEST_F(Fixture, StarvedTransparentChannelTimesOutWithStatusAndInterrupt) {
  ConfigStore::instance().set("dma.transparent_timeout", "2us", "test");
  DmaSystem s;
  s.fill(0x4000, 128);
  Program p;
  p.out32(kDmaPort + D::IRQ_ENABLE, 0x0F0F)
      .dma_start(0, 0x4000, 0x6000, 32, kTransparentCopy4 | D::CTRL_IE_ERR)
      .mov_ecx(50);
  const size_t loop = p.here();
  p.copy_word().loop_to(loop).in32(static_cast<uint16_t>(kDmaPort + D::channel_reg(0, D::CH_STATUS))).hlt();
  s.load(p);
  sc_core::sc_start(sc_time(200, SC_US));
  ASSERT_TRUE(s.cpu.halted.read());
  const uint32_t status = s.cpu.core().gpr(reg::eax);
  EXPECT_EQ(status, D::STATUS_ERROR | D::STATUS_TIMEOUT | (D::err_timeout << D::STATUS_CODE_SHIFT));
  EXPECT_TRUE(s.irq.read()) << "IE_ERR: the error interrupt";
  EXPECT_EQ(stat("dma.ch0.transparent_timeouts"), 1);
  EXPECT_EQ(stat("dma.ch0.transfers"), 0);
  EXPECT_NEAR(stat("dma.ch0.starved_ns"), 2000, 1e-6) << "from the enabling write to the timeout";
  EXPECT_EQ(stat("dma.ch0.cpu_stall_ns_caused"), 0);
}
