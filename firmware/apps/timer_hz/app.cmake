# The tick at each HZ the kernel supports: the configured one (timer_hz) and
# private kernel builds at 100 and 250.
minipc_firmware(KERNEL SOURCES main.c)
minipc_firmware(NAME timer_hz_100 KERNEL DEFINES HZ=100 SOURCES main.c)
minipc_firmware(NAME timer_hz_250 KERNEL DEFINES HZ=250 SOURCES main.c)
minipc_scenario(timer_hz MINIPC QEMU)
minipc_scenario(timer_hz_100 MINIPC QEMU)
minipc_scenario(timer_hz_250 MINIPC QEMU)
