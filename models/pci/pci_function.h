// One PCI function: its type-0 configuration header (PCI Local Bus
// Specification 2.x, §6.1) as a register bank of 256 bytes, its Base Address
// Registers and their decoding, INTx and MSI (docs/pci.md).
//
// Register names follow the Intel datasheets (82441FX, 82371SB), which use
// the spec's layout: VID, DID, PCICMD, PCISTS, RID, CLASSC, CLS, MLT, HEDT,
// BIST, BAR0-BAR5, SVID, SID, CAPPTR, INTLN, INTPIN, MINGNT, MAXLAT; a
// subclass adds its device-specific registers (0x40-0xFF) to `config_`.
//
// Configuration accesses (config_read/config_write) are 1-4 contiguous bytes
// inside one dword of the 256 (a configuration cycle's byte enables); an
// access spanning several registers reaches each in one piece. Offsets no register answers read 0 and
// ignore writes (reserved, PCI 2.x §6.1).
//
// BARs: a subclass declares each implemented BAR (declare_bar) with its space
// and size (a power of two). Bits below the size read 0 except the read-only
// type bits (I/O: bit 0 = 1; memory: bit 3 prefetchable, type 00 = 32-bit),
// so writing all ones and reading back gives the size mask. An unimplemented
// BAR reads 0 and ignores writes.
//
// Decoding: a BAR is decoded while PCICMD's I/O Space (IOSE) or Memory Space
// (MSE) enable is set and its address is decodable (not 0; an I/O window
// inside 64 KiB; a memory window not reaching 0xFFFFFFFF, which is where the
// all-ones sizing pattern puts it). The function then asks its PciBarMapper
// to map the window, and unmaps it when decoding stops. A write that moves a
// decoded BAR onto RAM, a fixed device or another BAR is refused by the
// mapper: the BAR keeps its old value (and window) and a warning names it.
// Bus Master Enable (BME) gates the function's own bus cycles (DMA, MSI):
// bus_master_enabled().
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <systemc>
#include <tlm>

#include "core/register_bank.h"

namespace minipc {

class PciFunction;

// The platform side of BAR decoding: puts a function's BAR window into the
// I/O or memory space and takes it out again. models/pci does not know the
// bus; the platform implements this (platform/pci_wiring.h).
class PciBarMapper {
 public:
  virtual ~PciBarMapper() = default;
  // Decode [base, base+size) of the I/O (io) or memory space for BAR `bar`
  // of fn. Returns false, changing nothing, when the window overlaps RAM, a
  // fixed device or another decoded BAR (or is outside the space).
  virtual bool map_bar(PciFunction& fn, int bar, bool io, uint64_t base, uint64_t size) = 0;
  // Stop decoding BAR `bar` of fn (no-op when it is not mapped).
  virtual void unmap_bar(PciFunction& fn, int bar) = 0;
};

// Where a function's INTx pin goes (the PIIX3's PIRQ steering, after the
// slot's swizzle). level: the function's INTx# asserted (true) or released.
class PciIntxSink {
 public:
  virtual ~PciIntxSink() = default;
  virtual void set_intx(unsigned device, unsigned pin, bool level) = 0;  // pin 1..4 = INTA..INTD
};

// Bus 0's free device numbers, for a function that is a block of its own (a
// NIC): the platform (platform/pci_wiring.h) offers this as the service
// "pci.slots". plug() before the simulation starts; the BIOS then assigns
// the function's BARs and interrupt line like the chipset's own.
class PciSlots {
 public:
  virtual ~PciSlots() = default;
  // device 2-31, function 0. `key`: the config key the number came from
  // (named in the ConfigError when the device is taken or out of range).
  virtual void plug(PciFunction& fn, unsigned device, const std::string& key) = 0;
};

class PciFunction : public sc_core::sc_module {
 public:
  // PCICMD bits (PCI 2.x §6.2.2).
  enum : uint16_t {
    CMD_IOSE = 1u << 0,    // I/O Space enable
    CMD_MSE = 1u << 1,     // Memory Space enable
    CMD_BME = 1u << 2,     // Bus Master enable
    CMD_PERRE = 1u << 6,   // Parity Error Response
    CMD_SERRE = 1u << 8,   // SERR# enable
    CMD_INTDIS = 1u << 10, // Interrupt Disable (PCI 2.3)
  };
  // PCISTS bits.
  enum : uint16_t {
    STS_INTS = 1u << 3,    // Interrupt Status (RO)
    STS_CAPL = 1u << 4,    // Capabilities List (RO)
    STS_RMA = 1u << 13,    // Received Master Abort (the function's own cycle was not answered)
    STS_W1C = 0xF900,      // DPE, SSE, RMA, RTA, STA, Master Data Parity Error: write 1 to clear
  };
  // Configuration header offsets (type 0).
  enum : uint8_t {
    VID = 0x00, DID = 0x02, PCICMD = 0x04, PCISTS = 0x06, RID = 0x08, CLASSC = 0x09, CLS = 0x0C, MLT = 0x0D,
    HEDT = 0x0E, BIST = 0x0F, BAR0 = 0x10, SVID = 0x2C, SID = 0x2E, CAPPTR = 0x34, INTLN = 0x3C, INTPIN = 0x3D,
    MINGNT = 0x3E, MAXLAT = 0x3F,
  };
  static constexpr int kBars = 6;
  static constexpr unsigned kConfigBytes = 256;

  enum class BarKind : uint8_t { none, io, memory };
  struct BarInfo {
    BarKind kind = BarKind::none;
    uint64_t size = 0;
    bool prefetchable = false;
    bool decoded = false;  // mapped by the mapper now
    uint64_t base = 0;     // the decoded window's base (valid when decoded)
  };

  // vendor:device, class code (base << 16 | sub << 8 | prog-if), revision,
  // header type (bit 7: multi-function device), interrupt pin (0: none,
  // 1..4 = INTA#..INTD#).
  struct Identity {
    uint16_t vendor_id, device_id;
    uint32_t class_code;
    uint8_t revision = 0;
    uint8_t header_type = 0x00;
    uint8_t interrupt_pin = 0;
  };
  PciFunction(const sc_core::sc_module_name& nm, const Identity& id);

  // ---- configuration space (the host bridge's CONFIG_DATA cycles) --------
  // offset..offset+len-1 inside one dword (len 1..4); value little endian.
  uint32_t config_read(unsigned offset, unsigned len);
  void config_write(unsigned offset, unsigned len, uint32_t value);
  // Resets the header (command 0: no decoding, BARs 0) and the device state.
  void reset();

  // ---- wiring -------------------------------------------------------------
  // The platform's BAR mapper (required before decoding is enabled).
  void set_bar_mapper(PciBarMapper* m) { mapper_ = m; }
  // INTx: where this function's pin goes, and the device number it sits at.
  void set_intx_sink(PciIntxSink* sink, unsigned device) {
    intx_sink_ = sink;
    device_ = device;
  }

  // A BAR's window is accessed: offset inside the BAR. The default answers
  // TLM_ADDRESS_ERROR_RESPONSE; a device overrides it.
  virtual void bar_transport(int bar, tlm::tlm_generic_payload& p, sc_core::sc_time& delay);

  // ---- device side --------------------------------------------------------
  // Drives INTx# (the pin declared in Identity::interrupt_pin); masked by
  // PCICMD's Interrupt Disable and while MSI is enabled (PCI 3.0 6.8: a
  // function using MSI does not assert its pin), shown in PCISTS's Interrupt
  // Status.
  void set_intx(bool level);
  bool bus_master_enabled() const { return PCICMD_R.get() & CMD_BME; }
  uint16_t command() const { return static_cast<uint16_t>(PCICMD_R.get()); }
  const BarInfo& bar(int n) const { return bars_.at(static_cast<size_t>(n)); }
  uint32_t bar_register(int n) const { return static_cast<uint32_t>(bar_regs_.at(static_cast<size_t>(n))->get()); }
  uint8_t interrupt_pin() const { return static_cast<uint8_t>(INTPIN_R.get()); }
  uint8_t interrupt_line() const { return static_cast<uint8_t>(INTLN_R.get()); }
  RegisterBank& config() { return config_; }

  // Adds a capability structure of `bytes` at `offset` (0x40..0xFC, dword
  // aligned) to the list (CAPPTR, each structure's Next pointer) and sets
  // PCISTS.Capabilities List. Its registers are the caller's, in config().
  void add_capability(uint8_t offset, uint8_t id);

 protected:
  // Declares BAR n (call in the constructor). size: a power of two, >= 4
  // for I/O (at most 256 per PCI 2.x), >= 16 for memory.
  void declare_bar(int n, BarKind kind, uint64_t size, bool prefetchable = false);
  // Device state outside the header (called by reset()).
  virtual void reset_state() {}
  // After every PCICMD write (a device waiting for Bus Master Enable).
  virtual void command_written() {}
  // Sets PCISTS bits a device reports (e.g. STS_RMA after a master abort).
  void set_status_bits(uint16_t bits) { PCISTS_R.set(PCISTS_R.get() | bits); }

  RegisterBank config_;

 public:
  // ---- the type-0 header, in offset order ---------------------------------
  Register VID_R{config_, "VID", VID, 2, 0, Access::read_only};
  Register DID_R{config_, "DID", DID, 2, 0, Access::read_only};
  Register PCICMD_R{config_, "PCICMD", PCICMD, 2, 0};
  Register PCISTS_R{config_, "PCISTS", PCISTS, 2, 0};
  Register RID_R{config_, "RID", RID, 1, 0, Access::read_only};
  Register CLASSC_R{config_, "CLASSC", CLASSC, 3, 0, Access::read_only};
  Register CLS_R{config_, "CLS", CLS, 1, 0};
  Register MLT_R{config_, "MLT", MLT, 1, 0};
  Register HEDT_R{config_, "HEDT", HEDT, 1, 0, Access::read_only};
  Register BIST_R{config_, "BIST", BIST, 1, 0, Access::read_only};
  Register BAR0_R{config_, "BAR0", BAR0 + 0x00, 4, 0};
  Register BAR1_R{config_, "BAR1", BAR0 + 0x04, 4, 0};
  Register BAR2_R{config_, "BAR2", BAR0 + 0x08, 4, 0};
  Register BAR3_R{config_, "BAR3", BAR0 + 0x0C, 4, 0};
  Register BAR4_R{config_, "BAR4", BAR0 + 0x10, 4, 0};
  Register BAR5_R{config_, "BAR5", BAR0 + 0x14, 4, 0};
  Register SVID_R{config_, "SVID", SVID, 2, 0, Access::read_only};
  Register SID_R{config_, "SID", SID, 2, 0, Access::read_only};
  Register CAPPTR_R{config_, "CAPPTR", CAPPTR, 1, 0, Access::read_only};
  Register INTLN_R{config_, "INTLN", INTLN, 1, 0x00};
  Register INTPIN_R{config_, "INTPIN", INTPIN, 1, 0, Access::read_only};
  Register MINGNT_R{config_, "MINGNT", MINGNT, 1, 0, Access::read_only};
  Register MAXLAT_R{config_, "MAXLAT", MAXLAT, 1, 0, Access::read_only};

 private:
  void write_command(uint64_t v);
  void write_status(uint64_t v);
  void write_bar(int n, uint64_t v);
  uint32_t bar_low_bits(int n) const;
  bool bar_enabled(int n) const;
  // The decodable window of BAR n for its register value, or false.
  bool bar_window(int n, uint32_t value, uint64_t& base) const;
  // Brings BAR n's decoding in line with PCICMD and its value; returns false
  // when the mapper refused the window.
  bool update_decode(int n, uint32_t value);
  void update_intx();
  void apply_identity();

  struct Capability {
    uint8_t offset, id;
  };
  Identity identity_;
  std::vector<Capability> capabilities_;
  std::array<Register*, kBars> bar_regs_;
  std::array<BarInfo, kBars> bars_;
  PciBarMapper* mapper_ = nullptr;
  PciIntxSink* intx_sink_ = nullptr;
  unsigned device_ = 0;
  bool intx_level_ = false;   // the device's INTx# request
  bool intx_driven_ = false;  // what the sink last saw
  const class MsiCapability* msi_ = nullptr;  // MSI Enable gates INTx#
  friend class MsiCapability;
};

// MSI capability (PCI 2.2 §6.8.1), 32-bit message address form:
//   +0 Capability ID 05h, Next; +2 Message Control (MSIE bit 0, Multiple
//   Message Capable 3:1 = 0, Multiple Message Enable 6:4); +4 Message
//   Address (dword aligned); +8 Message Data (16 bits).
// On a PC the message is a memory write of Message Data to Message Address
// in 0xFEExxxxx, which the local APICs take as an interrupt (DESIGN.md §3).
class MsiCapability {
 public:
  static constexpr uint8_t kCapId = 0x05;
  enum : uint16_t { MSIE = 1u << 0 };
  MsiCapability(PciFunction& fn, uint8_t offset);

  bool enabled() const { return MC.get() & MSIE; }
  uint32_t address() const { return static_cast<uint32_t>(MA.get()); }
  uint16_t data() const { return static_cast<uint16_t>(MD.get()); }

  // Sends the message through `master` (the function's bus-master socket):
  // a 4-byte memory write of Message Data at Message Address. Returns false,
  // sending nothing, when MSI or Bus Master Enable is off, or when the
  // address is not in the APIC's 0xFEExxxxx range (a warning names it).
  bool send(tlm::tlm_fw_transport_if<>& master, sc_core::sc_time& delay);

  Register CAP;  // ID and Next
  Register MC;   // Message Control
  Register MA;   // Message Address
  Register MD;   // Message Data

 private:
  PciFunction& fn_;
};

}  // namespace minipc
