// 16550A UART and debug ports: the datasheet behaviours, one test each.
//
// Each TEST elaborates its own SystemC world (CTest runs one process per
// TEST). The test body plays the CPU: it drives the `regs` socket through an
// initiator socket, annotating a delay to access the UART at a local time
// ahead of SystemC time, as a temporally decoupled CPU does; sc_start()
// advances time where an event (an interrupt, a received character) must
// happen by itself.
#include <gtest/gtest.h>
#include <tlm_utils/simple_initiator_socket.h>

#include <cstdio>
#include <fstream>
#include <functional>
#include <systemc>

#include "core/params.h"
#include "core/sim_control.h"
#include "core/stats.h"
#include "uart/debug_ports.h"
#include "uart/uart16550.h"

using namespace minipc;
using sc_core::sc_time;
using sc_core::SC_US;
using sc_core::SC_ZERO_TIME;

namespace {

// Register offsets (datasheet table).
constexpr uint64_t RBR = 0, THR = 0, DLL = 0, IER = 1, DLM = 1, IIR = 2, FCR = 2, LCR = 3, MCR = 4,
                   LSR = 5, MSR = 6, SCR = 7;

class Initiator : public sc_core::sc_module {
 public:
  SC_HAS_PROCESS(Initiator);
  tlm_utils::simple_initiator_socket<Initiator> socket{"socket"};
  std::function<void()> script;  // optional: runs in a thread (for tests that must be inside simulation)

  explicit Initiator(const sc_core::sc_module_name& nm) : sc_module(nm) { SC_THREAD(run); }

  uint64_t read(uint64_t offset, sc_time delay = SC_ZERO_TIME, unsigned len = 1) {
    uint64_t v = 0;
    access(tlm::TLM_READ_COMMAND, offset, reinterpret_cast<uint8_t*>(&v), len, delay);
    return v;
  }
  void write(uint64_t offset, uint64_t v, sc_time delay = SC_ZERO_TIME, unsigned len = 1) {
    access(tlm::TLM_WRITE_COMMAND, offset, reinterpret_cast<uint8_t*>(&v), len, delay);
  }

 private:
  void run() {
    if (script) script();
  }
  void access(tlm::tlm_command cmd, uint64_t offset, uint8_t* data, unsigned len, sc_time delay) {
    tlm::tlm_generic_payload p;
    p.set_command(cmd);
    p.set_address(offset);
    p.set_data_ptr(data);
    p.set_data_length(len);
    p.set_streaming_width(len);
    p.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    socket->b_transport(p, delay);
    ASSERT_EQ(p.get_response_status(), tlm::TLM_OK_RESPONSE) << "offset " << offset;
  }
};

// COM1 as the platform has it: uart0, a CPU-side initiator, the IRQ line.
struct Com1 {
  Uart16550 uart{"uart0"};
  Initiator cpu{"cpu"};
  IrqLine irq{"irq4"};
  IrqLine txrdy{"txrdy"};  // true = TXRDY# active (low on the chip)
  IrqLine rxrdy{"rxrdy"};

  Com1() {
    cpu.socket.bind(uart.regs);
    uart.irq.bind(irq);
    uart.txrdy.bind(txrdy);
    uart.rxrdy.bind(rxrdy);
    sc_core::sc_start(SC_ZERO_TIME);  // finish elaboration
  }
  uint64_t read(uint64_t offset, sc_time delay = SC_ZERO_TIME) { return cpu.read(offset, delay); }
  void write(uint64_t offset, uint64_t v, sc_time delay = SC_ZERO_TIME) { cpu.write(offset, v, delay); }
  // 115200 baud 8N1 from the PC's 1.8432 MHz clock: divisor 1.
  void program_115200_8n1() {
    write(LCR, 0x80);
    write(DLL, 0x01);
    write(DLM, 0x00);
    write(LCR, 0x03);
  }
  // Lets the IRQ change of a register access take effect: the UART's
  // drive_irq() method writes the line one delta after the access, and the
  // signal shows the value one delta after that.
  bool irq_level() {
    sc_core::sc_start(SC_ZERO_TIME);
    sc_core::sc_start(SC_ZERO_TIME);
    return irq.read();
  }
  // The same for the DMA pins (an access at the current time).
  bool txrdy_level() {
    sc_core::sc_start(SC_ZERO_TIME);
    sc_core::sc_start(SC_ZERO_TIME);
    return txrdy.read();
  }
  bool rxrdy_level() {
    sc_core::sc_start(SC_ZERO_TIME);
    sc_core::sc_start(SC_ZERO_TIME);
    return rxrdy.read();
  }
};

const sc_time kCharTime115200 = sc_time(86.805, SC_US);  // 10 bits * 16 / 1.8432 MHz

sc_time us(double v) { return sc_time(v, SC_US); }

void configure(const std::string& key, const std::string& value) {
  ConfigStore::instance().set(key, value, "test");
}

double stat(const std::string& name) { return StatsRegistry::instance().value(name); }

}  // namespace

TEST(Uart, ResetValues) {
  Com1 com;
  EXPECT_EQ(com.read(IER), 0x00u);
  EXPECT_EQ(com.read(IIR), 0x01u);  // no interrupt pending, FIFOs off
  EXPECT_EQ(com.read(LCR), 0x00u);
  EXPECT_EQ(com.read(MCR), 0x00u);
  EXPECT_EQ(com.read(LSR), 0x60u);  // THRE and TEMT
  EXPECT_EQ(com.read(MSR), 0xB0u);  // attached terminal: DCD, DSR, CTS
  EXPECT_EQ(com.read(SCR), 0x00u);
  EXPECT_FALSE(com.irq_level());
}

TEST(Uart, DlabSelectsDivisorLatch) {
  Com1 com;
  com.write(IER, 0x05);
  com.write(LCR, 0x80);  // DLAB
  com.write(DLL, 0x34);
  com.write(DLM, 0x12);
  EXPECT_EQ(com.read(DLL), 0x34u);
  EXPECT_EQ(com.read(DLM), 0x12u);
  com.write(LCR, 0x03);
  EXPECT_EQ(com.read(IER), 0x05u);  // IER untouched by the DLM write
  EXPECT_NEAR(com.uart.char_time().to_seconds(), 10.0 * 16 * 0x1234 / 1.8432e6, 1e-11);
  // 7E2: 1 + 7 + 1 + 2 bits.
  com.write(LCR, 0x0E);
  EXPECT_NEAR(com.uart.char_time().to_seconds(), 11.0 * 16 * 0x1234 / 1.8432e6, 1e-11);
}

TEST(Uart, ShortWordLengthSendsLowBits) {
  configure("uart0.console", "false");
  Com1 com;  // LCR resets to 5-bit words
  sc_core::sc_report_handler::set_actions(sc_core::SC_WARNING, sc_core::SC_DO_NOTHING);
  const int before = sc_core::sc_report_handler::get_count("uart0");
  com.write(THR, 'f');  // 0x66
  EXPECT_EQ(com.uart.transmitted(), "\x06");
  EXPECT_EQ(sc_core::sc_report_handler::get_count("uart0"), before + 1);
  com.write(LCR, 0x02);  // 7 bits
  com.write(THR, 0xE6, us(2000));  // after the first one (9600 baud at reset)
  EXPECT_EQ(com.uart.transmitted(), "\x06\x66");
}

TEST(Uart, ScratchRegisterHoldsValue) {
  Com1 com;
  com.write(SCR, 0xA5);
  EXPECT_EQ(com.read(SCR), 0xA5u);
  com.write(SCR, 0x5A);
  EXPECT_EQ(com.read(SCR), 0x5Au);
}

TEST(Uart, TransmitGoesToConsoleCapture) {
  Com1 com;
  com.program_115200_8n1();
  com.write(FCR, 0x07);
  testing::internal::CaptureStdout();
  for (char c : std::string("hi\n")) com.write(THR, static_cast<uint8_t>(c));
  EXPECT_EQ(testing::internal::GetCapturedStdout(), "hi\n");
  EXPECT_EQ(com.uart.transmitted(), "hi\n");
  EXPECT_EQ(stat("uart0.tx_bytes"), 3);
}

TEST(Uart, TxFileGetsTransmittedBytes) {
  const std::string path = testing::TempDir() + "uart_tx_file.txt";
  configure("uart0.tx_file", path);
  configure("uart0.console", "false");
  {
    Com1 com;
    com.program_115200_8n1();
    com.write(FCR, 0x01);
    for (char c : std::string("log\n")) com.write(THR, static_cast<uint8_t>(c));
  }
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  EXPECT_EQ(line, "log");
  std::remove(path.c_str());
}

TEST(Uart, ThreBusyForOneCharacterTime) {
  configure("uart0.console", "false");
  Com1 com;
  com.program_115200_8n1();
  EXPECT_NEAR(com.uart.char_time().to_seconds(), kCharTime115200.to_seconds(), 1e-9);
  EXPECT_EQ(com.uart.bit_time(), com.uart.char_time() / 10.0);

  // Character mode. 'A' waits in THR for one bit time (write to start bit),
  // then shifts out for one character time.
  com.write(THR, 'A');
  EXPECT_EQ(com.read(LSR) & 0x60, 0x00u);         // THRE and TEMT clear right after the write
  EXPECT_EQ(com.read(LSR, us(8)) & 0x60, 0x00u);  // still in THR
  EXPECT_EQ(com.read(LSR, us(9)) & 0x60, 0x20u);  // in the shift register: THRE, not TEMT
  // 'B' written now waits for 'A': THRE stays clear for a character time.
  com.write(THR, 'B', us(9));
  EXPECT_EQ(com.read(LSR, us(9)) & 0x60, 0x00u);
  EXPECT_EQ(com.read(LSR, us(86)) & 0x60, 0x00u);
  EXPECT_EQ(com.read(LSR, us(87.5)) & 0x60, 0x20u);  // 'A' gone at 86.8 us, 'B' shifting
  EXPECT_EQ(com.read(LSR, us(173)) & 0x60, 0x20u);
  EXPECT_EQ(com.read(LSR, us(174)) & 0x60, 0x60u);  // 'B' done at 173.6 us
  EXPECT_EQ(com.uart.transmitted(), "AB");
}

TEST(Uart, FifoAcceptsSixteenBytes) {
  configure("uart0.console", "false");
  Com1 com;
  com.program_115200_8n1();
  com.write(FCR, 0x01);
  EXPECT_EQ(com.read(IIR) & 0xC0, 0xC0u);  // FIFOs enabled
  for (int i = 0; i < 16; ++i) com.write(THR, static_cast<uint8_t>('a' + i));
  EXPECT_EQ(com.uart.transmitted().size(), 16u);
  EXPECT_EQ(stat("uart0.tx_dropped"), 0);
  EXPECT_EQ(com.read(LSR) & 0x60, 0x00u);
  // A 17th byte does not fit.
  sc_core::sc_report_handler::set_actions(sc_core::SC_WARNING, sc_core::SC_DO_NOTHING);
  com.write(THR, 'z');
  EXPECT_EQ(com.uart.transmitted(), "abcdefghijklmnop");
  EXPECT_EQ(stat("uart0.tx_dropped"), 1);
  // The FIFO drains one character time each: the 16th leaves it at 15 char times.
  const double ct = kCharTime115200.to_seconds() * 1e6;
  EXPECT_EQ(com.read(LSR, us(15 * ct - 1)) & 0x60, 0x00u);
  EXPECT_EQ(com.read(LSR, us(15 * ct + 1)) & 0x60, 0x20u);
  EXPECT_EQ(com.read(LSR, us(16 * ct - 1)) & 0x60, 0x20u);
  EXPECT_EQ(com.read(LSR, us(16 * ct + 1)) & 0x60, 0x60u);
}

TEST(Uart, RxDataReadyAndIirRda) {
  configure("uart0.rx_string", "A");
  configure("uart0.rx_start", "10us");
  Com1 com;
  com.program_115200_8n1();
  com.write(IER, Uart16550::IER_ERBFI);
  com.write(MCR, Uart16550::MCR_OUT2);
  sc_core::sc_start(us(90));  // 'A' completes at 10 us + 86.8 us
  EXPECT_EQ(com.read(LSR) & 0x01, 0x00u);
  EXPECT_FALSE(com.irq.read());
  sc_core::sc_start(us(10));
  EXPECT_TRUE(com.irq.read());
  EXPECT_EQ(com.read(LSR) & 0x01, 0x01u);  // DR
  EXPECT_EQ(com.read(IIR), 0x04u);         // received data available
  EXPECT_EQ(com.read(RBR), static_cast<uint64_t>('A'));
  EXPECT_EQ(com.read(IIR), 0x01u);
  EXPECT_EQ(com.read(LSR) & 0x01, 0x00u);
  EXPECT_FALSE(com.irq_level());
  EXPECT_EQ(stat("uart0.rx_bytes"), 1);
}

TEST(Uart, RxTriggerLevelFour) {
  configure("uart0.rx_string", "abcdef");
  configure("uart0.rx_start", "1us");
  Com1 com;
  com.program_115200_8n1();
  com.write(FCR, 0x41);  // FIFO on, trigger level 4
  com.write(IER, Uart16550::IER_ERBFI);
  com.write(MCR, Uart16550::MCR_OUT2);
  const double ct = kCharTime115200.to_seconds() * 1e6;
  sc_core::sc_start(us(1 + 3 * ct + 2));  // three characters in the FIFO
  EXPECT_EQ(com.read(LSR) & 0x01, 0x01u);
  EXPECT_EQ(com.read(IIR), 0xC1u);  // below the trigger: no interrupt yet
  EXPECT_FALSE(com.irq.read());
  sc_core::sc_start(us(ct));  // the fourth arrives
  EXPECT_TRUE(com.irq.read());
  EXPECT_EQ(com.read(IIR), 0xC4u);
  EXPECT_EQ(com.read(RBR), static_cast<uint64_t>('a'));  // back to three: RDA clears
  EXPECT_EQ(com.read(IIR), 0xC1u);
  EXPECT_FALSE(com.irq_level());
}

TEST(Uart, CharacterTimeoutAfterFourCharacterTimes) {
  configure("uart0.rx_string", "xy");
  configure("uart0.rx_start", "1us");
  Com1 com;
  com.program_115200_8n1();
  com.write(FCR, 0x81);  // trigger level 8: two characters never reach it
  com.write(IER, Uart16550::IER_ERBFI);
  com.write(MCR, Uart16550::MCR_OUT2);
  const double ct = kCharTime115200.to_seconds() * 1e6;
  const double second_arrives = 1 + 2 * ct;
  sc_core::sc_start(us(second_arrives + 4 * ct - 2));
  EXPECT_EQ(com.read(IIR), 0xC1u);
  EXPECT_FALSE(com.irq.read());
  sc_core::sc_start(us(4));
  EXPECT_TRUE(com.irq.read());
  EXPECT_EQ(com.read(IIR), 0xCCu);  // character timeout
  EXPECT_EQ(com.read(RBR), static_cast<uint64_t>('x'));  // a read restarts the timer
  EXPECT_EQ(com.read(IIR), 0xC1u);
  EXPECT_FALSE(com.irq_level());
  sc_core::sc_start(us(4 * ct + 1));
  EXPECT_TRUE(com.irq.read());
  EXPECT_EQ(com.read(RBR), static_cast<uint64_t>('y'));
  EXPECT_EQ(com.read(IIR), 0xC1u);  // empty FIFO: no timeout
}

TEST(Uart, OverrunSetsOeAndIsClearedByLsrRead) {
  configure("uart0.rx_string", "xy");
  configure("uart0.rx_start", "1us");
  Com1 com;
  com.program_115200_8n1();  // character mode: one-byte RBR
  com.write(IER, Uart16550::IER_ELSI);
  const double ct = kCharTime115200.to_seconds() * 1e6;
  sc_core::sc_start(us(1 + 2 * ct + 2));
  EXPECT_EQ(com.read(IIR), 0x06u);   // receiver line status
  EXPECT_EQ(com.read(LSR), 0x63u);   // DR, OE, THRE, TEMT
  EXPECT_EQ(com.read(LSR), 0x61u);   // OE cleared by the read
  EXPECT_EQ(com.read(IIR), 0x01u);
  EXPECT_EQ(com.read(RBR), static_cast<uint64_t>('y'));  // 'x' was overwritten
  EXPECT_EQ(stat("uart0.overruns"), 1);
  EXPECT_EQ(stat("uart0.rx_bytes"), 2);
}

TEST(Uart, FifoOverrunKeepsFifoContents) {
  configure("uart0.rx_string", "0123456789abcdefXY");
  configure("uart0.rx_start", "1us");
  Com1 com;
  com.program_115200_8n1();
  com.write(FCR, 0x01);
  const double ct = kCharTime115200.to_seconds() * 1e6;
  sc_core::sc_start(us(1 + 18 * ct + 2));
  EXPECT_EQ(com.read(LSR) & 0x03, 0x03u);  // DR, OE
  std::string got;
  while (com.read(LSR) & 0x01) got += static_cast<char>(com.read(RBR));
  EXPECT_EQ(got, "0123456789abcdef");  // X and Y were lost in the shift register
  EXPECT_EQ(stat("uart0.overruns"), 2);
}

TEST(Uart, ThreInterruptClearedByIirRead) {
  configure("uart0.console", "false");
  Com1 com;
  com.program_115200_8n1();
  com.write(MCR, Uart16550::MCR_OUT2);
  com.write(IER, Uart16550::IER_ETBEI);  // THR is empty: interrupt at once
  EXPECT_TRUE(com.irq_level());
  EXPECT_EQ(com.read(IIR), 0x02u);
  EXPECT_EQ(com.read(IIR), 0x01u);  // reading IIR acknowledged it
  EXPECT_FALSE(com.irq_level());
  // THR empties again after the write: the interrupt comes back by itself.
  com.write(THR, 'x');
  EXPECT_FALSE(com.irq_level());
  sc_core::sc_start(us(10));
  EXPECT_TRUE(com.irq.read());
  // Writing THR clears it as well.
  com.write(THR, 'y');
  EXPECT_FALSE(com.irq_level());
  EXPECT_EQ(com.read(IIR), 0x01u);
}

TEST(Uart, InterruptPriorityLineStatusFirst) {
  configure("uart0.rx_string", "xy");
  configure("uart0.rx_start", "1us");
  Com1 com;
  com.program_115200_8n1();
  com.write(IER, 0x0F);
  com.write(MCR, Uart16550::MCR_OUT2);
  const double ct = kCharTime115200.to_seconds() * 1e6;
  sc_core::sc_start(us(1 + 2 * ct + 2));  // overrun + data + THRE pending
  EXPECT_TRUE(com.irq.read());
  EXPECT_EQ(com.read(IIR), 0x06u);  // line status first
  com.read(LSR);
  EXPECT_EQ(com.read(IIR), 0x04u);  // then received data
  com.read(RBR);
  EXPECT_EQ(com.read(IIR), 0x02u);  // then THR empty (acknowledged by this read)
  EXPECT_EQ(com.read(IIR), 0x01u);
  // Modem status last: loopback changes CTS/DSR.
  com.write(MCR, Uart16550::MCR_OUT2 | Uart16550::MCR_LOOP);
  EXPECT_EQ(com.read(IIR), 0x00u);
  EXPECT_EQ(com.read(MSR), 0x83u);  // DCD (= OUT2), DCTS, DDSR
  EXPECT_EQ(com.read(IIR), 0x01u);
}

TEST(Uart, Out2GatesIrq) {
  Com1 com;
  com.write(IER, Uart16550::IER_ETBEI);  // THRE interrupt pending
  EXPECT_FALSE(com.irq_level());           // OUT2 clear: the PC's buffer is off
  com.write(MCR, Uart16550::MCR_OUT2);
  EXPECT_TRUE(com.irq_level());
  com.write(MCR, Uart16550::MCR_OUT2 | Uart16550::MCR_LOOP);
  EXPECT_FALSE(com.irq_level());  // loopback forces the OUT2 pin inactive
  com.write(MCR, 0);
  EXPECT_FALSE(com.irq_level());
  EXPECT_EQ(com.read(IIR), 0x02u);  // the UART itself still requests
}

TEST(Uart, LoopbackEchoesAndMirrorsModemBits) {
  Com1 com;
  com.program_115200_8n1();
  com.write(FCR, 0x01);
  com.write(MCR, 0x1F);  // LOOP, OUT2, OUT1, RTS, DTR
  EXPECT_EQ(com.read(MSR), 0xF0u);  // DCD, RI, DSR, CTS; nothing changed but RI's leading edge
  testing::internal::CaptureStdout();
  com.write(THR, 'Z');
  com.write(THR, 'Q');
  EXPECT_EQ(com.read(LSR, us(80)) & 0x01, 0x00u);
  EXPECT_EQ(com.read(LSR, us(2 * 86.81)) & 0x01, 0x01u);
  EXPECT_EQ(com.read(RBR, us(2 * 86.81)), static_cast<uint64_t>('Z'));
  EXPECT_EQ(com.read(RBR, us(2 * 86.81)), static_cast<uint64_t>('Q'));
  EXPECT_EQ(testing::internal::GetCapturedStdout(), "");  // SOUT is held marking
  EXPECT_EQ(com.uart.transmitted(), "");
  com.write(MCR, Uart16550::MCR_LOOP);
  EXPECT_EQ(com.read(MSR), 0x0Fu);  // all four dropped: DCTS, DDSR, TERI, DDCD
  EXPECT_EQ(com.read(MSR), 0x00u);
  com.write(MCR, Uart16550::MCR_LOOP | Uart16550::MCR_RTS);
  EXPECT_EQ(com.read(MSR), 0x11u);  // CTS follows RTS
}

TEST(Uart, ReadOnlyWriteIgnoredWithWarning) {
  Com1 com;
  sc_core::sc_report_handler::set_actions(sc_core::SC_WARNING, sc_core::SC_DO_NOTHING);
  const int before = sc_core::sc_report_handler::get_count("uart0");
  com.write(LSR, 0xFF);
  EXPECT_EQ(sc_core::sc_report_handler::get_count("uart0"), before + 1);
  EXPECT_EQ(com.read(LSR), 0x60u);
}

TEST(Uart, ScriptedRxString) {
  configure("uart0.rx_string", "ok\\x21\\n");
  configure("uart0.rx_start", "1us");
  Com1 com;
  com.program_115200_8n1();
  com.write(FCR, 0x01);
  const double ct = kCharTime115200.to_seconds() * 1e6;
  sc_core::sc_start(us(ct));
  EXPECT_EQ(com.read(LSR) & 0x01, 0x00u);  // first stop bit not yet received
  sc_core::sc_start(us(4 * ct));
  std::string got;
  while (com.read(LSR) & 0x01) got += static_cast<char>(com.read(RBR));
  EXPECT_EQ(got, "ok!\n");
  EXPECT_EQ(stat("uart0.rx_bytes"), 4);
}

TEST(Uart, ScriptedRxFile) {
  const std::string path = testing::TempDir() + "uart_rx_file.txt";
  { std::ofstream(path) << "file"; }
  configure("uart0.rx_string", "S:");
  configure("uart0.rx_file", path);
  configure("uart0.rx_start", "1us");
  Com1 com;
  com.program_115200_8n1();
  com.write(FCR, 0x01);
  sc_core::sc_start(us(7 * 86.81));
  std::string got;
  while (com.read(LSR) & 0x01) got += static_cast<char>(com.read(RBR));
  EXPECT_EQ(got, "S:file");
  std::remove(path.c_str());
}

TEST(Uart, InstantTxNeverBusy) {
  configure("uart0.console", "false");
  configure("uart0.instant_tx", "true");
  Com1 com;
  com.program_115200_8n1();
  for (char c : std::string("fast")) {
    com.write(THR, static_cast<uint8_t>(c));
    EXPECT_EQ(com.read(LSR) & 0x60, 0x60u);
  }
  EXPECT_EQ(com.uart.transmitted(), "fast");
}

// ---- DMA signalling (TXRDY#, RXRDY#; true = active) -------------------------------
// Datasheet wording (PC16550D, FCR bit 3): mode 0 = FCR0 = 0, or FCR0 = 1 and
// FCR3 = 0; mode 1 = FCR0 = 1 and FCR3 = 1.

TEST(Uart, DmaMode0TxrdyActiveWhenThrEmptyInactiveAfterFirstCharacterLoaded) {
  configure("uart0.console", "false");
  Com1 com;
  com.program_115200_8n1();
  EXPECT_TRUE(com.txrdy_level());  // reset: no character in THR
  // Character mode. The write at local time 5 us: the pin drops then, not before.
  com.write(THR, 'A', us(5));
  EXPECT_TRUE(com.txrdy_level());
  sc_core::sc_start(us(6));  // t = 6 us
  EXPECT_FALSE(com.txrdy.read());
  // 'A' moves to the shift register one bit time (8.68 us) after the write.
  sc_core::sc_start(us(7));  // t = 13 us
  EXPECT_FALSE(com.txrdy.read());
  sc_core::sc_start(us(1));  // t = 14 us > 13.68 us
  EXPECT_TRUE(com.txrdy.read());

  // FIFO mode with FCR3 = 0 is still mode 0: inactive as soon as one
  // character is in the XMIT FIFO, active again only when it is empty.
  com.write(FCR, 0x07);
  const double ct = kCharTime115200.to_seconds() * 1e6;
  sc_core::sc_start(us(2 * ct));  // the transmitter is idle again
  const double t0 = sc_core::sc_time_stamp().to_seconds() * 1e6;
  com.write(THR, 'B');
  EXPECT_FALSE(com.txrdy_level());
  com.write(THR, 'C');
  sc_core::sc_start(us(10));  // 'B' in the shift register, 'C' in the FIFO
  EXPECT_FALSE(com.txrdy.read());
  sc_core::sc_start(us(t0 + ct - 1) - sc_core::sc_time_stamp());
  EXPECT_FALSE(com.txrdy.read());
  sc_core::sc_start(us(2));  // 'C' leaves the FIFO when 'B's stop bit ends
  EXPECT_TRUE(com.txrdy.read());
}

TEST(Uart, DmaMode0RxrdyActiveWithOneCharacterInactiveWhenEmpty) {
  configure("uart0.rx_string", "abc");
  configure("uart0.rx_start", "1us");
  Com1 com;
  com.program_115200_8n1();  // character mode: the RCVR holding register
  const double ct = kCharTime115200.to_seconds() * 1e6;
  sc_core::sc_start(us(ct - 1));
  EXPECT_FALSE(com.rxrdy.read());
  sc_core::sc_start(us(4));  // 'a' in RBR (at 1 us + one character time)
  EXPECT_TRUE(com.rxrdy.read());
  EXPECT_EQ(com.read(RBR), static_cast<uint64_t>('a'));
  EXPECT_FALSE(com.rxrdy_level());  // no more characters
  // FIFO mode, FCR3 = 0, trigger level 8: mode 0 ignores the trigger level.
  com.write(FCR, 0x81);
  sc_core::sc_start(us(ct));  // 'b'
  EXPECT_TRUE(com.rxrdy.read());
  sc_core::sc_start(us(ct));  // 'c'
  EXPECT_EQ(com.read(RBR), static_cast<uint64_t>('b'));
  EXPECT_TRUE(com.rxrdy_level());  // 'c' still in the FIFO
  EXPECT_EQ(com.read(RBR), static_cast<uint64_t>('c'));
  EXPECT_FALSE(com.rxrdy_level());
}

TEST(Uart, DmaMode1TxrdyActiveWhenXmitFifoEmptyInactiveWhenCompletelyFull) {
  configure("uart0.console", "false");
  Com1 com;
  com.program_115200_8n1();
  com.write(FCR, 0x09);  // FIFOs on, DMA mode 1
  EXPECT_TRUE(com.txrdy_level());
  for (int i = 0; i < 15; ++i) com.write(THR, static_cast<uint8_t>('a' + i));
  EXPECT_TRUE(com.txrdy_level());  // room left: still active (mode 0 would have dropped)
  com.write(THR, 'p');  // the 16th: the FIFO is completely full
  EXPECT_FALSE(com.txrdy_level());
  EXPECT_EQ(stat("uart0.tx_dropped"), 0);
  // 'a' goes to the shift register after one bit time: room again, but the
  // pin stays inactive until the FIFO has no characters. The 16th character
  // leaves the FIFO at 15 character times.
  const double ct = kCharTime115200.to_seconds() * 1e6;
  sc_core::sc_start(us(ct));
  EXPECT_FALSE(com.txrdy.read());
  sc_core::sc_start(us(15 * ct - 1) - sc_core::sc_time_stamp());
  EXPECT_FALSE(com.txrdy.read());
  sc_core::sc_start(us(2));
  EXPECT_TRUE(com.txrdy.read());
  // Clearing FCR3 gives mode 0 back: one character makes it inactive.
  com.write(FCR, 0x01);
  com.write(THR, 'q');
  EXPECT_FALSE(com.txrdy_level());
}

TEST(Uart, DmaMode1RxrdyActiveAtTriggerLevelInactiveWhenFifoEmpty) {
  configure("uart0.rx_string", "abcdef");
  configure("uart0.rx_start", "1us");
  Com1 com;
  com.program_115200_8n1();
  com.write(FCR, 0x49);  // FIFOs on, DMA mode 1, trigger level 4
  const double ct = kCharTime115200.to_seconds() * 1e6;
  sc_core::sc_start(us(1 + 3 * ct + 2));  // three characters: below the trigger
  EXPECT_FALSE(com.rxrdy.read());
  sc_core::sc_start(us(ct));  // the fourth
  EXPECT_TRUE(com.rxrdy.read());
  EXPECT_EQ(com.read(RBR), static_cast<uint64_t>('a'));
  EXPECT_TRUE(com.rxrdy_level());  // below the trigger again, but not empty: stays active
  com.read(RBR);
  com.read(RBR);
  EXPECT_EQ(com.read(RBR), static_cast<uint64_t>('d'));
  EXPECT_FALSE(com.rxrdy_level());  // empty
  sc_core::sc_start(us(2 * ct));  // 'e' and 'f': below the trigger, no timeout yet
  EXPECT_FALSE(com.rxrdy.read());
  EXPECT_EQ(com.read(LSR) & 0x01, 0x01u);  // DR all the same
}

TEST(Uart, DmaMode1RxrdyActiveOnCharacterTimeout) {
  configure("uart0.rx_string", "xy");
  configure("uart0.rx_start", "1us");
  Com1 com;  // IER = 0: the timeout counts for RXRDY without the interrupt
  com.program_115200_8n1();
  com.write(FCR, 0x89);  // FIFOs on, DMA mode 1, trigger level 8
  const double ct = kCharTime115200.to_seconds() * 1e6;
  const double second_arrives = 1 + 2 * ct;
  sc_core::sc_start(us(second_arrives + 4 * ct - 2));
  EXPECT_FALSE(com.rxrdy.read());
  sc_core::sc_start(us(4));  // four character times without input or read
  EXPECT_TRUE(com.rxrdy.read());
  EXPECT_EQ(com.read(IIR), 0xC1u);  // no interrupt: IER is 0
  EXPECT_EQ(com.read(RBR), static_cast<uint64_t>('x'));
  EXPECT_TRUE(com.rxrdy_level());
  EXPECT_EQ(com.read(RBR), static_cast<uint64_t>('y'));
  EXPECT_FALSE(com.rxrdy_level());
}

TEST(Uart, DmaFcr3IsIgnoredWithFifosOff) {
  configure("uart0.rx_string", "ab");
  configure("uart0.rx_start", "1us");
  configure("uart0.console", "false");
  Com1 com;
  com.program_115200_8n1();
  com.write(FCR, 0x08);  // FCR3 without FCR0 is not programmed: mode 0
  const double ct = kCharTime115200.to_seconds() * 1e6;
  sc_core::sc_start(us(ct + 2));
  EXPECT_TRUE(com.rxrdy.read());  // one character suffices
  com.write(THR, 'z');
  EXPECT_FALSE(com.txrdy_level());
}

TEST(Uart, ExitPortStopsSimulationWithCode) {
  ExitPort exit_port{"exit"};
  Initiator cpu{"cpu"};
  cpu.socket.bind(exit_port.regs);
  cpu.script = [&] {
    sc_core::wait(us(5));
    cpu.write(0, 0x012A, SC_ZERO_TIME, 2);  // out dx, ax
    sc_core::wait(us(1));
    ADD_FAILURE() << "simulation kept running after the exit write";
  };
  reset_sim_outcome();
  sc_core::sc_start(us(1000));
  EXPECT_EQ(sc_core::sc_time_stamp(), us(5));
  ASSERT_TRUE(sim_outcome().has_value());
  EXPECT_EQ(sim_outcome()->reason, StopReason::firmware_exit);
  EXPECT_EQ(sim_outcome()->exit_code, 0x2A);
  EXPECT_EQ(exit_port.exit_code(), 0x2A);
}

TEST(Uart, DebugConsoleCollectsBytes) {
  DebugConsole e9{"debugcon"};
  Initiator cpu{"cpu"};
  cpu.socket.bind(e9.regs);
  sc_core::sc_start(SC_ZERO_TIME);
  EXPECT_EQ(cpu.read(0), 0xE9u);  // how software detects the port
  testing::internal::CaptureStdout();
  cpu.write(0, 'o');
  cpu.write(0, 'k');
  cpu.write(0, '\n');
  EXPECT_EQ(testing::internal::GetCapturedStdout(), "ok\n");
  EXPECT_EQ(e9.transmitted(), "ok\n");
  EXPECT_EQ(stat("debugcon.bytes"), 3);
}

TEST(Uart, BadRxFileThrowsNamingKey) {
  configure("uart0.rx_file", "/nonexistent/rx.txt");
  try {
    Uart16550 uart{"uart0"};
    FAIL() << "constructed with a missing rx_file";
  } catch (const InputError& e) {  // a std::runtime_error; the platform exits 66
    EXPECT_EQ(std::string(e.what()), "uart0.rx_file: cannot open '/nonexistent/rx.txt': No such file or directory");
  }
}

TEST(Uart, BadTxFileThrowsNamingKey) {
  configure("uart0.tx_file", "/nonexistent/dir/tx.txt");
  EXPECT_THROW({ Uart16550 uart{"uart0"}; }, InputError);
}
