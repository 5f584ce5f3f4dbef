// minipc DMAC: the behaviours of docs/dma.md, one test each.
//
// Each TEST builds a small system: a Bus, 64 KiB of RAM at 0, the DMAC (a bus
// master at priority 0, its registers at I/O 0xD000 and memory 0x100000), a
// test CPU master (priority 1) whose script runs in a thread, and a scripted
// device behind port 0x300 with DREQ/DACK on channel 0. The CPU drives the
// DMAC only through its register window on the bus, and the device only
// through its signals and data port, so the same suite can run against an
// RTL twin later.
//
// Timing used by the exact tests (bus 100 MHz, 4-byte beats, 1 address cycle,
// RAM 20 ns): a 4-byte RAM access holds the bus 2 cycles + 20 ns = 40 ns, so
// one memory->memory unit of 4 bytes (a read and a write) takes 80 ns.
#include <gtest/gtest.h>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include <cstring>
#include <deque>
#include <functional>
#include <vector>

#include "bus/bus.h"
#include "core/address_space.h"
#include "core/params.h"
#include "core/stats.h"
#include "dma/dma_controller.h"
#include "memory/memory.h"

using namespace minipc;
using sc_core::sc_time;
using sc_core::SC_NS;
using sc_core::SC_US;
using sc_core::SC_ZERO_TIME;
using D = DmaController;

namespace {

constexpr uint64_t kIoBase = 0xD000;      // DMAC registers in the I/O space
constexpr uint64_t kMmioBase = 0x100000;  // ... and in the memory space
constexpr uint64_t kDevPort = 0x300;      // the test device's data port (I/O)
constexpr uint64_t kDevMmio = 0x200000;   // ... and as MMIO

sc_time ns(double v) { return sc_time(v, SC_NS); }

// A bus master playing the CPU: every access is synchronous (waits its delay).
class CpuMaster : public sc_core::sc_module {
 public:
  SC_HAS_PROCESS(CpuMaster);
  BusMaster master{"socket"};  // the kit: a CPU-like master needs nothing else
  std::function<void()> script;
  bool finished = false;
  std::vector<sc_time> waits;  // per access: grant time - request time

  explicit CpuMaster(const sc_core::sc_module_name& nm) : sc_module(nm) {
    // The bus returns at the grant: the wait is the time since the request.
    master.on_granted = [this](const sc_time&) { waits.push_back(sc_core::sc_time_stamp() - requested_); };
    SC_THREAD(run);
  }

  uint64_t read(AddressSpace s, uint64_t addr, unsigned len = 4) {
    uint64_t v = 0;
    access(tlm::TLM_READ_COMMAND, s, addr, reinterpret_cast<uint8_t*>(&v), len);
    return v;
  }
  void write(AddressSpace s, uint64_t addr, uint64_t v, unsigned len = 4) {
    access(tlm::TLM_WRITE_COMMAND, s, addr, reinterpret_cast<uint8_t*>(&v), len);
  }
  // DMAC registers through the I/O window.
  uint64_t reg(uint64_t off) { return read(AddressSpace::io, kIoBase + off); }
  void reg(uint64_t off, uint64_t v) { write(AddressSpace::io, kIoBase + off, v); }
  uint64_t ch(unsigned n, uint64_t r) { return reg(D::channel_reg(n, r)); }
  void ch(unsigned n, uint64_t r, uint64_t v) { reg(D::channel_reg(n, r), v); }

  void program(unsigned n, uint64_t src, uint64_t dst, uint64_t count, uint32_t ctrl) {
    ch(n, D::CH_SRC, src);
    ch(n, D::CH_DST, dst);
    ch(n, D::CH_COUNT, count);
    ch(n, D::CH_CTRL, ctrl | D::CTRL_EN);
  }
  // Polls CHn_STATUS until the channel is no longer busy.
  uint64_t wait_idle(unsigned n, sc_time poll = sc_time(1, SC_US)) {
    for (;;) {
      const uint64_t s = ch(n, D::CH_STATUS);
      if (!(s & D::STATUS_BUSY)) return s;
      wait(poll);
    }
  }
  tlm::tlm_response_status last_status = tlm::TLM_OK_RESPONSE;

 private:
  void run() {
    if (script) script();
    finished = true;
  }
  void access(tlm::tlm_command cmd, AddressSpace s, uint64_t addr, uint8_t* data, unsigned len) {
    requested_ = sc_core::sc_time_stamp();
    const bool ok = cmd == tlm::TLM_WRITE_COMMAND ? master.write(s, addr, data, len) : master.read(s, addr, data, len);
    last_status = ok ? tlm::TLM_OK_RESPONSE : master.last_failure().status;
  }
  sc_time requested_;
};

// A scripted DMA device: a data port (byte wide) and one DREQ/DACK pair.
// dev->mem: `rx` holds the bytes it has for memory; DREQ while not empty.
// mem->dev: it accepts bytes while it has room (`room`); DREQ while room > 0.
class Device : public sc_core::sc_module {
 public:
  SC_HAS_PROCESS(Device);
  tlm_utils::simple_target_socket<Device> port{"port"};
  IrqOut dreq{"dreq"};
  IrqIn dack{"dack"};
  std::deque<uint8_t> rx;
  std::vector<uint8_t> tx;
  unsigned room = 0;
  int dack_edges = 0;
  int accesses_without_dack = 0;

  explicit Device(const sc_core::sc_module_name& nm) : sc_module(nm) {
    port.register_b_transport(this, &Device::b_transport);
    SC_METHOD(drive_dreq);
    sensitive << changed_;
    SC_METHOD(count_dack);
    sensitive << dack.pos();
    dont_initialize();
  }
  void changed() { changed_.notify(SC_ZERO_TIME); }
  bool sending = true;  // dev->mem (true) or mem->dev (false)

 private:
  void drive_dreq() { drive(dreq, sending ? !rx.empty() : room > 0); }
  void count_dack() { ++dack_edges; }
  void b_transport(tlm::tlm_generic_payload& p, sc_time& d) {
    if (!dack.read()) ++accesses_without_dack;
    if (p.is_read()) {
      const uint8_t v = rx.empty() ? 0xEE : rx.front();
      if (!rx.empty()) rx.pop_front();
      std::memset(p.get_data_ptr(), 0, p.get_data_length());
      p.get_data_ptr()[0] = v;
    } else {
      tx.push_back(p.get_data_ptr()[0]);
      if (room) --room;
    }
    changed();
    p.set_response_status(tlm::TLM_OK_RESPONSE);
  }
  sc_core::sc_event changed_;
};

// The system under test.
struct DmaSystem {
  Bus bus{"bus"};
  Memory ram{"ram"};
  DmaController dma{"dma"};
  CpuMaster cpu{"cpu"};
  Device dev{"dev"};
  IrqLine irq{"dma_irq"};
  IrqLine dreq0{"dreq0"}, dack0{"dack0"};
  sc_core::sc_vector<IrqLine> dreq_idle{"dreq_idle", D::kChannels - 1};
  sc_core::sc_vector<IrqLine> dack_idle{"dack_idle", D::kChannels - 1};
  int dma_master = -1, cpu_master = -1;

  DmaSystem() {
    dma_master = bus.connect_master(dma.master, "dma", 0);  // HOLD wins over the CPU
    cpu_master = bus.connect_master(cpu.master, "cpu", 1);
    bus.map(AddressSpace::memory, 0, ram.bytes(), bus.connect_target(ram.port, "ram"));
    const int regs = bus.connect_target(dma.regs, "dma");
    bus.map(AddressSpace::io, kIoBase, D::kWindowBytes, regs);
    bus.map(AddressSpace::memory, kMmioBase, D::kWindowBytes, regs);
    const int dev_t = bus.connect_target(dev.port, "dev");
    bus.map(AddressSpace::io, kDevPort, 4, dev_t);
    bus.map(AddressSpace::memory, kDevMmio, 4, dev_t);
    dma.irq.bind(irq);
    dma.bus_owner.bind(bus.owner);
    dma.dreq[0].bind(dreq0);
    dma.dack[0].bind(dack0);
    dev.dreq.bind(dreq0);
    dev.dack.bind(dack0);
    for (unsigned n = 1; n < D::kChannels; ++n) {
      dma.dreq[n].bind(dreq_idle[n - 1]);
      dma.dack[n].bind(dack_idle[n - 1]);
    }
    dma.observe_bus({cpu_master});
  }
  void fill(uint64_t addr, size_t len, uint8_t seed) {
    for (size_t i = 0; i < len; ++i) ram.data()[addr + i] = static_cast<uint8_t>(seed + i * 7);
  }
  bool same(uint64_t a, uint64_t b, size_t len) { return std::memcmp(ram.data() + a, ram.data() + b, len) == 0; }
  void run(std::function<void()> script, sc_time limit = sc_time(1, sc_core::SC_MS)) {
    cpu.script = std::move(script);
    sc_core::sc_start(limit);
    EXPECT_TRUE(cpu.finished) << "the CPU script did not finish";
  }
};

struct DmaTest : ::testing::Test {
  void SetUp() override {
    ConfigStore::instance().clear();
    StatsRegistry::instance().clear();
    ConfigStore::instance().set("ram.size", "64K", "test");
  }
};

double stat(const std::string& n) { return StatsRegistry::instance().value(n); }

constexpr uint32_t kMemCopy4 = (D::mem_to_mem << D::CTRL_DIR_SHIFT) | (2u << D::CTRL_SIZE_SHIFT) |
                               D::CTRL_SRC_INC | D::CTRL_DST_INC;
uint32_t mode(uint32_t m) { return m << D::CTRL_MODE_SHIFT; }

}  // namespace

TEST_F(DmaTest, MemToMemCopiesBytesExactly) {
  DmaSystem s;
  s.fill(0x1000, 256, 3);
  std::memset(s.ram.data() + 0x2000, 0xAA, 0x200);
  uint64_t status = 0, id = 0;
  s.run([&] {
    id = s.cpu.reg(D::DMA_ID);
    s.cpu.program(0, 0x1000, 0x2000, 64, kMemCopy4 | mode(D::burst));
    status = s.cpu.wait_idle(0);
  });
  EXPECT_EQ(id, D::kId);
  EXPECT_EQ(status, D::STATUS_DONE);
  EXPECT_TRUE(s.same(0x1000, 0x2000, 256));
  EXPECT_EQ(s.ram.data()[0x2100], 0xAA) << "nothing past the block";
  EXPECT_EQ(stat("dma.ch0.bytes"), 256);
  EXPECT_EQ(stat("dma.ch0.transfers"), 64);
}

TEST_F(DmaTest, UnitSizes124) {
  DmaSystem s;
  s.fill(0x1000, 12, 1);
  std::memset(s.ram.data() + 0x2000, 0xAA, 0x100);
  const uint32_t base = (D::mem_to_mem << D::CTRL_DIR_SHIFT) | D::CTRL_SRC_INC | D::CTRL_DST_INC;
  uint64_t st[3] = {};
  s.run([&] {
    s.cpu.program(0, 0x1000, 0x2000, 12, base | (0u << D::CTRL_SIZE_SHIFT));
    s.cpu.program(1, 0x1000, 0x2010, 6, base | (1u << D::CTRL_SIZE_SHIFT));
    s.cpu.program(2, 0x1000, 0x2020, 3, base | (2u << D::CTRL_SIZE_SHIFT));
    for (unsigned n = 0; n < 3; ++n) st[n] = s.cpu.wait_idle(n);
  });
  for (unsigned n = 0; n < 3; ++n) {
    EXPECT_EQ(st[n], D::STATUS_DONE) << "channel " << n;
    EXPECT_TRUE(s.same(0x1000, 0x2000 + 0x10 * n, 12)) << "channel " << n;
    EXPECT_EQ(s.ram.data()[0x2000 + 0x10 * n + 12], 0xAA) << "channel " << n << " wrote past its block";
    EXPECT_EQ(stat("dma.ch" + std::to_string(n) + ".bytes"), 12);
  }
  EXPECT_EQ(stat("dma.ch0.transfers"), 12);
  EXPECT_EQ(stat("dma.ch1.transfers"), 6);
  EXPECT_EQ(stat("dma.ch2.transfers"), 3);
}

TEST_F(DmaTest, CompletionInterruptAndW1cStatus) {
  DmaSystem s;
  bool irq_at_done = false, irq_after_w1c = true, irq_masked = true;
  uint64_t isr = 0, isr_after = 1, st_after = 1;
  s.run([&] {
    // Enabled in CTRL but masked in IRQ_ENABLE: no line.
    s.cpu.program(0, 0x1000, 0x2000, 4, kMemCopy4 | D::CTRL_IE_DONE);
    s.cpu.wait_idle(0);
    irq_masked = s.irq.read();
    s.cpu.reg(D::IRQ_ENABLE, 0x0101);
    wait(SC_ZERO_TIME);
    wait(SC_ZERO_TIME);
    irq_at_done = s.irq.read();
    isr = s.cpu.reg(D::IRQ_STATUS);
    s.cpu.ch(0, D::CH_STATUS, D::STATUS_DONE);  // W1C
    wait(SC_ZERO_TIME);
    wait(SC_ZERO_TIME);
    irq_after_w1c = s.irq.read();
    isr_after = s.cpu.reg(D::IRQ_STATUS);
    st_after = s.cpu.ch(0, D::CH_STATUS);
    // Clearing through IRQ_STATUS works as well.
    s.cpu.program(0, 0x1000, 0x2000, 4, kMemCopy4 | D::CTRL_IE_DONE);
    s.cpu.wait_idle(0);
    s.cpu.reg(D::IRQ_STATUS, 0x1);
  });
  EXPECT_FALSE(irq_masked);
  EXPECT_TRUE(irq_at_done);
  EXPECT_EQ(isr, 0x1u);
  EXPECT_FALSE(irq_after_w1c);
  EXPECT_EQ(isr_after, 0u);
  EXPECT_EQ(st_after, 0u);
  EXPECT_FALSE(s.irq.read());
}

TEST_F(DmaTest, BusErrorStopsChannelWithErrorAndIrqAndNoWrite) {
  DmaSystem s;
  s.fill(0, 0x10000, 9);
  const std::vector<uint8_t> before(s.ram.data(), s.ram.data() + s.ram.bytes());
  uint64_t st = 0, remain = 0, isr = 0;
  bool irq = false;
  s.run([&] {
    s.cpu.reg(D::IRQ_ENABLE, 0x0100);
    s.cpu.program(0, 0x1000, 0x20000, 16, kMemCopy4 | D::CTRL_IE_ERR);  // 0x20000 is past RAM
    st = s.cpu.wait_idle(0);
    remain = s.cpu.ch(0, D::CH_REMAIN);
    isr = s.cpu.reg(D::IRQ_STATUS);
    irq = s.irq.read();
  });
  EXPECT_EQ(st, D::STATUS_ERROR | (D::err_write_bus << D::STATUS_CODE_SHIFT));
  EXPECT_EQ(remain, 16u) << "the first unit failed";
  EXPECT_EQ(isr, 0x100u);
  EXPECT_TRUE(irq);
  EXPECT_TRUE(std::equal(before.begin(), before.end(), s.ram.data())) << "RAM untouched";
  EXPECT_EQ(s.bus.unmapped_accesses(), 1u);
  EXPECT_EQ(stat("dma.ch0.errors"), 1);
}

TEST_F(DmaTest, DevToMemWithDreqDack) {
  DmaSystem s;
  s.dev.sending = true;
  std::memset(s.ram.data() + 0x3000, 0xAA, 16);
  uint64_t st = 0;
  s.run([&] {
    const uint32_t ctrl = (D::dev_to_mem << D::CTRL_DIR_SHIFT) | (0u << D::CTRL_SIZE_SHIFT) | mode(D::cycle_steal) |
                          D::CTRL_SRC_IO | D::CTRL_DST_INC;
    s.cpu.program(0, kDevPort, 0x3000, 6, ctrl);
    // The device produces one byte every 2 us: the channel waits for each DREQ.
    for (uint8_t b : {0x11, 0x22, 0x33, 0x44, 0x55, 0x66}) {
      wait(sc_time(2, SC_US));
      EXPECT_EQ(s.cpu.ch(0, D::CH_STATUS) & D::STATUS_BUSY, D::STATUS_BUSY);
      s.dev.rx.push_back(b);
      s.dev.changed();
    }
    st = s.cpu.wait_idle(0);
  });
  EXPECT_EQ(st, D::STATUS_DONE);
  const uint8_t want[] = {0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0xAA};
  EXPECT_EQ(std::memcmp(s.ram.data() + 0x3000, want, sizeof want), 0);
  EXPECT_EQ(s.dev.dack_edges, 6) << "one DACK per unit";
  EXPECT_EQ(s.dev.accesses_without_dack, 0);
  EXPECT_FALSE(s.dack0.read());
}

TEST_F(DmaTest, MemToDevWithDreqDack) {
  DmaSystem s;
  s.dev.sending = false;
  s.fill(0x4000, 8, 0x40);
  uint64_t st = 0;
  s.run([&] {
    // Device behind its MMIO address, burst (demand) mode: the channel moves
    // units while DREQ is high and waits when the device is full.
    const uint32_t ctrl = (D::mem_to_dev << D::CTRL_DIR_SHIFT) | (0u << D::CTRL_SIZE_SHIFT) | mode(D::burst) |
                          D::CTRL_SRC_INC;
    s.dev.room = 3;
    s.dev.changed();
    s.cpu.program(0, 0x4000, kDevMmio, 8, ctrl);
    wait(sc_time(5, SC_US));
    EXPECT_EQ(s.dev.tx.size(), 3u) << "stops when DREQ drops";
    EXPECT_EQ(s.cpu.ch(0, D::CH_REMAIN), 5u);
    s.dev.room = 5;
    s.dev.changed();
    st = s.cpu.wait_idle(0);
  });
  EXPECT_EQ(st, D::STATUS_DONE);
  ASSERT_EQ(s.dev.tx.size(), 8u);
  EXPECT_EQ(std::memcmp(s.dev.tx.data(), s.ram.data() + 0x4000, 8), 0);
  EXPECT_EQ(s.dev.dack_edges, 2) << "DACK stays asserted through each of the two bursts";
  EXPECT_EQ(s.dev.accesses_without_dack, 0);
}

TEST_F(DmaTest, BurstHoldsBusForWholeBlock) {
  ConfigStore::instance().set("dma.hold_latency_cycles", "0", "test");  // the mode alone, no HOLD/HLDA handshake
  DmaSystem s;
  s.fill(0x1000, 32, 5);
  size_t first = 0;
  sc_time cpu_wait_before, burst_wait;
  bool hold_mid = false, hlda_mid = false;
  sc_core::sc_spawn([&] {  // HOLD/HLDA in the middle of the block (enabled at 120 ns, 640 ns long)
    sc_core::wait(sc_time(400, SC_NS));
    hold_mid = s.dma.hold_trace[0].read();
    hlda_mid = s.dma.hlda_trace[0].read();
  });
  s.run([&] {
    s.cpu.program(0, 0x1000, 0x2000, 8, kMemCopy4 | mode(D::burst));
    cpu_wait_before = s.bus.wait_time(s.cpu_master);
    first = s.cpu.waits.size();
    s.cpu.read(AddressSpace::memory, 0x8000);  // right behind the enabling write
    burst_wait = s.cpu.waits[first];
    s.cpu.wait_idle(0);
  });
  EXPECT_EQ(cpu_wait_before, SC_ZERO_TIME);
  EXPECT_EQ(burst_wait, ns(8 * 80)) << "the CPU waits for the whole block";
  EXPECT_EQ(s.bus.wait_time(s.cpu_master), ns(640));
  EXPECT_TRUE(s.same(0x1000, 0x2000, 32));
  EXPECT_EQ(stat("dma.ch0.bus_cycles_held"), 64);
  EXPECT_EQ(stat("dma.ch0.cpu_stall_ns_caused"), 640);
  EXPECT_EQ(stat("dma.ch0.cpu_stall_cycles_caused"), 64) << "640 ns at the 100 MHz bus clock";
  EXPECT_TRUE(hold_mid);
  EXPECT_TRUE(hlda_mid);
  EXPECT_FALSE(s.dma.hold_trace[0].read());
  EXPECT_FALSE(s.dma.hlda_trace[0].read());
}

TEST_F(DmaTest, CycleStealingInterleavesWithCpu) {
  ConfigStore::instance().set("dma.hold_latency_cycles", "0", "test");  // the mode alone, no HOLD/HLDA handshake
  DmaSystem s;
  s.fill(0x1000, 32, 5);
  size_t first = 0;
  sc_time done_reads_at;
  uint64_t remain_mid = 0;
  s.run([&] {
    s.cpu.program(0, 0x1000, 0x2000, 8, kMemCopy4 | mode(D::cycle_steal));
    first = s.cpu.waits.size();
    for (int i = 0; i < 4; ++i) s.cpu.read(AddressSpace::memory, 0x8000 + 4 * i);
    done_reads_at = sc_core::sc_time_stamp();
    remain_mid = s.cpu.ch(0, D::CH_REMAIN);
    s.cpu.wait_idle(0);
  });
  // Each CPU access waits for exactly the unit in flight, never more.
  for (size_t i = first; i < first + 4; ++i) EXPECT_EQ(s.cpu.waits[i], ns(80)) << "access " << i - first;
  EXPECT_GT(remain_mid, 0u) << "the block is not done while the CPU ran: they interleaved";
  EXPECT_LT(remain_mid, 8u);
  EXPECT_TRUE(s.same(0x1000, 0x2000, 32));
}

// HOLD/HLDA: each hold starts with hold_latency_cycles (default 2: 20 ns)
// of HOLD before HLDA; burst pays it once per block, cycle stealing once per
// unit. 8 units of 80 ns, the CPU idle: burst 20 + 640 ns; cycle stealing
// 8 x (20 + 80) ns + 7 gaps of 10 ns.
TEST_F(DmaTest, HoldHldaHandshakeLatencyPerHold) {
  DmaSystem s;
  s.fill(0x1000, 64, 5);
  bool hold_before_hlda = false, hlda_before_latency = true;
  sc_time enabled_at;
  sc_core::sc_spawn([&] {
    while (!s.dma.hold_trace[0].read()) sc_core::wait(s.dma.hold_trace[0].value_changed_event());
    enabled_at = sc_core::sc_time_stamp();
    sc_core::wait(sc_time(10, SC_NS));
    hold_before_hlda = s.dma.hold_trace[0].read();
    hlda_before_latency = s.dma.hlda_trace[0].read();
  });
  s.run([&] {
    s.cpu.program(0, 0x1000, 0x2000, 8, kMemCopy4 | mode(D::burst));
    wait(sc_time(2, SC_US));
    EXPECT_EQ(s.cpu.ch(0, D::CH_STATUS), D::STATUS_DONE);
    s.cpu.program(1, 0x1000, 0x3000, 8, kMemCopy4 | mode(D::cycle_steal));
    wait(sc_time(2, SC_US));
    EXPECT_EQ(s.cpu.ch(1, D::CH_STATUS), D::STATUS_DONE);
  });
  EXPECT_TRUE(hold_before_hlda);
  EXPECT_FALSE(hlda_before_latency) << "HLDA comes 20 ns after HOLD";
  auto& stats = StatsRegistry::instance();
  EXPECT_NEAR(stats.histogram("dma.ch0.completion_latency", {}, "ns").mean(), 20 + 640, 1e-6);
  EXPECT_NEAR(stats.histogram("dma.ch1.completion_latency", {}, "ns").mean(), 8 * (20 + 80) + 7 * 10, 1e-6);
  EXPECT_TRUE(s.same(0x1000, 0x2000, 32));
  EXPECT_TRUE(s.same(0x1000, 0x3000, 32));
}

TEST_F(DmaTest, TransparentOnlyUsesIdleCycles) {
  DmaSystem s;
  s.fill(0x1000, 32, 5);
  sc_time cpu_wait;
  uint64_t remain_after_cpu = 0, st = 0;
  sc_time cpu_done;
  s.run([&] {
    s.cpu.program(0, 0x1000, 0x2000, 8, kMemCopy4 | mode(D::transparent));
    const sc_time w0 = s.bus.wait_time(s.cpu_master);
    for (int i = 0; i < 20; ++i) s.cpu.read(AddressSpace::memory, 0x8000 + 4 * i);  // back to back
    remain_after_cpu = s.cpu.ch(0, D::CH_REMAIN);
    cpu_wait = s.bus.wait_time(s.cpu_master) - w0;
    cpu_done = sc_core::sc_time_stamp();
    wait(sc_time(2, SC_US));  // the CPU leaves the bus alone (HLT)
    st = s.cpu.wait_idle(0);
  });
  EXPECT_EQ(remain_after_cpu, 8u) << "no unit while the CPU kept the bus busy";
  EXPECT_EQ(cpu_wait, SC_ZERO_TIME);
  EXPECT_EQ(st, D::STATUS_DONE);
  EXPECT_TRUE(s.same(0x1000, 0x2000, 32));
}

TEST_F(DmaTest, FourChannelsIndependent) {
  DmaSystem s;
  for (unsigned n = 0; n < 4; ++n) s.fill(0x1000 + 0x100 * n, 64, static_cast<uint8_t>(17 * n));
  uint64_t st[4] = {}, isr = 0;
  s.run([&] {
    s.cpu.reg(D::IRQ_ENABLE, 0x0F);
    const uint32_t modes[4] = {D::burst, D::cycle_steal, D::burst, D::cycle_steal};
    for (unsigned n = 0; n < 4; ++n)
      s.cpu.program(n, 0x1000 + 0x100 * n, 0x3000 + 0x100 * n, 16, kMemCopy4 | mode(modes[n]) | D::CTRL_IE_DONE);
    for (unsigned n = 0; n < 4; ++n) st[n] = s.cpu.wait_idle(n);
    isr = s.cpu.reg(D::IRQ_STATUS);
    s.cpu.reg(D::IRQ_STATUS, 0x5);  // clear channels 0 and 2 only
  });
  for (unsigned n = 0; n < 4; ++n) {
    EXPECT_EQ(st[n], D::STATUS_DONE) << n;
    EXPECT_TRUE(s.same(0x1000 + 0x100 * n, 0x3000 + 0x100 * n, 64)) << n;
    EXPECT_EQ(stat("dma.ch" + std::to_string(n) + ".bytes"), 64) << n;
  }
  EXPECT_EQ(isr, 0xFu);
  EXPECT_TRUE(s.irq.read()) << "channels 1 and 3 still pending";
}

TEST_F(DmaTest, RegisterBlockInIoAndMemorySpace) {
  DmaSystem s;
  uint64_t id_io = 0, id_mem = 0, src_io = 0, dst_mem = 0;
  tlm::tlm_response_status past_end = tlm::TLM_OK_RESPONSE;
  s.run([&] {
    id_io = s.cpu.read(AddressSpace::io, kIoBase + D::DMA_ID);
    id_mem = s.cpu.read(AddressSpace::memory, kMmioBase + D::DMA_ID);
    s.cpu.write(AddressSpace::memory, kMmioBase + D::channel_reg(2, D::CH_SRC), 0x12345678);
    src_io = s.cpu.read(AddressSpace::io, kIoBase + D::channel_reg(2, D::CH_SRC));
    s.cpu.write(AddressSpace::io, kIoBase + D::channel_reg(3, D::CH_DST), 0xCAFE);
    dst_mem = s.cpu.read(AddressSpace::memory, kMmioBase + D::channel_reg(3, D::CH_DST));
    s.cpu.read(AddressSpace::io, kIoBase + 0xFC);  // reserved offset inside the window
    past_end = s.cpu.last_status;
  });
  EXPECT_EQ(id_io, D::kId);
  EXPECT_EQ(id_mem, D::kId);
  EXPECT_EQ(src_io, 0x12345678u);
  EXPECT_EQ(dst_mem, 0xCAFEu);
  EXPECT_EQ(past_end, tlm::TLM_ADDRESS_ERROR_RESPONSE);
}

TEST_F(DmaTest, ProgrammingWhileBusyIsIgnoredWithWarning) {
  DmaSystem s;
  s.dev.sending = true;  // no data: DREQ stays low, the channel stays busy
  uint64_t src = 0, count = 0, st_busy = 0, st_end = 0, ctrl = 0;
  int warnings = 0;
  s.run([&] {
    const uint32_t c = (D::dev_to_mem << D::CTRL_DIR_SHIFT) | D::CTRL_SRC_IO | D::CTRL_DST_INC;
    s.cpu.program(0, kDevPort, 0x3000, 4, c);
    const int w0 = sc_core::sc_report_handler::get_count(sc_core::SC_WARNING);
    s.cpu.ch(0, D::CH_SRC, 0x999);
    s.cpu.ch(0, D::CH_COUNT, 77);
    s.cpu.ch(0, D::CH_CTRL, kMemCopy4 | D::CTRL_EN);
    warnings = sc_core::sc_report_handler::get_count(sc_core::SC_WARNING) - w0;
    src = s.cpu.ch(0, D::CH_SRC);
    count = s.cpu.ch(0, D::CH_COUNT);
    ctrl = s.cpu.ch(0, D::CH_CTRL);
    st_busy = s.cpu.ch(0, D::CH_STATUS);
    s.cpu.ch(0, D::CH_CTRL, D::CTRL_ABORT);
    st_end = s.cpu.wait_idle(0);
  });
  EXPECT_EQ(warnings, 3);
  EXPECT_EQ(src, kDevPort);
  EXPECT_EQ(count, 4u);
  EXPECT_EQ(ctrl & D::CTRL_DIR_MASK, D::dev_to_mem << D::CTRL_DIR_SHIFT);
  EXPECT_EQ(st_busy, D::STATUS_BUSY);
  EXPECT_EQ(st_end, D::STATUS_ERROR | (D::err_aborted << D::STATUS_CODE_SHIFT));
  EXPECT_EQ(s.dev.dack_edges, 0);
}
