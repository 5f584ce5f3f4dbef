# Two handlers on one line (docs/kernel.md).
minipc_firmware(KERNEL SOURCES main.c)
minipc_scenario(shared_line MINIPC QEMU)
