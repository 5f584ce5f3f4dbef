# Faults on purpose (docs/faults_disk_nmi.md), label `system;fault`, both
# compilers. scenario.diskfault.<cc> (and its determinism and RTL runs) is
# declared by firmware/apps/diskfault/app.cmake; here:
#   scenario.diskfault_dma_hang.<cc> the drive hangs in the middle of DMA
#                                   reads with IRQ 14
#   scenario.powerfail.<cc>         the power-fail NMI: state saved on the NMI,
#                                   exit 96 when the power goes, found again by
#                                   a second boot (faults/powerfail.sh)
#   scenario.powerfail.<cc>.accurate the CPU in accurate mode
#   scenario.powerfail_masked.<cc>  the NMI masked in port 0x70 until the
#                                   firmware sees IOCHK by polling
#   scenario.powerfail_nmi_halt.<cc> the NMI handler halts with IF=0: still
#                                   exit 96, not a deadlock (94)
# The configs are platform/configs/disk_faults.yaml and power_fail.yaml.
set(_faults_dir ${CMAKE_CURRENT_SOURCE_DIR}/faults)
set(_faults_configs ${CMAKE_SOURCE_DIR}/platform/configs)
foreach(compiler IN LISTS MINIPC_FIRMWARE_COMPILERS)
  minipc_firmware_path(elf diskfault ${compiler})
  set(name scenario.diskfault_dma_hang.${compiler})
  add_test(NAME ${name}
    COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/run_scenario.sh $<TARGET_FILE:minipc> ${elf}
            ${_faults_dir}/diskfault_dma_hang.txt --config=${_faults_configs}/disk_faults.yaml
            --set=disk0.image=${CMAKE_BINARY_DIR}/disk/test.img --set=platform.cmdline=hang=dma)
  set_tests_properties(${name} PROPERTIES LABELS "system;fault" TIMEOUT 120)

  minipc_firmware_path(elf powerfail ${compiler})
  set(_pf ${_faults_dir}/powerfail.sh $<TARGET_FILE:minipc> ${elf} ${_faults_configs}/power_fail.yaml)
  add_test(NAME scenario.powerfail.${compiler}
    COMMAND ${_pf} ${_faults_dir}/powerfail_boot1.txt ${_faults_dir}/powerfail_boot2.txt)
  add_test(NAME scenario.powerfail.${compiler}.accurate
    COMMAND ${_pf} ${_faults_dir}/powerfail_boot1.txt ${_faults_dir}/powerfail_boot2.txt --set=cpu0.mode=accurate)
  add_test(NAME scenario.powerfail_masked.${compiler}
    COMMAND ${_pf} ${_faults_dir}/powerfail_boot1_masked.txt ${_faults_dir}/powerfail_boot2.txt mask=1)
  add_test(NAME scenario.powerfail_nmi_halt.${compiler}
    COMMAND ${_pf} ${_faults_dir}/powerfail_boot1_nmi_halt.txt ${_faults_dir}/powerfail_boot2.txt halt=nmi)
  set_tests_properties(scenario.powerfail.${compiler} scenario.powerfail.${compiler}.accurate
                       scenario.powerfail_masked.${compiler} scenario.powerfail_nmi_halt.${compiler}
                       PROPERTIES LABELS "system;fault" TIMEOUT 120)
endforeach()
