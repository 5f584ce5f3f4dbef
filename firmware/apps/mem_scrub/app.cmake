# Silent RAM bit flips found by a software scrubber (docs/faults.md),
# injected by platform/configs/mem_scrub.yaml.
minipc_firmware(KERNEL SOURCES main.c)
minipc_scenario(mem_scrub MINIPC LABELS fault
  ARGS --config=${CMAKE_SOURCE_DIR}/platform/configs/mem_scrub.yaml)
