# PCI configuration mechanism #1 and the chipset's functions (docs/pci.md):
# the same image on minipc and on QEMU's i440FX PC (label pci).
minipc_firmware(KERNEL SOURCES main.c)
minipc_scenario(pci MINIPC QEMU LABELS pci)
