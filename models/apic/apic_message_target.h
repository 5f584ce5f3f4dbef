// The receiving end of APIC messages: the system's 0xFEE00000 MSI window.
//
// The bus maps `port` at 0xFEE00000, size 1 MiB, in the memory space. Every
// 4-byte write there (from the IOAPIC, from a LAPIC's ICR, from an MSI-capable
// device) is decoded as an x86 MSI (apic_message.h) and delivered to the
// attached local APICs:
//   - physical destination: the LAPIC whose ID matches; 0xFF = all.
//   - logical destination: each LAPIC's LDR under its DFR model, flat
//     (LDR[31:24] & MDA != 0) or cluster (same cluster in the high nibble, or
//     cluster 0xF = all clusters, and a common bit in the low nibble); 0xFF
//     reaches everyone in flat mode.
//   - lowest priority: among the addressed, software-enabled LAPICs, the one
//     with the lowest PPR; ties go to the lowest APIC ID. Focus processor
//     checking (SVR bit 9) is not modelled.
// The EOI of a level-triggered vector at any LAPIC is broadcast to the attached
// IOAPICs (IoApic::eoi), as the 82093AA's EOI message on the APIC bus.
//
// Delivery is immediate, at the writer's local time; messages addressed to
// nobody are counted (`<name>.undelivered`) and warned about once.
#pragma once

#include <tlm_utils/multi_passthrough_target_socket.h>

#include <systemc>
#include <vector>

#include "apic/apic_message.h"
#include "core/stats.h"

namespace minipc {

class LocalApic;
class IoApic;

class ApicMessageTarget : public sc_core::sc_module {
 public:
  // Several initiators may bind directly in tests; the platform binds the bus.
  tlm_utils::multi_passthrough_target_socket<ApicMessageTarget> port{"port"};

  explicit ApicMessageTarget(const sc_core::sc_module_name& nm);

  void attach(LocalApic& lapic);
  void attach(IoApic& ioapic);

  // Delivers one message (what a write to the window does). `source` and
  // `exclude_source` come from an ApicSourceExtension when present.
  void deliver(const ApicMessage& m, const LocalApic* source = nullptr, bool exclude_source = false);
  // A LAPIC retired a level-triggered vector.
  void broadcast_eoi(uint8_t vector);

  const std::vector<LocalApic*>& local_apics() const { return lapics_; }

 private:
  void b_transport(int id, tlm::tlm_generic_payload& p, sc_core::sc_time& delay);
  unsigned int transport_dbg(int id, tlm::tlm_generic_payload& p);

  std::vector<LocalApic*> lapics_;
  std::vector<IoApic*> ioapics_;
  bool warned_undelivered_ = false;
  Counter& messages_;
  Counter& undelivered_;
};

}  // namespace minipc
