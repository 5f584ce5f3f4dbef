# The IOAPIC and LAPIC path (docs/kernel.md); minipc needs the platform in
# APIC mode.
minipc_firmware(KERNEL SOURCES main.c)
minipc_scenario(apic_mode MINIPC QEMU ARGS --set=platform.interrupts=apic)
