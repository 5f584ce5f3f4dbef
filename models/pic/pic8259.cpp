#include "pic/pic8259.h"

#include <bitset>

namespace minipc {

namespace {
constexpr uint8_t bit(unsigned level) { return static_cast<uint8_t>(1u << level); }
unsigned popcount(uint8_t v) { return static_cast<unsigned>(std::bitset<8>(v).count()); }
}  // namespace

Pic8259::Pic8259(const sc_core::sc_module_name& nm) : Pic8259Face(nm) {
  // A0=1 writes: the initialization sequence takes them while it expects an
  // ICW, OCW1 otherwise.
  ICW2.selected = [this] { return step_ == InitStep::expect_icw2; };
  ICW3.selected = [this] { return step_ == InitStep::expect_icw3; };
  ICW4.selected = [this] { return step_ == InitStep::expect_icw4; };
  // A0=0 reads: the poll word once after a poll command, else IRR or ISR.
  POLL.selected = [this] { return poll_; };
  IRR.selected = [this] { return !poll_ && !read_isr_; };
  ISR.selected = [this] { return !poll_ && read_isr_; };

  ICW1.on_write = [this](uint64_t v) { write_command(v); };
  ICW2.on_write = [this](uint64_t v) { write_icw2(v); };
  ICW3.on_write = [this](uint64_t v) { write_icw3(v); };
  ICW4.on_write = [this](uint64_t v) { write_icw4(v); };
  IMR.on_write = [this](uint64_t v) { write_imr(v); };
  POLL.on_read = [this] { return read_poll(); };
  // The poll command takes "the next RD pulse", whatever A0 is.
  IMR.on_read = [this] { return poll_ ? read_poll() : IMR.get(); };
  IRR.on_read = [this] { return read_irr(); };
  ISR.on_read = [this] { return read_isr(); };

  reset_state();
}

void Pic8259::reset_state() {
  // Power-up: not initialized until an ICW1 sequence. The pins (lines_) and
  // the cascade wiring stay as they are.
  step_ = InitStep::uninitialized;
  lowest_ = 7;
  special_mask_ = read_isr_ = poll_ = rotate_aeoi_ = false;
  armed_ = 0;
  elcr_ = 0;
  changed();
}

bool Pic8259::is_master() const {
  const uint8_t icw4 = static_cast<uint8_t>(ICW4.get());
  return (icw4 & ICW4_BUF) ? (icw4 & ICW4_MS) != 0 : !wired_as_slave();
}

// ---- writes -------------------------------------------------------------------

void Pic8259::write_command(uint64_t v) {
  const uint8_t b = static_cast<uint8_t>(v);
  if (b & ICW1_INIT) {
    write_icw1(b);
    return;
  }
  const char* what = (b & OCW3_SELECT) ? "OCW3" : "OCW2";
  if (step_ == InitStep::uninitialized) {
    warn_before_icw1(what, b);
    return;
  }
  if (step_ != InitStep::ready) {
    // The sequence expects A0=1 writes; the command decoder still acts on it.
    const char* expecting = step_ == InitStep::expect_icw2 ? "ICW2" : step_ == InitStep::expect_icw3 ? "ICW3" : "ICW4";
    warn_command_during_init(what, b, expecting);
  }
  if (b & OCW3_SELECT) {
    OCW3.set(b);
    write_ocw3(b);
  } else {
    OCW2.set(b);
    write_ocw2(b);
  }
}

void Pic8259::write_icw1(uint8_t v) {
  // Datasheet, "Initialization command words": the edge sense circuit is
  // reset (a line must go low and high again), IMR is cleared, IR7 gets the
  // lowest priority, the slave address is set to 7, special mask mode is
  // cleared and status read is set to IRR; without IC4 every ICW4 function
  // is zero. The datasheet does not say what happens to ISR; like QEMU and
  // Bochs the model clears it, so a re-initialized chip starts clean.
  ICW1.set(v);
  step_ = InitStep::expect_icw2;
  armed_ = 0;
  IMR.set(0);
  ISR.set(0);
  lowest_ = 7;
  ICW3.set(0x07);
  special_mask_ = read_isr_ = poll_ = rotate_aeoi_ = false;
  if (!(v & ICW1_IC4)) ICW4.set(0);
  changed();
}

void Pic8259::write_icw2(uint64_t v) {
  ICW2.set(v);
  if (!(ICW1.get() & ICW1_SNGL)) step_ = InitStep::expect_icw3;
  else if (ICW1.get() & ICW1_IC4) step_ = InitStep::expect_icw4;
  else finish_init();
}

void Pic8259::write_icw3(uint64_t v) {
  ICW3.set(v);
  if (ICW1.get() & ICW1_IC4) step_ = InitStep::expect_icw4;
  else finish_init();
}

void Pic8259::write_icw4(uint64_t v) {
  ICW4.set(v);
  finish_init();
}

void Pic8259::finish_init() {
  step_ = InitStep::ready;
  check_icw4(ICW4.get());
  changed();
}

void Pic8259::write_imr(uint64_t v) {
  if (step_ == InitStep::uninitialized) {
    warn_before_icw1("OCW1 (IMR)", v);
    return;
  }
  sample_lines();
  IMR.set(v);
  changed();
}

void Pic8259::write_ocw2(uint8_t v) {
  const unsigned level = v & OCW2_LEVEL;
  const uint8_t in_service = static_cast<uint8_t>(ISR.get());
  // A non-specific EOI clears the highest-priority ISR bit; in special mask
  // mode ISR bits masked by IMR are left alone (datasheet note).
  const uint8_t eoi_candidates = special_mask_ ? static_cast<uint8_t>(in_service & ~IMR.get()) : in_service;
  switch (v >> 5) {  // R, SL, EOI
    case 0b001: end_of_interrupt(highest(eoi_candidates), false, "non-specific EOI", v); break;
    case 0b011: end_of_interrupt(static_cast<int>(level), false, "specific EOI", v); break;
    case 0b101: end_of_interrupt(highest(eoi_candidates), true, "rotate on non-specific EOI", v); break;
    case 0b111: end_of_interrupt(static_cast<int>(level), true, "rotate on specific EOI", v); break;
    case 0b100: rotate_aeoi_ = true; break;   // rotate in automatic EOI mode (set)
    case 0b000: rotate_aeoi_ = false; break;  // rotate in automatic EOI mode (clear)
    case 0b110: lowest_ = level; break;       // set priority: IR level becomes the lowest
    case 0b010: break;                        // no operation
  }
  changed();
}

void Pic8259::end_of_interrupt(int level, bool rotate, const char* what, uint8_t value) {
  if (level < 0 || !(ISR.get() & bit(static_cast<unsigned>(level)))) {
    eoi_without_isr(value, what, level, static_cast<uint8_t>(ISR.get()));
  } else {
    ISR.set(ISR.get() & ~bit(static_cast<unsigned>(level)));
    if (on_eoi) on_eoi(static_cast<unsigned>(level), access_time());
  }
  // Rotation makes the level just serviced the lowest priority (a specific
  // rotate names it even when it was not in service).
  if (rotate && level >= 0) lowest_ = static_cast<unsigned>(level);
}

void Pic8259::write_ocw3(uint8_t v) {
  if (v & OCW3_ESMM) special_mask_ = (v & OCW3_SMM) != 0;
  if (v & OCW3_RR) read_isr_ = (v & OCW3_RIS) != 0;
  if (v & OCW3_P) poll_ = true;
  changed();
}

// ---- reads --------------------------------------------------------------------

uint64_t Pic8259::read_irr() {
  sample_lines();
  return irr();
}

uint64_t Pic8259::read_isr() { return ISR.get(); }

uint64_t Pic8259::read_poll() {
  // The poll command makes this read an interrupt acknowledge without INTA
  // pulses: the ISR bit is set, no vector, and (no second INTA) no AEOI.
  poll_ = false;
  sample_lines();
  const int level = step_ == InitStep::ready ? resolve() : -1;
  uint8_t word = 0;
  if (level >= 0) {
    acknowledge_level(static_cast<unsigned>(level));
    word = static_cast<uint8_t>(POLL_I | level);
  }
  POLL.set(word);
  changed();
  return word;
}

// ---- the INTA cycle -------------------------------------------------------------

int Pic8259::acknowledge() {
  sample_lines();
  phantom_ = false;
  if (step_ != InitStep::ready) {
    warn_inta_uninitialized();
    return -1;
  }
  const int resolved = resolve();
  if (resolved < 0) {
    // The request went away before INTA: the chip answers with IR7's vector
    // and sets no ISR bit.
    spurious_.add();
    changed();
    return vector_base() | 7;
  }
  const unsigned level = static_cast<unsigned>(resolved);
  acknowledge_level(level);
  int vector = vector_base() | static_cast<int>(level);
  if (cascade_line(level)) {
    // Second INTA: the master puts the level on CAS0-2 and the slave with that
    // ID drives the vector.
    if (Pic8259Face* slave = this->slave(level)) {
      vector = slave->cascade_acknowledge(level);
      // A slave that still requests keeps its INT high, which an edge-sensed
      // master input would never see again: count it as a fresh request.
      if (slave->int_level()) armed_ |= bit(level);
    } else {
      warn_no_slave(level, static_cast<uint8_t>(ICW3.get()));
      vector = 0xFF;
    }
  }
  // Automatic EOI at the end of the second INTA pulse.
  if (ICW4.get() & ICW4_AEOI) {
    ISR.set(ISR.get() & ~bit(level));
    if (rotate_aeoi_) lowest_ = level;
  }
  changed();
  return vector;
}

int Pic8259::cascade_acknowledge(unsigned cascade_address) {
  if (step_ == InitStep::ready && (ICW3.get() & 7) != cascade_address) {
    warn_cas_mismatch(cascade_address, static_cast<uint8_t>(ICW3.get()));
    return 0xFF;
  }
  return acknowledge();
}

void Pic8259::acknowledge_level(unsigned level) {
  ISR.set(ISR.get() | bit(level));
  armed_ &= static_cast<uint8_t>(~bit(level));  // IRR bit reset (edge mode)
  interrupts_.add();
  acks_[level]->add();
}

// ---- priority resolution ----------------------------------------------------------

uint8_t Pic8259::irr() const {
  const uint8_t level = level_mask();
  return static_cast<uint8_t>((armed_ & ~level) | (lines_ & level));
}

int Pic8259::highest(uint8_t mask) const {
  for (unsigned i = 0; i < 8; ++i) {
    const unsigned level = (lowest_ + 1 + i) & 7;
    if (mask & bit(level)) return static_cast<int>(level);
  }
  return -1;
}

int Pic8259::resolve() const {
  const uint8_t requests = static_cast<uint8_t>(irr() & ~IMR.get());
  if (!requests) return -1;
  const uint8_t in_service = static_cast<uint8_t>(ISR.get());
  // Special mask mode: every unmasked level not in service may interrupt,
  // lower as well as higher.
  if (special_mask_) return highest(static_cast<uint8_t>(requests & ~in_service));
  // Fully nested mode: only a level of higher priority than the highest one
  // in service. Special fully nested mode (master): the same level passes
  // when it is a slave's (a higher-priority request on that slave).
  const int top = highest(requests);
  const int current = highest(in_service);
  if (current < 0 || priority(static_cast<unsigned>(top)) < priority(static_cast<unsigned>(current))) return top;
  if (top == current && (ICW4.get() & ICW4_SFNM) && cascade_line(static_cast<unsigned>(top))) return top;
  return -1;
}

bool Pic8259::cascade_line(unsigned level) const {
  return is_master() && !(ICW1.get() & ICW1_SNGL) && (ICW3.get() & bit(level));
}

uint8_t Pic8259::vector_base() const { return static_cast<uint8_t>(ICW2.get() & 0xF8); }

bool Pic8259::int_level() {
  sample_lines();
  return step_ == InitStep::ready && (phantom_ || resolve() >= 0);
}

void Pic8259::phantom_request() {
  phantom_ = true;
  changed();
}

void Pic8259::set_elcr(uint8_t level_lines) {
  sample_lines();
  elcr_ = level_lines;
  changed();
}

// ---- pins ---------------------------------------------------------------------------

void Pic8259::sample_lines() {
  if (!elaborated()) return;  // ports are not bound yet
  uint8_t now = 0;
  for (unsigned l = 0; l < 8; ++l)
    if (ir[l].read()) now |= bit(l);
  const uint8_t rising = static_cast<uint8_t>(now & ~lines_);
  masked_while_pending_.add(popcount(static_cast<uint8_t>(rising & IMR.get())));
  // A rising edge arms the edge sense latch; a low line disarms it.
  armed_ = static_cast<uint8_t>((armed_ | rising) & now);
  lines_ = now;
}

}  // namespace minipc
