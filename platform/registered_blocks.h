// Registers every block type of this build in BlockRegistry::instance()
// (generated: build/platform/registered_blocks.cpp). Idempotent.
#pragma once

#include "core/block.h"

namespace minipc {

void register_all_blocks();

}  // namespace minipc
