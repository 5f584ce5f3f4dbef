// One counter of the Intel 8254 as a state machine over input-clock edges,
// with no SystemC in it: the Pit8254 module maps times to clock-edge numbers
// and asks this class where the counter stands at a given edge.
//
// Nothing is ticked. The counter jumps from one "special" edge to the next
// (a count loaded, a terminal count, a reload, the end of a strobe); between
// them the counting element only decrements, which is arithmetic. So the cost
// of a simulated second is proportional to the OUT edges in it, not to the
// 1.19 million input clocks.
//
// Clock edges are numbered 1, 2, 3 ...; `clock()` is the last edge applied.
// A register write or GATE change made after edge K takes effect from edge
// K+1 on ("the new count is loaded on the next CLK pulse").
#pragma once

#include <cstdint>
#include <limits>

namespace minipc {

class PitCounter {
 public:
  static constexpr uint64_t kNever = std::numeric_limits<uint64_t>::max();

  // Read/write access selected by the control word's RW1 RW0 bits.
  enum Rw : uint8_t { rw_latch = 0, rw_lsb = 1, rw_msb = 2, rw_lsb_msb = 3 };

  // ---- bus side (the caller has advanced the counter to the access first) --
  // Control word with RW != 00 for this counter: mode, RW and BCD; resets the
  // control logic and sets OUT to the mode's initial level.
  void write_control(uint8_t control_word);
  // One byte written to the counter's port, following RW and the write
  // flip-flop. In mode 0 this sets OUT low at once (compare out() around it).
  void write_count_byte(uint8_t byte);
  // Counter latch command (or read-back with COUNT = 0). Ignored while a
  // latched count has not been read yet.
  void latch_count();
  // Read-back with STATUS = 0. Ignored while a latched status is unread.
  void latch_status();
  // One byte read from the counter's port: the latched status, else the
  // latched count, else the counting element at this moment.
  uint8_t read_byte();

  // ---- GATE input -----------------------------------------------------------
  // A change of the GATE level after the current edge. A rising edge sets the
  // edge-sensitive trigger sampled at the next clock (modes 1, 2, 3, 5);
  // GATE going low in modes 2 and 3 sets OUT high at once.
  void set_gate(bool level);
  // Initial level, without counting it as an edge.
  void init_gate(bool level) { gate_ = level; }

  // Back to the unprogrammed power-on state (OUT low, no count), keeping the
  // clock position and the GATE level.
  void power_on_reset();

  // ---- time -------------------------------------------------------------------
  // Applies edges clock()+1 .. edge. Each OUT change at an edge is reported
  // through on_out(edge_number, level) (may be null).
  template <typename OnOut>
  void advance_to(uint64_t edge, OnOut&& on_out);
  void advance_to(uint64_t edge) {
    advance_to(edge, [](uint64_t, bool) {});
  }
  // The next edge at which OUT changes, or kNever when it will not change
  // without a register write or a GATE change.
  uint64_t next_out_change() const;

  // ---- observation ------------------------------------------------------------
  bool out() const { return out_; }
  uint64_t clock() const { return clock_; }
  uint64_t reloads() const { return reloads_; }  // CR -> CE transfers so far
  unsigned mode() const { return mode_bits_ > 5 ? mode_bits_ & 3u : mode_bits_; }  // 6, 7 are 2, 3
  uint8_t status() const;
  // The counting element as the part would present it (BCD-encoded in BCD).
  uint16_t count_value() const;
  bool gate() const { return gate_; }
  bool null_count() const { return null_count_; }
  // Only the first byte of a two-byte (LSB then MSB) count has been written.
  bool count_half_written() const { return write_msb_next_; }
  // The last written count is illegal for the mode (1 in modes 2 and 3).
  bool illegal_count() const { return illegal_count_; }
  bool bcd_digit_error() const { return bcd_digit_error_; }

 private:
  uint32_t modulus() const { return bcd_ ? 10000u : 65536u; }
  // CR as a number of clocks: 1 .. modulus (0 means the modulus).
  uint32_t initial_count() const;
  // Clocks from counting element value to 0 (0 counts as the modulus).
  uint32_t distance_to_zero() const { return ce_ == 0 ? modulus() : ce_; }
  void decrement(uint64_t n, unsigned step = 1);
  void count_written();
  void load();                    // CE <- CR, clears NULL COUNT
  void load_square_wave_phase();  // mode 3: CE <- CR (or CR-1 if odd) for one half
  bool stationary() const;        // mode 2/3 with the illegal count 1: nothing happens
  // The next edge that is more than a plain decrement, or kNever.
  uint64_t next_special() const;
  // Applies edge clock_+1 (a special one).
  void step();
  // Applies n plain-decrement edges.
  void skip(uint64_t n);

  // Programming.
  uint8_t mode_bits_ = 0;  // M2 M1 M0 as written
  uint8_t rw_ = rw_lsb_msb;
  bool bcd_ = false;
  bool write_msb_next_ = false;  // write flip-flop
  bool read_msb_next_ = false;   // read flip-flop
  uint8_t lsb_written_ = 0;
  uint16_t cr_ = 0;              // count register as written (binary or BCD digits)
  bool cr_valid_ = false;        // a count has been written since the control word
  bool null_count_ = true;

  // Counting.
  bool load_pending_ = false;    // CR -> CE at the next edge
  bool loaded_ = false;          // CE holds a count and runs
  bool suspended_ = false;       // mode 0: first byte of a two-byte count written
  bool strobe_armed_ = false;    // modes 4 and 5: strobe at the next terminal count
  bool gate_ = true;
  bool trigger_ = false;         // GATE rising edge not yet sampled
  bool out_ = false;             // unprogrammed part: OUT low
  uint32_t ce_ = 0;              // counting element, as a number 0 .. modulus-1
  uint32_t half_remaining_ = 0;  // mode 3: edges left in this half of the square wave
  uint32_t loaded_count_ = 0;    // the count last loaded into CE (1 .. modulus)
  uint64_t clock_ = 0;
  uint64_t reloads_ = 0;
  bool illegal_count_ = false;
  bool bcd_digit_error_ = false;

  // Latches.
  bool count_latched_ = false;
  uint16_t output_latch_ = 0;
  bool status_latched_ = false;
  uint8_t status_latch_ = 0;
};

template <typename OnOut>
void PitCounter::advance_to(uint64_t edge, OnOut&& on_out) {
  while (clock_ < edge) {
    const uint64_t special = next_special();
    if (special > edge) {
      skip(edge - clock_);
      return;
    }
    skip(special - 1 - clock_);
    const bool before = out_;
    step();
    if (out_ != before) on_out(clock_, out_);
  }
}

}  // namespace minipc
