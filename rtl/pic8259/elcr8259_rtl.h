// The ELCR bound to the Verilated 8259A (the RTL twin takes the value on its
// elcr_i pins). Same register and rules as the TLM one: pic/elcr8259.h.
#pragma once

#include "pic/elcr8259.h"
#include "pic8259/pic8259_rtl.h"

namespace minipc {

using Elcr8259Rtl = BasicElcr8259<Pic8259Rtl>;

}  // namespace minipc
