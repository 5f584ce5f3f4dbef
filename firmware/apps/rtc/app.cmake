# The MC146818 RTC: periodic, alarm and update interrupts (docs/kernel.md).
minipc_firmware(KERNEL SOURCES main.c)
minipc_scenario(rtc MINIPC QEMU)
