// The bus-master kit (core/bus_master.h): the payloads it builds, its timing,
// its quiet/active state and observation through a BusMasterHost, and how it
// records failed accesses. The kit is tested against a fake host and a
// target bound straight to its socket, then once through the real Bus.
#include <gtest/gtest.h>

#include <tlm_utils/simple_target_socket.h>

#include <functional>
#include <map>
#include <vector>

#include "bus/bus.h"
#include "core/bus_master.h"
#include "core/params.h"
#include "core/stats.h"

using namespace minipc;
using sc_core::sc_time;
using sc_core::SC_NS;
using sc_core::SC_ZERO_TIME;

namespace {

// A host that records what the kit tells it and answers set wait figures.
struct FakeHost : BusMasterHost {
  std::vector<std::pair<int, bool>> activity;
  std::map<int, sc_time> waits;
  std::string name = "fake";
  void set_active(int master, bool active) override { activity.emplace_back(master, active); }
  sc_time wait_time(int master) const override {
    auto it = waits.find(master);
    return it == waits.end() ? SC_ZERO_TIME : it->second;
  }
  const std::string& initiator_name(int) const override { return name; }
  // No master announces windows here.
  void want_windows(int, bool) override {}
  FreeWindow free_window(int) const override { return {}; }
  const sc_core::sc_event& window_changed() const override { return never; }
  bool transaction_time(tlm::tlm_command, AddressSpace, uint64_t, unsigned, sc_time&) const override { return false; }
  sc_core::sc_event never{"never"};
};

// A target that records the payload it last saw, takes `latency`, and
// answers an address error from `error_from` on.
struct Checker : sc_core::sc_module {
  tlm_utils::simple_target_socket<Checker> socket{"socket"};
  sc_time latency = SC_ZERO_TIME;
  uint64_t error_from = ~0ull;
  tlm::tlm_command command = tlm::TLM_IGNORE_COMMAND;
  uint64_t address = 0;
  unsigned length = 0, streaming_width = 0;
  bool byte_enables = true, dmi_allowed = true;
  AddressSpace space = AddressSpace::memory;
  std::vector<uint8_t> written;
  uint8_t fill = 0x5A;
  explicit Checker(const sc_core::sc_module_name& n) : sc_module(n) {
    socket.register_b_transport(this, &Checker::b_transport);
  }
  void b_transport(tlm::tlm_generic_payload& p, sc_time& d) {
    command = p.get_command();
    address = p.get_address();
    length = p.get_data_length();
    streaming_width = p.get_streaming_width();
    byte_enables = p.get_byte_enable_ptr() != nullptr;
    dmi_allowed = p.is_dmi_allowed();
    space = address_space_of(p);
    d += latency;
    if (address >= error_from) {
      p.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
      return;
    }
    if (p.is_write()) written.assign(p.get_data_ptr(), p.get_data_ptr() + length);
    else std::fill(p.get_data_ptr(), p.get_data_ptr() + length, fill);
    p.set_response_status(tlm::TLM_OK_RESPONSE);
  }
};

// A device with the kit and a thread running `script`.
struct Engine : sc_core::sc_module {
  SC_HAS_PROCESS(Engine);
  BusMaster master{"master"};
  std::function<void()> script;
  explicit Engine(const sc_core::sc_module_name& n) : sc_module(n) { SC_THREAD(run); }
  void run() {
    if (script) script();
  }
};

struct BusMasterTest : ::testing::Test {
  void SetUp() override {
    ConfigStore::instance().clear();
    StatsRegistry::instance().clear();
  }
};

}  // namespace

TEST_F(BusMasterTest, ReadAndWriteBuildPlainPayloads) {
  Engine e("nic");
  Checker t("t");
  e.master.socket.bind(t.socket);
  EXPECT_STREQ(e.master.socket.name(), "nic.master") << "named under the device";
  std::vector<uint8_t> got(2);
  bool w = false, r = false;
  e.script = [&] {
    const uint8_t desc[4] = {1, 2, 3, 4};
    w = e.master.write(0x1000, desc, 4);
    EXPECT_EQ(t.command, tlm::TLM_WRITE_COMMAND);
    EXPECT_EQ(t.address, 0x1000u);
    EXPECT_EQ(t.space, AddressSpace::memory);
    EXPECT_EQ(t.written, (std::vector<uint8_t>{1, 2, 3, 4}));
    r = e.master.read(AddressSpace::io, 0x60, got.data(), 2);
  };
  sc_core::sc_start(1, sc_core::SC_US);
  EXPECT_TRUE(w);
  EXPECT_TRUE(r);
  EXPECT_EQ(t.command, tlm::TLM_READ_COMMAND);
  EXPECT_EQ(t.address, 0x60u);
  EXPECT_EQ(t.space, AddressSpace::io);
  EXPECT_EQ(t.length, 2u);
  EXPECT_EQ(t.streaming_width, 2u);
  EXPECT_FALSE(t.byte_enables);
  EXPECT_FALSE(t.dmi_allowed);
  EXPECT_EQ(got, (std::vector<uint8_t>{0x5A, 0x5A}));
  EXPECT_EQ(e.master.failures(), 0u);
}

TEST_F(BusMasterTest, WaitsTheAnnotatedDelayAfterTellingTheDevice) {
  Engine e("dma");
  Checker t("t");
  t.latency = sc_time(30, SC_NS);
  e.master.socket.bind(t.socket);
  std::vector<std::pair<sc_time, sc_time>> granted;  // (when, remaining)
  e.master.on_granted = [&](const sc_time& remaining) { granted.emplace_back(sc_core::sc_time_stamp(), remaining); };
  sc_time after_first, after_second;
  e.script = [&] {
    uint8_t b[4];
    e.master.read(0x10, b, 4);
    after_first = sc_core::sc_time_stamp();
    e.master.read(0x10, b, 4);
    after_second = sc_core::sc_time_stamp();
  };
  sc_core::sc_start(1, sc_core::SC_US);
  EXPECT_EQ(after_first, sc_time(30, SC_NS));
  EXPECT_EQ(after_second, sc_time(60, SC_NS));
  ASSERT_EQ(granted.size(), 2u);
  EXPECT_EQ(granted[0], std::make_pair(SC_ZERO_TIME, sc_time(30, SC_NS))) << "before the wait";
  EXPECT_EQ(granted[1], std::make_pair(sc_time(30, SC_NS), sc_time(30, SC_NS)));
}

TEST_F(BusMasterTest, TransportKeepsTheCallersLocalTime) {
  Engine e("nic");
  Checker t("t");
  t.latency = sc_time(30, SC_NS);
  t.error_from = 0x100;
  e.master.socket.bind(t.socket);
  bool hook_called = false;
  e.master.on_granted = [&](const sc_time&) { hook_called = true; };
  sc_time d1 = sc_time(5, SC_NS), d2 = SC_ZERO_TIME, at;
  tlm::tlm_response_status s1 = tlm::TLM_INCOMPLETE_RESPONSE, s2 = tlm::TLM_INCOMPLETE_RESPONSE;
  e.script = [&] {
    uint8_t desc[16] = {};
    s1 = e.master.transport(tlm::TLM_READ_COMMAND, AddressSpace::memory, 0x40, desc, 16, d1);
    s2 = e.master.transport(tlm::TLM_WRITE_COMMAND, AddressSpace::memory, 0x200, desc, 4, d2);
    at = sc_core::sc_time_stamp();
  };
  sc_core::sc_start(1, sc_core::SC_US);
  EXPECT_EQ(s1, tlm::TLM_OK_RESPONSE);
  EXPECT_EQ(d1, sc_time(35, SC_NS)) << "the local offset plus the target's latency";
  EXPECT_EQ(at, SC_ZERO_TIME) << "no wait";
  EXPECT_FALSE(hook_called);
  EXPECT_EQ(s2, tlm::TLM_ADDRESS_ERROR_RESPONSE);
  EXPECT_EQ(e.master.failures(), 1u);
  EXPECT_EQ(e.master.last_failure().address, 0x200u);
}

TEST_F(BusMasterTest, FailedAccessIsRecordedForTheDevicesErrorStatus) {
  Engine e("disk0");
  Checker t("t");
  t.error_from = 0x2000;
  e.master.socket.bind(t.socket);
  bool ok1 = true, ok2 = false;
  e.script = [&] {
    uint8_t b[8] = {};
    ok1 = e.master.write(0x2000, b, 4);
    ok2 = e.master.read(0x100, b, 8);
  };
  sc_core::sc_start(1, sc_core::SC_US);
  EXPECT_FALSE(ok1);
  EXPECT_TRUE(ok2) << "a later good access is not affected";
  EXPECT_EQ(e.master.failures(), 1u);
  const BusMaster::Failure& f = e.master.last_failure();
  EXPECT_TRUE(f.write);
  EXPECT_EQ(f.address, 0x2000u);
  EXPECT_EQ(f.length, 4u);
  EXPECT_EQ(f.status, tlm::TLM_ADDRESS_ERROR_RESPONSE);
  EXPECT_EQ(BusMaster::describe(f), "address error writing memory 0x2000 (4 bytes)");
}

TEST_F(BusMasterTest, QuietStateReachesTheHostAtAttachAndAfter) {
  Engine e("dma");
  FakeHost host;
  e.master.set_active(false);  // an idle engine, before the platform connects it
  EXPECT_TRUE(host.activity.empty());
  EXPECT_EQ(e.master.index(), -1);
  e.master.attach(host, 3);
  EXPECT_EQ(e.master.index(), 3);
  EXPECT_EQ(e.master.host(), &host);
  e.master.set_active(true);
  using A = std::pair<int, bool>;
  EXPECT_EQ(host.activity, (std::vector<A>{{3, false}, {3, true}}));
  EXPECT_TRUE(e.master.active());
}

TEST_F(BusMasterTest, ObserveSumsTheHostsWaitFiguresOnceAttached) {
  Engine e("dma");
  FakeHost host;
  host.waits = {{0, sc_time(40, SC_NS)}, {1, sc_time(2, SC_NS)}, {2, sc_time(7, SC_NS)}};
  e.master.observe({0, 2});
  EXPECT_FALSE(e.master.observing()) << "no host yet";
  EXPECT_EQ(e.master.observed_wait(), SC_ZERO_TIME);
  e.master.attach(host, 1);
  EXPECT_TRUE(e.master.observing());
  EXPECT_EQ(e.master.observed_wait(), sc_time(47, SC_NS));
}

TEST_F(BusMasterTest, ConnectMasterBindsAndAttachesTheKit) {
  Bus bus("bus");
  Engine cpu("cpu"), e("dma");
  Checker t("t");
  bus.connect_initiator(cpu.master.socket, "cpu0", 1);  // a plain initiator: not attached
  e.master.set_active(false);
  const int index = bus.connect_master(e.master, "dma", 0);
  EXPECT_EQ(index, 1);
  EXPECT_EQ(e.master.index(), 1);
  EXPECT_EQ(e.master.host(), &bus);
  EXPECT_FALSE(bus.active(index)) << "the kit's state applied at connection";
  bus.map(AddressSpace::memory, 0, 0x100, bus.connect_target(t.socket, "t"));
  bool ok = false;
  e.script = [&] {
    e.master.set_active(true);
    EXPECT_TRUE(bus.active(1));
    uint8_t b[4] = {9, 9, 9, 9};
    ok = e.master.write(0x20, b, 4);
    e.master.set_active(false);
  };
  sc_core::sc_start(1, sc_core::SC_US);
  EXPECT_TRUE(ok);
  EXPECT_EQ(t.address, 0x20u);
  EXPECT_EQ(bus.transactions(1), 1u);
  EXPECT_FALSE(bus.active(1));
  EXPECT_EQ(bus.initiator_name(e.master.index()), "dma");
}
