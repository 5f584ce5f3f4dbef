# Faults on purpose (docs/faults_disk_nmi.md), label `system;fault`, both
# compilers:
#   scenario.diskfault.<cc>         the ATA driver against an unreadable range
#                                   and a drive stuck BSY (faults/disk.yaml)
#   scenario.diskfault_dma_hang.<cc> the hang in the middle of DMA reads with
#                                   IRQ 14
#   scenario.powerfail.<cc>         the power-fail NMI: state saved on the NMI,
#                                   exit 96 when the power goes, found again by
#                                   a second boot (faults/powerfail.sh)
#   scenario.powerfail_masked.<cc>  the same with the NMI masked in port 0x70
#                                   until the firmware sees IOCHK by polling
#   scenario.powerfail_nmi_halt.<cc> the NMI handler halts with IF=0: still
#                                   exit 96, not a deadlock (94)
#   scenario.{diskfault,powerfail}.<cc>.accurate  the CPU in accurate mode
# The configs' `faults:` sections are read by the platform's fault injector
# (platform/faults.cpp).
set(_faults_dir ${CMAKE_CURRENT_SOURCE_DIR}/faults)
foreach(compiler IN LISTS MINIPC_FIRMWARE_COMPILERS)
  minipc_firmware_path(elf diskfault ${compiler})
  set(name scenario.diskfault.${compiler})
  add_test(NAME ${name}
    COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/run_scenario.sh $<TARGET_FILE:minipc> ${elf} ${_faults_dir}/diskfault.txt
            --config=${_faults_dir}/disk.yaml --set=disk0.image=${CMAKE_BINARY_DIR}/disk/test.img)
  set_tests_properties(${name} PROPERTIES LABELS "system;fault" TIMEOUT 120)
  add_test(NAME ${name}.accurate
    COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/run_scenario.sh $<TARGET_FILE:minipc> ${elf} ${_faults_dir}/diskfault.txt
            --config=${_faults_dir}/disk.yaml --set=disk0.image=${CMAKE_BINARY_DIR}/disk/test.img
            --set=cpu0.mode=accurate)
  set_tests_properties(${name}.accurate PROPERTIES LABELS "system;fault" TIMEOUT 120)
  set(name scenario.diskfault_dma_hang.${compiler})
  add_test(NAME ${name}
    COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/run_scenario.sh $<TARGET_FILE:minipc> ${elf}
            ${_faults_dir}/diskfault_dma_hang.txt --config=${_faults_dir}/disk.yaml
            --set=disk0.image=${CMAKE_BINARY_DIR}/disk/test.img --set=platform.cmdline=hang=dma)
  set_tests_properties(${name} PROPERTIES LABELS "system;fault" TIMEOUT 120)

  minipc_firmware_path(elf powerfail ${compiler})
  set(name scenario.powerfail.${compiler})
  add_test(NAME ${name}
    COMMAND ${_faults_dir}/powerfail.sh $<TARGET_FILE:minipc> ${elf} ${_faults_dir}/powerfail.yaml
            ${_faults_dir}/powerfail_boot1.txt ${_faults_dir}/powerfail_boot2.txt)
  set_tests_properties(${name} PROPERTIES LABELS "system;fault" TIMEOUT 120)
  add_test(NAME ${name}.accurate
    COMMAND ${_faults_dir}/powerfail.sh $<TARGET_FILE:minipc> ${elf} ${_faults_dir}/powerfail.yaml
            ${_faults_dir}/powerfail_boot1.txt ${_faults_dir}/powerfail_boot2.txt --set=cpu0.mode=accurate)
  set_tests_properties(${name}.accurate PROPERTIES LABELS "system;fault" TIMEOUT 120)
  set(name scenario.powerfail_masked.${compiler})
  add_test(NAME ${name}
    COMMAND ${_faults_dir}/powerfail.sh $<TARGET_FILE:minipc> ${elf} ${_faults_dir}/powerfail.yaml
            ${_faults_dir}/powerfail_boot1_masked.txt ${_faults_dir}/powerfail_boot2.txt mask=1)
  set_tests_properties(${name} PROPERTIES LABELS "system;fault" TIMEOUT 120)
  set(name scenario.powerfail_nmi_halt.${compiler})
  add_test(NAME ${name}
    COMMAND ${_faults_dir}/powerfail.sh $<TARGET_FILE:minipc> ${elf} ${_faults_dir}/powerfail.yaml
            ${_faults_dir}/powerfail_boot1_nmi_halt.txt ${_faults_dir}/powerfail_boot2.txt halt=nmi)
  set_tests_properties(${name} PROPERTIES LABELS "system;fault" TIMEOUT 120)
endforeach()
