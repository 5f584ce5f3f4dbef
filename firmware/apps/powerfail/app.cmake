# The power-fail NMI (docs/faults_disk_nmi.md): save state on the NMI, find
# it again on the next boot. Tests: testbench/scenarios/faults.cmake.
minipc_firmware(KERNEL SOURCES main.c)
