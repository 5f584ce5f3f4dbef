# The kernel's extension points (docs/kernel.md): the registered tables are
# what the kernel calls. _nomachine: no machine registers anything, and
# kernel_init() must say so (testbench/scenarios/extension_points.cmake).
minipc_firmware(KERNEL SOURCES main.c)
minipc_firmware(NAME extension_points_nomachine KERNEL DEFINES NO_MACHINE SOURCES main.c)
minipc_scenario(extension_points MINIPC QEMU)
