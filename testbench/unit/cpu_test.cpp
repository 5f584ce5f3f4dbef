// Unit tests of the IA-32 core (Ia32Core) and its SystemC wrapper (Cpu).
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_target_socket.h>

#include "core/address_space.h"
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
    if (uint64_t{a} + n > mem.size()) return false;
    std::memcpy(d, &mem[a], n);
    return true;
  }
  bool write_mem(uint32_t a, const void* d, unsigned n) override {
    if (uint64_t{a} + n > mem.size()) return false;
    std::memcpy(&mem[a], d, n);
    return true;
  }
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
  uint8_t* direct_ptr(uint32_t a, bool) override { return a < mem.size() ? &mem[a] : nullptr; }
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

// ---- the SystemC wrapper ------------------------------------------------------

struct TinyMemory : sc_core::sc_module {
  tlm_utils::simple_target_socket<TinyMemory> socket{"socket"};
  std::vector<uint8_t> mem = std::vector<uint8_t>(64 * 1024, 0);
  unsigned transactions = 0;
  explicit TinyMemory(sc_core::sc_module_name n) : sc_module(n) {
    socket.register_b_transport(this, &TinyMemory::b_transport);
  }
  void b_transport(tlm::tlm_generic_payload& p, sc_core::sc_time& delay) {
    ++transactions;
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
  explicit IoSink(sc_core::sc_module_name n) : sc_module(n) { socket.register_b_transport(this, &IoSink::b_transport); }
  void b_transport(tlm::tlm_generic_payload& p, sc_core::sc_time&) {
    if (address_space_of(p) != AddressSpace::io) saw_io_extension = false;
    if (p.is_write()) writes.emplace_back(p.get_address(), *p.get_data_ptr());
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

}  // namespace
}  // namespace minipc
