// The generic TLM-to-APB bridge (rtl/apb/apb_bridge.h) driving Verilated
// APB slaves: the test slave (apb_test_slave.sv: APB3, a scratch register,
// an error register, a stuck one and a slow one) and the example timer
// (rtl/examples/apb_timer). Also the protocol checker's rules on hand-made
// sequences, and the checker stopping a run when the bridge is made to break
// the protocol. Each TEST is its own SystemC world (its own process).
#include <gtest/gtest.h>
#include <tlm_utils/simple_target_socket.h>

#include <cstring>

#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "apb/apb_bridge.h"
#include "apb/apb_checker.h"
#include "apb/apb_registry.h"
#include "core/block.h"
#include "core/sim_control.h"
#include "reg_initiator.h"

namespace minipc {
void register_rtl_apb_apb_test_slave(BlockRegistry&);
void register_rtl_apb_apb_timer(BlockRegistry&);
void register_rtl_apb_apb_crc32(BlockRegistry&);
}  // namespace minipc

namespace {

using namespace minipc;
using sc_core::SC_NS;
using sc_core::SC_US;
using sc_core::sc_time;

constexpr double kClockHz = 10e6;  // the bridge's default clock_hz: 100 ns per cycle
const sc_time kCycle(100, SC_NS);

std::unique_ptr<ApbModel> make(const std::string& module, const std::string& instance) {
  register_rtl_apb_apb_test_slave(BlockRegistry::instance());
  register_rtl_apb_apb_timer(BlockRegistry::instance());
  register_rtl_apb_apb_crc32(BlockRegistry::instance());
  const RtlApbModule* m = RtlApbModules::instance().find(module);
  EXPECT_NE(m, nullptr) << module;
  return m->make(instance);
}

// One block behind the bridge, a CPU-like initiator and the IRQ line.
struct World {
  explicit World(const std::string& module, std::vector<std::pair<std::string, std::string>> cfg = {}) {
    reset_sim_outcome();
    for (auto& [k, v] : cfg) ConfigStore::instance().set("blk." + k, v, "test");
    bridge = std::make_unique<ApbBridge>("blk", make(module, "blk.rtl"));
    bridge->irq.bind(irq);
    cpu.socket.bind(bridge->regs);
  }
  // An access at the thread's time; returns the status, adds the delay to `t`.
  tlm::tlm_response_status access(bool write, uint64_t offset, uint32_t& v, unsigned len, sc_time& delay) {
    return cpu.access(write ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND, offset,
                      reinterpret_cast<uint8_t*>(&v), len, delay);
  }
  uint32_t read(uint64_t offset, unsigned len = 4) {
    uint32_t v = 0;
    sc_time d = sc_core::SC_ZERO_TIME;
    EXPECT_EQ(access(false, offset, v, len, d), tlm::TLM_OK_RESPONSE) << "read of " << offset;
    sc_core::wait(d);
    return v;
  }
  void write(uint64_t offset, uint32_t v, unsigned len = 4) {
    sc_time d = sc_core::SC_ZERO_TIME;
    EXPECT_EQ(access(true, offset, v, len, d), tlm::TLM_OK_RESPONSE) << "write of " << offset;
    sc_core::wait(d);
  }

  IrqLine irq{"irq"};
  test::RegInitiator cpu{"cpu"};
  std::unique_ptr<ApbBridge> bridge;
};

void run(const sc_time& t) { sc_core::sc_start(t); }

// ---- transfers --------------------------------------------------------------------

TEST(ApbBridge, WriteAndReadTakeSetupAndAccessCycles) {
  World w("apb_test_slave");
  sc_time d1 = sc_core::SC_ZERO_TIME, d2 = sc_core::SC_ZERO_TIME;
  uint32_t got = 0;
  w.cpu.script = [&] {
    uint32_t v = 0x12345678;
    EXPECT_EQ(w.access(true, 0, v, 4, d1), tlm::TLM_OK_RESPONSE);
    sc_core::wait(d1);
    EXPECT_EQ(w.access(false, 0, got, 4, d2), tlm::TLM_OK_RESPONSE);
  };
  run(sc_time(10, SC_US));
  EXPECT_EQ(got, 0x12345678u);
  // Setup at the first edge after time 0, access at the next: 2 cycles each.
  EXPECT_EQ(d1, 2 * kCycle);
  EXPECT_EQ(d2, 2 * kCycle);
  EXPECT_EQ(w.bridge->transfers(), 2u);
  EXPECT_EQ(w.bridge->wait_states(), 0u);
  // No busy_o: only the transfers' edges were evaluated.
  EXPECT_EQ(w.bridge->evaluated_cycles(), 4u);
}

TEST(ApbBridge, AccessBetweenEdgesStartsAtTheNextEdge) {
  World w("apb_test_slave");
  sc_time d = sc_time(150, SC_NS);  // local time 150 ns: setup at 200 ns, access at 300 ns
  w.cpu.script = [&] {
    uint32_t v = 1;
    EXPECT_EQ(w.access(true, 0, v, 4, d), tlm::TLM_OK_RESPONSE);
  };
  run(sc_time(10, SC_US));
  EXPECT_EQ(d, sc_time(300, SC_NS));
}

TEST(ApbBridge, WaitStatesCountAsTime) {
  World w("apb_test_slave");
  sc_time d = sc_core::SC_ZERO_TIME;
  uint32_t got = 0;
  w.cpu.script = [&] {
    w.write(0, 5);  // SLOW reads take SCRATCH[3:0] = 5 wait states
    EXPECT_EQ(w.access(false, 0xC, got, 4, d), tlm::TLM_OK_RESPONSE);
  };
  run(sc_time(10, SC_US));
  EXPECT_EQ(got, 5u);
  EXPECT_EQ(w.bridge->wait_states(), 5u);
  EXPECT_EQ(d, (2 + 5) * kCycle);
}

TEST(ApbBridge, PslverrIsAGenericErrorWithAllOnes) {
  World w("apb_test_slave");
  tlm::tlm_response_status rs = tlm::TLM_OK_RESPONSE, ws = tlm::TLM_OK_RESPONSE;
  uint32_t got = 0;
  w.cpu.script = [&] {
    sc_time d = sc_core::SC_ZERO_TIME;
    rs = w.access(false, 4, got, 4, d);
    uint32_t v = 7;
    ws = w.access(true, 4, v, 4, d);
  };
  run(sc_time(10, SC_US));
  EXPECT_EQ(rs, tlm::TLM_GENERIC_ERROR_RESPONSE);
  EXPECT_EQ(ws, tlm::TLM_GENERIC_ERROR_RESPONSE);
  EXPECT_EQ(got, 0xFFFFFFFFu);
  EXPECT_EQ(w.bridge->slave_errors(), 2u);
  EXPECT_FALSE(sim_outcome().has_value());  // an error answer, not a stop
}

TEST(ApbBridge, PreadyTimeoutStopsTheRunNamingBlockModuleAndAddress) {
  World w("apb_test_slave", {{"pready_timeout", "16"}});
  w.bridge->set_bases(0, 0xFED10000);
  bool returned = false;
  w.cpu.script = [&] {
    uint32_t v = 0;
    sc_time d = sc_core::SC_ZERO_TIME;
    w.access(false, 8, v, 4, d);
    returned = true;
  };
  run(sc_time(1, sc_core::SC_MS));
  ASSERT_TRUE(sim_outcome().has_value());
  EXPECT_EQ(sim_outcome()->reason, StopReason::bus_fatal);
  EXPECT_EQ(sim_outcome()->exit_code, exit_status::bus_fatal);
  const std::string& m = sim_outcome()->message;
  EXPECT_NE(m.find("blk: APB slave (module apb_test_slave) never raised PREADY"), std::string::npos) << m;
  EXPECT_NE(m.find("4-byte read at offset 0x8, memory address 0xfed10008"), std::string::npos) << m;
  EXPECT_NE(m.find("17 wait states (blk.pready_timeout=16)"), std::string::npos) << m;
  EXPECT_FALSE(returned);  // the master never sees the answer
  EXPECT_LT(sc_core::sc_time_stamp(), sc_time(1, sc_core::SC_MS));
}

TEST(ApbBridge, NarrowWriteWithoutPstrbIsRefusedNarrowReadIsServed) {
  World w("apb_test_slave");
  tlm::tlm_response_status s = tlm::TLM_OK_RESPONSE;
  uint32_t byte = 0;
  w.cpu.script = [&] {
    w.write(0, 0xAABBCCDD);
    uint32_t v = 0x11;
    sc_time d = sc_core::SC_ZERO_TIME;
    s = w.access(true, 1, v, 1, d);
    byte = w.read(2, 1);
  };
  run(sc_time(10, SC_US));
  EXPECT_EQ(s, tlm::TLM_GENERIC_ERROR_RESPONSE);
  EXPECT_EQ(byte, 0xBBu);
}

TEST(ApbBridge, UnalignedAccessBecomesOneTransferPerWordWithStrobes) {
  World w("apb_timer");  // APB4: LOAD at 0x04 takes byte strobes
  uint32_t load = 0, across = 0;
  w.cpu.script = [&] {
    w.write(4, 0x11223344);
    w.write(6, 0xBEEF, 2);   // the upper half of LOAD only (PSTRB 0b1100)
    load = w.read(4);
    across = w.read(2, 4);   // CTRL bytes 2-3, LOAD bytes 0-1: two transfers
  };
  run(sc_time(10, SC_US));
  EXPECT_EQ(load, 0xBEEF3344u);
  EXPECT_EQ(across, 0x33440000u);
}

// ---- clocking ---------------------------------------------------------------------

TEST(ApbBridge, NoEvaluationWhileTheBlockIsIdle) {
  World w("apb_test_slave");
  sc_time d = sc_core::SC_ZERO_TIME;
  w.cpu.script = [&] {
    w.write(0, 3);
    sc_core::wait(sc_time(1, sc_core::SC_MS));
    uint32_t v = 0;
    w.access(false, 0, v, 4, d);
    EXPECT_EQ(v, 3u);
  };
  run(sc_time(2, sc_core::SC_MS));
  EXPECT_EQ(w.bridge->evaluated_cycles(), 4u);  // two transfers, nothing in the millisecond between
  EXPECT_EQ(d, 2 * kCycle);
  EXPECT_EQ(w.bridge->cycle(), w.bridge->last_edge_at(sc_time(1, sc_core::SC_MS) + 2 * kCycle) + 2);
}

TEST(ApbBridge, AlwaysClockedTicksEveryEdge) {
  World w("apb_test_slave", {{"always_clocked", "true"}});
  run(sc_time(10, SC_US) + sc_time(50, SC_NS));
  EXPECT_EQ(w.bridge->evaluated_cycles(), 100u);
}

TEST(ApbBridge, TimerInterruptRisesAtTheExpiryEdgeAndClockStopsAfter) {
  World w("apb_timer");
  sc_time rose = sc_core::SC_ZERO_TIME;
  uint64_t ctrl_edge = 0;
  w.cpu.script = [&] {
    w.write(4, 100);   // LOAD
    w.write(0, 0x5);   // EN | IE, one-shot
    ctrl_edge = w.bridge->cycle();
    sc_core::wait(w.irq.posedge_event());
    rose = sc_core::sc_time_stamp();
    EXPECT_EQ(w.read(0x8), 0u);  // COUNT: one-shot, stopped at 0 (one wait state)
    EXPECT_EQ(w.read(0xC), 1u);  // STATUS: EXPIRED
    w.write(0xC, 1);             // clear it
  };
  run(sc_time(1, sc_core::SC_MS));
  EXPECT_EQ(rose, w.bridge->edge_time(ctrl_edge + 100));
  EXPECT_FALSE(w.irq.read());
  // 2 writes, 100 counting edges, a 3-cycle read (one wait state), a read, a write.
  EXPECT_EQ(w.bridge->evaluated_cycles(), 2u + 2u + 100u + 3u + 2u + 2u);
  EXPECT_EQ(w.bridge->wait_states(), 1u);
}

TEST(ApbBridge, PeriodicTimerInterruptsEveryPeriod) {
  World w("apb_timer");
  std::vector<sc_time> rises;
  w.cpu.script = [&] {
    w.write(4, 1000);  // 100 us at 10 MHz
    w.write(0, 0x7);   // EN | PERIODIC | IE
    for (;;) {
      sc_core::wait(w.irq.posedge_event());
      rises.push_back(sc_core::sc_time_stamp());
      w.write(0xC, 1);
    }
  };
  run(sc_time(1, sc_core::SC_MS));
  ASSERT_GE(rises.size(), 9u);
  for (size_t i = 1; i < rises.size(); ++i) EXPECT_EQ(rises[i] - rises[i - 1], sc_time(100, SC_US)) << i;
}

TEST(ApbBridge, TimerReadsIdAndRefusesWritesToReadOnlyRegisters) {
  World w("apb_timer");
  uint32_t id = 0;
  tlm::tlm_response_status s = tlm::TLM_OK_RESPONSE, u = tlm::TLM_OK_RESPONSE;
  w.cpu.script = [&] {
    id = w.read(0x10);
    uint32_t v = 1;
    sc_time d = sc_core::SC_ZERO_TIME;
    s = w.access(true, 0x8, v, 4, d);  // COUNT is read-only
    u = w.access(false, 0x40, v, 4, d);  // no register
  };
  run(sc_time(10, SC_US));
  EXPECT_EQ(id, 0x41505431u);
  EXPECT_EQ(s, tlm::TLM_GENERIC_ERROR_RESPONSE);
  EXPECT_EQ(u, tlm::TLM_GENERIC_ERROR_RESPONSE);
}

// ---- waveforms --------------------------------------------------------------------

TEST(ApbBridge, TraceHasTheApbPortsOnThePlatformTimeBase) {
  const std::string path = ::testing::TempDir() + "apb_bridge_trace.vcd";
  {
    World w("apb_test_slave");
    w.bridge->open_trace(path);
    w.cpu.script = [&] { w.write(0, 0xCAFE); };
    run(sc_time(10, SC_US));
    sc_core::sc_stop();
  }
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  const std::string vcd = ss.str();
  for (const char* s : {"psel_i", "penable_i", "pready_o", "paddr_i", "scratch_q", "$timescale 1ps"})
    EXPECT_NE(vcd.find(s), std::string::npos) << s;
  // The access edge (200 ns) as a time stamp, in ps.
  EXPECT_NE(vcd.find("\n#200000\n"), std::string::npos);
  EXPECT_NE(vcd.find("\n#150000\n"), std::string::npos);  // the request half a cycle before it
  std::remove(path.c_str());
}

// ---- the memory port (example 2: the CRC-32 engine) ---------------------------------

// Memory for the bus-master port: 4 KiB, `latency` per access, an address
// error at and above `error_from`.
struct TestMemory : sc_core::sc_module {
  tlm_utils::simple_target_socket<TestMemory> socket{"socket"};
  std::vector<uint8_t> bytes = std::vector<uint8_t>(4096);
  uint64_t error_from = 4096;
  sc_time latency = sc_time(30, SC_NS);
  unsigned accesses = 0;
  explicit TestMemory(const sc_core::sc_module_name& nm) : sc_module(nm) {
    socket.register_b_transport(this, &TestMemory::b_transport);
  }
  void b_transport(tlm::tlm_generic_payload& p, sc_time& delay) {
    ++accesses;
    delay += latency;
    const uint64_t a = p.get_address();
    if (a + p.get_data_length() > error_from) {
      p.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
      return;
    }
    if (p.is_read()) std::memcpy(p.get_data_ptr(), &bytes[a], p.get_data_length());
    else std::memcpy(&bytes[a], p.get_data_ptr(), p.get_data_length());
    p.set_response_status(tlm::TLM_OK_RESPONSE);
  }
};

uint32_t crc32_ref(const uint8_t* d, size_t n) {
  uint32_t c = 0xFFFFFFFFu;
  for (size_t i = 0; i < n; ++i) {
    c ^= d[i];
    for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ 0xEDB88320u : c >> 1;
  }
  return ~c;
}

struct CrcWorld : World {
  CrcWorld() : World("apb_crc32") { bridge->master()->socket.bind(mem.socket); }
  TestMemory mem{"mem"};
};

TEST(ApbBridge, CrcEngineReadsMemoryThroughTheMasterPort) {
  CrcWorld w;
  for (size_t i = 0; i < w.mem.bytes.size(); ++i) w.mem.bytes[i] = static_cast<uint8_t>(i * 7 + (i >> 5));
  uint32_t result = 0, status = 0;
  uint64_t start_edge = 0;
  sc_time rose;
  w.cpu.script = [&] {
    EXPECT_EQ(w.read(0x14), 0x43524331u);  // ID
    w.write(0x4, 0x100);   // ADDR
    w.write(0x8, 1024);    // LEN
    w.write(0x0, 0x3);     // START | IE
    start_edge = w.bridge->cycle();
    sc_core::wait(w.irq.posedge_event());
    rose = sc_core::sc_time_stamp();
    status = w.read(0xC);
    result = w.read(0x10);
  };
  run(sc_time(1, sc_core::SC_MS));
  EXPECT_EQ(result, crc32_ref(&w.mem.bytes[0x100], 1024));
  EXPECT_EQ(status, 0x2u);  // DONE, not BUSY, no ERR
  EXPECT_EQ(w.bridge->memory_requests(), 256u);
  EXPECT_EQ(w.mem.accesses, 256u);
  // Each word: taken at one edge, the 30 ns read ends before the next edge,
  // which answers it; the next request is valid at the edge after.
  EXPECT_EQ(rose, w.bridge->edge_time(start_edge + 2 * 256));
}

TEST(ApbBridge, CrcEngineSlowMemoryStretchesEachWord) {
  CrcWorld w;
  w.mem.latency = sc_time(250, SC_NS);  // the answer waits for the third edge after the request
  uint64_t start_edge = 0;
  sc_time rose;
  w.cpu.script = [&] {
    w.write(0x4, 0);
    w.write(0x8, 16);
    w.write(0x0, 0x3);
    start_edge = w.bridge->cycle();
    sc_core::wait(w.irq.posedge_event());
    rose = sc_core::sc_time_stamp();
  };
  run(sc_time(1, sc_core::SC_MS));
  EXPECT_EQ(rose, w.bridge->edge_time(start_edge + 4 * 4));
}

TEST(ApbBridge, CrcEngineBusErrorSetsErr) {
  CrcWorld w;
  w.mem.error_from = 0x200;
  uint32_t status = 0;
  w.cpu.script = [&] {
    w.write(0x4, 0x1F8);
    w.write(0x8, 64);  // the third word is past error_from
    w.write(0x0, 0x3);
    sc_core::wait(w.irq.posedge_event());
    status = w.read(0xC);
  };
  run(sc_time(1, sc_core::SC_MS));
  EXPECT_EQ(status, 0x4u);  // ERR
  EXPECT_EQ(w.bridge->memory_requests(), 3u);
  EXPECT_EQ(w.bridge->memory_errors(), 1u);
}

// ---- the protocol checker ------------------------------------------------------------

ApbRequest req(bool psel, bool penable, uint32_t addr = 0, bool write = false, uint32_t data = 0,
               uint8_t strb = 0) {
  ApbRequest r;
  r.psel = psel;
  r.penable = penable;
  r.paddr = addr;
  r.pwrite = write;
  r.pwdata = data;
  r.pstrb = strb;
  return r;
}

TEST(ApbChecker, LegalTransfersPass) {
  ApbChecker c;
  EXPECT_FALSE(c.edge(1, req(true, false, 4, true, 9, 0xF), true));
  EXPECT_FALSE(c.edge(2, req(true, true, 4, true, 9, 0xF), false));  // wait state
  EXPECT_FALSE(c.edge(3, req(true, true, 4, true, 9, 0xF), true));   // completes
  EXPECT_FALSE(c.edge(4, req(true, false, 8), true));                 // back-to-back setup
  EXPECT_FALSE(c.edge(5, req(true, true, 8), true));
  EXPECT_FALSE(c.edge(6, req(false, false), true));
  EXPECT_FALSE(c.edge(9, req(true, false, 0), true));  // after skipped idle edges
  EXPECT_FALSE(c.edge(10, req(true, true, 0), true));
}

TEST(ApbChecker, PenableWithoutPsel) {
  ApbChecker c;
  auto v = c.edge(3, req(false, true), true);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->rule, "penable_without_psel");
  EXPECT_EQ(v->signal, "PENABLE");
  EXPECT_EQ(v->cycle, 3u);
  EXPECT_NE(v->text.find("at cycle 3"), std::string::npos);
}

TEST(ApbChecker, AccessWithoutSetup) {
  ApbChecker c;
  EXPECT_FALSE(c.edge(1, req(false, false), true));
  auto v = c.edge(2, req(true, true), true);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->rule, "access_without_setup");
}

TEST(ApbChecker, SetupNotFollowedByAccess) {
  ApbChecker c;
  EXPECT_FALSE(c.edge(1, req(true, false), true));
  auto v = c.edge(2, req(true, false), true);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->rule, "setup_not_followed");
  EXPECT_EQ(v->signal, "PENABLE");
}

TEST(ApbChecker, SignalsMustStayStableWhilePreadyIsLow) {
  for (const char* sig : {"PADDR", "PWRITE", "PWDATA", "PSTRB", "PSEL", "PENABLE"}) {
    ApbChecker c;
    EXPECT_FALSE(c.edge(1, req(true, false, 4, true, 1, 0xF), true));
    EXPECT_FALSE(c.edge(2, req(true, true, 4, true, 1, 0xF), false));
    ApbRequest r = req(true, true, 4, true, 1, 0xF);
    const std::string s = sig;
    if (s == "PADDR") r.paddr = 8;
    if (s == "PWRITE") r.pwrite = false, r.pstrb = 0;
    if (s == "PWDATA") r.pwdata = 2;
    if (s == "PSTRB") r.pstrb = 0x3;
    if (s == "PSEL") r.psel = false, r.penable = false;
    if (s == "PENABLE") r.penable = false;
    auto v = c.edge(3, r, true);
    ASSERT_TRUE(v) << sig;
    EXPECT_EQ(v->rule, "unstable_in_wait") << sig;
    EXPECT_EQ(v->signal, s);
  }
}

TEST(ApbChecker, PenableMustFallAfterTheTransfer) {
  ApbChecker c;
  EXPECT_FALSE(c.edge(1, req(true, false), true));
  EXPECT_FALSE(c.edge(2, req(true, true), true));
  auto v = c.edge(3, req(true, true), true);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->rule, "penable_after_ready");
}

TEST(ApbChecker, PstrbMustBeLowOnReads) {
  ApbChecker c;
  auto v = c.edge(1, req(true, false, 0, false, 0, 0x1), true);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->rule, "pstrb_on_read");
  ApbChecker apb3(false);  // no PSTRB port: not checked
  EXPECT_FALSE(apb3.edge(1, req(true, false, 0, false, 0, 0x1), true));
}

// The bridge made to break the protocol: the checker stops the run.
TEST(ApbBridge, CheckerStopsTheRunWhenSetupIsSkipped) {
  World w("apb_test_slave");
  w.bridge->fault = ApbBridge::Fault::skip_setup;
  w.cpu.script = [&] {
    uint32_t v = 0;
    sc_time d = sc_core::SC_ZERO_TIME;
    w.access(false, 0, v, 4, d);
    ADD_FAILURE() << "the access returned";
  };
  run(sc_time(10, SC_US));
  ASSERT_TRUE(sim_outcome().has_value());
  EXPECT_EQ(sim_outcome()->exit_code, exit_status::bus_fatal);
  EXPECT_NE(sim_outcome()->message.find("blk: APB protocol violation at cycle 1: access_without_setup (PENABLE)"),
            std::string::npos)
      << sim_outcome()->message;
}

TEST(ApbBridge, CheckerStopsTheRunWhenPaddrMovesInAWaitState) {
  World w("apb_test_slave");
  w.cpu.script = [&] {
    w.write(0, 2);  // two wait states on SLOW
    w.bridge->fault = ApbBridge::Fault::paddr_change_in_wait;
    uint32_t v = 0;
    sc_time d = sc_core::SC_ZERO_TIME;
    w.access(false, 0xC, v, 4, d);
    ADD_FAILURE() << "the access returned";
  };
  run(sc_time(10, SC_US));
  ASSERT_TRUE(sim_outcome().has_value());
  // Transfer 1: edges 1-2; transfer 2: setup 3, wait state 4, PADDR moved at 5.
  EXPECT_NE(sim_outcome()->message.find("at cycle 5: unstable_in_wait (PADDR): PADDR changed from 0xc to 0x8"),
            std::string::npos)
      << sim_outcome()->message;
}

TEST(ApbBridge, CheckerOffLetsTheBrokenTransferThrough) {
  World w("apb_test_slave", {{"check_protocol", "false"}});
  w.bridge->fault = ApbBridge::Fault::skip_setup;
  bool returned = false;
  w.cpu.script = [&] {
    uint32_t v = 0;
    sc_time d = sc_core::SC_ZERO_TIME;
    w.access(false, 0, v, 4, d);
    returned = true;
  };
  run(sc_time(10, SC_US));
  EXPECT_TRUE(returned);
  EXPECT_FALSE(sim_outcome().has_value());
}

}  // namespace
