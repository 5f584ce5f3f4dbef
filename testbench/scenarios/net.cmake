# The network receive path (docs/net.md, docs/nic.md): the replies to the
# scenario's frames byte for byte (as on QEMU), packet conservation
# over 10,000 frames on both compilers (labels system;net) and over
# 1,000,000 (net;long), and the receive-livelock experiment's small grid.
if(TARGET minipc AND EXISTS /usr/bin/python3)
  foreach(compiler clang gcc)
    minipc_firmware_path(_net_elf net ${compiler})
    # The same replies, byte for byte, as qemu.net checks on QEMU's e1000.
    add_test(NAME net.replies.${compiler}
      COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/net_replies.py
              --minipc $<TARGET_FILE:minipc> --firmware ${_net_elf})
    set_tests_properties(net.replies.${compiler} PROPERTIES LABELS "system;net" TIMEOUT 120)
    add_test(NAME net.conservation.${compiler}
      COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/net_conservation.py
              --minipc $<TARGET_FILE:minipc> --firmware ${_net_elf} --frames 10000)
    set_tests_properties(net.conservation.${compiler} PROPERTIES LABELS "system;net" TIMEOUT 120)
    # The NIC's wire faults (frame_corrupt, frame_drop, frame_duplicate,
    # link_down) under generated traffic: the driver's link and CRC lines,
    # conservation with the fault fates, and a second run byte-identical.
    add_test(NAME net.faults.${compiler}
      COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/net_faults.py
              --minipc $<TARGET_FILE:minipc> --firmware ${_net_elf} --twice)
    set_tests_properties(net.faults.${compiler} PROPERTIES LABELS "net;fault" TIMEOUT 120)
  endforeach()
  minipc_firmware_path(_net_elf net clang)
  # README's network demo: datagrams printed, ICMP replies in the pcap, tshark reads it.
  add_test(NAME net.demo
    COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/net_demo.py --minipc $<TARGET_FILE:minipc> --firmware ${_net_elf})
  set_tests_properties(net.demo PROPERTIES LABELS "system;net" TIMEOUT 120)
  # --wall-limit: a run that would take 100 s of simulated time stops after
  # 0.5 s of host time with exit 93 and a message saying where.
  add_test(NAME platform.wall_limit
    COMMAND /usr/bin/python3 -c "import subprocess,sys\np=subprocess.run([sys.argv[1],'run','--config',sys.argv[2],'--firmware',sys.argv[3],'--set','platform.cmdline=duration_ms=100000','--time','200s','--wall-limit','0.5','--no-vcd','--no-stats'],capture_output=True,text=True)\nprint(p.stderr)\nsys.exit(0 if p.returncode==93 and 'wall-clock limit of 0.5 s host time reached at' in p.stderr else 1)"
            $<TARGET_FILE:minipc> ${CMAKE_SOURCE_DIR}/platform/configs/net.yaml ${_net_elf})
  set_tests_properties(platform.wall_limit PROPERTIES LABELS "system;fault" TIMEOUT 60)
  add_test(NAME net.conservation.million
    COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/net_conservation.py
            --minipc $<TARGET_FILE:minipc> --firmware ${_net_elf} --frames 1000000)
  set_tests_properties(net.conservation.million PROPERTIES LABELS "net;long" TIMEOUT 1800)
  # Soak (soak.py): a busy system (ticks, NIC traffic with ARP/ICMP answers,
  # a reader and a busy task) with the simulator's resident memory watched.
  add_test(NAME soak.net
    COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/soak.py
            --minipc $<TARGET_FILE:minipc> --firmware ${_net_elf} --seconds 8)
  set_tests_properties(soak.net PROPERTIES LABELS "system;net" TIMEOUT 120)
  add_test(NAME soak.net.hour
    COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/soak.py
            --minipc $<TARGET_FILE:minipc> --firmware ${_net_elf} --seconds 3600 --rate 2000)
  set_tests_properties(soak.net.hour PROPERTIES LABELS "net;long" TIMEOUT 14400)
endif()
minipc_experiment_tests(WORKERS 1 receive_livelock net_stage_cycles nic_mmio_vs_io nic_dma_contention)
