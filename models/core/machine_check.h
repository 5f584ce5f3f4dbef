// A hardware error reported through the CPU's machine-check architecture
// (Intel SDM vol. 3B ch. 15), carried on the transaction that met it.
//
// A target, or the platform's fault injector on the bus (faults: target
// bus, kind memory_error; docs/faults.md), answers a read with
// TLM_GENERIC_ERROR_RESPONSE and attaches this extension. A CPU that gets it
// logs the error in its bank (MCi_STATUS with VAL, UC, ADDRV, MCi_ADDR =
// address) and raises #MC, or shuts down when CR4.MCE is clear. Any other
// master just sees a bus error.
//
// Ownership: the extension belongs to the transaction, as any extension of
// a payload without a memory manager. The attacher allocates it
// (`delete p.set_extension(new MachineCheckExtension{...})`: one left on a
// reused payload by an earlier transaction is freed); the CPU takes it off
// its payload and deletes it after each transaction (Cpu::transport()); any
// other initiator's payload frees it with its own extensions when it is
// destroyed.
#pragma once

#include <cstdint>

#include <tlm>

namespace minipc {

struct MachineCheckExtension : tlm::tlm_extension<MachineCheckExtension> {
  uint64_t address = 0;      // the physical address of the error (MCi_ADDR)
  bool uncorrected = true;   // UC: the data is lost (the read returned nothing usable)

  tlm::tlm_extension_base* clone() const override { return new MachineCheckExtension(*this); }
  void copy_from(const tlm::tlm_extension_base& other) override {
    *this = static_cast<const MachineCheckExtension&>(other);
  }
};

}  // namespace minipc
