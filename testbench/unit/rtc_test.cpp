// MC146818A RTC / CMOS: the datasheet behaviours, one test each.
//
// Each TEST elaborates its own SystemC world (CTest runs one process per
// TEST). The test plays the CPU: it writes the CMOS index to port 0x70
// (offset 0) and reads/writes port 0x71 (offset 1) through an initiator
// socket, annotating a delay to access the RTC at a local time ahead of
// SystemC time, as a temporally decoupled CPU does; sc_start() advances time
// where an interrupt must happen by itself. The device under test is built by
// RtcBench only and observed only through its socket and IRQ line, so the same
// suite can run against an RTL twin.
#include <gtest/gtest.h>
#include <tlm_utils/simple_initiator_socket.h>

#include <unistd.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <functional>
#include <iterator>
#include <systemc>
#include <utility>
#include <vector>

#include "core/irq.h"
#include "core/params.h"
#include "core/sim_control.h"
#include "rtc/mc146818.h"

using namespace minipc;
using sc_core::sc_time;
using sc_core::SC_MS;
using sc_core::SC_NS;
using sc_core::SC_PS;
using sc_core::SC_SEC;
using sc_core::SC_US;
using sc_core::SC_ZERO_TIME;

namespace {

// CMOS indices and bits (datasheet names).
constexpr uint8_t SEC = 0x00, SEC_ALARM = 0x01, MIN = 0x02, MIN_ALARM = 0x03, HOUR = 0x04, HOUR_ALARM = 0x05,
                  DOW = 0x06, DATE = 0x07, MONTH = 0x08, YEAR = 0x09, REG_A = 0x0A, REG_B = 0x0B, REG_C = 0x0C,
                  REG_D = 0x0D, CENTURY = 0x32;
constexpr uint8_t UIP = 0x80, SET = 0x80, PIE = 0x40, AIE = 0x20, UIE = 0x10, DM = 0x04, H24 = 0x02;
constexpr uint8_t IRQF = 0x80, PF = 0x40, AF = 0x20, UF = 0x10;

class Initiator : public sc_core::sc_module {
 public:
  tlm_utils::simple_initiator_socket<Initiator> socket{"socket"};
  explicit Initiator(const sc_core::sc_module_name& nm) : sc_module(nm) {}

  uint8_t read(uint64_t offset, sc_time delay) {
    uint8_t v = 0;
    access(tlm::TLM_READ_COMMAND, offset, &v, delay);
    return v;
  }
  void write(uint64_t offset, uint8_t v, sc_time delay) { access(tlm::TLM_WRITE_COMMAND, offset, &v, delay); }

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
    ASSERT_EQ(p.get_response_status(), tlm::TLM_OK_RESPONSE) << "offset " << offset;
  }
};

// Records the times IRQ8 rises; optionally acts as the ISR and reads C.
class IrqMonitor : public sc_core::sc_module {
 public:
  SC_HAS_PROCESS(IrqMonitor);
  IrqIn line{"line"};
  std::vector<sc_time> rises;
  std::function<void()> isr;
  explicit IrqMonitor(const sc_core::sc_module_name& nm) : sc_module(nm) {
    SC_METHOD(on_change);
    sensitive << line.pos();
    dont_initialize();
  }

 private:
  void on_change() {
    rises.push_back(sc_core::sc_time_stamp());
    if (isr) isr();
  }
};

// The RTC as the platform has it: ports 0x70/0x71 at offsets 0/1, IRQ8.
struct RtcBench {
  Mc146818 rtc{"rtc"};
  Initiator cpu{"cpu"};
  IrqLine irq{"irq8"};
  IrqMonitor monitor{"monitor"};

  RtcBench() {
    cpu.socket.bind(rtc.regs);
    rtc.irq.bind(irq);
    monitor.line.bind(irq);
    sc_core::sc_start(SC_ZERO_TIME);  // finish elaboration
  }
  // Reads CMOS location `index` at local time sc_time_stamp() + delay.
  uint8_t read(uint8_t index, sc_time delay = SC_ZERO_TIME) {
    cpu.write(0, index, delay);
    return cpu.read(1, delay);
  }
  void write(uint8_t index, uint8_t v, sc_time delay = SC_ZERO_TIME) {
    cpu.write(0, index, delay);
    cpu.write(1, v, delay);
  }
  // The line after the delta cycles of the accesses just made (the model
  // writes its output from its own process, a delta after the access).
  bool irq_level() {
    do sc_core::sc_start(SC_ZERO_TIME);
    while (sc_core::sc_pending_activity_at_current_time());
    return irq.read();
  }
  // The monitor acts as the interrupt handler: it reads C on every rise.
  void ack_in_isr() {
    monitor.isr = [this] { read(REG_C); };
  }
};

void configure(const std::string& key, const std::string& value) { ConfigStore::instance().set(key, value, "test"); }

sc_time us(double v) { return sc_time(v, SC_US); }
sc_time ms(double v) { return sc_time(v, SC_MS); }
sc_time s(double v) { return sc_time(v, SC_SEC); }

}  // namespace

TEST(Rtc, ResetRegisterDIsValid) {
  RtcBench b;
  EXPECT_EQ(b.read(REG_D), 0x80);  // VRT: RAM and time valid
  EXPECT_EQ(b.read(REG_A), 0x26);  // 32.768 kHz time base, 1024 Hz rate, as the BIOS leaves it
  EXPECT_EQ(b.read(REG_B), 0x02);  // 24-hour, BCD, no interrupts
  EXPECT_EQ(b.read(REG_C), 0x00);
  EXPECT_FALSE(b.irq_level());
  // D and C are read-only: writes are ignored with a warning.
  sc_core::sc_report_handler::set_actions(sc_core::SC_WARNING, sc_core::SC_DO_NOTHING);
  const int before = sc_core::sc_report_handler::get_count("rtc");
  b.write(REG_D, 0x00);
  b.write(REG_C, 0xF0);
  EXPECT_EQ(sc_core::sc_report_handler::get_count("rtc"), before + 2);
  EXPECT_EQ(b.read(REG_D), 0x80);
  EXPECT_EQ(b.read(REG_C), 0x00);
}

TEST(Rtc, ReadsStartTimeInBcd) {
  configure("rtc.start_time", "2024-02-29T13:45:56");
  RtcBench b;
  EXPECT_EQ(b.read(SEC), 0x56);
  EXPECT_EQ(b.read(MIN), 0x45);
  EXPECT_EQ(b.read(HOUR), 0x13);
  EXPECT_EQ(b.read(DOW), 5);  // Thursday (1 = Sunday)
  EXPECT_EQ(b.read(DATE), 0x29);
  EXPECT_EQ(b.read(MONTH), 0x02);
  EXPECT_EQ(b.read(YEAR), 0x24);
  EXPECT_EQ(b.read(CENTURY), 0x20);
}

TEST(Rtc, BinaryModeViaDm) {
  configure("rtc.start_time", "2000-01-01T00:00:00");
  RtcBench b;
  // The datasheet's procedure: SET, choose the data mode, write the time in
  // that mode, clear SET. The chip does not convert existing values.
  b.write(REG_B, SET | DM | H24);
  EXPECT_EQ(b.read(SEC), 0x00);  // bytes stay as they were
  b.write(SEC, 59);
  b.write(MIN, 59);
  b.write(HOUR, 23);
  b.write(DATE, 31);
  b.write(MONTH, 12);
  b.write(YEAR, 9);
  b.write(REG_B, DM | H24);
  EXPECT_EQ(b.read(SEC, ms(999)), 59);
  EXPECT_EQ(b.read(SEC, s(1)), 0);
  EXPECT_EQ(b.read(MIN, s(1)), 0);
  EXPECT_EQ(b.read(HOUR, s(1)), 0);
  EXPECT_EQ(b.read(DATE, s(1)), 1);
  EXPECT_EQ(b.read(MONTH, s(1)), 1);
  EXPECT_EQ(b.read(YEAR, s(1)), 10);  // binary 10, not BCD 0x10
  EXPECT_EQ(b.read(SEC, s(11)), 10);  // counts in binary: 0x0A after 0x09
}

TEST(Rtc, TwelveHourModeWithPmBit) {
  RtcBench b;
  b.write(REG_B, SET);  // 12-hour, BCD
  b.write(HOUR, 0x11);  // 11 AM
  b.write(MIN, 0x59);
  b.write(SEC, 0x59);
  b.write(REG_B, 0x00);
  EXPECT_EQ(b.read(HOUR, s(1)), 0x92);  // 12 PM: bit 7 set
  EXPECT_EQ(b.read(MIN, s(1)), 0x00);
  b.write(REG_B, SET, s(1));
  b.write(HOUR, 0x91, s(1));  // 11 PM
  b.write(MIN, 0x59, s(1));
  b.write(SEC, 0x59, s(1));
  b.write(REG_B, 0x00, s(1));
  EXPECT_EQ(b.read(HOUR, s(2)), 0x12);  // 12 AM (midnight): bit 7 clear
  EXPECT_EQ(b.read(DATE, s(2)), 0x02);  // the next day
  EXPECT_EQ(b.read(DOW, s(2)), 1);      // 2000-01-01 was a Saturday (7)
  EXPECT_EQ(b.read(HOUR, s(3602)), 0x01);
}

TEST(Rtc, SecondsAdvanceAfterOneSecond) {
  RtcBench b;
  EXPECT_EQ(b.read(SEC), 0x00);
  EXPECT_EQ(b.read(SEC, ms(999.999)), 0x00);
  EXPECT_EQ(b.read(SEC, s(1)), 0x01);
  sc_core::sc_start(s(59.5));
  EXPECT_EQ(b.read(SEC), 0x59);
  EXPECT_EQ(b.read(MIN), 0x00);
  EXPECT_EQ(b.read(SEC, ms(500)), 0x00);
  EXPECT_EQ(b.read(MIN, ms(500)), 0x01);
}

TEST(Rtc, UipSetJustBeforeUpdate) {
  RtcBench b;
  // UIP rises 244.140625 us (8 cycles of 32.768 kHz) before the update at 1 s.
  EXPECT_EQ(b.read(REG_A, s(1) - us(245)) & UIP, 0);
  EXPECT_EQ(b.read(SEC, s(1) - us(245)), 0x00);
  EXPECT_EQ(b.read(REG_A, s(1) - us(244)) & UIP, UIP);
  EXPECT_EQ(b.read(REG_A, s(1) - us(1)) & UIP, UIP);
  EXPECT_EQ(b.read(REG_A, s(1)) & UIP, 0);
  EXPECT_EQ(b.read(SEC, s(1)), 0x01);
  EXPECT_EQ(b.read(REG_A, s(2) - us(100)) & UIP, UIP);
}

TEST(Rtc, SetBitFreezesTime) {
  RtcBench b;
  b.write(REG_B, SET | H24, ms(500));
  EXPECT_EQ(b.read(REG_A, s(3) - us(100)) & UIP, 0);  // no update cycles while SET
  EXPECT_EQ(b.read(SEC, s(3)), 0x00);
  b.write(REG_B, H24, s(3));
  // The divider kept running: the next update is at the next whole second.
  EXPECT_EQ(b.read(SEC, s(3.9)), 0x00);
  EXPECT_EQ(b.read(SEC, s(4)), 0x01);
  // SET going high clears UIE.
  b.write(REG_B, UIE | H24, s(4));
  b.write(REG_B, SET | UIE | H24, s(4));
  EXPECT_EQ(b.read(REG_B, s(4)), SET | H24);
}

TEST(Rtc, PeriodicInterrupt1024Hz) {
  RtcBench b;
  b.ack_in_isr();
  b.write(REG_B, PIE | H24);  // A = 0x26: rate 6
  sc_core::sc_start(ms(5));
  ASSERT_GE(b.monitor.rises.size(), 5u);
  const sc_time period(976562500, SC_PS);  // 976.5625 us exactly
  for (size_t i = 0; i < 5; ++i) EXPECT_EQ(b.monitor.rises[i], period * static_cast<double>(i + 1)) << i;
  EXPECT_EQ(b.monitor.rises.size(), 5u);  // 5 ms / 976.5625 us = 5.12
}

TEST(Rtc, PeriodicRateTable) {
  RtcBench b;
  // Datasheet table, 32.768 kHz time base (us); rates 1 and 2 equal 8 and 9.
  const double period_us[16] = {0,      3906.25, 7812.5, 122.0703125, 244.140625, 488.28125,
                                976.5625, 1953.125, 3906.25, 7812.5, 15625,     31250,
                                62500,  125000,  250000, 500000};
  for (unsigned rs = 0; rs < 16; ++rs) {
    const sc_time t0 = s(rs + 1);  // a whole second: a tap of every rate
    b.write(REG_A, static_cast<uint8_t>(0x20 | rs), t0);
    b.read(REG_C, t0);  // clear PF
    if (rs == 0) {
      EXPECT_EQ(b.read(REG_C, t0 + ms(999)) & PF, 0) << "rate 0 never sets PF";
      continue;
    }
    const sc_time p = us(period_us[rs]);
    EXPECT_EQ(b.read(REG_C, t0 + p - sc_time(1, SC_NS)) & PF, 0) << "rate " << rs;
    EXPECT_EQ(b.read(REG_C, t0 + p + sc_time(1, SC_PS)) & PF, PF) << "rate " << rs;
  }
}

TEST(Rtc, RegisterCReadClearsFlagsAndIrq) {
  RtcBench b;
  b.write(REG_B, UIE | H24);
  sc_core::sc_start(s(1) + us(1));
  EXPECT_TRUE(b.irq.read());
  EXPECT_EQ(b.read(REG_C), IRQF | PF | UF);  // PF is set at 1024 Hz even with PIE clear
  EXPECT_FALSE(b.irq_level());
  EXPECT_EQ(b.read(REG_C), 0x00);
  // The line stays high until C is read, however long that takes.
  sc_core::sc_start(s(3));
  EXPECT_TRUE(b.irq.read());
  EXPECT_EQ(b.monitor.rises.size(), 2u);
  EXPECT_EQ(b.read(REG_C) & (IRQF | UF), IRQF | UF);
  EXPECT_FALSE(b.irq_level());
}

TEST(Rtc, AlarmInterruptFiresAtMatch) {
  RtcBench b;
  b.write(SEC_ALARM, 0x05);
  b.write(MIN_ALARM, 0x00);
  b.write(HOUR_ALARM, 0x00);
  b.write(REG_B, AIE | H24);
  sc_core::sc_start(ms(4999));
  EXPECT_FALSE(b.irq.read());
  EXPECT_EQ(b.read(REG_C) & AF, 0);
  sc_core::sc_start(ms(1));
  EXPECT_TRUE(b.irq_level());
  ASSERT_EQ(b.monitor.rises.size(), 1u);
  EXPECT_EQ(b.monitor.rises[0], s(5));
  EXPECT_EQ(b.read(REG_C) & (IRQF | AF), IRQF | AF);
  EXPECT_FALSE(b.irq_level());
  sc_core::sc_start(s(10));  // no match again within the hour
  EXPECT_FALSE(b.irq.read());
}

TEST(Rtc, AlarmDontCareBytes) {
  RtcBench b;
  b.ack_in_isr();
  b.write(SEC_ALARM, 0x30);
  b.write(MIN_ALARM, 0xC0);  // don't care: 0xC0-0xFF
  b.write(HOUR_ALARM, 0xFF);
  b.write(REG_B, AIE | H24);
  sc_core::sc_start(s(150.5));
  ASSERT_EQ(b.monitor.rises.size(), 3u);  // once a minute, at second 30
  EXPECT_EQ(b.monitor.rises[0], s(30));
  EXPECT_EQ(b.monitor.rises[1], s(90));
  EXPECT_EQ(b.monitor.rises[2], s(150));
  // All three don't care: every second.
  b.write(SEC_ALARM, 0xC0);
  sc_core::sc_start(s(3));
  EXPECT_EQ(b.monitor.rises.size(), 6u);
}

TEST(Rtc, UpdateEndedInterruptEverySecond) {
  RtcBench b;
  b.ack_in_isr();
  b.write(REG_B, UIE | H24);
  sc_core::sc_start(ms(3500));
  ASSERT_EQ(b.monitor.rises.size(), 3u);
  for (size_t i = 0; i < 3; ++i) EXPECT_EQ(b.monitor.rises[i], s(static_cast<double>(i + 1)));
  EXPECT_EQ(b.read(SEC), 0x03);
}

TEST(Rtc, LeapYearFeb29RollsToMar1) {
  configure("rtc.start_time", "2024-02-28T23:59:59");
  RtcBench b;
  EXPECT_EQ(b.read(DATE, s(1)), 0x29);  // 2024 is a leap year
  EXPECT_EQ(b.read(MONTH, s(1)), 0x02);
  EXPECT_EQ(b.read(DOW, s(1)), 5);  // Thursday
  b.write(REG_B, SET | H24, s(1));
  b.write(HOUR, 0x23, s(1));
  b.write(MIN, 0x59, s(1));
  b.write(SEC, 0x59, s(1));
  b.write(REG_B, H24, s(1));
  EXPECT_EQ(b.read(DATE, s(2)), 0x01);
  EXPECT_EQ(b.read(MONTH, s(2)), 0x03);
  EXPECT_EQ(b.read(DOW, s(2)), 6);  // Friday
  // 2023 is not: Feb 28 rolls straight to Mar 1.
  b.write(REG_B, SET | H24, s(2));
  b.write(YEAR, 0x23, s(2));
  b.write(MONTH, 0x02, s(2));
  b.write(DATE, 0x28, s(2));
  b.write(HOUR, 0x23, s(2));
  b.write(MIN, 0x59, s(2));
  b.write(SEC, 0x59, s(2));
  b.write(REG_B, H24, s(2));
  EXPECT_EQ(b.read(DATE, s(3)), 0x01);
  EXPECT_EQ(b.read(MONTH, s(3)), 0x03);
}

TEST(Rtc, YearRolloverIncrementsCentury) {
  configure("rtc.start_time", "2099-12-31T23:59:59");
  RtcBench b;
  EXPECT_EQ(b.read(CENTURY), 0x20);
  EXPECT_EQ(b.read(SEC, s(1)), 0x00);
  EXPECT_EQ(b.read(HOUR, s(1)), 0x00);
  EXPECT_EQ(b.read(DATE, s(1)), 0x01);
  EXPECT_EQ(b.read(MONTH, s(1)), 0x01);
  EXPECT_EQ(b.read(YEAR, s(1)), 0x00);
  EXPECT_EQ(b.read(CENTURY, s(1)), 0x21);
  EXPECT_EQ(b.read(DOW, s(1)), 6);  // 2100-01-01 is a Friday
}

TEST(Rtc, CmosRamRetainsBytes) {
  RtcBench b;
  for (unsigned i = 0x0E; i < 0x80; ++i) b.write(static_cast<uint8_t>(i), static_cast<uint8_t>(i * 7 + 3));
  sc_core::sc_start(s(2));  // the clock running does not touch RAM
  for (unsigned i = 0x0E; i < 0x80; ++i)
    EXPECT_EQ(b.read(static_cast<uint8_t>(i)), static_cast<uint8_t>(i * 7 + 3)) << "CMOS " << i;
  // Alarm bytes are plain storage too.
  b.write(HOUR_ALARM, 0x17);
  EXPECT_EQ(b.read(HOUR_ALARM), 0x17);
}

TEST(Rtc, NmiMaskBitIsIndependentOfIndex) {
  RtcBench b;
  EXPECT_FALSE(b.rtc.nmi_masked());
  b.cpu.write(0, 0x80 | 0x20, SC_ZERO_TIME);  // NMI off, select 0x20
  EXPECT_TRUE(b.rtc.nmi_masked());
  b.cpu.write(1, 0xA5, SC_ZERO_TIME);
  b.cpu.write(0, 0x20, SC_ZERO_TIME);  // NMI on, the same location
  EXPECT_FALSE(b.rtc.nmi_masked());
  EXPECT_EQ(b.cpu.read(1, SC_ZERO_TIME), 0xA5);
  b.cpu.write(0, 0x80 | REG_D, SC_ZERO_TIME);
  EXPECT_EQ(b.cpu.read(1, SC_ZERO_TIME), 0x80);
  EXPECT_EQ(b.cpu.read(0, SC_ZERO_TIME), 0xFF);  // port 0x70 is write-only on the AT
}

TEST(Rtc, BadStartTimeIsConfigError) {
  for (const char* bad : {"2000-13-01T00:00:00", "2023-02-29T00:00:00", "2000-01-01 00:00:00", "yesterday",
                          "2000-01-01T24:00:00", "2000-1-01T00:00:00"}) {
    ConfigStore::instance().clear();
    configure("rtc.start_time", bad);
    try {
      Mc146818 rtc{"rtc"};
      ADD_FAILURE() << "accepted start_time " << bad;
    } catch (const ConfigError& e) {
      EXPECT_NE(std::string(e.what()).find("rtc.start_time"), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find(bad), std::string::npos) << e.what();
    }
  }
}

TEST(Rtc, HostStartTimeIsAccepted) {
  configure("rtc.start_time", "host");
  RtcBench b;
  EXPECT_GE(b.read(CENTURY), 0x20);
  EXPECT_LE(b.read(MONTH), 0x12);
}

TEST(Rtc, DividerResetDelaysFirstUpdateHalfASecond) {
  RtcBench b;
  b.write(REG_A, 0x70, ms(200));  // DV = 111: divider chain held in reset
  b.read(REG_C, ms(200));
  EXPECT_EQ(b.read(SEC, s(5)), 0x00);
  EXPECT_EQ(b.read(REG_C, s(5)) & PF, 0);  // no periodic taps either
  b.write(REG_A, 0x26, s(5));
  EXPECT_EQ(b.read(SEC, s(5.5) - us(1)), 0x00);
  EXPECT_EQ(b.read(SEC, s(5.5)), 0x01);
  EXPECT_EQ(b.read(SEC, s(6.5)), 0x02);
}

TEST(Rtc, DaylightSavingSkipsAnHourInApril) {
  configure("rtc.start_time", "2024-04-28T01:59:59");  // the last Sunday of April
  RtcBench b;
  b.write(REG_B, H24 | 0x01);  // DSE
  EXPECT_EQ(b.read(HOUR, s(1)), 0x03);
  EXPECT_EQ(b.read(MIN, s(1)), 0x00);
}

// ---- battery-backed RAM (cmos_file) and the NMI mask -----------------------------

namespace {
std::string temp_cmos_path() { return "/tmp/minipc_rtc_test_" + std::to_string(::getpid()) + ".cmos"; }
}  // namespace

// A RAM byte written goes to the file at once (the whole 128-byte map); the
// time registers are not taken from a file.
TEST(Rtc, CmosFileKeepsRamAcrossRuns) {
  const std::string path = temp_cmos_path();
  {
    std::array<uint8_t, 128> image{};
    image[0x40] = 0x5A;
    image[0x7F] = 0xC3;
    image[0x00] = 0x59;  // seconds: must not be taken from the file
    std::ofstream f(path, std::ios::binary);
    f.write(reinterpret_cast<const char*>(image.data()), 128);
  }
  configure("rtc.cmos_file", path);
  RtcBench b;
  EXPECT_EQ(b.read(0x40), 0x5A) << "RAM from the file";
  EXPECT_EQ(b.read(0x7F), 0xC3);
  EXPECT_EQ(b.read(SEC), 0x00) << "time from start_time";
  b.write(0x41, 0x77);
  std::ifstream f(path, std::ios::binary);
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(f)), {});
  std::remove(path.c_str());
  ASSERT_EQ(bytes.size(), 128u);
  EXPECT_EQ(bytes[0x41], 0x77) << "written through";
  EXPECT_EQ(bytes[0x40], 0x5A);
}

// A file that is not 128 bytes is a DataError naming the key.
TEST(Rtc, CmosFileBadSizeIsDataError) {
  const std::string path = temp_cmos_path();
  { std::ofstream(path, std::ios::binary) << "short"; }
  configure("rtc.cmos_file", path);
  try {
    Mc146818 rtc("rtc");
    FAIL() << "no error";
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find("rtc.cmos_file"), std::string::npos) << e.what();
  }
  std::remove(path.c_str());
}

TEST(Rtc, CmosFileMissingIsCreatedOnFirstChange) {
  const std::string path = temp_cmos_path();
  std::remove(path.c_str());
  configure("rtc.cmos_file", path);
  RtcBench b;
  EXPECT_EQ(b.read(0x50), 0x00);
  EXPECT_FALSE(std::ifstream(path).good()) << "nothing written before a change";
  b.write(0x50, 0x99);
  std::ifstream f(path, std::ios::binary);
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(f)), {});
  std::remove(path.c_str());
  ASSERT_EQ(bytes.size(), 128u);
  EXPECT_EQ(bytes[0x50], 0x99);
}

// Port 0x70 bit 7 is the NMI mask: latched on every index write, reported to
// the NMI gate (on_nmi_mask) with the access's local time when it changes,
// cleared by reset.
TEST(Rtc, IndexBit7IsTheNmiMask) {
  RtcBench b;
  std::vector<std::pair<bool, sc_time>> calls;
  b.rtc.on_nmi_mask = [&](bool m, const sc_time& at) { calls.emplace_back(m, at); };
  EXPECT_FALSE(b.rtc.nmi_masked());
  b.cpu.write(0, 0x8D, us(3));
  EXPECT_TRUE(b.rtc.nmi_masked());
  EXPECT_EQ(b.cpu.read(1, us(3)) & 0x80, 0x80) << "index 0x0D selected (VRT), bit 7 is not part of the index";
  b.cpu.write(0, 0x8A, us(4));  // still masked: no call
  b.cpu.write(0, 0x0A, us(5));
  EXPECT_FALSE(b.rtc.nmi_masked());
  b.cpu.write(0, 0x80, us(6));
  b.rtc.reset();
  EXPECT_FALSE(b.rtc.nmi_masked());
  ASSERT_EQ(calls.size(), 4u);
  EXPECT_EQ(calls[0], std::make_pair(true, us(3)));
  EXPECT_EQ(calls[1], std::make_pair(false, us(5)));
  EXPECT_EQ(calls[2], std::make_pair(true, us(6)));
  EXPECT_FALSE(calls[3].first) << "reset clears the mask";
}
