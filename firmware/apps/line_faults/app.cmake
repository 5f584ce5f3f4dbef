# Interrupts that never came (docs/faults.md): a lost edge, a line stuck low
# and a glitch, injected by platform/configs/line_faults.yaml; the RTC
# driver's watchdog revives a line the 8259A lost.
minipc_firmware(KERNEL SOURCES main.c)
minipc_scenario(line_faults MINIPC LABELS fault
  ARGS --config=${CMAKE_SOURCE_DIR}/platform/configs/line_faults.yaml)
