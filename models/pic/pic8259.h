// Intel 8259A programmable interrupt controller: ONE chip, as the datasheet
// describes it. A PC's master/slave pair is wiring: the platform builds two
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

#include <array>
#include <cstdint>
#include <functional>
#include <string>

#include <systemc>

#include "core/irq.h"
#include "core/peripheral.h"
#include "core/stats.h"

namespace minipc {

class Pic8259 : public Peripheral, public InterruptAcknowledgeIf {
 public:
  SC_HAS_PROCESS(Pic8259);
  explicit Pic8259(const sc_core::sc_module_name& nm);

  // ---- pins ----------------------------------------------------------------
  sc_core::sc_vector<IrqIn> ir{"ir", 8};  // IR0-IR7 (every one must be bound)
  IrqOut intr{"intr"};                    // INT

  // Register contents for the VCD (updated when they change).
  sc_core::sc_signal<uint8_t> irr_trace{"irr_trace"};
  sc_core::sc_signal<uint8_t> isr_trace{"isr_trace"};
  sc_core::sc_signal<uint8_t> imr_trace{"imr_trace"};

  // ---- registers, in the datasheet's order -----------------------------------
  // ICW1 is the register the bank selects for every write at A0=0; its
  // callback decodes D4/D3 into ICW1, OCW2 or OCW3 and stores the byte in the
  // matching register (so a debugger sees the last value of each).
  Register ICW1{bank_, "ICW1", 0, 1, 0x00, Access::write_only};  // A0=0, D4=1
  Register ICW2{bank_, "ICW2", 1, 1, 0x00, Access::write_only};  // vector base T7-T3
  Register ICW3{bank_, "ICW3", 1, 1, 0x00, Access::write_only};  // master: slave mask; slave: ID
  Register ICW4{bank_, "ICW4", 1, 1, 0x00, Access::write_only};  // uPM, AEOI, M/S, BUF, SFNM
  Register IMR{bank_, "IMR", 1, 1, 0x00};                        // OCW1: interrupt mask
  Register OCW2{bank_, "OCW2", 0, 1, 0x00, Access::write_only};  // R, SL, EOI, L2-L0
  Register OCW3{bank_, "OCW3", 0, 1, 0x00, Access::write_only};  // ESMM, SMM, P, RR, RIS
  Register POLL{bank_, "POLL", 0, 1, 0x00, Access::read_only};   // poll word (after OCW3 P=1)
  Register IRR{bank_, "IRR", 0, 1, 0x00, Access::read_only};     // interrupt request
  Register ISR{bank_, "ISR", 0, 1, 0x00, Access::read_only};     // in service

  // Bit masks, datasheet names.
  enum : uint8_t {
    ICW1_IC4 = 0x01, ICW1_SNGL = 0x02, ICW1_ADI = 0x04, ICW1_LTIM = 0x08, ICW1_INIT = 0x10,
    ICW4_UPM = 0x01, ICW4_AEOI = 0x02, ICW4_MS = 0x04, ICW4_BUF = 0x08, ICW4_SFNM = 0x10,
    OCW2_R = 0x80, OCW2_SL = 0x40, OCW2_EOI = 0x20, OCW2_LEVEL = 0x07,
    OCW3_ESMM = 0x40, OCW3_SMM = 0x20, OCW3_SELECT = 0x08, OCW3_P = 0x04, OCW3_RR = 0x02, OCW3_RIS = 0x01,
    POLL_I = 0x80,
  };

  // ---- the INTA cycle -----------------------------------------------------------
  // Picks the highest-priority request the nesting rules let through, sets
  // its ISR bit, disarms its edge and returns ICW2 base | level. When the
  // line has a slave (ICW3 bit, master role) the master sets its own ISR bit
  // and the slave supplies the vector. Nothing pending: IR7's vector, no ISR
  // bit, counted as spurious. Before initialization: -1 (warning).
  int acknowledge() override;

  // Cascade wiring: `slave`'s INT drives this chip's IR `ir_line`; on an INTA
  // for that line (ICW3 bit set) this chip puts `ir_line` on CAS0-2 and the
  // slave whose ICW3 ID matches answers. Also ties the slave's SP/EN pin low
  // (it is a slave in non-buffered mode). Call during elaboration.
  void attach_slave(unsigned ir_line, Pic8259& slave);

  // Called when an EOI command clears an ISR bit, with the level and the
  // local time of the OCW2 write (the platform's latency measurement).
  std::function<void(unsigned level, const sc_core::sc_time& at)> on_eoi;
  // The vector of IR0 as ICW2 programmed it (T7-T3).
  uint8_t programmed_vector_base() const { return vector_base(); }

  // INT as it is right now (the `intr` signal follows a delta cycle later).
  bool int_level();

  // Edge/level control (a PIIX ELCR register, bit n = level mode for IRn).
  uint8_t elcr() const { return elcr_; }
  void set_elcr(uint8_t level_lines);

  // SP/EN strapped low by attach_slave(); ICW4.BUF=1 lets ICW4.M/S decide.
  bool is_master() const;
  bool wired_as_slave() const { return wired_as_slave_; }
  bool initialized() const { return step_ == InitStep::ready; }

 protected:
  void reset_state() override;
  void end_of_elaboration() override;

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
  // The INTA cycle when this chip is addressed on CAS0-2 by its master.
  int cascade_acknowledge(unsigned cascade_address);
  // Moves `level` in service (INTA or poll): ISR bit set, edge disarmed.
  void acknowledge_level(unsigned level);
  // End of interrupt for `level` (-1: nothing to clear), rotating if asked.
  void end_of_interrupt(int level, bool rotate, const char* what, uint8_t value);

  // Follows the IR inputs: edges arm lines, falling lines disarm them.
  void sample_lines();
  void on_change();  // SC_METHOD: samples lines, drives intr and traces
  void changed();    // state changed: refresh registers, schedule on_change

  uint8_t level_mask() const { return (ICW1.get() & ICW1_LTIM) ? 0xFF : elcr_; }
  uint8_t irr() const;
  // Highest-priority level set in mask (rotation aware), -1 if none.
  int highest(uint8_t mask) const;
  unsigned priority(unsigned level) const { return (level - lowest_ - 1) & 7; }  // 0 = highest
  // The level the priority resolver lets through to INT, -1 if none.
  int resolve() const;
  bool cascade_line(unsigned level) const;
  uint8_t vector_base() const;
  void warn(const std::string& msg) const;
  static std::string hex(uint64_t v);

  InitStep step_ = InitStep::uninitialized;
  unsigned lowest_ = 7;         // lowest-priority level (rotation)
  bool special_mask_ = false;   // OCW3 SMM
  bool read_isr_ = false;       // OCW3 RIS (RR=1)
  bool poll_ = false;           // OCW3 P: next read is the poll word
  bool rotate_aeoi_ = false;    // OCW2 rotate in automatic EOI mode
  uint8_t lines_ = 0;           // IR input levels last sampled
  uint8_t armed_ = 0;           // edge sense latches
  uint8_t elcr_ = 0;
  bool wired_as_slave_ = false;
  bool warned_mcs80_ = false;
  bool elaborated_ = false;     // ports bound: lines may be read
  std::array<Pic8259*, 8> slaves_{};
  sc_core::sc_event changed_;

  Counter& interrupts_;
  Counter& spurious_;
  std::array<Counter*, 8> acks_{};
  Counter& masked_while_pending_;
  Counter& eoi_without_isr_;
};

}  // namespace minipc
