#include "pic/pic8259_face.h"

#include <sstream>

namespace minipc {

Pic8259Face::Pic8259Face(const sc_core::sc_module_name& nm)
    : Peripheral(nm),
      interrupts_(StatsRegistry::instance().counter(std::string(name()) + ".interrupts", "interrupts")),
      spurious_(StatsRegistry::instance().counter(std::string(name()) + ".spurious", "interrupts")),
      masked_while_pending_(StatsRegistry::instance().counter(std::string(name()) + ".masked_while_pending", "edges")),
      eoi_without_isr_(StatsRegistry::instance().counter(std::string(name()) + ".eoi_without_isr", "commands")) {
  for (unsigned l = 0; l < 8; ++l)
    acks_[l] = &StatsRegistry::instance().counter(std::string(name()) + ".acks.ir" + std::to_string(l), "interrupts");

  ICW1.field("IC4", 0, 1).field("SNGL", 1, 1).field("ADI", 2, 1).field("LTIM", 3, 1).field("A7_A5", 5, 3);
  ICW2.field("T7_T3", 3, 5);
  ICW4.field("uPM", 0, 1).field("AEOI", 1, 1).field("MS", 2, 1).field("BUF", 3, 1).field("SFNM", 4, 1);
  OCW2.field("L", 0, 3).field("EOI", 5, 1).field("SL", 6, 1).field("R", 7, 1);
  OCW3.field("RIS", 0, 1).field("RR", 1, 1).field("P", 2, 1).field("SMM", 5, 1).field("ESMM", 6, 1);
  POLL.field("W", 0, 3).field("I", 7, 1);
  // A0=0 writes are told apart by the data (D4, D3): ICW1's callback decodes them.
  OCW2.selected = OCW3.selected = [] { return false; };

  SC_METHOD(on_change);
  for (auto& line : ir) sensitive << line;
  sensitive << changed_;
}

void Pic8259Face::attach_slave(unsigned ir_line, Pic8259Face& slave) {
  if (ir_line >= 8) {
    SC_REPORT_ERROR(name(), ("attach_slave: IR line " + std::to_string(ir_line) + " is not 0..7").c_str());
    return;
  }
  slaves_[ir_line] = &slave;
  slave.wired_as_slave_ = true;
  slave_attached(ir_line, slave);
}

void Pic8259Face::changed() {
  refresh_registers();
  if (sc_core::sc_get_status() & (sc_core::SC_RUNNING | sc_core::SC_PAUSED)) changed_.notify(sc_core::SC_ZERO_TIME);
}

void Pic8259Face::on_change() {
  sample_lines();
  refresh_registers();
  drive(intr, int_pin());
  const auto trace = [](sc_core::sc_signal<uint8_t>& s, uint64_t v) {
    if (s.read() != static_cast<uint8_t>(v)) s.write(static_cast<uint8_t>(v));
  };
  trace(irr_trace, IRR.get());
  trace(isr_trace, ISR.get());
  trace(imr_trace, IMR.get());
}

// ---- warnings ---------------------------------------------------------------------------

void Pic8259Face::warn(const std::string& msg) const { SC_REPORT_WARNING(name(), msg.c_str()); }

std::string Pic8259Face::hex(uint64_t v) {
  std::ostringstream s;
  s << "0x" << std::hex << std::uppercase << v;
  return s.str();
}

void Pic8259Face::warn_before_icw1(const std::string& what, uint64_t v) const {
  warn(what + " " + hex(v) + " before ICW1 ignored (the chip is not initialized)");
}

void Pic8259Face::warn_command_during_init(const char* what, uint8_t v, const char* expecting) const {
  warn(std::string(what) + " " + hex(v) + " written while the initialization sequence expects " + expecting);
}

void Pic8259Face::warn_inta_uninitialized() const { warn("INTA while the chip is not initialized: no vector"); }

void Pic8259Face::warn_no_slave(unsigned ir_line, uint8_t icw3) const {
  warn("INTA for IR" + std::to_string(ir_line) + ", a cascade line (ICW3=" + hex(icw3) +
       ") with no slave attached: the data bus floats (0xFF)");
}

void Pic8259Face::warn_cas_mismatch(unsigned cascade_address, uint8_t icw3) const {
  warn("INTA on CAS address " + std::to_string(cascade_address) + " but this slave's ID (ICW3) is " +
       std::to_string(icw3 & 7) + ": no slave answers, the data bus floats (0xFF)");
}

void Pic8259Face::check_icw4(uint64_t icw4) {
  if (!(icw4 & ICW4_UPM) && !warned_mcs80_) {
    warned_mcs80_ = true;
    warn("ICW4 " + hex(icw4) + ": MCS-80/85 mode (uPM=0) is not modelled; INTA returns 8086 vectors");
  }
}

void Pic8259Face::eoi_without_isr(uint8_t ocw2, const char* kind, int level, uint8_t isr) {
  eoi_without_isr_.add();
  std::string msg = std::string("OCW2 ") + hex(ocw2) + " (" + kind + ")";
  msg += level < 0 ? " with nothing in service" : " for IR" + std::to_string(level) + ", which is not in service";
  warn(msg + " (ISR=" + hex(isr) + "): no ISR bit cleared");
}

}  // namespace minipc
