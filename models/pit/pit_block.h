// The 8254 as a block (models/core/block.h), for the TLM model and its RTL
// twin alike (both are a Pit8254Face). Counter 0 drives the IRQ line of `irq`
// (0 on a PC); counter 1 (DRAM refresh on an AT) drives the net <name>.out1,
// unused; counter 2's gate and output are the nets <name>.gate2 and
// <name>.out2, which port B (0x61) controls and reads.
#pragma once

#include "core/block.h"
#include "pit/pit8254_face.h"

namespace minipc {

// Wires `pit` (owned by the builder, named b.name()) into the platform.
void wire_pit8254(BlockBuilder& b, Pit8254Face& pit);

}  // namespace minipc
