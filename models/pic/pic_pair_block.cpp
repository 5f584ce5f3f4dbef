#include "pic/pic_pair_block.h"

#include <functional>
#include <memory>
#include <string>

#include "core/peripheral.h"
#include "pic/elcr8259.h"

namespace minipc {

void wire_pic8259_pair(BlockBuilder& b, Pic8259Face& master, Pic8259Face& slave) {
  auto& elcr_master = b.own(std::make_unique<Elcr8259>("elcr_master", master));
  auto& elcr_slave = b.own(std::make_unique<Elcr8259>("elcr_slave", slave));
  for (unsigned i = 0; i < 8; ++i) {
    const std::string ir = std::to_string(i);
    master.ir[i].bind(i == 2 ? b.read("pic_cascade", "pic_master.ir2")
                             : b.read("irq" + ir, "pic_master.ir" + ir));
    slave.ir[i].bind(b.read("irq" + std::to_string(8 + i), "pic_slave.ir" + ir));
  }
  slave.intr.bind(b.drive("pic_cascade", "pic_slave.int"));
  master.attach_slave(2, slave);
  master.intr.bind(b.drive("pic_int", "pic_master.int"));
  b.register_window(master.regs, "pic_master", 2, 0x20);
  b.register_window(slave.regs, "pic_slave", 2, 0xA0);
  b.register_window(elcr_master.regs, "elcr_master", 1, 0x4D0);
  b.register_window(elcr_slave.regs, "elcr_slave", 1, 0x4D1);
  b.offer<InterruptAcknowledgeIf>("inta.pic", &master);
  // The ELCRs, which the BIOS programs for PCI's level-triggered lines.
  b.offer<Peripheral>("elcr.master", &elcr_master);
  b.offer<Peripheral>("elcr.slave", &elcr_slave);
  auto view = [&b](Pic8259Face& pic) {
    auto v = std::make_unique<Pic8259View>();
    v->vector_base = [&pic] { return pic.programmed_vector_base(); };
    v->elcr = [&pic] { return pic.elcr(); };
    v->on_eoi = [&pic](std::function<void(unsigned, const sc_core::sc_time&)> fn) { pic.on_eoi = std::move(fn); };
    return &b.own(std::move(v));
  };
  b.offer<Pic8259View>("pic.master.view", view(master));
  b.offer<Pic8259View>("pic.slave.view", view(slave));
  b.trace(master.irr_trace, "pic_master.irr");
  b.trace(master.isr_trace, "pic_master.isr");
  b.trace(master.imr_trace, "pic_master.imr");
  b.trace(slave.irr_trace, "pic_slave.irr");
  b.trace(slave.isr_trace, "pic_slave.isr");
  b.trace(slave.imr_trace, "pic_slave.imr");
}

}  // namespace minipc
