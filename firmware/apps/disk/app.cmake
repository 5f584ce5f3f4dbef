# ATA disk: the driver's self-checking scenario and the experiments' firmware
# (docs/disk.md "Firmware driver", docs/experiments/disk_pio_vs_dma.md,
# docs/experiments/polling_vs_interrupts.md). Tests: testbench/scenarios/disk.cmake.
minipc_firmware(KERNEL SOURCES scenario.c)
minipc_firmware(NAME disk_bench KERNEL SOURCES bench.c)
