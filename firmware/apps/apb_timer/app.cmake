# The example user RTL block (rtl/examples/apb_timer) through the APB bridge,
# placed by platform/configs/apb_timer.yaml (docs/rtl-blocks.md). minipc only.
minipc_firmware(KERNEL SOURCES main.c)
if(TARGET minipc_rtl_apb_apb_timer)
  minipc_scenario(apb_timer MINIPC LABELS rtl
    ARGS --config=${CMAKE_SOURCE_DIR}/platform/configs/apb_timer.yaml)
endif()
