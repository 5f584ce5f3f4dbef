#include "core/address_space.h"

namespace minipc {

const char* to_string(AddressSpace space) { return space == AddressSpace::io ? "io" : "memory"; }

}  // namespace minipc
