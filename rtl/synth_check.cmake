# cmake -DYOSYS=... -DTOP=... -DSOURCES="a.sv;b.sv" -DLOG=... -P synth_check.cmake
# Generic synthesis with yosys; fails on any error, prints the cell count.
string(REPLACE ";" " " files "${SOURCES}")
execute_process(
  COMMAND ${YOSYS} -l ${LOG} -q -p "read_verilog -sv ${files}; synth -top ${TOP}; stat"
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "yosys synthesis of ${TOP} failed (${rc}):\n${out}\n${err}")
endif()
file(STRINGS ${LOG} cells REGEX "Number of cells:")
list(GET cells -1 total)
string(REGEX REPLACE ".*Number of cells: *" "" total "${total}")
file(STRINGS ${LOG} warnings REGEX "^Warning:")
list(LENGTH warnings nwarn)
message("${TOP}: yosys synth OK, ${total} cells (generic gate library), ${nwarn} warnings (log: ${LOG})")
if(nwarn GREATER 0)
  message(FATAL_ERROR "yosys warnings:\n${warnings}")
endif()
