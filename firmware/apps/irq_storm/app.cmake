# A fault on purpose (main.c): a LAPIC timer interrupt storm that minipc's
# storm detector must stop (exit 95; testbench/system BadInput tests).
minipc_firmware(KERNEL SOURCES main.c)
