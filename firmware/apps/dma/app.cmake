# DMA controller: the driver's self-checking scenario and the experiments'
# firmware (docs/dma.md "Firmware driver", docs/experiments/dma_modes.md,
# docs/experiments/mmio_vs_port_io.md). Tests: testbench/scenarios/dma.cmake.
# Both link drivers/dma.c from the drivers library.
minipc_firmware(KERNEL SOURCES scenario.c)
minipc_firmware(NAME dma_bench KERNEL SOURCES bench.c)
