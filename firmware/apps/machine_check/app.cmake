# An uncorrectable memory error through the machine-check architecture
# (main.c), injected by platform/configs/machine_check.yaml. One image; the
# command line mce=0 runs it without CR4.MCE.
# Tests: testbench/scenarios/machine_check.cmake (minipc only: QEMU has no
# way to make a guest read fail).
minipc_firmware(KERNEL SOURCES main.c)
