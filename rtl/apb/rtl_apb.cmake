# minipc_add_rtl_block(): a user's SystemVerilog block with an AMBA APB slave
# port, in one call (docs/rtl-blocks.md):
#
#   minipc_add_rtl_block(NAME <name> TOP <module> SOURCES <sv...>
#                        [VERILATOR_ARGS <args...>] [NO_PLATFORM])
#
#   - Verilates <module> (Verilator -Wall, with VCD tracing) into the static
#     library minipc_rtl_apb_<name>, with a generated adapter
#     (rtl_apb_block.cpp.in) that checks the APB ports at compile time (a
#     missing port is a build error naming the block, the module and the port)
#     and registers <name> as an rtl_apb module: the config says
#     `type: rtl_apb` and `module: <name>`;
#   - adds the tests rtl_<name>_lint (verilator --lint-only -Wall) and, with
#     yosys, rtl_<name>_synth (rtl/synth_check.cmake), label rtl;
#   - NO_PLATFORM: build only when asked (EXCLUDE_FROM_ALL) and do not link
#     into minipc (the bad-port test's module).
# SOURCES are relative to the calling folder (or absolute); NAME is a C
# identifier. Call it before platform/ is configured: from rtl/ or from a
# folder listed in MINIPC_RTL_BLOCK_DIRS (rtl/CMakeLists.txt).
set(MINIPC_RTL_APB_DIR ${CMAKE_CURRENT_LIST_DIR} CACHE INTERNAL "")
set(MINIPC_RTL_DIR ${CMAKE_CURRENT_LIST_DIR}/.. CACHE INTERNAL "")

function(minipc_add_rtl_block)
  cmake_parse_arguments(B "NO_PLATFORM" "NAME;TOP" "SOURCES;VERILATOR_ARGS" ${ARGN})
  if(B_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "minipc_add_rtl_block: unknown arguments '${B_UNPARSED_ARGUMENTS}' (${CMAKE_CURRENT_LIST_FILE})")
  endif()
  if(NOT B_NAME MATCHES "^[A-Za-z_][A-Za-z0-9_]*$")
    message(FATAL_ERROR "minipc_add_rtl_block: NAME '${B_NAME}' is not a C identifier (${CMAKE_CURRENT_LIST_FILE})")
  endif()
  if(NOT B_TOP)
    message(FATAL_ERROR "minipc_add_rtl_block(NAME ${B_NAME}): TOP <module> is missing")
  endif()
  if(NOT B_SOURCES)
    message(FATAL_ERROR "minipc_add_rtl_block(NAME ${B_NAME}): SOURCES <sv...> is missing")
  endif()
  set(sv)
  foreach(s ${B_SOURCES})
    get_filename_component(abs ${s} ABSOLUTE BASE_DIR ${CMAKE_CURRENT_SOURCE_DIR})
    if(NOT EXISTS ${abs})
      message(FATAL_ERROR "minipc_add_rtl_block(NAME ${B_NAME}): source '${s}' not found (${abs})")
    endif()
    list(APPEND sv ${abs})
  endforeach()
  set(lib minipc_rtl_apb_${B_NAME})
  # One Verilated class per block, named after the block (two blocks may
  # Verilate the same module with different arguments).
  set(B_PREFIX Vrtlapb_${B_NAME})
  set(gen ${CMAKE_CURRENT_BINARY_DIR}/rtl_apb_${B_NAME}.cpp)
  configure_file(${MINIPC_RTL_APB_DIR}/rtl_apb_block.cpp.in ${gen} @ONLY)
  if(B_NO_PLATFORM)
    add_library(${lib} STATIC EXCLUDE_FROM_ALL ${gen})
  else()
    add_library(${lib} STATIC ${gen})
  endif()
  verilate(${lib} TRACE PREFIX ${B_PREFIX} TOP_MODULE ${B_TOP} SOURCES ${sv}
           VERILATOR_ARGS -Wall ${MINIPC_VERILATOR_ARGS} ${B_VERILATOR_ARGS})
  target_link_libraries(${lib} PUBLIC minipc_rtl_apb)
  set_property(TARGET ${lib} PROPERTY POSITION_INDEPENDENT_CODE ON)
  if(NOT B_NO_PLATFORM)
    minipc_register_blocks(${lib} register_rtl_apb_${B_NAME})
    set_property(GLOBAL APPEND PROPERTY MINIPC_RTL_APB_BLOCKS ${B_NAME})
  endif()

  add_test(NAME rtl_${B_NAME}_lint COMMAND verilator --lint-only -Wall --top-module ${B_TOP} ${sv})
  set_tests_properties(rtl_${B_NAME}_lint PROPERTIES LABELS rtl)
  if(MINIPC_YOSYS)
    add_test(NAME rtl_${B_NAME}_synth
             COMMAND ${CMAKE_COMMAND} -DYOSYS=${MINIPC_YOSYS} -DTOP=${B_TOP} "-DSOURCES=${sv}"
                     -DLOG=${CMAKE_CURRENT_BINARY_DIR}/${B_NAME}_synth.log
                     -P ${MINIPC_RTL_DIR}/synth_check.cmake)
    set_tests_properties(rtl_${B_NAME}_synth PROPERTIES LABELS rtl TIMEOUT 300)
  endif()
endfunction()
