# The kernel's extension points (firmware/apps/extension_points): the
# scenario itself is declared in its app.cmake (minipc and QEMU); here, the
# image whose machine registers nothing must stop in kernel_init() with a
# message naming what is missing and exit code 63 (KERNEL_EXIT_NO_DEVICE).
foreach(compiler IN LISTS MINIPC_FIRMWARE_COMPILERS)
  minipc_firmware_path(elf extension_points_nomachine ${compiler})
  set(name scenario.extension_points.no_machine.${compiler})
  add_test(NAME ${name}
    COMMAND /bin/sh -c "out=$(\"$0\" run --firmware \"$1\" --no-vcd --no-stats --time 5s 2>&1); rc=$?; echo \"$out\"; echo \"exit $rc\"; test $rc -eq 63 && echo \"$out\" | grep -qF 'kernel: the machine registered no interrupt controller for interrupt mode 0'"
            $<TARGET_FILE:minipc> ${elf})
  set_tests_properties(${name} PROPERTIES LABELS system TIMEOUT 60)
endforeach()
