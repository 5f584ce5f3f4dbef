# The second example user RTL block (rtl/examples/apb_crc32): a CRC-32 engine
# with a bus-master port, placed by platform/configs/apb_crc32.yaml
# (docs/rtl-blocks.md). minipc only.
minipc_firmware(KERNEL SOURCES main.c)
if(TARGET minipc_rtl_apb_apb_crc32)
  minipc_scenario(apb_crc32 MINIPC LABELS rtl
    ARGS --config=${CMAKE_SOURCE_DIR}/platform/configs/apb_crc32.yaml)
endif()
