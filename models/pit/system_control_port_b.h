// PC/AT system control port B (port 0x61): the speaker path of PIT counter 2,
// a few status bits, and the chipset's NMI sources (IBM PC/AT Technical
// Reference, "System Control Port B"; Intel SDM vol. 3 §6.7 for NMI).
//
//   bit  write                                read
//   0    TIMER 2 GATE (-> PIT GATE2)          as written
//   1    SPEAKER DATA enable                  as written
//   2    parity check disable (PERR NMI off)  as written
//   3    I/O channel check disable (IOCHK     as written
//        NMI off)
//   4    -                                    REFRESH toggle: flips every 15.085 us
//   5    -                                    OUT2 of the PIT
//   6    -                                    IOCHK: the I/O channel check line
//   7    -                                    parity error (PERR/SERR: never 1 here)
//
// Bits 4-7 are read-only; software commonly writes back what it read, so
// writes to them are ignored silently. The refresh toggle is computed from
// the access time, not ticked. A write to bit 0 changes the gate2 output at
// the access's local time (a timed update), so the PIT sees the GATE edge
// when the CPU made it even when the CPU runs ahead of SystemC time.
//
// NMI (output `nmi`, the platform's net "nmi": the local APIC's LINT1, which
// firmware programs for NMI delivery as a PC BIOS does, and the CPU's NMI pin
// when the APIC is disabled). The chipset's NMI request is
//     (IOCHK and bit 3 = 0, or PERR and bit 2 = 0) and not the NMI mask,
// the NMI mask being bit 7 of the last write to the RTC's index port 0x70
// (set_nmi_mask(), called by the mc146818 block). The output is a level;
// the CPU (through LINT1 in NMI mode) takes one NMI per rising edge, so
// clearing a mask while IOCHK is 1 delivers the NMI then, and an IOCHK that
// stays 1 gives no second NMI after the handler's IRET.
//
// IOCHK's only source is the fault kind `power_fail` (power_fail_fault_hook(),
// docs/faults_disk_nmi.md): a power-supply monitor that pulls the I/O
// channel check line when the mains fails and holds it until the power is
// gone, so bit 6 reads 1 from the firing on (even with bit 3 set: the
// status shows the line; bit 3 only keeps it from raising an NMI). On the
// PC/AT setting bit 3 also resets the IOCHK latch; here the monitor keeps the
// line asserted, so bit 6 stays 1 while the power fails. `warning` after the
// firing the power goes: the simulation stops (StopReason::power_fail, exit
// status 96). Until then a stop is scheduled (core/sim_control.h
// schedule_stop()), so a CPU halted waiting for the power, even inside its
// NMI handler, is not stopped as deadlocked (94). A fault with a `duration`
// shorter than the warning is a brown-out: at its end the line is released
// and the power stays. Parity errors (bit 7) are never raised.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <utility>

#include "core/fault.h"
#include "core/irq.h"
#include "core/peripheral.h"

namespace minipc {

class SystemControlPortB : public Peripheral {
 public:
  SC_HAS_PROCESS(SystemControlPortB);
  explicit SystemControlPortB(const sc_core::sc_module_name& nm);

  // To the PIT's gate2 input.
  sc_core::sc_out<bool> gate2{"gate2"};
  // From the PIT's out2 output.
  sc_core::sc_in<bool> out2{"out2"};
  // The chipset's NMI request (see the top of this file); may stay unbound.
  sc_core::sc_port<sc_core::sc_signal_inout_if<bool>, 1, sc_core::SC_ZERO_OR_MORE_BOUND> nmi{"nmi"};

  Param<sc_core::sc_time> refresh_period{this, "refresh_period", sc_core::sc_time(15.085, sc_core::SC_US),
                                         "time between toggles of the refresh bit (bit 4)"};

  Register PORT_B{bank_, "PORT_B", 0, 1, 0x00};

  enum : uint8_t {
    TIMER2_GATE = 0x01, SPEAKER_DATA = 0x02, PARITY_CHECK_DISABLE = 0x04, CHANNEL_CHECK_DISABLE = 0x08,
    REFRESH_TOGGLE = 0x10, OUT2_STATE = 0x20, IOCHK = 0x40, PARITY_ERROR = 0x80,
    WRITABLE = 0x0F,
  };

  // The speaker sounds when both SPEAKER DATA and OUT2 are high.
  bool speaker_data() const { return PORT_B.get() & SPEAKER_DATA; }

  // The I/O channel check line (bit 6), from now (SystemC time).
  void set_iochk(bool level);
  bool iochk() const { return iochk_; }
  // The NMI mask latch (port 0x70 bit 7) as written at local time `at`.
  void set_nmi_mask(bool masked, const sc_core::sc_time& at);
  bool nmi_masked() const { return nmi_mask_; }
  // The NMI request as of the last change (the `nmi` output follows at its time).
  bool nmi_request() const;

  // The power-fail fault's sequence (power_fail_fault_hook() calls these):
  // IOCHK now, the power gone after `warning` (the run stops with `message`).
  void power_fail(const sc_core::sc_time& warning, const std::string& message);
  void power_restored();  // a brown-out ended before the power went
  bool power_failing() const { return power_failing_; }

 protected:
  void reset_state() override;
  void start_of_simulation() override { started_ = true; }

 private:
  uint64_t read_port_b();
  void write_port_b(uint64_t v);
  void drive_gate2();  // method: applies gate2 changes at their time
  void drive_nmi();    // method: applies NMI request changes at their time
  void power_off();    // method: the power is gone
  void nmi_changed(const sc_core::sc_time& at);

  std::deque<std::pair<sc_core::sc_time, bool>> pending_gate2_;
  sc_core::sc_event gate2_update_;
  bool started_ = false;

  bool iochk_ = false, nmi_mask_ = false;
  bool power_failing_ = false;
  std::string power_message_;
  std::deque<std::pair<sc_core::sc_time, bool>> pending_nmi_;
  sc_core::sc_event nmi_update_, power_off_;
};

// The fault kind `power_fail` of the block owning port 0x61: parameter
// `warning` (time from the NMI until the power goes, default 2 ms).
FaultHook power_fail_fault_hook(SystemControlPortB& port);

}  // namespace minipc
