// Intel 82093AA I/O APIC: 24 interrupt inputs, a redirection table, and
// interrupt messages to the local APICs.
//
// MMIO at 0xFEC00000: IOREGSEL (offset 0x00) selects an indirect register,
// IOWIN (offset 0x10) reads or writes it, 32 bits at a time. The indirect
// registers are declared below as their own bank (`window_`, at byte offset
// index * 4), in the datasheet's order: IOAPICID, IOAPICVER, IOAPICARB and
// the 24 64-bit redirection table entries IOREDTBL0..23 (indexes 0x10-0x3F,
// low dword at 0x10 + 2n, high dword at 0x11 + 2n).
//
// Inputs: `in[0..23]` (sc_vector, names in_0..in_23), all to be bound. An
// entry's polarity bit (13) inverts its input; the entry then behaves as:
//   edge   (bit 15 = 0): an asserting edge on an unmasked input sends one
//          message. Edges while masked are lost (82093AA: "not delivered or
//          held pending").
//   level  (bit 15 = 1): an asserted, unmasked input with remote IRR clear
//          sends a message and sets remote IRR; an EOI for the entry's vector
//          (IoApic::eoi, broadcast by the LAPIC) clears remote IRR, and the
//          message goes again while the input is still asserted. A level
//          input asserted while masked is sent when it is unmasked.
// Messages leave through `msg` as MSI-format memory writes (apic_message.h),
// from the IOAPIC's own thread at the time they were caused; delivery status
// (bit 12) reads 1 from the cause until the write is done.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <vector>

#include <tlm_utils/simple_initiator_socket.h>

#include "apic/apic_message.h"
#include "core/irq.h"
#include "core/peripheral.h"
#include "core/stats.h"

namespace minipc {

class IoApic : public Peripheral {
 public:
  SC_HAS_PROCESS(IoApic);
  explicit IoApic(const sc_core::sc_module_name& nm);

  static constexpr unsigned kInputs = 24;
  sc_core::sc_vector<IrqIn> in{"in", kInputs};
  tlm_utils::simple_initiator_socket<IoApic> msg{"msg"};

  Param<uint64_t> ioapic_id{this, "ioapic_id", 0, "IOAPICID bits 27:24 at reset"};

  // EOI broadcast from a local APIC: clears remote IRR of the level-triggered
  // entries with this vector, and resends those whose input is still asserted.
  void eoi(uint8_t vector);

  // Whether an unmasked redirection entry has NMI delivery (a device line
  // could then send an NMI): the CPU's deadlock check asks.
  bool routes_nmi() const;

  // ---- direct registers (memory-mapped) ------------------------------------
  Register IOREGSEL{bank_, "IOREGSEL", 0x00, 4, 0};
  Register IOWIN{bank_, "IOWIN", 0x10, 4, 0};

  // ---- indirect registers (selected by IOREGSEL, at index * 4 in window_) --
  RegisterBank window_{std::string(name()) + " IOWIN (offset = index * 4)"};
  Register IOAPICID{window_, "IOAPICID", 0x00 * 4, 4, (ioapic_id.get() & 0xF) << 24};
  Register IOAPICVER{window_, "IOAPICVER", 0x01 * 4, 4, kVersion, Access::read_only};
  Register IOAPICARB{window_, "IOAPICARB", 0x02 * 4, 4, (ioapic_id.get() & 0xF) << 24, Access::read_only};
  std::vector<std::unique_ptr<Register>> IOREDTBL;  // IOREDTBL0..23, 64 bits each

  // Version 0x11 (82093AA), maximum redirection entry 23.
  static constexpr uint32_t kVersion = 0x00170011;

  enum : uint64_t {
    RTE_VECTOR = 0xFF, RTE_DELIVERY_MODE = 7u << 8, RTE_LOGICAL = 1u << 11, RTE_DELIVERY_STATUS = 1u << 12,
    RTE_POLARITY_LOW = 1u << 13, RTE_REMOTE_IRR = 1u << 14, RTE_LEVEL = 1u << 15, RTE_MASKED = 1u << 16,
    RTE_DESTINATION_SHIFT = 56,
  };

 protected:
  void reset_state() override;
  void start_of_simulation() override;

 private:
  struct Outgoing {
    unsigned entry;
    ApicMessage message;
    sc_core::sc_time at;
  };

  uint64_t read_iowin();
  void write_iowin(uint64_t v);
  void write_ioapicid(uint64_t v);
  void write_redirection(unsigned n, uint64_t v);

  void on_input();
  bool asserted(unsigned n) const;  // polarity-adjusted input level
  void evaluate_level(unsigned n, const sc_core::sc_time& t);
  void send(unsigned n, const sc_core::sc_time& t);
  void sender_thread();

  std::vector<bool> input_level_;  // last sampled raw input levels
  std::vector<unsigned> pending_sends_;  // messages queued per entry (delivery status)
  std::deque<Outgoing> outgoing_;
  sc_core::sc_event send_event_;
  bool started_ = false;

  Counter& messages_sent_;
  Counter& edges_lost_;
};

}  // namespace minipc
