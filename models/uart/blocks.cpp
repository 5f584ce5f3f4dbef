// Block types of this folder (models/core/block.h): the 16550A UART and the
// Bochs/QEMU-style debug ports.
#include "core/block.h"
#include "uart/debug_ports.h"
#include "uart/uart16550.h"

namespace minipc {

void register_uart_blocks(BlockRegistry& r) {
  r.add({"uart16550", "tlm", "16550A UART (COM1 at 0x3F8, IRQ 4 on a PC); TXRDY/RXRDY pins as DMA requests",
         [](BlockBuilder& b) {
           auto& uart = b.own(std::make_unique<Uart16550>(b.name().c_str()));
           b.register_window(uart.regs, b.name(), 8, 0x3F8);
           uart.irq.bind(b.isa_irq("irq", 4, "IRQ line of " + b.name()));
           // The DMA request pins (docs/uart.md "DMA signalling"): TXRDY drives
           // the DREQ of channel <name>.tx_dma_channel of the DMAC named by
           // <name>.dma, RXRDY that of <name>.rx_dma_channel (-1 or none: not
           // wired). The 16550 has no DACK: the DMAC's access to THR/RBR is
           // the acknowledge.
           Param<std::string> dmac{b.name() + ".dma", "dma", "the DMA controller whose DREQs TXRDY/RXRDY drive"};
           Param<std::string> tx_dma{b.name() + ".tx_dma_channel", "1",
                                     "DMA channel whose DREQ is " + b.name() + "'s TXRDY (-1 or none: not wired)"};
           Param<std::string> rx_dma{b.name() + ".rx_dma_channel", "2",
                                     "DMA channel whose DREQ is " + b.name() + "'s RXRDY (-1 or none: not wired)"};
           auto channel = [](const Param<std::string>& p) -> int {
             const std::string& v = p.get();
             if (v == "none" || v == "-1") return -1;
             if (v.size() == 1 && v[0] >= '0' && v[0] <= '3') return v[0] - '0';
             throw ConfigError(p.key() + ": '" + v + "' is not a DMA channel (0..3, or -1 / none for not wired)");
           };
           const int tx_ch = channel(tx_dma);
           const int rx_ch = channel(rx_dma);
           if (tx_ch >= 0 && tx_ch == rx_ch)
             throw ConfigError(rx_dma.key() + ": channel " + std::to_string(rx_ch) + " is already " + tx_dma.key() +
                               " (a DREQ has one source)");
           auto pin = [&](int ch, const std::string& pin_name) -> IrqLine& {
             const std::string net = ch >= 0 ? dmac.get() + ".dreq" + std::to_string(ch) : b.name() + "." + pin_name;
             IrqLine& line = b.drive(net, b.name() + "." + pin_name);
             b.trace(line, b.name() + "." + pin_name);
             return line;
           };
           uart.txrdy.bind(pin(tx_ch, "txrdy"));
           uart.rxrdy.bind(pin(rx_ch, "rxrdy"));
         }});
  r.add({"debugcon", "tlm", "debug console port (0xE9): bytes written are printed", [](BlockBuilder& b) {
           auto& dev = b.own(std::make_unique<DebugConsole>(b.name().c_str()));
           b.register_window(dev.regs, b.name(), 1, 0xE9);
         }});
  r.add({"exit_port", "tlm", "exit port (0xF4, as QEMU's isa-debug-exit): a write ends the run with that code",
         [](BlockBuilder& b) {
           auto& dev = b.own(std::make_unique<ExitPort>(b.name().c_str()));
           b.register_window(dev.regs, b.name(), 4, 0xF4);
         }});
}

}  // namespace minipc
