# COM1's 16550A as a DMA device (firmware/apps/uart_dma/main.c, docs/uart.md
# "DMA signalling"): TXRDY/RXRDY on the DMAC's DREQs of channels 1 and 2 (the
# platform's defaults), memory->THR and RBR->memory in DMA mode 0 and 1, by
# polling and by interrupt, with both compilers in both CPU modes. The far end
# sends _uart_dma_rx (the firmware's rx_blocks, back to back) from
# _uart_dma_rx_start on, after the firmware has armed its first channel (it does at about 17 ms; a
# far end that starts before overruns the FIFO and fails the receive checks).
#
# Plus the platform's wiring keys: other channels (and the firmware told so
# by the command line), and bad values refused naming the key.
set(_uart_dma_expected ${CMAKE_CURRENT_SOURCE_DIR}/expected/uart_dma.txt)
set(_uart_dma_rx "m0-polled-0123456789m0-irq-abcdefghijklmm1-polled-ABCDEFGHIJm1-irq-klmnopqrstuvwx")
set(_uart_dma_rx_start 40ms)

foreach(compiler IN LISTS MINIPC_FIRMWARE_COMPILERS)
  minipc_firmware_path(elf uart_dma ${compiler})
  foreach(mode fast accurate)
    set(name scenario.uart_dma.${compiler}.${mode})
    add_test(NAME ${name}
      COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/run_scenario.sh $<TARGET_FILE:minipc> ${elf} ${_uart_dma_expected}
              --set=cpu0.mode=${mode} --set=uart0.rx_string=${_uart_dma_rx}
              --set=uart0.rx_start=${_uart_dma_rx_start})
    set_tests_properties(${name} PROPERTIES LABELS system TIMEOUT 120)
  endforeach()
endforeach()

minipc_firmware_path(elf uart_dma ${MINIPC_FIRMWARE_DEFAULT_COMPILER})
# TXRDY on channel 3, RXRDY on channel 0.
add_test(NAME scenario.uart_dma.other_channels
  COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/run_scenario.sh $<TARGET_FILE:minipc> ${elf} ${_uart_dma_expected}
          --set=uart0.tx_dma_channel=3 --set=uart0.rx_dma_channel=0 "--set=platform.cmdline=tx=3 rx=0"
          --set=uart0.rx_string=${_uart_dma_rx} --set=uart0.rx_start=${_uart_dma_rx_start})
set_tests_properties(scenario.uart_dma.other_channels PROPERTIES LABELS system TIMEOUT 120)
# Bad wiring values: a ConfigError naming the key, before anything runs.
foreach(bad "channel|tx_dma_channel=4|uart0.tx_dma_channel: '4' is not a DMA channel"
            "word|rx_dma_channel=two|uart0.rx_dma_channel: 'two' is not a DMA channel"
            "shared|rx_dma_channel=1|uart0.rx_dma_channel: channel 1 is already uart0.tx_dma_channel")
  string(REPLACE "|" ";" parts "${bad}")
  list(GET parts 0 what)
  list(GET parts 1 setting)
  list(GET parts 2 message)
  set(name scenario.uart_dma.bad_${what})
  add_test(NAME ${name}
    COMMAND $<TARGET_FILE:minipc> run --firmware ${elf} --no-vcd --no-stats --set=uart0.${setting})
  set_tests_properties(${name} PROPERTIES LABELS system TIMEOUT 30 PASS_REGULAR_EXPRESSION "${message}")
endforeach()
