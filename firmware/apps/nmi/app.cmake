# NMI through the local APIC (main.c): the same source as nmi (APIC mode)
# and nmi_pic (8259A mode). Tests: testbench/scenarios/nmi.cmake (minipc)
# and the QEMU runs below.
minipc_firmware(KERNEL SOURCES main.c)
minipc_firmware(NAME nmi_pic KERNEL DEFINES NMI_PIC=1 SOURCES main.c)
minipc_scenario(nmi QEMU)
minipc_scenario(nmi_pic QEMU EXPECTED nmi)
