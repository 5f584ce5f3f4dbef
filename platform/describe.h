// `minipc describe`: the assembled platform without running it, like QEMU's
// `info mtree` / `info qtree`: blocks, memory and I/O maps, interrupt
// routing, bus masters.
#pragma once

#include <ostream>

#include "platform.h"

namespace minipc {

void describe(const Platform& pc, std::ostream& out);

}  // namespace minipc
