// National/TI 16550A UART (COM1 on the PC: ports 0x3F8-0x3FF, IRQ 4).
//
// The registers below are the datasheet's register table, in its order and
// with its names. The model follows the PC16550D / TL16C550 datasheets for
// what PC drivers use: 16-byte FIFOs (or 1-byte holding registers with FCR0
// clear), RX trigger levels, the four interrupt sources and their priorities,
// line status errors (overrun), loopback, and serial timing derived from the
// divisor latch.
//
// Timing is computed, not ticked: a character written to THR is given the
// time it leaves THR/the FIFO and the time its last stop bit ends; LSR.THRE and
// LSR.TEMT are evaluated at the local time of each access (access_time()).
// An sc_event is scheduled only for things that must happen by themselves at
// a future time: a THRE or character-timeout interrupt, a looped-back
// character arriving.
//
// The serial line's other end is scripted: `rx_string` / `rx_file` are
// received one character time apart from `rx_start` on; what the UART sends
// goes to stdout (`console`), to `tx_file`, and to transmitted().
//
// DMA signalling: the TXRDY# and RXRDY# pins (outputs `txrdy`, `rxrdy`) in DMA
// mode 0 or mode 1 (FCR bit 3, with FIFOs on); see update_dma_latches(). The
// 16550 has no DACK input: the DMA controller's read of RBR / write of THR is
// the acknowledge.
#pragma once

#include <cstdint>
#include <deque>
#include <fstream>
#include <optional>
#include <string>

#include "core/irq.h"
#include "core/peripheral.h"
#include "core/stats.h"

namespace minipc {

class Uart16550 : public Peripheral {
 public:
  SC_HAS_PROCESS(Uart16550);
  explicit Uart16550(const sc_core::sc_module_name& nm);

  // INTRPT as the PC sees it: gated by MCR.OUT2 (see update_irq()).
  IrqOut irq{"irq"};
  // The DMA request pins TXRDY# and RXRDY#. They are active low on the chip;
  // here true = the pin's active (low) level, i.e. "request", so they bind to
  // a DMA controller's active-high DREQ directly. Both must be bound (to an
  // idle IrqLine if nothing uses them). They change at the simulated time of
  // the access or event that changes them (the access's local time).
  IrqOut txrdy{"txrdy"};
  IrqOut rxrdy{"rxrdy"};

  Param<bool> console{this, "console", true, "print transmitted characters on stdout (flushed at newline)"};
  Param<std::string> tx_file{this, "tx_file", "", "also write transmitted characters to this file"};
  Param<std::string> rx_string{this, "rx_string", "",
                               "characters the other end sends (C escapes \\n \\r \\t \\\\ \\xHH)"};
  Param<std::string> rx_file{this, "rx_file", "", "file whose bytes the other end sends (after rx_string)"};
  Param<sc_core::sc_time> rx_start{this, "rx_start", sc_core::SC_ZERO_TIME,
                                   "when the other end starts sending rx_string/rx_file"};
  Param<bool> instant_tx{this, "instant_tx", false,
                         "transmitter takes no time: THRE/TEMT never go busy (fast functional runs)"};

  // Everything sent on the serial line (loopback traffic excluded).
  const std::string& transmitted() const { return transmitted_; }  // the first kKeptConsoleBytes
  // FIFO levels as of the last register access (for checkers: at most
  // kFifoDepth each): characters received and not read, characters in THR
  // or the transmit FIFO (the shift register's aside).
  size_t rx_fifo_level() const { return rx_fifo_.size(); }
  unsigned tx_fifo_level() const { return tx_waiting(); }

  // One character's time on the line at the current LCR and divisor:
  // (start + data + parity + stop bits) * 16 * divisor / clock_hz.
  sc_core::sc_time char_time() const;
  sc_core::sc_time bit_time() const;

  // ---- registers, as in the datasheet's table (DLAB = LCR bit 7) ----------
  Register RBR{bank_, "RBR", 0, 1, 0x00, Access::read_only};   // receiver buffer (DLAB=0)
  Register THR{bank_, "THR", 0, 1, 0x00, Access::write_only};  // transmitter holding (DLAB=0)
  Register DLL{bank_, "DLL", 0, 1, 0x0C};                      // divisor latch LSB (DLAB=1)
  Register IER{bank_, "IER", 1, 1, 0x00};                      // interrupt enable (DLAB=0)
  Register DLM{bank_, "DLM", 1, 1, 0x00};                      // divisor latch MSB (DLAB=1)
  Register IIR{bank_, "IIR", 2, 1, 0x01, Access::read_only};   // interrupt identification
  Register FCR{bank_, "FCR", 2, 1, 0x00, Access::write_only};  // FIFO control
  Register LCR{bank_, "LCR", 3, 1, 0x00};                      // line control
  Register MCR{bank_, "MCR", 4, 1, 0x00};                      // modem control
  Register LSR{bank_, "LSR", 5, 1, 0x60, Access::read_only};   // line status
  Register MSR{bank_, "MSR", 6, 1, kModemInputs, Access::read_only};  // modem status
  Register SCR{bank_, "SCR", 7, 1, 0x00};                      // scratch

  // Bit masks, datasheet names.
  enum : uint8_t {
    IER_ERBFI = 0x01, IER_ETBEI = 0x02, IER_ELSI = 0x04, IER_EDSSI = 0x08,
    IIR_NO_INT = 0x01, IIR_MODEM = 0x00, IIR_THRE = 0x02, IIR_RDA = 0x04, IIR_LINE = 0x06,
    IIR_TIMEOUT = 0x0C, IIR_FIFOS = 0xC0,
    FCR_FIFO_ENABLE = 0x01, FCR_RCVR_RESET = 0x02, FCR_XMIT_RESET = 0x04, FCR_DMA_MODE = 0x08,
    LCR_WLS = 0x03, LCR_STB = 0x04, LCR_PEN = 0x08, LCR_DLAB = 0x80,
    MCR_DTR = 0x01, MCR_RTS = 0x02, MCR_OUT1 = 0x04, MCR_OUT2 = 0x08, MCR_LOOP = 0x10,
    LSR_DR = 0x01, LSR_OE = 0x02, LSR_PE = 0x04, LSR_FE = 0x08, LSR_BI = 0x10,
    LSR_THRE = 0x20, LSR_TEMT = 0x40, LSR_RXFE = 0x80,
    MSR_DCTS = 0x01, MSR_DDSR = 0x02, MSR_TERI = 0x04, MSR_DDCD = 0x08,
    MSR_CTS = 0x10, MSR_DSR = 0x20, MSR_RI = 0x40, MSR_DCD = 0x80,
  };
  // The modem inputs outside loopback: a terminal is attached and ready
  // (CTS, DSR, DCD asserted, no ring), as QEMU presents them.
  static constexpr uint8_t kModemInputs = 0xB0;
  static constexpr unsigned kFifoDepth = 16;

 protected:
  void reset_state() override;
  void start_of_simulation() override;

 private:
  // A character given to the transmitter.
  struct TxChar {
    uint8_t byte;
    sc_core::sc_time leaves_holding;  // moved from THR/FIFO into the shift register
    sc_core::sc_time done;            // last stop bit sent
    bool loopback;                    // goes back to the receiver instead of SOUT
  };

  // Register callbacks.
  uint64_t read_rbr();
  void write_thr(uint64_t v);
  void write_ier(uint64_t v);
  uint64_t read_iir();
  void write_fcr(uint64_t v);
  void write_mcr(uint64_t v);
  uint64_t read_lsr();
  uint64_t read_msr();

  // Brings the model's state to time t (never backwards).
  void sync(const sc_core::sc_time& t);
  // A character completely received at time t (from the line or loopback).
  void receive(uint8_t byte, const sc_core::sc_time& t);
  // Stored register values for debug reads, the IRQ line, the next wake-up.
  void refresh();
  void update_irq();
  void drive_irq();
  void schedule_wakeup();
  void on_wakeup();
  // TXRDY/RXRDY: the mode 1 latches (datasheet wording there), the levels,
  // and the queue of (time, levels) that drive_dma_pins() writes to the pins.
  void update_dma_latches();
  bool txrdy_active() const;
  bool rxrdy_active() const;
  void update_dma_pins();
  void drive_dma_pins();
  bool dma_mode1() const {
    return (FCR.get() & (FCR_FIFO_ENABLE | FCR_DMA_MODE)) == (FCR_FIFO_ENABLE | FCR_DMA_MODE);
  }
  void rx_script_thread();

  bool fifo_enabled() const { return FCR.get() & FCR_FIFO_ENABLE; }
  bool loopback() const { return MCR.get() & MCR_LOOP; }
  unsigned rx_trigger() const;
  unsigned tx_waiting() const;  // characters still in THR / the TX FIFO
  bool thre() const { return tx_waiting() == 0; }
  bool temt() const { return tx_fifo_.empty(); }
  bool rx_timeout() const;
  uint8_t lsr_value() const;
  uint8_t iir_value() const;  // ID bits of the highest-priority pending interrupt
  uint8_t modem_inputs() const;
  void set_modem_inputs(uint8_t inputs);  // updates MSR state and delta bits
  void emit(uint8_t byte);

  sc_core::sc_time now_;
  std::deque<TxChar> tx_fifo_;  // waiting characters and the one being shifted out
  std::deque<uint8_t> rx_fifo_;
  uint8_t rbr_last_ = 0;        // RBR keeps its last character when the FIFO is empty
  uint8_t lsr_errors_ = 0;      // OE, PE, FE, BI until LSR is read
  uint8_t msr_ = kModemInputs;  // state bits 7:4, delta bits 3:0
  bool thre_pending_ = false;   // THRE interrupt latched, cleared by IIR read / THR write
  std::optional<sc_core::sc_time> thre_at_;  // when the TX FIFO will run empty
  sc_core::sc_time rx_last_activity_;        // character timeout reference
  bool started_ = false;
  bool warned_tx_overflow_ = false;
  bool warned_short_word_ = false;
  sc_core::sc_event wakeup_;
  sc_core::sc_event irq_changed_;  // the IRQ level changed: drive_irq() writes it
  bool irq_level_ = false;
  struct PinLevels {
    sc_core::sc_time at;
    bool txrdy, rxrdy;
  };
  bool tx_ready_latch_ = true;    // mode 1 TXRDY: set when the XMIT FIFO is empty, cleared when full
  bool rx_ready_latch_ = false;   // mode 1 RXRDY: set at the trigger level / timeout, cleared when empty
  PinLevels pins_driven_{sc_core::SC_ZERO_TIME, true, false};  // what drive_dma_pins() wrote last
  std::deque<PinLevels> pin_changes_;  // levels still to drive, in time order
  sc_core::sc_event pins_changed_;

  std::string rx_script_;
  std::string transmitted_;
  std::ofstream tx_out_;

  Counter& tx_bytes_;
  Counter& rx_bytes_;
  Counter& overruns_;
  Counter& tx_dropped_;
};

}  // namespace minipc
