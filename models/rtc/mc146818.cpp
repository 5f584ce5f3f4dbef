#include "rtc/mc146818.h"

#include <cstdio>
#include <fstream>
#include <ctime>
#include <sstream>

#include "core/input_file.h"
#include "core/params.h"
#include "core/sim_control.h"

namespace minipc {

namespace {
std::string hex2(unsigned v) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "0x%02X", v & 0xFF);
  return buf;
}

int64_t floor_div(int64_t a, int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }

// The sc_time resolution in femtoseconds (1000 for the default 1 ps).
__int128 resolution_fs() {
  return static_cast<__int128>(sc_core::sc_get_time_resolution().to_seconds() * 1e15 + 0.5);
}

constexpr __int128 kFsPerSecond = 1'000'000'000'000'000;

// Day of week, 1 = Sunday ... 7 = Saturday (the PC's convention for register 6).
int day_of_week(int year, int month, int day) {
  static const int offsets[] = {0, 3, 2, 5, 0, 3, 5, 1, 4, 6, 2, 4};
  if (month < 3) year -= 1;
  return (year + year / 4 - year / 100 + year / 400 + offsets[month - 1] + day) % 7 + 1;
}

// The chip's month lengths: a year is a leap year when its two-digit value is
// divisible by 4 (right from 1901 to 2099).
int days_in_month(int month, int year2) {
  switch (month) {
    case 2: return year2 % 4 == 0 ? 29 : 28;
    case 4: case 6: case 9: case 11: return 30;
    default: return 31;
  }
}

bool gregorian_leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }
}  // namespace

Mc146818::Mc146818(const sc_core::sc_module_name& nm)
    : Peripheral(nm),
      updates_(StatsRegistry::instance().counter(std::string(name()) + ".updates", "update cycles")),
      irqs_(StatsRegistry::instance().counter(std::string(name()) + ".irqs", "IRQ assertions")) {
  INDEX.field("INDEX", 0, 7).field("NMI_MASK", 7, 1);
  INDEX.on_read = [this] { return read_index(); };
  INDEX.on_write = [this](uint64_t v) { write_index(v); };
  DATA.on_read = [this] { return read_data(); };
  DATA.on_write = [this](uint64_t v) { write_data(v); };

  // Power-on: RAM clear, A/B as a PC BIOS leaves them, valid RAM and time.
  cmos_[REG_A] = kPowerOnA;
  cmos_[REG_B] = kPowerOnB;
  cmos_[REG_D] = D_VRT;
  set_calendar_from(start_time.get());
  load_cmos_file();

  SC_METHOD(on_wakeup);  // also runs once at initialization
  sensitive << wakeup_ << irq_event_;
}

void Mc146818::start_of_simulation() { started_ = true; }

void Mc146818::reset_state() {
  // The RESET pin: clears PIE, AIE, UIE, SQWE and the flags; time, calendar,
  // RAM, register A, DM, 24/12, DSE and SET are not affected.
  cmos_[REG_B] &= static_cast<uint8_t>(~(B_PIE | B_AIE | B_UIE | B_SQWE));
  flags_ = 0;
  if (nmi_masked_ && on_nmi_mask) on_nmi_mask(false, sc_core::sc_time_stamp());
  nmi_masked_ = false;
  refresh();
}

void Mc146818::set_calendar_from(const std::string& text) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
  if (text == "host") {
    const std::time_t now = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&now, &tm);
    y = tm.tm_year + 1900, mo = tm.tm_mon + 1, d = tm.tm_mday, h = tm.tm_hour, mi = tm.tm_min, s = tm.tm_sec;
  } else {
    int used = -1;
    const bool shaped = text.size() == 19 && text[4] == '-' && text[7] == '-' && text[10] == 'T' &&
                        text[13] == ':' && text[16] == ':';
    const bool parsed = shaped &&
                        std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &s, &used) == 6 &&
                        used == 19;
    bool digits = true;
    for (size_t i : {0u, 1u, 2u, 3u, 5u, 6u, 8u, 9u, 11u, 12u, 14u, 15u, 17u, 18u})
      if (i >= text.size() || text[i] < '0' || text[i] > '9') digits = false;
    const int month_days =
        (mo >= 1 && mo <= 12) ? (mo == 2 ? (gregorian_leap(y) ? 29 : 28) : days_in_month(mo, 1)) : 0;
    if (!parsed || !digits || mo < 1 || mo > 12 || d < 1 || d > month_days || h > 23 || mi > 59 || s > 59)
      throw ConfigError(start_time.key() + ": '" + text +
                        "' is not a date and time YYYY-MM-DDTHH:MM:SS (e.g. 2000-01-01T00:00:00) or 'host'");
  }
  encode({s, mi, h, day_of_week(y, mo, d), d, mo, y % 100, y / 100});
  cmos_[CENTURY] = to_reg(y / 100);
}

// ---- time base ------------------------------------------------------------------

uint64_t Mc146818::periodic_cycles(unsigned rs) {
  // Datasheet table, 32.768 kHz column: rates 1 and 2 tap the divider at the
  // same stages as rates 8 and 9 (3.90625 ms, 7.8125 ms); rate n >= 3 is
  // 2^(n-1) cycles (3 = 122.07 us ... 6 = 976.5625 us ... 15 = 500 ms).
  rs &= 0x0F;
  if (rs == 0) return 0;
  if (rs <= 2) return 1ull << (rs + 6);
  return 1ull << (rs - 1);
}

sc_core::sc_time Mc146818::periodic_period(unsigned rs) {
  const uint64_t c = periodic_cycles(rs);
  return c ? time_of_cycle(static_cast<int64_t>(c)) : sc_core::SC_ZERO_TIME;
}

int64_t Mc146818::cycles_at(const sc_core::sc_time& t) {
  const __int128 fs = static_cast<__int128>(t.value()) * resolution_fs();
  return static_cast<int64_t>(fs * static_cast<__int128>(kCyclesPerSecond) / kFsPerSecond);
}

sc_core::sc_time Mc146818::time_of_cycle(int64_t c) {
  const __int128 fs = (static_cast<__int128>(c) * kFsPerSecond + kCyclesPerSecond - 1) / kCyclesPerSecond;
  const __int128 res = resolution_fs();
  return sc_core::sc_time::from_value(static_cast<sc_dt::uint64>((fs + res - 1) / res));
}

void Mc146818::sync(const sc_core::sc_time& t) {
  const int64_t c = cycles_at(t);
  if (c <= now_cycles_) return;
  if (updating()) {
    const int64_t n = floor_div(c - epoch_cycles_, kCyclesPerSecond) -
                      floor_div(now_cycles_ - epoch_cycles_, kCyclesPerSecond);
    // One step per elapsed second: a day of idle simulated time is 86400
    // cheap steps, and every alarm match and rollover is exact.
    for (int64_t i = 0; i < n; ++i) update_cycle();
  }
  const int64_t p = static_cast<int64_t>(periodic_cycles(cmos_[REG_A] & A_RS));
  if (divider_running() && p &&
      floor_div(c - epoch_cycles_, p) > floor_div(now_cycles_ - epoch_cycles_, p))
    flags_ |= C_PF;
  now_cycles_ = c;
}

bool Mc146818::uip() const {
  // UIP is set 244 us (8 time-base cycles) before each update; the update
  // itself is instantaneous here (see docs/rtc.md).
  if (!updating()) return false;
  const int64_t phase = (now_cycles_ - epoch_cycles_) % static_cast<int64_t>(kCyclesPerSecond);
  return phase >= static_cast<int64_t>(kCyclesPerSecond - kUipCycles);
}

// ---- calendar ----------------------------------------------------------------------

uint8_t Mc146818::to_reg(int v) const {
  if (cmos_[REG_B] & B_DM) return static_cast<uint8_t>(v);
  return static_cast<uint8_t>(((v / 10) << 4) | (v % 10));
}

int Mc146818::from_reg(uint8_t v) const {
  if (cmos_[REG_B] & B_DM) return v;
  return (v >> 4) * 10 + (v & 0x0F);
}

Mc146818::Calendar Mc146818::decode() const {
  Calendar c{};
  c.sec = from_reg(cmos_[SECONDS]);
  c.min = from_reg(cmos_[MINUTES]);
  const uint8_t h = cmos_[HOURS];
  if (cmos_[REG_B] & B_24H)
    c.hour = from_reg(h);
  else
    c.hour = from_reg(h & 0x7F) % 12 + ((h & 0x80) ? 12 : 0);
  c.dow = cmos_[DAY_OF_WEEK];  // 1..7, the same in BCD and binary
  c.day = from_reg(cmos_[DATE_OF_MONTH]);
  c.month = from_reg(cmos_[MONTH]);
  c.year = from_reg(cmos_[YEAR]);
  c.century = from_reg(cmos_[CENTURY]);
  return c;
}

void Mc146818::encode(const Calendar& c) {
  cmos_[SECONDS] = to_reg(c.sec);
  cmos_[MINUTES] = to_reg(c.min);
  if (cmos_[REG_B] & B_24H) {
    cmos_[HOURS] = to_reg(c.hour);
  } else {
    const int h12 = c.hour % 12 == 0 ? 12 : c.hour % 12;
    cmos_[HOURS] = static_cast<uint8_t>(to_reg(h12) | (c.hour >= 12 ? 0x80 : 0));
  }
  cmos_[DAY_OF_WEEK] = static_cast<uint8_t>(c.dow);
  cmos_[DATE_OF_MONTH] = to_reg(c.day);
  cmos_[MONTH] = to_reg(c.month);
  cmos_[YEAR] = to_reg(c.year);
}

void Mc146818::update_cycle() {
  Calendar c = decode();
  const bool dse = cmos_[REG_B] & B_DSE;
  bool done = false;
  // Daylight saving (the datasheet's US rule): last Sunday in April
  // 1:59:59 -> 3:00:00; last Sunday in October, the first time 1:59:59 is
  // reached -> 1:00:00.
  if (dse && c.dow == 1 && c.hour == 1 && c.min == 59 && c.sec == 59) {
    if (c.month == 4 && c.day + 7 > 30) {
      c.hour = 3, c.min = 0, c.sec = 0, done = true;
    } else if (c.month == 10 && c.day + 7 > 31 && !dse_october_done_) {
      c.hour = 1, c.min = 0, c.sec = 0, done = true;
      dse_october_done_ = true;
    }
  }
  if (!done && ++c.sec > 59) {
    c.sec = 0;
    if (++c.min > 59) {
      c.min = 0;
      if (++c.hour > 23) {
        c.hour = 0;
        dse_october_done_ = false;
        c.dow = (c.dow >= 1 && c.dow <= 6) ? c.dow + 1 : 1;
        if (++c.day > days_in_month(c.month, c.year)) {
          c.day = 1;
          if (++c.month > 12) {
            c.month = 1;
            if (++c.year > 99) {
              // The MC146818A's year wraps 99 -> 00; the century byte is
              // advanced as the DS12C887 and PC chipsets (and QEMU) do.
              c.year = 0;
              cmos_[CENTURY] = to_reg((c.century + 1) % 100);
            }
          }
        }
      }
    }
  }
  encode(c);
  updates_.add();
  const auto match = [this](uint8_t alarm, uint8_t time) {
    return (alarm & ALARM_DONT_CARE) == ALARM_DONT_CARE || alarm == time;
  };
  if (match(cmos_[SECONDS_ALARM], cmos_[SECONDS]) && match(cmos_[MINUTES_ALARM], cmos_[MINUTES]) &&
      match(cmos_[HOURS_ALARM], cmos_[HOURS]))
    flags_ |= C_AF;
  flags_ |= C_UF;
}

// ---- ports -------------------------------------------------------------------------

uint64_t Mc146818::read_index() {
  // Port 0x70 is write-only on the PC/AT: reads float to 0xFF (QEMU answers
  // 0xFF too; some later chipsets return the index instead).
  return 0xFF;
}

void Mc146818::write_index(uint64_t v) {
  INDEX.set(v);
  const bool masked = v & 0x80;
  if (masked != nmi_masked_) {
    nmi_masked_ = masked;
    if (on_nmi_mask) on_nmi_mask(masked, access_time());
  }
  refresh();
}

uint8_t Mc146818::reg_c() const {
  const uint8_t b = cmos_[REG_B];
  const bool irqf = ((flags_ & C_PF) && (b & B_PIE)) || ((flags_ & C_AF) && (b & B_AIE)) ||
                    ((flags_ & C_UF) && (b & B_UIE));
  return static_cast<uint8_t>(flags_ | (irqf ? C_IRQF : 0));
}

uint64_t Mc146818::read_data() {
  sync(access_time());
  const uint8_t index = INDEX.get() & 0x7F;
  uint8_t v = cmos_[index];
  switch (index) {
    case REG_A:
      v = static_cast<uint8_t>((cmos_[REG_A] & 0x7F) | (uip() ? A_UIP : 0));
      break;
    case REG_C:
      v = reg_c();
      flags_ = 0;  // reading C clears every flag and releases IRQ
      break;
    case REG_D:
      v = D_VRT;
      break;
    default:
      break;
  }
  refresh();
  return v;
}

void Mc146818::write_data(uint64_t value) {
  sync(access_time());
  const uint8_t index = INDEX.get() & 0x7F;
  const uint8_t v = static_cast<uint8_t>(value);
  switch (index) {
    case REG_A: {
      const uint8_t old_dv = cmos_[REG_A] & A_DV;
      const uint8_t dv = v & A_DV;
      if (dv != DV_32768 && (dv & 0x60) != 0x60 && !warned_dv_) {
        warned_dv_ = true;
        SC_REPORT_WARNING(name(), ("register A written with " + hex2(v) + ": DV2-0 = " +
                                   std::to_string(dv >> 4) +
                                   " does not match the 32.768 kHz crystal; divider stopped (reported once)")
                                      .c_str());
      }
      if (dv == DV_32768 && old_dv != DV_32768) {
        // Leaving the divider reset (DV = 11x), the first update comes half a
        // second later; restarting a stopped time base, a full second later.
        epoch_cycles_ = (old_dv & 0x60) == 0x60 ? now_cycles_ - static_cast<int64_t>(kCyclesPerSecond / 2)
                                                : now_cycles_;
      }
      cmos_[REG_A] = v & 0x7F;  // UIP is read-only
      break;
    }
    case REG_B: {
      uint8_t b = v;
      // SET going high aborts the update in progress (UIP clears) and clears UIE.
      if ((b & B_SET) && !(cmos_[REG_B] & B_SET)) b &= static_cast<uint8_t>(~B_UIE);
      cmos_[REG_B] = b;
      break;
    }
    case REG_C:
    case REG_D:
      SC_REPORT_WARNING(name(), ("write of " + hex2(v) + " to read-only register " +
                                 (index == REG_C ? "C" : "D") + " (CMOS index " + hex2(index) + ") ignored")
                                    .c_str());
      break;
    default: {
      const bool ram_changed = index >= RAM_FIRST && index != CENTURY && cmos_[index] != v;
      cmos_[index] = v;  // time, alarm and RAM bytes are stored as written
      if (ram_changed) save_cmos_file();
      break;
    }
  }
  refresh();
}

// ---- battery-backed RAM ---------------------------------------------------------------

void Mc146818::load_cmos_file() {
  const std::string& path = cmos_file.get();
  if (path.empty()) return;
  if (const std::string why = existing_but_not_regular(path); !why.empty())
    throw InputError(cmos_file.key() + ": '" + path + "' " + why);
  std::ifstream f(path, std::ios::binary);
  if (!f) return;  // not there yet: the first change creates it
  std::array<uint8_t, kCmosSize> bytes{};
  f.read(reinterpret_cast<char*>(bytes.data()), kCmosSize);
  const std::streamsize got = f.gcount();
  if (got != static_cast<std::streamsize>(kCmosSize) || f.peek() != std::char_traits<char>::eof())
    throw DataError(cmos_file.key() + ": '" + path + "' is not a CMOS image (" + std::to_string(kCmosSize) +
                    " bytes)");
  for (unsigned i = RAM_FIRST; i < kCmosSize; ++i)
    if (i != CENTURY) cmos_[i] = bytes[i];
}

void Mc146818::save_cmos_file() {
  const std::string& path = cmos_file.get();
  if (path.empty()) return;
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f.write(reinterpret_cast<const char*>(cmos_.data()), kCmosSize);
  f.flush();
  if (!f && !warned_cmos_file_) {
    warned_cmos_file_ = true;
    SC_REPORT_WARNING(name(), (cmos_file.key() + ": cannot write '" + path + "': CMOS RAM not kept (reported once)")
                                  .c_str());
  }
}

// ---- IRQ and wake-ups ----------------------------------------------------------------

void Mc146818::refresh() {
  refresh_data();
  update_irq();
  schedule_wakeup();
}

void Mc146818::refresh_data() {
  // Keep DATA's stored value current for debug (side-effect free) reads.
  const uint8_t index = INDEX.get() & 0x7F;
  uint8_t v = cmos_[index];
  if (index == REG_A) v = static_cast<uint8_t>((v & 0x7F) | (uip() ? A_UIP : 0));
  if (index == REG_C) v = reg_c();
  DATA.set(v);
}

void Mc146818::update_irq() {
  if (started_ && static_cast<bool>(reg_c() & C_IRQF) != irq.read()) irq_event_.notify(sc_core::SC_ZERO_TIME);
}

void Mc146818::schedule_wakeup() {
  if (!started_) return;
  if (reg_c() & C_IRQF) return;  // IRQ already asserted: nothing changes until C is read
  const uint8_t b = cmos_[REG_B];
  int64_t next = -1;
  const auto consider = [&](int64_t period) {
    const int64_t k = floor_div(now_cycles_ - epoch_cycles_, period) + 1;
    const int64_t at = epoch_cycles_ + k * period;
    if (next < 0 || at < next) next = at;
  };
  const int64_t p = static_cast<int64_t>(periodic_cycles(cmos_[REG_A] & A_RS));
  if ((b & B_PIE) && divider_running() && p) consider(p);
  // The alarm is checked at every update: wake each second while AIE is set.
  if ((b & (B_UIE | B_AIE)) && updating()) consider(static_cast<int64_t>(kCyclesPerSecond));
  if (next < 0) return;
  const sc_core::sc_time at = time_of_cycle(next);
  const sc_core::sc_time stamp = sc_core::sc_time_stamp();
  wakeup_.notify(at > stamp ? at - stamp : sc_core::SC_ZERO_TIME);
}

void Mc146818::on_wakeup() {
  sync(sc_core::sc_time_stamp());
  const bool level = reg_c() & C_IRQF;
  if (level && !irq.read()) irqs_.add();
  drive(irq, level);
  refresh_data();
  schedule_wakeup();
}

}  // namespace minipc
