// Intel 82540EM subset: see e1000.h and docs/nic.md.
#include "nic/e1000.h"

#include <algorithm>
#include <cstring>
#include <optional>
#include <sstream>

#include "core/hex.h"
#include "wire/frames.h"

namespace minipc {

namespace {

uint32_t le32(const uint8_t* p) { return p[0] | p[1] << 8 | p[2] << 16 | static_cast<uint32_t>(p[3]) << 24; }
uint64_t le64(const uint8_t* p) { return le32(p) | static_cast<uint64_t>(le32(p + 4)) << 32; }
void put16(uint8_t* p, uint16_t v) {
  p[0] = static_cast<uint8_t>(v);
  p[1] = static_cast<uint8_t>(v >> 8);
}

wire::Mac parse_mac(const std::string& key, const std::string& text) {
  const std::optional<wire::Mac> m = wire::parse_mac(text);
  if (!m) throw ConfigError(key + ": '" + text + "' is not a MAC address (like 52:54:00:12:34:56)");
  if ((*m)[0] & 1) throw ConfigError(key + ": " + text + " is a multicast address (bit 0 of the first byte is set)");
  return *m;
}

// The 8254x's packet checksum: the ones' complement sum of the 16-bit words
// from `start` (the Internet checksum before its final complement).
uint16_t packet_checksum(const uint8_t* data, size_t len, size_t start) {
  if (start >= len) return 0;
  return static_cast<uint16_t>(~wire::inet_checksum(data + start, len - start));
}

// A frame's bytes on the wire besides its own: preamble and SFD before it,
// the FCS after it, then the inter-packet gap (wire::kWireOverheadBytes in all).
constexpr size_t kPreambleBytes = 8, kFcsBytes = 4;
constexpr size_t kGapBytes = wire::kWireOverheadBytes - kPreambleBytes - kFcsBytes;

constexpr double kTimerUnitNs = 1024.0;  // RDTR, RADV, TIDV, TADV: 1.024 us
constexpr double kItrUnitNs = 256.0;     // ITR: 256 ns

}  // namespace

uint32_t ethernet_fcs(const uint8_t* data, size_t len) {
  uint32_t crc = 0xFFFFFFFFu;
  for (size_t i = 0; i < len; ++i) {
    crc ^= data[i];
    for (int b = 0; b < 8; ++b) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
  }
  return ~crc;
}

E1000::E1000(const sc_core::sc_module_name& nm)
    : PciFunction(nm, Identity{0x8086, 0x100E, 0x020000, 0x00, 0x00, 1}),
      mac{this, "mac", "52:54:00:12:34:56", "MAC address (EEPROM words 0-2, RAL0/RAH0 after the driver loads it)"},
      link_mbps{this, "link_mbps", 1000, "link speed in Mb/s: 10, 100 or 1000 (wire time of every frame)"},
      rx_buffer_kib{this, "rx_buffer_kib", 48, "receive packet buffer in KiB (PBA.RXA at reset; 82540EM: 48)"},
      access_cycles{this, "access_cycles", 4, "PCI clocks per register access (BAR0 or BAR1)"},
      pci_clock_hz{this, "pci_clock_hz", 33.333333e6, "PCI clock"},
      trace_packets{this, "trace_packets", 1000, "received packets shown as Perfetto slices (0: none)"},
      regs_(kBar0Bytes / 4, 0),
      rx_offered_(StatsRegistry::instance().counter(std::string(name()) + ".rx.offered", "frames")),
      rx_missed_(StatsRegistry::instance().counter(std::string(name()) + ".rx.missed", "frames")),
      rx_no_buffer_(StatsRegistry::instance().counter(std::string(name()) + ".rx.no_buffer", "frames")),
      rx_to_host_(StatsRegistry::instance().counter(std::string(name()) + ".rx.to_host", "frames")),
      rx_dma_bytes_(StatsRegistry::instance().counter(std::string(name()) + ".rx.dma_bytes", "bytes")),
      tx_frames_(StatsRegistry::instance().counter(std::string(name()) + ".tx.frames", "frames")),
      tx_dma_bytes_(StatsRegistry::instance().counter(std::string(name()) + ".tx.dma_bytes", "bytes")),
      interrupts_(StatsRegistry::instance().counter(std::string(name()) + ".interrupts", "assertions")),
      rx_latency_ns_(StatsRegistry::instance().histogram(
          std::string(name()) + ".rx.latency_ns", {500, 1000, 2000, 5000, 10000, 20000, 50000, 100000, 1e6, 1e7},
          "ns")) {
  declare_bar(0, BarKind::memory, kBar0Bytes);
  declare_bar(1, BarKind::io, kBar1Bytes);
  SVID_R.set(0x8086);
  SID_R.set(0x001E);
  const std::string n = name();
  auto& st = StatsRegistry::instance();
  st.probe(n + ".rx.filtered", [this] { return static_cast<double>(rx_.filtered); }, "frames");
  st.probe(n + ".rx.disabled", [this] { return static_cast<double>(rx_.disabled); }, "frames");
  st.probe(n + ".rx.oversize", [this] { return static_cast<double>(rx_.oversize); }, "frames");
  st.probe(n + ".rx.dma_error", [this] { return static_cast<double>(rx_.dma_error); }, "frames");
  st.probe(n + ".rx.flushed", [this] { return static_cast<double>(rx_.flushed); }, "frames");
  st.probe(n + ".rx.crc_error", [this] { return static_cast<double>(rx_.crc_error); }, "frames");
  st.probe(n + ".wire.from_source", [this] { return static_cast<double>(wire_.from_source); }, "frames");
  st.probe(n + ".wire.dropped", [this] { return static_cast<double>(wire_.dropped); }, "frames");
  st.probe(n + ".wire.link_down", [this] { return static_cast<double>(wire_.link_down); }, "frames");
  st.probe(n + ".wire.corrupted", [this] { return static_cast<double>(wire_.corrupted); }, "frames");
  st.probe(n + ".wire.duplicates", [this] { return static_cast<double>(wire_.duplicates); }, "frames");
  st.probe(n + ".tx.held_for_link", [this] { return static_cast<double>(tx_held_for_link_); }, "frames");
  st.probe(n + ".rx.in_buffer", [this] { return static_cast<double>(rx_fifo_.size()); }, "frames");
  st.probe(n + ".msi", [this] { return static_cast<double>(msi_sent_); }, "messages");
  SC_THREAD(interrupt_thread);
  SC_THREAD(rx_dma_thread);
  SC_THREAD(tx_dma_thread);
  SC_THREAD(tx_wire_thread);
  SC_THREAD(wire_thread);
  SC_METHOD(rx_timer_method);
  sensitive << rx_delay_.packet << rx_delay_.absolute;
  dont_initialize();
  SC_METHOD(tx_timer_method);
  sensitive << tx_delay_.packet << tx_delay_.absolute;
  dont_initialize();
  master.set_active(false);
  check_config();
}

// The parameters, checked while the platform is built (`minipc describe`
// reports them too).
void E1000::check_config() {
  mac_ = parse_mac(mac.key(), mac.get());
  const uint64_t mbps = link_mbps.get();
  if (mbps != 10 && mbps != 100 && mbps != 1000)
    throw ConfigError(link_mbps.key() + ": " + std::to_string(mbps) + " is not a link speed (10, 100 or 1000)");
  if (rx_buffer_kib.get() < 2 || rx_buffer_kib.get() > 64)
    throw ConfigError(rx_buffer_kib.key() + ": " + std::to_string(rx_buffer_kib.get()) +
                      " KiB is not a receive packet buffer the 82540EM has (2..64 of its 64 KiB)");
  if (pci_clock_hz.get() <= 0) throw ConfigError(pci_clock_hz.key() + ": must be > 0");
  access_delay_ = sc_core::sc_time(static_cast<double>(access_cycles.get()) / pci_clock_hz.get(), sc_core::SC_SEC);
  load_eeprom();
  reset_registers();
}

// EEPROM image (SDM table 5-1): words 0-2 the Ethernet address, 0x0B/0x0C the
// subsystem IDs, 0x0D/0x0E device and vendor, and word 0x3F chosen so that
// the words 0x00-0x3F sum to 0xBABA.
void E1000::load_eeprom() {
  eeprom_.fill(0);
  for (unsigned i = 0; i < 3; ++i) eeprom_[i] = static_cast<uint16_t>(mac_[2 * i] | mac_[2 * i + 1] << 8);
  eeprom_[0x0B] = 0x001E;
  eeprom_[0x0C] = 0x8086;
  eeprom_[0x0D] = 0x100E;
  eeprom_[0x0E] = 0x8086;
  uint16_t sum = 0;
  for (unsigned i = 0; i < kEepromWords - 1; ++i) sum = static_cast<uint16_t>(sum + eeprom_[i]);
  eeprom_[kEepromWords - 1] = static_cast<uint16_t>(0xBABA - sum);
}

// ---- reset -------------------------------------------------------------------------

void E1000::reset_state() { reset_registers(); }

// Power-up / CTRL.RST: every register to its default, the packet buffers
// emptied (frames in the receive buffer are lost: counted as flushed), the
// interrupt released.
void E1000::reset_registers() {
  std::fill(regs_.begin(), regs_.end(), 0);
  mta_.fill(0);
  stats_.fill(0);
  icr_ = 0;
  ims_ = 0;
  ioaddr_ = 0;
  regs_[CTRL / 4] = CTRL_FD | CTRL_ASDE;
  regs_[PBA / 4] = static_cast<uint32_t>(rx_buffer_kib.get() | (64 - rx_buffer_kib.get()) << 16);
  regs_[TIPG / 4] = 0;
  regs_[RXCSUM / 4] = 0;
  regs_[EECD / 4] = 0;
  ++generation_;
  rx_.flushed += rx_fifo_.size();
  rx_fifo_.clear();
  rx_fifo_bytes_ = 0;
  rx_stopped_ = false;
  tx_stopped_ = false;
  tx_frame_.clear();
  rx_delay_.cancel();
  tx_delay_.cancel();
  if (asserted_) {
    asserted_ = false;
    set_intx(false);
    if (sc_core::sc_is_running()) intx_trace.post(sc_core::sc_time_stamp(), false);
  }
  if (sc_core::sc_is_running()) {
    rdh_trace.post(sc_core::sc_time_stamp(), 0);
    rdt_trace.post(sc_core::sc_time_stamp(), 0);
    tdh_trace.post(sc_core::sc_time_stamp(), 0);
    tdt_trace.post(sc_core::sc_time_stamp(), 0);
    rx_fifo_trace.post(sc_core::sc_time_stamp(), 0);
  }
}

void E1000::command_written() {
  if (bus_master_enabled()) bme_event_.notify(sc_core::SC_ZERO_TIME);
}

// ---- register access ---------------------------------------------------------------

void E1000::bar_transport(int bar, tlm::tlm_generic_payload& p, sc_core::sc_time& delay) {
  const uint64_t offset = p.get_address();
  const unsigned len = p.get_data_length();
  p.set_response_status(tlm::TLM_OK_RESPONSE);
  if (bar == 0) {
    if (offset + len > kBar0Bytes) return p.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
    register_access(p, static_cast<uint32_t>(offset), delay);
  } else if (bar == 1) {
    // IOADDR selects the register; IODATA reads or writes it (SDM 13.2.1).
    if (offset == IOADDR && len == 4) {
      if (p.is_write()) std::memcpy(&ioaddr_, p.get_data_ptr(), 4);
      else std::memcpy(p.get_data_ptr(), &ioaddr_, 4);
      delay += access_delay_;
    } else if (offset == IODATA && len == 4) {
      const uint32_t target = ioaddr_ & 0x1FFFC;
      p.set_address(target);
      register_access(p, target, delay);
      p.set_address(offset);
    } else if (p.is_read()) {  // reserved: reads 0
      std::memset(p.get_data_ptr(), 0, len);
      delay += access_delay_;
    }
  } else {
    PciFunction::bar_transport(bar, p, delay);
  }
}

void E1000::register_access(tlm::tlm_generic_payload& p, uint32_t offset, sc_core::sc_time& delay) {
  const unsigned len = p.get_data_length();
  const sc_core::sc_time at = sc_core::sc_time_stamp() + delay;
  delay += access_delay_;
  // Registers are 32 bits; a narrower access reads or writes its bytes.
  const uint32_t base = offset & ~3u;
  const unsigned shift = 8 * (offset & 3u);
  if ((offset & 3u) + len > 4) return p.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
  if (p.is_read()) {
    const uint32_t v = read_register(base, at) >> shift;
    std::memcpy(p.get_data_ptr(), &v, len);
  } else {
    uint32_t v = 0;
    std::memcpy(&v, p.get_data_ptr(), len);
    if (len < 4) {
      const uint32_t mask = (len == 1 ? 0xFFu : 0xFFFFu) << shift;
      v = (reg(base) & ~mask) | (v << shift & mask);
    }
    write_register(base, v, at);
  }
}

uint32_t E1000::reg(uint32_t offset) {
  offset &= ~3u;
  switch (offset) {
    case CTRL: return regs_[CTRL / 4] & ~(CTRL_RST | CTRL_PHY_RST);
    case STATUS: {
      const bool lu = link_up();
      const uint32_t speed = link_mbps.get() == 1000 ? 2u : link_mbps.get() == 100 ? 1u : 0u;
      return STATUS_FD | (lu ? uint32_t{STATUS_LU} : 0u) | speed << STATUS_SPEED_SHIFT;
    }
    case EECD: {
      const uint32_t v = regs_[EECD / 4] & ~(EECD_EE_GNT | EECD_EE_PRES);
      return v | EECD_EE_PRES | (v & EECD_EE_REQ ? uint32_t{EECD_EE_GNT} : 0u);
    }
    case ICR: return icr_;
    case IMS: return ims_;
    case ICS: case IMC: return 0;  // write-only
    default: break;
  }
  if (offset >= MTA && offset < MTA + 4 * mta_.size()) return mta_[(offset - MTA) / 4];
  if (offset >= kStatsBase && offset < kStatsEnd) return stats_[(offset - kStatsBase) / 4];
  return regs_[offset / 4];
}

uint32_t E1000::read_register(uint32_t offset, const sc_core::sc_time& /*at*/) {
  const uint32_t v = reg(offset);
  if (offset == ICR) {
    // Read-to-clear; the interrupt goes away at once (before the ISR's EOI).
    icr_ = 0;
    update_interrupt();
  } else if (offset >= kStatsBase && offset < kStatsEnd) {
    stats_[(offset - kStatsBase) / 4] = 0;  // statistics are read-to-clear
  }
  return v;
}

void E1000::set_reg(uint32_t offset, uint32_t v) { write_register(offset, v, sc_core::sc_time_stamp()); }

void E1000::write_register(uint32_t offset, uint32_t v, const sc_core::sc_time& at) {
  const sc_core::sc_time now = sc_core::sc_time_stamp();
  const sc_core::sc_time later = at > now ? at - now : sc_core::SC_ZERO_TIME;
  uint32_t& r = regs_[offset / 4];
  switch (offset) {
    case CTRL: {
      if (v & CTRL_RST) {
        reset_registers();
        link_changed();
        return;
      }
      const bool link_was = r & CTRL_SLU;
      r = v & ~(CTRL_RST | CTRL_PHY_RST);
      if (link_was != static_cast<bool>(r & CTRL_SLU)) link_changed();
      return;
    }
    case STATUS: return;  // read-only
    case EECD: r = v & ~(EECD_EE_GNT | EECD_EE_PRES); return;
    case EERD:
      if (v & EERD_START) {
        const unsigned addr = (v >> 8) & 0xFF;
        const uint16_t data = addr < kEepromWords ? eeprom_[addr] : 0xFFFF;
        r = EERD_DONE | addr << 8 | static_cast<uint32_t>(data) << 16;
      }
      return;
    case MDIC: {
      const unsigned phy = (v >> 21) & 0x1F, regadd = (v >> 16) & 0x1F;
      if (phy != 1) {
        r = (v & ~0xFFFFu) | MDIC_R | MDIC_E;  // no PHY answers at that address
      } else if ((v & (3u << 26)) == MDIC_OP_READ) {
        r = (v & ~0xFFFFu & ~MDIC_E) | MDIC_R | phy_read(regadd);
      } else {
        r = (v & ~MDIC_E) | MDIC_R;  // writes: the PHY keeps its link settings
      }
      return;
    }
    case ICR: icr_ &= ~v; update_interrupt(); return;
    case ICS: set_cause(v); return;
    case IMS: ims_ |= v; update_interrupt(); return;
    case IMC: ims_ &= ~v; update_interrupt(); return;
    case ITR: r = v & 0xFFFF; irq_update_.notify(sc_core::SC_ZERO_TIME); return;
    case RCTL: {
      const bool was = r & RCTL_EN;
      r = v;
      if (!was && (v & RCTL_EN)) {
        rx_stopped_ = false;
        if (!rx_ever_enabled_) {
          rx_ever_enabled_ = true;
          rx_enabled_event_.notify(later);
        }
        rx_work_.notify(later);
      }
      return;
    }
    case RDLEN: case TDLEN:
      if (v & 0x7F)
        SC_REPORT_WARNING(name(), ((offset == RDLEN ? "RDLEN " : "TDLEN ") + hex(v) +
                                   " is not a multiple of 128: the low 7 bits are ignored (SDM 13.4.28)").c_str());
      r = v & 0xFFF80;
      return;
    case RDBAL: case TDBAL: r = v & ~0xFu; return;
    case RDH: r = v & 0xFFFF; rdh_trace.post(at, r); return;
    case RDT:
      r = v & 0xFFFF;
      rdt_trace.post(at, r);
      // New descriptors matter to the DMA engine only for a frame already
      // waiting in the packet buffer; a frame that arrives later wakes it
      // itself (receive()), so an empty buffer needs no wake-up per refill.
      if (!rx_fifo_.empty()) rx_work_.notify(later);
      return;
    case RDTR:
      r = v & 0xFFFF;
      if (v & RDTR_FPD) {  // flush partial descriptor block: the pending RXT0 now
        rx_delay_.packet.cancel();
        rx_delay_.absolute.notify(later);
      }
      return;
    case TCTL: {
      const bool was = r & TCTL_EN;
      r = v;
      if (!was && (v & TCTL_EN)) {
        tx_stopped_ = false;
        tx_work_.notify(later);
      }
      return;
    }
    case TDH: r = v & 0xFFFF; tdh_trace.post(at, r); return;
    case TDT: r = v & 0xFFFF; tdt_trace.post(at, r); tx_work_.notify(later); return;
    case PBA: r = v & 0x003F003F; return;
    default: break;
  }
  if (offset >= MTA && offset < MTA + 4 * mta_.size()) {
    mta_[(offset - MTA) / 4] = v;
    return;
  }
  if (offset >= kStatsBase && offset < kStatsEnd) return;  // statistics are read-only
  r = v;
}

uint16_t E1000::phy_read(unsigned reg) const {
  const bool lu = link_up();
  switch (reg) {
    case PHY_CTRL: return 0x1140;  // auto-negotiation enabled, full duplex, 1000 Mb/s
    case PHY_STATUS: return static_cast<uint16_t>(0x7949 | (lu ? 0x0024 : 0));  // link status, AN complete
    case PHY_ID1: return 0x0141;
    case PHY_ID2: return 0x0C20;
    default: return 0;
  }
}

void E1000::link_changed() { set_cause(LSC); }

bool E1000::link_up() const { return (regs_[CTRL / 4] & CTRL_SLU) && link_down_faults_ == 0; }

// Preamble to the last FCS bit of a frame of `len` bytes (padded to the
// minimum), or of `bytes` wire bytes, at the link speed.
sc_core::sc_time E1000::wire_time(size_t bytes) const {
  return sc_core::sc_time(8000.0 * static_cast<double>(bytes) / static_cast<double>(link_mbps.get()), sc_core::SC_NS);
}
sc_core::sc_time E1000::frame_time(size_t len) const {
  return wire_time(kPreambleBytes + std::max(len, wire::kMinFrameBytes) + kFcsBytes);
}

void E1000::stats_reg(uint32_t offset, uint64_t add) {
  uint32_t& s = stats_[(offset - kStatsBase) / 4];
  const uint64_t v = static_cast<uint64_t>(s) + add;
  s = v > 0xFFFFFFFFull ? 0xFFFFFFFFu : static_cast<uint32_t>(v);  // counters stick at their maximum
}

// ---- interrupts --------------------------------------------------------------------

void E1000::set_cause(uint32_t bits) {
  icr_ |= bits;
  update_interrupt();
}

// The line follows ICR & IMS: released at once, asserted by
// interrupt_thread (which applies ITR).
void E1000::update_interrupt() {
  const bool want = (icr_ & ims_) != 0;
  if (!want && asserted_) {
    asserted_ = false;
    set_intx(false);  // the request (the pin shows it unless MSI is enabled)
    intx_trace.post(sc_core::sc_time_stamp(), false);
  } else if (want && !asserted_) {
    irq_update_.notify(sc_core::SC_ZERO_TIME);
  }
}

void E1000::interrupt_thread() {
  for (;;) {
    wait(irq_update_);
    for (;;) {
      if (asserted_ || !(icr_ & ims_)) break;
      const sc_core::sc_time now = sc_core::sc_time_stamp();
      const sc_core::sc_time gap(kItrUnitNs * static_cast<double>(regs_[ITR / 4] & 0xFFFF), sc_core::SC_NS);
      if (ever_asserted_ && now < last_assert_ + gap) {
        wait(last_assert_ + gap - now, irq_update_);
        continue;
      }
      asserted_ = true;
      ever_asserted_ = true;
      last_assert_ = now;
      interrupts_.add();
      intx_trace.post(now, true);
      set_intx(true);  // the request: the pin shows it unless MSI is enabled
      if (msi.enabled()) {
        dma_lock_.lock();
        master.set_active(true);
        sc_core::sc_time d = sc_core::SC_ZERO_TIME;
        if (msi.send(*master.socket.operator->(), d)) ++msi_sent_;
        if (d > sc_core::SC_ZERO_TIME) wait(d);
        dma_lock_.unlock();
        set_active();
      }
      break;
    }
  }
}

// ---- receive -----------------------------------------------------------------------

unsigned E1000::rx_buffer_bytes() const {
  const uint32_t rctl = regs_[RCTL / 4];
  const unsigned bsize = (rctl >> RCTL_BSIZE_SHIFT) & 3;
  if (rctl & RCTL_BSEX) return bsize == 1 ? 16384 : bsize == 2 ? 8192 : bsize == 3 ? 4096 : 2048;
  return bsize == 0 ? 2048 : bsize == 1 ? 1024 : bsize == 2 ? 512 : 256;
}

// Destination address filter (SDM 3.2.1): the exact address RAL0/RAH0 (AV),
// broadcast with BAM, multicast with MPE or a hit in the 4096-bit MTA
// (the 12 address bits RCTL.MO selects), unicast promiscuous with UPE.
bool E1000::address_match(const uint8_t* dst) const {
  const uint32_t rctl = regs_[RCTL / 4];
  const bool broadcast = std::all_of(dst, dst + 6, [](uint8_t b) { return b == 0xFF; });
  if (broadcast) return (rctl & RCTL_BAM) || (rctl & RCTL_MPE);
  if (dst[0] & 1) {
    if (rctl & RCTL_MPE) return true;
    const unsigned mo = (rctl >> RCTL_MO_SHIFT) & 3;
    const unsigned hash = mo == 3 ? (dst[4] | dst[5] << 8) & 0xFFF : (dst[4] >> (4 - mo) | dst[5] << (4 + mo)) & 0xFFF;
    return mta_[hash >> 5] >> (hash & 31) & 1;
  }
  if (rctl & RCTL_UPE) return true;
  const uint32_t ral = regs_[RAL0 / 4], rah = regs_[RAH0 / 4];
  if (!(rah & RAH_AV)) return false;
  return le32(dst) == ral && static_cast<uint32_t>(dst[4] | dst[5] << 8) == (rah & 0xFFFF);
}

// A frame's last bit has arrived: filter it and store it in the receive
// packet buffer, or count where it went.
void E1000::receive(const uint8_t* data, size_t len, uint64_t seq, std::optional<uint32_t> fcs) {
  const sc_core::sc_time now = sc_core::sc_time_stamp();
  ++rx_.offered;
  rx_offered_.add();
  if (wire_tap) {
    const sc_core::sc_time dur = frame_time(len);  // its first bit: the frame's wire time before now
    wire_tap(now > dur ? now - dur : sc_core::SC_ZERO_TIME, data, len, false);
  }
  const uint32_t rctl = regs_[RCTL / 4];
  if (!(rctl & RCTL_EN)) {
    ++rx_.disabled;  // the receiver is off: not counted by the card (SDM: MPC does not count)
    return;
  }
  stats_reg(TPR, 1);
  stats_reg(TORL, len + kFcsBytes);
  // The FCS check (only a frame the wire corrupted comes with its own FCS:
  // the others are right by construction). CRCERRS counts it; RCTL.SBP
  // (store bad packets) keeps it, with CE in the descriptor's errors.
  const bool crc_error = fcs && *fcs != ethernet_fcs(data, len);
  if (crc_error) {
    stats_reg(CRCERRS, 1);
    if (!(rctl & RCTL_SBP)) {
      ++rx_.crc_error;
      return;
    }
  }
  const bool tagged = len >= 16 && data[12] == 0x81 && data[13] == 0x00;
  if (!(rctl & RCTL_LPE) && len > (tagged ? wire::kMaxVlanFrameBytes : wire::kMaxFrameBytes)) {
    ++rx_.oversize;
    stats_reg(ROC, 1);
    return;
  }
  if (len < wire::kEthHeaderBytes || !address_match(data)) {
    ++rx_.filtered;
    return;
  }
  RxFrame f;
  f.data.assign(data, data + len);
  if (f.data.size() < wire::kMinFrameBytes) f.data.resize(wire::kMinFrameBytes, 0);  // the sender pads it
  f.length = f.data.size();
  f.seq = seq;
  f.arrived = now;
  f.crc_error = crc_error;
  if (crc_error) f.wire_fcs = *fcs;
  const uint64_t stored = f.length + kFcsBytes;
  const uint64_t capacity = static_cast<uint64_t>(regs_[PBA / 4] & 0x3F) * 1024;
  if (rx_fifo_bytes_ + stored > capacity) {
    ++rx_.missed;
    rx_missed_.add();
    stats_reg(MPC, 1);
    set_cause(RXO);
    return;
  }
  if (!crc_error) {  // good packets only
    stats_reg(GPRC, 1);
    stats_reg(GORCL, stored);
  }
  if (data[0] & 1) stats_reg(std::all_of(data, data + 6, [](uint8_t b) { return b == 0xFF; }) ? BPRC : MPRC, 1);
  rx_fifo_bytes_ += stored;
  rx_fifo_.push_back(std::move(f));
  rx_fifo_trace.post(now, static_cast<uint32_t>(rx_fifo_bytes_));
  rx_work_.notify(sc_core::SC_ZERO_TIME);
}

// Frames from the wire source, each at its time (after the source starts),
// serialised: a frame cannot start before the previous one and its
// inter-packet gap are over.
void E1000::wire_thread() {
  if (!wire_source) return;
  if (wire_start_at_rx_enable) wait(rx_enabled_event_);
  else if (wire_start > sc_core::SC_ZERO_TIME) wait(wire_start);
  const sc_core::sc_time origin = sc_core::sc_time_stamp();
  wire::Frame f;
  while (wire_source->next(f)) {
    sc_core::sc_time start = origin + sc_core::sc_time(static_cast<double>(f.time_ns), sc_core::SC_NS);
    if (start < wire_rx_free_) start = wire_rx_free_;
    const sc_core::sc_time end = start + frame_time(f.data.size());
    wire_rx_free_ = end + wire_time(kGapBytes);
    const sc_core::sc_time now = sc_core::sc_time_stamp();
    if (end > now) wait(end - now);
    from_wire(f);
  }
}

void E1000::set_active() {
  const bool busy = (!rx_fifo_.empty() && (regs_[RCTL / 4] & RCTL_EN) && !rx_stopped_ &&
                     regs_[RDH / 4] != regs_[RDT / 4]) ||
                    ((regs_[TCTL / 4] & TCTL_EN) && !tx_stopped_ && regs_[TDH / 4] != regs_[TDT / 4]);
  master.set_active(busy && bus_master_enabled());
}

bool E1000::dma(bool write, uint64_t addr, uint8_t* data, unsigned len, const char* what, bool rx) {
  // One bus cycle at a time from the card (the receive and transmit engines
  // share the bus-master port, as the 82540's DMA arbiter does).
  dma_lock_.lock();
  const bool ok = write ? master.write(addr, data, len) : master.read(addr, data, len);
  dma_lock_.unlock();
  if (ok) return true;
  set_status_bits(STS_RMA);
  (rx ? rx_stopped_ : tx_stopped_) = true;
  SC_REPORT_WARNING(name(), ((rx ? std::string("receive") : std::string("transmit")) + " queue stopped: " + what +
                             ": " + BusMaster::describe(master.last_failure()) +
                             " (PCISTS.RMA set; clear and set " + (rx ? "RCTL" : "TCTL") +
                             ".EN or reset the card to restart)").c_str());
  return false;
}

void E1000::rx_dma_thread() {
  for (;;) {
    set_active();
    wait(rx_work_ | bme_event_);
    while (!rx_fifo_.empty() && (regs_[RCTL / 4] & RCTL_EN) && !rx_stopped_) {
      if (!bus_master_enabled()) break;
      if (!rx_one_frame()) break;
    }
  }
}

// The frame at the head of the packet buffer into host memory, descriptor
// by descriptor. false: it is still waiting (no free descriptor, receive
// turned off, the queue stopped, or the card was reset meanwhile); what was
// written so far stays written and the frame resumes where it stopped.
bool E1000::rx_one_frame() {
  const uint64_t gen = generation_;
  RxFrame& f = rx_fifo_.front();
  if (!f.fcs_decided) {  // the first descriptor: the FCS goes to memory and counts in the length unless SECRC
    f.fcs_decided = true;
    if (!(regs_[RCTL / 4] & RCTL_SECRC)) {
      // A frame stored with a CRC error (RCTL.SBP) keeps the FCS it came with.
      const uint32_t fcs = f.crc_error ? f.wire_fcs : ethernet_fcs(f.data.data(), f.length);
      for (size_t i = 0; i < kFcsBytes; ++i) f.data.push_back(static_cast<uint8_t>(fcs >> (8 * i)));
    }
  }
  const unsigned bufsize = rx_buffer_bytes();
  bool failed = false;
  while (f.done < f.data.size()) {
    const uint32_t count = regs_[RDLEN / 4] / kDescBytes;
    if (count == 0 || regs_[RDH / 4] == regs_[RDT / 4] || regs_[RDH / 4] >= count) {
      if (!f.waited) {
        rx_no_buffer_.add();
        stats_reg(RNBC, 1);
      }
      f.waited = true;
      return false;
    }
    master.set_active(true);
    if (f.dma_start == sc_core::SC_ZERO_TIME) f.dma_start = sc_core::sc_time_stamp();
    const uint64_t ring = static_cast<uint64_t>(regs_[RDBAH / 4]) << 32 | regs_[RDBAL / 4];
    const uint32_t head = regs_[RDH / 4];
    uint8_t desc[kDescBytes];
    failed = !dma(false, ring + head * kDescBytes, desc, kDescBytes, "descriptor fetch", true);
    if (gen != generation_) return false;
    if (failed) break;
    const uint64_t buffer = le64(desc);
    const unsigned chunk = static_cast<unsigned>(std::min<size_t>(bufsize, f.data.size() - f.done));
    failed = !dma(true, buffer, f.data.data() + f.done, chunk, "receive buffer write", true);
    if (gen != generation_) return false;
    if (failed) break;
    rx_dma_bytes_.add(chunk);
    f.done += chunk;
    const bool eop = f.done == f.data.size();
    uint8_t wb[8] = {};
    put16(wb, static_cast<uint16_t>(chunk));
    put16(wb + 2, packet_checksum(f.data.data(), f.length, regs_[RXCSUM / 4] & 0xFF));
    wb[4] = static_cast<uint8_t>(RXD_STAT_DD | RXD_STAT_IXSM | (eop ? RXD_STAT_EOP : 0));
    wb[5] = f.crc_error ? RXD_ERR_CE : 0;
    failed = !dma(true, ring + head * kDescBytes + 8, wb, 8, "descriptor write-back", true);
    if (gen != generation_) return false;
    if (failed) break;
    regs_[RDH / 4] = (head + 1) % count;
    rdh_trace.post(sc_core::sc_time_stamp(), regs_[RDH / 4]);
    check_rxdmt();
  }
  // Written (or lost to a bus error): the frame leaves the packet buffer.
  rx_fifo_bytes_ -= f.length + kFcsBytes;
  rx_fifo_trace.post(sc_core::sc_time_stamp(), static_cast<uint32_t>(rx_fifo_bytes_));
  if (failed) {
    ++rx_.dma_error;
    rx_fifo_.pop_front();
    return false;
  }
  ++rx_.to_host;
  rx_to_host_.add();
  const sc_core::sc_time now = sc_core::sc_time_stamp();
  rx_latency_ns_.sample((now - f.arrived).to_seconds() * 1e9);
  if (packet_trace && f.seq < trace_packets.get())
    packet_trace({f.seq, static_cast<unsigned>(f.length), f.arrived, f.dma_start, now, f.waited});
  rx_fifo_.pop_front();
  // RXT0: at once when RDTR is 0, else after the packet timer (restarted by
  // every frame) or the absolute timer (started by the first).
  const uint32_t rdtr = regs_[RDTR / 4] & 0xFFFF, radv = regs_[RADV / 4] & 0xFFFF;
  if (rdtr == 0)
    set_cause(RXT0);
  else
    rx_delay_.arm(rdtr, radv);
  return true;
}

// The interrupt delay timers (SDM 3.2.7, 3.4): a packet timer restarted by
// every descriptor (RDTR / TIDV) and an absolute timer started by the first
// one (RADV / TADV; 0 = off), both in 1.024 us units.
void E1000::DelayTimers::arm(uint32_t packet_units, uint32_t absolute_units) {
  packet.cancel();
  packet.notify(kTimerUnitNs * packet_units, sc_core::SC_NS);
  if (absolute_units && !absolute_running) {
    absolute_running = true;
    absolute.notify(kTimerUnitNs * absolute_units, sc_core::SC_NS);
  }
}

void E1000::DelayTimers::cancel() {
  packet.cancel();
  absolute.cancel();
  absolute_running = false;
}

// A receive timer expired (or RDTR.FPD): RXT0.
void E1000::rx_timer_method() {
  rx_delay_.cancel();
  set_cause(RXT0);
}

// RXDMT0: the descriptors the card still owns fell to RCTL.RDMTS (1/2, 1/4,
// 1/8) of the ring.
void E1000::check_rxdmt() {
  const uint32_t count = regs_[RDLEN / 4] / kDescBytes;
  if (!count) return;
  const uint32_t owned = (regs_[RDT / 4] + count - regs_[RDH / 4]) % count;
  const unsigned rdmts = (regs_[RCTL / 4] >> RCTL_RDMTS_SHIFT) & 3;
  if (rdmts == 3) return;  // reserved
  if (owned == count * 1 / (2u << rdmts)) set_cause(RXDMT0);
}

// ---- transmit ----------------------------------------------------------------------

void E1000::tx_dma_thread() {
  for (;;) {
    set_active();
    wait(tx_work_ | bme_event_);
    for (;;) {
      const uint32_t count = regs_[TDLEN / 4] / kDescBytes;
      if (!(regs_[TCTL / 4] & TCTL_EN) || tx_stopped_ || !bus_master_enabled() || count == 0) break;
      const uint32_t head = regs_[TDH / 4];
      if (head == regs_[TDT / 4] || head >= count) break;
      master.set_active(true);
      const uint64_t ring = static_cast<uint64_t>(regs_[TDBAH / 4]) << 32 | regs_[TDBAL / 4];
      const uint64_t gen = generation_;
      uint8_t desc[kDescBytes];
      const bool fetched = dma(false, ring + head * kDescBytes, desc, kDescBytes, "descriptor fetch", false);
      if (!fetched || gen != generation_) break;
      const uint64_t buffer = le64(desc);
      const unsigned length = desc[8] | desc[9] << 8;
      const uint8_t cmd = desc[11];
      if ((cmd & TXD_CMD_DEXT) && !dext_warned_) {
        dext_warned_ = true;
        SC_REPORT_WARNING(name(), "extended transmit descriptors (DEXT) are not modelled: handled as legacy");
      }
      if (length) {
        const size_t at = tx_frame_.size();
        tx_frame_.resize(at + length);
        const bool read = dma(false, buffer, tx_frame_.data() + at, length, "transmit buffer read", false);
        if (gen != generation_) break;
        if (!read) {
          tx_frame_.clear();
          break;
        }
        tx_dma_bytes_.add(length);
      }
      if (cmd & TXD_CMD_RS) {
        uint8_t sta = TXD_STAT_DD;
        const bool written = dma(true, ring + head * kDescBytes + 12, &sta, 1, "descriptor write-back", false);
        if (!written || gen != generation_) break;
        if (cmd & TXD_CMD_IDE)
          tx_delay_.arm(regs_[TIDV / 4] & 0xFFFF, regs_[TADV / 4] & 0xFFFF);
        else
          set_cause(TXDW);
      }
      regs_[TDH / 4] = (head + 1) % count;
      tdh_trace.post(sc_core::sc_time_stamp(), regs_[TDH / 4]);
      if (cmd & TXD_CMD_EOP) {
        if (tx_frame_.empty()) {
          SC_REPORT_WARNING(name(), ("transmit descriptor " + std::to_string(head) +
                                     " ends a frame with no data (length 0): nothing sent").c_str());
        } else {
          if ((regs_[TCTL / 4] & TCTL_PSP) && tx_frame_.size() < wire::kMinFrameBytes)
            tx_frame_.resize(wire::kMinFrameBytes, 0);
          tx_fifo_.push_back(std::move(tx_frame_));
          tx_wire_work_.notify(sc_core::SC_ZERO_TIME);
        }
        tx_frame_.clear();
      }
    }
    const uint32_t count = regs_[TDLEN / 4] / kDescBytes;
    if (count && regs_[TDH / 4] == regs_[TDT / 4] && (regs_[TCTL / 4] & TCTL_EN)) set_cause(TXQE);
  }
}

// A transmit timer expired: TXDW.
void E1000::tx_timer_method() {
  tx_delay_.cancel();
  set_cause(TXDW);
}

// Frames leave one after the other at the link speed.
void E1000::tx_wire_thread() {
  for (;;) {
    while (tx_fifo_.empty()) wait(tx_wire_work_);
    if (link_down_faults_) {  // no link: the transmitter holds the frame until it is back
      ++tx_held_for_link_;
      while (link_down_faults_) wait(link_up_event_);
    }
    std::vector<uint8_t> f = std::move(tx_fifo_.front());
    tx_fifo_.pop_front();
    if (wire_tap) wire_tap(sc_core::sc_time_stamp(), f.data(), f.size(), true);
    tx_frames_.add();
    stats_reg(GPTC, 1);
    stats_reg(TPT, 1);
    stats_reg(GOTCL, f.size() + kFcsBytes);
    const sc_core::sc_time busy = frame_time(f.size()) + wire_time(kGapBytes);
    if (transmitted_.size() < kKeptTxFrames) transmitted_.push_back(std::move(f));
    wait(busy);
  }
}

}  // namespace minipc
