# ATA disk (docs/disk.md "Firmware driver"): the driver's scenario on minipc
# (both compilers) and, as an oracle, its PIO part on QEMU's PIIX IDE; the
# missing-image error; the two disk experiments (docs/experiments/) on a tiny
# grid (label experiment) and on their full grids (labels experiment;long,
# opt-in: scripts/test leaves `long` out).
set(_disk_dir ${CMAKE_CURRENT_SOURCE_DIR}/disk)

# The test image: tools/mkdiskimage's formula (firmware/apps/disk/pattern.h),
# generated at build time. The scenario runs on it copy-on-write, so the file
# must still be the pattern afterwards (scenario.disk.image_unchanged).
set(_disk_image ${CMAKE_BINARY_DIR}/disk/test.img)
add_custom_command(
  OUTPUT ${_disk_image}
  COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_BINARY_DIR}/disk
  COMMAND /usr/bin/python3 ${CMAKE_SOURCE_DIR}/tools/mkdiskimage ${_disk_image}
  DEPENDS ${CMAKE_SOURCE_DIR}/tools/mkdiskimage
  COMMENT "Disk: generating the test image ${_disk_image}"
  VERBATIM)
add_custom_target(disk_test_image ALL DEPENDS ${_disk_image})

set(_disk_scenario_tests)
foreach(compiler IN LISTS MINIPC_FIRMWARE_COMPILERS)
  minipc_firmware_path(elf disk ${compiler})
  set(name scenario.disk.${compiler})
  add_test(NAME ${name}
    COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/run_scenario.sh $<TARGET_FILE:minipc> ${elf} ${_disk_dir}/disk.txt
            --set=disk0.image=${_disk_image})
  set_tests_properties(${name} PROPERTIES LABELS system TIMEOUT 120)
  list(APPEND _disk_scenario_tests ${name})
  # The PIO-only run, on minipc: the same lines as on QEMU (qemu.disk_pio.*).
  set(name scenario.disk_pio.${compiler})
  add_test(NAME ${name}
    COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/run_scenario.sh $<TARGET_FILE:minipc> ${elf} ${_disk_dir}/disk_pio.txt
            --set=disk0.image=${_disk_image} --set=platform.cmdline=paths=pio)
  set_tests_properties(${name} PROPERTIES LABELS system TIMEOUT 120)
  list(APPEND _disk_scenario_tests ${name})
endforeach()

add_test(NAME scenario.disk.image_unchanged
  COMMAND /usr/bin/python3 ${CMAKE_SOURCE_DIR}/tools/mkdiskimage --check ${_disk_image})
set_tests_properties(scenario.disk.image_unchanged PROPERTIES LABELS system TIMEOUT 60
  DEPENDS "${_disk_scenario_tests}")

# A disk0.image that does not exist: exit 66 and a message naming the key and the path.
add_test(NAME scenario.disk.missing_image
  COMMAND ${_disk_dir}/missing_image.sh $<TARGET_FILE:minipc> ${MINIPC_DEFAULT_FIRMWARE})
set_tests_properties(scenario.disk.missing_image PROPERTIES LABELS system TIMEOUT 60)

# The oracle: the PIO half of the scenario on QEMU's IDE (-snapshot: writes
# stay in QEMU's temporary overlay).
find_program(MINIPC_QEMU_I386 qemu-system-i386 DOC "qemu-system-i386 for the qemu tests")
if(MINIPC_QEMU_I386)
  foreach(compiler IN LISTS MINIPC_FIRMWARE_COMPILERS)
    minipc_firmware_path(elf disk ${compiler})
    add_test(NAME qemu.disk_pio.${compiler}
      COMMAND ${_disk_dir}/run_qemu.sh ${MINIPC_QEMU_I386} ${elf} ${_disk_dir}/disk_pio.txt ${_disk_image})
    set_tests_properties(qemu.disk_pio.${compiler} PROPERTIES LABELS "system;qemu" TIMEOUT 120)
  endforeach()
endif()

# The experiments (minipc_experiment_tests in CMakeLists.txt).
minipc_experiment_tests(WORKERS 0 disk_pio_vs_dma polling_vs_interrupts)
