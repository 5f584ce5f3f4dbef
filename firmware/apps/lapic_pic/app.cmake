# The local APIC in PIC mode (main.c): LINT0 virtual wire, a self-IPI and the
# LAPIC timer delivered with the 8259A as the interrupt controller.
minipc_firmware(KERNEL SOURCES main.c)
minipc_scenario(lapic_pic MINIPC QEMU)
