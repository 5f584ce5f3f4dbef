// minipc::Pic8259Rtl: the synthesizable 8259A (rtl/pic8259/pic8259.sv),
// Verilated to C++, behind exactly the C++ interface of the TLM model
// minipc::Pic8259 (models/pic/pic8259.h): the `regs` target socket (offsets
// 0-1, the same Register names), ir[8], intr, acknowledge(), attach_slave(),
// int_level(), elcr()/set_elcr(), the trace signals, on_eoi,
// programmed_vector_base(), the same stats and warnings.
//
// Lazy clocking: the PIC has no timing of its own, so clk_i ticks only for
//  - a register access: one bus cycle (CS#, RD#/WR#, A0, D) then one idle cycle;
//  - an INTA cycle: two cycles with INTA# low (first and second pulse);
//  - an IR or ELCR change: one idle cycle with the new pin levels.
// Before each of these the wrapper brings the RTL's IR pins up to the ports'
// levels (one idle cycle if they moved), as the TLM model samples its lines.
//
// Cascade: acknowledge() on a master runs its first INTA pulse; when the RTL
// then drives CAS0-2 (cas_oe_o), the attached slave wrappers get the CAS
// address on their cas_i pins and run their own two INTA pulses (the one
// whose ICW3 ID matches answers and drives d_o); the master's second pulse
// follows with its IR pin of that line at the slave's INT level.
//
// One SC_METHOD (on_change) writes intr and the trace signals, a delta cycle
// after a change, like the TLM model.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <systemc>

#include "core/irq.h"
#include "core/peripheral.h"
#include "core/stats.h"

namespace minipc {

class Pic8259Rtl : public Peripheral, public InterruptAcknowledgeIf {
 public:
  SC_HAS_PROCESS(Pic8259Rtl);
  explicit Pic8259Rtl(const sc_core::sc_module_name& nm);
  ~Pic8259Rtl() override;

  // ---- pins ----------------------------------------------------------------
  sc_core::sc_vector<IrqIn> ir{"ir", 8};
  IrqOut intr{"intr"};

  sc_core::sc_signal<uint8_t> irr_trace{"irr_trace"};
  sc_core::sc_signal<uint8_t> isr_trace{"isr_trace"};
  sc_core::sc_signal<uint8_t> imr_trace{"imr_trace"};

  // ---- registers (as Pic8259; their callbacks run bus cycles) -----------------
  Register ICW1{bank_, "ICW1", 0, 1, 0x00, Access::write_only};
  Register ICW2{bank_, "ICW2", 1, 1, 0x00, Access::write_only};
  Register ICW3{bank_, "ICW3", 1, 1, 0x00, Access::write_only};
  Register ICW4{bank_, "ICW4", 1, 1, 0x00, Access::write_only};
  Register IMR{bank_, "IMR", 1, 1, 0x00};
  Register OCW2{bank_, "OCW2", 0, 1, 0x00, Access::write_only};
  Register OCW3{bank_, "OCW3", 0, 1, 0x00, Access::write_only};
  Register POLL{bank_, "POLL", 0, 1, 0x00, Access::read_only};
  Register IRR{bank_, "IRR", 0, 1, 0x00, Access::read_only};
  Register ISR{bank_, "ISR", 0, 1, 0x00, Access::read_only};

  enum : uint8_t {
    ICW1_IC4 = 0x01, ICW1_SNGL = 0x02, ICW1_ADI = 0x04, ICW1_LTIM = 0x08, ICW1_INIT = 0x10,
    ICW4_UPM = 0x01, ICW4_AEOI = 0x02, ICW4_MS = 0x04, ICW4_BUF = 0x08, ICW4_SFNM = 0x10,
    OCW2_R = 0x80, OCW2_SL = 0x40, OCW2_EOI = 0x20, OCW2_LEVEL = 0x07,
    OCW3_ESMM = 0x40, OCW3_SMM = 0x20, OCW3_SELECT = 0x08, OCW3_P = 0x04, OCW3_RR = 0x02, OCW3_RIS = 0x01,
    POLL_I = 0x80,
  };

  // ---- the INTA cycle (two INTA# pulses on the RTL) ------------------------------
  int acknowledge() override;
  // As Pic8259::attach_slave; also ties the slave's SP/EN# pin low, and this
  // chip's IR `ir_line` pin then follows the slave RTL's int_o directly.
  void attach_slave(unsigned ir_line, Pic8259Rtl& slave);

  std::function<void(unsigned level, const sc_core::sc_time& at)> on_eoi;
  uint8_t programmed_vector_base() const;

  bool int_level();

  uint8_t elcr() const { return elcr_; }
  void set_elcr(uint8_t level_lines);

  bool is_master() const;
  bool wired_as_slave() const { return wired_as_slave_; }
  bool initialized() const;

  // Writes the RTL's internals (Verilator VCD tracer) to `path`.
  void open_trace(const std::string& path);
  uint64_t rtl_cycles() const { return cycles_; }

 protected:
  void reset_state() override;
  void end_of_elaboration() override;
  void end_of_simulation() override;

 private:
  struct Rtl;

  uint64_t obs0() const;
  uint32_t obs1() const;
  unsigned step() const;

  void tick();                                          // one clk_i cycle
  uint8_t bus(bool a0, bool write, uint8_t d);          // one access + idle cycle
  void sync_lines();                                    // IR pins <- ports
  void inta_pulse(bool first, uint8_t* data, bool* driven);
  // The INTA cycle of a slave addressed with `cas` by its master.
  int cascade_acknowledge(unsigned cas);
  int acknowledge_cycle(bool as_slave, unsigned cas);

  void write_a0_0(uint64_t v);
  void write_a0_1(uint64_t v);
  uint64_t read_a0(bool a0);
  void refresh_registers();

  void on_change();
  void changed();
  void warn(const std::string& msg) const;
  static std::string hex(uint64_t v);

  std::unique_ptr<Rtl> rtl_;
  std::array<Pic8259Rtl*, 8> slaves_{};
  uint8_t elcr_ = 0;
  uint8_t pins_ = 0;  // IR levels on the RTL's pins
  bool wired_as_slave_ = false;
  bool warned_mcs80_ = false;
  bool elaborated_ = false;
  uint64_t cycles_ = 0;
  sc_core::sc_event changed_;

  Counter& interrupts_;
  Counter& spurious_;
  std::array<Counter*, 8> acks_{};
  Counter& masked_while_pending_;
  Counter& eoi_without_isr_;
};

}  // namespace minipc
