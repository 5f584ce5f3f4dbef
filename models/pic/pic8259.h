// Intel 8259A programmable interrupt controller: ONE chip, as the datasheet
// describes it. Its pins, registers and hooks are the 8259A's face
// (pic/pic8259_face.h), shared with the RTL twin; this is the behaviour. A PC's master/slave pair is wiring: the platform builds two
// Pic8259s, binds the slave's `intr` to the master's `ir[2]` and tells the
// master which chip answers the INTA cycle for that line (attach_slave()), as
// the CAS0-2 lines do.
//
// Registers (A0 = offset): the four initialization command words ICW1-ICW4
// and the three operation command words OCW1-OCW3, plus what a read returns
// (IRR, ISR, the poll word, IMR). Offsets 0 and 1 are shared, as on the chip:
//   write A0=0: ICW1 when D4=1, else OCW2 (D3=0) or OCW3 (D3=1)
//   write A0=1: ICW2, ICW3, ICW4 while the initialization sequence expects
//               them, else OCW1 (IMR)
//   read  A0=0: the poll word after an OCW3 poll command, else IRR or ISR as
//               OCW3's RR/RIS selects
//   read  A0=1: IMR (or the poll word: a poll takes the next read at either A0)
//
// Behaviour (datasheet terms): edge or level sensed requests (ICW1.LTIM for
// all lines, and per line the ELCR bits of a PIIX, see Elcr8259), priority
// resolution with rotation, fully nested mode, special fully nested mode,
// special mask mode, normal and automatic EOI, the poll command, spurious
// requests answered with IR7's vector, cascading through attach_slave().
//
// Requests: in both modes the IR line must stay high until the INTA cycle
// (datasheet: "the IR inputs must remain high until after the falling edge
// of the first INTA"); a request that went away is answered with IR7's
// vector and no ISR bit (a spurious interrupt). In edge mode a rising edge
// arms the line; it is disarmed by its INTA and by the line going low, so a
// line held high interrupts once. In level mode IRR follows the line.
//
// State changes are computed at once (register accesses, acknowledge(), line
// changes); one SC_METHOD drives `intr` and the trace signals a delta later,
// so every output has a single writer process.
#pragma once

#include <cstdint>
#include <string>

#include "pic/pic8259_face.h"

namespace minipc {

class Pic8259 : public Pic8259Face {
 public:
  explicit Pic8259(const sc_core::sc_module_name& nm);

  int acknowledge() override;
  int cascade_acknowledge(unsigned cascade_address) override;
  uint8_t programmed_vector_base() const override { return vector_base(); }
  bool int_level() override;
  // Faults on purpose (fault kind `spurious`): INT rises for a request that
  // is gone by the INTA cycle (a glitch on an IR input the CPU saw), so the
  // INTA answers with IR7's vector and no ISR bit: IRQ7 on the master,
  // IRQ15 through the slave (the master's ISR bit 2 is set: the handler
  // must still EOI the master). Cleared by the next INTA.
  void phantom_request();
  void set_elcr(uint8_t level_lines) override;
  bool is_master() const override;
  bool initialized() const override { return step_ == InitStep::ready; }
  // For checkers (testbench/fuzz/device_fuzz.cpp states INT from the
  // registers): the lowest-priority level (rotation) and OCW3's special mask
  // mode.
  unsigned lowest_priority_level() const { return lowest_; }
  bool special_mask_mode() const { return special_mask_; }

 protected:
  void reset_state() override;

 private:
  enum class InitStep { uninitialized, expect_icw2, expect_icw3, expect_icw4, ready };

  // Register callbacks.
  void write_command(uint64_t v);  // A0=0: ICW1, OCW2 or OCW3
  void write_icw1(uint8_t v);
  void write_icw2(uint64_t v);
  void write_icw3(uint64_t v);
  void write_icw4(uint64_t v);
  void write_imr(uint64_t v);  // OCW1
  void write_ocw2(uint8_t v);
  void write_ocw3(uint8_t v);
  uint64_t read_poll();
  uint64_t read_irr();
  uint64_t read_isr();

  void finish_init();
  // Moves `level` in service (INTA or poll): ISR bit set, edge disarmed.
  void acknowledge_level(unsigned level);
  // End of interrupt for `level` (-1: nothing to clear), rotating if asked.
  void end_of_interrupt(int level, bool rotate, const char* what, uint8_t value);

  // Follows the IR inputs: edges arm lines, falling lines disarm them.
  void sample_lines() override;
  void refresh_registers() override { IRR.set(irr()); }
  bool int_pin() override { return int_level(); }
  bool phantom_ = false;

  uint8_t level_mask() const { return (ICW1.get() & ICW1_LTIM) ? 0xFF : elcr_; }
  uint8_t irr() const;
  // Highest-priority level set in mask (rotation aware), -1 if none.
  int highest(uint8_t mask) const;
  unsigned priority(unsigned level) const { return (level - lowest_ - 1) & 7; }  // 0 = highest
  // The level the priority resolver lets through to INT, -1 if none.
  int resolve() const;
  bool cascade_line(unsigned level) const;
  uint8_t vector_base() const;

  InitStep step_ = InitStep::uninitialized;
  unsigned lowest_ = 7;         // lowest-priority level (rotation)
  bool special_mask_ = false;   // OCW3 SMM
  bool read_isr_ = false;       // OCW3 RIS (RR=1)
  bool poll_ = false;           // OCW3 P: next read is the poll word
  bool rotate_aeoi_ = false;    // OCW2 rotate in automatic EOI mode
  uint8_t lines_ = 0;           // IR input levels last sampled
  uint8_t armed_ = 0;           // edge sense latches
};

}  // namespace minipc
