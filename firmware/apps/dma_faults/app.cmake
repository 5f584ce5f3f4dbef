# DMA bus errors in the middle of a transfer (docs/faults.md), injected by
# platform/configs/dma_faults.yaml; the driver retries.
minipc_firmware(KERNEL SOURCES main.c)
minipc_scenario(dma_faults MINIPC LABELS fault
  ARGS --config=${CMAKE_SOURCE_DIR}/platform/configs/dma_faults.yaml)
