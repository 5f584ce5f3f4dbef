// Local APIC (xAPIC, Intel SDM vol. 3 ch. 10), one per CPU.
//
// The CPU reaches its own LAPIC at 0xFEE00000 (4 KiB) without crossing the
// bus (DESIGN.md §2): it binds one more initiator socket straight to `regs`
// and sends there every memory access that falls in the page named by base().
// Registers sit on 16-byte boundaries and are accessed 32 bits wide. The
// register table below is the SDM's (Table 10-1), in its order and with its
// names; reserved slots of the page answer 0 and set ESR bit 7.
//
// Interrupts arrive as APIC messages (ApicMessageTarget::deliver() calls
// receive()), from the LVT (timer, LINT0, LINT1, error) and from self IPIs.
// Fixed interrupts go to IRR (and TMR when level triggered); the highest IRR
// priority class above PPR's class asserts INTR; the CPU's INTA
// (acknowledge()) moves it to ISR; an EOI write retires the highest ISR bit and
// broadcasts an EOI to the IOAPICs when its TMR bit was set.
//
// LINT0 in ExtINT mode is the 8259's virtual wire: a high lint0 asserts INTR
// regardless of priorities, and acknowledge() runs the INTA cycle on the PIC
// through `extint_ack`. NMIs (LINT1 in NMI mode, NMI messages) raise the `nmi`
// output until the CPU calls acknowledge_nmi().
//
// The timer is computed, not ticked: the current count is derived from the
// time of the access, and one sc_event is scheduled per expiry.
//
// All output signals are written by one SC_METHOD (update_outputs), so each
// has one writer whatever process (CPU, IOAPIC, timer) changed the state; the
// change shows on the signals one delta cycle later. intr_pending() gives
// the CPU the same answer without that delta.
#pragma once

#include <algorithm>
#include <iterator>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <vector>

#include <tlm_utils/simple_initiator_socket.h>

#include "apic/apic_message.h"
#include "core/irq.h"
#include "core/peripheral.h"
#include "core/stats.h"

namespace minipc {

class ApicMessageTarget;

class LocalApic : public Peripheral, public InterruptAcknowledgeIf {
 public:
  SC_HAS_PROCESS(LocalApic);
  explicit LocalApic(const sc_core::sc_module_name& nm);

  // ---- ports ----------------------------------------------------------------
  IrqOut intr{"intr"};  // to the CPU's INTR input
  IrqOut nmi{"nmi"};    // to the CPU: an NMI is pending (see acknowledge_nmi())
  IrqIn lint0{"lint0"};  // local interrupt pin 0 (the 8259 master's INT on a PC)
  IrqIn lint1{"lint1"};  // local interrupt pin 1 (the NMI source on a PC)
  // IPIs leave as MSI-format memory writes; the platform binds this to the bus.
  tlm_utils::simple_initiator_socket<LocalApic> msg{"msg"};
  // INTA cycle on the 8259 master for ExtINT interrupts (LINT0 virtual wire).
  sc_core::sc_port<InterruptAcknowledgeIf, 1, sc_core::SC_ZERO_OR_MORE_BOUND> extint_ack{"extint_ack"};

  // Traceable state (VCD): PPR and the highest in-service vector (0 = none).
  sc_core::sc_signal<uint8_t> ppr_trace{"ppr_trace"};
  sc_core::sc_signal<uint8_t> isr_vector_trace{"isr_vector_trace"};

  // ---- parameters -----------------------------------------------------------
  // Called when an EOI write retires the in-service vector, with the local
  // time of the write (the platform's latency measurement).
  std::function<void(uint8_t vector, const sc_core::sc_time& at)> on_eoi;

  Param<uint64_t> apic_id{this, "apic_id", 0, "APIC ID (ID register bits 31:24 at reset); 0 is the BSP"};
  Param<double> bus_hz{this, "bus_hz", 100e6, "timer input clock (Hz), before the divide configuration"};
  Param<bool> lint0_extint_at_reset{this, "lint0_extint_at_reset", false,
                                    "reset LVT LINT0 to ExtINT, level, unmasked (0x8700, as SeaBIOS leaves QEMU's "
                                    "BSP) so the 8259 reaches INTR through the LAPIC (virtual wire)"};

  // ---- the CPU's side -------------------------------------------------------
  // INTA: ExtINT from the 8259 first (it ignores priorities), else the highest
  // IRR vector whose class beats PPR's (moved to ISR), else the spurious vector
  // from SVR. Returns -1 only when the 8259 had nothing either.
  int acknowledge() override;
  // The INTR level as of now (the `intr` signal follows one delta later).
  bool intr_pending() const;
  // The CPU takes an NMI (vector 2) when nmi_pending() / the nmi output is high,
  // then calls acknowledge_nmi(), which drops the output.
  bool nmi_pending() const { return nmi_pending_; }
  void acknowledge_nmi();
  // IA32_APIC_BASE as the CPU's RDMSR sees it: base 0xFEE00000, BSP bit 8,
  // global enable bit 11. set_base() is WRMSR: clearing bit 11 disables the
  // APIC (LINT0 becomes INTR, LINT1 NMI, as on a CPU without one); setting it
  // again brings the APIC back in its power-up state. The CPU routes its
  // accesses to the page at base() & ~0xFFF while bit 11 is set.
  uint64_t base() const;
  void set_base(uint64_t msr);
  void set_enabled(bool enabled);
  bool enabled() const { return hw_enabled_; }
  // INIT, STARTUP (SIPI) and SMI messages are the CPU's business: these are
  // called at delivery (vector = the SIPI's start page). Without a callback
  // they are counted and otherwise ignored.
  std::function<void()> on_init;
  std::function<void(uint8_t)> on_startup;
  std::function<void()> on_smi;

  // ---- the message target's side ---------------------------------------------
  void receive(const ApicMessage& m);
  uint8_t id() const { return static_cast<uint8_t>(ID.get() >> 24); }
  bool software_enabled() const { return (SVR.get() & SVR_APIC_ENABLED) != 0; }
  // Whether this LAPIC is one of the destinations (physical or logical).
  bool addressed_by(uint8_t destination, bool logical) const;
  // Priority for lowest-priority arbitration (the PPR).
  uint8_t arbitration_priority() const { return ppr(); }

  // ---- registers (SDM Table 10-1) ---------------------------------------------
  Register ID{bank_, "ID", 0x020, 4, (apic_id.get() & 0xFF) << 24};
  Register VERSION{bank_, "VERSION", 0x030, 4, kVersion, Access::read_only};
  Register TPR{bank_, "TPR", 0x080, 4, 0};
  Register APR{bank_, "APR", 0x090, 4, 0, Access::read_only};
  Register PPR{bank_, "PPR", 0x0A0, 4, 0, Access::read_only};
  Register EOI{bank_, "EOI", 0x0B0, 4, 0, Access::write_only};
  Register RRD{bank_, "RRD", 0x0C0, 4, 0, Access::read_only};
  Register LDR{bank_, "LDR", 0x0D0, 4, 0};
  Register DFR{bank_, "DFR", 0x0E0, 4, 0xFFFFFFFF};
  Register SVR{bank_, "SVR", 0x0F0, 4, 0xFF};
  Register ISR0{bank_, "ISR0", 0x100, 4, 0, Access::read_only};
  Register ISR1{bank_, "ISR1", 0x110, 4, 0, Access::read_only};
  Register ISR2{bank_, "ISR2", 0x120, 4, 0, Access::read_only};
  Register ISR3{bank_, "ISR3", 0x130, 4, 0, Access::read_only};
  Register ISR4{bank_, "ISR4", 0x140, 4, 0, Access::read_only};
  Register ISR5{bank_, "ISR5", 0x150, 4, 0, Access::read_only};
  Register ISR6{bank_, "ISR6", 0x160, 4, 0, Access::read_only};
  Register ISR7{bank_, "ISR7", 0x170, 4, 0, Access::read_only};
  Register TMR0{bank_, "TMR0", 0x180, 4, 0, Access::read_only};
  Register TMR1{bank_, "TMR1", 0x190, 4, 0, Access::read_only};
  Register TMR2{bank_, "TMR2", 0x1A0, 4, 0, Access::read_only};
  Register TMR3{bank_, "TMR3", 0x1B0, 4, 0, Access::read_only};
  Register TMR4{bank_, "TMR4", 0x1C0, 4, 0, Access::read_only};
  Register TMR5{bank_, "TMR5", 0x1D0, 4, 0, Access::read_only};
  Register TMR6{bank_, "TMR6", 0x1E0, 4, 0, Access::read_only};
  Register TMR7{bank_, "TMR7", 0x1F0, 4, 0, Access::read_only};
  Register IRR0{bank_, "IRR0", 0x200, 4, 0, Access::read_only};
  Register IRR1{bank_, "IRR1", 0x210, 4, 0, Access::read_only};
  Register IRR2{bank_, "IRR2", 0x220, 4, 0, Access::read_only};
  Register IRR3{bank_, "IRR3", 0x230, 4, 0, Access::read_only};
  Register IRR4{bank_, "IRR4", 0x240, 4, 0, Access::read_only};
  Register IRR5{bank_, "IRR5", 0x250, 4, 0, Access::read_only};
  Register IRR6{bank_, "IRR6", 0x260, 4, 0, Access::read_only};
  Register IRR7{bank_, "IRR7", 0x270, 4, 0, Access::read_only};
  Register ESR{bank_, "ESR", 0x280, 4, 0};
  Register ICR_LOW{bank_, "ICR_LOW", 0x300, 4, 0};
  Register ICR_HIGH{bank_, "ICR_HIGH", 0x310, 4, 0};
  Register LVT_TIMER{bank_, "LVT_TIMER", 0x320, 4, LVT_MASKED};
  Register LVT_THERMAL{bank_, "LVT_THERMAL", 0x330, 4, LVT_MASKED};
  Register LVT_PERF{bank_, "LVT_PERF", 0x340, 4, LVT_MASKED};
  Register LVT_LINT0{bank_, "LVT_LINT0", 0x350, 4, LVT_MASKED};
  Register LVT_LINT1{bank_, "LVT_LINT1", 0x360, 4, LVT_MASKED};
  Register LVT_ERROR{bank_, "LVT_ERROR", 0x370, 4, LVT_MASKED};
  Register TIMER_ICR{bank_, "TIMER_ICR", 0x380, 4, 0};  // initial count
  Register TIMER_CCR{bank_, "TIMER_CCR", 0x390, 4, 0, Access::read_only};  // current count
  Register TIMER_DCR{bank_, "TIMER_DCR", 0x3E0, 4, 0};  // divide configuration

  // Version 0x14 (xAPIC), max LVT entry 5 (timer, thermal, perf, LINT0,
  // LINT1, error), no EOI-broadcast suppression: what a Pentium 4 and QEMU report.
  static constexpr uint32_t kVersion = 0x00050014;

  enum : uint32_t {
    SVR_VECTOR = 0xFF, SVR_APIC_ENABLED = 1u << 8, SVR_FOCUS_DISABLED = 1u << 9,
    LVT_VECTOR = 0xFF, LVT_DELIVERY_MODE = 7u << 8, LVT_DELIVERY_STATUS = 1u << 12,
    LVT_POLARITY_LOW = 1u << 13, LVT_REMOTE_IRR = 1u << 14, LVT_LEVEL = 1u << 15, LVT_MASKED = 1u << 16,
    LVT_TIMER_PERIODIC = 1u << 17, LVT_TIMER_TSC_DEADLINE = 1u << 18,
    ICR_VECTOR = 0xFF, ICR_DELIVERY_MODE = 7u << 8, ICR_LOGICAL = 1u << 11, ICR_DELIVERY_STATUS = 1u << 12,
    ICR_LEVEL_ASSERT = 1u << 14, ICR_LEVEL_TRIGGER = 1u << 15, ICR_SHORTHAND = 3u << 18,
    ESR_SEND_CHECKSUM = 1u << 0, ESR_RECEIVE_CHECKSUM = 1u << 1, ESR_SEND_ACCEPT = 1u << 2,
    ESR_RECEIVE_ACCEPT = 1u << 3, ESR_SEND_ILLEGAL_VECTOR = 1u << 5, ESR_RECEIVE_ILLEGAL_VECTOR = 1u << 6,
    ESR_ILLEGAL_REGISTER = 1u << 7,
  };
  enum Shorthand : uint8_t { no_shorthand = 0, self = 1, all_including_self = 2, all_excluding_self = 3 };

 protected:
  void reset_state() override;
  void start_of_simulation() override;

 private:
  friend class ApicMessageTarget;

  // An IPI waiting for the sender thread (sent at its local time).
  struct Outgoing {
    ApicMessage message;
    sc_core::sc_time at;
    Shorthand shorthand;
  };

  // Register callbacks.
  void write_id(uint64_t v);
  void write_tpr(uint64_t v);
  void write_eoi(uint64_t v);
  void write_ldr(uint64_t v);
  void write_dfr(uint64_t v);
  void write_svr(uint64_t v);
  void write_esr(uint64_t v);
  void write_icr_low(uint64_t v);
  uint64_t read_icr_low();
  void write_icr_high(uint64_t v);
  void write_lvt(Register& lvt, uint32_t writable, uint64_t v);
  void write_timer_icr(uint64_t v);
  uint64_t read_timer_ccr();
  void write_timer_dcr(uint64_t v);
  uint64_t reserved_access(uint64_t offset);

  // Interrupt state.
  void accept(uint8_t vector, bool level_triggered);
  void error(uint32_t esr_bits);
  uint8_t ppr() const;
  uint8_t apr() const;
  int highest_irr() const;
  int highest_isr() const;
  bool fixed_pending() const;   // an IRR vector beats PPR
  bool extint_pending() const;  // LINT0 virtual wire high or an ExtINT message waiting
  void eoi_lint(uint8_t vector);
  void refresh();  // stored register values for debug reads; wake update_outputs
  void update_outputs();
  void power_up();

  // LINT pins.
  void on_lint();
  void lint_input(int pin, bool level);
  void evaluate_level_lint(int pin);
  Register& lvt_lint(int pin) { return pin == 0 ? LVT_LINT0 : LVT_LINT1; }

 public:
  // Whether LINT0 or LINT1 is unmasked with NMI delivery (its pin could
  // then raise an NMI): the CPU's deadlock check asks.
  bool nmi_armed() const {
    for (const Register* r : {&LVT_LINT0, &LVT_LINT1}) {
      const uint32_t v = static_cast<uint32_t>(r->get());
      if (!(v & LVT_MASKED) && ((v & LVT_DELIVERY_MODE) >> 8) == static_cast<uint32_t>(DeliveryMode::nmi)) return true;
    }
    return false;
  }

 private:

  // Timer.
  uint64_t timer_divisor() const;
  sc_core::sc_time timer_tick() const;  // one count
  uint32_t current_count(const sc_core::sc_time& t) const;
  void rebase_timer(const sc_core::sc_time& t);
  void schedule_timer();
  void on_timer();

  // IPIs.
  void sender_thread();

  // The 256-bit IRR, ISR and TMR, kept as the eight 32-bit registers the
  // SDM lays them out in (the interrupt path reads them word-wise several
  // times per interrupt).
  struct VectorBits {
    uint32_t w[8] = {};
    void set(unsigned v) { w[v >> 5] |= 1u << (v & 31); }
    void reset(unsigned v) { w[v >> 5] &= ~(1u << (v & 31)); }
    void reset() { std::fill(std::begin(w), std::end(w), 0u); }
    void assign(unsigned v, bool on) { on ? set(v) : reset(v); }
    bool test(unsigned v) const { return (w[v >> 5] >> (v & 31)) & 1u; }
    int highest() const {  // the highest vector set, or -1
      for (int i = 7; i >= 0; --i)
        if (w[i]) return i * 32 + 31 - __builtin_clz(w[i]);
      return -1;
    }
  };
  VectorBits irr_, isr_, tmr_;
  uint32_t esr_pending_ = 0;        // errors seen since the last ESR write
  bool hw_enabled_ = true;          // IA32_APIC_BASE bit 11
  uint64_t base_address_ = ApicMessage::kBase;
  bool extint_message_ = false;     // an ExtINT message waits for INTA
  bool nmi_pending_ = false;
  bool lint_level_[2] = {false, false};
  bool started_ = false;

  // Timer: counting down from `timer_count_at_base_` since `timer_base_`;
  // periodic mode reloads TIMER_ICR. Armed while timer_running_.
  bool timer_running_ = false;
  uint32_t timer_count_at_base_ = 0;
  sc_core::sc_time timer_base_;
  sc_core::sc_time timer_next_expiry_;
  sc_core::sc_event timer_event_;

  std::deque<Outgoing> outgoing_;
  sc_core::sc_event send_event_;
  sc_core::sc_time icr_busy_until_;  // delivery status reads 1 before this time
  bool icr_sent_ = true;

  sc_core::sc_event update_event_;
  ApicMessageTarget* message_target_ = nullptr;  // for EOI broadcasts (set by attach)
  std::vector<std::unique_ptr<Register>> reserved_;

  Counter& interrupts_accepted_;
  Counter& spurious_;
  Counter& eoi_;
  Counter& timer_expiries_;
  Counter& ipis_sent_;
};

}  // namespace minipc
