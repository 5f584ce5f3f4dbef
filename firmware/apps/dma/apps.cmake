# DMA controller: the driver's self-checking scenario and the experiments'
# firmware (docs/dma.md "Firmware driver", docs/experiments/dma_modes.md,
# docs/experiments/mmio_vs_port_io.md). Included by firmware/CMakeLists.txt.
#
# Both images link drivers/dma.c. dma_bench has DEFINES (a private kernel
# build) so that its objects go to their own folder: two images without
# DEFINES listing the same source would add two rules for one object file.
minipc_firmware(NAME dma KERNEL SOURCES apps/dma/scenario.c drivers/dma.c)
minipc_firmware(NAME dma_bench KERNEL DEFINES DMA_BENCH=1 SOURCES apps/dma/bench.c drivers/dma.c)
