// The bus: address decoding in two spaces, errors, DMI translation, and the
// contention model with both arbitration policies (exact waits).
#include <gtest/gtest.h>

#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include "bus/bus.h"
#include "core/params.h"
#include "core/stats.h"
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
  std::vector<sc_time> starts;  // when each transaction got the bus
  SC_HAS_PROCESS(Master);
  explicit Master(const sc_core::sc_module_name& n) : sc_module(n) { SC_THREAD(run); }
  void run() {
    for (int i = 0; i < count; ++i) {
      uint32_t v = 0;
      tlm::tlm_generic_payload p;
      p.set_command(tlm::TLM_WRITE_COMMAND);
      p.set_address(0x10);
      p.set_data_ptr(reinterpret_cast<unsigned char*>(&v));
      p.set_data_length(4);
      p.set_streaming_width(4);
      sc_time d = SC_ZERO_TIME;
      const sc_time before = sc_core::sc_time_stamp();
      socket->b_transport(p, d);
      // occupancy: 1 address + 1 data beat at 100 MHz = 20 ns
      starts.push_back(sc_core::sc_time_stamp() + d - sc_time(20, SC_NS));
      (void)before;
      wait(d);
    }
  }
};

struct BusTest : ::testing::Test {
  void SetUp() override {
    ConfigStore::instance().clear();
    StatsRegistry::instance().clear();
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
