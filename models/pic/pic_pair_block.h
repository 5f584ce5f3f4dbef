// The 8259A pair of a PC/AT as a block (models/core/block.h), for either
// implementation: the TLM model (models/pic) and the RTL twin (rtl/pic8259)
// are both a Pic8259Face, so one function wires both.
//
// Nets: the master reads irq0..irq7 (IR2 is the cascade from the slave's
// INT, net pic_cascade), the slave irq8..irq15; the master's INT drives
// pic_int (the CPU's INTR through the local APIC's LINT0, or the IOAPIC's
// pin 0). Services: "inta.pic" (the master answers the INTA cycle),
// "pic.master.view"/"pic.slave.view" (for the latency monitor).
#pragma once

#include "core/block.h"
#include "pic/pic8259_face.h"

namespace minipc {

// Wires `master` ("pic_master") and `slave` ("pic_slave"), both owned by the
// builder, with their ELCRs (built here) into the platform.
void wire_pic8259_pair(BlockBuilder& b, Pic8259Face& master, Pic8259Face& slave);

}  // namespace minipc
