// Unit tests of the IA-32 core (Ia32Core) and its SystemC wrapper (Cpu).
#include <gtest/gtest.h>

#include <cstring>
#include <functional>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_target_socket.h>

#include "core/address_space.h"
#include "core/machine_check.h"
#include "core/params.h"
#include "core/sim_control.h"
#include "core/stats.h"
#include "cpu/cpu.h"
#include "cpu/ia32_core.h"

namespace minipc {
namespace {

// 1 MiB of flat RAM at 0 with direct pointers; I/O is recorded.
class TestBus : public CpuBus {
 public:
  std::vector<uint8_t> mem = std::vector<uint8_t>(1 << 20, 0);
  std::vector<std::pair<uint16_t, uint32_t>> io_writes;
  uint32_t io_read_value = 0x5A;
  bool read_mem(uint32_t a, void* d, unsigned n) override {
    ++reads;
    if (uint64_t{a} + n > mem.size()) return false;
    if (mc_core && (a >> 12) == mc_page && mc_good_reads-- <= 0) {
      // A memory error, as Cpu reports one that came with a MachineCheckExtension.
      std::memset(d, 0xFF, n);
      mc_core->machine_check(a, mc_uncorrected);
      return true;
    }
    std::memcpy(d, &mem[a], n);
    return true;
  }
  bool write_mem(uint32_t a, const void* d, unsigned n) override {
    if (uint64_t{a} + n > mem.size()) return false;
    std::memcpy(&mem[a], d, n);
    if (on_write) on_write(a);
    return true;
  }
  unsigned reads = 0;  // read_mem calls (fetches included: fetch() defaults to read_mem)
  bool read_io(uint16_t, void* d, unsigned n) override {
    std::memcpy(d, &io_read_value, n);
    return true;
  }
  bool write_io(uint16_t port, const void* d, unsigned n) override {
    uint32_t v = 0;
    std::memcpy(&v, d, n);
    io_writes.emplace_back(port, v);
    return true;
  }
  uint8_t* direct_ptr(uint32_t a, bool) override {
    return a < mem.size() && (a >> 12) != slow_page ? &mem[a] : nullptr;
  }
  uint32_t slow_page = 0xFFFFFFFF;           // this page goes through read/write_mem
  // Reads (and fetches) of mc_page report a machine check to mc_core, after
  // the first mc_good_reads of them (arm_machine_check()).
  Ia32Core* mc_core = nullptr;
  uint32_t mc_page = 0xFFFFFFFF;
  int mc_good_reads = 0;
  bool mc_uncorrected = true;
  void arm_machine_check(Ia32Core& core, uint32_t page, int good_reads = 0) {
    mc_core = &core;
    mc_page = slow_page = page;
    mc_good_reads = good_reads;
  }
  std::function<void(uint32_t)> on_write;    // called after each write_mem
  uint32_t rd32(uint32_t a) const {
    uint32_t v;
    std::memcpy(&v, &mem[a], 4);
    return v;
  }
  void wr32(uint32_t a, uint32_t v) { std::memcpy(&mem[a], &v, 4); }
};

constexpr uint32_t kCodeAt = 0x1000;

struct CoreFixture : ::testing::Test {
  TestBus bus;
  Ia32Core core{bus};
  void load(std::initializer_list<uint8_t> code, uint32_t at = kCodeAt) {
    std::copy(code.begin(), code.end(), bus.mem.begin() + at);
    core.set_entry_state(at, 0, 0);
    core.set_gpr(reg::esp, 0x8000);
  }
  void steps(unsigned n) {
    for (unsigned i = 0; i < n; ++i) ASSERT_EQ(core.step(), StepStatus::ok) << core.fatal_message();
  }
  bool f(uint32_t bit) const { return core.eflags() & bit; }
  // An IDT at 0x9000 with 32-bit gates to handler (type 0xE or 0xF), CS 0x08.
  void install_idt(uint8_t vector, uint32_t handler, uint8_t type = 0x8E) {
    // GDT at 0x9800: null, flat code 0x08, flat data 0x10.
    bus.wr32(0x9808, 0x0000FFFF);
    bus.wr32(0x980C, 0x00CF9A00);
    bus.wr32(0x9810, 0x0000FFFF);
    bus.wr32(0x9814, 0x00CF9200);
    const uint32_t lo = (0x08u << 16) | (handler & 0xFFFF);
    const uint32_t hi = (handler & 0xFFFF0000) | (uint32_t{type} << 8);
    bus.wr32(0x9000 + vector * 8u, lo);
    bus.wr32(0x9000 + vector * 8u + 4, hi);
    // lgdt [0x9F00]; lidt [0x9F10] are executed by the tests' code prologues.
    bus.mem[0x9F00] = 0x17; bus.mem[0x9F01] = 0; bus.wr32(0x9F02, 0x9800);
    bus.mem[0x9F10] = 0xFF; bus.mem[0x9F11] = 0x07; bus.wr32(0x9F12, 0x9000);
  }
};

TEST_F(CoreFixture, AddSetsCarryOverflowAuxZero) {
  load({0x04, 0x01});  // add al, 1
  core.set_gpr(reg::eax, 0x7F);
  steps(1);
  EXPECT_EQ(core.gpr(reg::eax), 0x80u);
  EXPECT_TRUE(f(flag::of));
  EXPECT_TRUE(f(flag::sf));
  EXPECT_TRUE(f(flag::af));
  EXPECT_FALSE(f(flag::cf));
  EXPECT_FALSE(f(flag::zf));
  load({0x01, 0xD8});  // add eax, ebx
  core.set_gpr(reg::eax, 0xFFFFFFFF);
  core.set_gpr(reg::ebx, 1);
  steps(1);
  EXPECT_EQ(core.gpr(reg::eax), 0u);
  EXPECT_TRUE(f(flag::cf) && f(flag::zf) && f(flag::pf) && f(flag::af));
  EXPECT_FALSE(f(flag::of) || f(flag::sf));
}

TEST_F(CoreFixture, SubBorrowAndOverflow) {
  load({0x2D, 0x01, 0x00, 0x00, 0x00});  // sub eax, 1
  core.set_gpr(reg::eax, 0x80000000u);
  steps(1);
  EXPECT_EQ(core.gpr(reg::eax), 0x7FFFFFFFu);
  EXPECT_TRUE(f(flag::of));
  EXPECT_FALSE(f(flag::cf));
  EXPECT_TRUE(f(flag::af));
  load({0x3C, 0x01});  // cmp al, 1
  core.set_gpr(reg::eax, 0);
  steps(1);
  EXPECT_TRUE(f(flag::cf) && f(flag::sf));
  EXPECT_EQ(core.gpr(reg::eax), 0u);
}

TEST_F(CoreFixture, AdcSbbUseCarry) {
  load({0xF9, 0x11, 0xD8, 0xF9, 0x19, 0xD1});  // stc; adc eax,ebx; stc; sbb ecx,edx
  core.set_gpr(reg::eax, 0xFFFFFFFF);
  core.set_gpr(reg::ebx, 0);
  core.set_gpr(reg::ecx, 5);
  core.set_gpr(reg::edx, 5);
  steps(2);
  EXPECT_EQ(core.gpr(reg::eax), 0u);
  EXPECT_TRUE(f(flag::cf) && f(flag::zf));
  steps(2);
  EXPECT_EQ(core.gpr(reg::ecx), 0xFFFFFFFFu);
  EXPECT_TRUE(f(flag::cf) && f(flag::sf));
}

TEST_F(CoreFixture, ShiftEdgeCases) {
  // shl eax, cl with cl = 31 (checked on a real CPU: CF = bit 1 of the source)
  load({0xD3, 0xE0});
  core.set_gpr(reg::eax, 0x634169B2);
  core.set_gpr(reg::ecx, 0x7F);
  steps(1);
  EXPECT_EQ(core.gpr(reg::eax), 0u);
  EXPECT_TRUE(f(flag::cf) && f(flag::zf) && f(flag::pf));
  // shift by 0 keeps flags
  load({0xF9, 0xC1, 0xE0, 0x00});  // stc; shl eax, 0
  core.set_gpr(reg::eax, 0);
  steps(2);
  EXPECT_TRUE(f(flag::cf));
  // sar by 1 of a negative byte
  load({0xD0, 0xF8});  // sar al, 1
  core.set_gpr(reg::eax, 0x81);
  steps(1);
  EXPECT_EQ(core.gpr(reg::eax) & 0xFF, 0xC0u);
  EXPECT_TRUE(f(flag::cf));
  EXPECT_FALSE(f(flag::of));
  // shld eax, edx, 7 (checked on a real CPU: 0x3FCA2DD0, CF=1)
  load({0x0F, 0xA4, 0xD0, 0x07});
  core.set_gpr(reg::eax, 0xA27F945B);
  core.set_gpr(reg::edx, 0xA0021A11);
  steps(1);
  EXPECT_EQ(core.gpr(reg::eax), 0x3FCA2DD0u);
  EXPECT_TRUE(f(flag::cf));
  // rcr al, 1 rotates CF in
  load({0xF9, 0xD0, 0xD8});
  core.set_gpr(reg::eax, 0x02);
  steps(2);
  EXPECT_EQ(core.gpr(reg::eax) & 0xFF, 0x81u);
  EXPECT_FALSE(f(flag::cf));
}

TEST_F(CoreFixture, DivideAndDivideError) {
  load({0xF7, 0xF3});  // div ebx
  core.set_gpr(reg::edx, 1);
  core.set_gpr(reg::eax, 5);
  core.set_gpr(reg::ebx, 2);
  steps(1);
  EXPECT_EQ(core.gpr(reg::eax), 0x80000002u);
  EXPECT_EQ(core.gpr(reg::edx), 1u);
  load({0xF7, 0xFB});  // idiv ebx: -7 / 2
  core.set_gpr(reg::edx, 0xFFFFFFFF);
  core.set_gpr(reg::eax, static_cast<uint32_t>(-7));
  core.set_gpr(reg::ebx, 2);
  steps(1);
  EXPECT_EQ(static_cast<int32_t>(core.gpr(reg::eax)), -3);
  EXPECT_EQ(static_cast<int32_t>(core.gpr(reg::edx)), -1);
  load({0xF7, 0xF3});  // div by zero without an IDT: fatal
  core.set_gpr(reg::ebx, 0);
  EXPECT_EQ(core.step(), StepStatus::fatal);
  EXPECT_NE(core.fatal_message().find("divide by zero"), std::string::npos) << core.fatal_message();
  EXPECT_EQ(core.eip(), kCodeAt);
}

TEST_F(CoreFixture, RepMovsbCopies) {
  for (int i = 0; i < 10; ++i) bus.mem[0x2000 + i] = static_cast<uint8_t>(i + 1);
  load({0xFC, 0xF3, 0xA4});  // cld; rep movsb
  core.set_gpr(reg::esi, 0x2000);
  core.set_gpr(reg::edi, 0x3000);
  core.set_gpr(reg::ecx, 10);
  steps(2);
  EXPECT_EQ(core.gpr(reg::ecx), 0u);
  EXPECT_EQ(core.gpr(reg::esi), 0x200Au);
  EXPECT_EQ(core.gpr(reg::edi), 0x300Au);
  EXPECT_EQ(0, std::memcmp(&bus.mem[0x2000], &bus.mem[0x3000], 10));
  EXPECT_EQ(core.instructions(), 2u);
}

TEST_F(CoreFixture, RepneScasbFindsByte) {
  std::memcpy(&bus.mem[0x2000], "hello\0", 6);
  load({0xF2, 0xAE});  // repne scasb
  core.set_gpr(reg::edi, 0x2000);
  core.set_gpr(reg::ecx, 0xFFFFFFFF);
  core.set_gpr(reg::eax, 0);
  steps(1);
  EXPECT_EQ(core.gpr(reg::edi), 0x2006u);
  EXPECT_EQ(core.gpr(reg::ecx), 0xFFFFFFFFu - 6);
  EXPECT_TRUE(f(flag::zf));
}

TEST_F(CoreFixture, CallRetAndRetImm) {
  // call +5; hlt; ...; target: ret 4
  load({0xE8, 0x01, 0x00, 0x00, 0x00, 0xF4, 0xC2, 0x04, 0x00});
  steps(1);
  EXPECT_EQ(core.eip(), kCodeAt + 6);
  EXPECT_EQ(core.gpr(reg::esp), 0x8000u - 4);
  EXPECT_EQ(bus.rd32(0x8000 - 4), kCodeAt + 5);
  steps(1);
  EXPECT_EQ(core.eip(), kCodeAt + 5);
  EXPECT_EQ(core.gpr(reg::esp), 0x8004u);
  EXPECT_EQ(core.step(), StepStatus::halted);
}

TEST_F(CoreFixture, PushadPopadRoundTrip) {
  load({0x60, 0x31, 0xC0, 0x31, 0xDB, 0x31, 0xED, 0x61});  // pushad; xor eax,eax; xor ebx,ebx; xor ebp,ebp; popad
  for (unsigned r = 0; r < 8; ++r)
    if (r != reg::esp) core.set_gpr(r, 0x11111111u * (r + 1));
  steps(1);
  EXPECT_EQ(bus.rd32(0x8000 - 20), 0x8000u);  // the ESP slot holds the original ESP
  steps(4);
  for (unsigned r = 0; r < 8; ++r) {
    if (r != reg::esp) {
      EXPECT_EQ(core.gpr(r), 0x11111111u * (r + 1)) << r;
    }
  }
  EXPECT_EQ(core.gpr(reg::esp), 0x8000u);
}

TEST_F(CoreFixture, EnterWithNestingLevelMatchesHardware) {
  // enter 0x18, 3 (layout checked on a real CPU)
  load({0xC8, 0x18, 0x00, 0x03});
  core.set_gpr(reg::ebp, 0x7100);
  bus.wr32(0x7100 - 4, 0xAAAA0001);
  bus.wr32(0x7100 - 8, 0xAAAA0002);
  steps(1);
  EXPECT_EQ(bus.rd32(0x8000 - 4), 0x7100u);
  EXPECT_EQ(bus.rd32(0x8000 - 8), 0xAAAA0001u);
  EXPECT_EQ(bus.rd32(0x8000 - 12), 0xAAAA0002u);
  EXPECT_EQ(bus.rd32(0x8000 - 16), 0x8000u - 4);
  EXPECT_EQ(core.gpr(reg::ebp), 0x8000u - 4);
  EXPECT_EQ(core.gpr(reg::esp), 0x8000u - 16 - 0x18);
}

TEST_F(CoreFixture, IntAndIretThroughIdt) {
  install_idt(0x30, 0x5000);
  bus.mem[0x5000] = 0xCF;  // iret
  // lgdt [0x9F00]; lidt [0x9F10]; int 0x30; hlt
  load({0x0F, 0x01, 0x15, 0x00, 0x9F, 0x00, 0x00, 0x0F, 0x01, 0x1D, 0x10, 0x9F, 0x00, 0x00, 0xCD, 0x30, 0xF4});
  core.set_eflags(flag::if_);
  steps(3);
  EXPECT_EQ(core.eip(), 0x5000u);
  EXPECT_FALSE(f(flag::if_));  // interrupt gate
  EXPECT_EQ(bus.rd32(0x8000 - 4), flag::if_ | flag::reserved_one);
  EXPECT_EQ(bus.rd32(0x8000 - 8), 0x08u);
  EXPECT_EQ(bus.rd32(0x8000 - 12), kCodeAt + 16);
  steps(1);
  EXPECT_EQ(core.eip(), kCodeAt + 16);
  EXPECT_TRUE(f(flag::if_));
  EXPECT_EQ(core.gpr(reg::esp), 0x8000u);
}

TEST_F(CoreFixture, ExternalInterruptHonoursStiShadow) {
  install_idt(0x20, 0x5000);
  bus.mem[0x5000] = 0xF4;  // hlt in the handler
  int acks = 0;
  core.set_interrupt_acknowledge([&] { ++acks; return 0x20; });
  // lgdt; lidt; sti; nop; nop
  load({0x0F, 0x01, 0x15, 0x00, 0x9F, 0x00, 0x00, 0x0F, 0x01, 0x1D, 0x10, 0x9F, 0x00, 0x00, 0xFB, 0x90, 0x90});
  core.set_intr(true);
  steps(2);  // IF=0: no interrupt
  EXPECT_EQ(acks, 0);
  steps(1);  // sti
  steps(1);  // the nop in the shadow runs
  EXPECT_EQ(acks, 0);
  EXPECT_EQ(core.eip(), kCodeAt + 16);
  steps(1);  // now the interrupt is taken instead of the second nop
  EXPECT_EQ(acks, 1);
  EXPECT_EQ(core.eip(), 0x5000u);
  EXPECT_EQ(bus.rd32(0x8000 - 12), kCodeAt + 16);
}

TEST_F(CoreFixture, HltWaitsForInterrupt) {
  install_idt(0x21, 0x5000);
  bus.mem[0x5000] = 0xCF;
  core.set_interrupt_acknowledge([] { return 0x21; });
  load({0x0F, 0x01, 0x15, 0x00, 0x9F, 0x00, 0x00, 0x0F, 0x01, 0x1D, 0x10, 0x9F, 0x00, 0x00, 0xFB, 0xF4, 0x90});
  steps(3);
  EXPECT_EQ(core.step(), StepStatus::halted);
  EXPECT_EQ(core.step(), StepStatus::halted);
  EXPECT_TRUE(core.halted());
  core.set_intr(true);
  EXPECT_EQ(core.step(), StepStatus::ok);  // delivered
  EXPECT_FALSE(core.halted());
  EXPECT_EQ(core.eip(), 0x5000u);
  core.set_intr(false);
  steps(1);  // iret back after the hlt
  EXPECT_EQ(core.eip(), kCodeAt + 16);
}

TEST_F(CoreFixture, UnsupportedOpcodeNamesBytes) {
  load({0x0F, 0x0B, 0x90});  // ud2 without an IDT
  EXPECT_EQ(core.step(), StepStatus::fatal);
  EXPECT_NE(core.fatal_message().find("EIP=0x00001000"), std::string::npos) << core.fatal_message();
  load({0xD8, 0xC1, 0x90});  // fadd: no FPU
  EXPECT_EQ(core.step(), StepStatus::fatal);
  EXPECT_EQ(core.fatal_kind(), FatalKind::cpu);
  EXPECT_EQ(core.fatal_message(), "unsupported opcode D8 at EIP=0x00001000 (bytes: D8 C1 90 00 00 00 00 00 ...)");
}

TEST_F(CoreFixture, FetchFromUnmappedIsBusFatal) {
  core.set_entry_state(0x00200000, 0, 0);
  EXPECT_EQ(core.step(), StepStatus::fatal);
  EXPECT_EQ(core.fatal_kind(), FatalKind::bus);
  EXPECT_NE(core.fatal_message().find("instruction fetch from unmapped address 0x00200000"), std::string::npos);
}

TEST_F(CoreFixture, RandomBytesNeverCrash) {
  uint32_t x = 1;
  for (int round = 0; round < 2000; ++round) {
    for (int i = 0; i < 64; ++i) {
      x = x * 1103515245 + 12345;
      bus.mem[kCodeAt + i] = static_cast<uint8_t>(x >> 16);
    }
    core.set_entry_state(kCodeAt, 0, 0);
    core.set_gpr(reg::esp, 0x8000);
    core.run(20);
  }
  SUCCEED();
}

// Patches itself: the instruction it ran first, and the very next one.
const std::initializer_list<uint8_t> kSelfModifyingLoop = {
    0x40,                          // 1000: inc eax (patched to dec eax below)
    0xC6, 0x05, 0x00, 0x10, 0x00, 0x00, 0x48,  // 1001: mov byte [0x1000], 0x48
    0xC6, 0x05, 0x0F, 0x10, 0x00, 0x00, 0x41,  // 1008: mov byte [0x100F], 0x41 (the next instruction)
    0x90,                          // 100F: nop, becomes inc ecx
    0xEB, 0xEE,                      // 1010: jmp 0x1000
};

// The decode cache keeps decoded instructions by physical address; a write
// over an instruction that was already executed (and cached), a write over the
// very next instruction, and a write from outside the CPU (DMA, a debugger)
// must all be seen by the next execution.
TEST_F(CoreFixture, SelfModifyingCodeIsExecutedAsWritten) {
  load(kSelfModifyingLoop);
  steps(4);  // inc eax, mov, mov, and the patched next instruction
  EXPECT_EQ(core.gpr(reg::eax), 1u);
  EXPECT_EQ(core.gpr(reg::ecx), 1u);
  EXPECT_EQ(core.eip(), 0x1010u);
  steps(2);  // jmp; dec eax (the cached inc eax was overwritten)
  EXPECT_EQ(core.gpr(reg::eax), 0u);
  steps(3);  // mov, mov, inc ecx
  EXPECT_EQ(core.gpr(reg::ecx), 2u);
  // A write from outside the core: the loop's jmp becomes jmp $+0x10 (a
  // longer rewrite of a cached instruction, by a writer the core never sees).
  bus.mem[0x1011] = 0x10;
  steps(1);
  EXPECT_EQ(core.eip(), 0x1022u);
  EXPECT_EQ(core.instructions(), 10u);
}

// run()'s blocks, interpreted and translated (Jit, every block at its first
// entry): the same tests must pass both ways.
struct BlockRun : CoreFixture, ::testing::WithParamInterface<bool> {
  void SetUp() override {
    if (GetParam() && !Ia32Core::jit_available()) GTEST_SKIP() << "no translator on this host";
    core.set_jit(GetParam(), 1);
  }
};
INSTANTIATE_TEST_SUITE_P(Core, BlockRun, ::testing::Values(false, true),
                         [](const ::testing::TestParamInfo<bool>& i) { return i.param ? "Translated" : "Interpreted"; });

// run() executes straight-line code in blocks (Ia32Core::Block); a store
// into the block being run must still be seen by the very next instruction,
// and a write from outside between runs by the next run.
TEST_P(BlockRun, SeesSelfModifyingCodeInsideTheBlock) {
  load(kSelfModifyingLoop);
  ASSERT_EQ(core.run(4), StepStatus::ok);  // one block: inc, mov, mov, then the patched inc ecx
  EXPECT_EQ(core.gpr(reg::eax), 1u);
  EXPECT_EQ(core.gpr(reg::ecx), 1u);
  EXPECT_EQ(core.eip(), 0x1010u);
  ASSERT_EQ(core.run(2), StepStatus::ok);  // jmp; dec eax
  EXPECT_EQ(core.gpr(reg::eax), 0u);
  ASSERT_EQ(core.run(3), StepStatus::ok);
  EXPECT_EQ(core.gpr(reg::ecx), 2u);
  bus.mem[0x1011] = 0x10;  // from outside: jmp $+0x10
  ASSERT_EQ(core.run(1), StepStatus::ok);
  EXPECT_EQ(core.eip(), 0x1022u);
  EXPECT_EQ(core.instructions(), 10u);
}

// Two blocks that share a slot of the block cache's first way (0x2000 and
// 0x6001: pa ^ pa >> 14 agree in 14 bits), run alternately, both stay
// cached: each is decoded once, not once per visit.
TEST_P(BlockRun, BlocksThatShareAFirstWaySlotAreBothKept) {
  // 2000: inc eax; jmp 6001
  load({0x40, 0xE9, 0xFB, 0x3F, 0x00, 0x00}, 0x2000);
  // 6001: inc ebx; dec ecx; jnz 2000; hlt
  const uint32_t back = 0x2000 - (0x6001 + 2 + 6);
  std::initializer_list<uint8_t> second = {0x43, 0x49, 0x0F, 0x85, static_cast<uint8_t>(back), static_cast<uint8_t>(back >> 8),
                                           static_cast<uint8_t>(back >> 16), static_cast<uint8_t>(back >> 24), 0xF4};
  std::copy(second.begin(), second.end(), bus.mem.begin() + 0x6001);
  core.set_gpr(reg::ecx, 100);
  EXPECT_EQ(core.run(10000), StepStatus::halted);
  EXPECT_EQ(core.gpr(reg::eax), 100u);
  EXPECT_EQ(core.gpr(reg::ebx), 100u);
  EXPECT_LE(core.blocks_built(), 3u) << "the two blocks evicted each other";
}

// run(n) retires exactly n instructions even when n ends inside a block.
TEST_P(BlockRun, KeepsTheInstructionBudget) {
  load({0x40, 0x40, 0x40, 0x40, 0x40, 0x40, 0x40, 0x40, 0x40, 0x40, 0xF4});  // 10x inc eax; hlt
  ASSERT_EQ(core.run(3), StepStatus::ok);
  EXPECT_EQ(core.instructions(), 3u);
  EXPECT_EQ(core.eip(), kCodeAt + 3);
  EXPECT_EQ(core.gpr(reg::eax), 3u);
  ASSERT_EQ(core.run(4), StepStatus::ok);
  EXPECT_EQ(core.instructions(), 7u);
  EXPECT_EQ(core.gpr(reg::eax), 7u);
  EXPECT_EQ(core.run(100), StepStatus::halted);
  EXPECT_EQ(core.instructions(), 11u);
  EXPECT_EQ(core.gpr(reg::eax), 10u);
  EXPECT_EQ(core.cycles(), 11u * cycle_cost(CostClass::alu) + cycle_cost(CostClass::system) - 1u);
}

// run(n, whole_blocks = true) (fast mode's CPU thread): a block that starts
// within the budget runs to its end, interpreted or translated alike, and
// no block starts once the budget is spent.
TEST_P(BlockRun, WholeBlocksRunPastTheBudgetToTheBlockEnd) {
  load({0x40, 0x40, 0x40, 0x40, 0x40, 0x40, 0xEB, 0xF8});  // 1000: 6x inc eax; jmp 1000
  ASSERT_EQ(core.run(2, true), StepStatus::ok);
  EXPECT_EQ(core.instructions(), 7u);  // the whole block, not 2
  EXPECT_EQ(core.gpr(reg::eax), 6u);
  EXPECT_EQ(core.eip(), kCodeAt);
  EXPECT_EQ(core.cycles(), 6u * cycle_cost(CostClass::alu) + cycle_cost(CostClass::branch) + kBranchTakenCycles);
  ASSERT_EQ(core.run(8, true), StepStatus::ok);  // 7 < 8: a second pass starts
  EXPECT_EQ(core.instructions(), 21u);
  EXPECT_EQ(core.gpr(reg::eax), 18u);
  ASSERT_EQ(core.run(3), StepStatus::ok);  // without: exact
  EXPECT_EQ(core.instructions(), 24u);
  EXPECT_EQ(core.gpr(reg::eax), 21u);
  EXPECT_EQ(core.eip(), kCodeAt + 3);
}

// A fault in the middle of a block is precise: the instructions before it
// retired (count, cycles, registers), the faulting one did not (the #DE
// frame holds its EIP, the flags before it).
TEST_P(BlockRun, FaultInsideABlockIsPrecise) {
  install_idt(0, 0x5000);
  bus.mem[0x5000] = 0xF4;  // hlt in the handler
  // lgdt [0x9F00]; lidt [0x9F10]; inc eax; add eax, eax; div ecx (ECX=0: #DE); inc ebx
  const std::initializer_list<uint8_t> program = {0x0F, 0x01, 0x15, 0x00, 0x9F, 0x00, 0x00, 0x0F, 0x01, 0x1D, 0x10, 0x9F, 0x00, 0x00,
                                                  0x40, 0x01, 0xC0, 0xF7, 0xF1, 0x43};
  load(program);
  steps(2);
  const uint64_t cycles_before = core.cycles();
  EXPECT_EQ(core.run(100), StepStatus::halted);
  EXPECT_EQ(core.gpr(reg::eax), 2u);
  EXPECT_EQ(core.gpr(reg::ebx), 0u);
  EXPECT_EQ(bus.rd32(0x8000 - 12), kCodeAt + 17u);  // EIP of the DIV
  EXPECT_EQ(bus.rd32(0x8000 - 4) & flag::status, 0u);  // add eax, eax: 1+1 sets no status flag
  EXPECT_EQ(core.eip(), 0x5001u);
  // inc, add, (div faults), hlt: three retired, plus the delivery.
  EXPECT_EQ(core.instructions(), 2u + 3u);
  const uint64_t block_cycles = core.cycles() - cycles_before;
  // The same program one step() at a time: the same count, the same cycles.
  load(program);
  const uint64_t insns0 = core.instructions(), cycles0 = core.cycles();
  steps(2);
  const uint64_t cycles_after_prologue = core.cycles();
  StepStatus s = StepStatus::ok;
  while (s == StepStatus::ok) s = core.step();
  EXPECT_EQ(s, StepStatus::halted);
  EXPECT_EQ(core.instructions() - insns0, 5u);
  EXPECT_EQ(core.cycles() - cycles_after_prologue, block_cycles);
  EXPECT_GT(cycles_after_prologue, cycles0);
}

void expect_run_matches_stepping(CoreFixture& f, std::initializer_list<uint8_t> program, uint32_t eax, uint32_t ecx);

// DIV inside a block: quotient, remainder, the flags left as they were,
// the extra cycles of the divide, from a register and from memory.
TEST_P(BlockRun, DivideMatchesStepping) {
  // mov eax, 1000; xor edx, edx; div ecx (ECX=7); mov esi, eax; mov edi, edx;
  // mov [0x2000], ecx; div dword [0x2000]; mov [0x2004], eax; mov [0x2008], edx; hlt
  expect_run_matches_stepping(*this,
                              {0xB8, 0xE8, 0x03, 0x00, 0x00, 0x31, 0xD2, 0xF7, 0xF1, 0x89, 0xC6, 0x89, 0xD7,
                               0x89, 0x0D, 0x00, 0x20, 0x00, 0x00, 0xF7, 0x35, 0x00, 0x20, 0x00, 0x00,
                               0xA3, 0x04, 0x20, 0x00, 0x00, 0x89, 0x15, 0x08, 0x20, 0x00, 0x00, 0xF4},
                              0, 7);
  EXPECT_EQ(core.gpr(reg::esi), 142u);
  EXPECT_EQ(core.gpr(reg::edi), 6u);
  EXPECT_EQ(bus.rd32(0x2004), static_cast<uint32_t>(((uint64_t{6} << 32) | 142u) / 7u));
  EXPECT_EQ(bus.rd32(0x2008), static_cast<uint32_t>(((uint64_t{6} << 32) | 142u) % 7u));
  EXPECT_EQ(core.eflags() & flag::status, flag::zf | flag::pf);  // xor edx, edx
}

// A quotient that does not fit 32 bits (EDX >= divisor) raises #DE inside a
// block exactly as a zero divisor does: registers untouched, the frame holds
// the DIV's EIP, the same count and cycles as step().
TEST_P(BlockRun, DivideOverflowInsideABlockIsPrecise) {
  install_idt(0, 0x5000);
  bus.mem[0x5000] = 0xF4;  // hlt in the handler
  // lgdt [0x9F00]; lidt [0x9F10]; mov edx, 5; mov ecx, 3; div ecx (#DE); inc ebx
  const std::initializer_list<uint8_t> program = {0x0F, 0x01, 0x15, 0x00, 0x9F, 0x00, 0x00, 0x0F, 0x01, 0x1D,
                                                  0x10, 0x9F, 0x00, 0x00, 0xBA, 0x05, 0x00, 0x00, 0x00, 0xB9,
                                                  0x03, 0x00, 0x00, 0x00, 0xF7, 0xF1, 0x43};
  load(program);
  core.set_gpr(reg::eax, 0x1234);
  steps(2);
  const uint64_t cycles_before = core.cycles();
  EXPECT_EQ(core.run(100), StepStatus::halted);
  EXPECT_EQ(core.gpr(reg::eax), 0x1234u);
  EXPECT_EQ(core.gpr(reg::edx), 5u);
  EXPECT_EQ(core.gpr(reg::ebx), 0u);
  EXPECT_EQ(bus.rd32(0x8000 - 12), kCodeAt + 24u);  // EIP of the DIV
  EXPECT_EQ(core.eip(), 0x5001u);
  const uint64_t block_cycles = core.cycles() - cycles_before;
  load(program);
  core.set_gpr(reg::eax, 0x1234);
  steps(2);
  const uint64_t stepped_before = core.cycles();
  StepStatus s = StepStatus::ok;
  while (s == StepStatus::ok) s = core.step();
  EXPECT_EQ(s, StepStatus::halted);
  EXPECT_EQ(core.cycles() - stepped_before, block_cycles);
}

// A bus access from the middle of a block (MMIO: no host pointer) sees the
// cycle count and EIP of its own instruction, exactly as with step(): the
// block settles them only at its end, and cycles()/current_eip() add what
// is pending.
TEST_P(BlockRun, BusAccessSeesItsInstructionsCyclesAndEip) {
  bus.slow_page = 3;  // 0x3000-0x3FFF through write_mem
  std::vector<std::pair<uint64_t, uint32_t>> seen;
  bus.on_write = [&](uint32_t a) {
    if (a == 0x3000) seen.emplace_back(core.cycles(), core.current_eip());
  };
  // inc eax; add eax, eax; mov [0x3000], eax; inc ebx; hlt
  const std::initializer_list<uint8_t> program = {0x40, 0x01, 0xC0, 0xA3, 0x00, 0x30, 0x00, 0x00, 0x43, 0xF4};
  load(program);
  const uint64_t c0 = core.cycles();
  EXPECT_EQ(core.run(100), StepStatus::halted);
  const uint64_t run_cycles = core.cycles() - c0;
  load(program);
  const uint64_t c1 = core.cycles();
  StepStatus s = StepStatus::ok;
  while (s == StepStatus::ok) s = core.step();
  EXPECT_EQ(s, StepStatus::halted);
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].first - c0, 2u * cycle_cost(CostClass::alu));  // inc, add before the store
  EXPECT_EQ(seen[0].first - c0, seen[1].first - c1);
  EXPECT_EQ(seen[0].second, kCodeAt + 3);
  EXPECT_EQ(seen[1].second, kCodeAt + 3);
  EXPECT_EQ(run_cycles, core.cycles() - c1);
  EXPECT_EQ(bus.rd32(0x3000), 2u);
}

// A load from an address nothing answers, in the middle of a block, stops
// the core there: the instructions before it retired, the rest did not.
TEST_P(BlockRun, UnmappedLoadInsideABlockStopsAtIt) {
  // inc eax; add eax, eax; mov ebx, [0x00F00000] (beyond RAM); inc ecx; hlt
  load({0x40, 0x01, 0xC0, 0x8B, 0x1D, 0x00, 0x00, 0xF0, 0x00, 0x41, 0xF4});
  EXPECT_EQ(core.run(100), StepStatus::fatal);
  EXPECT_EQ(core.fatal_kind(), FatalKind::bus);
  EXPECT_NE(core.fatal_message().find("0x00F00000"), std::string::npos) << core.fatal_message();
  EXPECT_EQ(core.instructions(), 2u);
  EXPECT_EQ(core.eip(), kCodeAt + 3);
  EXPECT_EQ(core.gpr(reg::eax), 2u);
  EXPECT_EQ(core.gpr(reg::ecx), 0u);
  EXPECT_EQ(core.cycles(), 2u * cycle_cost(CostClass::alu));
}

// A load inside a hot (translated) block meets a machine check on its 8th
// run: #MC is precise, with the block's earlier instructions retired.
TEST_P(BlockRun, MachineCheckInsideABlockIsPrecise) {
  install_idt(18, 0x5000);
  bus.mem[0x5000] = 0xF4;  // hlt in the handler
  bus.arm_machine_check(core, 0x30, 7);
  // lgdt [0x9F00]; lidt [0x9F10]; mov eax, CR4.MCE; mov cr4, eax; mov ecx, 10;
  // l: mov edx, [0x30000]; inc ebx; dec ecx; jnz l; hlt
  load({0x0F, 0x01, 0x15, 0x00, 0x9F, 0x00, 0x00, 0x0F, 0x01, 0x1D, 0x10, 0x9F, 0x00, 0x00,
        0xB8, 0x40, 0x00, 0x00, 0x00, 0x0F, 0x22, 0xE0, 0xB9, 0x0A, 0x00, 0x00, 0x00,
        0x8B, 0x15, 0x00, 0x00, 0x03, 0x00, 0x43, 0x49, 0x75, 0xF6, 0xF4});
  EXPECT_EQ(core.run(1000), StepStatus::halted);
  EXPECT_EQ(core.eip(), 0x5001u);
  EXPECT_EQ(bus.rd32(0x8000 - 12), kCodeAt + 27u) << "EIP of the load";
  EXPECT_EQ(core.gpr(reg::ebx), 7u);
  EXPECT_EQ(core.gpr(reg::ecx), 3u);
  EXPECT_EQ(core.instructions(), 2u + 3u + 7u * 4u + 1u);
  EXPECT_EQ(core.msr(mca::IA32_MC0_ADDR), 0x30000u);
  EXPECT_EQ(core.machine_checks(), 1u);
}

// A memory operand that faults sees the EFLAGS of the instruction before it,
// even though the faulting instruction would set all the status flags
// itself (the translator drops only flags a later instruction overwrites
// before anything, a possible fault included, can read them).
TEST_P(BlockRun, FaultingAluLoadKeepsTheFlagsBeforeIt) {
  // stc; xor eax, eax (ZF, PF; CF cleared); add ebx, [0x00F00000] (beyond RAM); hlt
  load({0xF9, 0x31, 0xC0, 0x03, 0x1D, 0x00, 0x00, 0xF0, 0x00, 0xF4});
  EXPECT_EQ(core.run(100), StepStatus::fatal);
  EXPECT_EQ(core.fatal_kind(), FatalKind::bus);
  EXPECT_EQ(core.instructions(), 2u);
  EXPECT_EQ(core.eip(), kCodeAt + 3);
  EXPECT_EQ(core.eflags() & flag::status, flag::zf | flag::pf);
}

// A hot loop (translated after its blocks' first entries) computes what
// the interpreter computes, including a store through memory on every pass.
TEST_P(BlockRun, HotLoopMatchesStepping) {
  // 1000: mov ecx, 200; 1005: add eax, ecx; adc edx, 0; mov [0x2000], eax;
  // sub [0x2004], ecx; dec ecx; jnz 1005; hlt
  const std::initializer_list<uint8_t> program = {0xB9, 0xC8, 0x00, 0x00, 0x00, 0x01, 0xC8, 0x83, 0xD2, 0x00,
                                                  0xA3, 0x00, 0x20, 0x00, 0x00, 0x29, 0x0D, 0x04, 0x20, 0x00,
                                                  0x00, 0x49, 0x75, 0xED, 0xF4};
  load(program);
  core.set_gpr(reg::eax, 0xFFFFFF00);
  EXPECT_EQ(core.run(100000), StepStatus::halted);
  const uint32_t eax = core.gpr(reg::eax), edx = core.gpr(reg::edx), fl = core.eflags();
  const uint64_t insns = core.instructions(), cycles = core.cycles();
  const uint32_t m0 = bus.rd32(0x2000), m4 = bus.rd32(0x2004);
  bus.wr32(0x2000, 0);
  bus.wr32(0x2004, 0);
  load(program);
  core.set_gpr(reg::eax, 0xFFFFFF00);
  const uint64_t insns0 = core.instructions(), cycles0 = core.cycles();
  StepStatus s = StepStatus::ok;
  while (s == StepStatus::ok) s = core.step();
  EXPECT_EQ(s, StepStatus::halted);
  EXPECT_EQ(core.gpr(reg::eax), eax);
  EXPECT_EQ(core.gpr(reg::edx), edx);
  EXPECT_EQ(core.eflags(), fl);
  EXPECT_EQ(core.instructions() - insns0, insns);
  EXPECT_EQ(core.cycles() - cycles0, cycles);
  EXPECT_EQ(bus.rd32(0x2000), m0);
  EXPECT_EQ(bus.rd32(0x2004), m4);
  EXPECT_EQ(edx, 1u);  // the carry out of eax's 0xFFFFFF00 + 200 + 199 + ...
}

// Runs `program` (ending in HLT) with run() and again with step() from the
// same state: registers, EFLAGS, the instruction and cycle counts and the
// window at 0x2000-0x20FF match.
void expect_run_matches_stepping(CoreFixture& f, std::initializer_list<uint8_t> program, uint32_t eax, uint32_t ecx) {
  auto start = [&] {
    f.load(program);
    f.core.set_gpr(reg::eax, eax);
    f.core.set_gpr(reg::ecx, ecx);
    std::fill(f.bus.mem.begin() + 0x2000, f.bus.mem.begin() + 0x2100, 0);
  };
  start();
  uint64_t insns = 0, cycles = 0;
  for (int pass = 0; pass < 3; ++pass) {  // passes 2 and 3 run translated blocks (threshold 1)
    start();
    const uint64_t i0 = f.core.instructions(), c0 = f.core.cycles();
    ASSERT_EQ(f.core.run(1000), StepStatus::halted) << f.core.fatal_message();
    insns = f.core.instructions() - i0;
    cycles = f.core.cycles() - c0;
  }
  uint32_t regs[8];
  for (unsigned r = 0; r < 8; ++r) regs[r] = f.core.gpr(r);
  const uint32_t fl = f.core.eflags();
  const std::vector<uint8_t> window(f.bus.mem.begin() + 0x2000, f.bus.mem.begin() + 0x2100);
  start();
  const uint64_t i0 = f.core.instructions(), c0 = f.core.cycles();
  StepStatus s = StepStatus::ok;
  while (s == StepStatus::ok) s = f.core.step();
  ASSERT_EQ(s, StepStatus::halted);
  EXPECT_EQ(f.core.instructions() - i0, insns);
  EXPECT_EQ(f.core.cycles() - c0, cycles);
  for (unsigned r = 0; r < 8; ++r) EXPECT_EQ(f.core.gpr(r), regs[r]) << "register " << r;
  EXPECT_EQ(f.core.eflags(), fl);
  EXPECT_TRUE(std::equal(window.begin(), window.end(), f.bus.mem.begin() + 0x2000)) << "memory 0x2000-0x20FF";
}

// Shifts by an immediate (the host leaves OF undefined beyond a count of 1
// and AF always), multiplies (SF/ZF/PF undefined on the host) and byte
// moves: each result's flags are stored (pushfd; pop [0x20xx]) and must be
// the interpreter's.
TEST_P(BlockRun, ShiftMultiplyAndByteMoveFlagsMatchStepping) {
  // shl eax, 3; pushfd; pop [0x2000]; shr ecx, 5; pushfd; pop [0x2004];
  // sar eax, 1; pushfd; pop [0x2008]; shl ecx, 1; pushfd; pop [0x200C];
  // imul edx, eax, 0x10001; pushfd; pop [0x2010]; mul ecx; pushfd; pop [0x2014];
  // imul eax, ecx; pushfd; pop [0x2018]; mov [0x2020], al; mov bh, [0x2001];
  // mov byte [0x2021], 0x5A; shr ebx, 31; pushfd; pop [0x201C]; hlt
  const std::initializer_list<uint8_t> program = {
      0xC1, 0xE0, 0x03, 0x9C, 0x8F, 0x05, 0x00, 0x20, 0x00, 0x00,  //
      0xC1, 0xE9, 0x05, 0x9C, 0x8F, 0x05, 0x04, 0x20, 0x00, 0x00,  //
      0xD1, 0xF8, 0x9C, 0x8F, 0x05, 0x08, 0x20, 0x00, 0x00,        //
      0xD1, 0xE1, 0x9C, 0x8F, 0x05, 0x0C, 0x20, 0x00, 0x00,        //
      0x69, 0xD0, 0x01, 0x00, 0x01, 0x00, 0x9C, 0x8F, 0x05, 0x10, 0x20, 0x00, 0x00,
      0xF7, 0xE1, 0x9C, 0x8F, 0x05, 0x14, 0x20, 0x00, 0x00,        //
      0x0F, 0xAF, 0xC1, 0x9C, 0x8F, 0x05, 0x18, 0x20, 0x00, 0x00,  //
      0x88, 0x05, 0x20, 0x20, 0x00, 0x00, 0x8A, 0x3D, 0x01, 0x20, 0x00, 0x00,
      0xC6, 0x05, 0x21, 0x20, 0x00, 0x00, 0x5A, 0xC1, 0xEB, 0x1F, 0x9C, 0x8F, 0x05, 0x1C, 0x20, 0x00, 0x00,
      0xF4};
  expect_run_matches_stepping(*this, program, 0xF0000001u, 0x80000021u);  // SHL carries out a 1, OF set
  expect_run_matches_stepping(*this, program, 0x30000000u, 0x7FFFFFFFu);
  expect_run_matches_stepping(*this, program, 0x00000005u, 0x00000003u);
}

// Code fetched over the bus (accurate mode: no host pointer) is decoded once
// too, but every instruction is still fetched, dword by dword, exactly as
// without the cache; a bus write over cached code is seen by the next fetch.
TEST_F(CoreFixture, BusFetchedCodeIsFetchedEveryTimeAndSelfModifiesAsWritten) {
  bus.slow_page = 1;  // 0x1000-0x1FFF through read_mem/write_mem
  load({0x40, 0xEB, 0xFD});  // 1000: inc eax; 1001: jmp 0x1000
  for (int round = 0; round < 50; ++round) {
    const unsigned before = bus.reads;
    steps(2);
    EXPECT_EQ(bus.reads - before, 2u) << "round " << round;  // dword 0x1000 for each instruction
  }
  EXPECT_EQ(core.gpr(reg::eax), 50u);
  load(kSelfModifyingLoop);
  steps(4);
  EXPECT_EQ(core.gpr(reg::eax), 1u);
  EXPECT_EQ(core.gpr(reg::ecx), 1u);
  steps(2);  // jmp; dec eax
  EXPECT_EQ(core.gpr(reg::eax), 0u);
  steps(3);
  EXPECT_EQ(core.gpr(reg::ecx), 2u);
  bus.mem[0x1011] = 0x10;
  steps(1);
  EXPECT_EQ(core.eip(), 0x1022u);
}

TEST_F(CoreFixture, InOutAndCpuid) {
  load({0xE6, 0x80, 0x66, 0xBA, 0xF8, 0x03, 0xEE, 0xEC, 0x31, 0xC0, 0x0F, 0xA2});  // out 0x80,al; mov dx,0x3f8; out dx,al; in al,dx; xor eax,eax; cpuid
  core.set_gpr(reg::eax, 0x41);
  steps(6);
  ASSERT_EQ(bus.io_writes.size(), 2u);
  EXPECT_EQ(bus.io_writes[0], (std::pair<uint16_t, uint32_t>{0x80, 0x41}));
  EXPECT_EQ(bus.io_writes[1].first, 0x3F8);
  char vendor[13] = {};
  const uint32_t b = core.gpr(reg::ebx), d = core.gpr(reg::edx), c = core.gpr(reg::ecx);
  std::memcpy(vendor, &b, 4);
  std::memcpy(vendor + 4, &d, 4);
  std::memcpy(vendor + 8, &c, 4);
  EXPECT_STREQ(vendor, "GenuineIntel");
}

// ---- system architecture (Intel SDM vol. 3) ---------------------------------------

// A protected-mode machine: GDT at 0x9800 (null, ring-0 code 0x08 and data
// 0x10, ring-3 code 0x1B and data 0x23, TSS 0x28, a not-present data segment
// 0x30), IDT at 0x9000 (256 gates, none present until gate()), TSS at 0xA000
// with SS0:ESP0 = 0x10:0x7000. Ring 0 runs on 0x8000, ring 3 on 0x6000.
struct SystemFixture : CoreFixture {
  static constexpr uint32_t kRing0Stack = 0x7000, kUserStack = 0x6000, kUserCode = 0x3000;
  void desc(unsigned index, uint32_t base, uint32_t limit, uint8_t access, uint8_t flags) {
    bus.wr32(0x9800 + index * 8, (base << 16) | (limit & 0xFFFF));
    bus.wr32(0x9804 + index * 8,
             (base & 0xFF000000) | (uint32_t{flags} << 20) | (limit & 0xF0000) | (uint32_t{access} << 8) | ((base >> 16) & 0xFF));
  }
  void gate(uint8_t vector, uint32_t handler, uint8_t type_attr = 0x8E, uint16_t selector = 0x08) {
    bus.wr32(0x9000 + vector * 8u, (uint32_t{selector} << 16) | (handler & 0xFFFF));
    bus.wr32(0x9004 + vector * 8u, (handler & 0xFFFF0000) | (uint32_t{type_attr} << 8));
  }
  // Loads GDTR, IDTR and TR, then runs `code` from kCodeAt + 22.
  void boot(const std::vector<uint8_t>& code) {
    desc(1, 0, 0xFFFFF, 0x9A, 0xC);
    desc(2, 0, 0xFFFFF, 0x92, 0xC);
    desc(3, 0, 0xFFFFF, 0xFA, 0xC);
    desc(4, 0, 0xFFFFF, 0xF2, 0xC);
    desc(5, 0xA000, 0x67, 0x89, 0x0);
    desc(6, 0, 0xFFFFF, 0x12, 0xC);  // data, not present
    bus.wr32(0xA004, kRing0Stack);
    bus.wr32(0xA008, 0x10);
    bus.mem[0x9F00] = 0x3F; bus.mem[0x9F01] = 0; bus.wr32(0x9F02, 0x9800);
    bus.mem[0x9F10] = 0xFF; bus.mem[0x9F11] = 0x07; bus.wr32(0x9F12, 0x9000);
    std::vector<uint8_t> all = {0x0F, 0x01, 0x15, 0x00, 0x9F, 0x00, 0x00,  // lgdt [0x9F00]
                                0x0F, 0x01, 0x1D, 0x10, 0x9F, 0x00, 0x00,  // lidt [0x9F10]
                                0x66, 0xB8, 0x28, 0x00,                    // mov ax, 0x28
                                0x0F, 0x00, 0xD8,                          // ltr ax
                                0x90};
    all.insert(all.end(), code.begin(), code.end());
    std::copy(all.begin(), all.end(), bus.mem.begin() + kCodeAt);
    core.set_entry_state(kCodeAt, 0, 0);
    core.set_gpr(reg::esp, 0x8000);
    steps(5);
    ASSERT_EQ(core.eip(), kCode);
  }
  static constexpr uint32_t kCode = kCodeAt + 22;
  // IRET from ring 0 to `eip` in ring 3 with the given EFLAGS.
  void to_ring3(uint32_t eip, uint32_t eflags = flag::if_) {
    std::vector<uint8_t> t = {0x6A, 0x23, 0x68}, tail;
    auto u32 = [&](uint32_t v) { for (int i = 0; i < 4; ++i) t.push_back(static_cast<uint8_t>(v >> (8 * i))); };
    u32(kUserStack);
    t.push_back(0x68);
    u32(eflags | flag::reserved_one);
    t.insert(t.end(), {0x6A, 0x1B, 0x68});
    u32(eip);
    t.push_back(0xCF);
    std::copy(t.begin(), t.end(), bus.mem.begin() + 0x1800);
    const uint32_t back = core.eip();
    core.set_eip(0x1800);
    steps(6);
    ASSERT_EQ(core.cpl(), 3u);
    (void)back;
  }
  void user_code(std::initializer_list<uint8_t> code) { std::copy(code.begin(), code.end(), bus.mem.begin() + kUserCode); }
  uint32_t frame(unsigned i) const { return bus.rd32(core.gpr(reg::esp) + 4 * i); }
};

TEST_F(SystemFixture, LtrLoadsTaskRegisterAndMarksTssBusy) {
  boot({0x90});
  EXPECT_EQ(core.tr().selector, 0x28);
  EXPECT_EQ(core.tr().base, 0xA000u);
  EXPECT_EQ((bus.rd32(0x982C) >> 8) & 0xF, 0xBu);  // busy 32-bit TSS
}

TEST_F(SystemFixture, FarJmpReloadsCsAndMovLoadsDescriptorCache) {
  desc(7, 0x12345000, 0xFF, 0x92, 0x4);  // byte-granular data, base 0x12345000
  // jmp 0x08:kCode+7; mov ax,0x38; mov es,ax
  boot({0xEA, static_cast<uint8_t>(kCode + 7), static_cast<uint8_t>((kCode + 7) >> 8), 0, 0, 0x08, 0x00,
        0x66, 0xB8, 0x38, 0x00, 0x8E, 0xC0});
  steps(3);
  EXPECT_EQ(core.seg(reg::cs).selector, 0x08);
  EXPECT_EQ(core.seg(reg::es).base, 0x12345000u);
  EXPECT_EQ(core.seg(reg::es).limit, 0xFFu);
  EXPECT_TRUE(bus.mem[0x9800 + 7 * 8 + 5] & 1);  // accessed bit set
}

TEST_F(SystemFixture, GpOnSelectorBeyondGdtLimitPushesSelector) {
  gate(13, 0x5000);
  boot({0x66, 0xB8, 0x30, 0x12, 0x8E, 0xD8});  // mov ax, 0x1230; mov ds, ax
  steps(2);
  EXPECT_EQ(core.eip(), 0x5000u);
  EXPECT_EQ(frame(0), 0x1230u);          // error code: the selector
  EXPECT_EQ(frame(1), kCode + 4);        // fault: EIP of the MOV
  EXPECT_EQ(frame(2), 0x08u);
  EXPECT_EQ(core.gpr(reg::esp), 0x8000u - 16);
  EXPECT_EQ(core.seg(reg::ds).selector, 0x10);
}

TEST_F(SystemFixture, NpOnNotPresentSegment) {
  gate(11, 0x5000);
  boot({0x66, 0xB8, 0x30, 0x00, 0x8E, 0xE0});  // mov ax, 0x30; mov fs, ax
  steps(2);
  EXPECT_EQ(core.eip(), 0x5000u);
  EXPECT_EQ(frame(0), 0x30u);
  EXPECT_EQ(frame(1), kCode + 4);
}

TEST_F(SystemFixture, SsLoadChecksRaiseGpAndSs) {
  gate(13, 0x5000);
  boot({0x66, 0xB8, 0x08, 0x00, 0x8E, 0xD0});  // mov ax, 0x08 (code); mov ss, ax
  steps(2);
  EXPECT_EQ(core.eip(), 0x5000u);
  EXPECT_EQ(frame(0), 0x08u);
  EXPECT_EQ(core.seg(reg::ss).selector, 0x10);
}

TEST_F(SystemFixture, SsOnNotPresentStackSegment) {
  gate(12, 0x5000);
  boot({0x66, 0xB8, 0x30, 0x00, 0x8E, 0xD0});  // mov ax, 0x30 (not present); mov ss, ax
  steps(2);
  EXPECT_EQ(core.eip(), 0x5000u);
  EXPECT_EQ(frame(0), 0x30u);
}

TEST_F(SystemFixture, IretToRing3PopsSsEsp) {
  boot({0x90});
  user_code({0x90});
  to_ring3(kUserCode);
  EXPECT_EQ(core.eip(), kUserCode);
  EXPECT_EQ(core.seg(reg::cs).selector, 0x1B);
  EXPECT_EQ(core.seg(reg::ss).selector, 0x23);
  EXPECT_EQ(core.gpr(reg::esp), kUserStack);
  EXPECT_EQ(core.seg(reg::ds).selector, 0);  // DPL 0 data is nulled for ring 3
  EXPECT_TRUE(f(flag::if_));
}

TEST_F(SystemFixture, InterruptFromRing3SwitchesToTss0Stack) {
  gate(0x80, 0x5000, 0xEE);  // DPL 3 interrupt gate
  bus.mem[0x5000] = 0xCF;    // iret
  boot({0x90});
  user_code({0xCD, 0x80, 0x90});  // int 0x80; nop
  to_ring3(kUserCode);
  steps(1);
  EXPECT_EQ(core.eip(), 0x5000u);
  EXPECT_EQ(core.cpl(), 0u);
  EXPECT_EQ(core.seg(reg::ss).selector, 0x10);
  EXPECT_EQ(core.gpr(reg::esp), kRing0Stack - 20);
  EXPECT_EQ(frame(0), kUserCode + 2);  // EIP after INT
  EXPECT_EQ(frame(1), 0x1Bu);
  EXPECT_TRUE(frame(2) & flag::if_);
  EXPECT_EQ(frame(3), kUserStack);
  EXPECT_EQ(frame(4), 0x23u);
  EXPECT_FALSE(f(flag::if_));
  steps(1);  // iret back to ring 3
  EXPECT_EQ(core.cpl(), 3u);
  EXPECT_EQ(core.eip(), kUserCode + 2);
  EXPECT_EQ(core.gpr(reg::esp), kUserStack);
}

TEST_F(SystemFixture, IntFromRing3ThroughDpl0GateIsGp) {
  gate(0x81, 0x5000, 0x8E);  // DPL 0
  gate(13, 0x5100);
  boot({0x90});
  user_code({0xCD, 0x81});
  to_ring3(kUserCode);
  steps(1);
  EXPECT_EQ(core.eip(), 0x5100u);
  EXPECT_EQ(frame(0), 0x81u * 8 + 2);
  EXPECT_EQ(frame(1), kUserCode);  // a fault: EIP of the INT
  EXPECT_EQ(frame(4), kUserStack);
}

TEST_F(SystemFixture, NotPresentGateIsNp) {
  gate(0x40, 0x5000, 0x0E);  // P=0
  gate(11, 0x5100);
  boot({0xCD, 0x40});
  steps(1);
  EXPECT_EQ(core.eip(), 0x5100u);
  EXPECT_EQ(frame(0), 0x40u * 8 + 2);
}

TEST_F(SystemFixture, TrapGateKeepsIf) {
  gate(0x30, 0x5000, 0x8F);
  boot({0xFB, 0xCD, 0x30});  // sti; int 0x30
  steps(2);
  EXPECT_EQ(core.eip(), 0x5000u);
  EXPECT_TRUE(f(flag::if_));
}

TEST_F(SystemFixture, DivideErrorIsFaultWithEipAtDiv) {
  gate(0, 0x5000);
  boot({0x31, 0xC9, 0xF7, 0xF1});  // xor ecx, ecx; div ecx
  core.set_gpr(reg::eax, 7);
  steps(2);
  EXPECT_EQ(core.eip(), 0x5000u);
  EXPECT_EQ(frame(0), kCode + 2);
  EXPECT_EQ(core.gpr(reg::esp), 0x8000u - 12);  // no error code
  EXPECT_EQ(core.gpr(reg::eax), 7u);
}

TEST_F(SystemFixture, BreakpointIsTrapWithEipAfter) {
  gate(3, 0x5000);
  boot({0xCC, 0x90});
  steps(1);
  EXPECT_EQ(core.eip(), 0x5000u);
  EXPECT_EQ(frame(0), kCode + 1);
}

TEST_F(SystemFixture, IntoRaisesOfWhenOverflowSet) {
  gate(4, 0x5000);
  boot({0xCE, 0xB8, 0xFF, 0xFF, 0xFF, 0x7F, 0x40, 0xCE});  // into; mov eax,0x7fffffff; inc eax; into
  steps(3);
  EXPECT_EQ(core.eip(), kCode + 7);
  steps(1);
  EXPECT_EQ(core.eip(), 0x5000u);
  EXPECT_EQ(frame(0), kCode + 8);
}

TEST_F(SystemFixture, BoundOutOfRangeIsBr) {
  gate(5, 0x5000);
  bus.wr32(0x2000, 10);
  bus.wr32(0x2004, 20);
  boot({0x62, 0x05, 0x00, 0x20, 0x00, 0x00, 0x62, 0x1D, 0x00, 0x20, 0x00, 0x00});  // bound eax,[0x2000]; bound ebx,[0x2000]
  core.set_gpr(reg::eax, 15);
  core.set_gpr(reg::ebx, 21);
  steps(2);
  EXPECT_EQ(core.eip(), 0x5000u);
  EXPECT_EQ(frame(0), kCode + 6);
}

TEST_F(SystemFixture, SingleStepTrap) {
  gate(1, 0x5000);
  bus.mem[0x5000] = 0xCF;
  // pushfd; or dword [esp], 0x100; popfd; nop; nop
  boot({0x9C, 0x81, 0x0C, 0x24, 0x00, 0x01, 0x00, 0x00, 0x9D, 0x90, 0x90});
  steps(3);  // POPF sets TF: the trap comes after the next instruction
  EXPECT_EQ(core.eip(), kCode + 9);
  steps(1);  // nop, then #DB
  EXPECT_EQ(core.eip(), 0x5000u);
  EXPECT_EQ(frame(0), kCode + 10);
  EXPECT_FALSE(f(flag::tf));
  EXPECT_TRUE(frame(2) & flag::tf);
  steps(1);  // iret restores TF; the trap after the following nop
  EXPECT_EQ(core.eip(), kCode + 10);
  steps(1);
  EXPECT_EQ(core.eip(), 0x5000u);
  EXPECT_EQ(frame(0), kCode + 11);
}

TEST_F(SystemFixture, UdOnUndefinedOpcodeThroughIdt) {
  gate(6, 0x5000);
  boot({0x0F, 0xFF, 0xC0, 0x0F, 0x0B});
  steps(1);
  EXPECT_EQ(core.eip(), 0x5000u);
  EXPECT_EQ(frame(0), kCode);
  core.set_eip(kCode + 3);
  steps(1);  // ud2
  EXPECT_EQ(core.eip(), 0x5000u);
  EXPECT_EQ(frame(0), kCode + 3);
}

TEST_F(SystemFixture, DoubleFaultWhenGpDeliveryFails) {
  gate(13, 0x5000, 0x0E);  // #GP gate not present: #NP while delivering #GP
  gate(8, 0x5100);
  boot({0x66, 0xB8, 0x30, 0x12, 0x8E, 0xD8});
  steps(2);
  EXPECT_EQ(core.eip(), 0x5100u);
  EXPECT_EQ(frame(0), 0u);  // #DF error code
  EXPECT_EQ(frame(1), kCode + 4);
}

TEST_F(SystemFixture, PageFaultWhilePushingOntoBadStackEscalates) {
  gate(6, 0x5000);
  boot({0x0F, 0x0B});  // ud2 (benign), then #GP delivering: handled serially
  gate(6, 0x5000, 0x0E);
  gate(11, 0x5200);
  steps(1);
  EXPECT_EQ(core.eip(), 0x5200u);  // benign then contributory: the #NP is delivered
  EXPECT_EQ(frame(0), 6u * 8 + 3);  // IDT, EXT
}

TEST_F(SystemFixture, TripleFaultStopsWithRegisterDump) {
  boot({0x66, 0xB8, 0x30, 0x12, 0x8E, 0xD8});  // no gates at all
  steps(1);
  EXPECT_EQ(core.step(), StepStatus::fatal);
  EXPECT_TRUE(core.triple_faulted());
  EXPECT_EQ(core.fatal_message().rfind("triple fault at EIP=0x0000101A", 0), 0u) << core.fatal_message();
  EXPECT_NE(core.fatal_message().find("register dump: EAX=00001230"), std::string::npos) << core.fatal_message();
  EXPECT_NE(core.fatal_message().find("#DF"), std::string::npos);
}

TEST_F(SystemFixture, UndefinedOpcodeWithoutIdtKeepsFatalMessage) {
  load({0x0F, 0xFF, 0xC0});
  EXPECT_EQ(core.step(), StepStatus::fatal);
  EXPECT_FALSE(core.triple_faulted());
  EXPECT_EQ(core.fatal_message(), "unsupported opcode 0F FF at EIP=0x00001000 (bytes: 0F FF C0 00 00 00 00 00 ...)");
}

TEST_F(SystemFixture, CliAtCpl3IsGp) {
  gate(13, 0x5000);
  boot({0x90});
  user_code({0xFA});
  to_ring3(kUserCode);
  steps(1);
  EXPECT_EQ(core.eip(), 0x5000u);
  EXPECT_EQ(frame(0), 0u);
  EXPECT_EQ(frame(1), kUserCode);
  EXPECT_TRUE(frame(3) & flag::if_);
}

TEST_F(SystemFixture, CliAtCpl3WithIopl3IsAllowed) {
  boot({0x90});
  user_code({0xFA, 0xFB});
  to_ring3(kUserCode, flag::if_ | (3u << 12));
  steps(1);
  EXPECT_FALSE(f(flag::if_));
  steps(1);
  EXPECT_TRUE(f(flag::if_));
}

TEST_F(SystemFixture, PopfAtCpl3KeepsIfAndIopl) {
  boot({0x90});
  user_code({0x68, 0x02, 0x30, 0x00, 0x00, 0x9D});  // push 0x3002 (IOPL 3, IF 0); popfd
  to_ring3(kUserCode);
  steps(2);
  EXPECT_TRUE(f(flag::if_));
  EXPECT_EQ((core.eflags() >> 12) & 3, 0u);
}

TEST_F(SystemFixture, PopfAtCpl0LoadsIopl) {
  boot({0x68, 0x02, 0x32, 0x00, 0x00, 0x9D});  // push 0x3202; popfd
  steps(2);
  EXPECT_EQ((core.eflags() >> 12) & 3, 3u);
  EXPECT_TRUE(f(flag::if_));
}

TEST_F(SystemFixture, InAtCpl3WithIopl0IsGp) {
  gate(13, 0x5000);
  boot({0x90});
  user_code({0xE4, 0x60});
  to_ring3(kUserCode);
  steps(1);
  EXPECT_EQ(core.eip(), 0x5000u);
  EXPECT_EQ(frame(0), 0u);
  EXPECT_EQ(frame(1), kUserCode);
}

TEST_F(SystemFixture, HltAndPrivilegedInstructionsAtCpl3AreGp) {
  gate(13, 0x5000);
  boot({0x90});
  user_code({0xF4});
  to_ring3(kUserCode);
  steps(1);
  EXPECT_EQ(core.eip(), 0x5000u);
  EXPECT_FALSE(core.halted());
}

TEST_F(SystemFixture, StiShadowDelaysInterruptOneInstruction) {
  gate(0x20, 0x5000);
  int acks = 0;
  core.set_interrupt_acknowledge([&] { ++acks; return 0x20; });
  boot({0xFB, 0xF4});  // sti; hlt
  core.set_intr(true);
  steps(1);
  EXPECT_EQ(acks, 0);
  EXPECT_EQ(core.step(), StepStatus::halted);  // HLT runs in the shadow
  EXPECT_EQ(acks, 0);
  EXPECT_EQ(core.step(), StepStatus::ok);      // the interrupt wakes it
  EXPECT_EQ(acks, 1);
  EXPECT_EQ(frame(0), kCode + 2);
}

TEST_F(SystemFixture, MovSsShadow) {
  gate(0x20, 0x5000);
  int acks = 0;
  core.set_interrupt_acknowledge([&] { ++acks; return 0x20; });
  boot({0xFB, 0x90, 0x66, 0xB8, 0x10, 0x00, 0x8E, 0xD0, 0x89, 0xC4, 0x90});  // sti; nop; mov ax,0x10; mov ss,ax; mov esp,eax; nop
  steps(4);  // ... mov ss
  core.set_intr(true);
  steps(1);  // mov esp runs in the shadow
  EXPECT_EQ(acks, 0);
  steps(1);
  EXPECT_EQ(acks, 1);
  EXPECT_EQ(core.eip(), 0x5000u);
}

TEST_F(SystemFixture, AcknowledgeClearsLatchedIntr) {
  gate(0x20, 0x5000);
  bus.mem[0x5000] = 0xCF;  // iret at once
  int acks = 0;
  core.set_interrupt_acknowledge([&] { ++acks; return 0x20; });
  boot({0xFB, 0x90, 0x90, 0x90, 0x90});
  core.set_intr(true);
  core.run(10);  // stops after the INTA for the owner to re-sample
  EXPECT_TRUE(core.consume_resample_request());
  core.run(10);
  EXPECT_EQ(acks, 1);  // no second INTA from a stale level
}

TEST_F(SystemFixture, RepMovsRestartsAfterInterrupt) {
  gate(0x20, 0x5000);
  bus.mem[0x5000] = 0xCF;  // iret
  int acks = 0;
  core.set_interrupt_acknowledge([&] { ++acks; return 0x20; });
  for (int i = 0; i < 100; ++i) bus.mem[0x2000 + i] = static_cast<uint8_t>(i + 1);
  // The destination page goes through write_mem, which raises INTR after the
  // third byte: a device asserting its line while the string runs.
  bus.slow_page = 0x3;
  unsigned writes = 0;
  bus.on_write = [&](uint32_t) {
    if (++writes == 3) core.set_intr(true);
  };
  boot({0xFB, 0xFC, 0xF3, 0xA4, 0x90});  // sti; cld; rep movsb; nop
  core.set_gpr(reg::esi, 0x2000);
  core.set_gpr(reg::edi, 0x3000);
  core.set_gpr(reg::ecx, 100);
  steps(3);
  EXPECT_EQ(core.gpr(reg::ecx), 97u);  // stopped between iterations
  EXPECT_EQ(core.eip(), kCode + 2);    // at the instruction, to restart it
  steps(1);                            // the interrupt
  EXPECT_EQ(acks, 1);
  EXPECT_EQ(frame(0), kCode + 2);
  steps(2);  // iret; the string completes
  EXPECT_EQ(core.gpr(reg::ecx), 0u);
  EXPECT_EQ(core.eip(), kCode + 4);
  EXPECT_EQ(0, std::memcmp(&bus.mem[0x2000], &bus.mem[0x3000], 100));
}

TEST_F(SystemFixture, CpuidVendorAndFeatures) {
  core.set_apic_id(3);
  boot({0x31, 0xC0, 0x0F, 0xA2, 0xB8, 0x01, 0x00, 0x00, 0x00, 0x0F, 0xA2});
  steps(2);
  char vendor[13] = {};
  const uint32_t b = core.gpr(reg::ebx), d = core.gpr(reg::edx), c = core.gpr(reg::ecx);
  std::memcpy(vendor, &b, 4);
  std::memcpy(vendor + 4, &d, 4);
  std::memcpy(vendor + 8, &c, 4);
  EXPECT_STREQ(vendor, "GenuineIntel");
  steps(2);
  EXPECT_EQ((core.gpr(reg::eax) >> 8) & 0xF, 6u);
  const uint32_t features = core.gpr(reg::edx);
  EXPECT_TRUE(features & (1u << 9));  // APIC
  EXPECT_TRUE(features & (1u << 4));  // TSC
  EXPECT_TRUE(features & (1u << 5));  // MSR
  EXPECT_TRUE(features & (1u << 8));  // CX8
  EXPECT_FALSE(features & 1u);        // no FPU
  EXPECT_EQ(core.gpr(reg::ebx) >> 24, 3u);
}

TEST_F(SystemFixture, RdmsrApicBaseAndTsc) {
  boot({0xB9, 0x1B, 0x00, 0x00, 0x00, 0x0F, 0x32,              // mov ecx,0x1b; rdmsr
        0xB9, 0x10, 0x00, 0x00, 0x00, 0x31, 0xD2, 0xB8, 0x00, 0x10, 0x00, 0x00, 0x0F, 0x30,  // wrmsr TSC=0x1000
        0x0F, 0x31});                                          // rdtsc
  steps(2);
  EXPECT_EQ(core.gpr(reg::eax), 0xFEE00900u);
  EXPECT_EQ(core.gpr(reg::edx), 0u);
  steps(4);
  steps(1);
  EXPECT_GE(core.gpr(reg::eax), 0x1000u);
  EXPECT_LT(core.gpr(reg::eax), 0x1100u);
}

TEST_F(SystemFixture, UnknownMsrIsGp) {
  gate(13, 0x5000);
  boot({0xB9, 0x34, 0x12, 0x00, 0x00, 0x0F, 0x32});
  steps(2);
  EXPECT_EQ(core.eip(), 0x5000u);
  EXPECT_EQ(frame(0), 0u);
  EXPECT_EQ(frame(1), kCode + 5);
}

TEST_F(SystemFixture, Cmpxchg8b) {
  bus.wr32(0x2000, 0x11111111);
  bus.wr32(0x2004, 0x22222222);
  boot({0x0F, 0xC7, 0x0D, 0x00, 0x20, 0x00, 0x00, 0xF0, 0x0F, 0xC7, 0x0D, 0x00, 0x20, 0x00, 0x00});
  core.set_gpr(reg::eax, 0x11111111);
  core.set_gpr(reg::edx, 0x22222222);
  core.set_gpr(reg::ebx, 0xAAAAAAAA);
  core.set_gpr(reg::ecx, 0xBBBBBBBB);
  steps(1);
  EXPECT_TRUE(f(flag::zf));
  EXPECT_EQ(bus.rd32(0x2000), 0xAAAAAAAAu);
  EXPECT_EQ(bus.rd32(0x2004), 0xBBBBBBBBu);
  steps(1);  // lock cmpxchg8b: now different
  EXPECT_FALSE(f(flag::zf));
  EXPECT_EQ(core.gpr(reg::eax), 0xAAAAAAAAu);
  EXPECT_EQ(core.gpr(reg::edx), 0xBBBBBBBBu);
}

TEST_F(SystemFixture, LockOnIllegalFormIsUd) {
  gate(6, 0x5000);
  // lock add [0x2000], eax (legal); lock add eax, ebx (register destination: #UD)
  boot({0xF0, 0x01, 0x05, 0x00, 0x20, 0x00, 0x00, 0xF0, 0x01, 0xD8});
  core.set_gpr(reg::eax, 5);
  steps(1);
  EXPECT_EQ(bus.rd32(0x2000), 5u);
  steps(1);
  EXPECT_EQ(core.eip(), 0x5000u);
  EXPECT_EQ(frame(0), kCode + 7);
  EXPECT_EQ(core.gpr(reg::eax), 5u);
}

TEST_F(SystemFixture, FarCallAndFarReturnSamePrivilege) {
  bus.mem[0x5000] = 0xCB;  // retf
  boot({0x9A, 0x00, 0x50, 0x00, 0x00, 0x08, 0x00, 0x90});  // call 0x08:0x5000
  steps(1);
  EXPECT_EQ(core.eip(), 0x5000u);
  EXPECT_EQ(frame(0), kCode + 7);
  EXPECT_EQ(frame(1), 0x08u);
  steps(1);
  EXPECT_EQ(core.eip(), kCode + 7);
  EXPECT_EQ(core.gpr(reg::esp), 0x8000u);
}

// ---- paging ----
// Page directory at 0x20000, one page table at 0x21000 mapping 0-4 MiB 1:1
// (present, writable, user), except what the test changes.
// ---- NMI (SDM vol. 3 §6.7) ---------------------------------------------------

TEST_F(SystemFixture, NmiIsTakenWithIfClearBeforeIntr) {
  gate(2, 0x5000);
  gate(0x20, 0x5100);
  int nmi_acks = 0, acks = 0;
  core.set_nmi_acknowledge([&] { ++nmi_acks; });
  core.set_interrupt_acknowledge([&] { ++acks; return 0x20; });
  boot({0x90, 0x90});
  ASSERT_FALSE(f(flag::if_));
  core.set_intr(true);  // masked by IF=0
  core.set_nmi(true);
  EXPECT_TRUE(core.nmi_pending());
  steps(1);
  EXPECT_EQ(core.eip(), 0x5000u);
  EXPECT_EQ(frame(0), kCode);  // at an instruction boundary: the next instruction
  EXPECT_EQ(frame(1), 0x08u);
  EXPECT_EQ(core.gpr(reg::esp), 0x8000u - 12);  // no error code
  EXPECT_EQ(nmi_acks, 1);
  EXPECT_EQ(acks, 0);
  EXPECT_FALSE(core.nmi_pending());
  EXPECT_TRUE(core.nmi_blocked());
}

TEST_F(SystemFixture, NmiIsEdgeTriggeredAndBlockedUntilIret) {
  gate(2, 0x5000);
  bus.mem[0x5000] = 0x90;  // nop; nop; iret
  bus.mem[0x5001] = 0x90;
  bus.mem[0x5002] = 0xCF;
  int nmi_acks = 0;
  core.set_nmi_acknowledge([&] { ++nmi_acks; });
  boot({0x90, 0x90, 0x90, 0x90, 0x90, 0x90});
  core.set_nmi(true);
  steps(1);  // NMI 1
  ASSERT_EQ(core.eip(), 0x5000u);
  steps(1);
  core.set_nmi(true);  // the level staying high is no new edge
  EXPECT_FALSE(core.nmi_pending());
  core.set_nmi(false);
  core.set_nmi(true);  // NMI 2 while blocked: latched, not taken
  core.set_nmi(false);
  core.set_nmi(true);  // NMI 3: only one NMI can be pending
  EXPECT_TRUE(core.nmi_pending());
  steps(1);
  EXPECT_EQ(core.eip(), 0x5002u);  // the handler went on
  steps(1);                        // iret ends the blocking
  EXPECT_EQ(core.eip(), kCode);
  EXPECT_FALSE(core.nmi_blocked());
  steps(1);  // NMI 2 at the next boundary, before the nop
  EXPECT_EQ(core.eip(), 0x5000u);
  EXPECT_EQ(frame(0), kCode);
  steps(3);  // nop; nop; iret
  EXPECT_EQ(core.eip(), kCode);
  steps(2);  // NMI 3 was merged into NMI 2: plain code runs on
  EXPECT_EQ(core.eip(), kCode + 2);
  EXPECT_EQ(nmi_acks, 2);
}

TEST_F(SystemFixture, HltWakesOnNmiWithIfClear) {
  gate(2, 0x5000);
  bus.mem[0x5000] = 0xCF;  // iret
  boot({0xF4, 0x90});      // hlt (IF=0: only an NMI can wake it)
  EXPECT_EQ(core.step(), StepStatus::halted);
  EXPECT_EQ(core.step(), StepStatus::halted);
  core.set_nmi(true);
  EXPECT_EQ(core.step(), StepStatus::ok);
  EXPECT_FALSE(core.halted());
  EXPECT_EQ(core.eip(), 0x5000u);
  EXPECT_EQ(frame(0), kCode + 1);  // returns after the HLT
  steps(1);
  EXPECT_EQ(core.eip(), kCode + 1);
  EXPECT_EQ(core.step(), StepStatus::ok);  // the nop; the level is still high: no new NMI
  EXPECT_EQ(core.eip(), kCode + 2);
}

TEST_F(SystemFixture, NmiWaitsForStiShadowThroughRun) {
  gate(2, 0x5000);
  bus.mem[0x5000] = 0xF4;  // hlt in the handler
  boot({0xFB, 0x90, 0x90, 0x90});  // sti; nop; nop; nop
  steps(1);                        // sti: the shadow covers the first nop
  core.set_nmi(true);
  core.run(10);  // run()'s fast path must not skip the NMI after the shadow
  EXPECT_EQ(core.eip(), 0x5000u);
  EXPECT_EQ(frame(0), kCode + 2);
  EXPECT_TRUE(core.consume_resample_request());  // the owner lets the source settle
  core.run(10);
  EXPECT_TRUE(core.halted());
}

TEST_F(SystemFixture, NmiThroughNotPresentGateIsNpWithExt) {
  gate(2, 0x5000, 0x0E);  // not present
  gate(11, 0x5100);
  boot({0x90});
  core.set_nmi(true);
  steps(1);
  EXPECT_EQ(core.eip(), 0x5100u);
  EXPECT_EQ(frame(0), 2u * 8 + 3);  // IDT, EXT
  EXPECT_EQ(frame(1), kCode);
}

// ---- LDT (SDM vol. 3 §3.5.1) ----------------------------------------------------

struct LdtFixture : SystemFixture {
  static constexpr uint32_t kLdt = 0xB000;
  void ldt_desc(unsigned index, uint32_t base, uint32_t limit, uint8_t access, uint8_t flags) {
    bus.wr32(kLdt + index * 8, (base << 16) | (limit & 0xFFFF));
    bus.wr32(kLdt + 4 + index * 8,
             (base & 0xFF000000) | (uint32_t{flags} << 20) | (limit & 0xF0000) | (uint32_t{access} << 8) | ((base >> 16) & 0xFF));
  }
  void SetUp() override {
    desc(7, kLdt, 0x17, 0x82, 0x0);         // GDT 0x38: LDT of 3 entries
    ldt_desc(1, 0x4000, 0xFFF, 0x92, 0x4);  // LDT 0x0C: data, base 0x4000
    ldt_desc(2, 0, 0xFFFFF, 0x9A, 0xC);     // LDT 0x14: flat code
  }
};

TEST_F(LdtFixture, LldtLoadsLdtrAndTiSelectorsResolveThroughIt) {
  bus.wr32(0x4010, 0xCAFEF00D);
  // mov ax,0x38; lldt ax; mov ax,0x0C; mov ds,ax; mov eax,[0x10]; sldt ebx;
  // jmp 0x14:next
  const uint32_t next = kCode + 28;
  boot({0x66, 0xB8, 0x38, 0x00, 0x0F, 0x00, 0xD0, 0x66, 0xB8, 0x0C, 0x00, 0x8E, 0xD8, 0xA1, 0x10, 0x00, 0x00, 0x00,
        0x0F, 0x00, 0xC3, 0xEA, static_cast<uint8_t>(next), static_cast<uint8_t>(next >> 8), 0, 0, 0x14, 0x00,
        0x90, 0x90, 0x90});
  EXPECT_EQ(core.ldtr().selector, 0);
  steps(2);
  EXPECT_EQ(core.ldtr().selector, 0x38);
  EXPECT_EQ(core.ldtr().base, kLdt);
  EXPECT_EQ(core.ldtr().limit, 0x17u);
  steps(2);
  EXPECT_EQ(core.seg(reg::ds).selector, 0x0C);
  EXPECT_EQ(core.seg(reg::ds).base, 0x4000u);
  EXPECT_EQ(core.seg(reg::ds).limit, 0xFFFu);
  EXPECT_TRUE(bus.mem[kLdt + 8 + 5] & 1);  // accessed bit set in the LDT
  EXPECT_FALSE(bus.mem[0x9800 + 7 * 8 + 5] & 1);
  steps(1);
  EXPECT_EQ(core.gpr(reg::eax), 0xCAFEF00Du);
  steps(1);
  EXPECT_EQ(core.gpr(reg::ebx), 0x38u);
  steps(1);  // far jmp to the LDT's code segment
  EXPECT_EQ(core.seg(reg::cs).selector, 0x14);
  EXPECT_EQ(core.eip(), next);
}

TEST_F(LdtFixture, LdtSelectorWithNullLdtrIsGp) {
  gate(13, 0x5000);
  boot({0x66, 0xB8, 0x0C, 0x00, 0x8E, 0xD8});  // mov ax,0x0C; mov ds,ax (no LLDT)
  steps(2);
  EXPECT_EQ(core.eip(), 0x5000u);
  EXPECT_EQ(frame(0), 0x0Cu);
  EXPECT_EQ(frame(1), kCode + 4);
  EXPECT_EQ(core.seg(reg::ds).selector, 0x10);
}

TEST_F(LdtFixture, LdtSelectorBeyondLdtLimitIsGp) {
  gate(13, 0x5000);
  // mov ax,0x38; lldt ax; mov ax,0x1C (LDT index 3, limit 0x17); mov es,ax
  boot({0x66, 0xB8, 0x38, 0x00, 0x0F, 0x00, 0xD0, 0x66, 0xB8, 0x1C, 0x00, 0x8E, 0xC0});
  steps(4);
  EXPECT_EQ(core.eip(), 0x5000u);
  EXPECT_EQ(frame(0), 0x1Cu);
  EXPECT_EQ(frame(1), kCode + 11);
}

TEST_F(LdtFixture, LldtChecksTheDescriptor) {
  gate(13, 0x5000);
  gate(11, 0x5100);
  boot({0x66, 0xB8, 0x10, 0x00, 0x0F, 0x00, 0xD0});  // mov ax,0x10 (data); lldt ax
  steps(2);
  EXPECT_EQ(core.eip(), 0x5000u);
  EXPECT_EQ(frame(0), 0x10u);  // not an LDT descriptor
  EXPECT_EQ(core.ldtr().selector, 0);
  for (const uint16_t sel : {uint16_t{0x3C}, uint16_t{0x40}}) {  // TI=1; beyond the GDT limit
    core.set_gpr(reg::esp, 0x8000);
    core.set_eip(kCode + 4);
    core.set_gpr(reg::eax, sel);
    steps(1);
    EXPECT_EQ(core.eip(), 0x5000u);
    EXPECT_EQ(frame(0), sel);
  }
  desc(7, kLdt, 0x17, 0x02, 0x0);  // LDT descriptor not present: #NP
  core.set_gpr(reg::esp, 0x8000);
  core.set_eip(kCode + 4);
  core.set_gpr(reg::eax, 0x38);
  steps(1);
  EXPECT_EQ(core.eip(), 0x5100u);
  EXPECT_EQ(frame(0), 0x38u);
  EXPECT_EQ(core.ldtr().selector, 0);
}

TEST_F(LdtFixture, LldtNullMakesLdtSelectorsFaultAgain) {
  gate(13, 0x5000);
  // mov ax,0x38; lldt ax; xor eax,eax; lldt ax; sldt ebx; mov ax,0x0C; mov ds,ax
  boot({0x66, 0xB8, 0x38, 0x00, 0x0F, 0x00, 0xD0, 0x31, 0xC0, 0x0F, 0x00, 0xD0, 0x0F, 0x00, 0xC3,
        0x66, 0xB8, 0x0C, 0x00, 0x8E, 0xD8});
  core.set_gpr(reg::ebx, 0xFFFFFFFF);
  steps(5);
  EXPECT_EQ(core.ldtr().selector, 0);
  EXPECT_EQ(core.gpr(reg::ebx), 0u);
  steps(2);
  EXPECT_EQ(core.eip(), 0x5000u);
  EXPECT_EQ(frame(0), 0x0Cu);
}

TEST_F(LdtFixture, LldtAtCpl3IsGp) {
  gate(13, 0x5000);
  boot({0x90});
  user_code({0x0F, 0x00, 0xD0});  // lldt ax
  to_ring3(kUserCode);
  core.set_gpr(reg::eax, 0x38);
  steps(1);
  EXPECT_EQ(core.eip(), 0x5000u);
  EXPECT_EQ(frame(0), 0u);
}

struct PagingFixture : SystemFixture {
  void map(uint32_t lin, uint32_t phys, uint32_t bits = 7) { bus.wr32(0x21000 + ((lin >> 12) & 0x3FF) * 4, (phys & ~0xFFFu) | bits); }
  uint32_t pte(uint32_t lin) const { return bus.rd32(0x21000 + ((lin >> 12) & 0x3FF) * 4); }
  void paging_boot(std::initializer_list<uint8_t> code) {
    bus.wr32(0x20000, 0x21000 | 7);
    for (uint32_t p = 0; p < 0x100000; p += 0x1000)
      if (pte(p) == 0) map(p, p);  // the test's own mappings stay
    // mov eax,0x20000; mov cr3,eax; mov eax,cr0; or eax,0x80000000; mov cr0,eax
    std::vector<uint8_t> all = {0xB8, 0x00, 0x00, 0x02, 0x00, 0x0F, 0x22, 0xD8, 0x0F, 0x20, 0xC0,
                                0x0D, 0x00, 0x00, 0x00, 0x80, 0x0F, 0x22, 0xC0};
    all.insert(all.end(), code);
    std::copy(all.begin(), all.end(), bus.mem.begin() + 0x1200);
    constexpr uint32_t rel = 0x1200 - (kCode + 5);
    boot({0xE9, static_cast<uint8_t>(rel), static_cast<uint8_t>(rel >> 8), 0x00, 0x00});
    steps(6);
    ASSERT_TRUE(core.cr(0) & 0x80000000u);
    ASSERT_EQ(core.eip(), 0x1200u + 19);
  }
};

TEST_F(PagingFixture, PageFaultSetsCr2AndErrorCode) {
  gate(14, 0x5000);
  map(0x40000, 0x40000, 0);  // not present
  paging_boot({0xA3, 0x10, 0x00, 0x04, 0x00});  // mov [0x40010], eax
  steps(1);
  EXPECT_EQ(core.eip(), 0x5000u);
  EXPECT_EQ(core.cr(2), 0x40010u);
  EXPECT_EQ(frame(0), 2u);  // not present, write, supervisor
  EXPECT_EQ(frame(1), 0x1200u + 19);
}

TEST_F(PagingFixture, UserAccessToSupervisorPageIsProtectionFault) {
  gate(14, 0x5000);
  map(0x40000, 0x40000, 3);  // present, writable, supervisor only
  paging_boot({0x90});
  user_code({0xA1, 0x00, 0x00, 0x04, 0x00});  // mov eax, [0x40000]
  to_ring3(kUserCode);
  steps(1);
  EXPECT_EQ(core.eip(), 0x5000u);
  EXPECT_EQ(frame(0), 5u);  // present, read, user
  EXPECT_EQ(core.cr(2), 0x40000u);
}

TEST_F(PagingFixture, WriteToReadOnlyPageFromRing3Faults) {
  gate(14, 0x5000);
  map(0x40000, 0x40000, 5);  // present, read-only, user
  paging_boot({0x90});
  user_code({0xA1, 0x00, 0x00, 0x04, 0x00, 0xA3, 0x00, 0x00, 0x04, 0x00});
  to_ring3(kUserCode);
  steps(2);
  EXPECT_EQ(core.eip(), 0x5000u);
  EXPECT_EQ(frame(0), 7u);  // present, write, user
}

TEST_F(PagingFixture, PagingAccessedDirtyBits) {
  map(0x40000, 0x50000);
  map(0x41000, 0x51000);
  paging_boot({0xA1, 0x00, 0x00, 0x04, 0x00, 0xA3, 0x00, 0x00, 0x04, 0x00,  // read 0x40000, write 0x40000
               0xA1, 0x00, 0x10, 0x04, 0x00});                              // read 0x41000
  bus.wr32(0x50000, 0xCAFE);
  steps(1);
  EXPECT_EQ(core.gpr(reg::eax), 0xCAFEu);
  EXPECT_TRUE(pte(0x40000) & 0x20);
  EXPECT_FALSE(pte(0x40000) & 0x40);
  EXPECT_TRUE(bus.rd32(0x20000) & 0x20);  // PDE accessed
  steps(1);
  EXPECT_TRUE(pte(0x40000) & 0x40);
  steps(1);
  EXPECT_TRUE(pte(0x41000) & 0x20);
  EXPECT_FALSE(pte(0x41000) & 0x40);
}

TEST_F(PagingFixture, InvlpgFlushesTlbEntry) {
  map(0x40000, 0x50000);
  bus.wr32(0x50000, 1);
  bus.wr32(0x60000, 2);
  paging_boot({0xA1, 0x00, 0x00, 0x04, 0x00, 0xA1, 0x00, 0x00, 0x04, 0x00,
               0x0F, 0x01, 0x3D, 0x00, 0x00, 0x04, 0x00, 0xA1, 0x00, 0x00, 0x04, 0x00});
  steps(1);
  EXPECT_EQ(core.gpr(reg::eax), 1u);
  map(0x40000, 0x60000);
  steps(1);
  EXPECT_EQ(core.gpr(reg::eax), 1u);  // stale TLB entry, as on hardware
  steps(2);
  EXPECT_EQ(core.gpr(reg::eax), 2u);
}

TEST_F(PagingFixture, Cr3WriteFlushesTlb) {
  map(0x40000, 0x50000);
  bus.wr32(0x50000, 1);
  bus.wr32(0x60000, 2);
  paging_boot({0xA1, 0x00, 0x00, 0x04, 0x00, 0x0F, 0x20, 0xD9, 0x0F, 0x22, 0xD9, 0xA1, 0x00, 0x00, 0x04, 0x00});
  steps(1);
  EXPECT_EQ(core.gpr(reg::eax), 1u);
  map(0x40000, 0x60000);
  steps(3);  // mov ecx,cr3; mov cr3,ecx; read
  EXPECT_EQ(core.gpr(reg::eax), 2u);
}

TEST_F(PagingFixture, FourMiBPageWithPse) {
  bus.wr32(0x20000 + 1 * 4, 0x00000087);  // 4-8 MiB -> 0 (PS, user, rw, present)
  bus.wr32(0x10, 0x5A5A5A5A);
  // mov eax,cr4; or eax,0x10; mov cr4,eax; mov eax,[0x400010]
  paging_boot({0x0F, 0x20, 0xE0, 0x0D, 0x10, 0x00, 0x00, 0x00, 0x0F, 0x22, 0xE0, 0xA1, 0x10, 0x00, 0x40, 0x00});
  steps(4);
  EXPECT_EQ(core.gpr(reg::eax), 0x5A5A5A5Au);
  EXPECT_TRUE(bus.rd32(0x20004) & 0x20);
}

// ---- machine check (SDM vol. 3B ch. 15) -------------------------------------

// A tiny assembler for the machine-check tests' code.
struct Asm {
  std::vector<uint8_t> b;
  Asm& u32(uint32_t v) {
    for (int i = 0; i < 4; ++i) b.push_back(static_cast<uint8_t>(v >> (8 * i)));
    return *this;
  }
  Asm& bytes(std::initializer_list<uint8_t> x) {
    b.insert(b.end(), x);
    return *this;
  }
  Asm& mov_eax(uint32_t v) { return bytes({0xB8}).u32(v); }
  Asm& mov_ecx(uint32_t v) { return bytes({0xB9}).u32(v); }
  Asm& mov_edx(uint32_t v) { return bytes({0xBA}).u32(v); }
  Asm& mov_ebx(uint32_t v) { return bytes({0xBB}).u32(v); }
  Asm& rdmsr() { return bytes({0x0F, 0x32}); }
  Asm& wrmsr() { return bytes({0x0F, 0x30}); }
  Asm& cpuid() { return bytes({0x0F, 0xA2}); }
  Asm& mov_cr4_eax() { return bytes({0x0F, 0x22, 0xE0}); }
  Asm& mov_ebx_cr4() { return bytes({0x0F, 0x20, 0xE3}); }
  Asm& load_ebx(uint32_t addr) { return bytes({0x8B, 0x1D}).u32(addr); }  // mov ebx, [addr]
  Asm& jmp_to(uint32_t from, uint32_t to) { return bytes({0xE9}).u32(to - (from + 5)); }  // jmp rel32 at `from`
  Asm& hlt() { return bytes({0xF4}); }
};

constexpr uint32_t kFaultyPage = 0x30, kFaulty = kFaultyPage << 12;  // 0x30000
constexpr uint64_t kLoggedMemoryReadError = mca::MCi_STATUS_VAL | mca::MCi_STATUS_UC | mca::MCi_STATUS_EN |
                                            mca::MCi_STATUS_ADDRV | mca::MCi_STATUS_PCC | 0x009F;

// The core after boot() (GDT, IDT, TSS), with gate 13 (#GP) to 0x5000 and
// gate 18 (#MC) to 0x5100, both HLT, and a page of RAM at kFaulty whose
// reads report machine checks.
struct McaFixture : SystemFixture {
  static constexpr uint32_t kGpHandler = 0x5000, kMcHandler = 0x5100, kScratch = 0x1800;
  void SetUp() override {
    gate(13, kGpHandler);
    gate(18, kMcHandler);
    bus.mem[kGpHandler] = 0xF4;
    bus.mem[kMcHandler] = 0xF4;
    bus.arm_machine_check(core, kFaultyPage);
    boot({0x90});
  }
  // Places `code` at kScratch and continues there with a fresh stack.
  void at_scratch(const Asm& a) {
    std::copy(a.b.begin(), a.b.end(), bus.mem.begin() + kScratch);
    core.set_eip(kScratch);
    core.set_gpr(reg::esp, 0x8000);
  }
  uint64_t rdmsr(uint32_t index) {
    at_scratch(Asm().mov_ecx(index).rdmsr());
    steps(2);
    EXPECT_EQ(core.eip(), kScratch + 7) << "RDMSR 0x" << std::hex << index << " raised an exception";
    return (uint64_t{core.gpr(reg::edx)} << 32) | core.gpr(reg::eax);
  }
  // true: #GP(0) at the WRMSR.
  bool wrmsr_is_gp(uint32_t index, uint64_t v) {
    at_scratch(Asm().mov_ecx(index).mov_eax(static_cast<uint32_t>(v)).mov_edx(static_cast<uint32_t>(v >> 32)).wrmsr());
    steps(4);
    if (core.eip() == kScratch + 17) return false;
    EXPECT_EQ(core.eip(), kGpHandler);
    EXPECT_EQ(frame(0), 0u);             // error code
    EXPECT_EQ(frame(1), kScratch + 15);  // EIP of the WRMSR
    return true;
  }
  bool rdmsr_is_gp(uint32_t index) {
    at_scratch(Asm().mov_ecx(index).rdmsr());
    steps(2);
    return core.eip() == kGpHandler && frame(0) == 0u && frame(1) == kScratch + 5;
  }
  void enable_mce() {
    at_scratch(Asm().mov_eax(mca::CR4_MCE).mov_cr4_eax());
    steps(2);
    ASSERT_EQ(core.cr(4), mca::CR4_MCE);
  }
};

TEST_F(McaFixture, CpuidReportsMceAndMca) {
  at_scratch(Asm().mov_eax(1).cpuid());
  steps(2);
  EXPECT_TRUE(core.gpr(reg::edx) & (1u << 7)) << "MCE";
  EXPECT_TRUE(core.gpr(reg::edx) & (1u << 14)) << "MCA";
}

TEST_F(McaFixture, Cr4MceIsWritableAndReadBack) {
  at_scratch(Asm().mov_eax(mca::CR4_MCE | 0x10).mov_cr4_eax().mov_ebx_cr4());
  steps(3);
  EXPECT_EQ(core.eip(), kScratch + 11) << "no #GP";
  EXPECT_EQ(core.gpr(reg::ebx), mca::CR4_MCE | 0x10);
}

// IA32_MCG_CAP: one bank, no MCG_CTL_P (or any other capability); the bank
// and IA32_MCG_STATUS read and write as the SDM says.
TEST_F(McaFixture, McaMsrsReadAndWrite) {
  EXPECT_EQ(rdmsr(mca::IA32_MCG_CAP), 1u);
  EXPECT_EQ(rdmsr(mca::IA32_MCG_STATUS), 0u);
  EXPECT_FALSE(wrmsr_is_gp(mca::IA32_MCG_STATUS, 7));
  EXPECT_EQ(rdmsr(mca::IA32_MCG_STATUS), 7u);
  EXPECT_FALSE(wrmsr_is_gp(mca::IA32_MCG_STATUS, 0));
  EXPECT_EQ(rdmsr(mca::IA32_MC0_CTL), 1u) << "EE00 enabled at power-up";
  EXPECT_FALSE(wrmsr_is_gp(mca::IA32_MC0_CTL, ~uint64_t{0}));
  EXPECT_EQ(rdmsr(mca::IA32_MC0_CTL), 1u) << "unimplemented bits are dropped";
  EXPECT_FALSE(wrmsr_is_gp(mca::IA32_MC0_CTL, 0));
  EXPECT_EQ(rdmsr(mca::IA32_MC0_CTL), 0u);
  EXPECT_EQ(rdmsr(mca::IA32_MC0_STATUS), 0u);
  EXPECT_EQ(rdmsr(mca::IA32_MC0_ADDR), 0u);
  EXPECT_EQ(rdmsr(mca::IA32_MC0_MISC), 0u);
  EXPECT_FALSE(wrmsr_is_gp(mca::IA32_MC0_STATUS, 0));
  EXPECT_FALSE(wrmsr_is_gp(mca::IA32_MC0_ADDR, 0));
  EXPECT_FALSE(wrmsr_is_gp(mca::IA32_MC0_MISC, 0));
}

TEST_F(McaFixture, McaMsrsThatDoNotExistOrRefuseTheValueAreGp) {
  EXPECT_TRUE(wrmsr_is_gp(mca::IA32_MCG_CAP, 1)) << "IA32_MCG_CAP is read-only";
  EXPECT_TRUE(wrmsr_is_gp(mca::IA32_MCG_STATUS, 8)) << "IA32_MCG_STATUS bits 63:3 are reserved";
  EXPECT_TRUE(wrmsr_is_gp(mca::IA32_MCG_STATUS, uint64_t{1} << 32));
  EXPECT_TRUE(wrmsr_is_gp(mca::IA32_MC0_STATUS, mca::MCi_STATUS_VAL)) << "MCi_STATUS: only 0 may be written";
  EXPECT_TRUE(wrmsr_is_gp(mca::IA32_MC0_STATUS, 1));
  EXPECT_TRUE(wrmsr_is_gp(mca::IA32_MC0_ADDR, 0x1000));
  EXPECT_TRUE(wrmsr_is_gp(mca::IA32_MC0_MISC, 1));
  EXPECT_TRUE(rdmsr_is_gp(0x17B)) << "IA32_MCG_CTL: no MCG_CTL_P";
  EXPECT_TRUE(rdmsr_is_gp(0x404)) << "IA32_MC1_CTL: one bank only";
  EXPECT_TRUE(wrmsr_is_gp(0x404, 0));
  EXPECT_TRUE(rdmsr_is_gp(0x407));
  EXPECT_EQ(rdmsr(mca::IA32_MCG_STATUS), 0u) << "refused writes change nothing";
}

// CR4.MCE=1: the load that meets the error does not complete (EBX keeps
// its value), the error is in bank 0, and #MC (an abort: no error code) is
// taken with the load's EIP on the stack.
TEST_F(McaFixture, UncorrectedReadErrorRaisesMcWithoutErrorCode) {
  enable_mce();
  at_scratch(Asm().mov_ebx(0x11111111).load_ebx(kFaulty + 0x24));
  steps(2);
  EXPECT_EQ(core.eip(), kMcHandler);
  EXPECT_EQ(core.gpr(reg::esp), 0x8000u - 12) << "EIP, CS, EFLAGS: no error code";
  EXPECT_EQ(frame(0), kScratch + 5) << "EIP of the load";
  EXPECT_EQ(frame(1), 0x08u);
  EXPECT_EQ(frame(2) & ~flag::status, flag::reserved_one);
  EXPECT_EQ(core.gpr(reg::ebx), 0x11111111u);
  EXPECT_EQ(core.msr(mca::IA32_MC0_STATUS), kLoggedMemoryReadError);
  EXPECT_EQ(core.msr(mca::IA32_MC0_ADDR), kFaulty + 0x24u);
  EXPECT_EQ(core.msr(mca::IA32_MC0_MISC), 0u);
  EXPECT_EQ(core.msr(mca::IA32_MCG_STATUS), mca::MCG_STATUS_EIPV | mca::MCG_STATUS_MCIP) << "RIPV=0";
  EXPECT_EQ(core.machine_checks(), 1u);
  EXPECT_EQ(core.fatal_kind(), FatalKind::none);
}

// CR4.MCE=0: the processor enters shutdown (a fatal stop, as a triple
// fault), the error still logged.
TEST_F(McaFixture, ReadErrorWithCr4MceClearShutsDown) {
  at_scratch(Asm().load_ebx(kFaulty + 8));
  EXPECT_EQ(core.step(), StepStatus::fatal);
  EXPECT_EQ(core.fatal_kind(), FatalKind::cpu);
  EXPECT_TRUE(core.machine_check_shutdown());
  EXPECT_FALSE(core.triple_faulted());
  EXPECT_EQ(core.fatal_message().rfind("machine check: uncorrected memory read error at physical address 0x00030008 "
                                       "at EIP=0x00001800: shutdown (CR4.MCE=0",
                                       0),
            0u)
      << core.fatal_message();
  EXPECT_EQ(core.eip(), kScratch);
  EXPECT_EQ(core.msr(mca::IA32_MC0_STATUS), kLoggedMemoryReadError);
  EXPECT_EQ(core.msr(mca::IA32_MC0_ADDR), kFaulty + 8u);
  EXPECT_EQ(core.step(), StepStatus::fatal) << "stays stopped";
}

// A second machine check while MCG_STATUS.MCIP is set (the #MC handler
// itself meets an error): shutdown. The first error stays logged (an
// uncorrected error is not written over), with OVER set.
TEST_F(McaFixture, ReadErrorWhileMcipIsSetShutsDown) {
  enable_mce();
  const Asm handler = Asm().load_ebx(kFaulty + 0x40);
  std::copy(handler.b.begin(), handler.b.end(), bus.mem.begin() + kMcHandler);
  at_scratch(Asm().load_ebx(kFaulty));
  steps(1);
  ASSERT_EQ(core.eip(), kMcHandler);
  EXPECT_EQ(core.step(), StepStatus::fatal);
  EXPECT_TRUE(core.machine_check_shutdown());
  EXPECT_NE(core.fatal_message().find("at physical address 0x00030040 at EIP=0x00005100: shutdown "
                                      "(IA32_MCG_STATUS.MCIP=1"),
            std::string::npos)
      << core.fatal_message();
  EXPECT_EQ(core.msr(mca::IA32_MC0_STATUS), kLoggedMemoryReadError | mca::MCi_STATUS_OVER);
  EXPECT_EQ(core.msr(mca::IA32_MC0_ADDR), kFaulty + 0u) << "the first error is kept";
  EXPECT_EQ(core.machine_checks(), 2u);
}

// A handler that clears MCIP (and not the bank) and meets a second error
// gets a second #MC; the bank keeps the first error and says OVER.
TEST_F(McaFixture, SecondErrorAfterMcipIsClearedIsAnotherMc) {
  enable_mce();
  // xor eax, eax; xor edx, edx; mov ecx, IA32_MCG_STATUS; wrmsr; mov ebx, [kFaulty + 0x40]
  const Asm handler = Asm().bytes({0x31, 0xC0, 0x31, 0xD2}).mov_ecx(mca::IA32_MCG_STATUS).wrmsr().load_ebx(kFaulty + 0x40);
  std::copy(handler.b.begin(), handler.b.end(), bus.mem.begin() + kMcHandler);
  at_scratch(Asm().load_ebx(kFaulty));
  steps(1);
  ASSERT_EQ(core.eip(), kMcHandler);
  steps(5);
  EXPECT_EQ(core.eip(), kMcHandler);
  EXPECT_EQ(frame(0), kMcHandler + 11) << "EIP of the handler's load";
  EXPECT_EQ(core.msr(mca::IA32_MC0_STATUS), kLoggedMemoryReadError | mca::MCi_STATUS_OVER);
  EXPECT_EQ(core.msr(mca::IA32_MC0_ADDR), kFaulty + 0u);
  EXPECT_EQ(core.msr(mca::IA32_MCG_STATUS), mca::MCG_STATUS_EIPV | mca::MCG_STATUS_MCIP);
  EXPECT_EQ(core.machine_checks(), 2u);
}

// IA32_MC0_CTL.EE00 = 0: the error is logged (EN=0) but not signalled; the
// load completes with all ones and MCG_STATUS is untouched.
TEST_F(McaFixture, ErrorWithSignallingDisabledIsLoggedOnly) {
  enable_mce();
  ASSERT_FALSE(wrmsr_is_gp(mca::IA32_MC0_CTL, 0));
  at_scratch(Asm().load_ebx(kFaulty + 4).hlt());
  steps(1);
  EXPECT_EQ(core.eip(), kScratch + 6);
  EXPECT_EQ(core.gpr(reg::ebx), 0xFFFFFFFFu);
  EXPECT_EQ(core.msr(mca::IA32_MC0_STATUS), kLoggedMemoryReadError & ~mca::MCi_STATUS_EN);
  EXPECT_EQ(core.msr(mca::IA32_MC0_ADDR), kFaulty + 4u);
  EXPECT_EQ(core.msr(mca::IA32_MCG_STATUS), 0u);
  EXPECT_EQ(core.machine_checks(), 1u);
}

// A corrected error (MachineCheckExtension::uncorrected = false) is logged
// with UC=0 and PCC=0 and never signalled; a later uncorrected error is
// written over it (OVER set).
TEST_F(McaFixture, CorrectedErrorIsLoggedOnlyAndOverwrittenByAnUncorrectedOne) {
  enable_mce();
  bus.mc_uncorrected = false;
  at_scratch(Asm().load_ebx(kFaulty + 4).hlt());
  steps(1);
  EXPECT_EQ(core.eip(), kScratch + 6);
  EXPECT_EQ(core.msr(mca::IA32_MC0_STATUS),
            kLoggedMemoryReadError & ~(mca::MCi_STATUS_UC | mca::MCi_STATUS_PCC));
  bus.mc_uncorrected = true;
  at_scratch(Asm().load_ebx(kFaulty + 8));
  steps(1);
  EXPECT_EQ(core.eip(), kMcHandler);
  EXPECT_EQ(core.msr(mca::IA32_MC0_STATUS), kLoggedMemoryReadError | mca::MCi_STATUS_OVER);
  EXPECT_EQ(core.msr(mca::IA32_MC0_ADDR), kFaulty + 8u);
}

// An instruction fetch that meets the error: #MC with the EIP of the
// instruction that could not be fetched.
TEST_F(McaFixture, FetchErrorRaisesMcAtTheUnfetchedInstruction) {
  enable_mce();
  at_scratch(Asm().jmp_to(kScratch, kFaulty + 0x10));
  steps(2);  // the jump, then the fetch at the target
  EXPECT_EQ(core.eip(), kMcHandler);
  EXPECT_EQ(frame(0), kFaulty + 0x10);
  EXPECT_EQ(core.msr(mca::IA32_MC0_ADDR), kFaulty + 0x10u) << "the dword fetched";
  EXPECT_EQ(core.msr(mca::IA32_MC0_STATUS), kLoggedMemoryReadError);
}

// The read of a locked read-modify-write meets the error: nothing is
// written, #MC at the instruction.
TEST_F(McaFixture, LockedReadModifyWriteReadErrorWritesNothing) {
  enable_mce();
  bus.wr32(kFaulty + 0x20, 0x1234);
  // mov eax, 5; lock xadd [kFaulty + 0x20], eax
  at_scratch(Asm().mov_eax(5).bytes({0xF0, 0x0F, 0xC1, 0x05}).u32(kFaulty + 0x20));
  steps(2);
  EXPECT_EQ(core.eip(), kMcHandler);
  EXPECT_EQ(frame(0), kScratch + 5);
  EXPECT_EQ(bus.rd32(kFaulty + 0x20), 0x1234u);
  EXPECT_EQ(core.gpr(reg::eax), 5u);
  EXPECT_EQ(core.msr(mca::IA32_MC0_ADDR), kFaulty + 0x20u);
}

// A page-table read (the walk of the load's TLB miss) that meets the error
// is a machine check of the load.
TEST_F(PagingFixture, PageTableReadErrorIsAMachineCheckOfTheAccess) {
  gate(18, 0x5100);
  bus.mem[0x5100] = 0xF4;
  bus.wr32(0x20004, kFaulty | 7);  // PDE 1 (linear 4-8 MiB): its page table is in the faulty page
  bus.arm_machine_check(core, kFaultyPage);
  // mov eax, CR4.MCE; mov cr4, eax; mov ebx, [0x400010]
  paging_boot({0xB8, 0x40, 0x00, 0x00, 0x00, 0x0F, 0x22, 0xE0, 0x8B, 0x1D, 0x10, 0x00, 0x40, 0x00});
  steps(3);
  EXPECT_EQ(core.eip(), 0x5100u);
  EXPECT_EQ(frame(0), 0x1200u + 19 + 8) << "EIP of the load";
  EXPECT_EQ(core.msr(mca::IA32_MC0_ADDR), kFaulty + 0u) << "the PTE of linear 0x400010";
  EXPECT_EQ(core.msr(mca::IA32_MC0_STATUS), kLoggedMemoryReadError);
  EXPECT_EQ(core.cr(2), 0u) << "not a page fault";
}

// ---- the SystemC wrapper ------------------------------------------------------

struct TinyMemory : sc_core::sc_module {
  tlm_utils::simple_target_socket<TinyMemory> socket{"socket"};
  std::vector<uint8_t> mem = std::vector<uint8_t>(64 * 1024, 0);
  unsigned transactions = 0;
  // syncs: b_transport first synchronises the initiator, as a multi-master
  // bus does before arbitration: wait(delay), then delay = 0.
  bool syncs = false;
  std::vector<sc_core::sc_time> seen;  // the initiator's "now" at each access
  explicit TinyMemory(sc_core::sc_module_name n) : sc_module(n) {
    socket.register_b_transport(this, &TinyMemory::b_transport);
  }
  // GDT at 0x800 (flat code 0x08, data 0x10) and an IDT at 0x900 whose
  // vector 0x20 is an interrupt gate to 0x300.
  void flat_gdt_and_idt_gate_0x20() {
    auto wr32 = [&](uint32_t a, uint32_t v) { std::memcpy(&mem[a], &v, 4); };
    wr32(0x808, 0x0000FFFF);
    wr32(0x80C, 0x00CF9A00);
    wr32(0x810, 0x0000FFFF);
    wr32(0x814, 0x00CF9200);
    wr32(0x900 + 0x20 * 8, (0x08u << 16) | 0x300);
    wr32(0x904 + 0x20 * 8, 0x8E00);
  }
  // Reads in [error_lo, error_hi) answer TLM_GENERIC_ERROR_RESPONSE, with
  // a MachineCheckExtension (allocated: the transaction's, as
  // core/machine_check.h says) when error_reports_mce.
  uint64_t error_lo = 0, error_hi = 0;
  bool error_reports_mce = true;
  unsigned errors = 0;
  unsigned stale_extensions = 0;  // transactions that arrived still carrying an extension
  void b_transport(tlm::tlm_generic_payload& p, sc_core::sc_time& delay) {
    ++transactions;
    if (p.get_extension<MachineCheckExtension>()) ++stale_extensions;
    if (p.is_read() && p.get_address() >= error_lo && p.get_address() < error_hi) {
      ++errors;
      if (error_reports_mce) {
        auto* mce = new MachineCheckExtension;
        mce->address = p.get_address();
        delete p.set_extension(mce);  // one left from an earlier transaction is freed
      }
      p.set_response_status(tlm::TLM_GENERIC_ERROR_RESPONSE);
      return;
    }
    seen.push_back(sc_core::sc_time_stamp() + delay);
    if (syncs) {
      wait(delay);
      delay = sc_core::SC_ZERO_TIME;
    }
    const uint64_t a = p.get_address();
    if (a + p.get_data_length() > mem.size()) {
      p.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
      return;
    }
    if (p.is_read()) std::memcpy(p.get_data_ptr(), &mem[a], p.get_data_length());
    else std::memcpy(&mem[a], p.get_data_ptr(), p.get_data_length());
    delay += sc_core::sc_time(10, sc_core::SC_NS);
    p.set_response_status(tlm::TLM_OK_RESPONSE);
  }
};

struct IoSink : sc_core::sc_module {
  tlm_utils::simple_target_socket<IoSink> socket{"socket"};
  std::vector<std::pair<uint64_t, uint8_t>> writes;
  bool saw_io_extension = true;
  std::function<void(uint64_t port)> on_write;  // after a write is recorded
  explicit IoSink(sc_core::sc_module_name n) : sc_module(n) { socket.register_b_transport(this, &IoSink::b_transport); }
  void b_transport(tlm::tlm_generic_payload& p, sc_core::sc_time&) {
    if (address_space_of(p) != AddressSpace::io) saw_io_extension = false;
    if (p.is_write()) writes.emplace_back(p.get_address(), *p.get_data_ptr());
    if (p.is_write() && on_write) on_write(p.get_address());
    else std::memset(p.get_data_ptr(), 0, p.get_data_length());
    p.set_response_status(tlm::TLM_OK_RESPONSE);
  }
};

TEST(CpuModule, RunsCodeThroughTlmInAccurateMode) {
  ConfigStore::instance().set("cpu.mode", "accurate", "test");
  TinyMemory ram("ram");
  IoSink io("io");
  Cpu cpu("cpu");
  sc_core::sc_signal<bool> intr{"intr_line"};
  cpu.mem.bind(ram.socket);
  cpu.io.bind(io.socket);
  cpu.intr.bind(intr);
  // mov ecx, 3; loop: mov al, 'A'; out 0xE9, al; dec ecx; jnz loop; hlt
  const uint8_t code[] = {0xB9, 0x03, 0x00, 0x00, 0x00, 0xB0, 0x41, 0xE6, 0xE9, 0x49, 0x75, 0xF9, 0xF4};
  std::memcpy(&ram.mem[0x100], code, sizeof code);
  cpu.set_entry_state(0x100, 0x2BADB002, 0);
  sc_core::sc_start(sc_core::sc_time(10, sc_core::SC_US));
  EXPECT_TRUE(cpu.halted.read());
  EXPECT_FALSE(cpu.interrupt_flag.read());
  EXPECT_EQ(cpu.instructions(), 1u + 3 * 4 + 1);
  EXPECT_GT(cpu.cycles(), cpu.instructions());
  EXPECT_GT(cpu.halted_cycles(), 0u);
  ASSERT_EQ(io.writes.size(), 3u);
  EXPECT_EQ(io.writes[0], (std::pair<uint64_t, uint8_t>{0xE9, 'A'}));
  EXPECT_TRUE(io.saw_io_extension);
  EXPECT_GT(ram.transactions, 13u);  // every fetch crossed the bus
  EXPECT_FALSE(cpu.fast_mode());
  EXPECT_EQ(StatsRegistry::instance().value("cpu.instructions"), static_cast<double>(cpu.instructions()));
  EXPECT_FALSE(sim_outcome().has_value());
}

TEST(CpuModule, FetchFromUnmappedStopsWithBusFatal) {
  TinyMemory ram("ram");
  IoSink io("io");
  Cpu cpu("cpu");
  sc_core::sc_signal<bool> intr{"intr_line"};
  cpu.mem.bind(ram.socket);
  cpu.io.bind(io.socket);
  cpu.intr.bind(intr);
  const uint8_t code[] = {0xE9, 0x00, 0x00, 0x10, 0x00};  // jmp far beyond the RAM
  std::memcpy(&ram.mem[0x100], code, sizeof code);
  cpu.set_entry_state(0x100, 0, 0);
  sc_core::sc_start(sc_core::sc_time(10, sc_core::SC_US));
  ASSERT_TRUE(sim_outcome().has_value());
  EXPECT_EQ(sim_outcome()->reason, StopReason::bus_fatal);
  EXPECT_EQ(sim_outcome()->exit_code, exit_status::bus_fatal);
  EXPECT_NE(sim_outcome()->message.find("instruction fetch from unmapped address"), std::string::npos)
      << sim_outcome()->message;
}

// A guest reading 200 distinct unmapped addresses: one warning for each of
// the first 64, then one saying the rest are not shown (issue 18: a sweep of
// unmapped memory grew stderr without bound).
TEST(CpuModule, UnmappedAccessWarningsStopAfterTheFirst64Addresses) {
  sc_core::sc_report_handler::set_actions(sc_core::SC_WARNING, sc_core::SC_DO_NOTHING);
  TinyMemory ram("ram");
  IoSink io("io");
  Cpu cpu("cpu");
  sc_core::sc_signal<bool> intr{"intr_line"};
  cpu.mem.bind(ram.socket);
  cpu.io.bind(io.socket);
  cpu.intr.bind(intr);
  // mov esi, 0x200000; mov ecx, 200; l: mov eax, [esi]; add esi, 0x1000; dec ecx; jnz l; hlt
  const uint8_t code[] = {0xBE, 0x00, 0x00, 0x20, 0x00, 0xB9, 0xC8, 0x00, 0x00, 0x00, 0x8B, 0x06,
                          0x81, 0xC6, 0x00, 0x10, 0x00, 0x00, 0x49, 0x75, 0xF5, 0xF4};
  std::memcpy(&ram.mem[0x100], code, sizeof code);
  cpu.set_entry_state(0x100, 0x2BADB002, 0);
  const int before = sc_core::sc_report_handler::get_count(sc_core::SC_WARNING);
  sc_core::sc_start(sc_core::sc_time(1, sc_core::SC_MS));
  EXPECT_TRUE(cpu.halted.read());
  EXPECT_EQ(sc_core::sc_report_handler::get_count(sc_core::SC_WARNING) - before, 64 + 1);
}

// An I/O write that stops the run (the exit port) is the last thing the CPU
// does, in every mode (issue 18: fast mode printed and stored after it).
namespace {
void exit_then_more(const char* mode, bool jit) {
  reset_sim_outcome();
  ConfigStore::instance().set("cpu.mode", mode, "test");
  ConfigStore::instance().set("cpu.jit", jit ? "true" : "false", "test");
  TinyMemory ram("ram");
  IoSink io("io");
  io.on_write = [](uint64_t port) {
    if (port == 0xF4) request_stop(StopReason::firmware_exit, 0, "");
  };
  Cpu cpu("cpu");
  sc_core::sc_signal<bool> intr{"intr_line"};
  cpu.mem.bind(ram.socket);
  cpu.io.bind(io.socket);
  cpu.intr.bind(intr);
  // 40 times round a loop that prints 'A' (so the block is hot and
  // translated), then: mov al, 0; out 0xF4, al; mov al, 'B'; out 0xE9, al;
  // mov [0x500], eax; hlt
  const uint8_t code[] = {0xB9, 0x28, 0x00, 0x00, 0x00, 0xB0, 0x41, 0xE6, 0xE9, 0x49, 0x75, 0xF9,
                          0xB0, 0x00, 0xE6, 0xF4, 0xB0, 0x42, 0xE6, 0xE9, 0xA3, 0x00, 0x05, 0x00, 0x00, 0xF4};
  std::memcpy(&ram.mem[0x100], code, sizeof code);
  cpu.set_entry_state(0x100, 0x2BADB002, 0);
  sc_core::sc_start(sc_core::sc_time(1, sc_core::SC_MS));
  ASSERT_TRUE(sim_outcome().has_value());
  EXPECT_EQ(io.writes.back(), (std::pair<uint64_t, uint8_t>{0xF4, 0})) << "nothing written after the exit port";
  EXPECT_EQ(ram.mem[0x500], 0) << "no store after the exit port";
  EXPECT_EQ(cpu.instructions(), 1u + 40 * 4 + 2) << "the OUT to 0xF4 is the last instruction counted";
}
}  // namespace

TEST(CpuModule, ExitPortStopsAtTheWriteInFastMode) { exit_then_more("fast", true); }
TEST(CpuModule, ExitPortStopsAtTheWriteInFastModeInterpreted) { exit_then_more("fast", false); }
TEST(CpuModule, ExitPortStopsAtTheWriteInAccurateMode) { exit_then_more("accurate", false); }

TEST(CpuModule, BusWaitInsideBTransportKeepsLocalTime) {
  ConfigStore::instance().set("cpu_a.mode", "accurate", "test");
  ConfigStore::instance().set("cpu_b.mode", "accurate", "test");
  TinyMemory ram_a("ram_a"), ram_b("ram_b");
  ram_b.syncs = true;
  IoSink io_a("io_a"), io_b("io_b");
  Cpu a("cpu_a"), b("cpu_b");
  sc_core::sc_signal<bool> intr_a{"intr_a"}, intr_b{"intr_b"};
  a.mem.bind(ram_a.socket);
  a.io.bind(io_a.socket);
  a.intr.bind(intr_a);
  b.mem.bind(ram_b.socket);
  b.io.bind(io_b.socket);
  b.intr.bind(intr_b);
  // mov ecx, 20; loop: mov [0x400], ecx; dec ecx; jnz loop; hlt
  const uint8_t code[] = {0xB9, 0x14, 0x00, 0x00, 0x00, 0x89, 0x0D, 0x00, 0x04, 0x00, 0x00, 0x49, 0x75, 0xF7, 0xF4};
  std::memcpy(&ram_a.mem[0x100], code, sizeof code);
  std::memcpy(&ram_b.mem[0x100], code, sizeof code);
  a.set_entry_state(0x100, 0, 0);
  b.set_entry_state(0x100, 0, 0);
  sc_core::sc_start(sc_core::sc_time(20, sc_core::SC_US));
  ASSERT_TRUE(a.halted.read() && b.halted.read());
  ASSERT_GT(ram_a.seen.size(), 60u);
  // The same accesses happen at the same times whether or not the target
  // made the CPU wait: the local time after the call is the returned delay.
  EXPECT_EQ(ram_a.seen, ram_b.seen);
  EXPECT_EQ(a.cycles() - a.halted_cycles(), b.cycles() - b.halted_cycles());
}

// An interrupt controller that lowers its INT output two delta cycles after
// INTA, as the 8259A model does (notify -> method -> signal update).
struct DeltaController : sc_core::sc_module, InterruptAcknowledgeIf {
  sc_core::sc_signal<bool, sc_core::SC_MANY_WRITERS> line{"line"};
  sc_core::sc_event lower;
  int acks = 0;
  SC_HAS_PROCESS(DeltaController);
  explicit DeltaController(sc_core::sc_module_name n) : sc_module(n) {
    SC_THREAD(raise);
    SC_METHOD(on_lower);
    sensitive << lower;
    dont_initialize();
  }
  void raise() {
    wait(sc_core::sc_time(2, sc_core::SC_US));
    line.write(true);
  }
  void on_lower() { line.write(false); }
  int acknowledge() override {
    ++acks;
    lower.notify(sc_core::SC_ZERO_TIME);
    return 0x20;
  }
};

TEST(CpuModule, IntrIsResampledAfterAcknowledgeNoSpuriousInta) {
  TinyMemory ram("ram");
  IoSink io("io");
  Cpu cpu("cpu");
  DeltaController pic("pic");
  cpu.mem.bind(ram.socket);
  cpu.io.bind(io.socket);
  cpu.intr.bind(pic.line);
  cpu.inta.bind(pic);
  auto wr32 = [&](uint32_t a, uint32_t v) { std::memcpy(&ram.mem[a], &v, 4); };
  ram.flat_gdt_and_idt_gate_0x20();
  ram.mem[0x300] = 0xCF;  // the handler IRETs at once, well inside one quantum
  ram.mem[0xA00] = 0x17; wr32(0xA02, 0x800);
  ram.mem[0xA10] = 0x07; ram.mem[0xA11] = 0x01; wr32(0xA12, 0x900);
  // lgdt [0xA00]; lidt [0xA10]; sti; jmp $
  const uint8_t code[] = {0x0F, 0x01, 0x15, 0x00, 0x0A, 0x00, 0x00, 0x0F, 0x01, 0x1D, 0x10, 0x0A, 0x00, 0x00, 0xFB, 0xEB, 0xFE};
  std::memcpy(&ram.mem[0x100], code, sizeof code);
  cpu.set_entry_state(0x100, 0, 0);
  sc_core::sc_start(sc_core::sc_time(20, sc_core::SC_US));
  EXPECT_EQ(pic.acks, 1);
  EXPECT_TRUE(cpu.interrupt_flag.read());
}

// A device that raises INTR in a delta cycle after an OUT to port 0x80 (as a
// controller does: notify -> method -> signal); other ports do nothing.
struct OutRaisesIntr : sc_core::sc_module {
  sc_core::sc_signal<bool, sc_core::SC_MANY_WRITERS> line{"line"};
  sc_core::sc_event raise_ev;
  int acks = 0;
  SC_HAS_PROCESS(OutRaisesIntr);
  explicit OutRaisesIntr(sc_core::sc_module_name n) : sc_module(n) {
    SC_METHOD(on_raise);
    sensitive << raise_ev;
    dont_initialize();
  }
  void on_raise() { line.write(true); }
};

struct LowerOnAck : InterruptAcknowledgeIf {
  OutRaisesIntr* dev = nullptr;
  int acknowledge() override {
    ++dev->acks;
    dev->line.write(false);
    return 0x20;
  }
};

// After an OUT the CPU samples INTR again once the controllers settled: an
// interrupt the OUT raises (in a delta) is taken right after the OUT, in
// every mode; an OUT that changes nothing costs no return to the CPU
// thread's loop (the re-sample is done in place), with the same result.
void out_raises_interrupt(const char* mode, bool jit) {
  reset_sim_outcome();
  ConfigStore::instance().set("cpu.mode", mode, "test");
  ConfigStore::instance().set("cpu.jit", jit ? "true" : "false", "test");
  TinyMemory ram("ram");
  IoSink io("io");
  OutRaisesIntr dev("dev");
  LowerOnAck ack;
  ack.dev = &dev;
  io.on_write = [&dev](uint64_t port) {
    if (port == 0x80) dev.raise_ev.notify(sc_core::SC_ZERO_TIME);
  };
  Cpu cpu("cpu");
  cpu.mem.bind(ram.socket);
  cpu.io.bind(io.socket);
  cpu.intr.bind(dev.line);
  cpu.inta.bind(ack);
  auto wr32 = [&](uint32_t a, uint32_t v) { std::memcpy(&ram.mem[a], &v, 4); };
  ram.flat_gdt_and_idt_gate_0x20();
  // handler: mov [0x600], ebx; hlt
  const uint8_t handler[] = {0x89, 0x1D, 0x00, 0x06, 0x00, 0x00, 0xF4};
  std::memcpy(&ram.mem[0x300], handler, sizeof handler);
  ram.mem[0xC00] = 0x17; wr32(0xC02, 0x800);
  ram.mem[0xC10] = 0x07; ram.mem[0xC11] = 0x01; wr32(0xC12, 0x900);
  // lgdt [0xC00]; lidt [0xC10]; sti; mov ecx, 40; loop: out 0xE9, al; inc ebx;
  // dec ecx; jnz loop; out 0x80, al; inc ebx; inc ebx; jmp $
  const uint8_t code[] = {0x0F, 0x01, 0x15, 0x00, 0x0C, 0x00, 0x00, 0x0F, 0x01, 0x1D, 0x10, 0x0C, 0x00, 0x00, 0xFB,
                          0xB9, 0x28, 0x00, 0x00, 0x00, 0xE6, 0xE9, 0x43, 0x49, 0x75, 0xFA,
                          0xE6, 0x80, 0x43, 0x43, 0xEB, 0xFE};
  std::memcpy(&ram.mem[0x100], code, sizeof code);
  cpu.set_entry_state(0x100, 0, 0);
  cpu.core().set_gpr(reg::esp, 0x8000);
  sc_core::sc_start(sc_core::sc_time(50, sc_core::SC_US));
  if (sim_outcome()) ADD_FAILURE() << "stopped: " << sim_outcome()->message;
  EXPECT_EQ(dev.acks, 1);
  uint32_t ebx_at_isr = 0;
  std::memcpy(&ebx_at_isr, &ram.mem[0x600], 4);
  EXPECT_EQ(ebx_at_isr, 40u) << "the interrupt came right after the OUT that raised it";
  EXPECT_EQ(io.writes.size(), 41u);
  if (std::string(mode) == "fast") {
    EXPECT_GT(cpu.resamples_in_place(), 0u) << "OUTs to 0xE9 change nothing";
  }
}

TEST(CpuModule, OutThatRaisesIntrIsFollowedByTheInterruptInFastMode) { out_raises_interrupt("fast", true); }
TEST(CpuModule, OutThatRaisesIntrIsFollowedByTheInterruptInFastModeInterpreted) { out_raises_interrupt("fast", false); }
TEST(CpuModule, OutThatRaisesIntrIsFollowedByTheInterruptInAccurateMode) { out_raises_interrupt("accurate", false); }

// An NMI source that behaves like the local APIC's nmi output: raised at
// the given times, held until the CPU acknowledges, lowered one delta later.
struct NmiSource : sc_core::sc_module {
  sc_core::sc_signal<bool, sc_core::SC_MANY_WRITERS> line{"line"};
  sc_core::sc_event lower;
  std::vector<sc_core::sc_time> at;
  int acks = 0;
  SC_HAS_PROCESS(NmiSource);
  explicit NmiSource(sc_core::sc_module_name n) : sc_module(n) {
    SC_THREAD(raise);
    SC_METHOD(on_lower);
    sensitive << lower;
    dont_initialize();
  }
  void raise() {
    sc_core::sc_time now = sc_core::SC_ZERO_TIME;
    for (const auto& t : at) {
      wait(t - now);
      now = t;
      line.write(true);
    }
  }
  void on_lower() { line.write(false); }
  void acknowledge() {
    ++acks;
    lower.notify(sc_core::SC_ZERO_TIME);
  }
};

TEST(CpuModule, NmiPinWakesHaltedCpuAndIsAcknowledged) {
  TinyMemory ram("ram");
  IoSink io("io");
  Cpu cpu("cpu");
  NmiSource src("nmi_src");
  src.at = {sc_core::sc_time(2, sc_core::SC_US), sc_core::sc_time(6, sc_core::SC_US)};
  sc_core::sc_signal<bool> intr{"intr_line"};
  cpu.mem.bind(ram.socket);
  cpu.io.bind(io.socket);
  cpu.intr.bind(intr);
  cpu.nmi.bind(src.line);
  cpu.on_nmi_acknowledge = [&] { src.acknowledge(); };
  auto wr32 = [&](uint32_t a, uint32_t v) { std::memcpy(&ram.mem[a], &v, 4); };
  wr32(0x808, 0x0000FFFF);  // GDT at 0x800: flat code 0x08, data 0x10
  wr32(0x80C, 0x00CF9A00);
  wr32(0x810, 0x0000FFFF);
  wr32(0x814, 0x00CF9200);
  wr32(0x900 + 2 * 8, (0x08u << 16) | 0x300);  // IDT at 0x900: vector 2 -> 0x300
  wr32(0x904 + 2 * 8, 0x8E00);
  ram.mem[0x300] = 0xE6;  // out 0x80, al; iret
  ram.mem[0x301] = 0x80;
  ram.mem[0x302] = 0xCF;
  ram.mem[0xA00] = 0x17; wr32(0xA02, 0x800);
  ram.mem[0xA10] = 0x17; ram.mem[0xA11] = 0x00; wr32(0xA12, 0x900);
  // lgdt [0xA00]; lidt [0xA10]; mov esp,0x8000; cli; hlt; hlt; jmp $
  const uint8_t code[] = {0x0F, 0x01, 0x15, 0x00, 0x0A, 0x00, 0x00, 0x0F, 0x01, 0x1D, 0x10, 0x0A, 0x00, 0x00,
                          0xBC, 0x00, 0x80, 0x00, 0x00, 0xFA, 0xF4, 0xF4, 0xEB, 0xFE};
  std::memcpy(&ram.mem[0x100], code, sizeof code);
  cpu.set_entry_state(0x100, 0, 0);
  sc_core::sc_start(sc_core::sc_time(4, sc_core::SC_US));
  EXPECT_EQ(io.writes.size(), 1u);  // the first NMI woke the first HLT
  EXPECT_TRUE(cpu.halted.read());   // back in the second HLT
  EXPECT_EQ(src.acks, 1);
  EXPECT_FALSE(src.line.read());
  sc_core::sc_start(sc_core::sc_time(6, sc_core::SC_US));
  EXPECT_EQ(io.writes.size(), 2u);
  EXPECT_FALSE(cpu.halted.read());  // in jmp $
  EXPECT_EQ(src.acks, 2);
  EXPECT_FALSE(cpu.interrupt_flag.read());
  EXPECT_FALSE(sim_outcome().has_value());
}

// ---- machine check through TLM (core/machine_check.h) -------------------------

// The platform's shape of a memory error: a read of RAM at 0xC000..0xCFFF
// answers TLM_GENERIC_ERROR_RESPONSE with a MachineCheckExtension.
// Boots (GDT at 0x800, IDT at 0x900 with #MC -> 0x300: hlt), optionally
// sets CR4.MCE, then runs `body` from 0x120. Returns after 20 us.
struct McaRun {
  TinyMemory ram{"ram"};
  IoSink io{"io"};
  Cpu cpu{"cpu"};
  sc_core::sc_signal<bool> intr{"intr_line"};
  explicit McaRun(const char* mode) : cpu((ConfigStore::instance().set("cpu.mode", mode, "test"), "cpu")) {}
  void run(bool mce, std::initializer_list<uint8_t> body, bool reports_mce = true) {
    reset_sim_outcome();
    cpu.mem.bind(ram.socket);
    cpu.io.bind(io.socket);
    cpu.intr.bind(intr);
    ram.error_lo = 0xC000;
    ram.error_hi = 0xD000;
    ram.error_reports_mce = reports_mce;
    ram.flat_gdt_and_idt_gate_0x20();
    auto wr32 = [&](uint32_t a, uint32_t v) { std::memcpy(&ram.mem[a], &v, 4); };
    wr32(0x900 + 18 * 8, (0x08u << 16) | 0x300);
    wr32(0x904 + 18 * 8, 0x8E00);
    ram.mem[0x300] = 0xF4;
    ram.mem[0xA00] = 0x17; wr32(0xA02, 0x800);
    ram.mem[0xA10] = 0xFF; ram.mem[0xA11] = 0x00; wr32(0xA12, 0x900);
    // lgdt [0xA00]; lidt [0xA10]; mov esp, 0x8000; mov eax, CR4.MCE or 0; mov cr4, eax; jmp 0x120
    const uint8_t boot[] = {0x0F, 0x01, 0x15, 0x00, 0x0A, 0x00, 0x00, 0x0F, 0x01, 0x1D, 0x10, 0x0A, 0x00, 0x00,
                            0xBC, 0x00, 0x80, 0x00, 0x00, 0xB8, static_cast<uint8_t>(mce ? 0x40 : 0), 0x00, 0x00, 0x00,
                            0x0F, 0x22, 0xE0, 0xE9, 0x00, 0x00, 0x00, 0x00};
    std::memcpy(&ram.mem[0x100], boot, sizeof boot);
    const uint32_t rel = 0x120 - (0x100 + sizeof boot);
    std::memcpy(&ram.mem[0x100 + sizeof boot - 4], &rel, 4);
    std::copy(body.begin(), body.end(), ram.mem.begin() + 0x120);
    cpu.set_entry_state(0x100, 0, 0);
    sc_core::sc_start(sc_core::sc_time(20, sc_core::SC_US));
  }
  uint32_t stack(unsigned i) const {
    uint32_t v;
    std::memcpy(&v, &ram.mem[cpu.core().gpr(reg::esp) + 4 * i], 4);
    return v;
  }
};

void machine_check_is_delivered(const char* mode) {
  McaRun t(mode);
  t.run(true, {0xBB, 0x11, 0x11, 0x11, 0x11, 0x8B, 0x1D, 0x24, 0xC0, 0x00, 0x00, 0xF4});  // mov ebx, 0x11111111; mov ebx, [0xC024]; hlt
  EXPECT_FALSE(sim_outcome().has_value()) << sim_outcome()->message;
  EXPECT_TRUE(t.cpu.halted.read());
  EXPECT_EQ(t.cpu.core().eip(), 0x301u) << "in the #MC handler";
  EXPECT_EQ(t.cpu.core().gpr(reg::esp), 0x8000u - 12) << "no error code";
  EXPECT_EQ(t.stack(0), 0x125u) << "EIP of the load";
  EXPECT_EQ(t.cpu.core().gpr(reg::ebx), 0x11111111u);
  EXPECT_EQ(t.cpu.core().msr(mca::IA32_MC0_STATUS), kLoggedMemoryReadError);
  EXPECT_EQ(t.cpu.core().msr(mca::IA32_MC0_ADDR), 0xC024u);
  EXPECT_EQ(t.cpu.core().msr(mca::IA32_MCG_STATUS), mca::MCG_STATUS_EIPV | mca::MCG_STATUS_MCIP);
  EXPECT_EQ(StatsRegistry::instance().value("cpu.machine_checks"), 1.0);
  EXPECT_EQ(t.ram.errors, 1u) << "the failed read is not tried again";
  EXPECT_EQ(t.ram.stale_extensions, 0u) << "the CPU took the extension off its payload";
}

TEST(CpuModule, MachineCheckFromTheBusIsDeliveredAsMcInFastMode) { machine_check_is_delivered("fast"); }
TEST(CpuModule, MachineCheckFromTheBusIsDeliveredAsMcInAccurateMode) { machine_check_is_delivered("accurate"); }

void machine_check_shuts_down(const char* mode) {
  McaRun t(mode);
  t.run(false, {0x8B, 0x1D, 0x00, 0xC0, 0x00, 0x00, 0xF4});  // mov ebx, [0xC000]; hlt
  ASSERT_TRUE(sim_outcome().has_value());
  EXPECT_EQ(sim_outcome()->reason, StopReason::cpu_fatal);
  EXPECT_EQ(sim_outcome()->exit_code, exit_status::cpu_fatal);
  EXPECT_EQ(sim_outcome()->message.rfind("cpu: machine check: uncorrected memory read error at physical address "
                                         "0x0000C000 at EIP=0x00000120: shutdown (CR4.MCE=0",
                                         0),
            0u)
      << sim_outcome()->message;
  EXPECT_EQ(StatsRegistry::instance().value("cpu.machine_checks"), 1.0);
}

TEST(CpuModule, MachineCheckWithCr4MceClearShutsDownInFastMode) { machine_check_shuts_down("fast"); }
TEST(CpuModule, MachineCheckWithCr4MceClearShutsDownInAccurateMode) { machine_check_shuts_down("accurate"); }

void fetch_machine_check(const char* mode) {
  McaRun t(mode);
  t.run(true, {0xE9, 0xDB, 0xBE, 0x00, 0x00});  // jmp 0xC000
  EXPECT_FALSE(sim_outcome().has_value()) << sim_outcome()->message;
  EXPECT_EQ(t.cpu.core().eip(), 0x301u);
  EXPECT_EQ(t.stack(0), 0xC000u) << "EIP of the instruction that could not be fetched";
  EXPECT_EQ(t.cpu.core().msr(mca::IA32_MC0_ADDR), 0xC000u);
  EXPECT_EQ(t.cpu.core().msr(mca::IA32_MC0_STATUS), kLoggedMemoryReadError);
}

TEST(CpuModule, FetchMachineCheckIsDeliveredAsMcInFastMode) { fetch_machine_check("fast"); }
TEST(CpuModule, FetchMachineCheckIsDeliveredAsMcInAccurateMode) { fetch_machine_check("accurate"); }

// A read error without the extension is what it was before: all ones, a
// warning, no machine check.
TEST(CpuModule, ReadErrorWithoutTheExtensionStillReadsAllOnes) {
  sc_core::sc_report_handler::set_actions(sc_core::SC_WARNING, sc_core::SC_DO_NOTHING);
  McaRun t("accurate");
  t.run(true, {0x8B, 0x1D, 0x00, 0xC0, 0x00, 0x00, 0xF4}, /*reports_mce=*/false);  // mov ebx, [0xC000]; hlt
  EXPECT_FALSE(sim_outcome().has_value()) << sim_outcome()->message;
  EXPECT_TRUE(t.cpu.halted.read());
  EXPECT_EQ(t.cpu.core().eip(), 0x127u) << "past the load's hlt, not in a handler";
  EXPECT_EQ(t.cpu.core().gpr(reg::ebx), 0xFFFFFFFFu);
  EXPECT_EQ(t.cpu.core().msr(mca::IA32_MC0_STATUS), 0u);
  EXPECT_EQ(StatsRegistry::instance().value("cpu.machine_checks"), 0.0);
}

}  // namespace
}  // namespace minipc
