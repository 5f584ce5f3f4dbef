// Multiboot (v1) structures, as the specification (0.6.96) lays them out.
//
// The loader leaves EAX = MULTIBOOT_BOOTLOADER_MAGIC and EBX = the physical
// address of a multiboot_info block; `flags` says which fields are valid.
// Plain C with fixed-width types, so assembly (constants only) and host C++
// tests can include it as well.
#ifndef MINIPC_FW_LIB_MULTIBOOT_H
#define MINIPC_FW_LIB_MULTIBOOT_H

// In the kernel image: the header the loader searches for (first 8 KiB).
#define MULTIBOOT_HEADER_MAGIC     0x1BADB002
#define MULTIBOOT_PAGE_ALIGN       0x00000001  // align modules on 4 KiB
#define MULTIBOOT_MEMORY_INFO      0x00000002  // ask for mem_lower/mem_upper
#define MULTIBOOT_SEARCH_LIMIT     8192

// In EAX at entry.
#define MULTIBOOT_BOOTLOADER_MAGIC 0x2BADB002

// multiboot_info.flags bits.
#define MULTIBOOT_INFO_MEMORY      0x00000001  // mem_lower, mem_upper
#define MULTIBOOT_INFO_BOOTDEV     0x00000002
#define MULTIBOOT_INFO_CMDLINE     0x00000004
#define MULTIBOOT_INFO_MODS        0x00000008
#define MULTIBOOT_INFO_MEM_MAP     0x00000040
#define MULTIBOOT_INFO_LOADER_NAME 0x00000200

#ifndef __ASSEMBLER__
#include <stdint.h>

struct multiboot_info {
  uint32_t flags;
  uint32_t mem_lower;         // KiB of memory from 0, at most 640
  uint32_t mem_upper;         // KiB of memory from 1 MiB up to the first hole
  uint32_t boot_device;
  uint32_t cmdline;           // physical address of a NUL-terminated string
  uint32_t mods_count;
  uint32_t mods_addr;
  uint32_t syms[4];           // a.out or ELF section header table
  uint32_t mmap_length;
  uint32_t mmap_addr;
  uint32_t drives_length;
  uint32_t drives_addr;
  uint32_t config_table;
  uint32_t boot_loader_name;
  uint32_t apm_table;
  uint32_t vbe_control_info;
  uint32_t vbe_mode_info;
  uint16_t vbe_mode;
  uint16_t vbe_interface_seg;
  uint16_t vbe_interface_off;
  uint16_t vbe_interface_len;
};

#ifdef __cplusplus
static_assert(sizeof(struct multiboot_info) == 88, "Multiboot v1 info block is 88 bytes");
#else
_Static_assert(sizeof(struct multiboot_info) == 88, "Multiboot v1 info block is 88 bytes");
#endif

#endif  // __ASSEMBLER__
#endif  // MINIPC_FW_LIB_MULTIBOOT_H
