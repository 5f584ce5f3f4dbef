# Softirqs, tasklets and workqueues (docs/kernel.md).
minipc_firmware(KERNEL SOURCES main.c)
minipc_scenario(bottom_halves MINIPC QEMU)
