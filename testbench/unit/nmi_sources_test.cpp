// The chipset's NMI sources (models/pit/system_control_port_b.h): port 0x61's
// IOCHK (bit 6) and its enable (bit 3), the NMI mask in bit 7 of the RTC's
// index port 0x70 (models/rtc/mc146818.h), and the power_fail fault that
// raises IOCHK and stops the run when the power goes.
//
// Each TEST builds port B and the RTC connected as their blocks connect them
// (the RTC reports its NMI mask to port B), with port B's `nmi` output on a
// signal (the platform's net "nmi", LINT1 of the local APIC). A script thread
// drives both through their register sockets at chosen local times and fires
// the fault from a SystemC process, as the platform's injector does.
#include <gtest/gtest.h>
#include <tlm_utils/simple_initiator_socket.h>

#include <functional>
#include <memory>
#include <string>
#include <systemc>
#include <vector>

#include "core/fault.h"
#include "core/irq.h"
#include "core/params.h"
#include "core/sim_control.h"
#include "core/stats.h"
#include "pit/system_control_port_b.h"
#include "rtc/mc146818.h"

using namespace minipc;
using sc_core::sc_time;
using sc_core::SC_MS;
using sc_core::SC_US;
using sc_core::SC_ZERO_TIME;
using PortB = SystemControlPortB;

namespace {

class Initiator : public sc_core::sc_module {
 public:
  tlm_utils::simple_initiator_socket<Initiator> socket{"socket"};
  explicit Initiator(const sc_core::sc_module_name& nm) : sc_module(nm) {}
  // An access at local time sc_time_stamp() + ahead (a CPU running ahead).
  uint8_t read(uint64_t offset, sc_time ahead = SC_ZERO_TIME) {
    uint8_t v = 0;
    access(tlm::TLM_READ_COMMAND, offset, &v, ahead);
    return v;
  }
  void write(uint64_t offset, uint8_t v, sc_time ahead = SC_ZERO_TIME) {
    access(tlm::TLM_WRITE_COMMAND, offset, &v, ahead);
  }

 private:
  void access(tlm::tlm_command cmd, uint64_t offset, uint8_t* data, sc_time delay) {
    tlm::tlm_generic_payload p;
    p.set_command(cmd);
    p.set_address(offset);
    p.set_data_ptr(data);
    p.set_data_length(1);
    p.set_streaming_width(1);
    p.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    socket->b_transport(p, delay);
    EXPECT_TRUE(p.is_response_ok());
  }
};

class Script : public sc_core::sc_module {
 public:
  SC_HAS_PROCESS(Script);
  std::function<void()> body;
  bool finished = false;
  explicit Script(const sc_core::sc_module_name& nm) : sc_module(nm) { SC_THREAD(run); }

 private:
  void run() {
    if (body) body();
    finished = true;
  }
};

// Records the times of the NMI request's rising edges.
class EdgeLog : public sc_core::sc_module {
 public:
  SC_HAS_PROCESS(EdgeLog);
  std::vector<sc_time> rising;
  EdgeLog(const sc_core::sc_module_name& nm, IrqLine& line) : sc_module(nm), line_(line) {
    SC_METHOD(on_change);
    sensitive << line_;
    dont_initialize();
  }

 private:
  void on_change() {
    if (line_.read()) rising.push_back(sc_core::sc_time_stamp());
  }
  IrqLine& line_;
};

struct Chipset {
  Chipset() {
    port_b.gate2.bind(gate2);
    port_b.out2.bind(out2);
    port_b.nmi.bind(nmi);
    rtc.irq.bind(irq8);
    cpu_port_b.socket.bind(port_b.regs);
    cpu_rtc.socket.bind(rtc.regs);
    // What the mc146818 block's connect step does with port B's "nmi_mask".
    rtc.on_nmi_mask = [this](bool masked, const sc_time& at) { port_b.set_nmi_mask(masked, at); };
  }
  PortB port_b{"port_b"};
  Mc146818 rtc{"rtc"};
  Initiator cpu_port_b{"cpu_port_b"}, cpu_rtc{"cpu_rtc"};
  IrqLine gate2{"gate2"}, out2{"out2"}, nmi{"nmi"}, irq8{"irq8"};
  EdgeLog log{"log", nmi};
  Script script{"script"};
  FaultArgs args{"pf", 0, 1};
  FaultAction power_fail;

  // The fault named pf, prepared as the injector would (its keys faults.pf.*).
  void prepare() {
    args = FaultArgs("pf", FaultLog::instance().add("pf"), 1);
    power_fail = power_fail_fault_hook(port_b).prepare(args);
  }
  void run(std::function<void()> body, sc_time limit) {
    script.body = std::move(body);
    sc_core::sc_start(limit);
  }
};

struct NmiSources : ::testing::Test {
  void SetUp() override {
    ConfigStore::instance().clear();
    StatsRegistry::instance().clear();
    FaultLog::instance().clear();
    FaultLog::instance().set_quiet(true);
    reset_sim_outcome();
  }
  static void set(const std::string& k, const std::string& v) { ConfigStore::instance().set(k, v, "test"); }
};

constexpr uint64_t kIndex = 0;  // port 0x70 (the RTC's offset 0)

}  // namespace

// IOCHK reads 0 until the power fails; then bit 6 reads 1, the NMI request
// rises at the firing, and after `warning` the run stops: power_fail, exit 96.
TEST_F(NmiSources, PowerFailSetsIochkRaisesNmiAndStopsAfterWarning) {
  set("faults.pf.warning", "1ms");
  Chipset c;
  c.prepare();
  uint8_t before = 0xFF, after = 0;
  bool scheduled_before = true, scheduled_after = false;
  c.run(
      [&] {
        wait(sc_time(100, SC_US));
        before = c.cpu_port_b.read(0);
        scheduled_before = stop_scheduled();
        c.power_fail(true);
        after = c.cpu_port_b.read(0);
        scheduled_after = stop_scheduled();
      },
      sc_time(10, SC_MS));
  EXPECT_EQ(before & PortB::IOCHK, 0);
  EXPECT_EQ(after & PortB::IOCHK, PortB::IOCHK);
  EXPECT_FALSE(scheduled_before);
  EXPECT_TRUE(scheduled_after) << "the power-off is a scheduled stop (no deadlock stop before it)";
  ASSERT_EQ(c.log.rising.size(), 1u);
  EXPECT_EQ(c.log.rising[0], sc_time(100, SC_US)) << "the NMI request rises at the firing";
  ASSERT_TRUE(sim_outcome().has_value()) << "the power went";
  EXPECT_EQ(sim_outcome()->reason, StopReason::power_fail);
  EXPECT_EQ(sim_outcome()->exit_code, exit_status::power_fail);
  EXPECT_EQ(exit_status::power_fail, 96);
  EXPECT_EQ(sc_core::sc_time_stamp(), sc_time(1100, SC_US)) << "warning after the firing";
  EXPECT_NE(sim_outcome()->message.find("power failed"), std::string::npos) << sim_outcome()->message;
  EXPECT_NE(sim_outcome()->message.find("pf"), std::string::npos) << sim_outcome()->message;
}

// Bit 3 (I/O channel check disable) set: IOCHK still reads 1 but no NMI is
// requested; clearing bit 3 requests it at that write's local time.
TEST_F(NmiSources, Port61Bit3MasksIochkNmiUntilCleared) {
  Chipset c;
  c.prepare();
  uint8_t masked_read = 0;
  bool nmi_while_masked = true;
  c.run(
      [&] {
        c.cpu_port_b.write(0, PortB::CHANNEL_CHECK_DISABLE);
        wait(sc_time(10, SC_US));
        c.power_fail(true);
        wait(sc_time(10, SC_US));
        masked_read = c.cpu_port_b.read(0);
        nmi_while_masked = c.nmi.read();
        c.cpu_port_b.write(0, 0x00, sc_time(3, SC_US));  // a CPU 3 us ahead of SystemC time
      },
      sc_time(1, SC_MS));
  EXPECT_EQ(masked_read & (PortB::IOCHK | PortB::CHANNEL_CHECK_DISABLE), PortB::IOCHK | PortB::CHANNEL_CHECK_DISABLE);
  EXPECT_FALSE(nmi_while_masked);
  ASSERT_EQ(c.log.rising.size(), 1u);
  EXPECT_EQ(c.log.rising[0], sc_time(23, SC_US)) << "at the unmasking write's local time";
}

// Port 0x70 bit 7 (the NMI mask): set before the power fails, no NMI;
// cleared, the NMI comes at that write's local time.
TEST_F(NmiSources, Port70Bit7MasksNmiUntilCleared) {
  Chipset c;
  c.prepare();
  uint8_t iochk = 0;
  bool nmi_while_masked = true, mask_seen = false;
  c.run(
      [&] {
        c.cpu_rtc.write(kIndex, 0x80 | 0x0E);  // NMI off, CMOS index 0x0E
        mask_seen = c.rtc.nmi_masked() && c.port_b.nmi_masked();
        wait(sc_time(10, SC_US));
        c.power_fail(true);
        wait(sc_time(10, SC_US));
        iochk = c.cpu_port_b.read(0) & PortB::IOCHK;
        nmi_while_masked = c.nmi.read();
        c.cpu_rtc.write(kIndex, 0x0E, sc_time(5, SC_US));  // NMI on again
      },
      sc_time(1, SC_MS));
  EXPECT_TRUE(mask_seen);
  EXPECT_EQ(iochk, PortB::IOCHK);
  EXPECT_FALSE(nmi_while_masked);
  ASSERT_EQ(c.log.rising.size(), 1u);
  EXPECT_EQ(c.log.rising[0], sc_time(25, SC_US));
}

// The request is a level: one edge per unmasking. Masking drops it (either
// mask), unmasking raises it again while IOCHK holds; writes of other port B
// bits or of other CMOS indexes with bit 7 clear leave it alone.
TEST_F(NmiSources, NmiRequestIsALevelGatedByBothMasks) {
  Chipset c;
  c.prepare();
  c.run(
      [&] {
        c.power_fail(true);                        // edge 1 at 0
        wait(sc_time(10, SC_US));
        c.cpu_port_b.write(0, PortB::TIMER2_GATE);  // no change
        c.cpu_rtc.write(kIndex, 0x0A);              // no change
        wait(sc_time(10, SC_US));
        c.cpu_port_b.write(0, PortB::CHANNEL_CHECK_DISABLE);  // drops at 20
        wait(sc_time(10, SC_US));
        c.cpu_port_b.write(0, 0x00);                // edge 2 at 30
        wait(sc_time(10, SC_US));
        c.cpu_rtc.write(kIndex, 0x80);              // drops at 40
        wait(sc_time(10, SC_US));
        c.cpu_rtc.write(kIndex, 0x00);              // edge 3 at 50
      },
      sc_time(1, SC_MS));
  ASSERT_EQ(c.log.rising.size(), 3u);
  EXPECT_EQ(c.log.rising[0], SC_ZERO_TIME);
  EXPECT_EQ(c.log.rising[1], sc_time(30, SC_US));
  EXPECT_EQ(c.log.rising[2], sc_time(50, SC_US));
}

// A power_fail with a duration shorter than its warning is a brown-out: the
// line is released at its end and the power stays on.
TEST_F(NmiSources, BrownOutEndsBeforeThePowerGoes) {
  set("faults.pf.warning", "1ms");
  Chipset c;
  c.prepare();
  uint8_t after = 0xFF;
  bool nmi_after = true;
  c.run(
      [&] {
        c.power_fail(true);
        wait(sc_time(500, SC_US));
        c.power_fail(false);
        wait(sc_time(1, SC_US));
        after = c.cpu_port_b.read(0);
        nmi_after = c.nmi.read();
      },
      sc_time(5, SC_MS));
  EXPECT_FALSE(sim_outcome().has_value()) << "the power did not go";
  EXPECT_FALSE(stop_scheduled()) << "the scheduled power-off was cancelled";
  EXPECT_EQ(sc_core::sc_time_stamp(), sc_time(5, SC_MS));
  EXPECT_EQ(after & PortB::IOCHK, 0);
  EXPECT_FALSE(nmi_after);
  EXPECT_TRUE(c.script.finished);
}

// Without the fault nothing raises IOCHK (bits 6 and 7 read 0); a bad
// `warning` is a ConfigError naming the key.
TEST_F(NmiSources, WarningMustBeATime) {
  set("faults.pf.warning", "soon");
  Chipset c;
  try {
    c.prepare();
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("faults.pf.warning"), std::string::npos) << e.what();
  }
  uint8_t v = 0xFF;
  c.run([&] { v = c.cpu_port_b.read(0); }, sc_time(1, SC_MS));
  EXPECT_EQ(v & (PortB::IOCHK | PortB::PARITY_ERROR), 0);
  EXPECT_FALSE(c.nmi.read());
}

// Reset clears bit 3 (the register's reset value 0): an IOCHK the power
// monitor still holds then requests the NMI; IOCHK itself is not reset.
TEST_F(NmiSources, ResetClearsBit3AndIochkStaysHeld) {
  Chipset c;
  c.prepare();
  uint8_t after_reset = 0;
  bool nmi_before_reset = true;
  c.run(
      [&] {
        c.cpu_port_b.write(0, PortB::CHANNEL_CHECK_DISABLE);
        c.power_fail(true);
        wait(sc_time(10, SC_US));
        nmi_before_reset = c.nmi.read();
        c.port_b.reset();
        wait(sc_time(1, SC_US));
        after_reset = c.cpu_port_b.read(0);
      },
      sc_time(1, SC_MS));
  EXPECT_FALSE(nmi_before_reset);
  EXPECT_EQ(after_reset & (PortB::IOCHK | PortB::CHANNEL_CHECK_DISABLE), PortB::IOCHK);
  ASSERT_EQ(c.log.rising.size(), 1u);
  EXPECT_EQ(c.log.rising[0], sc_time(10, SC_US));
}
