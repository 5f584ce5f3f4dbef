# Machine check (firmware/apps/machine_check/main.c, models/cpu/README.md
# "Machine check"): an uncorrectable memory error on a read of 0x00300000,
# injected by the platform's fault config on the bus, with both compilers in
# both CPU modes (labels system;fault):
#   scenario.machine_check.<compiler>.<mode>           CR4.MCE=1: the
#       firmware's #MC handler reads and clears the bank, exits 0
#   scenario.machine_check_shutdown.<compiler>.<mode>  mce=0 (CR4.MCE=0):
#       the processor shuts down, exit 90 with the machine-check message
#   scenario.machine_check_no_fault.<compiler>         no fault configured:
#       the read succeeds and the firmware's check 3 fails (exit 3), so the
#       scenario is known to fail when nothing is injected
#   determinism.machine_check                          the fault run is
#       byte-identical run to run
set(_mc_expected ${CMAKE_CURRENT_SOURCE_DIR}/expected)
# platform/configs/machine_check.yaml: faults.ue, a bus memory_error on
# cpu0's first read of 0x300000..0x300FFF.
set(_mc_fault --config=${CMAKE_SOURCE_DIR}/platform/configs/machine_check.yaml)

foreach(compiler IN LISTS MINIPC_FIRMWARE_COMPILERS)
  minipc_firmware_path(elf machine_check ${compiler})
  foreach(mode fast accurate)
    set(name scenario.machine_check.${compiler}.${mode})
    add_test(NAME ${name}
      COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/run_scenario.sh $<TARGET_FILE:minipc> ${elf} ${_mc_expected}/machine_check.txt
              --set=cpu0.mode=${mode} ${_mc_fault})
    set_tests_properties(${name} PROPERTIES LABELS "system;fault" TIMEOUT 120)
    set(name scenario.machine_check_shutdown.${compiler}.${mode})
    add_test(NAME ${name}
      COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/run_scenario_status.sh $<TARGET_FILE:minipc> ${elf} 90
              ${_mc_expected}/machine_check_shutdown.txt ${_mc_expected}/machine_check_shutdown.stderr
              --set=cpu0.mode=${mode} --set=platform.cmdline=mce=0 ${_mc_fault})
    set_tests_properties(${name} PROPERTIES LABELS "system;fault" TIMEOUT 120)
  endforeach()
  set(name scenario.machine_check_no_fault.${compiler})
  add_test(NAME ${name}
    COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/run_scenario_status.sh $<TARGET_FILE:minipc> ${elf} 3
            ${_mc_expected}/machine_check_no_fault.txt -)
  set_tests_properties(${name} PROPERTIES LABELS "system;fault" TIMEOUT 120)
endforeach()

# The fault run twice in fast mode: console, stats (faults.ue.fired,
# cpu0.machine_checks) and VCD byte-identical; the same console in accurate
# mode (run_determinism.sh).
minipc_firmware_path(elf machine_check ${MINIPC_FIRMWARE_DEFAULT_COMPILER})
add_test(NAME determinism.machine_check
  COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/run_determinism.sh $<TARGET_FILE:minipc> ${elf} same ${_mc_fault})
set_tests_properties(determinism.machine_check PROPERTIES LABELS "system;determinism;fault" TIMEOUT 300)
