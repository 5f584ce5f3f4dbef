// The trace port (0x4F0): events, and firmware metrics into the stats.
#include <gtest/gtest.h>

#include "core/params.h"
#include "core/stats.h"
#include "reg_initiator.h"
#include "trace/trace_port.h"

using namespace minipc;

namespace {
struct TraceBench {
  TracePort port{"trace"};
  test::RegInitiator cpu{"cpu"};
  TraceBench() {
    cpu.socket.bind(port.regs);
    sc_core::sc_start(sc_core::SC_ZERO_TIME);
  }
  void metric(const std::string& name, uint32_t value) {
    cpu.write(8, 0);
    for (char c : name) cpu.write(8, static_cast<uint8_t>(c));
    cpu.write(4, value, 4);
    cpu.write(0, TracePort::kMetric, 2);
  }
};

struct TracePortTest : ::testing::Test {
  void SetUp() override {
    ConfigStore::instance().clear();
    StatsRegistry::instance().clear();
  }
};
}  // namespace

TEST_F(TracePortTest, EventIsRecordedWithItsArgument) {
  TraceBench b;
  b.cpu.write(4, 0x20, 4);
  b.cpu.write(0, 0x10, 2);
  ASSERT_EQ(b.port.events().size(), 1u);
  EXPECT_EQ(b.port.events()[0].id, 0x10);
  EXPECT_EQ(b.port.events()[0].arg, 0x20u);
  EXPECT_EQ(TracePort::event_name(0x10), "isr");
}

// Without a trace file to write (recording off) markers keep no memory, and
// the stage histograms still count.
TEST_F(TracePortTest, NotRecordingKeepsNoEventsButStagesStillCount) {
  TraceBench b;
  b.port.set_recording(false);
  for (int i = 0; i < 1000; ++i) {
    b.cpu.write(4, 0x20, 4);
    b.cpu.write(0, 0x10, 2);
  }
  b.cpu.write(4, 1, 4);
  b.cpu.write(0, 0x50, 2);  // net_irq stage start
  b.cpu.write(4, 1, 4);
  b.cpu.write(0, 0x51, 2);  // and end
  EXPECT_TRUE(b.port.events().empty());
  EXPECT_EQ(StatsRegistry::instance().value("trace.events"), 1002.0);
  EXPECT_EQ(StatsRegistry::instance().histogram("fw.stage.net_irq.ns", {}).count(), 1u);
}

TEST_F(TracePortTest, MetricBecomesAFirmwareStat) {
  TraceBench b;
  b.metric("dma.copy_ns", 1234);
  EXPECT_EQ(StatsRegistry::instance().value("fw.dma.copy_ns"), 1234.0);
  b.metric("dma.copy_ns", 99);  // the last value wins
  EXPECT_EQ(StatsRegistry::instance().value("fw.dma.copy_ns"), 99.0);
  b.metric("work_units", 7);
  EXPECT_EQ(StatsRegistry::instance().value("fw.work_units"), 7.0);
  EXPECT_EQ(StatsRegistry::instance().to_json()["fw"]["work_units"], 7.0);
}

TEST_F(TracePortTest, MetricWithABadNameIsIgnoredWithAWarning) {
  sc_core::sc_report_handler::set_actions(sc_core::SC_WARNING, sc_core::SC_DO_NOTHING);
  TraceBench b;
  b.metric("Bad Name", 5);
  EXPECT_FALSE(StatsRegistry::instance().contains("fw.Bad Name"));
  b.cpu.write(8, 0);  // empty name
  b.cpu.write(4, 1, 4);
  b.cpu.write(0, TracePort::kMetric, 2);
  EXPECT_FALSE(StatsRegistry::instance().to_json().contains("fw"));
}

// docs/net.md "Where the cycles go": a stage's time from its start marker
// to its end marker, in ns and in cycles of the CPU clock.
TEST_F(TracePortTest, NetworkStagesBecomeHistogramsInNsAndCycles) {
  TraceBench b;
  b.port.set_cpu_clock_hz(100e6);
  auto mark = [&](uint16_t id, uint32_t arg) {
    b.cpu.write(4, arg, 4);
    b.cpu.write(0, id, 2);
  };
  mark(0x55, 64);  // netif_receive_skb
  sc_core::sc_start(sc_core::sc_time(2, sc_core::SC_US));
  mark(0x56, 46);  // ip_rcv: eth took 2 us
  sc_core::sc_start(sc_core::sc_time(1, sc_core::SC_US));
  mark(0x57, 5000);  // udp_rcv: ip took 1 us
  mark(0x52, 64);    // a NAPI poll of 4 frames in 8 us: 2 us per frame
  sc_core::sc_start(sc_core::sc_time(8, sc_core::SC_US));
  mark(0x53, 4);
  mark(0x53, 4);  // an end without a start counts nothing
  auto& st = StatsRegistry::instance();
  const auto j = st.to_json();
  EXPECT_EQ(j["fw"]["stage"]["eth"]["ns"]["count"], 1);
  EXPECT_DOUBLE_EQ(j["fw"]["stage"]["eth"]["ns"]["mean"].get<double>(), 2000.0);
  EXPECT_DOUBLE_EQ(j["fw"]["stage"]["eth"]["cycles"]["mean"].get<double>(), 200.0);
  EXPECT_DOUBLE_EQ(j["fw"]["stage"]["ip"]["cycles"]["mean"].get<double>(), 100.0);
  EXPECT_EQ(j["fw"]["stage"]["napi_poll"]["ns"]["count"], 1);
  EXPECT_DOUBLE_EQ(j["fw"]["stage"]["napi_poll"]["ns"]["mean"].get<double>(), 2000.0);
  // Every stage is declared at the first network marker (a sweep's columns
  // exist whatever path the frames take); udp never reached the socket.
  EXPECT_EQ(j["fw"]["stage"]["udp"]["ns"]["count"], 0) << "udp_rcv never reached the socket";
  EXPECT_EQ(j["fw"]["stage"]["copy_to_user"]["cycles"]["count"], 0);
  EXPECT_EQ(TracePort::event_name(0x56), "ip_rcv");
}
