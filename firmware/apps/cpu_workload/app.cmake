# The integer workload of bench/cpu_speed; its source lives with the bench.
minipc_firmware(SOURCES ${CMAKE_SOURCE_DIR}/bench/workload/main.c)
