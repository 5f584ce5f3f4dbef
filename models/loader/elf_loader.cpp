// ELF32 i386 loading with libelf, and the Multiboot v1 hand-over block.
#include "loader/elf_loader.h"

#include "core/input_file.h"
#include "core/hex.h"

#include <gelf.h>
#include <libelf.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>

#include "core/sim_control.h"

namespace minipc {

LoadError::LoadError(int exit_code, std::string msg)
    : std::runtime_error(std::move(msg)), exit_code_(exit_code) {}

namespace {

constexpr uint32_t kMultibootHeaderMagic = 0x1BADB002;
constexpr uint32_t kMultibootSearchLimit = 8192;
constexpr uint32_t kMultibootInfoMemory = 0x001;   // mem_lower, mem_upper valid
constexpr uint32_t kMultibootInfoCmdline = 0x004;  // cmdline valid

// Every message names the file the way the user gave it.
[[noreturn]] void fail(int exit_code, const std::string& path, const std::string& what) {
  throw LoadError(exit_code, "firmware '" + path + "': " + what);
}

[[noreturn]] void malformed(const std::string& path, const std::string& what) {
  fail(exit_status::data_error, path, what);
}

std::vector<char> read_file(const std::string& path) {
  if (const std::string why = not_a_regular_file(path); !why.empty()) fail(exit_status::no_input, path, why);
  std::ifstream in(path, std::ios::binary);
  if (!in)
    fail(exit_status::no_input, path, std::string("cannot open: ") + std::strerror(errno));
  std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad())
    fail(exit_status::no_input, path, "read error");
  return bytes;
}

std::string machine_name(unsigned machine) {
  switch (machine) {
    case EM_386: return "i386 (EM_386)";
    case EM_X86_64: return "x86-64 (EM_X86_64)";
    case EM_ARM: return "ARM (EM_ARM)";
    case EM_AARCH64: return "AArch64 (EM_AARCH64)";
    case EM_RISCV: return "RISC-V (EM_RISCV)";
    case EM_MIPS: return "MIPS (EM_MIPS)";
    case EM_PPC: return "PowerPC (EM_PPC)";
    case EM_PPC64: return "PowerPC64 (EM_PPC64)";
    case EM_SPARC: return "SPARC (EM_SPARC)";
    case EM_S390: return "S/390 (EM_S390)";
    case EM_68K: return "m68k (EM_68K)";
    case EM_NONE: return "no machine (EM_NONE)";
    default: return "machine " + std::to_string(machine);
  }
}

std::string type_name(unsigned type) {
  switch (type) {
    case ET_NONE: return "ET_NONE";
    case ET_REL: return "ET_REL, an object file";
    case ET_DYN: return "ET_DYN, a shared object or PIE";
    case ET_CORE: return "ET_CORE, a core dump";
    default: return "type " + std::to_string(type);
  }
}

struct ElfDeleter {
  void operator()(Elf* elf) const { elf_end(elf); }
};
using ElfPtr = std::unique_ptr<Elf, ElfDeleter>;

void init_libelf() {
  static const bool ready = elf_version(EV_CURRENT) != EV_NONE;
  if (!ready)
    throw LoadError(exit_status::internal, std::string("libelf: ") + elf_errmsg(-1));
}

std::string libelf_error() {
  const char* msg = elf_errmsg(-1);
  return msg ? std::string(" (libelf: ") + msg + ")" : std::string();
}

}  // namespace

LoadedImage load_elf(const std::string& path, uint8_t* ram, uint64_t ram_size) {
  init_libelf();
  std::vector<char> file = read_file(path);
  const uint64_t file_size = file.size();

  ElfPtr elf(elf_memory(file.data(), file.size()));
  if (!elf || elf_kind(elf.get()) != ELF_K_ELF) {
    if (file_size >= SELFMAG && std::memcmp(file.data(), ELFMAG, SELFMAG) == 0)
      malformed(path, "truncated or malformed ELF header" + libelf_error());
    malformed(path, "not an ELF file");
  }

  // Identify the file before insisting on 32 bits: an x86-64 image deserves
  // "ELF for x86-64", not "wrong class".
  GElf_Ehdr gehdr;
  if (!gelf_getehdr(elf.get(), &gehdr))
    malformed(path, "truncated or malformed ELF header" + libelf_error());
  const int elf_class = gelf_getclass(elf.get());
  if (gehdr.e_machine != EM_386)
    malformed(path, "ELF for " + machine_name(gehdr.e_machine) + ", expected i386 (EM_386)");
  if (elf_class != ELFCLASS32)
    malformed(path, "ELF for i386 (EM_386) but not 32-bit (ELFCLASS32)");
  if (gehdr.e_ident[EI_DATA] != ELFDATA2LSB)
    malformed(path, "ELF for i386 (EM_386) but not little-endian");
  if (gehdr.e_type != ET_EXEC)
    malformed(path, "not an executable (" + type_name(gehdr.e_type) +
                        "), expected ET_EXEC linked by firmware/linker.ld");

  const Elf32_Ehdr* ehdr = elf32_getehdr(elf.get());
  if (!ehdr)
    malformed(path, "truncated or malformed ELF header" + libelf_error());

  // e_phnum itself, not elf_getphdrnum(), which reports 0 for a table cut
  // off by the end of the file; only PN_XNUM needs libelf's lookup.
  size_t phnum = ehdr->e_phnum;
  if (phnum == PN_XNUM && elf_getphdrnum(elf.get(), &phnum) != 0)
    malformed(path, "malformed program header count" + libelf_error());
  if (phnum == 0)
    malformed(path, "no program headers, nothing to load");
  if (ehdr->e_phentsize != sizeof(Elf32_Phdr))
    malformed(path, "program header entries of " + std::to_string(ehdr->e_phentsize) +
                        " bytes, expected " + std::to_string(sizeof(Elf32_Phdr)));
  const uint64_t phdrs_end = uint64_t{ehdr->e_phoff} + uint64_t{phnum} * sizeof(Elf32_Phdr);
  if (phdrs_end > file_size)
    malformed(path, "truncated: program headers [" + hex(ehdr->e_phoff) + "," + hex(phdrs_end) +
                        ") extend past the end of the file (" + hex(file_size) + " bytes)");
  const Elf32_Phdr* file_phdrs = elf32_getphdr(elf.get());
  if (!file_phdrs)
    malformed(path, "truncated or malformed program headers" + libelf_error());
  // libelf hands out the table in place when the file's byte order is the
  // host's, even at an e_phoff that is not 4-byte aligned; reading such
  // entries is undefined behaviour (UBSan: misaligned Elf32_Phdr). Work on
  // an aligned copy.
  std::vector<Elf32_Phdr> phdrs(phnum);
  std::memcpy(phdrs.data(), file_phdrs, phnum * sizeof(Elf32_Phdr));

  // Check everything first, so a bad image leaves RAM as it was.
  LoadedImage image;
  std::vector<const Elf32_Phdr*> loads;
  std::optional<uint32_t> entry;
  for (size_t i = 0; i < phnum; i++) {
    const Elf32_Phdr& ph = phdrs[i];
    if (ph.p_type != PT_LOAD || ph.p_memsz == 0)
      continue;
    const std::string name = "segment " + std::to_string(i);
    if (ph.p_filesz > ph.p_memsz)
      malformed(path, name + ": file size " + hex(ph.p_filesz) + " exceeds memory size " +
                          hex(ph.p_memsz));
    const uint64_t data_end = uint64_t{ph.p_offset} + ph.p_filesz;
    if (ph.p_filesz > 0 && data_end > file_size)
      malformed(path, "truncated: " + name + " data [" + hex(ph.p_offset) + "," + hex(data_end) +
                          ") extends past the end of the file (" + hex(file_size) + " bytes)");
    const uint64_t start = ph.p_paddr;
    const uint64_t end = start + ph.p_memsz;
    if (end > ram_size || end > (uint64_t{1} << 32) - 1)
      malformed(path, name + " [" + hex(start) + "," + hex(end) + ") lies outside RAM [0, " +
                          hex(ram_size) + ")");
    // The entry point is a virtual address; Multiboot loaders (and QEMU)
    // translate it through the segment holding it.
    if (!entry && ehdr->e_entry >= ph.p_vaddr && ehdr->e_entry - ph.p_vaddr < ph.p_memsz)
      entry = ph.p_paddr + (ehdr->e_entry - ph.p_vaddr);
    loads.push_back(&ph);
    image.segments.emplace_back(static_cast<uint32_t>(start), static_cast<uint32_t>(end));
  }
  if (loads.empty())
    malformed(path, "no loadable (PT_LOAD) segments");
  if (!entry)
    malformed(path, "entry point " + hex(ehdr->e_entry) + " is not inside a loaded segment");

  for (const Elf32_Phdr* ph : loads) {
    std::memcpy(ram + ph->p_paddr, file.data() + ph->p_offset, ph->p_filesz);
    std::memset(ram + ph->p_paddr + ph->p_filesz, 0, ph->p_memsz - ph->p_filesz);
  }

  image.entry = *entry;
  image.lowest = image.segments.front().first;
  image.highest = image.segments.front().second;
  for (const auto& [start, end] : image.segments) {
    image.lowest = std::min(image.lowest, start);
    image.highest = std::max(image.highest, end);
  }
  return image;
}

uint32_t write_multiboot_info(uint8_t* ram, uint64_t ram_size, const std::string& cmdline,
                              uint32_t info_addr, const LoadedImage* image) {
  // The block and the command line stay in conventional memory (below
  // 640 KiB) and off the firmware's own segments: from info_addr up, the
  // first 4 KiB-aligned place where they fit.
  constexpr uint64_t kConventionalEnd = 640 * 1024;
  const uint64_t bytes = kMultibootInfoSize + cmdline.size() + 1;
  auto overlaps = [image, bytes](uint64_t at) {
    if (!image) return false;
    for (const auto& [lo, hi] : image->segments)
      if (at < hi && lo < at + bytes) return true;
    return false;
  };
  if (info_addr < kConventionalEnd) {
    uint64_t at = info_addr;
    while (at + bytes <= kConventionalEnd && overlaps(at)) at = (at + 0x1000) & ~uint64_t{0xFFF};
    if (at + bytes > kConventionalEnd)
      throw LoadError(exit_status::usage,
                      "platform.cmdline: the Multiboot info and a command line of " + std::to_string(cmdline.size()) +
                          " bytes do not fit below 640 KiB from " + hex(info_addr) +
                          (image && overlaps(info_addr) ? " beside the firmware's segments" : ""));
    info_addr = static_cast<uint32_t>(at);
  }
  const uint64_t cmdline_addr = uint64_t{info_addr} + kMultibootInfoSize;
  const uint64_t end = cmdline_addr + cmdline.size() + 1;
  if (end > ram_size)
    throw LoadError(exit_status::usage,
                    "RAM of " + hex(ram_size) + " bytes is too small for the Multiboot info at " +
                        hex(info_addr) + " (needs up to " + hex(end) + ")");

  uint8_t* info = ram + info_addr;
  // Little-endian stores, whatever the host.
  auto put32 = [info](uint32_t offset, uint32_t value) {
    for (int i = 0; i < 4; i++)
      info[offset + i] = static_cast<uint8_t>(value >> (8 * i));
  };

  // PC convention: conventional memory is at most 640 KiB; "upper" memory
  // is what lies above 1 MiB.
  constexpr uint64_t kLowerLimit = 640 * 1024;
  constexpr uint64_t kUpperStart = 1024 * 1024;
  const uint64_t ram_below_4g = std::min<uint64_t>(ram_size, uint64_t{1} << 32);
  const uint32_t mem_lower = static_cast<uint32_t>(std::min(ram_below_4g, kLowerLimit) / 1024);
  const uint32_t mem_upper =
      ram_below_4g > kUpperStart ? static_cast<uint32_t>((ram_below_4g - kUpperStart) / 1024) : 0;

  std::memset(info, 0, kMultibootInfoSize);
  put32(0, kMultibootInfoMemory | kMultibootInfoCmdline);  // flags
  put32(4, mem_lower);
  put32(8, mem_upper);
  put32(16, static_cast<uint32_t>(cmdline_addr));  // cmdline
  std::memcpy(ram + cmdline_addr, cmdline.c_str(), cmdline.size() + 1);
  return info_addr;
}

std::optional<uint32_t> find_multiboot_header(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return std::nullopt;
  std::vector<uint8_t> head(kMultibootSearchLimit);
  in.read(reinterpret_cast<char*>(head.data()), static_cast<std::streamsize>(head.size()));
  const size_t got = static_cast<size_t>(in.gcount());
  auto get32 = [&head](size_t offset) {
    return uint32_t{head[offset]} | uint32_t{head[offset + 1]} << 8 |
           uint32_t{head[offset + 2]} << 16 | uint32_t{head[offset + 3]} << 24;
  };
  // The header is 32-bit aligned; magic + flags + checksum == 0 (mod 2^32).
  for (size_t offset = 0; offset + 12 <= got; offset += 4) {
    if (get32(offset) == kMultibootHeaderMagic &&
        static_cast<uint32_t>(get32(offset) + get32(offset + 4) + get32(offset + 8)) == 0)
      return static_cast<uint32_t>(offset);
  }
  return std::nullopt;
}

}  // namespace minipc
