# keyboard: keys typed by the platform's script (minipc only, config
# keyboard.yaml); _inject types them itself through the 8042 (QEMU, same
# check lines); _poll is the polling driver (KBD_POLL, a private kernel build).
minipc_firmware(KERNEL SOURCES main.c)
minipc_firmware(NAME keyboard_inject KERNEL DEFINES KBD_INJECT SOURCES main.c)
minipc_firmware(NAME keyboard_poll KERNEL DEFINES KBD_INJECT KBD_POLL SOURCES main.c)
minipc_scenario(keyboard MINIPC ARGS --config=${CMAKE_SOURCE_DIR}/platform/configs/keyboard.yaml)
minipc_scenario(keyboard_inject QEMU EXPECTED keyboard)
minipc_scenario(keyboard_poll MINIPC QEMU)
