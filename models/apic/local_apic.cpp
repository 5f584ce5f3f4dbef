#include "apic/local_apic.h"
#include "core/hex.h"

#include <algorithm>
#include <cstdio>
#include <string>

#include "apic/apic_message_target.h"

namespace minipc {

namespace {
// Writable bits of each LVT kind (SDM Figure 10-8); delivery status and
// remote IRR are read-only.
constexpr uint32_t kLvtTimerBits = 0x000300FF;  // vector, mask, timer mode (17; 18 = TSC deadline)
constexpr uint32_t kLvtDeliveryBits = 0x000107FF;  // thermal, perf: vector, delivery mode, mask
constexpr uint32_t kLvtLintBits = 0x0001A7FF;  // + polarity, trigger mode
constexpr uint32_t kLvtErrorBits = 0x000100FF;  // vector, mask
constexpr uint32_t kIcrLowBits = 0x000CCFFF;  // all but delivery status and reserved bits
}  // namespace

LocalApic::LocalApic(const sc_core::sc_module_name& nm)
    : Peripheral(nm, 100e6),
      interrupts_accepted_(StatsRegistry::instance().counter(std::string(name()) + ".interrupts_accepted", "interrupts")),
      spurious_(StatsRegistry::instance().counter(std::string(name()) + ".spurious", "interrupts")),
      eoi_(StatsRegistry::instance().counter(std::string(name()) + ".eoi", "writes")),
      timer_expiries_(StatsRegistry::instance().counter(std::string(name()) + ".timer_expiries", "expiries")),
      ipis_sent_(StatsRegistry::instance().counter(std::string(name()) + ".ipis_sent", "messages")) {
  if (apic_id.get() > 0xFF) throw ConfigError(apic_id.key() + ": an xAPIC ID is 8 bits (got " + std::to_string(apic_id.get()) + ")");
  if (!(bus_hz.get() > 0)) throw ConfigError(bus_hz.key() + ": the timer clock must be positive");
  ID.field("APIC_ID", 24, 8);
  VERSION.field("VERSION", 0, 8).field("MAX_LVT", 16, 8);
  TPR.field("PRIORITY", 0, 8);
  LDR.field("LOGICAL_ID", 24, 8);
  DFR.field("MODEL", 28, 4);
  SVR.field("VECTOR", 0, 8).field("APIC_ENABLED", 8, 1).field("FOCUS_DISABLED", 9, 1);
  ICR_LOW.field("VECTOR", 0, 8).field("DELIVERY_MODE", 8, 3).field("DESTINATION_MODE", 11, 1)
      .field("DELIVERY_STATUS", 12, 1).field("LEVEL", 14, 1).field("TRIGGER_MODE", 15, 1)
      .field("SHORTHAND", 18, 2);
  ICR_HIGH.field("DESTINATION", 24, 8);
  for (Register* lvt : {&LVT_TIMER, &LVT_THERMAL, &LVT_PERF, &LVT_LINT0, &LVT_LINT1, &LVT_ERROR})
    lvt->field("VECTOR", 0, 8).field("DELIVERY_STATUS", 12, 1).field("MASK", 16, 1);
  LVT_TIMER.field("TIMER_MODE", 17, 2);
  for (Register* lvt : {&LVT_THERMAL, &LVT_PERF, &LVT_LINT0, &LVT_LINT1}) lvt->field("DELIVERY_MODE", 8, 3);
  for (Register* lvt : {&LVT_LINT0, &LVT_LINT1})
    lvt->field("POLARITY", 13, 1).field("REMOTE_IRR", 14, 1).field("TRIGGER_MODE", 15, 1);
  TIMER_DCR.field("DIVIDE", 0, 4);

  ID.on_write = [this](uint64_t v) { write_id(v); };
  TPR.on_write = [this](uint64_t v) { write_tpr(v); };
  EOI.on_write = [this](uint64_t v) { write_eoi(v); };
  LDR.on_write = [this](uint64_t v) { write_ldr(v); };
  DFR.on_write = [this](uint64_t v) { write_dfr(v); };
  SVR.on_write = [this](uint64_t v) { write_svr(v); };
  ESR.on_write = [this](uint64_t v) { write_esr(v); };
  ICR_LOW.on_write = [this](uint64_t v) { write_icr_low(v); };
  ICR_LOW.on_read = [this] { return read_icr_low(); };
  ICR_HIGH.on_write = [this](uint64_t v) { write_icr_high(v); };
  LVT_TIMER.on_write = [this](uint64_t v) { write_lvt(LVT_TIMER, kLvtTimerBits, v); };
  LVT_THERMAL.on_write = [this](uint64_t v) { write_lvt(LVT_THERMAL, kLvtDeliveryBits, v); };
  LVT_PERF.on_write = [this](uint64_t v) { write_lvt(LVT_PERF, kLvtDeliveryBits, v); };
  LVT_LINT0.on_write = [this](uint64_t v) { write_lvt(LVT_LINT0, kLvtLintBits, v); };
  LVT_LINT1.on_write = [this](uint64_t v) { write_lvt(LVT_LINT1, kLvtLintBits, v); };
  LVT_ERROR.on_write = [this](uint64_t v) { write_lvt(LVT_ERROR, kLvtErrorBits, v); };
  TIMER_ICR.on_write = [this](uint64_t v) { write_timer_icr(v); };
  TIMER_CCR.on_read = [this] { return read_timer_ccr(); };
  TIMER_DCR.on_write = [this](uint64_t v) { write_timer_dcr(v); };
  // ISR, TMR, IRR, PPR, APR hold their values (refresh() keeps them current).

  // Every other 16-byte slot of the 4 KiB page is reserved: reads give 0,
  // and any access sets ESR "illegal register address".
  for (uint64_t offset = 0; offset < 0x1000; offset += 0x10) {
    if (bank_.find(offset, false) || bank_.find(offset, true)) continue;
    auto r = std::make_unique<Register>(bank_, "RESERVED_" + hex(offset), offset, 4, 0);
    r->on_read = [this, offset] { return reserved_access(offset); };
    r->on_write = [this, offset](uint64_t) { reserved_access(offset); };
    reserved_.push_back(std::move(r));
  }

  SC_METHOD(update_outputs);
  sensitive << update_event_;
  SC_METHOD(on_lint);
  sensitive << lint0 << lint1;
  SC_METHOD(on_timer);
  sensitive << timer_event_;
  dont_initialize();
  SC_THREAD(sender_thread);

  reset_state();
}

void LocalApic::start_of_simulation() {
  started_ = true;
  if (timer_running_) schedule_timer();  // programmed during elaboration
  refresh();
}

void LocalApic::reset_state() {
  irr_.reset();
  isr_.reset();
  tmr_.reset();
  esr_pending_ = 0;
  extint_message_ = false;
  nmi_pending_ = false;
  timer_running_ = false;
  if (started_) timer_event_.cancel();
  outgoing_.clear();
  // As SeaBIOS leaves the BSP's LINT0 before a Multiboot entry: ExtINT,
  // level-triggered, unmasked (0x8700).
  if (lint0_extint_at_reset) LVT_LINT0.set((static_cast<uint32_t>(DeliveryMode::extint) << 8) | LVT_LEVEL);
  refresh();
}

// ---- the CPU's side -----------------------------------------------------------

uint64_t LocalApic::base() const {
  return base_address_ | (apic_id.get() == 0 ? 1u << 8 : 0u) | (hw_enabled_ ? 1u << 11 : 0u);
}

void LocalApic::set_base(uint64_t msr) {
  base_address_ = msr & 0xFFFFF000ull;
  set_enabled((msr >> 11) & 1);
}

void LocalApic::set_enabled(bool enabled) {
  if (enabled == hw_enabled_) return;
  hw_enabled_ = enabled;
  // Disabling loses the APIC's state; enabling again starts from power-up.
  bank_.reset();
  reset_state();
}

bool LocalApic::intr_pending() const {
  if (!hw_enabled_) return lint_level_[0];  // no APIC: LINT0 is the INTR pin
  return fixed_pending() || extint_pending();
}

void LocalApic::acknowledge_nmi() {
  nmi_pending_ = false;
  refresh();
}

int LocalApic::acknowledge() {
  const auto ask_8259 = [this]() -> int {
    if (extint_ack.size() == 0) {
      SC_REPORT_WARNING(name(), "ExtINT interrupt acknowledged but extint_ack is not bound to an 8259: no vector");
      return -1;
    }
    return extint_ack->acknowledge();
  };
  if (!hw_enabled_) return ask_8259();
  if (extint_pending()) {
    // ExtINT ignores priorities: the 8259 supplies the vector; nothing enters IRR/ISR.
    extint_message_ = false;
    const int vector = ask_8259();
    refresh();
    if (vector >= 0 || !fixed_pending()) return vector;
  }
  if (fixed_pending()) {
    const int vector = highest_irr();
    irr_.reset(vector);
    isr_.set(vector);
    refresh();
    return vector;
  }
  // INTR was seen but the request went away or was outranked (TPR raised,
  // APIC disabled): the spurious vector, no ISR bit, no EOI expected.
  spurious_.add();
  return static_cast<int>(SVR.get() & SVR_VECTOR);
}

// ---- messages -------------------------------------------------------------------

bool LocalApic::addressed_by(uint8_t destination, bool logical) const {
  if (destination == ApicMessage::kBroadcast) return true;
  if (!logical) return destination == id();
  const uint8_t ldr = static_cast<uint8_t>(LDR.get() >> 24);
  const unsigned model = static_cast<unsigned>(DFR.get() >> 28);
  if (model == 0xF) return (ldr & destination) != 0;  // flat
  if (model == 0x0) {                                  // cluster
    const unsigned cluster = destination >> 4;
    return (cluster == 0xF || cluster == static_cast<unsigned>(ldr >> 4)) && (destination & ldr & 0x0F) != 0;
  }
  return false;
}

void LocalApic::receive(const ApicMessage& m) {
  switch (m.mode) {
    case DeliveryMode::fixed:
    case DeliveryMode::lowest_priority:
      accept(m.vector, m.level_triggered);
      break;
    case DeliveryMode::smi:
      if (on_smi) on_smi();
      break;
    case DeliveryMode::nmi:
      nmi_pending_ = true;
      refresh();
      break;
    case DeliveryMode::init: {
      // INIT level de-assert only resynchronises arbitration IDs.
      if (m.level_triggered && !m.level) break;
      // INIT resets the APIC as power-up does, except its ID (SDM 10.4.7.3).
      const uint64_t keep_id = ID.get();
      bank_.reset();
      reset_state();
      ID.set(keep_id);
      if (on_init) on_init();
      break;
    }
    case DeliveryMode::startup:
      if (on_startup) on_startup(m.vector);
      break;
    case DeliveryMode::extint:
      extint_message_ = true;
      refresh();
      break;
    case DeliveryMode::remote_read:
      SC_REPORT_WARNING(name(), ("remote read message not modelled, ignored: " + m.describe()).c_str());
      break;
  }
}

void LocalApic::accept(uint8_t vector, bool level_triggered) {
  if (vector < 16) {
    error(ESR_RECEIVE_ILLEGAL_VECTOR);
    return;
  }
  irr_.set(vector);
  tmr_.assign(vector, level_triggered);
  interrupts_accepted_.add();
  refresh();
}

void LocalApic::error(uint32_t esr_bits) {
  esr_pending_ |= esr_bits;
  const uint32_t lvt = static_cast<uint32_t>(LVT_ERROR.get());
  if (!(lvt & LVT_MASKED)) {
    const uint8_t vector = lvt & LVT_VECTOR;
    if (vector >= 16)
      accept(vector, false);
    else
      esr_pending_ |= ESR_RECEIVE_ILLEGAL_VECTOR;  // and no interrupt (no recursion)
  }
}

// ---- priorities -----------------------------------------------------------------

int LocalApic::highest_irr() const { return irr_.highest(); }
int LocalApic::highest_isr() const { return isr_.highest(); }

uint8_t LocalApic::ppr() const {
  // SDM 10.8.3.1: PPR = TPR if TPR[7:4] >= ISRV[7:4], else ISRV[7:4]:0.
  const uint8_t tpr = static_cast<uint8_t>(TPR.get());
  const int isrv = highest_isr();
  const uint8_t isr_class = isrv < 0 ? 0 : static_cast<uint8_t>(isrv & 0xF0);
  return (tpr >> 4) >= (isr_class >> 4) ? tpr : isr_class;
}

uint8_t LocalApic::apr() const {
  // SDM 10.6.2.4 (P6 arbitration priority).
  const uint8_t tpr = static_cast<uint8_t>(TPR.get());
  const int isrv = highest_isr(), irrv = highest_irr();
  const uint8_t isr_class = isrv < 0 ? 0 : static_cast<uint8_t>(isrv & 0xF0);
  const uint8_t irr_class = irrv < 0 ? 0 : static_cast<uint8_t>(irrv & 0xF0);
  if ((tpr >> 4) >= (irr_class >> 4) && (tpr >> 4) > (isr_class >> 4)) return tpr;
  return std::max({static_cast<uint8_t>(tpr & 0xF0), isr_class, irr_class});
}

bool LocalApic::fixed_pending() const {
  if (!hw_enabled_ || !software_enabled()) return false;  // held in IRR while disabled
  const int irrv = highest_irr();
  return irrv >= 0 && (irrv >> 4) > (ppr() >> 4);
}

bool LocalApic::extint_pending() const {
  if (!hw_enabled_) return false;
  if (extint_message_) return true;
  for (int pin = 0; pin < 2; ++pin) {
    const uint32_t lvt = static_cast<uint32_t>(pin == 0 ? LVT_LINT0.get() : LVT_LINT1.get());
    if (lvt & LVT_MASKED) continue;
    if (((lvt & LVT_DELIVERY_MODE) >> 8) != static_cast<uint32_t>(DeliveryMode::extint)) continue;
    // ExtINT is level sensitive: the 8259's INT held high is the request.
    if (lint_level_[pin] != ((lvt & LVT_POLARITY_LOW) != 0)) return true;
  }
  return false;
}

void LocalApic::refresh() {
  Register* isr[8] = {&ISR0, &ISR1, &ISR2, &ISR3, &ISR4, &ISR5, &ISR6, &ISR7};
  Register* tmr[8] = {&TMR0, &TMR1, &TMR2, &TMR3, &TMR4, &TMR5, &TMR6, &TMR7};
  Register* irr[8] = {&IRR0, &IRR1, &IRR2, &IRR3, &IRR4, &IRR5, &IRR6, &IRR7};
  for (unsigned i = 0; i < 8; ++i) {
    isr[i]->set(isr_.w[i]);
    tmr[i]->set(tmr_.w[i]);
    irr[i]->set(irr_.w[i]);
  }
  PPR.set(ppr());
  APR.set(apr());
  if (started_) {
    TIMER_CCR.set(current_count(sc_core::sc_time_stamp()));
    update_event_.notify(sc_core::SC_ZERO_TIME);
  }
}

void LocalApic::update_outputs() {
  drive(intr, intr_pending());
  drive(nmi, nmi_pending_);
  const uint8_t p = ppr();
  if (ppr_trace.read() != p) ppr_trace.write(p);
  const int isrv = highest_isr();
  const uint8_t v = isrv < 0 ? 0 : static_cast<uint8_t>(isrv);
  if (isr_vector_trace.read() != v) isr_vector_trace.write(v);
}

// ---- register callbacks ----------------------------------------------------------

void LocalApic::write_id(uint64_t v) { ID.set(v & 0xFF000000u); }

void LocalApic::write_tpr(uint64_t v) {
  TPR.set(v & 0xFF);
  refresh();
}

void LocalApic::write_eoi(uint64_t) {
  const int vector = highest_isr();
  if (vector < 0) {
    SC_REPORT_WARNING(name(), "EOI written with no interrupt in service (ISR empty): ignored");
    return;
  }
  isr_.reset(vector);
  eoi_.add();
  if (on_eoi) on_eoi(static_cast<uint8_t>(vector), access_time());
  if (tmr_.test(vector)) {
    // Level triggered: the source's remote IRR is cleared by the EOI.
    eoi_lint(static_cast<uint8_t>(vector));
    if (message_target_) message_target_->broadcast_eoi(static_cast<uint8_t>(vector));
  }
  refresh();
}

void LocalApic::write_ldr(uint64_t v) { LDR.set(v & 0xFF000000u); }

void LocalApic::write_dfr(uint64_t v) {
  const uint32_t model = static_cast<uint32_t>(v >> 28);
  if (model != 0xF && model != 0x0)
    SC_REPORT_WARNING(name(), ("DFR model " + hex(model) + " is neither flat (0xF) nor cluster (0x0)").c_str());
  DFR.set((v & 0xF0000000u) | 0x0FFFFFFFu);  // bits 27:0 read as ones
}

void LocalApic::write_svr(uint64_t v) {
  if (v & (1u << 12))
    SC_REPORT_WARNING(name(), ("SVR " + hex(v) + ": EOI-broadcast suppression (bit 12) is not supported").c_str());
  SVR.set(v & (SVR_VECTOR | SVR_APIC_ENABLED | SVR_FOCUS_DISABLED));
  if (!software_enabled()) {
    // Software disable sets every LVT mask bit (SDM 10.4.7.2).
    for (Register* lvt : {&LVT_TIMER, &LVT_THERMAL, &LVT_PERF, &LVT_LINT0, &LVT_LINT1, &LVT_ERROR})
      lvt->set(lvt->get() | LVT_MASKED);
  }
  refresh();
}

void LocalApic::write_esr(uint64_t) {
  // A write latches the errors seen since the last write; reads return them.
  ESR.set(esr_pending_);
  esr_pending_ = 0;
}

void LocalApic::write_icr_high(uint64_t v) { ICR_HIGH.set(v & 0xFF000000u); }

uint64_t LocalApic::read_icr_low() {
  const bool busy = !outgoing_.empty() && access_time() < icr_busy_until_;
  return (ICR_LOW.get() & ~uint64_t{ICR_DELIVERY_STATUS}) | (busy ? uint64_t{ICR_DELIVERY_STATUS} : 0);
}

void LocalApic::write_icr_low(uint64_t v) {
  // Writing the low dword sends the IPI (SDM 10.6.1).
  ICR_LOW.set(v & kIcrLowBits);
  ApicMessage m;
  m.vector = static_cast<uint8_t>(v & ICR_VECTOR);
  m.mode = static_cast<DeliveryMode>((v & ICR_DELIVERY_MODE) >> 8);
  m.logical = (v & ICR_LOGICAL) != 0;
  m.destination = static_cast<uint8_t>(ICR_HIGH.get() >> 24);
  m.level = (v & ICR_LEVEL_ASSERT) != 0;
  m.level_triggered = (v & ICR_LEVEL_TRIGGER) != 0;
  const auto shorthand = static_cast<Shorthand>((v & ICR_SHORTHAND) >> 18);
  if (m.mode == DeliveryMode::remote_read || m.mode == DeliveryMode::extint) {
    SC_REPORT_WARNING(name(), ("ICR " + hex(v) + ": " + to_string(m.mode) + " IPIs are not supported, not sent").c_str());
    return;
  }
  if ((m.mode == DeliveryMode::fixed || m.mode == DeliveryMode::lowest_priority) && m.vector < 16) {
    error(ESR_SEND_ILLEGAL_VECTOR);  // the message is not sent
    refresh();
    return;
  }
  if (shorthand == all_including_self || shorthand == all_excluding_self) {
    m.destination = ApicMessage::kBroadcast;
    m.logical = false;
  }
  const sc_core::sc_time at = access_time();
  outgoing_.push_back({m, at, shorthand});
  icr_busy_until_ = at;
  send_event_.notify(at > sc_core::sc_time_stamp() ? at - sc_core::sc_time_stamp() : sc_core::SC_ZERO_TIME);
}

void LocalApic::write_lvt(Register& lvt, uint32_t writable, uint64_t v) {
  const uint32_t old = static_cast<uint32_t>(lvt.get());
  uint32_t value = (old & ~writable) | (static_cast<uint32_t>(v) & writable);
  if (!software_enabled()) value |= LVT_MASKED;  // mask bits cannot be cleared while disabled
  if (&lvt == &LVT_TIMER) {
    if (v & LVT_TIMER_TSC_DEADLINE)
      SC_REPORT_WARNING(name(), ("LVT timer " + hex(v) + ": TSC-deadline mode is not modelled (one-shot/periodic by bit 17)").c_str());
    if ((old ^ value) & LVT_TIMER_PERIODIC) rebase_timer(access_time());
  }
  lvt.set(value);
  if (&lvt == &LVT_TIMER && timer_running_) schedule_timer();
  if (&lvt == &LVT_LINT0) evaluate_level_lint(0);
  if (&lvt == &LVT_LINT1) evaluate_level_lint(1);
  refresh();
}

uint64_t LocalApic::reserved_access(uint64_t offset) {
  SC_REPORT_WARNING(name(), ("access to reserved register offset " + hex(offset) + ": reads 0, ESR bit 7 set").c_str());
  error(ESR_ILLEGAL_REGISTER);
  return 0;
}

// ---- LINT0 / LINT1 ------------------------------------------------------------------

void LocalApic::on_lint() {
  const bool level[2] = {lint0.read(), lint1.read()};
  for (int pin = 0; pin < 2; ++pin)
    if (level[pin] != lint_level_[pin]) lint_input(pin, level[pin]);
}

void LocalApic::lint_input(int pin, bool level) {
  const bool was = lint_level_[pin];
  lint_level_[pin] = level;
  if (!hw_enabled_) {
    // Without an APIC, LINT0 is INTR and LINT1 is NMI (edge).
    if (pin == 1 && level && !was) nmi_pending_ = true;
    refresh();
    return;
  }
  const uint32_t lvt = static_cast<uint32_t>(lvt_lint(pin).get());
  const bool polarity_low = lvt & LVT_POLARITY_LOW;
  const bool asserted = level != polarity_low;
  const bool rising = asserted && (was == polarity_low);
  if (!(lvt & LVT_MASKED)) {
    switch (static_cast<DeliveryMode>((lvt & LVT_DELIVERY_MODE) >> 8)) {
      case DeliveryMode::fixed:
        if (lvt & LVT_LEVEL)
          evaluate_level_lint(pin);
        else if (rising)
          accept(lvt & LVT_VECTOR, false);
        break;
      case DeliveryMode::nmi:
        if (rising) nmi_pending_ = true;
        break;
      case DeliveryMode::smi:
        if (rising && on_smi) on_smi();
        break;
      case DeliveryMode::init:
        if (rising) receive(ApicMessage{0, DeliveryMode::init, false, 0, false, true, false});
        break;
      default:  // ExtINT follows the pin's level (extint_pending()); others are reserved
        break;
    }
  }
  refresh();
}

void LocalApic::evaluate_level_lint(int pin) {
  Register& lvt = lvt_lint(pin);
  const uint32_t v = static_cast<uint32_t>(lvt.get());
  if ((v & LVT_MASKED) || !(v & LVT_LEVEL) || (v & LVT_REMOTE_IRR)) return;
  if (((v & LVT_DELIVERY_MODE) >> 8) != static_cast<uint32_t>(DeliveryMode::fixed)) return;
  if (!hw_enabled_ || lint_level_[pin] == ((v & LVT_POLARITY_LOW) != 0)) return;  // not asserted
  lvt.set(v | LVT_REMOTE_IRR);
  accept(v & LVT_VECTOR, true);
}

void LocalApic::eoi_lint(uint8_t vector) {
  for (int pin = 0; pin < 2; ++pin) {
    Register& lvt = lvt_lint(pin);
    const uint32_t v = static_cast<uint32_t>(lvt.get());
    if ((v & LVT_REMOTE_IRR) && (v & LVT_VECTOR) == vector) {
      lvt.set(v & ~uint32_t{LVT_REMOTE_IRR});
      evaluate_level_lint(pin);
    }
  }
}

// ---- timer ------------------------------------------------------------------------

uint64_t LocalApic::timer_divisor() const {
  // DCR bits 3,1,0: 000=2 001=4 010=8 011=16 100=32 101=64 110=128 111=1.
  const uint64_t dcr = TIMER_DCR.get();
  const unsigned code = static_cast<unsigned>(((dcr >> 1) & 4) | (dcr & 3));
  return uint64_t{1} << ((code + 1) & 7);
}

sc_core::sc_time LocalApic::timer_tick() const {
  return sc_core::sc_time(static_cast<double>(timer_divisor()) / bus_hz.get(), sc_core::SC_SEC);
}

uint32_t LocalApic::current_count(const sc_core::sc_time& t) const {
  if (!timer_running_) return 0;
  const uint64_t tick = timer_tick().value();
  const uint64_t ticks = t > timer_base_ ? (t - timer_base_).value() / tick : 0;
  const uint64_t at_base = timer_count_at_base_;
  if (ticks < at_base) return static_cast<uint32_t>(at_base - ticks);
  const uint64_t reload = TIMER_ICR.get();
  if (!(LVT_TIMER.get() & LVT_TIMER_PERIODIC) || reload == 0) return 0;
  return static_cast<uint32_t>(reload - (ticks - at_base) % reload);
}

void LocalApic::rebase_timer(const sc_core::sc_time& t) {
  // The count goes on from its value at t (at the new divide or mode).
  if (!timer_running_) return;
  const sc_core::sc_time at = t > timer_base_ ? t : timer_base_;
  timer_count_at_base_ = current_count(at);
  timer_base_ = at;
  if (timer_count_at_base_ == 0) timer_running_ = false;
}

void LocalApic::schedule_timer() {
  timer_next_expiry_ = timer_base_ + sc_core::sc_time::from_value(timer_tick().value() * timer_count_at_base_);
  if (!started_) return;
  timer_event_.cancel();
  const sc_core::sc_time now = sc_core::sc_time_stamp();
  timer_event_.notify(timer_next_expiry_ > now ? timer_next_expiry_ - now : sc_core::SC_ZERO_TIME);
}

void LocalApic::write_timer_icr(uint64_t v) {
  // Writing the initial count (re)starts the count; 0 stops the timer.
  TIMER_ICR.set(v & 0xFFFFFFFFu);
  timer_running_ = v != 0;
  timer_base_ = access_time();
  timer_count_at_base_ = static_cast<uint32_t>(v);
  if (timer_running_)
    schedule_timer();
  else if (started_)
    timer_event_.cancel();
  refresh();
}

uint64_t LocalApic::read_timer_ccr() { return current_count(access_time()); }

void LocalApic::write_timer_dcr(uint64_t v) {
  rebase_timer(access_time());
  TIMER_DCR.set(v & 0xB);
  if (timer_running_) schedule_timer();
  refresh();
}

void LocalApic::on_timer() {
  const sc_core::sc_time now = sc_core::sc_time_stamp();
  if (!timer_running_) return;
  if (now < timer_next_expiry_) {  // re-armed later since this notification
    timer_event_.notify(timer_next_expiry_ - now);
    return;
  }
  timer_expiries_.add();
  const uint32_t lvt = static_cast<uint32_t>(LVT_TIMER.get());
  if (!(lvt & LVT_MASKED) && hw_enabled_) accept(lvt & LVT_VECTOR, false);
  const uint32_t reload = static_cast<uint32_t>(TIMER_ICR.get());
  if ((lvt & LVT_TIMER_PERIODIC) && reload != 0) {
    timer_base_ = timer_next_expiry_;
    timer_count_at_base_ = reload;
    schedule_timer();
  } else {
    timer_running_ = false;  // one-shot: the count stays at 0
  }
  refresh();
}

// ---- IPIs ------------------------------------------------------------------------------

void LocalApic::sender_thread() {
  for (;;) {
    while (outgoing_.empty()) wait(send_event_);
    const sc_core::sc_time now = sc_core::sc_time_stamp();
    if (outgoing_.front().at > now) {
      wait(outgoing_.front().at - now);
      continue;
    }
    const Outgoing o = outgoing_.front();
    outgoing_.pop_front();
    ipis_sent_.add();
    if (o.shorthand == self) {
      receive(o.message);  // a self IPI does not leave the APIC
      continue;
    }
    uint32_t data = o.message.data();
    uint8_t bytes[4] = {static_cast<uint8_t>(data), static_cast<uint8_t>(data >> 8), static_cast<uint8_t>(data >> 16),
                        static_cast<uint8_t>(data >> 24)};
    tlm::tlm_generic_payload p;
    p.set_command(tlm::TLM_WRITE_COMMAND);
    p.set_address(o.message.address());
    p.set_data_ptr(bytes);
    p.set_data_length(4);
    p.set_streaming_width(4);
    p.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    p.set_extension(new ApicSourceExtension(this, o.shorthand == all_excluding_self));  // freed with p
    sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
    msg->b_transport(p, delay);
    if (p.is_response_error())
      SC_REPORT_WARNING(name(), ("IPI not delivered (" + p.get_response_string() + "): " + o.message.describe()).c_str());
    if (delay > sc_core::SC_ZERO_TIME) wait(delay);
  }
}

}  // namespace minipc
