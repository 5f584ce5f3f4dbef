// The 8259A's face: what the TLM model (Pic8259, models/pic/pic8259.h) and
// its RTL twin (Pic8259Rtl, rtl/pic8259/pic8259_rtl.h) both are to the
// platform, declared once: the pins (ir[8], intr), the register map in the
// datasheet's order, the trace signals, the stats, the INTA interface, the
// cascade wiring (attach_slave) and the hooks the platform uses (on_eoi,
// programmed_vector_base(), elcr()/set_elcr()). How the chip decides (C++
// arithmetic, or Verilated flops) is each twin's: the register callbacks
// (selected/on_read/on_write) and the virtual functions below.
//
// Outputs have a single writer process: a twin calls changed() when its
// state moves; one SC_METHOD here samples the lines, refreshes the registers
// and drives `intr` and the trace signals a delta cycle later.
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

class Pic8259Face : public Peripheral, public InterruptAcknowledgeIf {
 public:
  SC_HAS_PROCESS(Pic8259Face);

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
  // acknowledge() (InterruptAcknowledgeIf): picks the highest-priority request
  // the nesting rules let through, sets its ISR bit and returns ICW2 base |
  // level; for a cascade line the attached slave supplies the vector. Nothing
  // pending: IR7's vector, no ISR bit, counted as spurious. Before
  // initialization: -1 (warning).
  //
  // The INTA cycle of a slave its master addresses with `cascade_address` on
  // CAS0-2: the chip whose ICW3 ID matches answers (else 0xFF, floating bus).
  virtual int cascade_acknowledge(unsigned cascade_address) = 0;

  // Cascade wiring: `slave`'s INT drives this chip's IR `ir_line`; on an INTA
  // for that line (ICW3 bit set) this chip puts `ir_line` on CAS0-2 and the
  // slave whose ICW3 ID matches answers. Also ties the slave's SP/EN pin low
  // (it is a slave in non-buffered mode). Call during elaboration.
  void attach_slave(unsigned ir_line, Pic8259Face& slave);

  // Called when an EOI command clears an ISR bit, with the level and the
  // local time of the OCW2 write (the platform's latency measurement).
  std::function<void(unsigned level, const sc_core::sc_time& at)> on_eoi;
  // The vector of IR0 as ICW2 programmed it (T7-T3).
  virtual uint8_t programmed_vector_base() const = 0;

  // INT as it is right now (the `intr` signal follows a delta cycle later).
  virtual bool int_level() = 0;

  // Edge/level control (a PIIX ELCR register, bit n = level mode for IRn).
  uint8_t elcr() const { return elcr_; }
  virtual void set_elcr(uint8_t level_lines) = 0;

  // SP/EN strapped low by attach_slave(); ICW4.BUF=1 lets ICW4.M/S decide.
  virtual bool is_master() const = 0;
  bool wired_as_slave() const { return wired_as_slave_; }
  virtual bool initialized() const = 0;

 protected:
  explicit Pic8259Face(const sc_core::sc_module_name& nm);

  // ---- the twin's behaviour ------------------------------------------------------
  // Follows the IR inputs (edges arm lines; masked_while_pending counts).
  virtual void sample_lines() = 0;
  // Brings IRR, ISR, IMR (the registers a debugger reads) up to the state.
  virtual void refresh_registers() = 0;
  // The level the output method drives on `intr`.
  virtual bool int_pin() = 0;
  // attach_slave() has wired `slave` to IR `ir_line` of this chip.
  virtual void slave_attached(unsigned ir_line, Pic8259Face& slave) {
    (void)ir_line;
    (void)slave;
  }

  // ---- for the twins -----------------------------------------------------------------
  // State changed: refresh the registers, drive the outputs a delta later.
  void changed();
  Pic8259Face* slave(unsigned ir_line) const { return slaves_[ir_line]; }
  bool elaborated() const { return elaborated_; }  // ports bound: lines may be read
  void end_of_elaboration() override { elaborated_ = true; }

  // The datasheet's rules the twins warn about, in one wording.
  void warn(const std::string& msg) const;
  static std::string hex(uint64_t v);
  void warn_before_icw1(const std::string& what, uint64_t v) const;
  void warn_command_during_init(const char* what, uint8_t v, const char* expecting) const;
  void warn_inta_uninitialized() const;
  void warn_no_slave(unsigned ir_line, uint8_t icw3) const;
  // The CAS address on a slave's INTA is not its ID: no chip answers.
  void warn_cas_mismatch(unsigned cascade_address, uint8_t icw3) const;
  // After the last ICW: uPM=0 (MCS-80/85) is not modelled (warned once).
  void check_icw4(uint64_t icw4);
  // An EOI command that found no ISR bit to clear (level -1: non-specific).
  void eoi_without_isr(uint8_t ocw2, const char* kind, int level, uint8_t isr);

  Counter& interrupts_;
  Counter& spurious_;
  std::array<Counter*, 8> acks_{};
  Counter& masked_while_pending_;
  Counter& eoi_without_isr_;

  uint8_t elcr_ = 0;

 private:
  void on_change();  // SC_METHOD: samples lines, drives intr and traces

  std::array<Pic8259Face*, 8> slaves_{};
  bool wired_as_slave_ = false;
  bool warned_mcs80_ = false;
  bool elaborated_ = false;
  sc_core::sc_event changed_;
};

}  // namespace minipc
