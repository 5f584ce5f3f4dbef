// The host-to-PCI bridge's configuration mechanism #1 (PCI Local Bus
// Specification 2.x §3.2.2.3.2) as the 82441FX (i440FX) implements it, and
// the bridge's own function 00:00.0 (docs/pci.md).
//
// I/O ports, one target socket `regs` mapped at 0xCF8 (kWindowBytes):
//   0xCF8 CONFIG_ADDRESS (CONFADD), dword only: bit 31 enable, 23:16 bus,
//         15:11 device, 10:8 function, 7:2 register; 30:24 and 1:0 read 0.
//   0xCFC-0xCFF CONFIG_DATA (CONFDATA): byte, word or dword; byte n of the
//         port is byte n of the addressed configuration dword.
// A byte or word access to 0xCF8-0xCFB is not CONFADD: the 82441FX passes it
// on as an ordinary I/O cycle, which nothing in this model claims (reads all
// ones, writes ignored). With CONFADD.enable clear, CONFDATA accesses are
// ordinary I/O cycles too (all ones). A configuration read of a function
// that does not exist (nothing attached at bus/device/function, or a bus
// other than 0: there is no PCI-to-PCI bridge) ends in master abort: all
// ones; writes vanish.
//
// Misaligned accesses: the CPU splits an I/O access that crosses a dword
// into one bus cycle per dword, with byte enables (as a Pentium does, and
// as QEMU's memory core does for this port). A dword at 0xCFD is therefore a
// configuration read of bytes 1-3 of the addressed dword plus a byte cycle at
// 0xD00, which nothing decodes (0xFF): the window reaches 0xD02 so that the
// bridge sees such accesses whole and answers them that way.
#pragma once

#include <tlm_utils/simple_target_socket.h>

#include <array>
#include <cstdint>

#include <systemc>
#include <tlm>

#include "core/params.h"
#include "core/stats.h"
#include "pci/pci_function.h"

namespace minipc {

class PciHostBridge : public sc_core::sc_module {
 public:
  static constexpr uint64_t kConfigAddressPort = 0xCF8;
  static constexpr uint64_t kWindowBytes = 11;  // 0xCF8-0xD02 (see "Misaligned accesses")
  static constexpr unsigned kDevices = 32, kFunctions = 8;
  enum : uint32_t { CONFADD_ENABLE = 0x80000000u, CONFADD_MASK = 0x80FFFFFCu };

  tlm_utils::simple_target_socket<PciHostBridge> regs{"regs"};
  Param<double> clock_hz{this, "clock_hz", 33.333333e6, "PCI clock (Hz)"};
  Param<uint64_t> access_cycles{this, "access_cycles", 4, "PCI clocks per configuration access"};

  explicit PciHostBridge(const sc_core::sc_module_name& nm);

  // Puts fn at bus 0, device, function. Throws std::invalid_argument when
  // the slot is taken or out of range.
  void attach(PciFunction& fn, unsigned device, unsigned function);
  PciFunction* function_at(unsigned device, unsigned function) const;

  // A configuration access as a CONFDATA cycle would make it (bus 0 only).
  // Absent functions read all ones.
  uint32_t config_read(unsigned bus, unsigned device, unsigned function, unsigned offset, unsigned len);
  void config_write(unsigned bus, unsigned device, unsigned function, unsigned offset, unsigned len, uint32_t value);

  uint32_t config_address() const { return confadd_; }
  void reset() { confadd_ = 0; }

 private:
  void b_transport(tlm::tlm_generic_payload& p, sc_core::sc_time& delay);
  unsigned int transport_dbg(tlm::tlm_generic_payload& p);
  // One bus cycle: bytes [first, first+len) of the dword at dword_port.
  void cycle(bool write, uint64_t dword_port, unsigned first, unsigned len, uint8_t* data);

  uint32_t confadd_ = 0;
  std::array<PciFunction*, kDevices * kFunctions> functions_{};
  Counter& config_reads_;
  Counter& config_writes_;
  Counter& master_aborts_;
};

// The 82441FX's own function 00:00.0 (host bridge, class 06 00 00).
class I440fxHostFunction : public PciFunction {
 public:
  explicit I440fxHostFunction(const sc_core::sc_module_name& nm)
      : PciFunction(nm, Identity{0x8086, 0x1237, 0x060000, 0x02, 0x00, 0}) {}
};

}  // namespace minipc
