// Firmware loader: ELF32 i386 images into RAM, errors with their exit
// statuses, and the Multiboot v1 info block.
//
// The real images come from the build (testbench/unit/loader.cmake passes
// MINIPC_HELLO_ELFS, ':'-separated; the environment variable of the same
// name overrides it). Malformed images are made here, from hello or from
// scratch.
#include <elf.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include "../../firmware/apps/hello/table.h"
#include "../../firmware/lib/multiboot.h"
#include "loader/elf_loader.h"

namespace {

using minipc::LoadError;
using minipc::LoadedImage;

constexpr int kDataError = 65;  // core/sim_control.h exit_status::data_error
constexpr int kNoInput = 66;    // exit_status::no_input
constexpr int kUsage = 64;      // exit_status::usage
constexpr uint64_t kRamSize = 16 * 1024 * 1024;
constexpr uint8_t kFill = 0xA5;  // RAM contents before a load: "untouched" means still this

std::vector<std::string> hello_elfs() {
  std::string list;
#ifdef MINIPC_HELLO_ELFS
  list = MINIPC_HELLO_ELFS;
#endif
  if (const char* env = std::getenv("MINIPC_HELLO_ELFS"))
    list = env;
  std::vector<std::string> paths;
  std::stringstream ss(list);
  for (std::string path; std::getline(ss, path, ':');)
    if (!path.empty())
      paths.push_back(path);
  return paths;
}

// The default compiler's hello comes first.
std::string hello_elf() {
  auto paths = hello_elfs();
  return paths.empty() ? std::string() : paths.front();
}

#define REQUIRE_HELLO()                                                                     \
  do {                                                                                      \
    if (hello_elf().empty())                                                                \
      FAIL() << "no hello image: include testbench/unit/loader.cmake in the build, or set " \
                "MINIPC_HELLO_ELFS";                                                        \
  } while (0)

std::vector<uint8_t> read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string write_temp(const std::string& name, const void* data, size_t size) {
  std::string path = ::testing::TempDir() + "minipc_loader_test_" + name;
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(static_cast<const char*>(data), static_cast<std::streamsize>(size));
  return path;
}

std::string write_temp(const std::string& name, const std::vector<uint8_t>& bytes) {
  return write_temp(name, bytes.data(), bytes.size());
}

// Runs load_elf and returns the LoadError it must throw.
LoadError expect_load_error(const std::string& path, std::vector<uint8_t>& ram) {
  try {
    minipc::load_elf(path, ram.data(), ram.size());
  } catch (const LoadError& e) {
    return e;
  }
  ADD_FAILURE() << "load_elf('" << path << "') did not throw";
  return LoadError(0, "");
}

bool untouched(const std::vector<uint8_t>& ram) {
  return std::all_of(ram.begin(), ram.end(), [](uint8_t b) { return b == kFill; });
}

// A minimal ELF32 i386 executable: one header, `segments` program headers,
// each with 16 bytes of file data (0x11, 0x22, ...) and 32 bytes of memory.
std::vector<uint8_t> make_elf32(const std::vector<uint32_t>& segment_addrs,
                                uint16_t machine = EM_386, uint16_t type = ET_EXEC) {
  const uint32_t data_offset = 0x100;
  Elf32_Ehdr eh{};
  std::memcpy(eh.e_ident, ELFMAG, SELFMAG);
  eh.e_ident[EI_CLASS] = ELFCLASS32;
  eh.e_ident[EI_DATA] = ELFDATA2LSB;
  eh.e_ident[EI_VERSION] = EV_CURRENT;
  eh.e_type = type;
  eh.e_machine = machine;
  eh.e_version = EV_CURRENT;
  eh.e_entry = segment_addrs.front();
  eh.e_phoff = sizeof(Elf32_Ehdr);
  eh.e_ehsize = sizeof(Elf32_Ehdr);
  eh.e_phentsize = sizeof(Elf32_Phdr);
  eh.e_phnum = static_cast<uint16_t>(segment_addrs.size());

  std::vector<uint8_t> image(data_offset + 16 * segment_addrs.size());
  std::memcpy(image.data(), &eh, sizeof eh);
  for (size_t i = 0; i < segment_addrs.size(); i++) {
    Elf32_Phdr ph{};
    ph.p_type = PT_LOAD;
    ph.p_offset = static_cast<uint32_t>(data_offset + 16 * i);
    ph.p_vaddr = ph.p_paddr = segment_addrs[i];
    ph.p_filesz = 16;
    ph.p_memsz = 32;
    ph.p_flags = PF_R | PF_X;
    ph.p_align = 16;
    std::memcpy(image.data() + sizeof eh + i * sizeof ph, &ph, sizeof ph);
    std::fill_n(image.data() + ph.p_offset, 16, static_cast<uint8_t>(0x11 * (i + 1)));
  }
  return image;
}

// The ELF header of an x86-64 executable (the rest does not matter: the
// loader must stop at the machine).
std::vector<uint8_t> make_elf64_x86_64() {
  Elf64_Ehdr eh{};
  std::memcpy(eh.e_ident, ELFMAG, SELFMAG);
  eh.e_ident[EI_CLASS] = ELFCLASS64;
  eh.e_ident[EI_DATA] = ELFDATA2LSB;
  eh.e_ident[EI_VERSION] = EV_CURRENT;
  eh.e_type = ET_EXEC;
  eh.e_machine = EM_X86_64;
  eh.e_version = EV_CURRENT;
  eh.e_entry = 0x401000;
  eh.e_ehsize = sizeof(Elf64_Ehdr);
  std::vector<uint8_t> image(sizeof eh);
  std::memcpy(image.data(), &eh, sizeof eh);
  return image;
}

// ---- the real firmware --------------------------------------------------------

TEST(Loader, LoadsHello) {
  REQUIRE_HELLO();
  for (const std::string& path : hello_elfs()) {
    SCOPED_TRACE(path);
    const std::vector<uint8_t> file = read_bytes(path);
    ASSERT_GE(file.size(), sizeof(Elf32_Ehdr));
    Elf32_Ehdr eh;
    std::memcpy(&eh, file.data(), sizeof eh);

    std::vector<uint8_t> ram(kRamSize, kFill);
    const LoadedImage image = minipc::load_elf(path, ram.data(), ram.size());

    // Linked at 1 MiB (firmware/linker.ld); paddr == vaddr there.
    EXPECT_EQ(image.entry, eh.e_entry);
    EXPECT_GE(image.lowest, 0x100000u);
    EXPECT_LE(image.highest, kRamSize);
    EXPECT_LT(image.lowest, image.highest);
    ASSERT_FALSE(image.segments.empty());

    // Every PT_LOAD: file bytes in place, the rest of memsz zeroed.
    std::vector<bool> covered(ram.size(), false);
    size_t loads = 0;
    for (unsigned i = 0; i < eh.e_phnum; i++) {
      Elf32_Phdr ph;
      std::memcpy(&ph, file.data() + eh.e_phoff + i * sizeof ph, sizeof ph);
      if (ph.p_type != PT_LOAD || ph.p_memsz == 0)
        continue;
      ASSERT_LT(loads, image.segments.size());
      EXPECT_EQ(image.segments[loads].first, ph.p_paddr);
      EXPECT_EQ(image.segments[loads].second, ph.p_paddr + ph.p_memsz);
      loads++;
      EXPECT_LE(uint64_t{ph.p_paddr} + ph.p_memsz, kRamSize);
      EXPECT_EQ(0, std::memcmp(ram.data() + ph.p_paddr, file.data() + ph.p_offset, ph.p_filesz))
          << "segment " << i;
      EXPECT_TRUE(std::all_of(ram.begin() + ph.p_paddr + ph.p_filesz,
                              ram.begin() + ph.p_paddr + ph.p_memsz,
                              [](uint8_t b) { return b == 0; }))
          << "segment " << i << " bss not zeroed";
      std::fill(covered.begin() + ph.p_paddr, covered.begin() + ph.p_paddr + ph.p_memsz, true);
    }
    EXPECT_EQ(loads, image.segments.size());
    EXPECT_TRUE(image.entry >= image.segments.front().first &&
                image.entry < image.segments.front().second)
        << "entry not in the first (text) segment";
    for (size_t a = 0; a < ram.size(); a++) {
      if (!covered[a] && ram[a] != kFill) {
        ADD_FAILURE() << "byte at 0x" << std::hex << a << " written outside the segments";
        break;
      }
    }

    // QEMU and GRUB need the header in the first 8 KiB.
    const auto header = minipc::find_multiboot_header(path);
    ASSERT_TRUE(header.has_value());
    EXPECT_LT(*header, uint32_t{MULTIBOOT_SEARCH_LIMIT});
  }
}

TEST(Loader, MissingFileIsNoInput) {
  std::vector<uint8_t> ram(4096, kFill);
  const LoadError e = expect_load_error("/nonexistent/minipc/firmware.elf", ram);
  EXPECT_EQ(e.exit_code(), kNoInput);
  EXPECT_STREQ(e.what(), "firmware '/nonexistent/minipc/firmware.elf': no such file");
  EXPECT_TRUE(untouched(ram));
}

TEST(Loader, TextFileIsNotElf) {
  const std::string text = "this is not firmware\n";
  const std::string path = write_temp("text.elf", text.data(), text.size());
  std::vector<uint8_t> ram(4096, kFill);
  const LoadError e = expect_load_error(path, ram);
  EXPECT_EQ(e.exit_code(), kDataError);
  EXPECT_EQ(std::string(e.what()), "firmware '" + path + "': not an ELF file");
  EXPECT_TRUE(untouched(ram));
}

TEST(Loader, EmptyFileIsNotElf) {
  const std::string path = write_temp("empty.elf", "", 0);
  std::vector<uint8_t> ram(4096, kFill);
  const LoadError e = expect_load_error(path, ram);
  EXPECT_EQ(e.exit_code(), kDataError);
  EXPECT_EQ(std::string(e.what()), "firmware '" + path + "': not an ELF file");
}

TEST(Loader, OtherArchitectureIsDataError) {
  std::vector<uint8_t> ram(kRamSize, kFill);
  {
    const std::string path = write_temp("x86_64.elf", make_elf64_x86_64());
    const LoadError e = expect_load_error(path, ram);
    EXPECT_EQ(e.exit_code(), kDataError);
    EXPECT_EQ(std::string(e.what()),
              "firmware '" + path + "': ELF for x86-64 (EM_X86_64), expected i386 (EM_386)");
  }
  {
    const std::string path = write_temp("arm.elf", make_elf32({0x100000}, EM_ARM));
    const LoadError e = expect_load_error(path, ram);
    EXPECT_EQ(e.exit_code(), kDataError);
    EXPECT_EQ(std::string(e.what()),
              "firmware '" + path + "': ELF for ARM (EM_ARM), expected i386 (EM_386)");
  }
  // A real host executable, when the host is x86-64.
  if (read_bytes("/bin/true").size() > EI_CLASS &&
      read_bytes("/bin/true")[EI_CLASS] == ELFCLASS64) {
    const LoadError e = expect_load_error("/bin/true", ram);
    EXPECT_EQ(e.exit_code(), kDataError);
    EXPECT_NE(std::string(e.what()).find("expected i386 (EM_386)"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(untouched(ram));
}

TEST(Loader, ObjectFileIsNotExecutable) {
  const std::string path = write_temp("object.o", make_elf32({0x100000}, EM_386, ET_REL));
  std::vector<uint8_t> ram(kRamSize, kFill);
  const LoadError e = expect_load_error(path, ram);
  EXPECT_EQ(e.exit_code(), kDataError);
  EXPECT_NE(std::string(e.what()).find("not an executable (ET_REL"), std::string::npos) << e.what();
  EXPECT_TRUE(untouched(ram));
}

TEST(Loader, SegmentOutsideRamLeavesRamUntouched) {
  REQUIRE_HELLO();
  // hello is linked at 1 MiB: a 1 MiB RAM ends where it starts.
  std::vector<uint8_t> ram(1024 * 1024, kFill);
  const LoadError e = expect_load_error(hello_elf(), ram);
  EXPECT_EQ(e.exit_code(), kDataError);
  const std::string msg = e.what();
  EXPECT_EQ(msg.rfind("firmware '" + hello_elf() + "': segment ", 0), 0u) << msg;
  EXPECT_NE(msg.find("[0x100000,"), std::string::npos) << msg;
  EXPECT_NE(msg.find(") lies outside RAM [0, 0x100000)"), std::string::npos) << msg;
  EXPECT_TRUE(untouched(ram));
}

TEST(Loader, LaterSegmentOutsideRamLoadsNothing) {
  // The first segment fits; the second does not: all or nothing.
  const std::string path = write_temp("two_segments.elf", make_elf32({0x1000, 0x10000}));
  std::vector<uint8_t> ram(0x8000, kFill);
  const LoadError e = expect_load_error(path, ram);
  EXPECT_EQ(e.exit_code(), kDataError);
  EXPECT_EQ(std::string(e.what()),
            "firmware '" + path + "': segment 1 [0x10000,0x10020) lies outside RAM [0, 0x8000)");
  EXPECT_TRUE(untouched(ram));
}

TEST(Loader, ZeroesMemoryBeyondFileData) {
  const std::string path = write_temp("bss.elf", make_elf32({0x1000, 0x2000}));
  std::vector<uint8_t> ram(0x4000, kFill);
  const LoadedImage image = minipc::load_elf(path, ram.data(), ram.size());
  EXPECT_EQ(image.entry, 0x1000u);
  EXPECT_EQ(image.lowest, 0x1000u);
  EXPECT_EQ(image.highest, 0x2020u);
  ASSERT_EQ(image.segments.size(), 2u);
  EXPECT_EQ(image.segments[1], std::make_pair(uint32_t{0x2000}, uint32_t{0x2020}));
  for (uint32_t base : {0x1000u, 0x2000u}) {
    const uint8_t data = base == 0x1000 ? 0x11 : 0x22;
    for (uint32_t a = base; a < base + 16; a++)
      EXPECT_EQ(ram[a], data) << std::hex << a;
    for (uint32_t a = base + 16; a < base + 32; a++)
      EXPECT_EQ(ram[a], 0) << std::hex << a;
    EXPECT_EQ(ram[base - 1], kFill);
    EXPECT_EQ(ram[base + 32], kFill);
  }
}

TEST(Loader, TruncatedElfIsDataError) {
  REQUIRE_HELLO();
  const std::vector<uint8_t> file = read_bytes(hello_elf());
  Elf32_Ehdr eh;
  ASSERT_GE(file.size(), sizeof eh);
  std::memcpy(&eh, file.data(), sizeof eh);
  const size_t phdrs_end = eh.e_phoff + eh.e_phnum * sizeof(Elf32_Phdr);

  // Inside the ELF header, right after it, inside the program headers,
  // inside segment data.
  for (size_t length : {size_t{EI_NIDENT + 4}, sizeof eh, phdrs_end - 8, size_t{0x1100}}) {
    SCOPED_TRACE("truncated to " + std::to_string(length) + " bytes");
    ASSERT_LT(length, file.size());
    const std::string path =
        write_temp("cut_" + std::to_string(length) + ".elf", file.data(), length);
    std::vector<uint8_t> ram(kRamSize, kFill);
    const LoadError e = expect_load_error(path, ram);
    EXPECT_EQ(e.exit_code(), kDataError);
    const std::string msg = e.what();
    const std::string prefix = "firmware '" + path + "': ";
    ASSERT_EQ(msg.rfind(prefix, 0), 0u) << msg;
    EXPECT_NE(msg.find("truncated", prefix.size()), std::string::npos) << msg;
    EXPECT_TRUE(untouched(ram));
  }
}

// ---- the Multiboot hand-over ------------------------------------------------------

TEST(Multiboot, InfoBlockFields) {
  std::vector<uint8_t> ram(32 * 1024 * 1024, kFill);
  const std::string cmdline = "hello verbose=1";
  const uint32_t addr = minipc::write_multiboot_info(ram.data(), ram.size(), cmdline);
  EXPECT_EQ(addr, 0x9000u);

  // Read it back through the firmware's own view of the block.
  multiboot_info mbi;
  std::memcpy(&mbi, ram.data() + addr, sizeof mbi);
  EXPECT_EQ(mbi.flags, uint32_t{MULTIBOOT_INFO_MEMORY | MULTIBOOT_INFO_CMDLINE});
  EXPECT_EQ(mbi.mem_lower, 640u);
  EXPECT_EQ(mbi.mem_upper, 31u * 1024);  // KiB above 1 MiB
  EXPECT_EQ(mbi.mods_count, 0u);
  EXPECT_EQ(mbi.mmap_length, 0u);
  ASSERT_GE(mbi.cmdline, addr + sizeof mbi);  // after the block, not inside it
  ASSERT_LT(mbi.cmdline + cmdline.size(), ram.size());
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(ram.data() + mbi.cmdline)), cmdline);

  // Nothing written below the block or past the command line.
  EXPECT_EQ(ram[addr - 1], kFill);
  EXPECT_EQ(ram[mbi.cmdline + cmdline.size() + 1], kFill);
  EXPECT_EQ(minipc::kMultibootBootloaderMagic, uint32_t{MULTIBOOT_BOOTLOADER_MAGIC});
}

TEST(Multiboot, SmallRamAndOtherAddress) {
  // Less than 640 KiB: everything is lower memory.
  std::vector<uint8_t> ram(512 * 1024, 0);
  const uint32_t addr = minipc::write_multiboot_info(ram.data(), ram.size(), "", 0x500);
  EXPECT_EQ(addr, 0x500u);
  multiboot_info mbi;
  std::memcpy(&mbi, ram.data() + addr, sizeof mbi);
  EXPECT_EQ(mbi.mem_lower, 512u);
  EXPECT_EQ(mbi.mem_upper, 0u);
  EXPECT_EQ(ram[mbi.cmdline], 0);  // empty, still NUL-terminated
}

TEST(Multiboot, RamTooSmallForInfoBlock) {
  std::vector<uint8_t> ram(0x9000 + 40, kFill);
  try {
    minipc::write_multiboot_info(ram.data(), ram.size(), "x");
    FAIL() << "no LoadError";
  } catch (const LoadError& e) {
    EXPECT_EQ(e.exit_code(), kUsage);
  }
  EXPECT_TRUE(untouched(ram));
}

// A firmware segment at 0x9000 is not written over: the block moves to the
// next free 4 KiB boundary below 640 KiB (issue 18: it was silently corrupted).
TEST(Multiboot, InfoBlockMovesPastTheFirmwaresSegments) {
  std::vector<uint8_t> ram(32 * 1024 * 1024, kFill);
  minipc::LoadedImage img;
  img.segments = {{0x8000, 0xA800}, {0x100000, 0x120000}};
  const uint32_t addr = minipc::write_multiboot_info(ram.data(), ram.size(), "a=1", 0x9000, &img);
  EXPECT_EQ(addr, 0xB000u);
  for (uint32_t a = 0x8000; a < 0xA800; ++a) ASSERT_EQ(ram[a], kFill) << std::hex << a;
  multiboot_info mbi;
  std::memcpy(&mbi, ram.data() + addr, sizeof mbi);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(ram.data() + mbi.cmdline)), "a=1");
}

TEST(Multiboot, ACommandLineThatDoesNotFitBelow640KiBIs64) {
  std::vector<uint8_t> ram(32 * 1024 * 1024, kFill);
  try {
    minipc::write_multiboot_info(ram.data(), ram.size(), std::string(700 * 1024, 'x'));
    FAIL() << "no LoadError";
  } catch (const LoadError& e) {
    EXPECT_EQ(e.exit_code(), kUsage);
    EXPECT_NE(std::string(e.what()).find("platform.cmdline"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(untouched(ram));
}

TEST(Multiboot, NoHeaderInTextFile) {
  const std::string text = "no header here\n";
  EXPECT_FALSE(minipc::find_multiboot_header(write_temp("noheader.txt", text.data(), text.size())));
  EXPECT_FALSE(minipc::find_multiboot_header("/nonexistent/minipc/firmware.elf"));
}

// ---- hello's expected values, checked on the host ------------------------------------

// Bitwise CRC-32 (no table), independent of hello's table-driven one.
uint32_t crc32_bitwise(const uint8_t* data, size_t len) {
  uint32_t crc = 0xFFFFFFFFu;
  for (size_t i = 0; i < len; i++) {
    crc ^= data[i];
    for (int k = 0; k < 8; k++)
      crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1)));
  }
  return ~crc;
}

TEST(HelloFirmware, ExpectedChecksumsMatchHost) {
  uint8_t table[HELLO_TABLE_SIZE];
  hello_fill_table(table);
  EXPECT_EQ(crc32_bitwise(table, sizeof table), HELLO_EXPECTED_CRC32);
  // Native 64-bit division on the host; on target, libgcc / compiler-rt.
  EXPECT_EQ(hello_sum64(table), HELLO_EXPECTED_SUM64);
  // The CRC of "123456789" is the standard check value: the algorithm is CRC-32.
  EXPECT_EQ(crc32_bitwise(reinterpret_cast<const uint8_t*>("123456789"), 9), 0xCBF43926u);
}

}  // namespace
