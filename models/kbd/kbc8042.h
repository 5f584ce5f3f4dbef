// Intel 8042 keyboard controller with a PS/2 keyboard behind it (PC: ports
// 0x60 and 0x64, IRQ 1).
//
// One register block, one target socket `regs`: offset 0 is port 0x60 (data:
// the output buffer on reads, the input buffer on writes), offset 4 is port
// 0x64 (the status register on reads, the command register on writes).
// Offsets 1-3 are not decoded. On a PC, 0x61-0x63 belong to other devices,
// so the platform maps two one-byte windows onto the same socket:
//     bus.map(io, 0x60, 1, target, /*offset*/ 0);
//     bus.map(io, 0x64, 1, target, /*offset*/ 4);
//
// The keyboard is scripted (`keys`, `keys_file`): each key becomes scan code
// set 1 bytes (what the 8042 delivers with translation on) in the keyboard's
// 16-byte buffer. The keyboard sends one byte at a time, each taking
// `byte_time` on the PS/2 line, and only while the 8042 lets it: the output
// buffer is empty and the interface is enabled (command byte bit 4 clear).
// Timing is computed from the access's local time (access_time()); an
// sc_event is scheduled only for a scripted key or a byte transfer ending.
//
// IRQ1 follows the 8042's OBF output: high while the output buffer is full
// and command byte INT (bit 0) is set; reading port 0x60 drops it. The line is
// written only by the model's own SC_METHOD, a delta after the access that
// changed it (a single writer process).
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "core/irq.h"
#include "core/peripheral.h"
#include "core/stats.h"
#include "kbd/key_script.h"

namespace minipc {

class Kbc8042 : public Peripheral {
 public:
  SC_HAS_PROCESS(Kbc8042);
  explicit Kbc8042(const sc_core::sc_module_name& nm);

  IrqOut irq{"irq"};  // IRQ1

  Param<std::string> keys{this, "keys", "",
                          "scripted keys: 'TIME:KEY TIME:press:KEY TIME:release:KEY ...' (e.g. '10ms:a 20ms:B')"};
  Param<std::string> keys_file{this, "keys_file", "",
                               "file of scripted keys, same syntax, '#' comments (after `keys`)"};
  Param<sc_core::sc_time> byte_time{this, "byte_time", sc_core::sc_time(11.0 / 12000.0, sc_core::SC_SEC),
                                    "one byte on the PS/2 line: 11 bits at 12 kHz (916.7 us)"};

  // Bytes the keyboard still holds (scan codes and replies not yet in the
  // output buffer), as of the last access or event.
  size_t pending() const { return kbd_fifo_.size(); }
  // Output port bit 1: the A20 gate.
  bool a20() const { return output_port_ & OUT_A20; }
  uint8_t command_byte() const { return ram_[0]; }

  // ---- registers ------------------------------------------------------------
  Register OUTPUT_BUFFER{bank_, "OUTPUT_BUFFER", 0, 1, 0x00, Access::read_only};  // port 0x60 read
  Register INPUT_BUFFER{bank_, "INPUT_BUFFER", 0, 1, 0x00, Access::write_only};   // port 0x60 write (data)
  Register STATUS{bank_, "STATUS", 4, 1, kPowerOnStatus, Access::read_only};       // port 0x64 read
  Register COMMAND{bank_, "COMMAND", 4, 1, 0x00, Access::write_only};              // port 0x64 write

  enum : uint8_t {
    // Status register (PC AT).
    STAT_OBF = 0x01, STAT_IBF = 0x02, STAT_SYS = 0x04, STAT_A2 = 0x08, STAT_INH = 0x10,
    STAT_MOBF = 0x20, STAT_RXTO = 0x40, STAT_PERR = 0x80,
    // Command byte (controller RAM byte 0).
    CMD_INT = 0x01, CMD_SYS = 0x04, CMD_EN = 0x10 /* 1 = keyboard disabled */, CMD_AUX_DIS = 0x20,
    CMD_XLAT = 0x40,
    // Output port.
    OUT_RESET = 0x01 /* 0 = CPU reset */, OUT_A20 = 0x02,
  };
  // What a PC BIOS leaves: command byte 0x45 (XLAT, SYS, INT), status 0x14
  // (SYS, not inhibited), output port 0xCF (A20 enabled, reset inactive).
  static constexpr uint8_t kPowerOnCommandByte = 0x45;
  static constexpr uint8_t kPowerOnStatus = 0x14;
  static constexpr uint8_t kPowerOnOutputPort = 0xCF;
  static constexpr size_t kKeyboardFifo = 16;

 protected:
  void reset_state() override;
  void start_of_simulation() override;

 private:
  uint64_t read_output_buffer();
  void write_data(uint64_t v);
  uint64_t read_status();
  void write_command(uint64_t v);

  void controller_command(uint8_t cmd);
  void controller_data(uint8_t cmd, uint8_t v);
  void keyboard_receive(uint8_t v);
  void reply_from_controller(uint8_t v);
  void reply_from_keyboard(std::initializer_list<uint8_t> bytes);
  void write_output_port(uint8_t v);
  void pulse_reset();

  // Brings the model to time t: scripted keys, byte transfers ending.
  void sync(const sc_core::sc_time& t);
  void service();  // moves a waiting byte into the output buffer / starts a transfer
  uint8_t status_value() const;
  bool irq_level() const { return obf_ && (ram_[0] & CMD_INT); }
  void refresh();
  void schedule_wakeup();
  void on_wakeup();

  std::vector<ScriptedKey> script_;
  size_t next_key_ = 0;
  sc_core::sc_time now_;

  std::deque<uint8_t> kbd_fifo_;                 // the keyboard's buffer; front is sent next
  std::optional<sc_core::sc_time> transfer_end_; // front byte on the line, in the buffer then
  std::deque<uint8_t> ctrl_replies_;            // controller replies waiting for the output buffer
  uint8_t out_ = 0;
  bool obf_ = false;
  bool sys_flag_ = true;
  bool a2_ = false;
  std::array<uint8_t, 32> ram_{};  // byte 0 is the command byte
  uint8_t output_port_ = kPowerOnOutputPort;
  int pending_command_ = -1;       // controller command waiting for its data byte
  int pending_kbd_command_ = -1;   // keyboard command waiting for its argument
  bool scanning_ = true;
  uint8_t last_sent_ = 0xAA;       // for the keyboard's resend command
  uint8_t leds_ = 0;
  bool started_ = false;
  bool warned_overflow_ = false;
  sc_core::sc_event wakeup_;
  sc_core::sc_event irq_event_;

  Counter& bytes_delivered_;
  Counter& keys_;
  Counter& fifo_overruns_;
  Counter& reset_requests_;
};

}  // namespace minipc
