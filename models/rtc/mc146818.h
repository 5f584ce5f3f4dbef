// Motorola MC146818A real-time clock and CMOS RAM (PC: ports 0x70-0x71, IRQ 8).
//
// The bus sees two ports: INDEX (offset 0, port 0x70) selects one of the 128
// CMOS locations in bits 6:0, and its bit 7 is the PC's NMI mask (a chipset
// latch that shares the port, not part of the RTC); DATA (offset 1, port 0x71)
// reads and writes the selected location. The locations are the datasheet's
// register table (Regs below, in its order), then CMOS RAM up to 0x7F (the
// 128-byte map of the DS12887 / PC chipsets, which the PC uses; the original
// MC146818A has 64).
//
// Battery-backed RAM (`cmos_file`): a PC keeps its CMOS RAM through a power
// loss. With a file named, the RAM bytes (0x0E-0x7F, except CENTURY, which
// start_time sets) are read from it at power-up when it exists (128 bytes,
// the CMOS map, as this model writes it) and the whole map is written back
// to it on every change of a RAM byte; the time registers always come from
// start_time.
//
// Timing is computed, not ticked. The divider chain counts cycles of the
// 32.768 kHz time base from an epoch; update cycles happen every 32768 cycles
// after it, periodic-interrupt taps every 2^(RS-1) cycles. Every access brings
// the calendar up to the local time of the access (access_time()), applying
// the update cycles that fell in between. An sc_event is scheduled only when
// an enabled interrupt source has to raise IRQ8 by itself. The IRQ output is
// written only by that SC_METHOD (on_wakeup): a wake-up drives it at once, an
// access that changes it notifies the method for the next delta. So the
// signal has a single writer process whichever process made the access.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <string>

#include "core/irq.h"
#include "core/peripheral.h"
#include "core/stats.h"

namespace minipc {

class Mc146818 : public Peripheral {
 public:
  SC_HAS_PROCESS(Mc146818);
  explicit Mc146818(const sc_core::sc_module_name& nm);

  // IRQ (the chip's open-drain IRQ pin, active high here): IRQ8 on a PC.
  // Asserted while register C's IRQF is set; released when C is read.
  IrqOut irq{"irq"};

  Param<std::string> start_time{this, "start_time", "2000-01-01T00:00:00",
                                "calendar at time 0: YYYY-MM-DDTHH:MM:SS, or 'host' (host clock, UTC)"};
  Param<std::string> cmos_file{this, "cmos_file", "",
                               "battery-backed CMOS RAM across runs: read at power-up if it exists, written on every "
                               "change of a RAM byte (empty: RAM starts clear)"};

  // NMI mask latched from bit 7 of the last write to port 0x70: on a PC it
  // gates the chipset's NMI sources (port 0x61's IOCHK and PERR, models/pit/
  // system_control_port_b.h) from the CPU. 1 = masked; 0 after reset.
  bool nmi_masked() const { return nmi_masked_; }
  // Called when a write to port 0x70 changes the mask, with the access's
  // local time (the platform connects it to port 0x61's block).
  std::function<void(bool masked, const sc_core::sc_time& at)> on_nmi_mask;

  // ---- bus registers ---------------------------------------------------------
  Register INDEX{bank_, "INDEX", 0, 1, 0x00};  // port 0x70: bit 7 NMI mask, 6:0 CMOS index
  Register DATA{bank_, "DATA", 1, 1, 0x00};    // port 0x71: the selected CMOS location

  // ---- CMOS locations, as in the datasheet's address map -----------------------
  enum Regs : uint8_t {
    SECONDS = 0x00, SECONDS_ALARM = 0x01, MINUTES = 0x02, MINUTES_ALARM = 0x03,
    HOURS = 0x04, HOURS_ALARM = 0x05, DAY_OF_WEEK = 0x06, DATE_OF_MONTH = 0x07,
    MONTH = 0x08, YEAR = 0x09,
    REG_A = 0x0A, REG_B = 0x0B, REG_C = 0x0C, REG_D = 0x0D,
    RAM_FIRST = 0x0E,
    CENTURY = 0x32,  // IBM PC/AT convention (BCD in the BIOS's usual mode)
  };
  enum : uint8_t {
    A_UIP = 0x80, A_DV = 0x70, A_RS = 0x0F,
    B_SET = 0x80, B_PIE = 0x40, B_AIE = 0x20, B_UIE = 0x10, B_SQWE = 0x08, B_DM = 0x04,
    B_24H = 0x02, B_DSE = 0x01,
    C_IRQF = 0x80, C_PF = 0x40, C_AF = 0x20, C_UF = 0x10,
    D_VRT = 0x80,
    DV_32768 = 0x20,  // DV2-0 = 010: 32.768 kHz time base, divider running
    ALARM_DONT_CARE = 0xC0,
  };
  static constexpr unsigned kCmosSize = 128;
  // The PC BIOS leaves A = 0x26 (32.768 kHz, 1024 Hz periodic rate) and
  // B = 0x02 (24-hour, BCD, no interrupts): the model powers up that way.
  static constexpr uint8_t kPowerOnA = 0x26;
  static constexpr uint8_t kPowerOnB = 0x02;

  // Time-base arithmetic (32.768 kHz cycles), exposed for tests and docs.
  static constexpr uint64_t kCyclesPerSecond = 32768;
  static constexpr uint64_t kUipCycles = 8;  // UIP rises 244.140625 us before the update
  // Period of periodic-interrupt rate RS (0 = none) in time-base cycles.
  static uint64_t periodic_cycles(unsigned rs);
  static sc_core::sc_time periodic_period(unsigned rs);

 protected:
  void reset_state() override;  // the RESET pin
  void start_of_simulation() override;

 private:
  // Calendar decoded from the time registers (binary, 24-hour).
  struct Calendar {
    int sec, min, hour, dow, day, month, year, century;
  };

  uint64_t read_index();
  void write_index(uint64_t v);
  uint64_t read_data();
  void write_data(uint64_t v);

  // Cycle count of the 32.768 kHz time base at time t.
  static int64_t cycles_at(const sc_core::sc_time& t);
  static sc_core::sc_time time_of_cycle(int64_t c);  // first instant at or after cycle c

  void sync(const sc_core::sc_time& t);
  bool divider_running() const { return (cmos_[REG_A] & A_DV) == DV_32768; }
  bool updating() const { return divider_running() && !(cmos_[REG_B] & B_SET); }
  bool uip() const;
  void update_cycle();  // one second: advance the calendar, check the alarm, set UF
  Calendar decode() const;
  void encode(const Calendar& c);
  uint8_t to_reg(int v) const;
  int from_reg(uint8_t v) const;
  void set_calendar_from(const std::string& text);
  void load_cmos_file();
  void save_cmos_file();

  uint8_t reg_c() const;
  void refresh();       // after an access: DATA's stored value, IRQ, wake-up
  void refresh_data();
  void update_irq();
  void schedule_wakeup();
  void on_wakeup();

  std::array<uint8_t, kCmosSize> cmos_{};
  bool nmi_masked_ = false;
  int64_t now_cycles_ = 0;     // time base synced up to this cycle
  int64_t epoch_cycles_ = 0;   // divider chain epoch: updates at epoch + k*32768
  uint8_t flags_ = 0;          // PF, AF, UF (IRQF is derived)
  bool dse_october_done_ = false;
  bool started_ = false;
  bool warned_dv_ = false;
  bool warned_cmos_file_ = false;
  sc_core::sc_event wakeup_;    // an enabled interrupt source fires by itself
  sc_core::sc_event irq_event_; // an access changed the IRQ level: on_wakeup() writes it

  Counter& updates_;
  Counter& irqs_;
};

}  // namespace minipc
