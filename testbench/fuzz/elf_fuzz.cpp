// libFuzzer target for the firmware loader (models/loader/elf_loader.cpp):
// load_elf() of an ELF32 image into 1 MiB of RAM, find_multiboot_header() and
// write_multiboot_info() (the Multiboot v1 hand-over the platform writes).
//
// The input is the whole image file. Bytes 8..13 of it (EI_ABIVERSION and
// the e_ident padding, which the loader ignores) also choose the info
// block's address and the command line's length, so the writer is fuzzed
// beside images, with and without a loaded image.
// Property: a bad image or a hand-over that does not fit ends in a
// LoadError -- never a crash, a sanitizer report (a write outside RAM
// included: RAM is exactly ram_size bytes on the heap) or another exception
// type; a loaded image's entry lies inside one of its segments, and its
// segments inside RAM.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "fuzz_file.h"
#include "loader/elf_loader.h"

namespace {

constexpr uint64_t kRamSize = 1u << 20;

[[noreturn]] void broken(const char* what) {
  std::fprintf(stderr, "elf_fuzz: property violated: %s\n", what);
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace minipc;
  static minipc_fuzz::MemFile file("elf_fuzz");
  static std::vector<uint8_t> ram(kRamSize);
  file.write(data, size);

  LoadedImage image;
  bool loaded = false;
  try {
    image = load_elf(file.path(), ram.data(), ram.size());
    loaded = true;
  } catch (const LoadError& e) {
    if (e.exit_code() != 65 && e.exit_code() != 66) broken("a LoadError with an exit status other than 65/66");
  }
  if (loaded) {
    if (image.segments.empty()) broken("a loaded image without segments");
    bool entry_inside = false;
    for (const auto& [lo, hi] : image.segments) {
      if (lo >= hi || hi > kRamSize) broken("a segment outside RAM or empty");
      if (image.entry >= lo && image.entry < hi) entry_inside = true;
    }
    if (!entry_inside) broken("the entry point is outside the loaded segments");
  }

  (void)find_multiboot_header(file.path());

  auto byte = [&](size_t i) -> uint32_t { return i < size ? data[i] : 0; };
  // An address anywhere in RAM and a bit beyond, on any byte boundary.
  const uint32_t info_addr = (byte(8) | byte(9) << 8 | byte(10) << 16) % (kRamSize + 0x10000);
  const std::string cmdline(byte(11) | byte(12) << 8 | (byte(13) & 0x03) << 16, 'c');
  try {
    const uint32_t at = write_multiboot_info(ram.data(), ram.size(), cmdline, info_addr, loaded ? &image : nullptr);
    if (uint64_t{at} + kMultibootInfoSize + cmdline.size() + 1 > kRamSize) broken("the info block ends outside RAM");
  } catch (const LoadError& e) {
    if (e.exit_code() != 64) broken("a hand-over LoadError with an exit status other than 64");
  }
  return 0;
}
