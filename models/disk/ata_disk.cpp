#include "disk/ata_disk.h"
#include "core/hex.h"

#include <algorithm>
#include <cstring>
#include <sstream>

#include "core/sim_control.h"

namespace minipc {

using sc_core::sc_time;
using sc_core::SC_ZERO_TIME;

namespace {
constexpr unsigned kSector = DiskImage::kSectorBytes;
constexpr uint64_t kLba28Max = 1ull << 28;
constexpr unsigned kHeads = 16, kSectorsPerTrack = 63;  // legacy CHS geometry
}  // namespace

AtaDisk::AtaDisk(const sc_core::sc_module_name& nm)
    : sc_core::sc_module(nm),
      sectors_read_(StatsRegistry::instance().counter(std::string(name()) + ".sectors_read", "sectors")),
      sectors_written_(StatsRegistry::instance().counter(std::string(name()) + ".sectors_written", "sectors")),
      pio_words_(StatsRegistry::instance().counter(std::string(name()) + ".pio_words", "words")),
      dma_bytes_(StatsRegistry::instance().counter(std::string(name()) + ".dma_bytes", "bytes")),
      commands_(StatsRegistry::instance().counter(std::string(name()) + ".commands")),
      errors_(StatsRegistry::instance().counter(std::string(name()) + ".errors")),
      media_errors_(StatsRegistry::instance().counter(std::string(name()) + ".media_errors", "commands")) {
  if (bytes_per_second.get() <= 0) throw ConfigError(bytes_per_second.key() + ": must be positive");
  if (image.get().empty() && sectors.get() == 0) throw ConfigError(sectors.key() + ": a blank disk needs sectors");
  image_ = std::make_unique<DiskImage>(image.key(), image.get(), writeback.get(), sectors.get());

  regs.register_b_transport(this, &AtaDisk::b_transport_regs);
  ctrl.register_b_transport(this, &AtaDisk::b_transport_ctrl);
  bmi.register_b_transport(this, &AtaDisk::b_transport_bmi);

  ERROR_R.on_read = [this] { return error_; };
  for (Register* r : {&FEATURES_R, &SECTOR_COUNT_R, &LBA_LOW_R, &LBA_MID_R, &LBA_HIGH_R, &DEVICE_R})
    r->on_write = [this, r](uint64_t v) { write_taskfile(*r, v); };
  STATUS_R.on_read = [this] { return status_now(true); };
  COMMAND_R.on_write = [this](uint64_t v) { write_command(v); };
  ALT_STATUS_R.on_read = [this] { return status_now(false); };
  DEVICE_CONTROL_R.on_write = [this](uint64_t v) { write_device_control(v); };
  BMICOM_R.on_write = [this](uint64_t v) { write_bmicom(v); };
  BMISTA_R.on_write = [this](uint64_t v) { write_bmista(v); };
  BMIDTP_R.on_write = [this](uint64_t v) { write_bmidtp(v); };
  BMISTA_R.set(BMISTA_DRV0_DMA);
  update_activity();

  SC_METHOD(due);
  sensitive << due_event_;
  SC_THREAD(dma_engine);
}

sc_time AtaDisk::sector_time() const { return sc_time(kSector / bytes_per_second.get(), sc_core::SC_SEC); }

// ---- sockets -----------------------------------------------------------------

void AtaDisk::begin_access(sc_time& delay) {
  access_time_ = sc_core::sc_time_stamp() + delay;
  catch_up(access_time_);
  delay += sc_time(1.0 / clock_hz.get(), sc_core::SC_SEC) * static_cast<double>(access_cycles.get());
}

void AtaDisk::b_transport_regs(tlm::tlm_generic_payload& p, sc_time& delay) {
  begin_access(delay);
  if (p.get_address() == DATA && !p.get_byte_enable_ptr()) {
    data_access(p);
    return;
  }
  cmd_bank_.transport(p);
}

void AtaDisk::b_transport_ctrl(tlm::tlm_generic_payload& p, sc_time& delay) {
  begin_access(delay);
  ctrl_bank_.transport(p);
}

void AtaDisk::b_transport_bmi(tlm::tlm_generic_payload& p, sc_time& delay) {
  begin_access(delay);
  bmi_bank_.transport(p);
}

// ---- status protocol -------------------------------------------------------

// Applies the phase change due at busy_until_ if time t has reached it.
void AtaDisk::catch_up(const sc_time& t) {
  if (pending_ == Phase::none || t < busy_until_ || srst_ || hung_) return;
  const Phase phase = pending_;
  pending_ = Phase::none;
  switch (phase) {
    case Phase::data_in_ready:
      if (load_sector_ && unreadable(lba_)) {
        media_error(busy_until_);
        break;
      }
      if (load_sector_) image_->read(lba_, buf_.data());
      buf_pos_ = 0;
      drq_ = true;
      status_ = ST_DRDY | ST_DSC | ST_DRQ;
      raise_intrq(busy_until_);
      break;
    case Phase::data_out_ready:
      buf_pos_ = 0;
      drq_ = true;
      status_ = ST_DRDY | ST_DSC | ST_DRQ;
      if (irq_on_ready_) raise_intrq(busy_until_);
      break;
    case Phase::complete:
      drq_ = false;
      xfer_ = Transfer::none;
      error_ = complete_error_;
      status_ = ST_DRDY | ST_DSC | (complete_error_ ? ST_ERR : 0);
      if (complete_error_) errors_.add();
      if (complete_has_lba_) {
        set_error_address(complete_lba_);
        media_errors_.add();
        complete_has_lba_ = false;
      }
      raise_intrq(busy_until_);
      break;
    case Phase::reset_done:
      // Signature of a non-packet device and the diagnostic code "passed".
      error_ = 0x01;
      SECTOR_COUNT_R.set(1);
      LBA_LOW_R.set(1);
      LBA_MID_R.set(0);
      LBA_HIGH_R.set(0);
      DEVICE_R.set(0);
      status_ = ST_DRDY | ST_DSC;
      if (diagnostic_) raise_intrq(busy_until_);  // EXECUTE DEVICE DIAGNOSTIC interrupts, SRST does not
      diagnostic_ = false;
      break;
    case Phase::none:
      break;
  }
}

void AtaDisk::schedule(Phase phase, const sc_time& at) {
  pending_ = phase;
  busy_until_ = at;
  status_ = ST_BSY;
  drq_ = false;
  due_event_.notify(at - sc_core::sc_time_stamp());
}

void AtaDisk::complete_at(const sc_time& at, uint8_t error) {
  complete_error_ = error;
  schedule(Phase::complete, at);
}

void AtaDisk::raise_intrq(const sc_time& at) {
  intrq_ = true;
  intrq_at_ = at;
  if (!nien_) BMISTA_R.set(BMISTA_R.get() | BMISTA_INTR);  // the rising edge of INTRQ
  due_event_.notify(at > sc_core::sc_time_stamp() ? at - sc_core::sc_time_stamp() : SC_ZERO_TIME);
}

uint8_t AtaDisk::status_now(bool clear_interrupt) {
  if (!selected()) return 0x00;  // no device 1 on this channel
  if (hung_ || srst_ || pending_ != Phase::none || dma_busy_) return ST_BSY;
  if (clear_interrupt && intrq_) {
    intrq_ = false;
    due_event_.notify(access_time_ - sc_core::sc_time_stamp());
  }
  return status_;
}

// The one writer of `irq`. A decoupled CPU may apply a phase change ahead of
// SystemC time; the line still rises at the time the change was due.
void AtaDisk::due() {
  const sc_time now = sc_core::sc_time_stamp();
  catch_up(now);
  if (intrq_ && intrq_at_ > now) {
    drive(irq, false);
    due_event_.notify(intrq_at_ - now);
    return;
  }
  drive(irq, intrq_ && !nien_ && selected());
}

// ---- command block -----------------------------------------------------------

void AtaDisk::write_taskfile(Register& r, uint64_t v) {
  if (hung_) return;  // the busy fault: the drive does not answer (warned once per hang, by write_command)
  if (srst_ || pending_ != Phase::none || dma_busy_) {
    SC_REPORT_WARNING(name(), ("write of " + hex(v) + " to " + r.name() + " while BSY ignored").c_str());
    return;
  }
  r.set(v);
  if (&r == &DEVICE_R) due_event_.notify(access_time_ - sc_core::sc_time_stamp());
}

bool AtaDisk::start_transfer(Transfer kind, const sc_time& t) {
  const uint8_t dev = static_cast<uint8_t>(DEVICE_R.get());
  uint64_t lba;
  chs_ = !(dev & DEV_LBA);
  if (dev & DEV_LBA) {
    lba = (static_cast<uint64_t>(dev & 0x0F) << 24) | (LBA_HIGH_R.get() << 16) | (LBA_MID_R.get() << 8) |
          LBA_LOW_R.get();
  } else {
    const uint64_t cyl = (LBA_HIGH_R.get() << 8) | LBA_MID_R.get(), head = dev & 0x0F, sec = LBA_LOW_R.get();
    if (sec == 0) {
      complete_at(t + command_time.get(), ER_IDNF);
      return false;
    }
    lba = (cyl * kHeads + head) * kSectorsPerTrack + sec - 1;
  }
  const uint64_t count = SECTOR_COUNT_R.get() ? SECTOR_COUNT_R.get() : 256;
  if (lba + count > capacity()) {
    complete_at(t + command_time.get(), ER_IDNF);  // ID not found, as a drive answers
    return false;
  }
  xfer_ = kind;
  lba_ = lba;
  remaining_ = count;
  sector_index_ = 0;
  const sc_time seek = lba == head_lba_ ? SC_ZERO_TIME : seek_time.get();
  media_start_ = t + command_time.get() + seek;
  last_done_ = media_start_;
  return true;
}

void AtaDisk::write_command(uint64_t v) {
  const sc_time t = access_time_;
  if (!selected()) return;  // addressed to the absent device 1
  if (hung_) {
    if (!warned_hung_)
      SC_REPORT_WARNING(name(), ("command " + hex(v) + " ignored: the drive is hung (busy fault; further commands "
                                 "ignored silently until it ends)").c_str());
    warned_hung_ = true;
    return;
  }
  if (srst_ || pending_ != Phase::none || dma_busy_) {
    SC_REPORT_WARNING(name(), ("command " + hex(v) + " written while BSY ignored").c_str());
    return;
  }
  if (drq_)
    SC_REPORT_WARNING(name(), ("command " + hex(v) + " written during a data transfer: the transfer is dropped").c_str());
  commands_.add();
  intrq_ = false;
  drq_ = false;
  xfer_ = Transfer::none;
  warned_data_ = false;
  irq_on_ready_ = true;
  load_sector_ = true;
  complete_has_lba_ = false;
  switch (v) {
    case CMD_IDENTIFY:
      build_identify();
      load_sector_ = false;
      xfer_ = Transfer::pio_in;
      remaining_ = 1;
      lba_ = 0;
      schedule(Phase::data_in_ready, t + command_time.get());
      break;
    case CMD_READ_SECTORS:
    case CMD_READ_SECTORS_NR:
      if (start_transfer(Transfer::pio_in, t)) schedule(Phase::data_in_ready, media_start_ + sector_time());
      break;
    case CMD_WRITE_SECTORS:
    case CMD_WRITE_SECTORS_NR:
      if (start_transfer(Transfer::pio_out, t)) {
        irq_on_ready_ = false;  // the first DRQ of a PIO write comes without an interrupt
        schedule(Phase::data_out_ready, t + command_time.get());
      }
      break;
    case CMD_READ_DMA:
    case CMD_READ_DMA_NR:
    case CMD_WRITE_DMA:
    case CMD_WRITE_DMA_NR:
      if (start_transfer(v <= CMD_READ_DMA_NR ? Transfer::dma_in : Transfer::dma_out, t)) {
        dma_busy_ = true;
        status_ = ST_BSY;
        dma_cmd_at_ = t;
        dma_kick_.notify(t - sc_core::sc_time_stamp());
      }
      break;
    case CMD_READ_VERIFY:
      if (start_transfer(Transfer::none, t)) {
        // Verified up to the first unreadable sector, if any (the unreadable fault: UNC).
        const uint64_t bad = first_unreadable(lba_, remaining_);
        const uint64_t n = bad - lba_;
        if (n < remaining_) {
          head_lba_ = bad;
          complete_has_lba_ = true;
          complete_lba_ = bad;
          complete_at(media_start_ + sector_time() * static_cast<double>(n + 1), ER_UNC);
        } else {
          head_lba_ = lba_ + remaining_;
          complete_at(media_start_ + sector_time() * static_cast<double>(remaining_), 0);
        }
      }
      break;
    case CMD_SET_FEATURES: {
      const uint64_t f = FEATURES_R.get();
      uint8_t err = 0;
      if (f == 0x03) {  // set transfer mode: PIO default/flow control, multiword DMA 0-2
        const uint64_t mode = SECTOR_COUNT_R.get();
        if ((mode >> 3) == 0x04 && (mode & 7) <= 2)
          dma_mode_word63_ = static_cast<uint8_t>(1u << (mode & 7));
        else if ((mode >> 3) > 1)
          err = ER_ABRT;
      } else if (f != 0x02 && f != 0x82 && f != 0x66 && f != 0xCC && f != 0xAA && f != 0x55) {
        err = ER_ABRT;  // only transfer mode, caches and defaults are known
      }
      complete_at(t + command_time.get(), err);
      break;
    }
    case CMD_DIAGNOSTIC:
      diagnostic_ = true;  // signature and diagnostic code 0x01 (device 0 passed), then INTRQ
      schedule(Phase::reset_done, t + command_time.get());
      break;
    case CMD_FLUSH_CACHE:
      image_->flush();
      complete_at(t + command_time.get(), 0);
      break;
    case CMD_INIT_PARAMS:
    case CMD_STANDBY_IMMEDIATE:
    case CMD_IDLE_IMMEDIATE:
    case CMD_STANDBY:
    case CMD_IDLE:
      complete_at(t + command_time.get(), 0);
      break;
    case CMD_CHECK_POWER:
      SECTOR_COUNT_R.set(0xFF);  // active or idle
      complete_at(t + command_time.get(), 0);
      break;
    default:
      if ((v & 0xF0) == CMD_RECALIBRATE) {
        head_lba_ = 0;
        complete_at(t + command_time.get() + seek_time.get(), 0);
        break;
      }
      SC_REPORT_WARNING(name(), ("unknown command " + hex(v) + " aborted").c_str());
      complete_at(t + command_time.get(), ER_ABRT);
      break;
  }
}

void AtaDisk::write_device_control(uint64_t v) {
  const bool srst = v & DC_SRST;
  nien_ = v & DC_NIEN;
  DEVICE_CONTROL_R.set(v);
  if (hung_) {  // the busy fault: SRST does not reach the drive's firmware
    due_event_.notify(access_time_ - sc_core::sc_time_stamp());
    return;
  }
  if (srst && !srst_) {
    // Software reset: abort everything, including a bus-master transfer.
    srst_ = true;
    ++generation_;
    pending_ = Phase::none;
    xfer_ = Transfer::none;
    drq_ = false;
    dma_busy_ = false;
    intrq_ = false;
    status_ = ST_BSY;
    head_lba_ = 0;
  } else if (!srst && srst_) {
    srst_ = false;
    schedule(Phase::reset_done, access_time_ + reset_time.get());
  }
  due_event_.notify(access_time_ - sc_core::sc_time_stamp());
}

void AtaDisk::build_identify() {
  std::array<uint16_t, 256> w{};
  auto put_string = [&w](unsigned first_word, unsigned words, const std::string& s) {
    std::string padded = s.substr(0, 2 * words);
    padded.resize(2 * words, ' ');
    for (unsigned i = 0; i < words; ++i)
      w[first_word + i] = static_cast<uint16_t>((static_cast<uint8_t>(padded[2 * i]) << 8) |
                                                static_cast<uint8_t>(padded[2 * i + 1]));
  };
  const uint64_t lba_sectors = std::min<uint64_t>(capacity(), kLba28Max - 1);
  const uint64_t cylinders = std::min<uint64_t>(lba_sectors / (kHeads * kSectorsPerTrack), 16383);
  w[0] = 0x0040;  // fixed device, ATA
  w[1] = static_cast<uint16_t>(cylinders);
  w[3] = kHeads;
  w[6] = kSectorsPerTrack;
  put_string(10, 10, serial.get());
  put_string(23, 4, "1.0");
  put_string(27, 20, model.get());
  w[47] = 0x8000;  // READ/WRITE MULTIPLE not supported
  w[49] = 0x0300;  // LBA and DMA supported
  w[51] = 0x0200;  // PIO mode 2 timing
  w[53] = 0x0007;  // words 54-58, 64-70 and 88 valid
  w[54] = static_cast<uint16_t>(cylinders);
  w[55] = kHeads;
  w[56] = kSectorsPerTrack;
  const uint64_t chs = cylinders * kHeads * kSectorsPerTrack;
  w[57] = static_cast<uint16_t>(chs);
  w[58] = static_cast<uint16_t>(chs >> 16);
  w[60] = static_cast<uint16_t>(lba_sectors);
  w[61] = static_cast<uint16_t>(lba_sectors >> 16);
  w[63] = static_cast<uint16_t>(0x0007 | (dma_mode_word63_ << 8));  // MWDMA 0-2 supported, one selected
  w[64] = 0x0003;  // PIO 3 and 4
  w[65] = w[66] = w[67] = w[68] = 120;
  w[80] = 0x007E;  // ATA-1 .. ATA-6
  w[82] = 0x4000;
  w[83] = 0x4000 | 0x1000;  // FLUSH CACHE
  w[84] = 0x4000;
  w[85] = 0x4000;
  w[86] = 0x1000;
  w[87] = 0x4000;
  w[88] = 0x0000;  // no Ultra DMA
  // Integrity word: signature 0xA5 and a checksum making the 512 bytes sum to 0.
  w[255] = 0x00A5;
  uint8_t sum = 0;
  for (unsigned i = 0; i < 255; ++i) sum = static_cast<uint8_t>(sum + (w[i] & 0xFF) + (w[i] >> 8));
  sum = static_cast<uint8_t>(sum + 0xA5);
  w[255] = static_cast<uint16_t>(0x00A5 | (static_cast<uint8_t>(-sum) << 8));
  for (unsigned i = 0; i < 256; ++i) {
    buf_[2 * i] = static_cast<uint8_t>(w[i]);
    buf_[2 * i + 1] = static_cast<uint8_t>(w[i] >> 8);
  }
}

// ---- faults --------------------------------------------------------------------

void AtaDisk::set_error_address(uint64_t lba) {
  if (chs_) {
    const uint64_t sec = lba % kSectorsPerTrack + 1, head = (lba / kSectorsPerTrack) % kHeads,
                   cyl = lba / (kSectorsPerTrack * kHeads);
    LBA_LOW_R.set(sec);
    LBA_MID_R.set(cyl & 0xFF);
    LBA_HIGH_R.set((cyl >> 8) & 0xFF);
    DEVICE_R.set((DEVICE_R.get() & 0xF0) | head);
    return;
  }
  LBA_LOW_R.set(lba & 0xFF);
  LBA_MID_R.set((lba >> 8) & 0xFF);
  LBA_HIGH_R.set((lba >> 16) & 0xFF);
  DEVICE_R.set((DEVICE_R.get() & 0xF0) | ((lba >> 24) & 0x0F));
}

// A PIO read reached an unreadable sector: the command ends there (UNC).
void AtaDisk::media_error(const sc_time& at) {
  drq_ = false;
  xfer_ = Transfer::none;
  remaining_ = 0;
  head_lba_ = lba_;
  error_ = ER_UNC;
  status_ = ST_DRDY | ST_DSC | ST_ERR;
  set_error_address(lba_);
  errors_.add();
  media_errors_.add();
  raise_intrq(at);
}

void AtaDisk::add_unreadable(uint64_t lba, uint64_t count) { unreadable_.emplace_back(lba, lba + count); }

void AtaDisk::remove_unreadable(uint64_t lba, uint64_t count) {
  auto it = std::find(unreadable_.begin(), unreadable_.end(), std::make_pair(lba, lba + count));
  if (it != unreadable_.end()) unreadable_.erase(it);
}

bool AtaDisk::unreadable(uint64_t lba) const {
  for (const auto& r : unreadable_)
    if (lba >= r.first && lba < r.second) return true;
  return false;
}

uint64_t AtaDisk::first_unreadable(uint64_t lba, uint64_t count) const {
  uint64_t first = lba + count;
  for (const auto& r : unreadable_)
    if (r.first < lba + count && r.second > lba) first = std::min(first, std::max(r.first, lba));
  return first;
}

void AtaDisk::set_hung(bool hung) {
  if (hung == hung_) return;
  hung_ = hung;
  if (hung) {
    // Whatever was running is dropped; the bus-master engine stops where it is.
    hang_dropped_command_ = pending_ != Phase::none || dma_busy_ || drq_ || xfer_ != Transfer::none || srst_;
    ++generation_;
    pending_ = Phase::none;
    xfer_ = Transfer::none;
    drq_ = false;
    dma_busy_ = false;
    srst_ = false;
    intrq_ = false;
    remaining_ = 0;
    warned_hung_ = false;
  } else {
    status_ = ST_DRDY | ST_DSC;
    if (hang_dropped_command_) {
      status_ |= ST_ERR;
      error_ = ER_ABRT;
      errors_.add();
    }
    hang_dropped_command_ = false;
  }
  due_event_.notify(SC_ZERO_TIME);
}

FaultHook unreadable_fault_hook(AtaDisk& disk) {
  FaultHook h;
  h.description = "sectors that cannot be read (READ SECTORS / READ DMA / READ VERIFY end with ERR and UNC at the "
                  "first of them): lba, count (default 1)";
  h.prepare = [&disk](const FaultArgs& args) -> FaultAction {
    if (!ConfigStore::instance().peek(args.key("lba")))
      throw ConfigError(args.key("lba") + ": missing (the first unreadable sector's LBA)");
    Param<uint64_t> lba{args.key("lba"), 0, "first unreadable sector (LBA)"};
    Param<uint64_t> count{args.key("count"), 1, "number of unreadable sectors from lba"};
    const uint64_t cap = disk.capacity();
    if (lba.get() >= cap)
      throw ConfigError(lba.key() + ": LBA " + std::to_string(lba.get()) + " is beyond the disk (" +
                        std::string(disk.name()) + " has " + std::to_string(cap) + " sectors, 0.." +
                        std::to_string(cap - 1) + ")");
    if (count.get() == 0) throw ConfigError(count.key() + ": 0 sectors (at least 1)");
    if (count.get() > cap - lba.get())
      throw ConfigError(count.key() + ": " + std::to_string(count.get()) + " sectors from LBA " +
                        std::to_string(lba.get()) + " run past the end of the disk (" + std::to_string(cap) +
                        " sectors)");
    const uint64_t first = lba.get(), n = count.get();
    // The injector logs each firing (FaultArgs::record); the disk counts the
    // commands the fault ended (disk0.media_errors).
    return [&disk, first, n](bool begin) {
      if (begin)
        disk.add_unreadable(first, n);
      else
        disk.remove_unreadable(first, n);
    };
  };
  return h;
}

FaultHook busy_fault_hook(AtaDisk& disk) {
  FaultHook h;
  h.description = "the drive stops answering: BSY from the firing to the fault's end (for ever without a duration), "
                  "commands ignored";
  h.prepare = [&disk](const FaultArgs&) -> FaultAction { return [&disk](bool begin) { disk.set_hung(begin); }; };
  return h;
}

// ---- Data port (PIO) ---------------------------------------------------------

void AtaDisk::data_access(tlm::tlm_generic_payload& p) {
  const unsigned len = p.get_data_length();
  uint8_t* d = p.get_data_ptr();
  if (len != 2 && len != 4) {
    SC_REPORT_WARNING(name(), ("DATA access of " + std::to_string(len) +
                               " bytes ignored (the data port is 16 bits; 32-bit accesses move two words)").c_str());
    if (p.is_read()) std::memset(d, 0xFF, len);
    p.set_response_status(tlm::TLM_OK_RESPONSE);
    return;
  }
  for (unsigned i = 0; i < len; i += 2) {
    if (p.is_read()) {
      const uint16_t w = data_read();
      d[i] = static_cast<uint8_t>(w);
      d[i + 1] = static_cast<uint8_t>(w >> 8);
    } else if (p.is_write()) {
      data_write(static_cast<uint16_t>(d[i] | (d[i + 1] << 8)));
    }
  }
  p.set_response_status(tlm::TLM_OK_RESPONSE);
}

uint16_t AtaDisk::data_read() {
  if (!drq_ || xfer_ != Transfer::pio_in || !selected()) {
    if (!warned_data_)
      SC_REPORT_WARNING(name(), "DATA read without DRQ (no PIO data-in phase) returns 0xFFFF");
    warned_data_ = true;
    return 0xFFFF;
  }
  const uint16_t w = static_cast<uint16_t>(buf_[buf_pos_] | (buf_[buf_pos_ + 1] << 8));
  buf_pos_ += 2;
  pio_words_.add();
  if (buf_pos_ < kSector) return w;
  // Sector drained.
  drq_ = false;
  --remaining_;
  if (load_sector_) {
    sectors_read_.add();
    ++lba_;
    head_lba_ = lba_;
  }
  if (remaining_ == 0) {
    xfer_ = Transfer::none;
    status_ = ST_DRDY | ST_DSC;
    return w;
  }
  ++sector_index_;
  const sc_time media = media_start_ + sector_time() * static_cast<double>(sector_index_ + 1);
  schedule(Phase::data_in_ready, std::max(access_time_, media));
  return w;
}

void AtaDisk::data_write(uint16_t w) {
  if (!drq_ || xfer_ != Transfer::pio_out || !selected()) {
    if (!warned_data_) SC_REPORT_WARNING(name(), ("DATA write of " + hex(w) + " without DRQ ignored").c_str());
    warned_data_ = true;
    return;
  }
  buf_[buf_pos_] = static_cast<uint8_t>(w);
  buf_[buf_pos_ + 1] = static_cast<uint8_t>(w >> 8);
  buf_pos_ += 2;
  pio_words_.add();
  if (buf_pos_ < kSector) return;
  // Sector full: write it (the medium takes a sector time from when it is free).
  image_->write(lba_, buf_.data());
  sectors_written_.add();
  --remaining_;
  ++lba_;
  head_lba_ = lba_;
  last_done_ = std::max(access_time_, last_done_) + sector_time();
  if (remaining_ == 0) {
    complete_at(last_done_, 0);
  } else {
    irq_on_ready_ = true;
    schedule(Phase::data_out_ready, last_done_);
  }
}

// ---- bus-master IDE ----------------------------------------------------------

void AtaDisk::write_bmicom(uint64_t v) {
  const uint64_t old = BMICOM_R.get();
  if ((old & BMICOM_START) && (v & BMICOM_START) && ((old ^ v) & BMICOM_READ))
    SC_REPORT_WARNING(name(), ("BMICOM write of " + hex(v) + ": direction changed while active ignored").c_str());
  const uint64_t dir = (old & BMICOM_START) && (v & BMICOM_START) ? (old & BMICOM_READ) : (v & BMICOM_READ);
  BMICOM_R.set((v & BMICOM_START) | dir);
  if ((v & BMICOM_START) && !(old & BMICOM_START)) {
    BMISTA_R.set(BMISTA_R.get() | BMISTA_ACTIVE);
    dma_start_at_ = access_time_;
    prd_table_ = prd_next_ = BMIDTP_R.get() & ~uint64_t{3};
    prd_have_ = prd_eot_ = false;
    dma_kick_.notify(access_time_ - sc_core::sc_time_stamp());
  } else if (!(v & BMICOM_START) && (old & BMICOM_START)) {
    // Stop: the engine halts; what was transferred stays.
    BMISTA_R.set(BMISTA_R.get() & ~uint64_t{BMISTA_ACTIVE});
    ++generation_;
    if (dma_busy_) {
      dma_busy_ = false;
      xfer_ = Transfer::none;
      status_ = ST_DRDY | ST_DSC | ST_ERR;
      error_ = ER_ABRT;
      errors_.add();
    }
  }
  update_activity();
}

void AtaDisk::write_bmista(uint64_t v) {
  uint64_t s = BMISTA_R.get();
  s &= ~(v & (BMISTA_ERROR | BMISTA_INTR));  // W1C
  s = (s & ~uint64_t{BMISTA_DRV0_DMA | BMISTA_DRV1_DMA}) | (v & (BMISTA_DRV0_DMA | BMISTA_DRV1_DMA));
  BMISTA_R.set(s);
}

void AtaDisk::write_bmidtp(uint64_t v) {
  if (BMISTA_R.get() & BMISTA_ACTIVE) {
    SC_REPORT_WARNING(name(), ("BMIDTP write of " + hex(v) + " while the engine is active ignored").c_str());
    return;
  }
  BMIDTP_R.set(v & ~uint64_t{3});
}

// Moves len bytes between data and the memory the PRD table describes.
AtaDisk::DmaOutcome AtaDisk::prd_transfer(uint8_t* data, unsigned len, bool to_memory, uint64_t generation) {
  unsigned done = 0;
  while (done < len) {
    if (generation != generation_) return DmaOutcome::stopped;
    if (!prd_have_) {
      if (prd_eot_) return DmaOutcome::prd_error;  // the table ended before the data
      if ((prd_next_ >> 16) != (prd_table_ >> 16)) return DmaOutcome::prd_error;  // ran off its 64 KiB page
      uint8_t entry[8];
      if (!master.read(prd_next_, entry, 8)) return DmaOutcome::bus_error;
      if (generation != generation_) return DmaOutcome::stopped;
      uint32_t lo, hi;
      std::memcpy(&lo, entry, 4);
      std::memcpy(&hi, entry + 4, 4);
      prd_base_ = lo & ~1u;
      prd_left_ = (hi & 0xFFFF) ? (hi & 0xFFFE) : 0x10000;
      prd_eot_ = hi & 0x80000000u;
      prd_have_ = true;
      prd_next_ += 8;
    }
    const unsigned chunk = std::min<unsigned>(len - done, prd_left_);
    const bool ok = to_memory ? master.write(prd_base_, data + done, chunk) : master.read(prd_base_, data + done, chunk);
    if (!ok) return DmaOutcome::bus_error;
    dma_bytes_.add(chunk);
    done += chunk;
    prd_base_ += chunk;
    prd_left_ -= chunk;
    if (prd_left_ == 0) prd_have_ = false;
  }
  return DmaOutcome::ok;
}

void AtaDisk::dma_engine() {
  for (;;) {
    wait(dma_kick_);
    // Runs when a DMA command and the start bit are both there, from the later of the two.
    if (!dma_busy_ || !(BMICOM_R.get() & BMICOM_START) || !(BMISTA_R.get() & BMISTA_ACTIVE)) continue;
    const sc_time from = std::max(dma_cmd_at_, dma_start_at_);
    if (from > sc_core::sc_time_stamp()) wait(from - sc_core::sc_time_stamp());
    run_dma(generation_);
  }
}

void AtaDisk::run_dma(uint64_t generation) {
  const bool to_memory = xfer_ == Transfer::dma_in;
  if (to_memory != bool(BMICOM_R.get() & BMICOM_READ))
    SC_REPORT_WARNING(name(), "BMICOM direction does not match the DMA command; the command's direction is used");
  DmaOutcome outcome = DmaOutcome::ok;
  std::array<uint8_t, kSector> sector{};
  while (remaining_ > 0 && outcome == DmaOutcome::ok) {
    if (to_memory) {
      const sc_time ready = media_start_ + sector_time() * static_cast<double>(sector_index_ + 1);
      if (ready > sc_core::sc_time_stamp()) wait(ready - sc_core::sc_time_stamp());
      if (generation != generation_) return;
      if (unreadable(lba_)) {
        outcome = DmaOutcome::media_error;
        break;
      }
      image_->read(lba_, sector.data());
      outcome = prd_transfer(sector.data(), kSector, true, generation);
      if (outcome == DmaOutcome::ok) sectors_read_.add();
    } else {
      outcome = prd_transfer(sector.data(), kSector, false, generation);
      if (outcome != DmaOutcome::ok) break;
      last_done_ = std::max(sc_core::sc_time_stamp(), last_done_) + sector_time();
      wait(last_done_ - sc_core::sc_time_stamp());
      if (generation != generation_) return;
      image_->write(lba_, sector.data());
      sectors_written_.add();
    }
    if (outcome != DmaOutcome::ok) break;
    --remaining_;
    ++lba_;
    ++sector_index_;
    head_lba_ = lba_;
  }
  if (outcome == DmaOutcome::stopped || generation != generation_) return;
  dma_busy_ = false;
  xfer_ = Transfer::none;
  uint64_t bmista = BMISTA_R.get();
  if (outcome == DmaOutcome::ok) {
    status_ = ST_DRDY | ST_DSC;
    error_ = 0;
    // SFF-8038i: Active clears only when the PRD table was used up exactly.
    if (prd_eot_ && !prd_have_) bmista &= ~uint64_t{BMISTA_ACTIVE};
  } else if (outcome == DmaOutcome::media_error) {
    // A drive error: the engine stops with Active still set and no BMISTA
    // error (SFF-8038i); Status and Error say what happened.
    status_ = ST_DRDY | ST_DSC | ST_ERR;
    error_ = ER_UNC;
    head_lba_ = lba_;
    set_error_address(lba_);
    errors_.add();
    media_errors_.add();
  } else {
    SC_REPORT_WARNING(name(), outcome == DmaOutcome::bus_error
                                  ? "bus-master DMA: bus error (PRD table or buffer outside memory), transfer stopped"
                                  : "bus-master DMA: PRD table ended (EOT or 64 KiB page) before the data, transfer stopped");
    status_ = ST_DRDY | ST_DSC | ST_ERR;
    error_ = ER_ABRT;
    errors_.add();
    bmista = (bmista | BMISTA_ERROR) & ~uint64_t{BMISTA_ACTIVE};
  }
  BMISTA_R.set(bmista);
  raise_intrq(sc_core::sc_time_stamp());
}

}  // namespace minipc
