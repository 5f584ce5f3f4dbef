# NMI scenario (firmware/apps/nmi/main.c): a self NMI through the LAPIC ICR in
# APIC mode (nmi) and in 8259A mode (nmi_pic), both CPU modes, both compilers.
# The expected lines are those of the QEMU run (testbench/qemu/expected/nmi.txt).
set(_nmi_expected ${CMAKE_SOURCE_DIR}/testbench/qemu/expected/nmi.txt)

foreach(compiler IN LISTS MINIPC_FIRMWARE_COMPILERS)
  foreach(mode fast accurate)
    minipc_firmware_path(elf nmi ${compiler})
    set(name scenario.nmi.${compiler}.${mode})
    add_test(NAME ${name}
      COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/run_scenario.sh $<TARGET_FILE:minipc> ${elf} ${_nmi_expected}
              --set=platform.interrupts=apic --set=cpu0.mode=${mode})
    set_tests_properties(${name} PROPERTIES LABELS system TIMEOUT 120)
    minipc_firmware_path(elf nmi_pic ${compiler})
    set(name scenario.nmi_pic.${compiler}.${mode})
    add_test(NAME ${name}
      COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/run_scenario.sh $<TARGET_FILE:minipc> ${elf} ${_nmi_expected}
              --set=cpu0.mode=${mode})
    set_tests_properties(${name} PROPERTIES LABELS system TIMEOUT 120)
  endforeach()
endforeach()
