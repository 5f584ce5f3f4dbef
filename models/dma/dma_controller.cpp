#include "dma/dma_controller.h"
#include "core/hex.h"

#include <sstream>

namespace minipc {

using sc_core::sc_time;
using sc_core::SC_ZERO_TIME;

namespace {
std::string reg_name(unsigned n, const char* what) { return "CH" + std::to_string(n) + "_" + what; }
}  // namespace

DmaController::ChannelRegs::ChannelRegs(RegisterBank& bank, unsigned n)
    : SRC(bank, reg_name(n, "SRC"), channel_reg(n, CH_SRC), 4, 0),
      DST(bank, reg_name(n, "DST"), channel_reg(n, CH_DST), 4, 0),
      COUNT(bank, reg_name(n, "COUNT"), channel_reg(n, CH_COUNT), 4, 0),
      CTRL(bank, reg_name(n, "CTRL"), channel_reg(n, CH_CTRL), 4, 0),
      REMAIN(bank, reg_name(n, "REMAIN"), channel_reg(n, CH_REMAIN), 4, 0, Access::read_only),
      STATUS(bank, reg_name(n, "STATUS"), channel_reg(n, CH_STATUS), 4, 0) {
  CTRL.field("EN", 0, 1).field("DIR", 1, 2).field("SIZE", 3, 2).field("MODE", 5, 2);
  CTRL.field("SRC_INC", 7, 1).field("DST_INC", 8, 1).field("SRC_IO", 9, 1).field("DST_IO", 10, 1);
  CTRL.field("IE_DONE", 11, 1).field("IE_ERR", 12, 1).field("ABORT", 31, 1);
  STATUS.field("BUSY", 0, 1).field("DONE", 1, 1).field("ERROR", 2, 1).field("CODE", 8, 4);
}

DmaController::DmaController(const sc_core::sc_module_name& nm) : Peripheral(nm, 100e6) {
  if (bus_clock_hz.get() <= 0) throw ConfigError(bus_clock_hz.key() + ": must be positive");
  bus_cycle_ = sc_time(1.0 / bus_clock_hz.get(), sc_core::SC_SEC);
  hold_latency_ = bus_cycle_ * static_cast<double>(hold_latency_cycles.get());

  BUSY.on_read = [this] { return read_busy(); };
  ISR.on_read = [this] { return read_isr(); };
  ISR.on_write = [this](uint64_t v) { write_isr(v); };
  IER.on_write = [this](uint64_t v) { write_ier(v); };
  auto& stats = StatsRegistry::instance();
  for (unsigned n = 0; n < kChannels; ++n) {
    ChannelRegs& r = ch_[n];
    r.SRC.on_write = [this, n](uint64_t v) { write_program(n, ch_[n].SRC, v); };
    r.DST.on_write = [this, n](uint64_t v) { write_program(n, ch_[n].DST, v); };
    r.COUNT.on_write = [this, n](uint64_t v) { write_program(n, ch_[n].COUNT, v); };
    r.CTRL.on_read = [this, n] {
      // EN reads 1 while the channel runs; the rest is what was written.
      return (ch_[n].CTRL.get() & ~uint64_t{CTRL_EN}) | (chan_[n].busy ? uint64_t{CTRL_EN} : 0);
    };
    r.CTRL.on_write = [this, n](uint64_t v) { write_ctrl(n, v); };
    r.REMAIN.on_read = [this, n] { return chan_[n].remaining; };
    r.STATUS.on_read = [this, n] { return read_status(n); };
    r.STATUS.on_write = [this, n](uint64_t v) { write_status(n, v); };

    Channel& c = chan_[n];
    const std::string base = std::string(name()) + ".ch" + std::to_string(n);
    c.bytes = &stats.counter(base + ".bytes", "bytes");
    c.transfers = &stats.counter(base + ".transfers", "units");
    c.blocks = &stats.counter(base + ".blocks");
    c.errors = &stats.counter(base + ".errors");
    c.latency = &stats.histogram(base + ".completion_latency",
                                 {100, 1e3, 1e4, 1e5, 1e6, 1e7}, "ns");
    c.timeouts = &stats.counter(base + ".transparent_timeouts");
    stats.probe(base + ".starved_ns", [&c] {
      sc_time t = c.starved;
      if (c.starving) t += sc_core::sc_time_stamp() - c.starve_start;
      return t.to_seconds() * 1e9;
    }, "ns");
    stats.probe(base + ".bus_busy_ns", [&c] { return c.bus_busy.to_seconds() * 1e9; }, "ns");
    stats.probe(base + ".bus_cycles_held", [this, &c] { return c.bus_busy / bus_cycle_; }, "bus cycles");
    stats.probe(base + ".hold_ns", [&c] { return c.hold_time.to_seconds() * 1e9; }, "ns");
    auto stall = [this, n, &c] {
      sc_time s = c.cpu_stall;
      if (master.observing() && stall_channel_ == static_cast<int>(n)) s += master.observed_wait() - stall_snapshot_;
      return s;
    };
    stats.probe(base + ".cpu_stall_ns_caused", [stall] { return stall().to_seconds() * 1e9; }, "ns");
    stats.probe(base + ".cpu_stall_cycles_caused", [this, stall] { return stall() / bus_cycle_; }, "bus cycles");
  }

  master.on_granted = [this](const sc_time& remaining) { granted(remaining); };
  update_activity();

  SC_THREAD(engine);
  SC_METHOD(update_irq);
  sensitive << irq_update_;
}

// The CPU waits that completed since the previous hold began go to the
// channel that held the bus then (exact in total; per channel exact when the
// holds of different channels do not follow each other within one CPU access).
void DmaController::attribute_stall(int ch) {
  if (!master.observing()) return;
  const sc_time now = master.observed_wait();
  if (stall_channel_ >= 0) chan_[static_cast<size_t>(stall_channel_)].cpu_stall += now - stall_snapshot_;
  stall_snapshot_ = now;
  stall_channel_ = ch;
}

void DmaController::update_activity() {
  bool any = false, transparent_busy = false;
  for (const Channel& c : chan_) {
    any = any || c.busy;
    transparent_busy = transparent_busy || (c.busy && c.mode() == transparent);
  }
  master.set_active(any);
  // Only a busy transparent channel needs the other masters' windows.
  master.want_windows(transparent_busy);
}

void DmaController::end_of_elaboration() {
  for (unsigned n = 0; n < kChannels; ++n) {
    hold_trace[n].write(false);
    hlda_trace[n].write(false);
  }
}

void DmaController::reset_state() {
  for (Channel& c : chan_) {
    c.busy = c.done = c.abort = false;
    c.error = err_none;
    c.remaining = 0;
    c.starving = false;
  }
  update_activity();
  irq_update_.notify(SC_ZERO_TIME);
}

// ---- registers -------------------------------------------------------------

uint64_t DmaController::read_busy() {
  uint64_t v = 0;
  for (unsigned n = 0; n < kChannels; ++n)
    if (chan_[n].busy) v |= 1u << n;
  return v;
}

uint32_t DmaController::irq_status() const {
  uint32_t v = 0;
  for (unsigned n = 0; n < kChannels; ++n) {
    const Channel& c = chan_[n];
    if (c.done && (c.ctrl & CTRL_IE_DONE)) v |= 1u << n;
    if (c.error != err_none && (c.ctrl & CTRL_IE_ERR)) v |= 1u << (8 + n);
  }
  return v;
}

uint64_t DmaController::read_isr() { return irq_status(); }

void DmaController::write_isr(uint64_t v) {
  // IRQ_STATUS is a view of the channels' DONE/ERROR latches: W1C clears them.
  for (unsigned n = 0; n < kChannels; ++n) {
    if (v & (1u << n)) chan_[n].done = false;
    if (v & (1u << (8 + n))) chan_[n].error = err_none;
  }
  irq_update_.notify(access_time() - sc_core::sc_time_stamp());
}

void DmaController::write_ier(uint64_t v) {
  IER.set(v & 0x0F0F);
  irq_update_.notify(access_time() - sc_core::sc_time_stamp());
}

void DmaController::write_program(unsigned ch, Register& r, uint64_t v) {
  if (chan_[ch].busy) {
    SC_REPORT_WARNING(name(), ("write of " + hex(v) + " to " + r.name() +
                               " while the channel is busy ignored").c_str());
    return;
  }
  r.set(v);
}

void DmaController::write_ctrl(unsigned ch, uint64_t v) {
  Channel& c = chan_[ch];
  if (c.busy) {
    if (v & CTRL_ABORT) {
      c.abort = true;
      kick_.notify(access_time() - sc_core::sc_time_stamp());
    } else {
      SC_REPORT_WARNING(name(), ("write of " + hex(v) + " to " + ch_[ch].CTRL.name() +
                                 " while the channel is busy ignored (set ABORT to stop it)").c_str());
    }
    return;
  }
  ch_[ch].CTRL.set(v & ~uint64_t{CTRL_ABORT});
  if (!(v & CTRL_EN)) return;
  // Enable: snapshot the programming, clear the previous outcome.
  c.ctrl = static_cast<uint32_t>(v);
  c.src = ch_[ch].SRC.get();
  c.dst = ch_[ch].DST.get();
  c.remaining = ch_[ch].COUNT.get();
  c.done = false;
  c.error = err_none;
  c.abort = false;
  c.start_at = access_time();
  // The cleared DONE/ERROR latches leave IRQ_STATUS: the line follows now,
  // not when this transfer ends.
  irq_update_.notify(access_time() - sc_core::sc_time_stamp());
  const bool bad = c.remaining == 0 || c.dir() > mem_to_dev || ((c.ctrl & CTRL_SIZE_MASK) >> CTRL_SIZE_SHIFT) > 2 ||
                   c.mode() > transparent;
  if (bad) {
    SC_REPORT_WARNING(name(), ("channel " + std::to_string(ch) + " enabled with COUNT " + hex(c.remaining) +
                               " and CTRL " + hex(v) + ": bad configuration, error").c_str());
    c.remaining = 0;
    c.error = err_bad_config;
    c.errors->add();
    irq_update_.notify(access_time() - sc_core::sc_time_stamp());
    return;
  }
  c.busy = true;
  update_activity();
  kick_.notify(access_time() - sc_core::sc_time_stamp());
}

uint64_t DmaController::read_status(unsigned ch) {
  const Channel& c = chan_[ch];
  return (c.busy ? uint64_t{STATUS_BUSY} : 0) | (c.done ? uint64_t{STATUS_DONE} : 0) |
         (c.error ? uint64_t{STATUS_ERROR} : 0) | (c.error == err_timeout ? uint64_t{STATUS_TIMEOUT} : 0) |
         (static_cast<uint64_t>(c.error) << STATUS_CODE_SHIFT);
}

void DmaController::write_status(unsigned ch, uint64_t v) {
  if (v & STATUS_DONE) chan_[ch].done = false;
  if (v & STATUS_ERROR) chan_[ch].error = err_none;
  irq_update_.notify(access_time() - sc_core::sc_time_stamp());
}

void DmaController::update_irq() {
  const bool level = (irq_status() & IER.get()) != 0;
  drive(irq, level);
}

// ---- engine ----------------------------------------------------------------

bool DmaController::ready(unsigned ch) const {
  const Channel& c = chan_[ch];
  if (!c.busy || c.start_at > sc_core::sc_time_stamp()) return false;
  if (c.abort) return true;
  return c.dir() == mem_to_mem || dreq[ch]->read();
}

// Lowest-numbered ready channel; transparent channels only when no other is ready.
int DmaController::pick() const {
  int fallback = -1;
  for (unsigned n = 0; n < kChannels; ++n) {
    if (!ready(n)) continue;
    if (chan_[n].mode() != transparent || chan_[n].abort) return static_cast<int>(n);
    if (fallback < 0) fallback = static_cast<int>(n);
  }
  return fallback;
}

// The time one unit of the channel holds the bus (its read and its write),
// from the latencies the bus has seen; false when a target's is unknown.
bool DmaController::unit_time(const Channel& c, sc_time& t) const {
  auto space = [&](uint32_t io_bit) { return c.ctrl & io_bit ? AddressSpace::io : AddressSpace::memory; };
  sc_time rd, wr;
  if (!master.transaction_time(tlm::TLM_READ_COMMAND, space(CTRL_SRC_IO), c.src, c.unit(), rd)) return false;
  if (!master.transaction_time(tlm::TLM_WRITE_COMMAND, space(CTRL_DST_IO), c.dst, c.unit(), wr)) return false;
  t = rd + wr;
  return true;
}

void DmaController::starve(unsigned ch) {
  Channel& c = chan_[ch];
  if (c.starving) return;
  c.starving = true;
  c.starve_start = sc_core::sc_time_stamp();
}

void DmaController::fed(unsigned ch) {
  Channel& c = chan_[ch];
  if (!c.starving) return;
  c.starving = false;
  c.starved += sc_core::sc_time_stamp() - c.starve_start;
}

// Transparent mode: true when a unit of ch may go now. With announced
// windows (docs/dma.md), only when the whole unit fits in what is left of
// the current one (an open-ended window fits any unit); otherwise it waits
// for the window's start or the next announcement, and after
// transparent_timeout without a unit stops the channel. Without announced
// windows, the idle-bus rule (bus_idle_for_window()).
bool DmaController::window_for_unit(unsigned ch) {
  Channel& c = chan_[ch];
  const sc_time now = sc_core::sc_time_stamp();
  const sc_time timeout = transparent_timeout.get();
  if (c.starving && timeout != SC_ZERO_TIME && now - c.starve_start >= timeout) {
    SC_REPORT_WARNING(name(), ("channel " + std::to_string(ch) + ": transparent mode found no bus-free window for " +
                               timeout.to_string() + ", channel stopped (error 5)").c_str());
    c.timeouts->add();
    finish(ch, err_timeout);
    return false;
  }
  const BusMasterHost::FreeWindow w = master.free_window();
  if (!w.known) {
    if (bus_idle_for_window()) return true;
    starve(ch);
    return false;
  }
  const bool open = w.end == sc_core::sc_max_time();
  if (w.start <= now && now < w.end) {
    sc_time unit;
    if (open || (unit_time(c, unit) && unit <= w.end - now)) return true;
  }
  starve(ch);
  // Wait for the window's start, an announcement, or the timeout.
  sc_time until = sc_core::sc_max_time() - now;
  if (w.start > now && w.start < w.end) until = w.start - now;
  if (timeout != SC_ZERO_TIME) until = std::min(until, c.starve_start + timeout - now);
  if (until == sc_core::sc_max_time() - now)
    wait(window_wake_);
  else
    wait(until, window_wake_);
  return false;
}

bool DmaController::bus_idle_for_window() {
  const sc_time window = bus_cycle_ * static_cast<double>(transparent_idle_cycles.get());
  int owner = bus_owner.read();
  if (watch_bus_owner && !owner_watched_) {  // the signal catches up in the next delta
    owner_watched_ = true;
    owner = watch_bus_owner();
  }
  if (owner != -1) {
    wait(bus_owner.value_changed_event() | kick_);
    return false;
  }
  const sc_time t0 = sc_core::sc_time_stamp();
  wait(window, bus_owner.value_changed_event() | kick_);
  return bus_owner.read() == -1 && sc_core::sc_time_stamp() - t0 >= window;
}

void DmaController::engine() {
  wake_ |= kick_;
  window_wake_ |= kick_;
  for (unsigned n = 0; n < kChannels; ++n) {
    wake_ |= dreq[n]->value_changed_event();
    window_wake_ |= dreq[n]->value_changed_event();
  }
  if (const sc_core::sc_event* e = master.window_changed()) window_wake_ |= *e;
  for (;;) {
    // A device channel whose DREQ dropped is not starving: it has nothing to move.
    for (unsigned n = 0; n < kChannels; ++n)
      if (chan_[n].starving && !ready(n)) fed(n);
    const int pick_ch = pick();
    if (pick_ch < 0) {
      // Wake when a channel's start time comes or a DREQ changes.
      sc_time next = sc_core::SC_ZERO_TIME;
      bool timed = false;
      for (const Channel& c : chan_)
        if (c.busy && c.start_at > sc_core::sc_time_stamp() && (!timed || c.start_at < next)) {
          next = c.start_at;
          timed = true;
        }
      if (timed)
        wait(next - sc_core::sc_time_stamp(), wake_);
      else
        wait(wake_);
      continue;
    }
    const unsigned ch = static_cast<unsigned>(pick_ch);
    Channel& c = chan_[ch];
    if (c.abort) {
      finish(ch, err_aborted);
      continue;
    }
    if (c.mode() == transparent && !window_for_unit(ch)) continue;
    serve(ch);
  }
}

// One hold of the bus: the whole block (burst) or one unit.
void DmaController::serve(unsigned ch) {
  Channel& c = chan_[ch];
  const sc_time hold_start = sc_core::sc_time_stamp();
  fed(ch);
  attribute_stall(static_cast<int>(ch));
  hold_trace[ch].write(true);
  // HRQ -> HLDA: the CPU samples HOLD and hands the bus over.
  if (c.mode() != transparent && hold_latency_ != SC_ZERO_TIME) wait(hold_latency_);
  do {
    if (!move_unit(ch)) break;
    if (c.remaining == 0) {
      finish(ch, err_none);
      break;
    }
    if (c.abort) {
      finish(ch, err_aborted);
      break;
    }
  } while (c.mode() == burst && (c.dir() == mem_to_mem || dreq[ch]->read()));
  hold_trace[ch].write(false);
  hlda_trace[ch].write(false);
  c.hold_time += sc_core::sc_time_stamp() - hold_start;
  // Cycle stealing gives the bus back for one bus cycle between units.
  if (c.mode() == cycle_steal) wait(bus_cycle_);
}

// The bus handed a unit's transaction back (at the grant, when arbitrating):
// HLDA, and the bus time of the channel whose unit it is.
void DmaController::granted(const sc_time& remaining) {
  if (hold_channel_ < 0) return;
  hlda_trace[static_cast<unsigned>(hold_channel_)].write(true);
  chan_[static_cast<size_t>(hold_channel_)].bus_busy += remaining;
}

// Moves one unit: a read from the source, then a write to the destination.
bool DmaController::move_unit(unsigned ch) {
  Channel& c = chan_[ch];
  const unsigned len = c.unit();
  const bool device = c.dir() != mem_to_mem;
  uint8_t buf[4] = {0, 0, 0, 0};
  if (device) dack[ch]->write(true);
  hold_channel_ = static_cast<int>(ch);
  auto space = [&](uint32_t io_bit) { return c.ctrl & io_bit ? AddressSpace::io : AddressSpace::memory; };
  const bool read_ok = master.read(space(CTRL_SRC_IO), c.src, buf, len);
  bool write_ok = false;
  if (read_ok) write_ok = master.write(space(CTRL_DST_IO), c.dst, buf, len);
  hold_channel_ = -1;
  // In a burst DACK stays asserted across the units (8237 demand mode).
  if (device) dack[ch]->write(false);
  if (!read_ok || !write_ok) {
    SC_REPORT_WARNING(name(), ("channel " + std::to_string(ch) + ": bus error " +
                               (read_ok ? "writing " + hex(c.dst) : "reading " + hex(c.src)) +
                               ", channel stopped").c_str());
    finish(ch, read_ok ? err_write_bus : err_read_bus);
    return false;
  }
  if (c.ctrl & CTRL_SRC_INC) c.src += len;
  if (c.ctrl & CTRL_DST_INC) c.dst += len;
  --c.remaining;
  c.bytes->add(len);
  c.transfers->add();
  return true;
}

void DmaController::finish(unsigned ch, uint32_t error) {
  fed(ch);
  Channel& c = chan_[ch];
  c.busy = false;
  c.abort = false;
  if (error == err_none) {
    c.done = true;
    c.blocks->add();
  } else {
    c.error = error;
    c.errors->add();
  }
  c.latency->sample((sc_core::sc_time_stamp() - c.start_at).to_seconds() * 1e9);
  update_activity();
  irq_update_.notify(SC_ZERO_TIME);
}

}  // namespace minipc
