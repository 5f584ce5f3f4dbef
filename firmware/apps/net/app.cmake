# The e1000 driver and the network stack (docs/net.md).
minipc_firmware(KERNEL SOURCES main.c)

# On QEMU it needs a netdev and a peer sending frames: its tests are
# testbench/qemu/run_net.py (ctest qemu.net*), not minipc_scenario(... QEMU).
# On minipc the NIC's wire replays the same frames (testbench/qemu/
# net_frames.py) from a pcap, starting when the driver sets RCTL.EN; that
# needs the platform's e1000 block (platform/configs/net.yaml).
set(_net_frames ${CMAKE_SOURCE_DIR}/testbench/qemu/net_frames.py)
if(EXISTS ${CMAKE_SOURCE_DIR}/platform/configs/net.yaml)
  set(_net_pcap ${CMAKE_BINARY_DIR}/testbench/net_frames.pcap)
  file(MAKE_DIRECTORY ${CMAKE_BINARY_DIR}/testbench)
  execute_process(COMMAND python3 ${_net_frames} --pcap ${_net_pcap} --cmdline
                  OUTPUT_VARIABLE _net_cmdline OUTPUT_STRIP_TRAILING_WHITESPACE RESULT_VARIABLE _net_rc)
  if(NOT _net_rc EQUAL 0)
    message(FATAL_ERROR "net_frames.py --pcap ${_net_pcap} failed (${_net_rc})")
  endif()
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${_net_frames})
  minipc_scenario(net MINIPC TIMING LABELS net
    ARGS --config ${CMAKE_SOURCE_DIR}/platform/configs/net.yaml
         "--set=platform.cmdline=${_net_cmdline}"
         --set=nic0.wire.source=pcap --set=nic0.wire.pcap=${_net_pcap})
endif()
