#include "kbd/kbc8042.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>

#include "core/params.h"
#include "core/sim_control.h"

namespace minipc {

namespace {
std::string hex2(unsigned v) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "0x%02X", v & 0xFF);
  return buf;
}
}  // namespace

Kbc8042::Kbc8042(const sc_core::sc_module_name& nm)
    : Peripheral(nm),
      bytes_delivered_(StatsRegistry::instance().counter(std::string(name()) + ".bytes_delivered", "bytes")),
      keys_(StatsRegistry::instance().counter(std::string(name()) + ".keys", "keys")),
      fifo_overruns_(StatsRegistry::instance().counter(std::string(name()) + ".fifo_overruns", "bytes")),
      reset_requests_(StatsRegistry::instance().counter(std::string(name()) + ".reset_requests", "pulses")) {
  STATUS.field("OBF", 0, 1).field("IBF", 1, 1).field("SYS", 2, 1).field("A2", 3, 1).field("INH", 4, 1)
      .field("MOBF", 5, 1).field("RXTO", 6, 1).field("PERR", 7, 1);
  OUTPUT_BUFFER.on_read = [this] { return read_output_buffer(); };
  INPUT_BUFFER.on_write = [this](uint64_t v) { write_data(v); };
  STATUS.on_read = [this] { return read_status(); };
  COMMAND.on_write = [this](uint64_t v) { write_command(v); };

  script_ = parse_key_script(keys.get(), keys.key());
  if (!keys_file.get().empty()) {
    std::ifstream in(keys_file.get());
    if (!in)
      throw InputError(keys_file.key() + ": cannot open '" + keys_file.get() + "': " + std::strerror(errno));
    const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    auto more = parse_key_script(text, keys_file.key(), keys_file.get());
    script_.insert(script_.end(), more.begin(), more.end());
    std::stable_sort(script_.begin(), script_.end(),
                     [](const ScriptedKey& a, const ScriptedKey& b) { return a.at < b.at; });
  }

  SC_METHOD(on_wakeup);  // also runs once at initialization
  sensitive << wakeup_ << irq_event_;

  reset_state();
}

void Kbc8042::start_of_simulation() { started_ = true; }

void Kbc8042::reset_state() {
  // Controller and keyboard power on; the script (the outside world) keeps
  // its place.
  kbd_fifo_.clear();
  transfer_end_.reset();
  ctrl_replies_.clear();
  out_ = 0;
  obf_ = false;
  sys_flag_ = true;
  a2_ = false;
  ram_.fill(0);
  ram_[0] = kPowerOnCommandByte;
  output_port_ = kPowerOnOutputPort;
  pending_command_ = -1;
  pending_kbd_command_ = -1;
  scanning_ = true;
  leds_ = 0;
  refresh();
}

// ---- time ---------------------------------------------------------------------

void Kbc8042::sync(const sc_core::sc_time& t) {
  for (;;) {
    const bool key_due = next_key_ < script_.size() && script_[next_key_].at <= t;
    const bool transfer_due = transfer_end_ && *transfer_end_ <= t;
    if (!key_due && !transfer_due) break;
    if (transfer_due && (!key_due || *transfer_end_ <= script_[next_key_].at)) {
      // The byte on the line is complete: it is in the output buffer.
      now_ = std::max(now_, *transfer_end_);
      transfer_end_.reset();
      out_ = last_sent_ = kbd_fifo_.front();
      kbd_fifo_.pop_front();
      obf_ = true;
      bytes_delivered_.add();
    } else {
      const ScriptedKey& k = script_[next_key_++];
      now_ = std::max(now_, k.at);
      // A keyboard that is not scanning (after F5) does not see the key.
      if (scanning_) {
        keys_.add();
        for (uint8_t b : k.bytes) {
          if (kbd_fifo_.size() < kKeyboardFifo) {
            kbd_fifo_.push_back(b);
            continue;
          }
          fifo_overruns_.add();
          if (!warned_overflow_) {
            warned_overflow_ = true;
            SC_REPORT_WARNING(name(), ("keyboard buffer full (16 bytes) at scripted key '" + k.item +
                                       "': scan code " + hex2(b) +
                                       " dropped (reported once; see stat fifo_overruns)")
                                          .c_str());
          }
        }
      }
    }
    service();
  }
  if (t > now_) now_ = t;
}

void Kbc8042::service() {
  if (obf_) return;
  // Controller replies go first: the 8042 holds the keyboard off meanwhile.
  if (!ctrl_replies_.empty()) {
    out_ = ctrl_replies_.front();
    ctrl_replies_.pop_front();
    obf_ = true;
    return;
  }
  if (!transfer_end_ && !kbd_fifo_.empty() && !(ram_[0] & CMD_EN)) transfer_end_ = now_ + byte_time.get();
}

// ---- ports ----------------------------------------------------------------------

uint64_t Kbc8042::read_output_buffer() {
  sync(access_time());
  const uint8_t v = out_;  // with OBF clear, the last byte again
  obf_ = false;
  service();
  refresh();
  return v;
}

uint8_t Kbc8042::status_value() const {
  // IBF is never seen set: the controller takes each byte at once. INH reads
  // 1: the keylock is open. No auxiliary device: MOBF, RxTO, PERR are 0.
  return static_cast<uint8_t>((obf_ ? STAT_OBF : 0) | (sys_flag_ ? STAT_SYS : 0) | (a2_ ? STAT_A2 : 0) |
                              STAT_INH);
}

uint64_t Kbc8042::read_status() {
  sync(access_time());
  refresh();
  return status_value();
}

void Kbc8042::write_data(uint64_t value) {
  sync(access_time());
  const uint8_t v = static_cast<uint8_t>(value);
  a2_ = false;
  if (pending_command_ >= 0) {
    const uint8_t cmd = static_cast<uint8_t>(pending_command_);
    pending_command_ = -1;
    controller_data(cmd, v);
  } else {
    keyboard_receive(v);
  }
  refresh();
}

void Kbc8042::write_command(uint64_t value) {
  sync(access_time());
  a2_ = true;
  pending_command_ = -1;  // a new command abandons one waiting for its data byte
  controller_command(static_cast<uint8_t>(value));
  refresh();
}

// ---- controller --------------------------------------------------------------------

void Kbc8042::reply_from_controller(uint8_t v) {
  // A keyboard byte on the line is cut off (the controller inhibits the
  // clock); the keyboard sends it again later.
  transfer_end_.reset();
  ctrl_replies_.push_back(v);
  service();
}

void Kbc8042::controller_command(uint8_t cmd) {
  if (cmd >= 0x20 && cmd <= 0x3F) {  // read controller RAM (0x20: the command byte)
    reply_from_controller(ram_[cmd - 0x20]);
    return;
  }
  if ((cmd >= 0x60 && cmd <= 0x7F) || cmd == 0xD1 || cmd == 0xD2) {  // a data byte follows on port 0x60
    pending_command_ = cmd;
    return;
  }
  if (cmd >= 0xF0) {  // pulse output port bits 3:0 low where the command's bit is 0
    if (!(cmd & 0x01)) pulse_reset();
    return;
  }
  switch (cmd) {
    case 0xA7: ram_[0] |= CMD_AUX_DIS; break;
    case 0xA8: ram_[0] &= static_cast<uint8_t>(~CMD_AUX_DIS); break;
    case 0xAA:  // controller self test
      sys_flag_ = true;
      reply_from_controller(0x55);
      break;
    case 0xAB:  // keyboard interface test: no clock or data line stuck
      reply_from_controller(0x00);
      break;
    case 0xAD:  // disable keyboard: hold the clock line low
      ram_[0] |= CMD_EN;
      transfer_end_.reset();
      break;
    case 0xAE:
      ram_[0] &= static_cast<uint8_t>(~CMD_EN);
      service();
      break;
    case 0xD0: reply_from_controller(output_port_); break;
    case 0xDD: output_port_ &= static_cast<uint8_t>(~OUT_A20); break;  // HP-style A20 gate
    case 0xDF: output_port_ |= OUT_A20; break;
    default:
      SC_REPORT_WARNING(name(), ("unsupported controller command " + hex2(cmd) + " written to port 0x64 ignored")
                                    .c_str());
      break;
  }
}

void Kbc8042::controller_data(uint8_t cmd, uint8_t v) {
  if (cmd >= 0x60 && cmd <= 0x7F) {
    ram_[cmd - 0x60] = v;
    if (cmd == 0x60) {
      sys_flag_ = v & CMD_SYS;  // the status SYS flag follows the command byte
      if (v & CMD_EN) transfer_end_.reset();
      service();
    }
    return;
  }
  if (cmd == 0xD1) {
    write_output_port(v);
    return;
  }
  if (cmd == 0xD2) {  // the byte comes back as if the keyboard had sent it
    reply_from_controller(v);
    return;
  }
}

void Kbc8042::write_output_port(uint8_t v) {
  const bool reset_low = !(v & OUT_RESET);
  output_port_ = static_cast<uint8_t>(v | OUT_RESET);
  if (reset_low) pulse_reset();
}

void Kbc8042::pulse_reset() {
  // The 8042 pulls the CPU's RESET line. minipc does not reset the CPU: the
  // request is reported and counted, and the firmware keeps running.
  reset_requests_.add();
  SC_REPORT_WARNING(name(), "CPU reset requested through the 8042 output port (not modelled: ignored)");
}

// ---- keyboard -------------------------------------------------------------------------

void Kbc8042::reply_from_keyboard(std::initializer_list<uint8_t> bytes) {
  // A keyboard answers a command before anything it had buffered; a byte that
  // was on the line is sent again afterwards.
  transfer_end_.reset();
  kbd_fifo_.insert(kbd_fifo_.begin(), bytes.begin(), bytes.end());
  service();
}

void Kbc8042::keyboard_receive(uint8_t v) {
  const bool xlat = ram_[0] & CMD_XLAT;
  if (pending_kbd_command_ >= 0) {
    const uint8_t cmd = static_cast<uint8_t>(pending_kbd_command_);
    pending_kbd_command_ = -1;
    if (cmd == 0xED) leds_ = v & 0x07;
    if (cmd == 0xF0 && v == 0) {  // get scan code set: set 2 (0x41 once translated)
      reply_from_keyboard({0xFA, static_cast<uint8_t>(xlat ? 0x41 : 0x02)});
      return;
    }
    reply_from_keyboard({0xFA});
    return;
  }
  switch (v) {
    case 0xFF:  // reset: ACK, then the basic assurance test passed
      kbd_fifo_.clear();
      scanning_ = true;
      leds_ = 0;
      reply_from_keyboard({0xFA, 0xAA});
      break;
    case 0xFE: reply_from_keyboard({last_sent_}); break;  // resend
    case 0xF6:                                            // set defaults
    case 0xF4:                                            // enable scanning
      kbd_fifo_.clear();
      scanning_ = true;
      reply_from_keyboard({0xFA});
      break;
    case 0xF5:  // disable scanning (and set defaults)
      kbd_fifo_.clear();
      scanning_ = false;
      reply_from_keyboard({0xFA});
      break;
    case 0xED:  // set LEDs
    case 0xF3:  // set typematic rate/delay
    case 0xF0:  // select / get scan code set
      pending_kbd_command_ = v;
      reply_from_keyboard({0xFA});
      break;
    case 0xF2:  // identify: MF2 keyboard AB 83 (AB 41 through translation)
      reply_from_keyboard({0xFA, 0xAB, static_cast<uint8_t>(xlat ? 0x41 : 0x83)});
      break;
    case 0xEE: reply_from_keyboard({0xEE}); break;  // echo
    default:
      SC_REPORT_WARNING(name(), ("unknown keyboard command " + hex2(v) + " written to port 0x60: keyboard answers "
                                 "0xFE (resend)")
                                    .c_str());
      reply_from_keyboard({0xFE});
      break;
  }
}

// ---- IRQ and wake-ups --------------------------------------------------------------------

void Kbc8042::refresh() {
  OUTPUT_BUFFER.set(out_);
  STATUS.set(status_value());
  if (started_ && irq_level() != irq.read()) irq_event_.notify(sc_core::SC_ZERO_TIME);
  schedule_wakeup();
}

void Kbc8042::schedule_wakeup() {
  if (!started_) return;
  std::optional<sc_core::sc_time> next;
  if (transfer_end_) next = *transfer_end_;
  if (next_key_ < script_.size() && (!next || script_[next_key_].at < *next)) next = script_[next_key_].at;
  if (!next) return;
  const sc_core::sc_time stamp = sc_core::sc_time_stamp();
  wakeup_.notify(*next > stamp ? *next - stamp : sc_core::SC_ZERO_TIME);
}

void Kbc8042::on_wakeup() {
  sync(sc_core::sc_time_stamp());
  drive(irq, irq_level());
  OUTPUT_BUFFER.set(out_);
  STATUS.set(status_value());
  schedule_wakeup();
}

}  // namespace minipc
