// The 8254's face: what the TLM model (Pit8254, models/pit/pit8254.h) and its
// RTL twin (Pit8254Rtl, rtl/pit8254/pit8254_rtl.h) both are to the platform,
// declared once. Ports, parameters, the register map (A1 A0 as in the
// datasheet), the stats and the clock arithmetic live here; how a count is
// kept (PitCounter's arithmetic, or Verilated flops) is each twin's.
//
// Both twins predict OUT changes instead of ticking: a twin records each OUT
// change with its time (record_out), and says where the next one may come
// (next_out_edge); the face's per-counter method wakes then, brings the twin
// to that time (bring_to) and drives the OUT port. The input clock's edge k
// is at k / input_hz from time 0 in both twins, so they agree to the edge.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <limits>
#include <string>
#include <utility>

#include "core/irq.h"
#include "core/peripheral.h"
#include "core/stats.h"

namespace minipc {

class Pit8254Face : public Peripheral {
 public:
  SC_HAS_PROCESS(Pit8254Face);

  static constexpr unsigned kCounters = 3;

  // GATE inputs. Bind them to the platform's signals; a GATE left unbound is
  // tied high (on a PC, GATE0 and GATE1 are tied high; GATE2 comes from port
  // 0x61 bit 0, see SystemControlPortB).
  IrqIn gate0{"gate0"};
  IrqIn gate1{"gate1"};
  IrqIn gate2{"gate2"};
  // OUT outputs. PC: OUT0 -> IRQ 0, OUT1 -> DRAM refresh (not wired here),
  // OUT2 -> speaker and port 0x61 bit 5.
  IrqOut out0{"out0"};
  IrqOut out1{"out1"};
  IrqOut out2{"out2"};

  Param<double> input_hz{this, "input_hz", 1193182.0, "CLK input of the three counters (Hz)"};

  // ---- registers, A1 A0 as in the datasheet --------------------------------
  Register COUNTER0{bank_, "COUNTER0", 0, 1, 0x00};
  Register COUNTER1{bank_, "COUNTER1", 1, 1, 0x00};
  Register COUNTER2{bank_, "COUNTER2", 2, 1, 0x00};
  // Reads of A1A0 = 11 are a no-operation on the 8254 (the bank warns, returns 0).
  Register CONTROL_WORD{bank_, "CONTROL_WORD", 3, 1, 0x00, Access::write_only};

  // Control word fields (SC1 SC0 RW1 RW0 M2 M1 M0 BCD) and read-back bits.
  enum : uint8_t {
    CW_BCD = 0x01, CW_MODE = 0x0E, CW_RW = 0x30, CW_SC = 0xC0,
    CW_SC_READ_BACK = 0xC0,
    RB_COUNTER0 = 0x02, RB_COUNTER1 = 0x04, RB_COUNTER2 = 0x08,
    RB_NOT_STATUS = 0x10, RB_NOT_COUNT = 0x20,
    STATUS_OUT = 0x80, STATUS_NULL_COUNT = 0x40,
  };

  // ---- clock arithmetic (also for benches and the platform) ---------------
  // The time of input clock edge k.
  sc_core::sc_time clock_edge_time(uint64_t k) const;
  // How many clock edges have happened at time t (edge k counts at its time).
  uint64_t clock_edges_at(const sc_core::sc_time& t) const;
  sc_core::sc_time input_period() const { return sc_core::sc_time(1.0 / input_hz.get(), sc_core::SC_SEC); }

  // The programmed mode of a counter (0-5), for probes and benches.
  virtual unsigned mode(unsigned counter) const = 0;

 protected:
  explicit Pit8254Face(const sc_core::sc_module_name& nm);

  static constexpr uint64_t kNever = std::numeric_limits<uint64_t>::max();

  // ---- the twin's behaviour --------------------------------------------------
  // Register callbacks (COUNTER0..2 read and write, CONTROL_WORD write).
  virtual uint64_t read_counter(unsigned i) = 0;
  virtual void write_counter(unsigned i, uint64_t v) = 0;
  virtual void write_control_word(uint64_t v) = 0;
  // A GATE input changed (a method sensitive to gate0..2).
  virtual void on_gate() = 0;
  // Brings counter i to time t, recording its OUT changes up to then.
  virtual void bring_to(unsigned i, const sc_core::sc_time& t) = 0;
  // The next clock edge at which counter i's OUT may change (exact or early), or kNever.
  virtual uint64_t next_out_edge(unsigned i) const = 0;

  // ---- for the twins -----------------------------------------------------------
  IrqIn& gate(unsigned i) { return *channels_[i].gate; }
  Register& counter_register(unsigned i) { return *channels_[i].reg; }
  Counter& reloads(unsigned i) { return *channels_[i].reloads; }
  // An OUT change of counter i at time t (ahead of SystemC time, or now).
  void record_out(unsigned i, const sc_core::sc_time& t, bool level);
  // Notifies counter i's wake-up for its next OUT change.
  void schedule(unsigned i);
  // Wakes counter i's method now if it has OUT changes to show.
  void wake_if_pending(unsigned i);
  // The datasheet's rules the twins warn about, in one wording.
  void warn_illegal_count(unsigned i, uint8_t byte, unsigned mode) const;
  void warn_read_back_reserved(uint64_t v) const;
  void warn_half_written(uint64_t v, unsigned i) const;

  void before_end_of_elaboration() override;

  bool started_ = false;  // start_of_simulation done: OUT changes may be scheduled

 private:
  struct Channel {
    // OUT changes made but not yet shown on the port (their time is ahead of
    // SystemC time): (time, level), in time order.
    std::deque<std::pair<sc_core::sc_time, bool>> pending_out;
    sc_core::sc_event wakeup;  // the next OUT change
    IrqIn* gate = nullptr;
    IrqOut* out = nullptr;
    Register* reg = nullptr;
    Counter* reloads = nullptr;
    Counter* out_edges = nullptr;
    Counter* wakeups = nullptr;
  };

  void drive_out(unsigned i);  // the per-counter method

  long double units_per_clock_ = 0;  // input clock period in time-resolution units
  std::array<Channel, kCounters> channels_;
  sc_core::sc_signal<bool> gate_tied_high_{"gate_tied_high", true};
};

}  // namespace minipc
