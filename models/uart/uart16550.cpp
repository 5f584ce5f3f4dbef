#include "uart/uart16550.h"

#include "core/input_file.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <iostream>
#include <iterator>

#include "core/params.h"
#include "core/sim_control.h"

namespace minipc {

namespace {
// rx_string accepts C escapes, so `--set uart0.rx_string='ls\r'` works from a shell.
std::string unescape(const Param<std::string>& p) {
  const std::string& s = p.get();
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '\\') {
      out += s[i];
      continue;
    }
    if (++i == s.size()) throw ConfigError(p.key() + ": trailing backslash in '" + s + "'");
    switch (s[i]) {
      case 'n': out += '\n'; break;
      case 'r': out += '\r'; break;
      case 't': out += '\t'; break;
      case '0': out += '\0'; break;
      case '\\': out += '\\'; break;
      case 'x': {
        const auto hex = [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; };
        if (i + 2 >= s.size() || !hex(s[i + 1]) || !hex(s[i + 2]))
          throw ConfigError(p.key() + ": \\x needs two hex digits in '" + s + "'");
        out += static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16));
        i += 2;
        break;
      }
      default:
        throw ConfigError(p.key() + ": unknown escape '\\" + std::string(1, s[i]) + "' in '" + s + "'");
    }
  }
  return out;
}

std::string hex2(uint8_t v) {
  static const char digits[] = "0123456789ABCDEF";
  return {digits[v >> 4], digits[v & 15]};
}

std::string cannot_open(const std::string& key, const std::string& path) {
  return key + ": cannot open '" + path + "': " + std::strerror(errno);
}
}  // namespace

Uart16550::Uart16550(const sc_core::sc_module_name& nm)
    : Peripheral(nm, 1.8432e6),
      tx_bytes_(StatsRegistry::instance().counter(std::string(name()) + ".tx_bytes", "bytes")),
      rx_bytes_(StatsRegistry::instance().counter(std::string(name()) + ".rx_bytes", "bytes")),
      overruns_(StatsRegistry::instance().counter(std::string(name()) + ".overruns", "bytes")),
      tx_dropped_(StatsRegistry::instance().counter(std::string(name()) + ".tx_dropped", "bytes")) {
  // The divisor latch shares offsets 0 and 1 with RBR/THR and IER.
  const auto dlab = [this] { return (LCR.get() & LCR_DLAB) != 0; };
  RBR.selected = THR.selected = IER.selected = [dlab] { return !dlab(); };
  DLL.selected = DLM.selected = dlab;

  IER.field("ERBFI", 0, 1).field("ETBEI", 1, 1).field("ELSI", 2, 1).field("EDSSI", 3, 1);
  IIR.field("INTPEND", 0, 1).field("IID", 1, 3).field("FIFOS_ENABLED", 6, 2);
  FCR.field("FIFO_ENABLE", 0, 1).field("RCVR_RESET", 1, 1).field("XMIT_RESET", 2, 1)
      .field("DMA_MODE", 3, 1).field("RCVR_TRIGGER", 6, 2);
  LCR.field("WLS", 0, 2).field("STB", 2, 1).field("PEN", 3, 1).field("EPS", 4, 1)
      .field("STICK_PARITY", 5, 1).field("SET_BREAK", 6, 1).field("DLAB", 7, 1);
  MCR.field("DTR", 0, 1).field("RTS", 1, 1).field("OUT1", 2, 1).field("OUT2", 3, 1).field("LOOP", 4, 1);
  LSR.field("DR", 0, 1).field("OE", 1, 1).field("PE", 2, 1).field("FE", 3, 1).field("BI", 4, 1)
      .field("THRE", 5, 1).field("TEMT", 6, 1).field("RXFE", 7, 1);
  MSR.field("DCTS", 0, 1).field("DDSR", 1, 1).field("TERI", 2, 1).field("DDCD", 3, 1)
      .field("CTS", 4, 1).field("DSR", 5, 1).field("RI", 6, 1).field("DCD", 7, 1);

  RBR.on_read = [this] { return read_rbr(); };
  THR.on_write = [this](uint64_t v) { write_thr(v); };
  IER.on_write = [this](uint64_t v) { write_ier(v); };
  IIR.on_read = [this] { return read_iir(); };
  FCR.on_write = [this](uint64_t v) { write_fcr(v); };
  MCR.on_write = [this](uint64_t v) { write_mcr(v); };
  LSR.on_read = [this] { return read_lsr(); };
  MSR.on_read = [this] { return read_msr(); };
  // DLL, DLM, LCR and SCR are plain storage: the divisor and LCR are read
  // when a character's time is computed.

  rx_script_ = unescape(rx_string);
  if (!rx_file.get().empty()) {
    if (const std::string why = existing_but_not_regular(rx_file.get()); !why.empty())
      throw InputError(rx_file.key() + ": '" + rx_file.get() + "' " + why);
    std::ifstream in(rx_file.get(), std::ios::binary);
    if (!in) throw InputError(cannot_open(rx_file.key(), rx_file.get()));
    rx_script_.append(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  if (!tx_file.get().empty()) {
    tx_out_.open(tx_file.get(), std::ios::binary | std::ios::trunc);
    if (!tx_out_) throw InputError(cannot_open(tx_file.key(), tx_file.get()));
  }

  SC_METHOD(on_wakeup);
  sensitive << wakeup_;
  dont_initialize();
  SC_METHOD(drive_irq);
  sensitive << irq_changed_;
  dont_initialize();
  // Runs once at initialisation too: TXRDY is active from reset (THR empty).
  SC_METHOD(drive_dma_pins);
  sensitive << pins_changed_;
  SC_THREAD(rx_script_thread);

  reset_state();
}

void Uart16550::start_of_simulation() { started_ = true; }

void Uart16550::reset_state() {
  tx_fifo_.clear();
  rx_fifo_.clear();
  rbr_last_ = 0;
  lsr_errors_ = 0;
  msr_ = kModemInputs;
  thre_pending_ = false;
  thre_at_.reset();
  rx_last_activity_ = now_;
  tx_ready_latch_ = true;
  rx_ready_latch_ = false;
  refresh();
}

// ---- timing -----------------------------------------------------------------

sc_core::sc_time Uart16550::bit_time() const {
  // The baud generator divides the clock by the divisor, and the receiver
  // samples at 16x: one bit lasts 16 * divisor clocks. A divisor of 0 is not
  // valid per the datasheet; the 16-bit counter then wraps (65536).
  unsigned divisor = static_cast<unsigned>((DLM.get() << 8) | DLL.get());
  if (divisor == 0) divisor = 0x10000;
  return sc_core::sc_time(16.0 * divisor / clock_hz.get(), sc_core::SC_SEC);
}

sc_core::sc_time Uart16550::char_time() const {
  const uint8_t lcr = static_cast<uint8_t>(LCR.get());
  const double data_bits = 5 + (lcr & LCR_WLS);
  const double stop_bits = (lcr & LCR_STB) ? (data_bits == 5 ? 1.5 : 2.0) : 1.0;
  const double parity_bits = (lcr & LCR_PEN) ? 1.0 : 0.0;
  return bit_time() * (1.0 + data_bits + parity_bits + stop_bits);
}

void Uart16550::sync(const sc_core::sc_time& t) {
  if (t > now_) now_ = t;
  // Characters whose last stop bit has gone: the shift register moves on.
  while (!tx_fifo_.empty() && tx_fifo_.front().done <= now_) {
    const TxChar c = tx_fifo_.front();
    tx_fifo_.pop_front();
    if (c.loopback) receive(c.byte, c.done);
  }
  // The TX FIFO ran empty: that is the THRE interrupt's event.
  if (thre_at_ && *thre_at_ <= now_) {
    thre_pending_ = true;
    thre_at_.reset();
  }
  // The mode 1 latches see the state at now_ before an access changes it
  // (e.g. the XMIT FIFO ran empty before this THR write).
  update_dma_latches();
}

unsigned Uart16550::tx_waiting() const {
  unsigned n = 0;
  for (const TxChar& c : tx_fifo_)
    if (c.leaves_holding > now_) ++n;
  return n;
}

unsigned Uart16550::rx_trigger() const {
  if (!fifo_enabled()) return 1;
  static constexpr unsigned levels[4] = {1, 4, 8, 14};
  return levels[(FCR.get() >> 6) & 3];
}

bool Uart16550::rx_timeout() const {
  // FIFO mode only: characters sit in the RCVR FIFO and nothing was received
  // or read for four character times.
  return fifo_enabled() && !rx_fifo_.empty() && now_ >= rx_last_activity_ + char_time() * 4.0;
}

// ---- receiver -----------------------------------------------------------------

void Uart16550::receive(uint8_t byte, const sc_core::sc_time& t) {
  rx_bytes_.add();
  byte &= static_cast<uint8_t>(0xFF >> (3 - (LCR.get() & LCR_WLS)));  // unused high bits read as 0
  if (fifo_enabled()) {
    // A full FIFO keeps its contents; the character in the shift register is lost.
    if (rx_fifo_.size() >= kFifoDepth) {
      lsr_errors_ |= LSR_OE;
      overruns_.add();
    } else {
      rx_fifo_.push_back(byte);
    }
  } else {
    // Character mode: the new character overwrites the unread one in RBR.
    if (!rx_fifo_.empty()) {
      lsr_errors_ |= LSR_OE;
      overruns_.add();
      rx_fifo_.clear();
    }
    rx_fifo_.push_back(byte);
  }
  rx_last_activity_ = std::max(rx_last_activity_, t);
}

uint64_t Uart16550::read_rbr() {
  sync(access_time());
  if (!rx_fifo_.empty()) {
    rbr_last_ = rx_fifo_.front();
    rx_fifo_.pop_front();
  }
  rx_last_activity_ = now_;  // a read restarts the character timeout
  refresh();
  return rbr_last_;
}

void Uart16550::rx_script_thread() {
  if (rx_script_.empty()) return;
  wait(rx_start.get());
  size_t next = 0;
  while (next < rx_script_.size()) {
    // The other end sends at the rate the UART is programmed for, so each
    // character takes char_time() at the settings of the moment.
    wait(char_time());
    // In loopback the receiver is disconnected from SIN; the other end holds
    // its characters until the line is back.
    if (loopback()) continue;
    sync(sc_core::sc_time_stamp());
    receive(static_cast<uint8_t>(rx_script_[next++]), now_);
    refresh();
  }
}

// ---- transmitter ----------------------------------------------------------------

void Uart16550::write_thr(uint64_t v) {
  sync(access_time());
  const unsigned capacity = fifo_enabled() ? kFifoDepth : 1;
  if (tx_waiting() >= capacity) {
    // The datasheet leaves this undefined; the model drops the new byte.
    tx_dropped_.add();
    if (!warned_tx_overflow_) {
      warned_tx_overflow_ = true;
      SC_REPORT_WARNING(name(), "THR written while the transmitter FIFO/holding register is full: byte "
                                "dropped (reported once; see stat tx_dropped)");
    }
    refresh();
    return;
  }
  // Words shorter than 8 bits send only the low bits (LCR resets to 5 bits).
  const uint8_t byte = static_cast<uint8_t>(v) & static_cast<uint8_t>(0xFF >> (3 - (LCR.get() & LCR_WLS)));
  if (byte != static_cast<uint8_t>(v) && !warned_short_word_) {
    warned_short_word_ = true;
    SC_REPORT_WARNING(name(), ("THR byte 0x" + hex2(static_cast<uint8_t>(v)) + " sent as a " +
                               std::to_string(5 + (LCR.get() & LCR_WLS)) +
                               "-bit word (LCR.WLS); was LCR programmed? (reported once)")
                                  .c_str());
  }
  const bool loop = loopback();
  if (!loop) emit(byte);
  thre_pending_ = false;  // writing THR clears the THRE interrupt

  if (instant_tx.get()) {
    if (loop) receive(byte, now_);
    // THRE never goes busy, but its interrupt re-arms one device clock later
    // so the IRQ line shows an edge an edge-triggered PIC can see.
    thre_at_ = now_ + clock_period();
    refresh();
    return;
  }
  // An idle transmitter takes the byte out of THR one bit time after the
  // write (the datasheet's write-to-start-bit and start-bit-to-THRE delays,
  // 16-32 RCLKs); a busy one takes it the moment the previous stop bit ends.
  TxChar c{byte, {}, {}, loop};
  if (tx_fifo_.empty()) {
    c.leaves_holding = now_ + bit_time();
    c.done = now_ + char_time();
  } else {
    c.leaves_holding = tx_fifo_.back().done;
    c.done = c.leaves_holding + char_time();
  }
  tx_fifo_.push_back(c);
  thre_at_ = c.leaves_holding;
  refresh();
}

void Uart16550::emit(uint8_t byte) {
  const char ch = static_cast<char>(byte);
  if (transmitted_.size() < kKeptConsoleBytes) transmitted_ += ch;  // a console flood must not grow memory
  tx_bytes_.add();
  if (console.get()) {
    std::cout.put(ch);
    if (ch == '\n') std::cout.flush();
  }
  if (tx_out_.is_open()) {
    tx_out_.put(ch);
    if (ch == '\n') tx_out_.flush();
  }
}

// ---- control and status -------------------------------------------------------

void Uart16550::write_ier(uint64_t v) {
  sync(access_time());
  const uint64_t old = IER.get();
  IER.set(v & 0x0F);  // bits 7:4 are always 0
  // Enabling ETBEI while THR is empty raises the THRE interrupt at once.
  if (!(old & IER_ETBEI) && (v & IER_ETBEI) && thre()) thre_pending_ = true;
  refresh();
}

uint8_t Uart16550::iir_value() const {
  // Priorities, highest first: receiver line status, received data available
  // / character timeout, THR empty, modem status.
  const uint64_t ier = IER.get();
  if ((ier & IER_ELSI) && (lsr_errors_ & (LSR_OE | LSR_PE | LSR_FE | LSR_BI))) return IIR_LINE;
  if (ier & IER_ERBFI) {
    if (!rx_fifo_.empty() && rx_fifo_.size() >= rx_trigger()) return IIR_RDA;
    if (rx_timeout()) return IIR_TIMEOUT;
  }
  if ((ier & IER_ETBEI) && thre_pending_ && thre()) return IIR_THRE;
  if ((ier & IER_EDSSI) && (msr_ & 0x0F)) return IIR_MODEM;
  return IIR_NO_INT;
}

uint64_t Uart16550::read_iir() {
  sync(access_time());
  const uint8_t id = iir_value();
  // Reading IIR while THRE is the source is what acknowledges it.
  if (id == IIR_THRE) thre_pending_ = false;
  refresh();
  return id | (fifo_enabled() ? IIR_FIFOS : 0);
}

void Uart16550::write_fcr(uint64_t v) {
  sync(access_time());
  const auto drop_tx_waiting = [this] {
    // XMIT reset empties the FIFO; the character in the shift register
    // finishes.
    bool dropped = false;
    while (!tx_fifo_.empty() && tx_fifo_.back().leaves_holding > now_) {
      tx_fifo_.pop_back();
      dropped = true;
    }
    if (dropped) {
      thre_at_.reset();
      thre_pending_ = true;
    }
  };
  const bool enable = v & FCR_FIFO_ENABLE;
  if (enable != fifo_enabled()) {  // changing modes clears both FIFOs
    rx_fifo_.clear();
    drop_tx_waiting();
  }
  if (enable) {
    if (v & FCR_RCVR_RESET) rx_fifo_.clear();
    if (v & FCR_XMIT_RESET) drop_tx_waiting();
    FCR.set(v & 0xC9);  // the reset bits clear themselves
  } else {
    FCR.set(0);  // the other bits are programmed only together with FCR0
  }
  refresh();
}

uint8_t Uart16550::modem_inputs() const {
  if (!loopback()) return kModemInputs;
  // Loopback: the modem control outputs drive the modem status inputs.
  const uint64_t mcr = MCR.get();
  return static_cast<uint8_t>(((mcr & MCR_RTS) ? MSR_CTS : 0) | ((mcr & MCR_DTR) ? MSR_DSR : 0) |
                              ((mcr & MCR_OUT1) ? MSR_RI : 0) | ((mcr & MCR_OUT2) ? MSR_DCD : 0));
}

void Uart16550::set_modem_inputs(uint8_t inputs) {
  const uint8_t old = msr_ & 0xF0;
  const uint8_t changed = old ^ inputs;
  uint8_t deltas = msr_ & 0x0F;
  if (changed & MSR_CTS) deltas |= MSR_DCTS;
  if (changed & MSR_DSR) deltas |= MSR_DDSR;
  if ((old & MSR_RI) && !(inputs & MSR_RI)) deltas |= MSR_TERI;  // trailing edge of RI only
  if (changed & MSR_DCD) deltas |= MSR_DDCD;
  msr_ = static_cast<uint8_t>(inputs | deltas);
}

void Uart16550::write_mcr(uint64_t v) {
  sync(access_time());
  MCR.set(v & 0x1F);  // bits 7:5 are always 0
  set_modem_inputs(modem_inputs());
  refresh();
}

uint8_t Uart16550::lsr_value() const {
  uint8_t v = lsr_errors_;
  if (!rx_fifo_.empty()) v |= LSR_DR;
  if (thre()) v |= LSR_THRE;
  if (temt()) v |= LSR_TEMT;
  // RXFE (error in RCVR FIFO) needs per-character PE/FE/BI, which the
  // scripted line never produces; it stays 0.
  return v;
}

uint64_t Uart16550::read_lsr() {
  sync(access_time());
  const uint8_t v = lsr_value();
  lsr_errors_ = 0;  // reading LSR clears OE, PE, FE, BI
  refresh();
  return v;
}

uint64_t Uart16550::read_msr() {
  sync(access_time());
  const uint8_t v = msr_;
  msr_ &= 0xF0;  // reading MSR clears the delta bits
  refresh();
  return v;
}

// ---- interrupt line and wake-ups ------------------------------------------------

void Uart16550::refresh() {
  // Keep the stored values current so debug (side-effect free) reads see them.
  RBR.set(rx_fifo_.empty() ? rbr_last_ : rx_fifo_.front());
  LSR.set(lsr_value());
  IIR.set(iir_value() | (fifo_enabled() ? IIR_FIFOS : 0));
  MSR.set(msr_);
  update_irq();
  update_dma_latches();
  update_dma_pins();
  schedule_wakeup();
}

void Uart16550::update_irq() {
  if (!started_) return;
  // On a PC the OUT2 bit gates the IRQ line to the PIC: the UART's INTRPT
  // pin reaches IRQ4 only through a buffer enabled by the OUT2 output. In
  // loopback the datasheet forces the OUT2 pin inactive, so no IRQ either.
  const bool intr = iir_value() != IIR_NO_INT;
  const bool out2 = (MCR.get() & MCR_OUT2) && !loopback();
  // Register accesses come from the CPU's thread and wake-ups from our own
  // method; a signal may have one writer process only, so the level is
  // handed to drive_irq(), which alone writes the port (one delta later).
  irq_level_ = intr && out2;
  if (irq_level_ != irq.read()) irq_changed_.notify(sc_core::SC_ZERO_TIME);
}

void Uart16550::drive_irq() { drive(irq, irq_level_); }

void Uart16550::schedule_wakeup() {
  if (!started_) return;
  std::optional<sc_core::sc_time> next;
  const auto consider = [&](const sc_core::sc_time& t) {
    if (t > now_ && (!next || t < *next)) next = t;
  };
  if (thre_at_) consider(*thre_at_);
  for (const TxChar& c : tx_fifo_)
    if (c.loopback) {  // the earliest looped-back character arrives first
      consider(c.done);
      break;
    }
  // The character timeout matters to the interrupt (ERBFI) and, in DMA mode 1,
  // to RXRDY (until it is active); otherwise no wake-up is spent on it.
  if (((IER.get() & IER_ERBFI) || (dma_mode1() && !rx_ready_latch_)) && fifo_enabled() && !rx_fifo_.empty())
    consider(rx_last_activity_ + char_time() * 4.0);
  if (!next) return;
  const sc_core::sc_time stamp = sc_core::sc_time_stamp();
  // sc_event keeps only the earliest pending notification.
  wakeup_.notify(*next > stamp ? *next - stamp : sc_core::SC_ZERO_TIME);
}

void Uart16550::on_wakeup() {
  sync(sc_core::sc_time_stamp());
  refresh();
}

// ---- DMA signalling: TXRDY# and RXRDY# -------------------------------------------
//
// After the National PC16550D datasheet, FCR bit 3 and the TXRDY/RXRDY pin
// descriptions (paraphrased below). TI's TL16C550C (SLLS177I sec. 7.7.2:
// "When FCR0 is set, setting FCR3 causes RXRDY and TXRDY to change from level
// 0 to level 1") and TL16C750E (SLLSF10 sec. 9.4.2 "DMA Signaling": mode 0
// both pins, mode 1 the receiver) say the same:
//
//  RXRDY mode 0 (FCR0 = 0, or FCR0 = 1 and FCR3 = 0): active when there is at
//    least 1 character in the RCVR FIFO or RCVR holding register; inactive
//    when there are no more characters in the FIFO or holding register.
//  RXRDY mode 1 (FCR0 = 1 and FCR3 = 1): active when the trigger level or the
//    timeout has been reached; once active, inactive when there are no more
//    characters in the FIFO.
//  TXRDY mode 0: active when there are no characters in the XMIT FIFO or XMIT
//    holding register; inactive after the first character is loaded into it.
//  TXRDY mode 1: active when there are no characters in the XMIT FIFO;
//    inactive when the XMIT FIFO is completely full. (The TL16C750E, which has
//    a transmit trigger level, says "a trigger level number of spaces"
//    instead; the 16550 has none, and the model follows the PC16550D.)
//
// So both mode 1 pins have hysteresis: the latches below. They are kept in
// every mode (a mode 1 pin starts from the FIFO's history, as on the chip) and
// updated at each sync() and refresh(), i.e. at every access and wake-up; the
// XMIT FIFO running empty always has a wake-up (thre_at_), the RX timeout one
// while a mode 1 RXRDY waits for it (schedule_wakeup()).
// "The XMIT FIFO" is THR/the FIFO, not the shift register: tx_waiting().
// RXRDY's inactive-on-error case of some parts (LSR bit 7) cannot occur: the
// scripted line never produces PE/FE/BI.

void Uart16550::update_dma_latches() {
  const unsigned waiting = tx_waiting();
  if (waiting == 0)
    tx_ready_latch_ = true;
  else if (waiting >= kFifoDepth)
    tx_ready_latch_ = false;
  if (rx_fifo_.empty())
    rx_ready_latch_ = false;
  else if (rx_fifo_.size() >= rx_trigger() || rx_timeout())
    rx_ready_latch_ = true;
}

bool Uart16550::txrdy_active() const { return dma_mode1() ? tx_ready_latch_ : thre(); }

bool Uart16550::rxrdy_active() const { return dma_mode1() ? rx_ready_latch_ : !rx_fifo_.empty(); }

// Queues the levels at now_ (the local time of the access or wake-up) when
// they differ from the last ones queued; drive_dma_pins() writes each entry at
// its time. now_ never goes backwards, so the queue stays in time order.
void Uart16550::update_dma_pins() {
  const bool tx = txrdy_active();
  const bool rx = rxrdy_active();
  if (!started_) {  // elaboration: the initial drive_dma_pins() writes these
    pins_driven_ = {now_, tx, rx};
    return;
  }
  const PinLevels& last = pin_changes_.empty() ? pins_driven_ : pin_changes_.back();
  if (last.txrdy == tx && last.rxrdy == rx) return;
  if (!pin_changes_.empty() && pin_changes_.back().at == now_) {
    pin_changes_.back().txrdy = tx;
    pin_changes_.back().rxrdy = rx;
  } else {
    pin_changes_.push_back({now_, tx, rx});
  }
  const sc_core::sc_time stamp = sc_core::sc_time_stamp();
  const sc_core::sc_time at = pin_changes_.front().at;
  // sc_event keeps only the earliest pending notification: the front's.
  pins_changed_.notify(at > stamp ? at - stamp : sc_core::SC_ZERO_TIME);
}

// The pins' only writer process (a signal has one).
void Uart16550::drive_dma_pins() {
  const sc_core::sc_time stamp = sc_core::sc_time_stamp();
  while (!pin_changes_.empty() && pin_changes_.front().at <= stamp) {
    pins_driven_ = pin_changes_.front();
    pin_changes_.pop_front();
  }
  drive(txrdy, pins_driven_.txrdy);
  drive(rxrdy, pins_driven_.rxrdy);
  if (!pin_changes_.empty()) pins_changed_.notify(pin_changes_.front().at - stamp);
}

}  // namespace minipc
