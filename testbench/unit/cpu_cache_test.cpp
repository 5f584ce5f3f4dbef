// Unit tests of the CPU's cache model (models/cpu/cache.h) for accurate mode:
// the bare Cache with a recording backend (counts, LRU, policies, snoops), and
// the Cpu with its cache on a real Bus with a counting RAM, an MMIO device,
// an I/O device and a second bus master standing in for DMA.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <functional>
#include <string>
#include <tuple>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include "bus/bus.h"
#include "core/address_space.h"
#include "core/machine_check.h"
#include "core/sim_control.h"
#include "core/params.h"
#include "core/stats.h"
#include "cpu/cache.h"
#include "cpu/cpu.h"

namespace minipc {
namespace {

// ---- the bare cache -----------------------------------------------------------

// A flat memory that logs every backend call: 'R' fill, 'W' bus write,
// 'S' untimed snoop write-back.
struct RecordingBackend : Cache::Backend {
  std::vector<uint8_t> mem = std::vector<uint8_t>(64 * 1024, 0);
  std::vector<std::tuple<char, uint32_t, unsigned>> log;
  std::function<void()> during_bus_write;  // runs before a bus write lands
  bool bus_read(uint32_t addr, uint8_t* data, unsigned len) override {
    log.emplace_back('R', addr, len);
    std::memcpy(data, &mem[addr], len);
    return true;
  }
  bool bus_write(uint32_t addr, const uint8_t* data, unsigned len) override {
    log.emplace_back('W', addr, len);
    if (during_bus_write) {
      auto f = std::move(during_bus_write);
      during_bus_write = nullptr;
      f();
    }
    std::memcpy(&mem[addr], data, len);
    return true;
  }
  void snoop_write_back(uint32_t addr, const uint8_t* data, unsigned len) override {
    log.emplace_back('S', addr, len);
    std::memcpy(&mem[addr], data, len);
  }
  uint32_t word(uint32_t a) const {
    uint32_t v;
    std::memcpy(&v, &mem[a], 4);
    return v;
  }
  size_t count(char kind) const {
    size_t n = 0;
    for (const auto& e : log) n += std::get<0>(e) == kind;
    return n;
  }
};

// 1 KiB, 32-byte lines, 2 ways: 16 sets, so addresses 512 bytes apart share a set.
CacheConfig small(bool write_back) {
  CacheConfig c;
  c.enabled = true;
  c.size = 1024;
  c.line = 32;
  c.ways = 2;
  c.write_back = write_back;
  return c;
}
constexpr uint32_t kA = 0x0000, kB = 0x0200, kC = 0x0400;  // one set

uint32_t rd32(Cache& c, uint32_t a) {
  uint32_t v = 0;
  EXPECT_TRUE(c.read(a, &v, 4));
  return v;
}
void wr32(Cache& c, uint32_t a, uint32_t v) { EXPECT_TRUE(c.write(a, &v, 4)); }

TEST(CacheModel, HitMissCountingOnKnownPattern) {
  RecordingBackend be;
  Cache c(small(true), be);
  for (uint32_t a = 0; a < 128; a += 4) rd32(c, a);  // 4 lines, 32 words
  EXPECT_EQ(c.stats().read_misses, 4u);
  EXPECT_EQ(c.stats().read_hits, 28u);
  ASSERT_EQ(be.log.size(), 4u);
  for (unsigned i = 0; i < 4; ++i) EXPECT_EQ(be.log[i], std::make_tuple('R', 32 * i, 32u));  // one burst per line
  for (uint32_t a = 0; a < 128; a += 4) rd32(c, a);
  EXPECT_EQ(c.stats().read_hits, 60u);
  EXPECT_EQ(c.stats().misses(), 4u);
  rd32(c, 30);  // straddles lines 0 and 1: two hits
  EXPECT_EQ(c.stats().read_hits, 62u);
  EXPECT_EQ(be.log.size(), 4u);
  EXPECT_DOUBLE_EQ(c.stats().hit_rate(), 62.0 / 66.0);
}

TEST(CacheModel, LruEvictsLeastRecentlyUsedWay) {
  RecordingBackend be;
  Cache c(small(true), be);
  rd32(c, kA);
  rd32(c, kB);
  rd32(c, kA);  // A is now the most recently used
  rd32(c, kC);  // evicts B, not A
  EXPECT_TRUE(c.present(kA));
  EXPECT_FALSE(c.present(kB));
  EXPECT_TRUE(c.present(kC));
  EXPECT_EQ(c.stats().evictions, 1u);
  rd32(c, kB);  // now A is the least recently used
  EXPECT_FALSE(c.present(kA));
  EXPECT_TRUE(c.present(kB));
  EXPECT_TRUE(c.present(kC));
  EXPECT_EQ(c.stats().evictions, 2u);
  EXPECT_EQ(c.stats().writebacks, 0u);  // all clean
}

// The instruction-fetch fast paths (word_hits_in_line(), read_word_hits())
// and the lookup memos change nothing: a random mix of fetches of 1-5
// dwords (often in sequence, as code is fetched), loads, stores and snoops,
// done one dword at a time through read() on one cache and through the fast
// paths on another, gives the same stats and bus traffic (victim choice,
// i.e. LRU order, included), and every value read equals what a plain
// memory (the shadow: the initial bytes, the stores, the other master's
// writes) holds: a lookup memo left pointing at a replaced line returns
// the wrong bytes.
TEST(CacheModel, WordFetchFastPathsMatchOneDwordAtATime) {
  for (const bool write_back : {true, false}) {
    RecordingBackend be_ref, be_fast;
    for (size_t i = 0; i < be_ref.mem.size(); ++i) be_ref.mem[i] = be_fast.mem[i] = static_cast<uint8_t>(i * 7 + 3);
    std::vector<uint8_t> shadow = be_ref.mem;
    auto shadow32 = [&](uint32_t a) {
      uint32_t v;
      std::memcpy(&v, &shadow[a], 4);
      return v;
    };
    Cache ref(small(write_back), be_ref), fast(small(write_back), be_fast);
    uint32_t rng = 12345, pc = 0;
    auto next = [&] { return rng = rng * 1664525u + 1013904223u; };
    unsigned in_line = 0, partial = 0;
    for (int op = 0; op < 50000; ++op) {
      const uint32_t r = next();
      const uint32_t addr = (r >> 8) & 0x1FFC;  // 8 KiB: 8x the cache, many evictions
      switch (r & 7) {
        case 0: {  // a store (data)
          const uint32_t v = next();
          ASSERT_TRUE(ref.write(addr, &v, 4));
          ASSERT_TRUE(fast.write(addr, &v, 4));
          std::memcpy(&shadow[addr], &v, 4);
          break;
        }
        case 1: {  // a load (data)
          uint32_t a = 0, b = 0;
          ASSERT_TRUE(ref.read(addr, &a, 4, Cache::kData));
          ASSERT_TRUE(fast.read(addr, &b, 4, Cache::kData));
          ASSERT_EQ(a, shadow32(addr)) << "load at " << addr;
          ASSERT_EQ(b, shadow32(addr)) << "load at " << addr;
          break;
        }
        case 2:  // another master writes a dword
          if ((r >> 24) < 64) {
            const uint8_t d[4] = {1, 2, 3, static_cast<uint8_t>(op)};
            ref.snoop(true, addr, d, 4);
            fast.snoop(true, addr, d, 4);
            std::memcpy(&be_ref.mem[addr], d, 4);
            std::memcpy(&be_fast.mem[addr], d, 4);
            std::memcpy(&shadow[addr], d, 4);
          }
          break;
        default: {  // an instruction fetch of n dwords, mostly following the last
          const unsigned n = 1 + (r >> 29) % 5;
          pc = (r >> 26) % 4 ? (pc + 4) & 0x1FFC : addr;
          if (pc + 4 * n > 0x2000) pc = 0;
          uint32_t a[5] = {}, b[5] = {};
          for (unsigned k = 0; k < n; ++k) ASSERT_TRUE(ref.read(pc + 4 * k, &a[k], 4, Cache::kFetch));
          if (const uint8_t* p = fast.word_hits_in_line(pc, n)) {
            std::memcpy(b, p, 4 * n);
            ++in_line;
          } else {
            unsigned k = fast.read_word_hits(pc, n, b);
            partial += k > 0;
            for (; k < n; ++k) ASSERT_TRUE(fast.read(pc + 4 * k, &b[k], 4, Cache::kFetch));
          }
          for (unsigned k = 0; k < n; ++k) {
            ASSERT_EQ(a[k], shadow32(pc + 4 * k)) << "fetch at " << pc << " word " << k << ", op " << op;
            ASSERT_EQ(b[k], shadow32(pc + 4 * k)) << "fetch at " << pc << " word " << k << ", op " << op;
          }
          break;
        }
      }
      ASSERT_EQ(ref.stats().read_hits, fast.stats().read_hits) << "op " << op;
      ASSERT_EQ(ref.stats().read_misses, fast.stats().read_misses) << "op " << op;
      ASSERT_EQ(ref.stats().write_hits, fast.stats().write_hits) << "op " << op;
      ASSERT_EQ(ref.stats().evictions, fast.stats().evictions) << "op " << op;
    }
    EXPECT_EQ(be_ref.log, be_fast.log);
    EXPECT_EQ(be_ref.mem, be_fast.mem);
    EXPECT_GT(in_line, 1000u);  // both fast paths were taken
    EXPECT_GT(partial, 100u);
  }
}

TEST(CacheModel, WriteBackAllocatesAndWritesDirtyVictimOnce) {
  RecordingBackend be;
  Cache c(small(true), be);
  for (uint32_t i = 0; i < 10; ++i) wr32(c, kA + 4, 0x1000 + i);
  EXPECT_EQ(c.stats().write_misses, 1u);
  EXPECT_EQ(c.stats().write_hits, 9u);
  EXPECT_TRUE(c.dirty(kA));
  EXPECT_EQ(be.word(kA + 4), 0u);  // still only in the cache
  rd32(c, kB);
  rd32(c, kC);  // evicts A (dirty): one line-sized write, before C's fill
  using E = std::tuple<char, uint32_t, unsigned>;
  EXPECT_EQ(be.log, (std::vector<E>{{'R', kA, 32}, {'R', kB, 32}, {'W', kA, 32}, {'R', kC, 32}}));
  EXPECT_EQ(be.word(kA + 4), 0x1009u);
  EXPECT_EQ(c.stats().writebacks, 1u);
}

TEST(CacheModel, WriteThroughSendsEveryWriteAndDoesNotAllocate) {
  RecordingBackend be;
  Cache c(small(false), be);
  for (uint32_t i = 0; i < 10; ++i) wr32(c, kA + 4, 0x1000 + i);
  EXPECT_EQ(be.count('W'), 10u);
  EXPECT_EQ(be.count('R'), 0u);  // no write-allocate
  EXPECT_FALSE(c.present(kA));
  EXPECT_EQ(c.stats().write_misses, 10u);
  EXPECT_EQ(rd32(c, kA + 4), 0x1009u);  // fill
  wr32(c, kA + 4, 0x2222);              // hit: line and bus both updated
  EXPECT_EQ(c.stats().write_hits, 1u);
  EXPECT_EQ(be.count('W'), 11u);
  EXPECT_EQ(be.word(kA + 4), 0x2222u);
  EXPECT_EQ(rd32(c, kA + 4), 0x2222u);
  EXPECT_FALSE(c.dirty(kA));
  rd32(c, kB);
  rd32(c, kC);  // evicting a write-through line writes nothing
  EXPECT_EQ(be.count('W'), 11u);
  EXPECT_EQ(c.stats().writebacks, 0u);
}

TEST(CacheModel, SnoopWriteInvalidatesAndWritesBackDirtyFirst) {
  RecordingBackend be;
  Cache c(small(true), be);
  rd32(c, kB);      // clean
  wr32(c, kA, 7);   // dirty
  const uint32_t dma = 0xAAAAAAAA;
  c.snoop(true, kB, reinterpret_cast<const uint8_t*>(&dma), 4);
  EXPECT_FALSE(c.present(kB));
  EXPECT_EQ(be.count('S'), 0u);  // clean: nothing to write back
  c.snoop(true, kA + 8, reinterpret_cast<const uint8_t*>(&dma), 4);
  EXPECT_FALSE(c.present(kA));
  EXPECT_EQ(be.count('S'), 1u);
  EXPECT_EQ(be.word(kA), 7u);  // the CPU's write reached memory first
  EXPECT_EQ(c.stats().snoop_invalidations, 2u);
  EXPECT_EQ(c.stats().snoop_writebacks, 1u);
}

TEST(CacheModel, SnoopReadWritesBackDirtyLineAndKeepsItClean) {
  RecordingBackend be;
  Cache c(small(true), be);
  wr32(c, kA, 0x5555);
  c.snoop(false, kA, nullptr, 4);
  EXPECT_EQ(be.word(kA), 0x5555u);
  EXPECT_TRUE(c.present(kA));
  EXPECT_FALSE(c.dirty(kA));
  EXPECT_EQ(c.stats().snoop_invalidations, 0u);
  c.snoop(false, kA, nullptr, 4);  // clean now: no second write-back
  EXPECT_EQ(be.count('S'), 1u);
}

// A dirty victim waits for the bus while another master writes part of the
// line: the late write-back must not undo that write.
TEST(CacheModel, SnoopWriteDuringPendingWriteBackIsMerged) {
  RecordingBackend be;
  Cache c(small(true), be);
  wr32(c, kA, 0x11111111);
  wr32(c, kA + 4, 0x22222222);
  rd32(c, kB);
  const uint32_t dma = 0xDDDDDDDD;
  be.during_bus_write = [&] {
    c.snoop(true, kA + 4, reinterpret_cast<const uint8_t*>(&dma), 4);  // the bus snoops ...
    std::memcpy(&be.mem[kA + 4], &dma, 4);                             // ... then the DMA write lands
  };
  rd32(c, kC);  // evicts A: its write-back is "waiting" when the DMA write happens
  EXPECT_EQ(be.word(kA), 0x11111111u);
  EXPECT_EQ(be.word(kA + 4), 0xDDDDDDDDu);
}

TEST(CacheModel, BadParametersAreRejectedNamingTheKey) {
  auto& cfg = ConfigStore::instance();
  auto expect_error = [&](const std::string& key, const std::string& value) {
    cfg.clear();
    cfg.set(key, value, "test");
    try {
      CacheParams("cpu0.cache").config();
      ADD_FAILURE() << key << "=" << value << " was accepted";
    } catch (const ConfigError& e) {
      EXPECT_NE(std::string(e.what()).find(key), std::string::npos) << e.what();
    }
  };
  expect_error("cpu0.cache.size", "3000");
  expect_error("cpu0.cache.size", "0");
  expect_error("cpu0.cache.line", "24");
  expect_error("cpu0.cache.line", "16K");  // larger than the 8 KiB default size
  expect_error("cpu0.cache.ways", "3");
  expect_error("cpu0.cache.ways", "512");  // 8 KiB / 32 = 256 lines
  expect_error("cpu0.cache.write_policy", "write_around");
  cfg.clear();
  const CacheConfig ok = CacheParams("cpu0.cache").config();
  EXPECT_FALSE(ok.enabled);
  EXPECT_EQ(ok.size, 8192u);
  EXPECT_EQ(ok.line, 32u);
  EXPECT_EQ(ok.ways, 2u);
  EXPECT_TRUE(ok.write_back);
}

TEST(CacheModel, CacheInFastModeIsRejected) {
  auto& cfg = ConfigStore::instance();
  cfg.set("cpu0.mode", "fast", "test");
  cfg.set("cpu0.cache.enabled", "true", "test");
  try {
    Cpu cpu("cpu0");
    ADD_FAILURE() << "a cache in fast mode was accepted";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("cpu0.cache.enabled"), std::string::npos) << e.what();
  }
}

// A clock whose period rounds to zero time units (1 ps resolution) would
// make every instruction free; the CPU refuses it, naming the key.
TEST(CpuConfig, ClockPeriodBelowTheTimeResolutionIsRejected) {
  auto& cfg = ConfigStore::instance();
  cfg.set("cpu0.clock_hz", "1e13", "test");
  try {
    Cpu cpu("cpu0");
    ADD_FAILURE() << "a 0.1 ps clock period was accepted";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("cpu0.clock_hz"), std::string::npos) << e.what();
  }
}

// ---- the Cpu with its cache on a bus ------------------------------------------

// RAM that counts its transactions and grants read/write DMI (which is what
// makes it cacheable for the CPU).
struct CountingRam : sc_core::sc_module {
  tlm_utils::simple_target_socket<CountingRam> socket{"socket"};
  std::vector<uint8_t> mem = std::vector<uint8_t>(64 * 1024, 0);
  unsigned reads = 0, writes = 0;
  std::vector<unsigned> read_lens, write_lens;
  explicit CountingRam(sc_core::sc_module_name n) : sc_module(n) {
    socket.register_b_transport(this, &CountingRam::b_transport);
    socket.register_get_direct_mem_ptr(this, &CountingRam::get_dmi);
    socket.register_transport_dbg(this, &CountingRam::dbg);
  }
  // The first read that touches [error_lo, error_hi) answers
  // TLM_GENERIC_ERROR_RESPONSE with a MachineCheckExtension (a memory error
  // inside DMI memory); later reads succeed.
  uint64_t error_lo = 0, error_hi = 0;
  void b_transport(tlm::tlm_generic_payload& p, sc_core::sc_time& delay) {
    const uint64_t a = p.get_address();
    const unsigned n = p.get_data_length();
    if (p.is_read() && a < error_hi && a + n > error_lo) {
      ++reads;
      read_lens.push_back(n);
      auto* mce = new MachineCheckExtension;
      mce->address = std::max(a, error_lo);
      delete p.set_extension(mce);
      error_lo = error_hi = 0;
      p.set_response_status(tlm::TLM_GENERIC_ERROR_RESPONSE);
      return;
    }
    if (p.is_read()) {
      ++reads;
      read_lens.push_back(n);
      std::memcpy(p.get_data_ptr(), &mem[a], n);
    } else {
      ++writes;
      write_lens.push_back(n);
      std::memcpy(&mem[a], p.get_data_ptr(), n);
    }
    delay += sc_core::sc_time(20, sc_core::SC_NS);
    p.set_response_status(tlm::TLM_OK_RESPONSE);
  }
  bool get_dmi(tlm::tlm_generic_payload&, tlm::tlm_dmi& d) {
    d.set_dmi_ptr(mem.data());
    d.set_start_address(0);
    d.set_end_address(mem.size() - 1);
    d.set_granted_access(tlm::tlm_dmi::DMI_ACCESS_READ_WRITE);
    return true;
  }
  unsigned dbg(tlm::tlm_generic_payload& p) {
    const uint64_t a = p.get_address();
    const unsigned n = p.get_data_length();
    if (p.is_read()) std::memcpy(p.get_data_ptr(), &mem[a], n);
    else if (p.is_write()) std::memcpy(&mem[a], p.get_data_ptr(), n);
    return n;
  }
  uint32_t word(uint32_t a) const {
    uint32_t v;
    std::memcpy(&v, &mem[a], 4);
    return v;
  }
};

// A register block (memory-mapped or port): no DMI, counts accesses.
struct Device : sc_core::sc_module {
  tlm_utils::simple_target_socket<Device> socket{"socket"};
  unsigned reads = 0, writes = 0, max_len = 0;
  explicit Device(sc_core::sc_module_name n) : sc_module(n) { socket.register_b_transport(this, &Device::b_transport); }
  void b_transport(tlm::tlm_generic_payload& p, sc_core::sc_time& delay) {
    max_len = std::max(max_len, p.get_data_length());
    if (p.is_read()) {
      ++reads;
      std::memset(p.get_data_ptr(), 0x5A, p.get_data_length());
    } else {
      ++writes;
    }
    delay += sc_core::sc_time(10, sc_core::SC_NS);
    p.set_response_status(tlm::TLM_OK_RESPONSE);
  }
};

// The second bus master: runs `script` in its own thread.
struct Master : sc_core::sc_module {
  tlm_utils::simple_initiator_socket<Master> socket{"socket"};
  std::function<void(Master&)> script;
  SC_HAS_PROCESS(Master);
  explicit Master(sc_core::sc_module_name n) : sc_module(n) { SC_THREAD(run); }
  void run() {
    if (script) script(*this);
  }
  bool access(bool write, uint32_t addr, void* data, unsigned len) {
    tlm::tlm_generic_payload p;
    p.set_command(write ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND);
    p.set_address(addr);
    p.set_data_ptr(static_cast<unsigned char*>(data));
    p.set_data_length(len);
    p.set_streaming_width(len);
    p.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    sc_core::sc_time d = sc_core::SC_ZERO_TIME;
    socket->b_transport(p, d);
    wait(d);
    return p.is_response_ok();
  }
};

constexpr uint32_t kCode = 0x100;
constexpr uint32_t kMmio = 0x100000;

// cpu0 (accurate, cache on) and "dma" on a bus; RAM at 0 (64 KiB), a device
// at kMmio (memory) and one at port 0x80.
struct System {
  explicit System(const std::string& policy = "write_back") {
    auto& cfg = ConfigStore::instance();
    cfg.set("cpu0.mode", "accurate", "test");
    cfg.set("cpu0.cache.enabled", "true", "test");
    cfg.set("cpu0.cache.write_policy", policy, "test");
    cpu = std::make_unique<Cpu>("cpu0");
    cpu->intr.bind(intr);
    cpu_master = bus.connect_initiator(cpu->mem, "cpu0", 1);
    bus.connect_initiator(cpu->io, "cpu0");
    bus.connect_initiator(dma.socket, "dma", 0);
    bus.map(AddressSpace::memory, 0, ram.mem.size(), bus.connect_target(ram.socket, "ram"));
    bus.map(AddressSpace::memory, kMmio, 0x1000, bus.connect_target(mmio.socket, "mmio"));
    bus.map(AddressSpace::io, 0x80, 1, bus.connect_target(port.socket, "port"));
  }
  void load(const std::vector<uint8_t>& code) {
    std::memcpy(&ram.mem[kCode], code.data(), code.size());
    cpu->set_entry_state(kCode, 0, 0);
  }
  void run(double us = 1000) { sc_core::sc_start(sc_core::sc_time(us, sc_core::SC_US)); }
  uint32_t gpr(reg::Gpr r) { return cpu->core().gpr(r); }
  const Cache::Stats& stats() { return cpu->cache()->stats(); }

  Bus bus{"bus"};
  CountingRam ram{"ram"};
  Device mmio{"mmio"}, port{"port"};
  Master dma{"dma"};
  sc_core::sc_signal<bool> intr{"intr"};
  std::unique_ptr<Cpu> cpu;
  int cpu_master = -1;
};

void put32(std::vector<uint8_t>& v, uint32_t x) {
  for (int i = 0; i < 4; ++i) v.push_back(static_cast<uint8_t>(x >> (8 * i)));
}
// mov ecx, n; d: dec ecx; jnz d  (a few microseconds of accurate-mode time)
void delay_loop(std::vector<uint8_t>& v, uint32_t n) {
  v.push_back(0xB9);
  put32(v, n);
  v.insert(v.end(), {0x49, 0x75, 0xFD});
}

TEST(CpuCache, MmioAndIoAreNeverCached) {
  System s;
  // mov ecx, 4; l: mov eax, [kMmio]; mov [kMmio+4], eax; in al, 0x80; dec ecx; jnz l; hlt
  s.load({0xB9, 0x04, 0x00, 0x00, 0x00, 0xA1, 0x00, 0x00, 0x10, 0x00, 0xA3, 0x04, 0x00, 0x10, 0x00, 0xE4, 0x80,
          0x49, 0x75, 0xF1, 0xF4});
  s.run(100);
  ASSERT_TRUE(s.cpu->halted.read());
  ASSERT_TRUE(s.cpu->cache_snooping());
  EXPECT_EQ(s.mmio.reads, 4u);  // every load reached the device ...
  EXPECT_EQ(s.mmio.writes, 4u);
  EXPECT_EQ(s.mmio.max_len, 4u);  // ... as itself, never as a line fill
  EXPECT_EQ(s.port.reads, 4u);
  EXPECT_FALSE(s.cpu->cache()->present(kMmio));
  EXPECT_EQ(s.gpr(reg::eax) & 0xFF, 0x5Au);
  // The code is cached: one line fill, every other fetch a hit.
  EXPECT_EQ(s.ram.reads, 1u);
  EXPECT_EQ(s.ram.read_lens, std::vector<unsigned>{32});
  EXPECT_EQ(s.stats().read_misses, 1u);
  EXPECT_GT(s.stats().read_hits, 10u);
  EXPECT_EQ(s.stats().write_hits + s.stats().write_misses, 0u);
  EXPECT_EQ(StatsRegistry::instance().value("cpu0.cache.misses"), 1.0);
}

// A line fill for a load that meets a memory error with a machine check:
// the load's machine check (here, CR4.MCE=0: shutdown), not a second,
// uncached read of the same word.
TEST(CpuCache, LineFillMachineCheckIsTheLoadsMachineCheck) {
  System s;
  s.ram.error_lo = 0x8004;
  s.ram.error_hi = 0x8008;
  s.load({0xA1, 0x04, 0x80, 0x00, 0x00, 0xF4});  // mov eax, [0x8004]; hlt
  s.run(100);
  ASSERT_TRUE(sim_outcome().has_value());
  EXPECT_EQ(sim_outcome()->reason, StopReason::cpu_fatal);
  EXPECT_NE(sim_outcome()->message.find("machine check: uncorrected memory read error at physical address 0x00008004 "
                                        "at EIP=0x00000100: shutdown"),
            std::string::npos)
      << sim_outcome()->message;
  EXPECT_EQ(s.ram.read_lens, (std::vector<unsigned>{32, 32})) << "the code line, the failed fill; no retry";
  EXPECT_EQ(s.cpu->core().msr(mca::IA32_MC0_ADDR), 0x8004u);
}

// mov ecx, 64; l: mov [0x8000], ecx; dec ecx; jnz l; hlt
const std::vector<uint8_t> kStoreLoop = {0xB9, 0x40, 0x00, 0x00, 0x00, 0x89, 0x0D, 0x00,
                                         0x80, 0x00, 0x00, 0x49, 0x75, 0xF7, 0xF4};

TEST(CpuCache, WriteBackKeepsRepeatedStoresOffTheBus) {
  System s("write_back");
  s.load(kStoreLoop);
  s.run(100);
  ASSERT_TRUE(s.cpu->halted.read());
  EXPECT_EQ(s.ram.writes, 0u);  // the line is dirty, never evicted
  EXPECT_EQ(s.ram.read_lens, (std::vector<unsigned>{32, 32}));  // code line, write-allocate fill
  EXPECT_EQ(s.stats().write_misses, 1u);
  EXPECT_EQ(s.stats().write_hits, 63u);
  EXPECT_EQ(s.ram.word(0x8000), 0u);  // memory is stale ...
  uint32_t v = 0;
  s.cpu->debug_access(false, 0x8000, reinterpret_cast<uint8_t*>(&v), 4);
  EXPECT_EQ(v, 1u);  // ... the debugger sees the CPU's data
  EXPECT_EQ(s.bus.transactions(s.cpu_master), 2u);
}

TEST(CpuCache, WriteThroughSendsEveryStoreToTheBus) {
  System s("write_through");
  s.load(kStoreLoop);
  s.run(100);
  ASSERT_TRUE(s.cpu->halted.read());
  EXPECT_EQ(s.ram.writes, 64u);
  EXPECT_EQ(s.ram.write_lens, std::vector<unsigned>(64, 4));
  EXPECT_EQ(s.ram.read_lens, std::vector<unsigned>{32});  // code only: no write-allocate
  EXPECT_EQ(s.stats().write_misses, 64u);
  EXPECT_EQ(s.ram.word(0x8000), 1u);
  EXPECT_EQ(s.bus.transactions(s.cpu_master), 65u);
}

// Code whose bytes change in the cache runs as changed: the CPU fetches a
// decoded instruction's dwords straight from the line it fetched last
// (Cpu::fetch_code()) and checks them against the decoded record. A store
// by the loop into an instruction of its own line (a write hit: same line,
// new bytes), and a DMA write over an instruction (a snoop: the line is
// invalidated and filled again). (One SystemC elaboration per process:
// two tests.)
TEST(CpuCache, CodeStoredOverInItsOwnLineRunsAsStored) {
  {
    System s;
    // mov ecx, 20; xor ebx, ebx; l: mov eax, 1; add ebx, eax; mov dword [0x108], 2; dec ecx; jnz l; hlt
    s.load({0xB9, 0x14, 0x00, 0x00, 0x00, 0x31, 0xDB, 0xB8, 0x01, 0x00, 0x00, 0x00, 0x01, 0xC3, 0xC7, 0x05,
            0x08, 0x01, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x49, 0x75, 0xEC, 0xF4});
    s.run(100);
    ASSERT_TRUE(s.cpu->halted.read());
    EXPECT_EQ(s.gpr(reg::ebx), 1u + 19u * 2u);  // the first pass adds 1, the other 19 add 2
    EXPECT_EQ(s.stats().write_hits, 20u);        // the stores hit the code's line
    EXPECT_EQ(s.stats().read_misses, 1u);
  }
}

TEST(CpuCache, CodeWrittenByDmaRunsAsWritten) {
  {
    System s;
    // mov ecx, 2000; xor ebx, ebx; l: mov eax, 1; add ebx, eax; dec ecx; jnz l; hlt
    s.load({0xB9, 0xD0, 0x07, 0x00, 0x00, 0x31, 0xDB, 0xB8, 0x01, 0x00, 0x00, 0x00, 0x01, 0xC3, 0x49, 0x75, 0xF6,
            0xF4});
    s.dma.script = [&](Master& m) {
      wait(2, sc_core::SC_US);
      uint32_t v = 3;
      EXPECT_TRUE(m.access(true, 0x108, &v, 4));  // mov eax, 3 from now on
    };
    s.run();
    ASSERT_TRUE(s.cpu->halted.read());
    EXPECT_EQ(s.gpr(reg::eax), 3u);
    const uint32_t ebx = s.gpr(reg::ebx), threes = (ebx - 2000) / 2;
    EXPECT_EQ((ebx - 2000) % 2, 0u);
    EXPECT_GT(threes, 1000u);  // most passes ran after the write ...
    EXPECT_LT(threes, 2000u);  // ... but not all
    EXPECT_EQ(s.stats().snoop_invalidations, 1u);
    EXPECT_EQ(s.stats().read_misses, 2u);  // the code line, and again after the snoop
  }
}

TEST(CpuCache, DmaWriteInvalidatesCachedLine) {
  System s;
  s.ram.mem[0x8000] = 0x11;
  // mov eax, [0x8000]; <delay>; mov ebx, [0x8000]; hlt
  std::vector<uint8_t> code = {0xA1, 0x00, 0x80, 0x00, 0x00};
  delay_loop(code, 1000);
  code.insert(code.end(), {0x8B, 0x1D, 0x00, 0x80, 0x00, 0x00, 0xF4});
  s.load(code);
  bool cached_before = false, cached_after = true;
  s.dma.script = [&](Master& m) {
    wait(2, sc_core::SC_US);
    cached_before = s.cpu->cache()->present(0x8000);
    uint32_t v = 0x22;
    EXPECT_TRUE(m.access(true, 0x8000, &v, 4));
    cached_after = s.cpu->cache()->present(0x8000);
  };
  s.run();
  ASSERT_TRUE(s.cpu->halted.read());
  EXPECT_TRUE(cached_before);
  EXPECT_FALSE(cached_after);
  EXPECT_EQ(s.gpr(reg::eax), 0x11u);
  EXPECT_EQ(s.gpr(reg::ebx), 0x22u);  // not the stale cached 0x11
  EXPECT_EQ(s.stats().snoop_invalidations, 1u);
}

TEST(CpuCache, DmaReadGetsDirtyLineWrittenBackFirst) {
  System s("write_back");
  // mov dword [0x8000], 0x33333333; <delay>; hlt
  std::vector<uint8_t> code = {0xC7, 0x05, 0x00, 0x80, 0x00, 0x00, 0x33, 0x33, 0x33, 0x33};
  delay_loop(code, 1000);
  code.push_back(0xF4);
  s.load(code);
  uint32_t ram_before = 1, seen = 0;
  bool dirty_before = false, dirty_after = true, present_after = false;
  s.dma.script = [&](Master& m) {
    wait(2, sc_core::SC_US);
    ram_before = s.ram.word(0x8000);
    dirty_before = s.cpu->cache()->dirty(0x8000);
    EXPECT_TRUE(m.access(false, 0x8000, &seen, 4));
    dirty_after = s.cpu->cache()->dirty(0x8000);
    present_after = s.cpu->cache()->present(0x8000);
  };
  s.run();
  ASSERT_TRUE(s.cpu->halted.read());
  EXPECT_EQ(ram_before, 0u);  // the store was only in the cache
  EXPECT_TRUE(dirty_before);
  EXPECT_EQ(seen, 0x33333333u);  // the DMA read saw the CPU's data
  EXPECT_FALSE(dirty_after);
  EXPECT_TRUE(present_after);  // written back, kept (clean)
  EXPECT_EQ(s.ram.word(0x8000), 0x33333333u);
  EXPECT_EQ(s.stats().snoop_writebacks, 1u);
  EXPECT_EQ(s.stats().writebacks, 0u);
}

TEST(CpuCache, DmaWriteIntoDirtyLineKeepsBothWrites) {
  System s("write_back");
  // mov dword [0x8000], 0x33333333; <delay>; mov eax, [0x8000]; mov ebx, [0x8004]; hlt
  std::vector<uint8_t> code = {0xC7, 0x05, 0x00, 0x80, 0x00, 0x00, 0x33, 0x33, 0x33, 0x33};
  delay_loop(code, 1000);
  code.insert(code.end(), {0xA1, 0x00, 0x80, 0x00, 0x00, 0x8B, 0x1D, 0x04, 0x80, 0x00, 0x00, 0xF4});
  s.load(code);
  s.dma.script = [&](Master& m) {
    wait(2, sc_core::SC_US);
    uint32_t v = 0x44444444;
    EXPECT_TRUE(m.access(true, 0x8004, &v, 4));
  };
  s.run();
  ASSERT_TRUE(s.cpu->halted.read());
  EXPECT_EQ(s.gpr(reg::eax), 0x33333333u);
  EXPECT_EQ(s.gpr(reg::ebx), 0x44444444u);
  EXPECT_EQ(s.ram.word(0x8000), 0x33333333u);
  EXPECT_EQ(s.ram.word(0x8004), 0x44444444u);
  EXPECT_EQ(s.stats().snoop_writebacks, 1u);
  EXPECT_EQ(s.stats().snoop_invalidations, 1u);
}

}  // namespace
}  // namespace minipc
