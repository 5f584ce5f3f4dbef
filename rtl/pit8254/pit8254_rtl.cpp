// The Verilated headers come first: included after SystemC's, they would
// expect a global sc_time_stamp() (their SystemC flavour).
#include <verilated.h>
#include <verilated_vcd_c.h>

// Verilated with -DMINIPC_SIM_FAST_FORWARD (rtl/CMakeLists.txt, SIM_DEFINES):
// the model has the simulation-only ff_i/ff_n_i inputs this wrapper drives.
#include "Vpit8254.h"
#include "Vpit8254___024root.h"

#include "pit8254/pit8254_rtl.h"
#include "pit8254/pit8254_state.h"

#include <algorithm>
#include <cmath>
#include <type_traits>

namespace minipc {

namespace {
uint32_t from_bcd(uint32_t v) {
  return (v >> 12 & 0xF) * 1000 + (v >> 8 & 0xF) * 100 + (v >> 4 & 0xF) * 10 + (v & 0xF);
}

// A counter's state as one observation word (obs()): the RTL's ce_q at bits
// 15..0, cnt_q[9:0] at 25..16, ctl_q[22:0] at 48..26 (pit8254_counter.sv,
// cnt_state_t and ctl_state_t: OUT, GATE, loaded, load pending, trigger,
// armed, one, odd, null count, reload; suspended, write FF, CR valid, BCD,
// mode as written, CR). Obs decodes it: ce is the counting element as a
// number (converted from BCD in BCD mode), cr the count register as written,
// mode the effective mode (6, 7 read as 2, 3).
constexpr uint64_t kObsReload = uint64_t{1} << 25;
constexpr uint32_t kCntReload = uint32_t{1} << 9;  // the reload flag in cnt_q

struct Obs {
  explicit Obs(uint64_t w)
      : bcd(w >> 29 & 1),
        ce(bcd ? from_bcd(static_cast<uint32_t>(w & 0xFFFF)) : static_cast<uint32_t>(w & 0xFFFF)),
        mode(effective_mode(static_cast<unsigned>((w >> 30) & 7))),
        out(w >> 16 & 1), gate(w >> 17 & 1), loaded(w >> 18 & 1), load_pending(w >> 19 & 1),
        trigger(w >> 20 & 1), suspended(w >> 26 & 1), armed(w >> 21 & 1), odd(w >> 23 & 1),
        one(w >> 22 & 1), cr_valid(w >> 28 & 1), wr_msb(w >> 27 & 1), reload(w & kObsReload),
        cr(static_cast<uint32_t>((w >> 33) & 0xFFFF)) {}
  static unsigned effective_mode(unsigned m) { return (m & 6) == 6 ? (m & 3) : m; }
  bool bcd;
  uint32_t ce;
  unsigned mode;
  bool out, gate, loaded, load_pending, trigger, suspended, armed, odd, one, cr_valid, wr_msb, reload;
  uint32_t cr;
  uint32_t modulus() const { return bcd ? 10000u : 65536u; }
  uint32_t dist() const { return ce == 0 ? modulus() : ce; }
  bool stationary() const { return loaded && one && (mode == 2 || mode == 3); }
};

// The falling clk_i edge without an eval(). Verilator 5 finds a posedge by
// comparing clk_i with the value the previous eval() saw
// (__Vtrigrprev__TOP__clk_i); nothing in the 8254 acts on the falling edge
// and no input changes with it, so an eval() there computes nothing but that
// remembered value. Setting it with clk_i makes one eval() per clk_i cycle
// (the rising edge) do the whole cycle. If a Verilator version names it
// otherwise, the falling edge is an eval() again (same behaviour, slower).
template <typename Root, typename = void>
struct HasClkTrigPrev : std::false_type {};
template <typename Root>
struct HasClkTrigPrev<Root, std::void_t<decltype(Root::__Vtrigrprev__TOP__clk_i)>> : std::true_type {};

void clock_low(Vpit8254& m) {
  m.clk_i = 0;
  if constexpr (HasClkTrigPrev<Vpit8254___024root>::value) {
    m.rootp->__Vtrigrprev__TOP__clk_i = 0;
  } else {
    m.eval();
  }
}
}  // namespace

struct Pit8254Rtl::Rtl {
  VerilatedContext ctx;
  std::unique_ptr<Vpit8254> top;
  std::unique_ptr<VerilatedVcdC> vcd;
  uint64_t last_dump = 0;
  bool dumped = false;

  explicit Rtl(const std::string& name) {
    ctx.traceEverOn(true);  // allows open_trace() later
    top = std::make_unique<Vpit8254>(&ctx, name.c_str());
  }
  // Verilator 5.006 erases a model's scopes through the thread's current
  // context, which is whichever model ran last (maybe one already
  // destroyed): make it this model's own before the model goes. Then no
  // context of a destroyed model is left current.
  ~Rtl() {
    Verilated::threadContextp(&ctx);
    vcd.reset();
    top.reset();
    Verilated::threadContextp(nullptr);
  }
  void dump(const sc_core::sc_time& t) {
    if (!vcd) return;
    uint64_t v = t.value();
    if (dumped && v <= last_dump) v = last_dump + 1;  // several clk_i cycles at one instant
    vcd->dump(v);
    last_dump = v;
    dumped = true;
  }
};

Pit8254Rtl::Pit8254Rtl(const sc_core::sc_module_name& nm)
    : Pit8254Face(nm), rtl_(std::make_unique<Rtl>(std::string(name()) + ".rtl")) {
  auto& stats = StatsRegistry::instance();
  // clk_i cycles ticked so far (bench/rtl_cost); RTL-only, not in Pit8254's stats.
  stats.probe(std::string(name()) + ".rtl_cycles", [this] { return static_cast<double>(cycles_); }, "cycles");
  stats.probe(std::string(name()) + ".rtl_skipped_pulses", [this] { return static_cast<double>(skipped_); }, "pulses");

  SC_METHOD(pin_clock);
  sensitive << pin_event_;
  dont_initialize();

  // Power-on reset of the RTL, bus idle, GATEs high until the pins are known.
  Vpit8254& m = *rtl_->top;
  m.clk_i = 0;
  m.cs_ni = m.rd_ni = m.wr_ni = 1;
  m.a_i = 0;
  m.d_i = 0;
  m.cnt_clk_i = 0;
  m.gate_i = gate_pins_;
  m.ff_i = 0;
  m.ff_n_i = 0;
  m.rst_ni = 1;
  m.eval();
  m.rst_ni = 0;
  m.eval();
  m.rst_ni = 1;
  m.eval();
  out_pins_ = m.out_o;
}

Pit8254Rtl::~Pit8254Rtl() {
  if (rtl_ && rtl_->vcd) rtl_->vcd->close();
}

void Pit8254Rtl::start_of_simulation() {
  // The GATE levels at start: the RTL sees them in one idle cycle (its
  // counters are unprogrammed, so a level is not an edge that matters).
  uint8_t g = 0;
  for (unsigned i = 0; i < kCounters; ++i)
    if (gate(i).read()) g |= static_cast<uint8_t>(1u << i);
  gate_pins_ = g;
  tick(false, sc_core::SC_ZERO_TIME);
  tick(false, sc_core::SC_ZERO_TIME);
  ff_ = fast_forward.get() && !pin_accurate.get() && !rtl_->vcd;
  started_ = true;
  if (pin_accurate.get()) pin_event_.notify(clock_edge_time(1));
}

void Pit8254Rtl::end_of_simulation() {
  if (rtl_->vcd) rtl_->vcd->flush();
}

void Pit8254Rtl::open_trace(const std::string& path) {
  if (rtl_->vcd) rtl_->vcd->close();
  rtl_->vcd = std::make_unique<VerilatedVcdC>();
  rtl_->top->trace(rtl_->vcd.get(), 99);
  // One VCD time unit = the SystemC time resolution, so times match the platform VCD.
  const double res = sc_core::sc_get_time_resolution().to_seconds();
  const char* unit = res <= 1e-15 ? "1fs" : res <= 1e-12 ? "1ps" : res <= 1e-9 ? "1ns" : "1us";
  rtl_->vcd->set_time_unit(unit);
  rtl_->vcd->set_time_resolution(unit);
  rtl_->vcd->open(path.c_str());
  rtl_->dump(sc_core::sc_time_stamp());
  ff_ = false;  // the waveform shows every CLK pulse
}

void Pit8254Rtl::reset_state() {
  const sc_core::sc_time t = sync(sc_core::sc_time_stamp());
  Vpit8254& m = *rtl_->top;
  m.rst_ni = 0;
  m.eval();
  m.rst_ni = 1;
  m.eval();
  tick(false, t);  // the RTL learns the GATE levels again
  tick(false, t);
  collect_out(t);
  for (unsigned i = 0; i < kCounters; ++i) {
    illegal_[i] = false;
    schedule(i);
  }
}

unsigned Pit8254Rtl::mode(unsigned counter) const { return Obs(obs(counter)).mode; }

// ---- the pins -------------------------------------------------------------------------

uint64_t Pit8254Rtl::obs(unsigned i) const {
  const rtl::Pit8254StateWords w = rtl::pit8254_state_words(*rtl_->top->rootp, i);
  return (w.ctl & 0x7FFFFF) << 26 | (w.cnt & 0x3FF) << 16 | (w.ce & 0xFFFF);
}

void Pit8254Rtl::tick(bool clk_pulse, const sc_core::sc_time& t) {
  Vpit8254& m = *rtl_->top;
  m.cnt_clk_i = clk_pulse ? 7 : 0;
  m.gate_i = gate_pins_;
  m.clk_i = 1;
  m.eval();
  if (rtl_->vcd) {
    rtl_->dump(t);
    m.clk_i = 0;
    m.eval();
    rtl_->dump(t);
  } else {
    clock_low(m);
  }
  ++cycles_;
}

uint8_t Pit8254Rtl::bus(unsigned a, bool write, uint8_t d, const sc_core::sc_time& t) {
  // The access cycle (d_o is valid during it), then the idle cycle in which
  // the part acts on its registered inputs.
  Vpit8254& m = *rtl_->top;
  m.cs_ni = 0;
  m.a_i = a & 3;
  m.d_i = d;
  m.wr_ni = write ? 0 : 1;
  m.rd_ni = write ? 1 : 0;
  m.cnt_clk_i = 0;
  m.eval();
  const uint8_t v = m.d_o;
  tick(false, t);
  m.cs_ni = m.rd_ni = m.wr_ni = 1;
  tick(false, t);
  return v;
}

void Pit8254Rtl::collect_out(const sc_core::sc_time& t) {
  const uint8_t now = rtl_->top->out_o;
  const uint8_t changed = now ^ out_pins_;
  if (!changed) return;
  for (unsigned i = 0; i < kCounters; ++i) {
    if (!(changed & (1u << i))) continue;
    record_out(i, t, (now >> i) & 1);
  }
  out_pins_ = now;
}

sc_core::sc_time Pit8254Rtl::sync(const sc_core::sc_time& t) {
  if (t > synced_) synced_ = t;
  const uint64_t target = clock_edges_at(synced_);
  if (edge_ >= target) return synced_;
  if (ff_) {
    skip_plain_pulses(target);
    if (edge_ >= target) return synced_;
  }
  // The tight loop: one clk_i cycle per CLK pulse, nothing else. The RTL
  // acts on a pulse in the cycle after it (input stage), so the effects of
  // pulse k are seen after cycle k+1; one idle cycle ends the run.
  Vpit8254& m = *rtl_->top;
  const auto& r = *m.rootp;
  m.gate_i = gate_pins_;
  const bool tracing = rtl_->vcd != nullptr;
  const uint64_t first = edge_;
  const uint64_t cycles = target - first + 1;
  cycles_ += cycles;
  for (uint64_t j = 1; j <= cycles; ++j) {
    m.cnt_clk_i = j < cycles ? 7 : 0;
    m.clk_i = 1;
    m.eval();
    if (tracing) {
      rtl_->dump(clock_edge_time(std::min(first + j, target)));
      m.clk_i = 0;
      m.eval();
      rtl_->dump(clock_edge_time(std::min(first + j, target)));
    } else {
      clock_low(m);
    }
    if (j == 1) continue;
    // the reload flag of each counter (cnt_q), OUT
    const uint32_t reload = (r.pit8254__DOT__u_counter0__DOT__cnt_q | r.pit8254__DOT__u_counter1__DOT__cnt_q |
                             r.pit8254__DOT__u_counter2__DOT__cnt_q) & kCntReload;
    if (reload == 0 && m.out_o == out_pins_) continue;
    edge_ = first + j - 1;  // the pulse whose effects are now visible
    if (reload) {
      for (unsigned i = 0; i < kCounters; ++i)
        if (obs(i) & kObsReload) reloads(i).add();
    }
    if (m.out_o != out_pins_) collect_out(clock_edge_time(edge_));
  }
  edge_ = target;
  return synced_;
}

uint64_t Pit8254Rtl::plain_pulses(unsigned i) const {
  // The pulses before the next one at which OUT may move only decrement CE
  // (or do nothing): predict_next_out() is exact or early, and every load,
  // reload and trigger falls on a predicted edge or is pending (now + 1).
  const Obs o(obs(i));
  if (o.bcd || o.load_pending || o.trigger) return 0;
  if ((o.mode == 4 || o.mode == 5) && !o.out) return 0;
  const uint64_t next = predict_next_out(i);
  return next == kNever ? kNever : next - edge_ - 1;
}

void Pit8254Rtl::skip_plain_pulses(uint64_t target) {
  // One fast-forward cycle (ff_i, ff_n_i = n) and one idle cycle in which the
  // RTL applies it, instead of n pulse cycles. Short runs are ticked.
  constexpr uint64_t kMinRun = 8, kMaxRun = 0x7FFF;  // mode 3 moves CE by 2 n: n < 2^15
  Vpit8254& m = *rtl_->top;
  for (;;) {
    uint64_t n = std::min<uint64_t>(target - edge_, kMaxRun);
    for (unsigned i = 0; i < kCounters && n >= kMinRun; ++i) n = std::min(n, plain_pulses(i));
    if (n < kMinRun) return;
    m.gate_i = gate_pins_;
    m.cnt_clk_i = 0;
    m.ff_n_i = static_cast<uint16_t>(n);
    m.ff_i = 1;
    m.clk_i = 1;
    m.eval();
    clock_low(m);  // never with a VCD open (ff_ is off then)
    m.ff_i = 0;
    m.clk_i = 1;
    m.eval();
    clock_low(m);
    cycles_ += 2;
    skipped_ += n;
    edge_ += n;
    if (m.out_o != out_pins_) collect_out(clock_edge_time(edge_));  // never, by construction
  }
}

// ---- register callbacks ----------------------------------------------------------------

uint64_t Pit8254Rtl::read_counter(unsigned i) {
  const sc_core::sc_time t = sync(access_time());
  const uint8_t v = bus(i, false, 0, t);
  counter_register(i).set(v);
  return v;
}

void Pit8254Rtl::write_counter(unsigned i, uint64_t v) {
  const sc_core::sc_time t = sync(access_time());
  bus(i, true, static_cast<uint8_t>(v), t);
  counter_register(i).set(v);
  collect_out(t);
  const Obs o(obs(i));
  if (!o.wr_msb) illegal_[i] = (o.mode == 2 || o.mode == 3) && o.cr == 1;  // a count is complete
  if (illegal_[i]) warn_illegal_count(i, static_cast<uint8_t>(v), o.mode);
  schedule(i);
}

void Pit8254Rtl::write_control_word(uint64_t v) {
  CONTROL_WORD.set(v);
  const sc_core::sc_time t = sync(access_time());
  const unsigned sc = (v & CW_SC) >> 6;
  if ((v & CW_SC) == CW_SC_READ_BACK) {
    if (v & 0x01) warn_read_back_reserved(v);
  } else if ((v & CW_RW) != 0) {
    if (Obs(obs(sc)).wr_msb) warn_half_written(v, sc);
    illegal_[sc] = false;
  }
  bus(3, true, static_cast<uint8_t>(v), t);
  collect_out(t);
  for (unsigned i = 0; i < kCounters; ++i) schedule(i);
}

// ---- time ------------------------------------------------------------------------------

uint64_t Pit8254Rtl::predict_next_out(unsigned i) const {
  // The next CLK edge at which OUT can change, from the counter's state; an
  // edge that turns out not to change OUT (a load) costs one extra wake-up,
  // never a late edge. Mirrors the datasheet's timing per mode.
  const Obs o(obs(i));
  const uint64_t now = edge_;
  if (o.load_pending || o.trigger) return now + 1;
  if ((o.mode == 4 || o.mode == 5) && !o.out) return now + 1;  // end of the strobe
  if (!o.loaded) return kNever;
  switch (o.mode) {
    case 0:
      return (o.suspended || !o.gate || o.out) ? kNever : now + o.dist();
    case 4:
      return (!o.gate || !o.armed) ? kNever : now + o.dist();
    case 1:
      return o.out ? kNever : now + o.dist();
    case 5:
      return o.armed ? now + o.dist() : kNever;
    case 2: {
      if (!o.gate || o.stationary()) return kNever;
      if (!o.out) return now + 1;
      const uint32_t to_one = o.dist() - 1;
      return now + (to_one == 0 ? 1 : to_one);
    }
    default: {  // 3
      if (!o.gate || o.stationary()) return kNever;
      const uint32_t half = (o.out && o.odd) ? o.ce / 2 + 1 : o.dist() / 2;
      return now + (half == 0 ? 1 : half);
    }
  }
}

void Pit8254Rtl::on_gate() {
  const sc_core::sc_time now = sc_core::sc_time_stamp();
  uint8_t g = 0;
  for (unsigned i = 0; i < kCounters; ++i)
    if (gate(i).read()) g |= static_cast<uint8_t>(1u << i);
  if (g == gate_pins_) return;
  const sc_core::sc_time t = sync(now);
  gate_pins_ = g;
  tick(false, t);  // GATE sampled
  tick(false, t);  // and acted on
  collect_out(t);
  for (unsigned i = 0; i < kCounters; ++i) schedule(i);
}

void Pit8254Rtl::pin_clock() {
  // pin_accurate: wakes at every CLK edge k (rising) and half a period later
  // (falling, for clk_trace only).
  const sc_core::sc_time now = sc_core::sc_time_stamp();
  const uint64_t k = clock_edges_at(now);
  if (clock_edge_time(k) == now && k > 0) {
    sync(now);
    clk_trace.write(true);
    for (unsigned i = 0; i < kCounters; ++i)
      wake_if_pending(i);
    pin_event_.notify(input_period() / 2);
  } else {
    clk_trace.write(false);
    pin_event_.notify(clock_edge_time(k + 1) - now);
  }
}

}  // namespace minipc
