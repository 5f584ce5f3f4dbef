# The ATA driver against disk faults (docs/faults_disk_nmi.md): unreadable
# sectors retried and reported, a drive stuck BSY reported dead.
# Tests: testbench/scenarios/faults.cmake (config testbench/scenarios/faults/disk.yaml).
minipc_firmware(KERNEL SOURCES main.c)
