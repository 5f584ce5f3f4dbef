// The bus: address decoding in two spaces, errors, DMI translation, maps that
// change at run time, the unmapped-access policy (bus.unmapped), and the
// contention model with both arbitration policies (exact waits).
#include <gtest/gtest.h>

#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include <memory>
#include <sstream>

#include "bus/bus.h"
#include "core/params.h"
#include "core/sim_control.h"
#include "core/stats.h"
#include "core/timed_signal.h"
#include "memory/memory.h"

using namespace minipc;
using sc_core::sc_time;
using sc_core::SC_NS;
using sc_core::SC_ZERO_TIME;

namespace {
// A target that records the last offset it saw and takes `latency`.
struct Recorder : sc_core::sc_module {
  tlm_utils::simple_target_socket<Recorder> socket{"socket"};
  uint64_t last_offset = ~0ull;
  int hits = 0;
  sc_time latency = SC_ZERO_TIME;
  explicit Recorder(const sc_core::sc_module_name& n) : sc_module(n) {
    socket.register_b_transport(this, &Recorder::b_transport);
  }
  void b_transport(tlm::tlm_generic_payload& p, sc_time& d) {
    last_offset = p.get_address();
    ++hits;
    d += latency;
    p.set_response_status(tlm::TLM_OK_RESPONSE);
  }
};

// An initiator that issues `count` one-word writes back to back from t=0 and
// records the wait before each grant (delay returned minus own occupancy).
struct Master : sc_core::sc_module {
  tlm_utils::simple_initiator_socket<Master> socket{"socket"};
  int count = 0;
  uint64_t address = 0x10;
  std::vector<sc_time> starts;  // when each transaction got the bus
  std::vector<tlm::tlm_response_status> statuses;
  SC_HAS_PROCESS(Master);
  explicit Master(const sc_core::sc_module_name& n) : sc_module(n) { SC_THREAD(run); }
  void run() {
    for (int i = 0; i < count; ++i) {
      uint32_t v = 0;
      tlm::tlm_generic_payload p;
      p.set_command(tlm::TLM_WRITE_COMMAND);
      p.set_address(address);
      p.set_data_ptr(reinterpret_cast<unsigned char*>(&v));
      p.set_data_length(4);
      p.set_streaming_width(4);
      sc_time d = SC_ZERO_TIME;
      const sc_time before = sc_core::sc_time_stamp();
      socket->b_transport(p, d);
      // occupancy: 1 address + 1 data beat at 100 MHz = 20 ns
      starts.push_back(sc_core::sc_time_stamp() + d - sc_time(20, SC_NS));
      statuses.push_back(p.get_response_status());
      (void)before;
      wait(d);
    }
  }
};

struct BusTest : ::testing::Test {
  void SetUp() override {
    ConfigStore::instance().clear();
    StatsRegistry::instance().clear();
    reset_sim_outcome();
  }
};

tlm::tlm_response_status poke(tlm_utils::simple_initiator_socket<Master>& s, AddressSpace space, uint64_t addr,
                              sc_time& d) {
  uint32_t v = 0;
  tlm::tlm_generic_payload p;
  p.set_extension(new AddressSpaceExtension(space));  // the payload owns and frees it
  p.set_command(tlm::TLM_READ_COMMAND);
  p.set_address(addr);
  p.set_data_ptr(reinterpret_cast<unsigned char*>(&v));
  p.set_data_length(1);
  p.set_streaming_width(1);
  s->b_transport(p, d);
  return p.get_response_status();
}
}  // namespace

TEST_F(BusTest, DecodesMemoryAndIoSpacesSeparately) {
  Bus bus("bus");
  Master m("m");
  Recorder a("a"), b("b");
  bus.connect_initiator(m.socket, "m");
  const int ta = bus.connect_target(a.socket, "a");
  const int tb = bus.connect_target(b.socket, "b");
  bus.map(AddressSpace::io, 0x3F8, 8, ta);
  bus.map(AddressSpace::memory, 0x3F8, 8, tb, 0x100);
  sc_core::sc_start(SC_ZERO_TIME);  // multi-sockets bind at end of elaboration
  sc_time d;
  EXPECT_EQ(poke(m.socket, AddressSpace::io, 0x3FD, d), tlm::TLM_OK_RESPONSE);
  EXPECT_EQ(a.last_offset, 5u);
  EXPECT_EQ(b.hits, 0);
  EXPECT_EQ(poke(m.socket, AddressSpace::memory, 0x3FD, d), tlm::TLM_OK_RESPONSE);
  EXPECT_EQ(b.last_offset, 0x105u) << "mapping offset added";
}

TEST_F(BusTest, UnmappedAnswersAddressError) {
  Bus bus("bus");
  Master m("m");
  Recorder a("a");
  bus.connect_initiator(m.socket, "m");
  bus.map(AddressSpace::io, 0x60, 1, bus.connect_target(a.socket, "a"));
  sc_core::sc_start(SC_ZERO_TIME);
  sc_time d;
  EXPECT_EQ(poke(m.socket, AddressSpace::io, 0x61, d), tlm::TLM_ADDRESS_ERROR_RESPONSE);
  EXPECT_EQ(poke(m.socket, AddressSpace::memory, 0x60, d), tlm::TLM_ADDRESS_ERROR_RESPONSE);
  EXPECT_EQ(bus.unmapped_accesses(), 2u);
}

TEST_F(BusTest, OverlappingWindowsAreRejected) {
  Bus bus("bus");
  Recorder a("a"), b("b");
  const int ta = bus.connect_target(a.socket, "a");
  const int tb = bus.connect_target(b.socket, "b");
  bus.map(AddressSpace::io, 0x40, 4, ta);
  EXPECT_THROW(bus.map(AddressSpace::io, 0x43, 2, tb), ConfigError);
  EXPECT_NO_THROW(bus.map(AddressSpace::memory, 0x40, 4, tb));
}

TEST_F(BusTest, DmiIsTranslatedToBusAddresses) {
  ConfigStore::instance().set("ram.size", "64K", "test");
  Bus bus("bus");
  Master m("m");
  Memory ram("ram");
  bus.connect_initiator(m.socket, "m");
  bus.map(AddressSpace::memory, 0x100000, 0x8000, bus.connect_target(ram.port, "ram"), 0x4000);
  sc_core::sc_start(SC_ZERO_TIME);
  tlm::tlm_generic_payload p;
  p.set_address(0x100010);
  tlm::tlm_dmi dmi;
  ASSERT_TRUE(m.socket->get_direct_mem_ptr(p, dmi));
  EXPECT_EQ(dmi.get_start_address(), 0x100000u);
  EXPECT_EQ(dmi.get_end_address(), 0x107FFFu) << "clamped to the window";
  EXPECT_EQ(dmi.get_dmi_ptr(), ram.data() + 0x4000);
}

TEST_F(BusTest, SingleInitiatorTimelineAddsOccupancyAndLatency) {
  Bus bus("bus");
  Master m("m");
  Recorder a("a");
  a.latency = sc_time(30, SC_NS);
  bus.connect_initiator(m.socket, "m");
  bus.map(AddressSpace::memory, 0, 0x100, bus.connect_target(a.socket, "a"));
  sc_core::sc_start(SC_ZERO_TIME);
  sc_time d = SC_ZERO_TIME;
  poke(m.socket, AddressSpace::memory, 0x10, d);
  EXPECT_EQ(d, sc_time(50, SC_NS)) << "1 address + 1 data cycle at 100 MHz + 30 ns target";
  // A second request at local time 10 ns meets the bus busy until 50 ns.
  sc_time d2 = sc_time(10, SC_NS);
  poke(m.socket, AddressSpace::memory, 0x10, d2);
  EXPECT_EQ(d2, sc_time(100, SC_NS));
  EXPECT_EQ(bus.wait_time(0), sc_time(40, SC_NS));
}

namespace {
void run_two_masters(const char* policy, std::vector<sc_time>& a_starts, std::vector<sc_time>& b_starts,
                     sc_time& a_wait, sc_time& b_wait) {
  ConfigStore::instance().set("bus.arbitration", policy, "test");
  Bus bus("bus");
  Master a("a"), b("b");
  Recorder t("t");
  a.count = b.count = 3;
  bus.connect_initiator(a.socket, "a", 0);
  bus.connect_initiator(b.socket, "b", 1);
  bus.map(AddressSpace::memory, 0, 0x100, bus.connect_target(t.socket, "t"));
  sc_core::sc_start(1, sc_core::SC_US);
  a_starts = a.starts;
  b_starts = b.starts;
  a_wait = bus.wait_time(0);
  b_wait = bus.wait_time(1);
  EXPECT_EQ(StatsRegistry::instance().value("bus.initiator.b.wait_ns"), b_wait.to_seconds() * 1e9);
}
}  // namespace

TEST_F(BusTest, FixedPriorityHigherPriorityNeverWaits) {
  std::vector<sc_time> a, b;
  sc_time aw, bw;
  run_two_masters("fixed_priority", a, b, aw, bw);
  ASSERT_EQ(a.size(), 3u);
  ASSERT_EQ(b.size(), 3u);
  // a holds the bus at 0, 20, 40; b gets it only when a is done: 60, 80, 100.
  EXPECT_EQ(a, (std::vector<sc_time>{sc_time(0, SC_NS), sc_time(20, SC_NS), sc_time(40, SC_NS)}));
  EXPECT_EQ(b, (std::vector<sc_time>{sc_time(60, SC_NS), sc_time(80, SC_NS), sc_time(100, SC_NS)}));
  EXPECT_EQ(aw, SC_ZERO_TIME);
  EXPECT_EQ(bw, sc_time(60, SC_NS));
}

TEST_F(BusTest, RoundRobinAlternates) {
  std::vector<sc_time> a, b;
  sc_time aw, bw;
  run_two_masters("round_robin", a, b, aw, bw);
  EXPECT_EQ(a, (std::vector<sc_time>{sc_time(0, SC_NS), sc_time(40, SC_NS), sc_time(80, SC_NS)}));
  EXPECT_EQ(b, (std::vector<sc_time>{sc_time(20, SC_NS), sc_time(60, SC_NS), sc_time(100, SC_NS)}));
  // a: 0 + 20 + 20; b: 20 + 20 + 20
  EXPECT_EQ(aw, sc_time(40, SC_NS));
  EXPECT_EQ(bw, sc_time(60, SC_NS));
}

TEST_F(BusTest, OwnerSignalFollowsGrants) {
  ConfigStore::instance().set("bus.arbitration", "round_robin", "test");
  Bus bus("bus");
  Master a("a"), b("b");
  Recorder t("t");
  a.count = b.count = 1;
  bus.connect_initiator(a.socket, "a");
  bus.connect_initiator(b.socket, "b");
  bus.map(AddressSpace::memory, 0, 0x100, bus.connect_target(t.socket, "t"));
  sc_core::sc_start(10, SC_NS);
  EXPECT_EQ(bus.owner.read(), 0);
  sc_core::sc_start(20, SC_NS);  // t = 30 ns
  EXPECT_EQ(bus.owner.read(), 1);
  sc_core::sc_start(20, SC_NS);  // t = 50 ns
  EXPECT_EQ(bus.owner.read(), -1);
}

// Without a waveform nobody watches the owner: the bus keeps the changes
// without writing the signal (no process run per transaction) until a model
// asks for it (the DMAC's idle-bus rule), then the signal follows at once.
TEST_F(BusTest, OwnerSignalIsWrittenOnlyOnceWatched) {
  timed_signals_recorded() = false;
  ConfigStore::instance().set("bus.arbitration", "round_robin", "test");
  Bus bus("bus");
  Master a("a"), b("b");
  Recorder t("t");
  a.count = b.count = 1;
  bus.connect_initiator(a.socket, "a");
  bus.connect_initiator(b.socket, "b");
  bus.map(AddressSpace::memory, 0, 0x100, bus.connect_target(t.socket, "t"));
  sc_core::sc_start(10, SC_NS);
  EXPECT_FALSE(bus.owner_watched());
  EXPECT_EQ(bus.owner.read(), -1) << "unwatched: not written";
  sc_core::sc_start(20, SC_NS);  // t = 30 ns: b holds the bus (20..40 ns)
  EXPECT_EQ(bus.owner.read(), -1);
  EXPECT_EQ(bus.watch_owner(), 1) << "the owner now, though the signal shows it only after a delta";
  EXPECT_TRUE(bus.owner_watched());
  sc_core::sc_start(1, SC_NS);  // t = 31 ns
  EXPECT_EQ(bus.owner.read(), 1);
  sc_core::sc_start(19, SC_NS);  // t = 50 ns
  EXPECT_EQ(bus.owner.read(), -1) << "and it follows the later changes";
  timed_signals_recorded() = true;
}

TEST_F(BusTest, UnknownPolicyIsConfigError) {
  ConfigStore::instance().set("bus.arbitration", "lottery", "cfg.yaml:2");
  EXPECT_THROW(Bus("bus"), ConfigError);
}

// Quiet masters (docs/bus.md): a master declared inactive does not force the
// others onto the synchronised path: a request at a future local time is
// answered from the timeline without the simulation advancing. Once the quiet
// master is active, the same request synchronises to its local time.
namespace {
struct QuietProbe : sc_core::sc_module {
  SC_HAS_PROCESS(QuietProbe);
  Master& m;
  Bus& bus;
  int quiet;
  sc_time first_returned_at, first_delay, second_returned_at, second_delay;
  QuietProbe(const sc_core::sc_module_name& n, Master& mm, Bus& b, int q) : sc_module(n), m(mm), bus(b), quiet(q) {
    SC_THREAD(run);
  }
  void run() {
    first_delay = sc_time(100, SC_NS);
    poke(m.socket, AddressSpace::memory, 0x10, first_delay);
    first_returned_at = sc_core::sc_time_stamp();
    bus.set_active(quiet, true);
    second_delay = sc_time(300, SC_NS);
    poke(m.socket, AddressSpace::memory, 0x10, second_delay);
    second_returned_at = sc_core::sc_time_stamp();
  }
};
}  // namespace

TEST_F(BusTest, QuietMasterKeepsTheOtherOnTheUnsynchronisedPath) {
  Bus bus("bus");
  Master a("a"), dma("dma");
  Recorder t("t");
  bus.connect_initiator(a.socket, "a", 1);
  const int q = bus.connect_initiator(dma.socket, "dma", 0);
  bus.map(AddressSpace::memory, 0, 0x100, bus.connect_target(t.socket, "t"));
  bus.set_active(q, false);
  EXPECT_FALSE(bus.active(q));
  QuietProbe probe("probe", a, bus, q);
  sc_core::sc_start(1, sc_core::SC_US);
  EXPECT_EQ(probe.first_returned_at, SC_ZERO_TIME) << "no synchronisation while the other master is quiet";
  EXPECT_EQ(probe.first_delay, sc_time(120, SC_NS)) << "100 ns local offset + 20 ns occupancy";
  EXPECT_TRUE(bus.active(q));
  // Active: the request waits in simulated time until its local time (300 ns)
  // for the arbitration (one delta), then returns its occupancy as delay.
  EXPECT_EQ(probe.second_returned_at, sc_time(300, SC_NS));
  EXPECT_EQ(probe.second_delay, sc_time(20, SC_NS));
  EXPECT_EQ(bus.transactions(0), 2u);
}

// ---- maps that change at run time --------------------------------------------

namespace {
// A bus with one master `m` and recording targets, connected in the order
// named; after start() the bus is elaborated and changes are run-time ones.
struct MapBench {
  Bus bus{"bus"};
  Master m{"m"};
  std::vector<std::unique_ptr<Recorder>> targets;
  std::vector<int> index;
  explicit MapBench(std::initializer_list<const char*> names) {
    bus.connect_initiator(m.socket, "m");
    for (const char* n : names) {
      targets.push_back(std::make_unique<Recorder>(n));
      index.push_back(bus.connect_target(targets.back()->socket, n));
    }
  }
  Recorder& t(size_t i) { return *targets[i]; }
  void start() { sc_core::sc_start(SC_ZERO_TIME); }
  tlm::tlm_response_status access(AddressSpace space, uint64_t addr) {
    sc_time d;
    return poke(m.socket, space, addr, d);
  }
  tlm::tlm_response_status mem(uint64_t addr) { return access(AddressSpace::memory, addr); }
};
constexpr auto kOk = tlm::TLM_OK_RESPONSE;
constexpr auto kUnmapped = tlm::TLM_ADDRESS_ERROR_RESPONSE;
}  // namespace

TEST_F(BusTest, MapAtRunTimeThenAccess) {
  MapBench b({"a"});
  b.start();
  EXPECT_EQ(b.mem(0xE0000004), kUnmapped);
  std::string why;
  ASSERT_TRUE(b.bus.try_map(AddressSpace::memory, 0xE0000000, 0x1000, b.index[0], 0x40, &why)) << why;
  EXPECT_EQ(b.mem(0xE0000004), kOk);
  EXPECT_EQ(b.t(0).last_offset, 0x44u);
}

TEST_F(BusTest, UnmapThenTheAccessIsUnmapped) {
  MapBench b({"a"});
  const int ta = b.index[0];
  b.bus.map(AddressSpace::io, 0xC000, 0x10, ta);
  b.bus.map(AddressSpace::memory, 0xF0000000, 0x10, ta);
  b.bus.map(AddressSpace::memory, 0xF1000000, 0x10, ta);
  b.start();
  EXPECT_EQ(b.access(AddressSpace::io, 0xC004), kOk);
  std::string why;
  EXPECT_FALSE(b.bus.unmap(AddressSpace::io, 0xC004, &why)) << "not the start of a window";
  EXPECT_NE(why.find("0xc004"), std::string::npos) << why;
  EXPECT_TRUE(b.bus.unmap(AddressSpace::io, 0xC000));
  EXPECT_EQ(b.access(AddressSpace::io, 0xC004), kUnmapped);
  EXPECT_EQ(b.mem(0xF0000004), kOk) << "the other space stays";
  EXPECT_EQ(b.bus.unmap_target(ta, AddressSpace::memory), 2u);
  EXPECT_EQ(b.mem(0xF0000004), kUnmapped);
  EXPECT_EQ(b.mem(0xF1000004), kUnmapped);
  EXPECT_TRUE(b.bus.mappings().empty());
}

TEST_F(BusTest, RemapMovesAWindowKeepingSizeAndOffset) {
  MapBench b({"a"});
  b.bus.map(AddressSpace::memory, 0xFEB00000, 0x100, b.index[0], 0x1000);
  b.start();
  ASSERT_TRUE(b.bus.remap(AddressSpace::memory, 0xFEB00000, 0xFE000000));
  EXPECT_EQ(b.mem(0xFEB00010), kUnmapped);
  EXPECT_EQ(b.mem(0xFE000010), kOk);
  EXPECT_EQ(b.t(0).last_offset, 0x1010u);
  EXPECT_EQ(b.mem(0xFE000100), kUnmapped) << "same size";
  // A move onto a place that overlaps only the window itself is fine.
  EXPECT_TRUE(b.bus.remap(AddressSpace::memory, 0xFE000000, 0xFE000080));
  EXPECT_EQ(b.mem(0xFE000080), kOk);
  EXPECT_EQ(b.t(0).last_offset, 0x1000u);
  std::string why;
  EXPECT_FALSE(b.bus.remap(AddressSpace::memory, 0x1234, 0x5000, &why));
  EXPECT_NE(why.find("no memory window starts at 0x1234"), std::string::npos) << why;
}

TEST_F(BusTest, OverlapIsRefusedNamingBothTargets) {
  MapBench b({"nic", "ram"});
  const int tn = b.index[0], tr = b.index[1];
  b.bus.map(AddressSpace::memory, 0, 0x100000, tr);
  b.bus.map(AddressSpace::memory, 0xFEBC0000, 0x20000, tn);
  b.start();
  std::string why;
  EXPECT_FALSE(b.bus.try_map(AddressSpace::memory, 0xF0000, 0x20000, tn, 0, &why));
  EXPECT_NE(why.find("nic"), std::string::npos) << why;
  EXPECT_NE(why.find("overlaps [0x0, 0x100000) of ram"), std::string::npos) << why;
  // A move onto RAM is refused and leaves the window where it was.
  why.clear();
  EXPECT_FALSE(b.bus.remap(AddressSpace::memory, 0xFEBC0000, 0x80000, &why));
  EXPECT_NE(why.find("of nic overlaps"), std::string::npos) << why;
  EXPECT_NE(why.find("of ram"), std::string::npos) << why;
  ASSERT_NE(b.bus.decode(AddressSpace::memory, 0xFEBC0000, 4), nullptr);
  EXPECT_EQ(b.bus.decode(AddressSpace::memory, 0xFEBC0000, 4)->target, tn);
  // The elaboration-time form throws, naming both.
  try {
    b.bus.map(AddressSpace::memory, 0xFEBD0000, 0x1000, tr);
    ADD_FAILURE() << "no ConfigError";
  } catch (const ConfigError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("bus: memory window [0xfebd0000, 0xfebd1000) of ram overlaps [0xfebc0000, 0xfebe0000) of nic"),
              std::string::npos)
        << msg;
  }
}

namespace {
// An initiator that holds DMI regions and records the invalidations it gets.
struct DmiHolder : sc_core::sc_module {
  tlm_utils::simple_initiator_socket<DmiHolder> socket{"socket"};
  std::vector<std::pair<uint64_t, uint64_t>> invalidated;
  explicit DmiHolder(const sc_core::sc_module_name& n) : sc_module(n) {
    socket.register_invalidate_direct_mem_ptr(this, &DmiHolder::invalidate);
  }
  void invalidate(sc_dt::uint64 start, sc_dt::uint64 end) { invalidated.emplace_back(start, end); }
  bool dmi(uint64_t addr, tlm::tlm_dmi& out) {
    tlm::tlm_generic_payload p;
    p.set_command(tlm::TLM_READ_COMMAND);
    p.set_address(addr);
    return socket->get_direct_mem_ptr(p, out);
  }
};
}  // namespace

TEST_F(BusTest, MapChangesInvalidateDmiForTheOldAndNewRanges) {
  ConfigStore::instance().set("ram.size", "64K", "test");
  Bus bus("bus");
  DmiHolder h("h");
  Memory ram("ram");
  bus.connect_initiator(h.socket, "h");
  const int tr = bus.connect_target(ram.port, "ram");
  bus.map(AddressSpace::memory, 0x100000, 0x10000, tr);
  sc_core::sc_start(SC_ZERO_TIME);
  tlm::tlm_dmi dmi;
  ASSERT_TRUE(h.dmi(0x100010, dmi));
  EXPECT_TRUE(h.invalidated.empty()) << "elaboration-time maps invalidate nothing";
  // Move the RAM window: the region held (old range) and the new range.
  ASSERT_TRUE(bus.remap(AddressSpace::memory, 0x100000, 0x200000));
  using R = std::pair<uint64_t, uint64_t>;
  EXPECT_EQ(h.invalidated, (std::vector<R>{{0x100000, 0x10FFFF}, {0x200000, 0x20FFFF}}));
  ASSERT_TRUE(h.dmi(0x200010, dmi));
  EXPECT_EQ(dmi.get_start_address(), 0x200000u) << "granted again at the new place";
  h.invalidated.clear();
  EXPECT_TRUE(bus.unmap(AddressSpace::memory, 0x200000));
  EXPECT_EQ(h.invalidated, (std::vector<R>{{0x200000, 0x20FFFF}}));
  EXPECT_FALSE(h.dmi(0x200010, dmi)) << "no DMI for an unmapped address";
  h.invalidated.clear();
  ASSERT_TRUE(bus.try_map(AddressSpace::memory, 0x300000, 0x8000, tr));
  EXPECT_EQ(h.invalidated, (std::vector<R>{{0x300000, 0x307FFF}})) << "a refusal remembered there is dropped too";
  h.invalidated.clear();
  ASSERT_TRUE(bus.try_map(AddressSpace::io, 0x300, 8, tr));
  EXPECT_TRUE(h.invalidated.empty()) << "no DMI in the I/O space";
}

TEST_F(BusTest, DecodeCacheIsNotStaleAfterAMove) {
  MapBench b({"a", "b"});
  b.bus.map(AddressSpace::memory, 0x1000, 0x100, b.index[0]);
  b.bus.map(AddressSpace::memory, 0x2000, 0x100, b.index[1]);
  b.start();
  EXPECT_EQ(b.mem(0x1004), kOk);  // a is the last hit
  ASSERT_TRUE(b.bus.remap(AddressSpace::memory, 0x1000, 0x3000));
  EXPECT_EQ(b.mem(0x1004), kUnmapped);
  ASSERT_TRUE(b.bus.try_map(AddressSpace::memory, 0x1000, 0x100, b.index[1], 0x80));
  EXPECT_EQ(b.mem(0x1004), kOk);
  EXPECT_EQ(b.t(1).last_offset, 0x84u) << "b's new window, not a's old one";
  EXPECT_EQ(b.t(0).hits, 1);
  EXPECT_EQ(b.mem(0x3004), kOk);
  EXPECT_EQ(b.t(0).hits, 2);
  EXPECT_EQ(b.t(0).last_offset, 4u);
}

namespace {
// A target whose writes run `action` (a BAR write moving a window).
struct MapChanger : sc_core::sc_module {
  tlm_utils::simple_target_socket<MapChanger> socket{"socket"};
  std::function<void()> action;
  explicit MapChanger(const sc_core::sc_module_name& n) : sc_module(n) {
    socket.register_b_transport(this, &MapChanger::b_transport);
  }
  void b_transport(tlm::tlm_generic_payload& p, sc_time&) {
    if (action) action();
    p.set_response_status(tlm::TLM_OK_RESPONSE);
  }
};
}  // namespace

TEST_F(BusTest, RequestWaitingForTheBusIsDecodedAgainAfterAMapChange) {
  Bus bus("bus");
  Master a("a"), b("b");
  MapChanger bridge("bridge");
  Recorder dev("dev");
  a.count = b.count = 1;
  b.address = 0x1010;
  bus.connect_initiator(a.socket, "a", 0);
  bus.connect_initiator(b.socket, "b", 1);
  bus.map(AddressSpace::memory, 0, 0x100, bus.connect_target(bridge.socket, "bridge"));
  bus.map(AddressSpace::memory, 0x1000, 0x100, bus.connect_target(dev.socket, "dev"));
  bridge.action = [&] { bus.unmap(AddressSpace::memory, 0x1000); };
  sc_core::sc_start(1, sc_core::SC_US);
  // Both request at 0; a wins and its write unmaps dev while b waits.
  ASSERT_EQ(b.statuses.size(), 1u);
  EXPECT_EQ(b.statuses[0], tlm::TLM_ADDRESS_ERROR_RESPONSE);
  EXPECT_EQ(dev.hits, 0);
  EXPECT_EQ(bus.unmapped_accesses(), 1u);
  EXPECT_EQ(bus.owner.read(), -1) << "the bus was released";
}

TEST_F(BusTest, PrintMapListsEveryWindow) {
  Bus bus("bus");
  Recorder a("a"), ram("ram");
  const int ta = bus.connect_target(a.socket, "uart0");
  const int tr = bus.connect_target(ram.socket, "ram");
  bus.map(AddressSpace::io, 0x3F8, 8, ta);
  bus.map(AddressSpace::memory, 0xFEB00000, 0x100, ta, 0x40);
  bus.map(AddressSpace::memory, 0, 0x4000000, tr);
  std::ostringstream os;
  bus.print_map(os);
  EXPECT_EQ(os.str(),
            "  memory 0x00000000-0x03ffffff  ram\n"
            "  memory 0xfeb00000-0xfeb000ff  uart0 + 0x40\n"
            "  io     0x03f8-0x03ff  uart0\n");
}

// ---- bus.unmapped ------------------------------------------------------------

TEST_F(BusTest, UnmappedOnesIsTheDefaultAndDoesNotStop) {
  MapBench b({"a"});
  b.bus.map(AddressSpace::memory, 0, 0x100, b.index[0]);
  EXPECT_EQ(b.bus.unmapped.get(), "ones");
  b.start();
  EXPECT_EQ(b.mem(0xDEAD0000), kUnmapped);
  EXPECT_FALSE(sim_outcome().has_value());
}

TEST_F(BusTest, BadUnmappedPolicyIsConfigErrorNamingTheKey) {
  ConfigStore::instance().set("bus.unmapped", "zeros", "cfg.yaml:3");
  try {
    Bus bus("bus");
    ADD_FAILURE() << "no ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("bus.unmapped: 'zeros'"), std::string::npos) << e.what();
  }
}

namespace {
// Issues one access from a thread; `returned` says whether it came back.
struct OneAccess : sc_core::sc_module {
  SC_HAS_PROCESS(OneAccess);
  tlm_utils::simple_initiator_socket<OneAccess> socket{"socket"};
  AddressSpace space = AddressSpace::memory;
  tlm::tlm_command command = tlm::TLM_READ_COMMAND;
  uint64_t address = 0;
  unsigned length = 4;
  sc_time at = SC_ZERO_TIME;
  bool returned = false;
  explicit OneAccess(const sc_core::sc_module_name& n) : sc_module(n) { SC_THREAD(run); }
  void run() {
    wait(at);
    uint8_t data[8] = {};
    tlm::tlm_generic_payload p;
    AddressSpaceExtension ext(space);
    p.set_extension(&ext);
    p.set_command(command);
    p.set_address(address);
    p.set_data_ptr(data);
    p.set_data_length(length);
    p.set_streaming_width(length);
    sc_time d = SC_ZERO_TIME;
    socket->b_transport(p, d);
    p.clear_extension(&ext);
    returned = true;
  }
};
}  // namespace

TEST_F(BusTest, UnmappedErrorIsAMachineCheckNamingMasterSpaceAddressAndContext) {
  ConfigStore::instance().set("bus.unmapped", "error", "test");
  Bus bus("bus");
  OneAccess cpu("cpu");
  Recorder ram("ram");
  cpu.address = 0xDEAD0000;
  cpu.at = sc_time(5, SC_NS);
  bus.connect_initiator(cpu.socket, "cpu0");
  bus.map(AddressSpace::memory, 0, 0x1000, bus.connect_target(ram.socket, "ram"));
  sc_core::sc_start(SC_ZERO_TIME);
  // The CPU registers its context through its socket, as models/cpu does.
  MasterContextRegistration reg;
  reg.context = [] { return std::string("EIP=0x00101234"); };
  EXPECT_TRUE(register_through(cpu.socket, reg));
  sc_core::sc_start(1, sc_core::SC_US);
  ASSERT_TRUE(sim_outcome().has_value());
  EXPECT_EQ(sim_outcome()->reason, StopReason::bus_fatal);
  EXPECT_EQ(sim_outcome()->exit_code, exit_status::bus_fatal);
  EXPECT_EQ(sim_outcome()->message,
            "bus: machine check: 4-byte read by cpu0 (EIP=0x00101234) at unmapped memory address 0xdead0000 "
            "(bus.unmapped=error)");
  EXPECT_FALSE(cpu.returned) << "the master never sees the answer";
  EXPECT_EQ(sc_core::sc_time_stamp(), sc_time(5, SC_NS)) << "stopped at the access";
  EXPECT_EQ(bus.unmapped_accesses(), 1u);
}

TEST_F(BusTest, UnmappedErrorNamesTheIoSpaceAndAMasterWithoutContext) {
  ConfigStore::instance().set("bus.unmapped", "error", "test");
  Bus bus("bus");
  OneAccess dma("dma");
  dma.space = AddressSpace::io;
  dma.command = tlm::TLM_WRITE_COMMAND;
  dma.address = 0x1234;
  dma.length = 1;
  Recorder a("a");
  bus.connect_initiator(dma.socket, "dma");
  bus.map(AddressSpace::io, 0x60, 1, bus.connect_target(a.socket, "a"));
  sc_core::sc_start(1, sc_core::SC_US);
  ASSERT_TRUE(sim_outcome().has_value());
  EXPECT_EQ(sim_outcome()->message,
            "bus: machine check: 1-byte write by dma at unmapped io port 0x1234 (bus.unmapped=error)");
  EXPECT_FALSE(dma.returned);
}

TEST_F(BusTest, UnmappedErrorLeavesMappedAccessesAndDebugAccessesAlone) {
  ConfigStore::instance().set("bus.unmapped", "error", "test");
  MapBench b({"a"});
  b.bus.map(AddressSpace::memory, 0, 0x100, b.index[0]);
  b.start();
  EXPECT_EQ(b.mem(0x10), kOk);
  uint8_t v = 0;
  tlm::tlm_generic_payload p;
  p.set_command(tlm::TLM_READ_COMMAND);
  p.set_address(0x5000);
  p.set_data_ptr(&v);
  p.set_data_length(1);
  EXPECT_EQ(b.m.socket->transport_dbg(p), 0u) << "a debugger's probe is not a machine check";
  EXPECT_FALSE(sim_outcome().has_value());
}
