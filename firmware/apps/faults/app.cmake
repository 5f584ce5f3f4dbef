# Bad-input scenarios for the system tests (testbench/system): each must end
# in a clear error from minipc.
minipc_firmware(NAME jump_unmapped SOURCES jump_unmapped.c)
minipc_firmware(NAME bad_opcode SOURCES bad_opcode.c)
minipc_firmware(NAME spin SOURCES spin.c)
minipc_firmware(NAME halt_forever SOURCES halt_forever.c)
