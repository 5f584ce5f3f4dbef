// The Multiboot command line as "key=value" words (minipc: platform.cmdline,
// or the sweep runner's `cmdline.<key>` grid keys; QEMU: -append).
//
//   cmdline_str("mode", "burst")   the value of mode=..., or the default
//   cmdline_uint("size", 4096)     decimal or 0x hex, or the default
//
// A key without '=' reads as "1". Values end at a space; the first
// occurrence of a key wins.
#ifndef MINIPC_FW_LIB_CMDLINE_H
#define MINIPC_FW_LIB_CMDLINE_H

#include <stdint.h>

#include "lib/multiboot.h"

// Set by crt0 when the loader passed the Multiboot magic (0 otherwise).
extern const struct multiboot_info* multiboot_info_ptr;

// The whole command line ("" when there is none).
const char* cmdline(void);
// Copies the value of key into buf (at most size-1 characters) and returns
// buf, or returns def when the key is absent.
const char* cmdline_str(const char* key, const char* def, char* buf, uint32_t size);
uint32_t cmdline_uint(const char* key, uint32_t def);
// 1 when the value of key equals s.
int cmdline_is(const char* key, const char* s);

#endif  // MINIPC_FW_LIB_CMDLINE_H
