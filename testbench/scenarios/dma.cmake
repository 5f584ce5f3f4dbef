# DMA controller (docs/dma.md "Firmware driver"): the driver's scenario
# (firmware/apps/dma/scenario.c) with both compilers in both CPU modes and in
# APIC mode; the two DMA experiments (docs/experiments/dma_modes.md,
# mmio_vs_port_io.md) on their small grid (label experiment) and on their
# full grids (labels experiment;long, opt-in: scripts/test leaves `long` out).
set(_dma_expected ${CMAKE_CURRENT_SOURCE_DIR}/expected/dma.txt)

foreach(compiler IN LISTS MINIPC_FIRMWARE_COMPILERS)
  minipc_firmware_path(elf dma ${compiler})
  foreach(mode fast accurate)
    set(name scenario.dma.${compiler}.${mode})
    add_test(NAME ${name}
      COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/run_scenario.sh $<TARGET_FILE:minipc> ${elf} ${_dma_expected}
              --set=cpu0.mode=${mode})
    set_tests_properties(${name} PROPERTIES LABELS system TIMEOUT 120)
  endforeach()
  # IRQ 10 through the IOAPIC (pin 10) and the LAPIC.
  set(name scenario.dma.${compiler}.apic)
  add_test(NAME ${name}
    COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/run_scenario.sh $<TARGET_FILE:minipc> ${elf} ${_dma_expected}
            --set=platform.interrupts=apic --set=platform.cmdline=irq=apic)
  set_tests_properties(${name} PROPERTIES LABELS system TIMEOUT 120)
endforeach()

# The experiments (minipc_experiment_tests in CMakeLists.txt).
# Each point's firmware checks its own copies (exit 1 otherwise) and every
# metric must be in the stats, so a point can fail.
minipc_experiment_tests(WORKERS 1 dma_modes mmio_vs_port_io)

# Each DMA mode against first-principles bus arithmetic (issue 21): burst
# and cycle-stealing completion within 5 %, transparent mode's CPU stall
# exactly 0 and its completion from the CPU's windows.
if(EXISTS /usr/bin/python3)
  minipc_firmware_path(_dma_bench dma_bench clang)
  add_test(NAME dma.first_principles
    COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/dma_first_principles.py
            --minipc $<TARGET_FILE:minipc> --firmware ${_dma_bench})
  set_tests_properties(dma.first_principles PROPERTIES LABELS system TIMEOUT 120)
endif()
