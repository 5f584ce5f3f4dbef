# Exceptions through the IDT (docs/kernel.md).
minipc_firmware(KERNEL SOURCES main.c)
minipc_scenario(exceptions MINIPC QEMU)
