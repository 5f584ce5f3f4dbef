// PC/AT system control port B (port 0x61): the speaker path of PIT counter 2
// and a few status bits.
//
//   bit  write                          read
//   0    TIMER 2 GATE (-> PIT GATE2)    as written
//   1    SPEAKER DATA enable            as written
//   2    parity check disable (stored)  as written
//   3    I/O channel check disable      as written
//   4    -                              REFRESH toggle: flips every 15.085 us
//   5    -                              OUT2 of the PIT
//   6    -                              IOCHK (0: never an I/O channel error)
//   7    -                              parity error (0: never)
//
// Bits 4-7 are read-only; software commonly writes back what it read, so
// writes to them are ignored silently. The refresh toggle is computed from
// the access time, not ticked. A write to bit 0 changes the gate2 output at
// the access's local time (a timed update), so the PIT sees the GATE edge
// when the CPU made it even when the CPU runs ahead of SystemC time.
#pragma once

#include <cstdint>
#include <deque>
#include <utility>

#include "core/irq.h"
#include "core/peripheral.h"

namespace minipc {

class SystemControlPortB : public Peripheral {
 public:
  SC_HAS_PROCESS(SystemControlPortB);
  explicit SystemControlPortB(const sc_core::sc_module_name& nm);

  // To the PIT's gate2 input.
  sc_core::sc_out<bool> gate2{"gate2"};
  // From the PIT's out2 output.
  sc_core::sc_in<bool> out2{"out2"};

  Param<sc_core::sc_time> refresh_period{this, "refresh_period", sc_core::sc_time(15.085, sc_core::SC_US),
                                         "time between toggles of the refresh bit (bit 4)"};

  Register PORT_B{bank_, "PORT_B", 0, 1, 0x00};

  enum : uint8_t {
    TIMER2_GATE = 0x01, SPEAKER_DATA = 0x02, PARITY_CHECK_DISABLE = 0x04, CHANNEL_CHECK_DISABLE = 0x08,
    REFRESH_TOGGLE = 0x10, OUT2_STATE = 0x20, IOCHK = 0x40, PARITY_ERROR = 0x80,
    WRITABLE = 0x0F,
  };

  // The speaker sounds when both SPEAKER DATA and OUT2 are high.
  bool speaker_data() const { return PORT_B.get() & SPEAKER_DATA; }

 protected:
  void reset_state() override;
  void start_of_simulation() override { started_ = true; }

 private:
  uint64_t read_port_b();
  void write_port_b(uint64_t v);
  void drive_gate2();  // method: applies gate2 changes at their time

  std::deque<std::pair<sc_core::sc_time, bool>> pending_gate2_;
  sc_core::sc_event gate2_update_;
  bool started_ = false;
};

}  // namespace minipc
