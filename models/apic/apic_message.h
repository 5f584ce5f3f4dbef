// APIC interrupt messages in the x86 MSI format (Intel SDM vol. 3 §10.11).
//
// Every interrupt the IOAPIC sends and every IPI a local APIC sends is a
// 4-byte memory write on the bus:
//
//   address = 0xFEE0_0000 | destination ID << 12 | RH << 3 | DM << 2
//   data    = vector (7:0) | delivery mode (10:8) | level (14) | trigger mode (15)
//
// DM (destination mode) 0 = physical (an APIC ID, 0xFF = broadcast),
// 1 = logical (matched against each LAPIC's LDR/DFR). RH (redirection hint)
// is carried but not acted on. Delivery mode 110 (StartUp) is not an MSI
// mode; minipc carries it the same way for INIT/SIPI IPIs.
//
// Destination shorthands of the ICR have no MSI encoding: "all excluding
// self" travels as a physical broadcast with an ApicSourceExtension naming the
// sender, which the message target then skips; "self" never leaves the LAPIC.
#pragma once

#include <cstdint>
#include <string>

#include <tlm>

namespace minipc {

class LocalApic;

enum class DeliveryMode : uint8_t {
  fixed = 0b000,
  lowest_priority = 0b001,
  smi = 0b010,
  remote_read = 0b011,  // P6 ICR only; not modelled (warning)
  nmi = 0b100,
  init = 0b101,
  startup = 0b110,
  extint = 0b111,
};

const char* to_string(DeliveryMode mode);

struct ApicMessage {
  static constexpr uint64_t kBase = 0xFEE00000;  // the MSI window (1 MiB)
  static constexpr uint64_t kWindowMask = 0xFFFFF;
  static constexpr uint8_t kBroadcast = 0xFF;

  uint8_t vector = 0;
  DeliveryMode mode = DeliveryMode::fixed;
  bool logical = false;            // DM: destination is a logical (LDR) address
  uint8_t destination = 0;         // APIC ID or logical destination (MDA)
  bool redirection_hint = false;   // RH
  bool level = false;              // level bit (assert / INIT level de-assert)
  bool level_triggered = false;    // trigger mode bit

  uint64_t address() const {
    return kBase | uint64_t{destination} << 12 | (redirection_hint ? 1u << 3 : 0u) | (logical ? 1u << 2 : 0u);
  }
  uint32_t data() const {
    return uint32_t{vector} | uint32_t{static_cast<uint8_t>(mode)} << 8 | (level ? 1u << 14 : 0u) |
           (level_triggered ? 1u << 15 : 0u);
  }
  // Decodes a write; address may be absolute or the offset into the window.
  static ApicMessage decode(uint64_t address, uint32_t data);

  std::string describe() const;  // for warnings and logs
};

// Marks an IPI sent with the "all excluding self" shorthand: the message
// target skips `source`. Also tells which LAPIC sent an IPI (tracing).
class ApicSourceExtension : public tlm::tlm_extension<ApicSourceExtension> {
 public:
  ApicSourceExtension(const LocalApic* src = nullptr, bool exclude = false) : source(src), exclude_source(exclude) {}
  tlm::tlm_extension_base* clone() const override { return new ApicSourceExtension(source, exclude_source); }
  void copy_from(const tlm::tlm_extension_base& other) override {
    const auto& o = static_cast<const ApicSourceExtension&>(other);
    source = o.source;
    exclude_source = o.exclude_source;
  }
  const LocalApic* source;
  bool exclude_source;
};

}  // namespace minipc
