# Golden traces (traces/golden/, traces/README.md): the IRQ/INTR/INTA edges
# of two scenarios, extracted from their VCD by tools/vcd_edges.py, must stay
# where they are (label system). nested in full (the RTC preempting the tick);
# timer_hz for its first 100 ms (the tick at HZ). The default compiler's
# images: the edges depend on the firmware's code, so a firmware change that
# moves them needs new goldens (MINIPC_GOLDEN_UPDATE=1 ctest -R golden).
set(_golden_dir ${CMAKE_SOURCE_DIR}/traces/golden)
foreach(entry "nested|-" "timer_hz|100ms")
  string(REPLACE "|" ";" parts "${entry}")
  list(GET parts 0 app)
  list(GET parts 1 until)
  minipc_firmware_path(elf ${app})
  add_test(NAME golden.${app}.edges
    COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/golden/run_golden.sh $<TARGET_FILE:minipc> ${elf}
            ${_golden_dir}/${app}.edges ${until})
  set_tests_properties(golden.${app}.edges PROPERTIES LABELS "system;golden" TIMEOUT 120)
endforeach()

# The extractor itself, on hand-written VCDs.
add_test(NAME golden.vcd_edges_tool
  COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/golden/vcd_edges_test.py)
set_tests_properties(golden.vcd_edges_tool PROPERTIES LABELS golden TIMEOUT 60)
