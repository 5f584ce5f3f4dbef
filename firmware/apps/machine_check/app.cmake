# An uncorrectable memory error through the machine-check architecture
# (main.c), injected by platform/configs/machine_check.yaml. One image; the
# command line mce=0 runs it without CR4.MCE. minipc only (QEMU cannot make
# a guest read fail). The accurate-mode, shutdown and no-fault variants:
# testbench/scenarios/machine_check.cmake.
minipc_firmware(KERNEL SOURCES main.c)
minipc_scenario(machine_check MINIPC LABELS fault
  ARGS --config=${CMAKE_SOURCE_DIR}/platform/configs/machine_check.yaml)
