// The Verilated headers come first: included after SystemC's, they would
// expect a global sc_time_stamp() (their SystemC flavour).
#include <verilated.h>
#include <verilated_vcd_c.h>

#include "Vpic8259.h"
#include "Vpic8259___024root.h"

#include "pic8259/pic8259_rtl.h"

#include <bitset>

namespace minipc {

namespace {
constexpr uint8_t bit(unsigned level) { return static_cast<uint8_t>(1u << level); }
unsigned popcount(uint8_t v) { return static_cast<unsigned>(std::bitset<8>(v).count()); }
int lowest_bit(uint8_t v) {
  for (unsigned l = 0; l < 8; ++l)
    if (v & bit(l)) return static_cast<int>(l);
  return -1;
}

// Init sequence steps (pic8259.sv, step_q).
constexpr unsigned kUninit = 0, kIcw2 = 1, kIcw3 = 2, kIcw4 = 3, kReady = 4;

// Fields of the observation words (pic8259.sv, obs0/obs1).
struct Obs {
  Obs(uint64_t w, uint32_t w1)
      : irr(static_cast<uint8_t>(w)), isr(static_cast<uint8_t>(w >> 8)), imr(static_cast<uint8_t>(w >> 16)),
        icw2(static_cast<uint8_t>(w >> 24)), icw3(static_cast<uint8_t>(w >> 32)),
        icw4(static_cast<uint8_t>((w >> 40) & 0x1F)), step(static_cast<unsigned>((w >> 45) & 7)),
        lowest(static_cast<unsigned>((w >> 48) & 7)), smm(w >> 51 & 1), ris(w >> 52 & 1), poll(w >> 53 & 1),
        rot(w >> 54 & 1), ltim(w >> 55 & 1), sngl(w >> 56 & 1), ic4(w >> 57 & 1),
        ack_level(static_cast<unsigned>((w >> 58) & 7)), ack_real(w >> 61 & 1), ack_sel(w >> 62 & 1),
        ack_cas(w >> 63 & 1), lines(static_cast<uint8_t>(w1)), armed(static_cast<uint8_t>(w1 >> 8)),
        master(w1 >> 16 & 1) {}
  uint8_t irr, isr, imr, icw2, icw3, icw4;
  unsigned step, lowest;
  bool smm, ris, poll, rot, ltim, sngl, ic4;
  unsigned ack_level;
  bool ack_real, ack_sel, ack_cas;
  uint8_t lines, armed;
  bool master;
};
}  // namespace

// One Verilated context for every instance, never destroyed: a PC has two
// 8259As, and with one context each the second model's scope (its
// public_flat_rd observation words) is erased through the thread's current
// context when it is destroyed (Verilator 5.006), which deadlocks.
VerilatedContext& shared_context() {
  static VerilatedContext* ctx = [] {
    auto* c = new VerilatedContext;
    c->traceEverOn(true);  // allows open_trace() later
    return c;
  }();
  return *ctx;
}

struct Pic8259Rtl::Rtl {
  std::unique_ptr<Vpic8259> top;
  std::unique_ptr<VerilatedVcdC> vcd;
  uint64_t last_dump = 0;
  bool dumped = false;

  explicit Rtl(const std::string& name) { top = std::make_unique<Vpic8259>(&shared_context(), name.c_str()); }
  // Scopes are erased through the thread's current context (Verilator
  // 5.006), which may be another model's, already destroyed (the PIT's):
  // make it this model's before the model goes.
  ~Rtl() {
    Verilated::threadContextp(&shared_context());
    vcd.reset();
    top.reset();
  }
  void dump() {
    if (!vcd) return;
    uint64_t v = sc_core::sc_time_stamp().value();
    if (dumped && v <= last_dump) v = last_dump + 1;  // several clk_i cycles at one instant
    vcd->dump(v);
    last_dump = v;
    dumped = true;
  }
};

Pic8259Rtl::Pic8259Rtl(const sc_core::sc_module_name& nm)
    : Pic8259Face(nm), rtl_(std::make_unique<Rtl>(std::string(name()) + ".rtl")) {
  // clk_i cycles ticked so far (bench/rtl_cost); RTL-only, not in Pic8259's stats.
  StatsRegistry::instance().probe(std::string(name()) + ".rtl_cycles",
                                  [this] { return static_cast<double>(cycles_); }, "cycles");

  // Register selection follows the RTL's state (observation word).
  ICW2.selected = [this] { return step() == kIcw2; };
  ICW3.selected = [this] { return step() == kIcw3; };
  ICW4.selected = [this] { return step() == kIcw4; };
  POLL.selected = [this] { return Obs(obs0(), 0).poll; };
  IRR.selected = [this] { const Obs o(obs0(), 0); return !o.poll && !o.ris; };
  ISR.selected = [this] { const Obs o(obs0(), 0); return !o.poll && o.ris; };

  ICW1.on_write = [this](uint64_t v) { write_a0_0(v); };
  for (Register* r : {&ICW2, &ICW3, &ICW4, &IMR}) r->on_write = [this](uint64_t v) { write_a0_1(v); };
  for (Register* r : {&POLL, &IRR, &ISR}) r->on_read = [this] { return read_a0(false); };
  IMR.on_read = [this] { return read_a0(true); };

  // Power-on reset, bus idle, SP/EN high (master) until attach_slave().
  Vpic8259& m = *rtl_->top;
  m.clk_i = 0;
  m.cs_ni = m.rd_ni = m.wr_ni = m.inta_ni = 1;
  m.a0_i = 0;
  m.d_i = 0;
  m.ir_i = 0;
  m.elcr_i = 0;
  m.cas_i = 0;
  m.sp_en_ni = 1;
  m.rst_ni = 1;
  m.eval();
  m.rst_ni = 0;
  m.eval();
  m.rst_ni = 1;
  m.eval();
}

Pic8259Rtl::~Pic8259Rtl() {
  if (rtl_ && rtl_->vcd) rtl_->vcd->close();
}

void Pic8259Rtl::open_trace(const std::string& path) {
  if (rtl_->vcd) rtl_->vcd->close();
  rtl_->vcd = std::make_unique<VerilatedVcdC>();
  rtl_->top->trace(rtl_->vcd.get(), 99);
  const double res = sc_core::sc_get_time_resolution().to_seconds();
  const char* unit = res <= 1e-15 ? "1fs" : res <= 1e-12 ? "1ps" : res <= 1e-9 ? "1ns" : "1us";
  rtl_->vcd->set_time_unit(unit);
  rtl_->vcd->set_time_resolution(unit);
  rtl_->vcd->open(path.c_str());
  rtl_->dump();
}

void Pic8259Rtl::end_of_simulation() {
  if (rtl_->vcd) rtl_->vcd->flush();
}

void Pic8259Rtl::reset_state() {
  // Power-up: the RTL's reset (not initialized until ICW1); the pins and the
  // cascade wiring stay; the ELCR goes back to edge.
  Vpic8259& m = *rtl_->top;
  m.rst_ni = 0;
  m.eval();
  m.rst_ni = 1;
  m.eval();
  elcr_ = 0;
  m.elcr_i = 0;
  tick();  // the RTL learns the IR levels again
  changed();
}

void Pic8259Rtl::slave_attached(unsigned ir_line, Pic8259Face& slave) {
  auto* rtl_slave = dynamic_cast<Pic8259Rtl*>(&slave);
  if (!rtl_slave) {
    SC_REPORT_ERROR(name(), "attach_slave: the RTL 8259A reads its slave's INT pin from the slave's RTL; "
                            "the slave must be an RTL twin too");
    return;
  }
  rtl_slaves_[ir_line] = rtl_slave;
  rtl_slave->rtl_->top->sp_en_ni = 0;  // strapped as a slave
  rtl_slave->rtl_->top->eval();
}

// ---- the RTL ----------------------------------------------------------------------

uint64_t Pic8259Rtl::obs0() const { return rtl_->top->rootp->pic8259__DOT__obs0; }
uint32_t Pic8259Rtl::obs1() const { return rtl_->top->rootp->pic8259__DOT__obs1; }
unsigned Pic8259Rtl::step() const { return Obs(obs0(), 0).step; }
bool Pic8259Rtl::is_master() const { return Obs(0, obs1()).master; }
bool Pic8259Rtl::initialized() const { return step() == kReady; }
uint8_t Pic8259Rtl::programmed_vector_base() const { return static_cast<uint8_t>(Obs(obs0(), 0).icw2 & 0xF8); }

void Pic8259Rtl::tick() {
  Vpic8259& m = *rtl_->top;
  m.clk_i = 1;
  m.eval();
  rtl_->dump();
  m.clk_i = 0;
  m.eval();
  rtl_->dump();
  ++cycles_;
}

void Pic8259Rtl::sample_lines() {
  if (!elaborated()) return;  // ports are not bound yet
  // A line with an attached slave is that slave's INT pin, read from its
  // RTL as a wire would (the `intr` signal between the two follows a delta
  // cycle later and would show the master a stale level right after an INTA).
  uint8_t now = 0;
  for (unsigned l = 0; l < 8; ++l)
    if (rtl_slaves_[l] ? static_cast<bool>(rtl_slaves_[l]->rtl_->top->int_o) : ir[l].read()) now |= bit(l);
  if (now == pins_) return;
  const uint8_t rising = static_cast<uint8_t>(now & ~pins_);
  masked_while_pending_.add(popcount(static_cast<uint8_t>(rising & Obs(obs0(), 0).imr)));
  pins_ = now;
  rtl_->top->ir_i = now;
  tick();  // one idle cycle: the RTL samples the lines
}

uint8_t Pic8259Rtl::bus(bool a0, bool write, uint8_t d) {
  sample_lines();
  Vpic8259& m = *rtl_->top;
  m.cs_ni = 0;
  m.a0_i = a0 ? 1 : 0;
  m.d_i = d;
  m.wr_ni = write ? 0 : 1;
  m.rd_ni = write ? 1 : 0;
  m.eval();
  const uint8_t v = m.d_o;
  tick();
  m.cs_ni = m.rd_ni = m.wr_ni = 1;
  tick();  // recovery
  return v;
}

void Pic8259Rtl::inta_pulse(bool first, uint8_t* data, bool* driven) {
  Vpic8259& m = *rtl_->top;
  m.inta_ni = 0;
  m.eval();
  if (data) *data = m.d_o;
  if (driven) *driven = m.d_oe_o;
  tick();
  m.inta_ni = 1;
  m.eval();
  (void)first;
}

// ---- register callbacks ---------------------------------------------------------------

void Pic8259Rtl::write_a0_0(uint64_t v) {
  const uint8_t b = static_cast<uint8_t>(v);
  if (b & ICW1_INIT) {
    ICW1.set(b);
    bus(false, true, b);
    if (!(b & ICW1_IC4)) ICW4.set(0);
    changed();
    return;
  }
  const char* what = (b & OCW3_SELECT) ? "OCW3" : "OCW2";
  const unsigned st = step();
  if (st == kUninit) {
    warn_before_icw1(what, b);
    bus(false, true, b);  // the RTL ignores it too
    return;
  }
  if (st != kReady) {
    const char* expecting = st == kIcw2 ? "ICW2" : st == kIcw3 ? "ICW3" : "ICW4";
    warn_command_during_init(what, b, expecting);
  }
  if (b & OCW3_SELECT) {
    OCW3.set(b);
    bus(false, true, b);
    changed();
    return;
  }
  OCW2.set(b);
  const uint8_t before = Obs(obs0(), 0).isr;
  bus(false, true, b);
  if (b & OCW2_EOI) {
    // The EOI's effect is read back from the RTL: the ISR bit it cleared.
    const uint8_t cleared = static_cast<uint8_t>(before & ~Obs(obs0(), 0).isr);
    if (cleared) {
      if (on_eoi) on_eoi(static_cast<unsigned>(lowest_bit(cleared)), access_time());
    } else {
      const bool specific = (b & OCW2_SL) != 0;
      const char* kind = (b & OCW2_R) ? (specific ? "rotate on specific EOI" : "rotate on non-specific EOI")
                                      : (specific ? "specific EOI" : "non-specific EOI");
      eoi_without_isr(b, kind, specific ? static_cast<int>(b & OCW2_LEVEL) : -1, before);
    }
  }
  changed();
}

void Pic8259Rtl::write_a0_1(uint64_t v) {
  const uint8_t b = static_cast<uint8_t>(v);
  const unsigned st = step();
  if (st == kUninit) {
    warn_before_icw1("OCW1 (IMR)", b);
    bus(true, true, b);
    return;
  }
  bus(true, true, b);
  switch (st) {
    case kIcw2: ICW2.set(b); break;
    case kIcw3: ICW3.set(b); break;
    case kIcw4: ICW4.set(b); break;
    default: IMR.set(b); break;
  }
  if (st != kReady && step() == kReady) check_icw4(Obs(obs0(), 0).icw4);
  changed();
}

uint64_t Pic8259Rtl::read_a0(bool a0) {
  const bool poll = Obs(obs0(), 0).poll;
  const uint8_t v = bus(a0, false, 0);
  if (poll) {
    // The poll word: the read acknowledged level W when I=1.
    if (v & POLL_I) {
      interrupts_.add();
      acks_[v & 7]->add();
    }
    POLL.set(v);
  }
  changed();
  return v;
}

// ---- the INTA cycle ----------------------------------------------------------------------

int Pic8259Rtl::acknowledge() { return acknowledge_cycle(false, 0); }

int Pic8259Rtl::cascade_acknowledge(unsigned cas) {
  sample_lines();
  const Obs o(obs0(), 0);
  if (o.step == kReady && (o.icw3 & 7) != cas) {
    warn_cas_mismatch(cas, o.icw3);
    return 0xFF;
  }
  return acknowledge_cycle(true, cas);
}

int Pic8259Rtl::acknowledge_cycle(bool as_slave, unsigned cas) {
  sample_lines();
  if (step() != kReady) {
    warn_inta_uninitialized();
    return -1;
  }
  Vpic8259& m = *rtl_->top;
  m.cas_i = static_cast<uint8_t>(as_slave ? cas : 0);

  // First INTA pulse: the RTL freezes its resolver and sets the ISR bit.
  inta_pulse(true, nullptr, nullptr);
  const Obs o(obs0(), 0);
  if (o.ack_real) {
    interrupts_.add();
    acks_[o.ack_level]->add();
  } else if (o.ack_sel) {
    spurious_.add();
  }

  // CAS0-2 driven: the slave with that ID runs its INTA cycle and drives the
  // vector; the master's IR pin of that line then shows the slave's INT.
  int slave_vector = -2;
  if (m.cas_oe_o) {
    const unsigned line = m.cas_o;
    if (Pic8259Face* slave = this->slave(line)) {
      slave_vector = slave->cascade_acknowledge(line);
      if (slave->int_level()) pins_ |= bit(line);
      else pins_ &= static_cast<uint8_t>(~bit(line));
      m.ir_i = pins_;
    } else {
      warn_no_slave(line, o.icw3);
      slave_vector = 0xFF;
    }
  }

  // Second INTA pulse: vector on the data bus, automatic EOI.
  uint8_t data = 0xFF;
  bool driven = false;
  inta_pulse(false, &data, &driven);
  m.cas_i = 0;
  changed();
  if (slave_vector != -2) return slave_vector;
  return driven ? data : 0xFF;
}

// ---- pins ---------------------------------------------------------------------------------

bool Pic8259Rtl::int_level() {
  sample_lines();
  return rtl_->top->int_o;
}

void Pic8259Rtl::set_elcr(uint8_t level_lines) {
  sample_lines();
  elcr_ = level_lines;
  rtl_->top->elcr_i = level_lines;
  tick();
  changed();
}

void Pic8259Rtl::refresh_registers() {
  const Obs o(obs0(), 0);
  IRR.set(o.irr);
  ISR.set(o.isr);
  IMR.set(o.imr);
}

bool Pic8259Rtl::int_pin() { return rtl_->top->int_o; }

}  // namespace minipc
