# Machine check (firmware/apps/machine_check/main.c, models/cpu/README.md
# "Machine check"): an uncorrectable memory error on cpu0's first read of
# 0x00300000, injected by platform/configs/machine_check.yaml (a bus fault of
# kind memory_error), labels system;fault, both compilers.
# scenario.machine_check.<cc> (fast mode; and its determinism and RTL runs)
# is declared by firmware/apps/machine_check/app.cmake: CR4.MCE=1, the
# firmware's #MC handler reads, checks and clears bank 0, exits 0. Here:
#   scenario.machine_check.<cc>.accurate        the same in accurate mode
#   scenario.machine_check_shutdown.<cc>[.accurate]  mce=0 (CR4.MCE=0): the
#       processor shuts down, exit 90 with the machine-check message
#   scenario.machine_check_no_fault.<cc>        no fault configured: the read
#       succeeds and the firmware's check 3 fails (exit 3), so the scenario
#       is known to fail when nothing is injected
set(_mc_faults ${CMAKE_CURRENT_SOURCE_DIR}/faults)
set(_mc_config --config=${CMAKE_SOURCE_DIR}/platform/configs/machine_check.yaml)

foreach(compiler IN LISTS MINIPC_FIRMWARE_COMPILERS)
  minipc_firmware_path(elf machine_check ${compiler})
  set(name scenario.machine_check.${compiler}.accurate)
  add_test(NAME ${name}
    COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/run_scenario.sh $<TARGET_FILE:minipc> ${elf}
            ${CMAKE_SOURCE_DIR}/testbench/qemu/expected/machine_check.txt ${_mc_config} --set=cpu0.mode=accurate)
  set_tests_properties(${name} PROPERTIES LABELS "system;fault" TIMEOUT 120)
  foreach(mode fast accurate)
    set(name scenario.machine_check_shutdown.${compiler})
    if(mode STREQUAL accurate)
      set(name ${name}.accurate)
    endif()
    add_test(NAME ${name}
      COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/run_scenario_status.sh $<TARGET_FILE:minipc> ${elf} 90
              ${_mc_faults}/machine_check_shutdown.txt ${_mc_faults}/machine_check_shutdown.stderr
              ${_mc_config} --set=cpu0.mode=${mode} --set=platform.cmdline=mce=0)
    set_tests_properties(${name} PROPERTIES LABELS "system;fault" TIMEOUT 120)
  endforeach()
  set(name scenario.machine_check_no_fault.${compiler})
  add_test(NAME ${name}
    COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/run_scenario_status.sh $<TARGET_FILE:minipc> ${elf} 3
            ${_mc_faults}/machine_check_no_fault.txt -)
  set_tests_properties(${name} PROPERTIES LABELS "system;fault" TIMEOUT 120)
endforeach()
