#include "pit/pit_counter.h"

namespace minipc {

namespace {
uint16_t to_bcd(uint32_t v) {
  return static_cast<uint16_t>((v % 10) | ((v / 10 % 10) << 4) | ((v / 100 % 10) << 8) | ((v / 1000 % 10) << 12));
}
}  // namespace

// ---- programming --------------------------------------------------------------

void PitCounter::write_control(uint8_t control_word) {
  rw_ = static_cast<uint8_t>((control_word >> 4) & 3);
  mode_bits_ = static_cast<uint8_t>((control_word >> 1) & 7);
  bcd_ = control_word & 1;
  // "When a control word is written to a counter, all control logic is
  // immediately reset and OUT goes to a known initial state": low in mode 0,
  // high in every other mode. The counter then waits for its count.
  write_msb_next_ = read_msb_next_ = false;
  count_latched_ = status_latched_ = false;
  cr_valid_ = false;
  null_count_ = true;
  load_pending_ = loaded_ = suspended_ = strobe_armed_ = trigger_ = false;
  half_remaining_ = 0;
  loaded_count_ = 0;
  illegal_count_ = bcd_digit_error_ = false;
  ce_ %= modulus();
  out_ = mode() != 0;
}

void PitCounter::write_count_byte(uint8_t byte) {
  switch (rw_) {
    case rw_lsb:
      cr_ = byte;
      count_written();
      break;
    case rw_msb:
      cr_ = static_cast<uint16_t>(byte << 8);
      count_written();
      break;
    default:  // LSB then MSB, the write flip-flop says which
      if (!write_msb_next_) {
        lsb_written_ = byte;
        write_msb_next_ = true;
        // Mode 0: "writing the first byte disables counting; OUT is set low
        // immediately (no clock pulse required)". Other modes: no effect.
        if (mode() == 0) {
          suspended_ = true;
          out_ = false;
        }
      } else {
        cr_ = static_cast<uint16_t>(lsb_written_ | (byte << 8));
        write_msb_next_ = false;
        count_written();
      }
      break;
  }
}

void PitCounter::count_written() {
  cr_valid_ = true;
  null_count_ = true;
  suspended_ = false;
  illegal_count_ = (mode() == 2 || mode() == 3) && initial_count() == 1;
  switch (mode()) {
    case 0:  // OUT low until the new count reaches 0; loaded at the next clock
      out_ = false;
      load_pending_ = true;
      break;
    case 4:  // the write is the software trigger; loaded at the next clock
      load_pending_ = true;
      break;
    case 2:
    case 3:
      // The first count after the control word is loaded at the next clock; a
      // later one waits for the end of the current period (or half period), or
      // for a GATE trigger.
      if (!loaded_ || stationary()) load_pending_ = true;
      break;
    default:  // modes 1 and 5: the count waits for a GATE trigger
      break;
  }
}

uint32_t PitCounter::initial_count() const {
  uint32_t v = cr_;
  if (bcd_) {
    uint32_t decimal = 0;
    for (int shift = 12; shift >= 0; shift -= 4) {
      const uint32_t digit = (cr_ >> shift) & 0xF;
      decimal = decimal * 10 + digit;  // a digit above 9 is out of spec; counted as its value
    }
    v = decimal % 10000;
  }
  return v == 0 ? modulus() : v;
}

uint16_t PitCounter::count_value() const {
  const uint32_t v = ce_ % modulus();
  return bcd_ ? to_bcd(v) : static_cast<uint16_t>(v);
}

uint8_t PitCounter::status() const {
  return static_cast<uint8_t>((out_ ? 0x80 : 0) | (null_count_ ? 0x40 : 0) | (rw_ << 4) | (mode_bits_ << 1) |
                              (bcd_ ? 1 : 0));
}

void PitCounter::latch_count() {
  if (count_latched_) return;  // "only the first one is effective"
  output_latch_ = count_value();
  count_latched_ = true;
}

void PitCounter::latch_status() {
  if (status_latched_) return;
  status_latch_ = status();
  status_latched_ = true;
}

uint8_t PitCounter::read_byte() {
  // With both latched, the status comes first, then the count.
  if (status_latched_) {
    status_latched_ = false;
    return status_latch_;
  }
  const uint16_t v = count_latched_ ? output_latch_ : count_value();
  uint8_t b = 0;
  switch (rw_) {
    case rw_lsb:
      b = static_cast<uint8_t>(v);
      count_latched_ = false;
      break;
    case rw_msb:
      b = static_cast<uint8_t>(v >> 8);
      count_latched_ = false;
      break;
    default:
      if (!read_msb_next_) {
        b = static_cast<uint8_t>(v);
        read_msb_next_ = true;
      } else {
        b = static_cast<uint8_t>(v >> 8);
        read_msb_next_ = false;
        count_latched_ = false;  // the latch follows the CE again once fully read
      }
      break;
  }
  return b;
}

void PitCounter::set_gate(bool level) {
  if (level == gate_) return;
  const unsigned m = mode();
  // The rising edge sets an edge-sensitive flip-flop sampled at the next CLK.
  if (level && (m == 1 || m == 2 || m == 3 || m == 5)) trigger_ = true;
  gate_ = level;
  // Modes 2 and 3: GATE low "sets OUT high immediately".
  if (!level && (m == 2 || m == 3)) out_ = true;
}

void PitCounter::power_on_reset() {
  const uint64_t clock = clock_;
  const bool gate = gate_;
  *this = PitCounter();
  clock_ = clock;
  gate_ = gate;
}

// ---- counting -------------------------------------------------------------------

void PitCounter::decrement(uint64_t n, unsigned step) {
  const uint64_t m = modulus();
  ce_ = static_cast<uint32_t>((ce_ + m - (n % m) * step % m) % m);
}

void PitCounter::load() {
  loaded_count_ = initial_count();
  ce_ = loaded_count_ % modulus();
  loaded_ = true;
  load_pending_ = false;
  null_count_ = false;
  ++reloads_;
}

void PitCounter::load_square_wave_phase() {
  // Even N: N, decremented by 2, OUT toggles when it expires. Odd N: N-1 is
  // loaded; the high half lasts one clock longer ((N+1)/2), the low half is
  // (N-1)/2. Either way the period is N clocks.
  const uint32_t n = initial_count();
  load();
  if (n == 1) {  // illegal in mode 3: the model holds OUT high
    out_ = true;
    half_remaining_ = 0;
    return;
  }
  if (n & 1) ce_ = (n - 1) % modulus();
  half_remaining_ = out_ ? (n + 1) / 2 : n / 2;
}

bool PitCounter::stationary() const {
  // Count 1 is illegal in modes 2 and 3; the model keeps OUT high and the
  // counting element at 1 rather than pulsing every clock.
  return loaded_ && loaded_count_ == 1 && (mode() == 2 || mode() == 3);
}

uint64_t PitCounter::next_special() const {
  const unsigned m = mode();
  if (load_pending_ || trigger_) return clock_ + 1;
  if ((m == 4 || m == 5) && !out_) return clock_ + 1;  // end of the one-clock strobe
  if (!loaded_) return kNever;
  switch (m) {
    case 0:
      return (suspended_ || !gate_ || out_) ? kNever : clock_ + distance_to_zero();
    case 4:
      return (!gate_ || !strobe_armed_) ? kNever : clock_ + distance_to_zero();
    case 1:
      return out_ ? kNever : clock_ + distance_to_zero();
    case 5:
      return strobe_armed_ ? clock_ + distance_to_zero() : kNever;
    case 2: {
      if (!gate_ || stationary()) return kNever;
      if (!out_) return clock_ + 1;  // the reload edge ends the low pulse
      const uint32_t to_one = distance_to_zero() - 1;
      return clock_ + (to_one == 0 ? 1 : to_one);
    }
    default:  // 3
      if (!gate_ || stationary() || half_remaining_ == 0) return kNever;
      return clock_ + half_remaining_;
  }
}

void PitCounter::skip(uint64_t n) {
  if (n == 0) return;
  clock_ += n;
  if (!loaded_) return;
  switch (mode()) {
    case 0:
      if (!suspended_ && gate_) decrement(n);
      break;
    case 4:
      if (gate_) decrement(n);
      break;
    case 1:
    case 5:  // GATE level does not stop counting in modes 1 and 5
      decrement(n);
      break;
    case 2:
      if (gate_ && !stationary()) decrement(n);
      break;
    default:  // 3
      if (gate_ && !stationary()) {
        decrement(n, 2);
        half_remaining_ -= static_cast<uint32_t>(n);
      }
      break;
  }
}

void PitCounter::step() {
  ++clock_;
  const bool trigger = trigger_;
  trigger_ = false;
  switch (mode()) {
    case 0:
      if (load_pending_) {
        load();  // this pulse loads, it does not decrement: OUT high after N+1
        return;
      }
      if (!loaded_ || suspended_ || !gate_) return;
      decrement(1);
      if (ce_ == 0) out_ = true;  // terminal count: high until rewritten
      return;

    case 4:
      out_ = true;  // a strobe lasts one clock
      if (load_pending_) {
        load();
        strobe_armed_ = true;
        return;
      }
      if (!loaded_ || !gate_) return;
      decrement(1);
      if (ce_ == 0 && strobe_armed_) {
        out_ = false;
        strobe_armed_ = false;
      }
      return;

    case 1:
      if (trigger && cr_valid_) {
        load();  // retriggerable: a trigger reloads, OUT low from this pulse
        out_ = false;
        return;
      }
      if (!loaded_) return;
      decrement(1);
      if (ce_ == 0) out_ = true;
      return;

    case 5:
      out_ = true;
      if (trigger && cr_valid_) {
        load();
        strobe_armed_ = true;
        return;
      }
      if (!loaded_) return;
      decrement(1);
      if (ce_ == 0 && strobe_armed_) {
        out_ = false;
        strobe_armed_ = false;
      }
      return;

    case 2:
      if ((load_pending_ || trigger) && cr_valid_) {
        load();
        out_ = true;
        return;
      }
      load_pending_ = false;
      if (!loaded_ || !gate_ || stationary()) return;
      if (!out_) {  // the count reaches 0: reload (new CR takes effect here), OUT high
        load();
        out_ = true;
        return;
      }
      decrement(1);
      if (ce_ == 1) out_ = false;  // low for the one clock when the count is 1
      return;

    default:  // 3
      if ((load_pending_ || trigger) && cr_valid_) {
        out_ = true;  // a (re)load starts the high half
        load_square_wave_phase();
        return;
      }
      load_pending_ = false;
      if (!loaded_ || !gate_ || stationary()) return;
      decrement(1, 2);
      if (--half_remaining_ == 0) {
        out_ = !out_;
        load_square_wave_phase();
      }
      return;
  }
}

uint64_t PitCounter::next_out_change() const {
  // Look ahead on a copy. A change comes within a few special edges (a load
  // at most precedes it); if not, the caller wakes up at the last one looked
  // at and asks again.
  PitCounter ahead = *this;
  for (int i = 0; i < 8; ++i) {
    const uint64_t special = ahead.next_special();
    if (special == kNever) return kNever;
    ahead.skip(special - 1 - ahead.clock_);
    const bool before = ahead.out_;
    ahead.step();
    if (ahead.out_ != before) return ahead.clock_;
  }
  return ahead.clock_;
}

}  // namespace minipc
