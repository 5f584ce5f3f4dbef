// minipc::Pic8259Rtl: the synthesizable 8259A (rtl/pic8259/pic8259.sv),
// Verilated to C++, behind the 8259A's face (models/pic/pic8259_face.h) that
// the TLM model minipc::Pic8259 also has: the `regs` target socket (offsets
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
#include <memory>
#include <string>

#include "pic/pic8259_face.h"

namespace minipc {

class Pic8259Rtl : public Pic8259Face {
 public:
  explicit Pic8259Rtl(const sc_core::sc_module_name& nm);
  ~Pic8259Rtl() override;

  // The INTA cycle: two INTA# pulses on the RTL.
  int acknowledge() override;
  int cascade_acknowledge(unsigned cas) override;
  uint8_t programmed_vector_base() const override;
  bool int_level() override;
  void set_elcr(uint8_t level_lines) override;
  bool is_master() const override;
  bool initialized() const override;

  // Writes the RTL's internals (Verilator VCD tracer) to `path`.
  void open_trace(const std::string& path);
  uint64_t rtl_cycles() const { return cycles_; }

 protected:
  void reset_state() override;
  void end_of_simulation() override;

 private:
  struct Rtl;

  uint64_t obs0() const;
  uint32_t obs1() const;
  unsigned step() const;

  void tick();                                          // one clk_i cycle
  uint8_t bus(bool a0, bool write, uint8_t d);          // one access + idle cycle
  void sample_lines() override;                         // IR pins <- ports
  void refresh_registers() override;
  bool int_pin() override;
  // Also ties the slave's SP/EN# pin low; this chip's IR `ir_line` pin then
  // follows the slave RTL's int_o directly (so the slave must be an RTL twin).
  void slave_attached(unsigned ir_line, Pic8259Face& slave) override;
  void inta_pulse(bool first, uint8_t* data, bool* driven);
  int acknowledge_cycle(bool as_slave, unsigned cas);

  void write_a0_0(uint64_t v);
  void write_a0_1(uint64_t v);
  uint64_t read_a0(bool a0);

  std::unique_ptr<Rtl> rtl_;
  std::array<Pic8259Rtl*, 8> rtl_slaves_{};
  uint8_t pins_ = 0;  // IR levels on the RTL's pins
  uint64_t cycles_ = 0;
};

}  // namespace minipc
