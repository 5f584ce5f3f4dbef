#include "apic/io_apic.h"
#include "core/hex.h"

#include <algorithm>
#include <cstdio>
#include <string>

namespace minipc {

namespace {
// Writable bits of a redirection entry: all but delivery status (12) and
// remote IRR (14), and the reserved bits 55:17.
constexpr uint64_t kRteWritable = 0xFF00000000000000ull | 0x1AFFFull;
}  // namespace

IoApic::IoApic(const sc_core::sc_module_name& nm)
    : Peripheral(nm, 100e6),
      input_level_(kInputs, false),
      pending_sends_(kInputs, 0),
      messages_sent_(StatsRegistry::instance().counter(std::string(name()) + ".messages_sent", "messages")),
      edges_lost_(StatsRegistry::instance().counter(std::string(name()) + ".edges_lost", "edges")) {
  if (ioapic_id.get() > 0xF) throw ConfigError(ioapic_id.key() + ": the 82093AA's ID is 4 bits (got " + std::to_string(ioapic_id.get()) + ")");

  IOREGSEL.write_mask = 0xFF;
  IOREGSEL.field("ADDRESS", 0, 8);
  IOWIN.on_read = [this] { return read_iowin(); };
  IOWIN.on_write = [this](uint64_t v) { write_iowin(v); };

  IOAPICID.write_mask = 0x0F000000;
  IOAPICID.field("ID", 24, 4);
  IOAPICID.on_write = [this](uint64_t v) { write_ioapicid(v); };
  IOAPICVER.field("VERSION", 0, 8).field("MAX_REDIRECTION_ENTRY", 16, 8);
  IOAPICARB.field("ARBITRATION_ID", 24, 4);
  for (unsigned n = 0; n < kInputs; ++n) {
    auto r = std::make_unique<Register>(window_, "IOREDTBL" + std::to_string(n), (0x10 + 2 * n) * 4, 8, RTE_MASKED);
    r->field("VECTOR", 0, 8).field("DELIVERY_MODE", 8, 3).field("DESTINATION_MODE", 11, 1)
        .field("DELIVERY_STATUS", 12, 1).field("POLARITY", 13, 1).field("REMOTE_IRR", 14, 1)
        .field("TRIGGER_MODE", 15, 1).field("MASK", 16, 1).field("DESTINATION", 56, 8);
    r->on_write = [this, n](uint64_t v) { write_redirection(n, v); };
    IOREDTBL.push_back(std::move(r));
  }

  SC_METHOD(on_input);
  for (auto& pin : in) sensitive << pin;
  SC_THREAD(sender_thread);
}

void IoApic::start_of_simulation() { started_ = true; }

void IoApic::reset_state() {
  window_.reset();
  outgoing_.clear();
  std::fill(pending_sends_.begin(), pending_sends_.end(), 0u);
}

// ---- register window ----------------------------------------------------------

uint64_t IoApic::read_iowin() {
  const uint64_t index = IOREGSEL.get() & 0xFF;
  uint8_t data[4] = {};
  if (window_.read(index * 4, data, 4) == RegisterBank::Result::unmapped) {
    SC_REPORT_WARNING(name(), ("IOWIN read of undefined register index " + hex(index) + " (IOREGSEL) returns 0").c_str());
    return 0;
  }
  return uint64_t{data[0]} | uint64_t{data[1]} << 8 | uint64_t{data[2]} << 16 | uint64_t{data[3]} << 24;
}

void IoApic::write_iowin(uint64_t v) {
  const uint64_t index = IOREGSEL.get() & 0xFF;
  const uint8_t data[4] = {static_cast<uint8_t>(v), static_cast<uint8_t>(v >> 8), static_cast<uint8_t>(v >> 16),
                           static_cast<uint8_t>(v >> 24)};
  if (window_.write(index * 4, data, 4) == RegisterBank::Result::unmapped)
    SC_REPORT_WARNING(name(), ("IOWIN write of " + hex(v) + " to undefined register index " + hex(index) +
                               " (IOREGSEL) ignored").c_str());
}

void IoApic::write_ioapicid(uint64_t v) {
  IOAPICID.set(v & 0x0F000000);
  IOAPICARB.set(v & 0x0F000000);  // the arbitration ID is loaded from the ID
}

void IoApic::write_redirection(unsigned n, uint64_t v) {
  Register& rte = *IOREDTBL[n];
  const uint64_t old = rte.get();
  uint64_t value = (old & ~kRteWritable) | (v & kRteWritable);
  if (!(value & RTE_LEVEL)) value &= ~uint64_t{RTE_REMOTE_IRR};  // remote IRR is for level entries only
  const unsigned mode = static_cast<unsigned>((value & RTE_DELIVERY_MODE) >> 8);
  if (mode == static_cast<unsigned>(DeliveryMode::startup) || mode == static_cast<unsigned>(DeliveryMode::remote_read))
    SC_REPORT_WARNING(name(), ("IOREDTBL" + std::to_string(n) + " " + hex(value) + ": delivery mode " + hex(mode) +
                               " is reserved in the 82093AA").c_str());
  rte.set(value);
  // A level input asserted while masked is sent now that it is unmasked.
  evaluate_level(n, access_time());
}

// ---- inputs and messages ---------------------------------------------------------

bool IoApic::asserted(unsigned n) const {
  return input_level_[n] != ((IOREDTBL[n]->get() & RTE_POLARITY_LOW) != 0);
}

void IoApic::on_input() {
  const sc_core::sc_time now = sc_core::sc_time_stamp();
  for (unsigned n = 0; n < kInputs; ++n) {
    const bool level = in[n].read();
    if (level == input_level_[n]) continue;
    const bool was_asserted = asserted(n);
    input_level_[n] = level;
    const uint64_t rte = IOREDTBL[n]->get();
    if (rte & RTE_LEVEL) {
      evaluate_level(n, now);
    } else if (asserted(n) && !was_asserted) {
      if (rte & RTE_MASKED)
        edges_lost_.add();  // 82093AA: not delivered, not held pending
      else
        send(n, now);
    }
  }
}

void IoApic::evaluate_level(unsigned n, const sc_core::sc_time& t) {
  Register& rte = *IOREDTBL[n];
  const uint64_t v = rte.get();
  if (!(v & RTE_LEVEL) || (v & RTE_MASKED) || (v & RTE_REMOTE_IRR) || !asserted(n)) return;
  rte.set(v | RTE_REMOTE_IRR);
  send(n, t);
}

void IoApic::eoi(uint8_t vector) {
  for (unsigned n = 0; n < kInputs; ++n) {
    Register& rte = *IOREDTBL[n];
    const uint64_t v = rte.get();
    if ((v & RTE_LEVEL) && (v & RTE_REMOTE_IRR) && (v & RTE_VECTOR) == vector) {
      rte.set(v & ~uint64_t{RTE_REMOTE_IRR});
      evaluate_level(n, sc_core::sc_time_stamp());  // still asserted: again
    }
  }
}

void IoApic::send(unsigned n, const sc_core::sc_time& t) {
  Register& rte = *IOREDTBL[n];
  const uint64_t v = rte.get();
  ApicMessage m;
  m.vector = static_cast<uint8_t>(v & RTE_VECTOR);
  m.mode = static_cast<DeliveryMode>((v & RTE_DELIVERY_MODE) >> 8);
  m.logical = (v & RTE_LOGICAL) != 0;
  m.destination = static_cast<uint8_t>(v >> RTE_DESTINATION_SHIFT);
  m.redirection_hint = m.mode == DeliveryMode::lowest_priority;
  m.level_triggered = (v & RTE_LEVEL) != 0;
  m.level = m.level_triggered;  // an assert message; edge messages carry 0
  rte.set(v | RTE_DELIVERY_STATUS);
  ++pending_sends_[n];
  outgoing_.push_back({n, m, t});
  const sc_core::sc_time now = sc_core::sc_time_stamp();
  send_event_.notify(t > now ? t - now : sc_core::SC_ZERO_TIME);
}

void IoApic::sender_thread() {
  for (;;) {
    while (outgoing_.empty()) wait(send_event_);
    const sc_core::sc_time now = sc_core::sc_time_stamp();
    if (outgoing_.front().at > now) {
      wait(outgoing_.front().at - now);
      continue;
    }
    const Outgoing o = outgoing_.front();
    outgoing_.pop_front();
    const uint32_t data = o.message.data();
    uint8_t bytes[4] = {static_cast<uint8_t>(data), static_cast<uint8_t>(data >> 8), static_cast<uint8_t>(data >> 16),
                        static_cast<uint8_t>(data >> 24)};
    tlm::tlm_generic_payload p;
    p.set_command(tlm::TLM_WRITE_COMMAND);
    p.set_address(o.message.address());
    p.set_data_ptr(bytes);
    p.set_data_length(4);
    p.set_streaming_width(4);
    p.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
    msg->b_transport(p, delay);
    messages_sent_.add();
    if (p.is_response_error())
      SC_REPORT_WARNING(name(), ("IOREDTBL" + std::to_string(o.entry) + " message not delivered (" +
                                 p.get_response_string() + "): " + o.message.describe()).c_str());
    if (delay > sc_core::SC_ZERO_TIME) wait(delay);
    if (pending_sends_[o.entry] > 0 && --pending_sends_[o.entry] == 0)
      IOREDTBL[o.entry]->set(IOREDTBL[o.entry]->get() & ~uint64_t{RTE_DELIVERY_STATUS});
  }
}

bool IoApic::routes_nmi() const {
  for (const auto& r : IOREDTBL) {
    const uint64_t v = r->get();
    if (!(v & RTE_MASKED) && ((v & RTE_DELIVERY_MODE) >> 8) == static_cast<uint64_t>(DeliveryMode::nmi)) return true;
  }
  return false;
}

}  // namespace minipc
