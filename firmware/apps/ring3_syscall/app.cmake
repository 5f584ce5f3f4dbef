# Ring-3 tasks and int 0x80 (docs/kernel.md).
minipc_firmware(KERNEL SOURCES main.c)
minipc_scenario(ring3_syscall MINIPC QEMU)
