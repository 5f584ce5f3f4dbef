# COM1's 16550A as a DMA device: TXRDY/RXRDY pace the DMAC's device channels
# (docs/uart.md "DMA signalling", docs/dma.md). Tests:
# testbench/scenarios/uart_dma.cmake.
minipc_firmware(KERNEL SOURCES main.c)
