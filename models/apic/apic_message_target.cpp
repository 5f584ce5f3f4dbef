#include "apic/apic_message_target.h"

#include <algorithm>
#include <cstdio>
#include <string>

#include "apic/io_apic.h"
#include "apic/local_apic.h"

namespace minipc {

ApicMessageTarget::ApicMessageTarget(const sc_core::sc_module_name& nm)
    : sc_core::sc_module(nm),
      messages_(StatsRegistry::instance().counter(std::string(name()) + ".messages", "messages")),
      undelivered_(StatsRegistry::instance().counter(std::string(name()) + ".undelivered", "messages")) {
  port.register_b_transport(this, &ApicMessageTarget::b_transport);
  port.register_transport_dbg(this, &ApicMessageTarget::transport_dbg);
}

void ApicMessageTarget::attach(LocalApic& lapic) {
  lapics_.push_back(&lapic);
  lapic.message_target_ = this;
}

void ApicMessageTarget::attach(IoApic& ioapic) { ioapics_.push_back(&ioapic); }

void ApicMessageTarget::b_transport(int, tlm::tlm_generic_payload& p, sc_core::sc_time&) {
  const unsigned len = p.get_data_length();
  if (!p.is_write()) {
    char buf[120];
    std::snprintf(buf, sizeof buf, "read at offset 0x%llx of the APIC message window: only 4-byte writes are messages",
                  static_cast<unsigned long long>(p.get_address()));
    SC_REPORT_WARNING(name(), buf);
    p.set_response_status(tlm::TLM_COMMAND_ERROR_RESPONSE);
    return;
  }
  if (len != 4 || p.get_byte_enable_ptr() || p.get_streaming_width() < len) {
    SC_REPORT_WARNING(name(), ("write of " + std::to_string(len) +
                               " bytes to the APIC message window ignored: messages are 4-byte writes").c_str());
    p.set_response_status(tlm::TLM_BURST_ERROR_RESPONSE);
    return;
  }
  const uint8_t* d = p.get_data_ptr();
  const uint32_t data = uint32_t{d[0]} | uint32_t{d[1]} << 8 | uint32_t{d[2]} << 16 | uint32_t{d[3]} << 24;
  const ApicSourceExtension* src = p.get_extension<ApicSourceExtension>();
  deliver(ApicMessage::decode(p.get_address(), data), src ? src->source : nullptr, src && src->exclude_source);
  p.set_response_status(tlm::TLM_OK_RESPONSE);
}

unsigned int ApicMessageTarget::transport_dbg(int, tlm::tlm_generic_payload&) { return 0; }

void ApicMessageTarget::deliver(const ApicMessage& m, const LocalApic* source, bool exclude_source) {
  messages_.add();
  std::vector<LocalApic*> targets;
  for (LocalApic* l : lapics_) {
    if (exclude_source && l == source) continue;
    if (!l->enabled()) continue;  // globally disabled: not on the APIC bus
    if (l->addressed_by(m.destination, m.logical)) targets.push_back(l);
  }
  if (m.mode == DeliveryMode::lowest_priority && targets.size() > 1) {
    // Software-enabled LAPICs first, then the lowest PPR, then the lowest APIC ID.
    const auto lower = [](const LocalApic* a, const LocalApic* b) {
      if (a->software_enabled() != b->software_enabled()) return a->software_enabled();
      if (a->arbitration_priority() != b->arbitration_priority())
        return a->arbitration_priority() < b->arbitration_priority();
      return a->id() < b->id();
    };
    LocalApic* winner = *std::min_element(targets.begin(), targets.end(), lower);
    targets.assign(1, winner);
  }
  if (targets.empty()) {
    undelivered_.add();
    if (!warned_undelivered_) {
      warned_undelivered_ = true;
      SC_REPORT_WARNING(name(), ("APIC message addressed to no local APIC (warned once): " + m.describe()).c_str());
    }
    return;
  }
  for (LocalApic* l : targets) l->receive(m);
}

void ApicMessageTarget::broadcast_eoi(uint8_t vector) {
  for (IoApic* io : ioapics_) io->eoi(vector);
}

}  // namespace minipc
