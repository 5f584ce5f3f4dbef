# Interrupt-line faults (docs/faults.md): spurious IRQ 7 and IRQ 15 and a
# stuck level-triggered line, injected by platform/configs/irq_faults.yaml.
# The storm is 100,000 interrupts: accurate mode's console comparison is
# opt-in (SLOW_ACCURATE); the spurious kind is the TLM 8259A's (NO_RTL_PIC).
minipc_firmware(KERNEL SOURCES main.c)
minipc_scenario(irq_faults MINIPC LABELS fault SLOW_ACCURATE NO_RTL_PIC
  ARGS --config=${CMAKE_SOURCE_DIR}/platform/configs/irq_faults.yaml)
