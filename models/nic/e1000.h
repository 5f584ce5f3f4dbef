// An Intel 82540EM-compatible Gigabit Ethernet controller (a subset), after
// the PCI/PCI-X Family of Gigabit Ethernet Controllers Software Developer's
// Manual (Intel 8254x SDM). Registers, fields, descriptors and interrupt
// causes are named as the manual names them. docs/nic.md.
//
// PCI function 8086:100E, class 020000. BAR0: the 128 KiB register window in
// memory space; BAR1: a 64-byte I/O window with IOADDR (+0) and IODATA (+4),
// the indirect access to the same registers (SDM 13.2). INTA#, and an MSI
// capability at 0xE4 (82540EP layout) that the firmware may enable.
//
// The receive path:
//   wire -> address filter -> on-chip receive packet buffer (PBA.RXA KiB;
//   full: the frame is missed, MPC and cause RXO) -> receive DMA through the
//   bus-master kit: descriptor fetch (16 bytes at RDBA + RDH*16), data write
//   into the descriptor's buffer (BSIZE/BSEX; a frame larger than one buffer
//   spans descriptors, EOP on the last), status write-back (length, packet
//   checksum, status DD|EOP|IXSM) -> RDH advances -> RXT0 after the receive
//   delay timers (RDTR packet timer, RADV absolute timer, 1.024 us units; 0 =
//   at once), RXDMT0 when the free descriptors fall to RCTL.RDMTS of the
//   ring. No free descriptor (RDH == RDT): RNBC counts the frame once and it
//   waits in the packet buffer for the driver to write RDT.
// The transmit path: TDT written -> descriptor fetch -> data read (length
// bytes) -> status write-back (DD, when RS) -> TDH advances -> TXDW (after
// TIDV/TADV when IDE) and TXQE when the ring is empty. The frame is then
// serialised on the wire at the link speed (preamble, SFD, FCS and the
// inter-packet gap included).
//
// Interrupts: ICR (read-to-clear; a write clears the bits written), ICS
// (sets causes), IMS/IMC (mask set/clear). The interrupt is asserted while
// ICR & IMS is not 0, no sooner than ITR x 256 ns after the previous
// assertion (interrupt throttling). INTx is a level; MSI sends one message
// per assertion.
//
// DMA that the bus does not answer (a ring or buffer outside RAM): the queue
// stops (until the driver clears and sets RCTL.EN / TCTL.EN, or resets the
// card), PCISTS.RMA (Received Master Abort) is set, and a warning names the
// address. Bus Master Enable off: the DMA engine waits for it.
//
// Faults on the wire's receive side (docs/nic.md "Faults"; the block offers
// them as fault kinds of its own name, models/core/fault.h): frame_drop (a
// frame lost on the wire never reaches the card), frame_corrupt (one bit of
// the frame flipped on the wire: the card's FCS check fails, CRCERRS counts
// it, and the frame is dropped unless RCTL.SBP stores it with the CE error
// bit), frame_duplicate (a frame arrives twice), each with `probability` or
// `nth`, and link_down (STATUS.LU clears and ICR.LSC is raised; frames that
// arrive are lost on the wire and the transmitter holds its frames until the
// link is back, with LSC again, when the fault ends).
//
// Not modelled (named in docs/nic.md): the EECD bit-banged Microwire
// EEPROM interface (EERD reads the EEPROM), extended (DEXT) descriptors and
// checksum offload, VLAN filtering, flow control, the PHY beyond its ID,
// control and status registers, TCP segmentation, wake-up.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include <systemc>
#include <tlm>

#include "core/bus_master.h"
#include "core/fault.h"
#include "core/params.h"
#include "core/register_bank.h"
#include "core/stats.h"
#include "core/timed_signal.h"
#include "pci/pci_function.h"
#include "wire/wire.h"

namespace minipc {

class E1000 : public PciFunction {
 public:
  // Register offsets (SDM table 13-2).
  enum : uint32_t {
    CTRL = 0x0000, STATUS = 0x0008, EECD = 0x0010, EERD = 0x0014, CTRL_EXT = 0x0018, MDIC = 0x0020,
    FCAL = 0x0028, FCAH = 0x002C, FCT = 0x0030, VET = 0x0038, ICR = 0x00C0, ITR = 0x00C4, ICS = 0x00C8,
    IMS = 0x00D0, IMC = 0x00D8, RCTL = 0x0100, FCTTV = 0x0170, TXCW = 0x0178, RXCW = 0x0180, TCTL = 0x0400,
    TIPG = 0x0410, LEDCTL = 0x0E00, PBA = 0x1000, FCRTL = 0x2160, FCRTH = 0x2168, RDBAL = 0x2800,
    RDBAH = 0x2804, RDLEN = 0x2808, RDH = 0x2810, RDT = 0x2818, RDTR = 0x2820, RXDCTL = 0x2828, RADV = 0x282C,
    RSRPD = 0x2C00, TDBAL = 0x3800, TDBAH = 0x3804, TDLEN = 0x3808, TDH = 0x3810, TDT = 0x3818, TIDV = 0x3820,
    TXDCTL = 0x3828, TADV = 0x382C, RXCSUM = 0x5000, MTA = 0x5200, RAL0 = 0x5400, RAH0 = 0x5404, VFTA = 0x5600,
    // statistics (read-to-clear)
    CRCERRS = 0x4000, MPC = 0x4010, ROC = 0x40AC, GPRC = 0x4074, BPRC = 0x4078, MPRC = 0x407C, GPTC = 0x4080,
    GORCL = 0x4088, GORCH = 0x408C, GOTCL = 0x4090, GOTCH = 0x4094, RNBC = 0x40A0, RUC = 0x40A4, TORL = 0x40C0,
    TORH = 0x40C4, TOTL = 0x40C8, TOTH = 0x40CC, TPR = 0x40D0, TPT = 0x40D4,
  };
  static constexpr uint32_t kStatsBase = 0x4000, kStatsEnd = 0x4100;
  static constexpr uint64_t kBar0Bytes = 128 * 1024, kBar1Bytes = 64;
  enum : uint32_t { IOADDR = 0x0, IODATA = 0x4 };

  // CTRL
  enum : uint32_t { CTRL_FD = 1u << 0, CTRL_LRST = 1u << 3, CTRL_ASDE = 1u << 5, CTRL_SLU = 1u << 6,
                    CTRL_RST = 1u << 26, CTRL_PHY_RST = 1u << 31 };
  // STATUS
  enum : uint32_t { STATUS_FD = 1u << 0, STATUS_LU = 1u << 1, STATUS_SPEED_SHIFT = 6 };
  // EECD / EERD (82540EM: START b0, DONE b4, ADDR b15:8, DATA b31:16)
  enum : uint32_t { EECD_EE_REQ = 1u << 6, EECD_EE_GNT = 1u << 7, EECD_EE_PRES = 1u << 8,
                    EERD_START = 1u << 0, EERD_DONE = 1u << 4 };
  // MDIC
  enum : uint32_t { MDIC_OP_WRITE = 1u << 26, MDIC_OP_READ = 2u << 26, MDIC_R = 1u << 28, MDIC_E = 1u << 30 };
  // Interrupt causes (ICR, ICS, IMS, IMC)
  enum : uint32_t { TXDW = 1u << 0, TXQE = 1u << 1, LSC = 1u << 2, RXSEQ = 1u << 3, RXDMT0 = 1u << 4,
                    RXO = 1u << 6, RXT0 = 1u << 7, MDAC = 1u << 9 };
  // RCTL
  enum : uint32_t { RCTL_EN = 1u << 1, RCTL_SBP = 1u << 2, RCTL_UPE = 1u << 3, RCTL_MPE = 1u << 4,
                    RCTL_LPE = 1u << 5, RCTL_RDMTS_SHIFT = 8, RCTL_MO_SHIFT = 12, RCTL_BAM = 1u << 15,
                    RCTL_BSIZE_SHIFT = 16, RCTL_BSEX = 1u << 25, RCTL_SECRC = 1u << 26 };
  // TCTL
  enum : uint32_t { TCTL_EN = 1u << 1, TCTL_PSP = 1u << 3 };
  // RDTR / RAH
  enum : uint32_t { RDTR_FPD = 1u << 31, RAH_AV = 1u << 31 };
  // Legacy descriptors (SDM 3.2.3, 3.3.3)
  enum : uint8_t { RXD_STAT_DD = 1u << 0, RXD_STAT_EOP = 1u << 1, RXD_STAT_IXSM = 1u << 2 };
  enum : uint8_t { RXD_ERR_CE = 1u << 0 };  // receive descriptor errors: CRC or alignment error
  enum : uint8_t { TXD_CMD_EOP = 1u << 0, TXD_CMD_IFCS = 1u << 1, TXD_CMD_RS = 1u << 3, TXD_CMD_DEXT = 1u << 5,
                   TXD_CMD_IDE = 1u << 7, TXD_STAT_DD = 1u << 0 };
  static constexpr unsigned kDescBytes = 16;
  // The PHY (an M88E1011-like, address 1): PHY ID 0x01410C20.
  enum : uint8_t { PHY_CTRL = 0, PHY_STATUS = 1, PHY_ID1 = 2, PHY_ID2 = 3 };
  static constexpr unsigned kEepromWords = 64;

  // ---- configuration ---------------------------------------------------------
  Param<std::string> mac;
  Param<uint64_t> link_mbps;        // 10, 100, 1000
  Param<uint64_t> rx_buffer_kib;    // PBA.RXA at reset
  Param<uint64_t> access_cycles;    // PCI clocks per register access
  Param<double> pci_clock_hz;
  Param<uint64_t> trace_packets;    // packets with a Perfetto slice (0: none)

  explicit E1000(const sc_core::sc_module_name& nm);

  // The bus-master port (descriptor and data DMA, MSI).
  BusMaster master{"master"};

  // ---- the wire side -----------------------------------------------------------
  // Where received frames come from (models/wire: a pcap replay or a
  // generator), owned by the block; set before the simulation starts.
  wire::FrameSource* wire_source = nullptr;
  // The source starts when the driver first sets RCTL.EN (true) or at
  // wire_start (false).
  bool wire_start_at_rx_enable = true;
  sc_core::sc_time wire_start = sc_core::SC_ZERO_TIME;
  // Every frame on the wire in either direction (tx: sent by the card), with
  // the time its first bit is on the wire.
  std::function<void(const sc_core::sc_time&, const uint8_t*, size_t, bool tx)> wire_tap;

  // A frame arrives now (its last bit; tests and the wire thread). `fcs` is
  // the frame check sequence that came with it; nullopt: the right one (the
  // card checks it only when given: a frame the wire corrupted).
  void receive(const uint8_t* data, size_t len, uint64_t seq = 0, std::optional<uint32_t> fcs = std::nullopt);

  // ---- faults (models/core/fault.h) ---------------------------------------------
  // The kinds this card offers: frame_drop, frame_corrupt, frame_duplicate,
  // link_down.
  static const std::vector<std::string>& fault_kinds();
  // The hook for one of them (std::invalid_argument for another kind).
  FaultHook fault_hook(const std::string& kind);
  // STATUS.LU: CTRL.SLU set and no link_down fault holding the link down.
  bool link_up() const;

  // ---- state for tests, the VCD and the stats ----------------------------
  uint32_t reg(uint32_t offset);               // a register's value as a read would return it (no side effects)
  void set_reg(uint32_t offset, uint32_t v);   // as a register write
  uint32_t icr() const { return icr_; }
  uint32_t ims() const { return ims_; }
  bool interrupt_asserted() const { return asserted_; }
  size_t rx_fifo_frames() const { return rx_fifo_.size(); }
  uint64_t rx_fifo_bytes() const { return rx_fifo_bytes_; }
  uint16_t eeprom_word(unsigned n) const { return eeprom_.at(n); }
  uint64_t msi_sent() const { return msi_sent_; }
  // Frames sent on the wire (for tests; the first kKeptTxFrames).
  const std::vector<std::vector<uint8_t>>& transmitted() const { return transmitted_; }
  uint64_t tx_frames() const { return tx_frames_.value(); }

  // Conservation counts (frames offered on the wire by where they ended).
  struct RxCounts {
    uint64_t offered = 0;     // arrived on the wire
    uint64_t filtered = 0;    // not for this card (address filter)
    uint64_t disabled = 0;    // arrived while RCTL.EN was clear
    uint64_t oversize = 0;    // longer than allowed without RCTL.LPE (ROC)
    uint64_t missed = 0;      // packet buffer full (MPC)
    uint64_t dma_error = 0;   // lost when the bus refused the DMA
    uint64_t flushed = 0;     // in the packet buffer at a reset (CTRL.RST)
    uint64_t crc_error = 0;   // failed the FCS check, dropped (CRCERRS; RCTL.SBP clear)
    uint64_t to_host = 0;     // written to host memory, EOP descriptor written back
  };
  const RxCounts& rx_counts() const { return rx_; }
  // The wire's receive side, where the faults act: every frame of the source
  // either reaches the card (receive(), counted in RxCounts::offered) or is
  // lost on the wire, and a duplicate reaches it twice:
  //   from_source = offered - duplicates + dropped + link_down.
  struct WireCounts {
    uint64_t from_source = 0;  // frames the source (pcap, generator) sent
    uint64_t dropped = 0;      // lost on the wire (frame_drop)
    uint64_t link_down = 0;    // arrived while a link_down fault held the link down
    uint64_t corrupted = 0;    // reached the card with a bit flipped (frame_corrupt)
    uint64_t duplicates = 0;   // extra copies that reached the card (frame_duplicate)
  };
  const WireCounts& wire_counts() const { return wire_; }
  uint64_t tx_held_for_link() const { return tx_held_for_link_; }  // frames the transmitter held while the link was down

  TimedSignal<bool> intx_trace{"intx"};
  TimedSignal<uint32_t> rdh_trace{"rdh"};
  TimedSignal<uint32_t> rdt_trace{"rdt"};
  TimedSignal<uint32_t> tdh_trace{"tdh"};
  TimedSignal<uint32_t> tdt_trace{"tdt"};
  TimedSignal<uint32_t> rx_fifo_trace{"rx_fifo_bytes"};

  // Perfetto: one async slice per received packet's life in the card
  // (arrival -> status written back), sent to this hook.
  struct PacketSpan {
    uint64_t seq;
    unsigned length;
    sc_core::sc_time arrived, dma_start, done;
    bool waited_for_descriptor;
  };
  std::function<void(const PacketSpan&)> packet_trace;

  void bar_transport(int bar, tlm::tlm_generic_payload& p, sc_core::sc_time& delay) override;

  MsiCapability msi{*this, 0xE4};

 protected:
  void reset_state() override;
  void command_written() override;

 private:
  SC_HAS_PROCESS(E1000);

  struct RxFrame {
    std::vector<uint8_t> data;   // padded to 60 bytes; the first DMA appends the FCS unless RCTL.SECRC
    size_t length = 0;           // the frame's length without the FCS
    bool crc_error = false;      // stored with a bad FCS (RCTL.SBP): CE in the descriptor's errors
    uint32_t wire_fcs = 0;       // the FCS that came with it (crc_error)
    bool fcs_decided = false;    // the first DMA has looked at SECRC
    uint64_t seq = 0;
    sc_core::sc_time arrived;
    size_t done = 0;             // bytes of data written so far
    bool waited = false;         // found no free descriptor (RNBC counted)
    sc_core::sc_time dma_start;
  };
  static constexpr size_t kKeptTxFrames = 4096;

  void check_config();
  void reset_registers();
  void register_access(tlm::tlm_generic_payload& p, uint32_t offset, sc_core::sc_time& delay);
  uint32_t read_register(uint32_t offset, const sc_core::sc_time& at);
  void write_register(uint32_t offset, uint32_t v, const sc_core::sc_time& at);

  // interrupts
  void set_cause(uint32_t bits);
  void update_interrupt();
  void interrupt_thread();
  // receive
  bool address_match(const uint8_t* dst) const;
  unsigned rx_buffer_bytes() const;
  void rx_dma_thread();
  bool rx_one_frame();
  void rx_timer_method();
  void wire_thread();
  // A frame of the source at the end of its wire time: the faults decide
  // whether it reaches the card, how, and whether a copy follows.
  void from_wire(wire::Frame& f);
  void check_rxdmt();
  // transmit
  void tx_dma_thread();
  void tx_timer_method();
  void tx_wire_thread();
  // DMA with the bus; false (and the queue stopped) when not answered
  bool dma(bool write, uint64_t addr, uint8_t* data, unsigned len, const char* what, bool rx);
  void set_active();
  void stats_reg(uint32_t offset, uint64_t add);
  uint16_t phy_read(unsigned reg) const;
  void load_eeprom();
  void link_changed();
  sc_core::sc_time wire_time(size_t bytes) const;  // `bytes` at the link speed
  sc_core::sc_time frame_time(size_t len) const;   // preamble to the FCS's last bit

  // registers: a plain array indexed by offset/4 for the ones with no
  // behaviour; the others are handled in read_register/write_register.
  std::vector<uint32_t> regs_;
  std::array<uint32_t, 128> mta_{};
  std::array<uint32_t, 64> stats_{};
  std::array<uint16_t, kEepromWords> eeprom_{};
  std::array<uint8_t, 6> mac_{};
  uint32_t ioaddr_ = 0;
  uint32_t icr_ = 0, ims_ = 0;

  // interrupt state
  bool asserted_ = false;
  sc_core::sc_time last_assert_ = sc_core::SC_ZERO_TIME;
  bool ever_asserted_ = false;
  sc_core::sc_event irq_update_;
  uint64_t msi_sent_ = 0;

  // receive state
  std::deque<RxFrame> rx_fifo_;
  uint64_t rx_fifo_bytes_ = 0;
  bool rx_stopped_ = false;   // the bus refused a DMA: until RCTL.EN toggles or reset
  bool rx_ever_enabled_ = false;
  struct DelayTimers {
    sc_core::sc_event packet, absolute;
    bool absolute_running = false;
    void arm(uint32_t packet_units, uint32_t absolute_units);
    void cancel();
  };
  sc_core::sc_event rx_work_, rx_enabled_event_;
  DelayTimers rx_delay_;
  RxCounts rx_;

  // transmit state
  bool tx_stopped_ = false;
  sc_core::sc_event tx_work_, tx_wire_work_;
  DelayTimers tx_delay_;
  std::vector<uint8_t> tx_frame_;
  std::deque<std::vector<uint8_t>> tx_fifo_;  // frames waiting for the wire
  std::vector<std::vector<uint8_t>> transmitted_;
  sc_core::sc_event bme_event_;
  sc_core::sc_mutex dma_lock_;
  uint64_t generation_ = 0;  // counts resets: a DMA in flight across one is abandoned
  sc_core::sc_time wire_rx_free_ = sc_core::SC_ZERO_TIME;  // the wire is busy until then (receive side)
  sc_core::sc_time access_delay_;
  bool dext_warned_ = false;

  // faults
  enum class FrameFaultKind { drop, corrupt, duplicate };
  struct FrameFault {
    FrameFaultKind kind;
    FaultArgs args;
    double probability = 0;  // or
    uint64_t nth = 0;        // every nth frame the fault sees
    uint64_t seen = 0;
    std::mt19937_64 rng;
    bool fires();            // for the next frame
  };
  std::vector<std::shared_ptr<FrameFault>> frame_faults_;  // armed, in the order they fired
  unsigned link_down_faults_ = 0;                          // link_down faults in force
  sc_core::sc_event link_up_event_;
  WireCounts wire_;
  uint64_t tx_held_for_link_ = 0;
  void set_link_fault(bool down);  // a link_down fault begins (true) or ends

  Counter& rx_offered_;
  Counter& rx_missed_;
  Counter& rx_no_buffer_;
  Counter& rx_to_host_;
  Counter& rx_dma_bytes_;
  Counter& tx_frames_;
  Counter& tx_dma_bytes_;
  Counter& interrupts_;
  Histogram& rx_latency_ns_;
};

// CRC-32 of IEEE 802.3 (the FCS), as the MAC computes it.
uint32_t ethernet_fcs(const uint8_t* data, size_t len);

}  // namespace minipc
