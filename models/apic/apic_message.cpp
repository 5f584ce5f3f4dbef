#include "apic/apic_message.h"

#include <cstdio>

namespace minipc {

const char* to_string(DeliveryMode mode) {
  switch (mode) {
    case DeliveryMode::fixed: return "fixed";
    case DeliveryMode::lowest_priority: return "lowest-priority";
    case DeliveryMode::smi: return "SMI";
    case DeliveryMode::remote_read: return "remote-read";
    case DeliveryMode::nmi: return "NMI";
    case DeliveryMode::init: return "INIT";
    case DeliveryMode::startup: return "STARTUP";
    case DeliveryMode::extint: return "ExtINT";
  }
  return "?";
}

ApicMessage ApicMessage::decode(uint64_t address, uint32_t data) {
  ApicMessage m;
  const uint64_t offset = address & kWindowMask;
  m.destination = static_cast<uint8_t>(offset >> 12);
  m.redirection_hint = (offset >> 3) & 1;
  m.logical = (offset >> 2) & 1;
  m.vector = static_cast<uint8_t>(data);
  m.mode = static_cast<DeliveryMode>((data >> 8) & 7);
  m.level = (data >> 14) & 1;
  m.level_triggered = (data >> 15) & 1;
  return m;
}

std::string ApicMessage::describe() const {
  char buf[160];
  std::snprintf(buf, sizeof buf, "%s vector 0x%02x to %s 0x%02x (%s%s), address 0x%08llx data 0x%08x",
                to_string(mode), vector, logical ? "logical" : "physical", destination,
                level_triggered ? "level" : "edge", level ? ", assert" : "",
                static_cast<unsigned long long>(address()), data());
  return buf;
}

}  // namespace minipc
