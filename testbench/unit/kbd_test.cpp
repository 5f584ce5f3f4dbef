// 8042 keyboard controller and scripted PS/2 keyboard: the datasheet
// behaviours, one test each.
//
// Each TEST elaborates its own SystemC world (CTest runs one process per
// TEST). The test plays the CPU: it reads and writes port 0x60 (offset 0) and
// port 0x64 (offset 4) through an initiator socket, annotating a delay to
// access the controller at a local time ahead of SystemC time, as a
// temporally decoupled CPU does; sc_start() advances time where a byte must
// arrive by itself. The device under test is built by KbdBench only and
// observed through its socket, its IRQ line and pending(), so the same suite
// can run against an RTL twin.
#include <gtest/gtest.h>
#include <tlm_utils/simple_initiator_socket.h>

#include <cstdio>
#include <fstream>
#include <systemc>
#include <vector>

#include "core/irq.h"
#include "core/params.h"
#include "core/sim_control.h"
#include "core/stats.h"
#include "kbd/kbc8042.h"

using namespace minipc;
using sc_core::sc_time;
using sc_core::SC_MS;
using sc_core::SC_NS;
using sc_core::SC_SEC;
using sc_core::SC_US;
using sc_core::SC_ZERO_TIME;

namespace {

constexpr uint64_t DATA = 0, STATUS = 4, COMMAND = 4;  // ports 0x60 and 0x64
constexpr uint8_t OBF = 0x01, IBF = 0x02, SYS = 0x04, A2 = 0x08, INH = 0x10;

// One byte on the PS/2 line, as the default byte_time: 11 bits at 12 kHz.
const sc_time kByte(11.0 / 12000.0, SC_SEC);

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

// The 8042 as the platform has it: ports 0x60/0x64 at offsets 0/4, IRQ1.
struct KbdBench {
  Kbc8042 kbc{"kbd"};
  Initiator cpu{"cpu"};
  IrqLine irq{"irq1"};

  KbdBench() {
    cpu.socket.bind(kbc.regs);
    kbc.irq.bind(irq);
    sc_core::sc_start(SC_ZERO_TIME);  // finish elaboration
  }
  uint8_t status(sc_time delay = SC_ZERO_TIME) { return cpu.read(STATUS, delay); }
  uint8_t data(sc_time delay = SC_ZERO_TIME) { return cpu.read(DATA, delay); }
  void write_data(uint8_t v, sc_time delay = SC_ZERO_TIME) { cpu.write(DATA, v, delay); }
  void command(uint8_t v, sc_time delay = SC_ZERO_TIME) { cpu.write(COMMAND, v, delay); }
  // Waits (simulated time) for OBF, then reads the byte; -1 if none comes.
  int next_byte(sc_time limit = sc_time(100, SC_MS)) {
    const sc_time end = sc_core::sc_time_stamp() + limit;
    while (!(status() & OBF)) {
      if (sc_core::sc_time_stamp() >= end) return -1;
      sc_core::sc_start(sc_time(50, SC_US));
    }
    return data();
  }
  std::vector<int> bytes(size_t n) {
    std::vector<int> v;
    for (size_t i = 0; i < n; ++i) v.push_back(next_byte());
    return v;
  }
  // The line after the delta cycles of the accesses just made.
  bool irq_level() {
    do sc_core::sc_start(SC_ZERO_TIME);
    while (sc_core::sc_pending_activity_at_current_time());
    return irq.read();
  }
};

void configure(const std::string& key, const std::string& value) { ConfigStore::instance().set(key, value, "test"); }
double stat(const std::string& name) { return StatsRegistry::instance().value(name); }
sc_time ms(double v) { return sc_time(v, SC_MS); }

}  // namespace

TEST(Kbd, SelfTestReturns55) {
  KbdBench b;
  EXPECT_EQ(b.status(), SYS | INH);  // power-on: as the BIOS leaves it, output buffer empty
  b.command(0xAA);
  EXPECT_EQ(b.status() & (OBF | IBF | A2), OBF | A2);  // IBF never seen: the command was taken at once
  EXPECT_EQ(b.data(), 0x55);
  EXPECT_EQ(b.status() & OBF, 0);
  b.command(0xAB);  // interface test: no line stuck
  EXPECT_EQ(b.data(), 0x00);
}

TEST(Kbd, CommandByteReadWrite) {
  KbdBench b;
  b.command(0x20);
  EXPECT_EQ(b.data(), 0x45);  // INT, SYS, XLAT
  b.command(0x60);
  EXPECT_EQ(b.status() & A2, A2);  // last write was a command
  b.write_data(0x61);              // INT, AUX disable, XLAT; SYS clear
  EXPECT_EQ(b.status() & (A2 | OBF), 0);
  EXPECT_EQ(b.status() & SYS, 0);  // the status SYS flag follows the command byte
  b.command(0x20);
  EXPECT_EQ(b.data(), 0x61);
  b.command(0xAD);  // disable keyboard sets bit 4, enable clears it
  b.command(0x20);
  EXPECT_EQ(b.data(), 0x71);
  b.command(0xAE);
  b.command(0x20);
  EXPECT_EQ(b.data(), 0x61);
}

TEST(Kbd, OutputBufferFullAndReadClears) {
  configure("kbd.keys", "1ms:press:space");
  KbdBench b;
  EXPECT_EQ(b.status(ms(1) + kByte - sc_time(1, SC_NS)) & OBF, 0);
  EXPECT_EQ(b.status(ms(1) + kByte) & OBF, OBF);
  EXPECT_EQ(b.data(ms(1) + kByte), 0x39);
  EXPECT_EQ(b.status(ms(1) + kByte) & OBF, 0);
  EXPECT_EQ(b.data(ms(2) + kByte), 0x39);  // with OBF clear, the last byte again
  EXPECT_EQ(b.status(ms(50)) & OBF, 0);
}

TEST(Kbd, ScriptedKeyProducesMakeAndBreak) {
  configure("kbd.keys", "10ms:a");
  KbdBench b;
  const sc_time make_at = ms(10) + kByte;  // the key at 10 ms, one byte time on the line
  EXPECT_EQ(b.status(make_at - sc_time(1, SC_NS)) & OBF, 0);
  EXPECT_EQ(b.status(make_at) & OBF, OBF);
  const sc_time read_at = make_at + sc_time(5, SC_US);
  EXPECT_EQ(b.data(read_at), 0x1E);
  // The break waits for the output buffer, then takes one byte time.
  const sc_time break_at = read_at + kByte;
  EXPECT_EQ(b.status(break_at - sc_time(1, SC_NS)) & OBF, 0);
  EXPECT_EQ(b.status(break_at) & OBF, OBF);
  EXPECT_EQ(b.data(break_at), 0x9E);
  EXPECT_EQ(b.kbc.pending(), 0u);
  EXPECT_EQ(stat("kbd.keys"), 1);
  EXPECT_EQ(stat("kbd.bytes_delivered"), 2);
}

TEST(Kbd, UppercaseWrapsShift) {
  configure("kbd.keys", "1ms:B 5ms:enter");
  KbdBench b;
  EXPECT_EQ(b.bytes(6), (std::vector<int>{0x2A, 0x30, 0xB0, 0xAA, 0x1C, 0x9C}));
  EXPECT_EQ(b.next_byte(ms(20)), -1);
}

TEST(Kbd, ExtendedKeyHasE0Prefix) {
  configure("kbd.keys", "1ms:up 2ms:press:rctrl 3ms:release:rctrl 4ms:delete");
  KbdBench b;
  EXPECT_EQ(b.bytes(12),
            (std::vector<int>{0xE0, 0x48, 0xE0, 0xC8, 0xE0, 0x1D, 0xE0, 0x9D, 0xE0, 0x53, 0xE0, 0xD3}));
}

TEST(Kbd, Irq1OnlyWhenIntEnabled) {
  configure("kbd.keys", "1ms:press:a");
  KbdBench b;
  b.command(0x60);
  b.write_data(0x44);  // INT clear
  sc_core::sc_start(ms(5));
  EXPECT_EQ(b.status() & OBF, OBF);
  EXPECT_FALSE(b.irq_level());
  b.command(0x60);
  b.write_data(0x45);  // INT set while OBF: IRQ1 at once
  EXPECT_TRUE(b.irq_level());
  EXPECT_EQ(b.data(), 0x1E);
  EXPECT_FALSE(b.irq_level());
}

TEST(Kbd, Irq1DropsWhenOutputRead) {
  configure("kbd.keys", "1ms:a");
  KbdBench b;
  sc_core::sc_start(ms(1) + kByte);
  EXPECT_TRUE(b.irq_level());  // level while OBF: the PIC sees one edge per byte
  EXPECT_EQ(b.data(), 0x1E);
  EXPECT_FALSE(b.irq_level());
  sc_core::sc_start(kByte - sc_time(1, SC_NS));
  EXPECT_FALSE(b.irq.read());
  sc_core::sc_start(sc_time(1, SC_NS));
  EXPECT_TRUE(b.irq_level());  // the break code arrived
  EXPECT_EQ(b.data(), 0x9E);
  EXPECT_FALSE(b.irq_level());
}

TEST(Kbd, KeyboardResetAnswersFaThenAa) {
  KbdBench b;
  b.write_data(0xFF);
  EXPECT_EQ(b.status(kByte - sc_time(1, SC_NS)) & OBF, 0);
  EXPECT_EQ(b.data(kByte), 0xFA);  // ACK
  EXPECT_EQ(b.data(2 * kByte), 0xAA);  // basic assurance test passed
  EXPECT_EQ(b.status(ms(20)) & OBF, 0);
}

TEST(Kbd, EchoCommand) {
  KbdBench b;
  b.write_data(0xEE);
  EXPECT_EQ(b.next_byte(), 0xEE);  // echo: no ACK
  sc_core::sc_report_handler::set_actions(sc_core::SC_WARNING, sc_core::SC_DO_NOTHING);
  b.write_data(0x88);  // not a keyboard command
  EXPECT_EQ(b.next_byte(), 0xFE);
  b.write_data(0xED);  // set LEDs: ACK for the command and for its argument
  EXPECT_EQ(b.next_byte(), 0xFA);
  b.write_data(0x07);
  EXPECT_EQ(b.next_byte(), 0xFA);
}

TEST(Kbd, IdentifyAnswersMf2Id) {
  KbdBench b;
  b.write_data(0xF2);  // translation on (XLAT): the 8042 turns 0x83 into 0x41
  EXPECT_EQ(b.bytes(3), (std::vector<int>{0xFA, 0xAB, 0x41}));
  b.command(0x60);
  b.write_data(0x05);  // XLAT off
  b.write_data(0xF2);
  EXPECT_EQ(b.bytes(3), (std::vector<int>{0xFA, 0xAB, 0x83}));
}

TEST(Kbd, DisableKeyboardHoldsBytes) {
  configure("kbd.keys", "1ms:a");
  KbdBench b;
  b.command(0xAD);
  sc_core::sc_start(ms(10));
  EXPECT_EQ(b.status() & OBF, 0);
  EXPECT_EQ(b.kbc.pending(), 2u);  // make and break wait in the keyboard
  b.command(0xAE);
  EXPECT_EQ(b.status(kByte - sc_time(1, SC_NS)) & OBF, 0);
  EXPECT_EQ(b.data(kByte), 0x1E);
  EXPECT_EQ(b.next_byte(), 0x9E);
}

TEST(Kbd, DisableScanningDropsKeys) {
  configure("kbd.keys", "5ms:a 20ms:b");
  KbdBench b;
  b.write_data(0xF5);
  EXPECT_EQ(b.next_byte(), 0xFA);
  sc_core::sc_start(ms(10));  // 'a' is not scanned
  b.write_data(0xF4);
  EXPECT_EQ(b.next_byte(), 0xFA);
  EXPECT_EQ(b.bytes(2), (std::vector<int>{0x30, 0xB0}));
  EXPECT_EQ(stat("kbd.keys"), 1);
}

TEST(Kbd, FifoOverflowDropsAndCounts) {
  configure("kbd.keys", "1ms:A 1ms:B 1ms:C 1ms:D 1ms:E 1ms:F");  // 6 x 4 bytes
  KbdBench b;
  sc_core::sc_report_handler::set_actions(sc_core::SC_WARNING, sc_core::SC_DO_NOTHING);
  const int before = sc_core::sc_report_handler::get_count("kbd");
  sc_core::sc_start(ms(2));
  EXPECT_EQ(stat("kbd.fifo_overruns"), 8);
  EXPECT_EQ(stat("kbd.keys"), 6);
  EXPECT_EQ(sc_core::sc_report_handler::get_count("kbd"), before + 1);  // reported once
  std::vector<int> got;
  for (int v = b.next_byte(); v >= 0; v = b.next_byte(ms(10))) got.push_back(v);
  EXPECT_EQ(got.size(), 16u);
  EXPECT_EQ(got[0], 0x2A);
  EXPECT_EQ(got[15], 0xAA);  // the fourth letter's shift release
  EXPECT_EQ(stat("kbd.bytes_delivered"), 16);
}

TEST(Kbd, KeysFileWithComments) {
  const std::string path = testing::TempDir() + "kbd_keys.txt";
  {
    std::ofstream f(path);
    f << "# a comment\n2ms:x   # typed\n\n1ms:press:lctrl 3ms:release:lctrl\n";
  }
  configure("kbd.keys_file", path);
  KbdBench b;
  EXPECT_EQ(b.bytes(4), (std::vector<int>{0x1D, 0x2D, 0xAD, 0x9D}));
  std::remove(path.c_str());
}

TEST(Kbd, OutputPortA20AndResetPulse) {
  KbdBench b;
  EXPECT_TRUE(b.kbc.a20());
  b.command(0xD0);
  EXPECT_EQ(b.data(), 0xCF);
  b.command(0xD1);
  b.write_data(0xCD);  // A20 off
  EXPECT_FALSE(b.kbc.a20());
  b.command(0xD0);
  EXPECT_EQ(b.data(), 0xCD);
  sc_core::sc_report_handler::set_actions(sc_core::SC_WARNING, sc_core::SC_DO_NOTHING);
  b.command(0xFE);  // pulse reset: reported, not performed
  EXPECT_EQ(stat("kbd.reset_requests"), 1);
  b.command(0x20);
  EXPECT_EQ(b.data(), 0x45);  // the controller kept its state
}

TEST(Kbd, BadKeyNameIsConfigError) {
  configure("kbd.keys", "10ms:a 20ms:foo");
  try {
    Kbc8042 kbc{"kbd"};
    FAIL() << "accepted an unknown key name";
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()), "kbd.keys: item 2 '20ms:foo': unknown key name 'foo'");
  }
  ConfigStore::instance().clear();
  configure("kbd.keys", "10xs:a");
  try {
    Kbc8042 kbc{"kbd"};
    FAIL() << "accepted a bad time";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("kbd.keys: item 1 '10xs:a': bad time '10xs'"), std::string::npos)
        << e.what();
  }
  for (const char* bad : {"10ms", "10ms:hold:a", "10ms:press:", ":a"}) {
    ConfigStore::instance().clear();
    configure("kbd.keys", bad);
    EXPECT_THROW({ Kbc8042 kbc{"kbd"}; }, ConfigError) << bad;
  }
}

TEST(Kbd, MissingKeysFileIsInputError) {
  configure("kbd.keys_file", "/nonexistent/keys.txt");
  try {
    Kbc8042 kbc{"kbd"};
    FAIL() << "constructed with a missing keys_file";
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()), "kbd.keys_file: cannot open '/nonexistent/keys.txt': No such file or directory");
  }
}
