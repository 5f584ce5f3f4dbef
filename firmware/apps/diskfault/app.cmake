# The ATA driver against disk faults (docs/faults_disk_nmi.md): unreadable
# sectors retried and reported, a drive stuck BSY reported dead, injected by
# platform/configs/disk_faults.yaml on the test image (testbench/scenarios/
# disk.cmake). The hang-during-DMA variant: testbench/scenarios/faults.cmake.
minipc_firmware(KERNEL SOURCES main.c)
minipc_scenario(diskfault MINIPC LABELS fault
  ARGS --config=${CMAKE_SOURCE_DIR}/platform/configs/disk_faults.yaml
       --set=disk0.image=${CMAKE_BINARY_DIR}/disk/test.img)
