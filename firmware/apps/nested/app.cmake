# Nesting by priority: the RTC preempts the tick (docs/kernel.md).
minipc_firmware(KERNEL SOURCES main.c)
minipc_scenario(nested MINIPC QEMU)
