# hello: the default demo (minipc run with no --firmware), no kernel.
minipc_firmware(SOURCES main.c)
