// Firmware loading: an ELF32 i386 executable into RAM, the way a Multiboot
// (v1) loader does it, and the Multiboot info block the firmware gets in EBX.
//
// The platform calls load_elf() and write_multiboot_info() before the
// simulation starts, then starts the CPU at LoadedImage::entry with
// EAX = kMultibootBootloaderMagic and EBX = the info address. QEMU's -kernel
// enters the same images the same way.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace minipc {

// A firmware image that cannot be loaded. exit_code() is the `minipc run`
// exit status for it (core/sim_control.h): 66 missing or unreadable file,
// 65 not a loadable i386 ELF, 64 for a RAM too small for the hand-over.
class LoadError : public std::runtime_error {
 public:
  LoadError(int exit_code, std::string msg);
  int exit_code() const { return exit_code_; }

 private:
  int exit_code_;
};

struct LoadedImage {
  uint32_t entry = 0;    // physical address of the first instruction
  uint32_t lowest = 0;   // lowest physical address loaded
  uint32_t highest = 0;  // one past the highest physical address loaded
  std::vector<std::pair<uint32_t, uint32_t>> segments;  // [start, end), physical, in file order
};

// Loads the PT_LOAD segments of an ELF32 i386 executable (ET_EXEC) into
// ram[0, ram_size): file bytes are copied to each segment's physical address
// (p_paddr, as Multiboot loaders do), the rest of its memory size is zeroed.
// Every segment is checked before the first byte is written: on a LoadError
// RAM is untouched. Empty segments (p_memsz 0) are skipped.
LoadedImage load_elf(const std::string& path, uint8_t* ram, uint64_t ram_size);

constexpr uint32_t kMultibootBootloaderMagic = 0x2BADB002;  // EAX at entry
constexpr uint32_t kMultibootInfoAddress = 0x9000;          // default info block address
constexpr uint32_t kMultibootInfoSize = 88;                 // v1 info block, up to the VBE fields

// Writes a Multiboot v1 info block at info_addr with mem_lower/mem_upper
// (from ram_size, PC-style: at most 640 KiB below 1 MiB, the rest above it)
// and the command line, NUL-terminated, right after the block. Below 640 KiB
// the block moves up (4 KiB steps) past the segments of `image` and must end
// below 640 KiB. Returns where it went, the value for EBX. Throws
// LoadError(64) if they do not fit.
uint32_t write_multiboot_info(uint8_t* ram, uint64_t ram_size, const std::string& cmdline,
                              uint32_t info_addr = kMultibootInfoAddress, const LoadedImage* image = nullptr);

// File offset of a valid Multiboot v1 header (magic, checksum) in the first
// 8 KiB of the file, or nothing (also when the file cannot be read). The
// loader does not need one; the platform may warn that QEMU/GRUB would
// refuse the image.
std::optional<uint32_t> find_multiboot_header(const std::string& path);

}  // namespace minipc
