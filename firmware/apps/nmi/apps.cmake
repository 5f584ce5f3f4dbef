# NMI through the local APIC (firmware/apps/nmi/main.c): the same source as
# nmi (APIC mode) and nmi_pic (8259A mode). Included by firmware/CMakeLists.txt.
minipc_firmware(NAME nmi KERNEL SOURCES apps/nmi/main.c)
minipc_firmware(NAME nmi_pic KERNEL DEFINES NMI_PIC=1 SOURCES apps/nmi/main.c)
