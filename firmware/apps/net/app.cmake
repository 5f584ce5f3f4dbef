# The e1000 driver and the network stack (docs/net.md). On QEMU it needs a
# netdev and a peer sending frames, so its test is testbench/qemu/run_net.py
# (ctest qemu.net), not a plain minipc_scenario(... QEMU).
minipc_firmware(KERNEL SOURCES main.c)
