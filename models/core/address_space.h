// The address space of a bus transaction: memory or isolated (port) I/O.
//
// Memory and port I/O are two address spaces of the same bus (DESIGN.md §2).
// An initiator marks a payload with this extension; a payload without it is a
// memory access. The bus decodes each space with its own map.
#pragma once

#include <cstdint>
#include <tlm>

namespace minipc {

enum class AddressSpace : uint8_t { memory, io };

const char* to_string(AddressSpace space);

class AddressSpaceExtension : public tlm::tlm_extension<AddressSpaceExtension> {
 public:
  explicit AddressSpaceExtension(AddressSpace s = AddressSpace::memory) : space(s) {}
  tlm::tlm_extension_base* clone() const override { return new AddressSpaceExtension(space); }
  void copy_from(const tlm::tlm_extension_base& other) override {
    space = static_cast<const AddressSpaceExtension&>(other).space;
  }
  AddressSpace space;
};

// The space a payload is in (memory when unmarked).
inline AddressSpace address_space_of(const tlm::tlm_generic_payload& p) {
  const AddressSpaceExtension* ext = p.get_extension<AddressSpaceExtension>();
  return ext ? ext->space : AddressSpace::memory;
}

}  // namespace minipc
