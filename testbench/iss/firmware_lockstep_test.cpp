// The hello firmware (clang and gcc builds) in lockstep on Ia32Core and
// Unicorn from the Multiboot entry up to its first I/O instruction.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <unistd.h>

#include "lockstep.h"

namespace minipc::iss {
namespace {

constexpr uint32_t kMemSize = 32u << 20;

// Loads PT_LOAD segments into both memories; returns the entry point.
uint32_t load_elf(const char* path, FlatBus& bus, Unicorn& uc) {
  elf_version(EV_CURRENT);
  const int fd = open(path, O_RDONLY);
  EXPECT_GE(fd, 0) << "cannot open " << path;
  if (fd < 0) return 0;
  Elf* e = elf_begin(fd, ELF_C_READ, nullptr);
  GElf_Ehdr eh;
  gelf_getehdr(e, &eh);
  size_t n = 0;
  elf_getphdrnum(e, &n);
  size_t file_size = 0;
  char* image = elf_rawfile(e, &file_size);
  for (size_t i = 0; i < n; ++i) {
    GElf_Phdr ph;
    gelf_getphdr(e, static_cast<int>(i), &ph);
    if (ph.p_type != PT_LOAD || ph.p_memsz == 0) continue;
    if (ph.p_paddr + ph.p_memsz > kMemSize || ph.p_offset + ph.p_filesz > file_size) {
      ADD_FAILURE() << "segment outside the test memory";
      continue;
    }
    std::memset(&bus.mem[ph.p_paddr], 0, ph.p_memsz);
    std::memcpy(&bus.mem[ph.p_paddr], image + ph.p_offset, ph.p_filesz);
  }
  const uint32_t entry = static_cast<uint32_t>(eh.e_entry);
  elf_end(e);
  close(fd);
  uc.write(0, bus.mem.data(), kMemSize);
  return entry;
}

bool is_io(const Insn& d) {
  const uint16_t op = d.opcode;
  return (op >= 0xE4 && op <= 0xE7) || (op >= 0xEC && op <= 0xEF) || (op >= 0x6C && op <= 0x6F) || op == 0xF4 ||
         op == 0xCC || op == 0xCD || op == 0xCF;
}
// Protected-mode housekeeping Unicorn's flat default state cannot follow
// (descriptor tables, segment loads, CRn, CPUID, RDTSC): the core runs
// these alone and Unicorn takes over its registers afterwards.
bool is_system(const Insn& d) {
  const uint16_t op = d.opcode;
  return op == 0xFA || op == 0xFB || op == 0x101 || op == 0x8E || op == 0xEA || op == 0x120 || op == 0x122 ||
         op == 0x131 || op == 0x1A2 || op == 0x07 || op == 0x17 || op == 0x1F || op == 0x1A1 || op == 0x1A9;
}

// until_first_io: stop at the first I/O instruction; otherwise I/O runs on
// the core alone (unmapped ports read all ones) and lockstep goes on to HLT.
void run_lockstep(const char* path, bool until_first_io) {
  FlatBus bus(kMemSize);
  Ia32Core core(bus);
  Unicorn uc(kMemSize);
  const uint32_t entry = load_elf(path, bus, uc);
  ASSERT_NE(entry, 0u);
  core.set_entry_state(entry, 0x2BADB002, 0x9000);
  core.set_gpr(reg::esp, 0x7000);  // Multiboot leaves ESP undefined; give it RAM
  sync_to_unicorn(core, uc);
  uint64_t compared = 0, system_only = 0;
  for (; compared < 50'000'000; ++compared) {
    const uint32_t eip = core.eip();
    Insn d;
    std::string err;
    ASSERT_TRUE(core.decode_at(eip, d, &err)) << err;
    if (is_io(d) && (until_first_io || d.opcode == 0xF4 || (d.opcode >= 0xCC && d.opcode <= 0xCF))) break;
    if (is_system(d) || is_io(d)) {
      ASSERT_EQ(core.step(), StepStatus::ok) << core.fatal_message();
      sync_to_unicorn(core, uc);
      for (uint32_t a : bus.written) uc.write(a, &bus.mem[a], 1);  // INS
      bus.written.clear();
      ++system_only;
      continue;
    }
    const uint32_t undefined = undefined_flags(d, core) | unicorn_wrong_flags(d);
    uc.written.clear();
    ASSERT_EQ(core.step(), StepStatus::ok) << core.fatal_message();
    // Code runs again and again here, and Unicorn chains translated blocks
    // across what is this step's stop address: drop the block there first.
    uc_ctl_remove_cache(uc.uc, core.eip(), core.eip() + 1);
    const uc_err e = uc.step_until(eip, core.eip());
    ASSERT_EQ(e, UC_ERR_OK) << uc_strerror(e) << " at EIP=" << std::hex << eip;
    const std::string diff = compare(core, uc, bus, (flag::status | flag::df) & ~undefined);
    ASSERT_TRUE(diff.empty()) << "after #" << compared << " at EIP=" << std::hex << eip << ":" << diff;
    if (undefined) uc.set_reg(UC_X86_REG_EFLAGS, core.eflags());
    bus.written.clear();
  }
  std::printf("%s: %llu instructions in lockstep (%llu system instructions on the core alone) up to EIP=%08X\n",
              path, static_cast<unsigned long long>(compared - system_only), static_cast<unsigned long long>(system_only),
              core.eip());
  EXPECT_GT(compared, 10u);
}

#ifdef FW_HELLO_clang
TEST(FirmwareLockstep, HelloClangToFirstIo) { run_lockstep(FW_HELLO_clang, true); }
TEST(FirmwareLockstep, HelloClangToHlt) { run_lockstep(FW_HELLO_clang, false); }
#endif
#ifdef FW_HELLO_gcc
TEST(FirmwareLockstep, HelloGccToFirstIo) { run_lockstep(FW_HELLO_gcc, true); }
TEST(FirmwareLockstep, HelloGccToHlt) { run_lockstep(FW_HELLO_gcc, false); }
#endif

}  // namespace
}  // namespace minipc::iss
