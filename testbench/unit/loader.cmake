# Wires loader_test to the firmware images it loads (firmware/CMakeLists.txt
# builds them). Include it after unit_test(loader ...):
#   include(${CMAKE_CURRENT_SOURCE_DIR}/loader.cmake)
#
# The test gets every hello image (one per firmware compiler) as a
# ':'-separated list in MINIPC_HELLO_ELFS and builds after them.
if(TARGET loader_test AND COMMAND minipc_firmware_path)
  set(_loader_test_elfs)
  foreach(_compiler IN LISTS MINIPC_FIRMWARE_COMPILERS)
    minipc_firmware_path(_elf hello ${_compiler})
    list(APPEND _loader_test_elfs ${_elf})
    add_dependencies(loader_test fw_hello_${_compiler})
  endforeach()
  string(REPLACE ";" ":" _loader_test_elfs "${_loader_test_elfs}")
  target_compile_definitions(loader_test PRIVATE MINIPC_HELLO_ELFS="${_loader_test_elfs}")
endif()
