# COM1's 16550A as a DMA device: TXRDY/RXRDY pace the DMAC's device channels
# (docs/uart.md "DMA signalling", docs/dma.md). Included by
# firmware/CMakeLists.txt; the scenario is testbench/scenarios/uart_dma.cmake.
#
# DEFINES gives it a private build (its own object folder): the dma image
# lists drivers/dma.c too, and two images without DEFINES listing the same
# source would add two rules for one object file.
minipc_firmware(NAME uart_dma KERNEL DEFINES UART_DMA=1 SOURCES apps/uart_dma/main.c drivers/dma.c)
