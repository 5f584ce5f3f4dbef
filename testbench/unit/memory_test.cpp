// RAM and ROM: contents, latency, DMI and read-only behaviour.
#include <gtest/gtest.h>

#include <tlm_utils/simple_initiator_socket.h>

#include "core/params.h"
#include "memory/memory.h"

using namespace minipc;
using sc_core::sc_time;
using sc_core::SC_NS;

namespace {
struct Poker : sc_core::sc_module {
  tlm_utils::simple_initiator_socket<Poker> socket{"socket"};
  explicit Poker(const sc_core::sc_module_name& n) : sc_module(n) {}
  tlm::tlm_response_status access(tlm::tlm_command cmd, uint64_t addr, void* data, unsigned len, sc_time& delay) {
    tlm::tlm_generic_payload p;
    p.set_command(cmd);
    p.set_address(addr);
    p.set_data_ptr(static_cast<unsigned char*>(data));
    p.set_data_length(len);
    p.set_streaming_width(len);
    socket->b_transport(p, delay);
    return p.get_response_status();
  }
};

struct MemoryTest : ::testing::Test {
  void SetUp() override {
    ConfigStore::instance().clear();
    ConfigStore::instance().set("ram.size", "1M", "test");
    ConfigStore::instance().set("ram.read_latency", "30ns", "test");
    ConfigStore::instance().set("rom.size", "64K", "test");
  }
};
}  // namespace

TEST_F(MemoryTest, ReadBackWhatWasWrittenWithLatency) {
  Memory ram("ram");
  Poker cpu("cpu");
  cpu.socket.bind(ram.port);
  uint32_t v = 0xDEADBEEF, r = 0;
  sc_time d = sc_core::SC_ZERO_TIME;
  EXPECT_EQ(cpu.access(tlm::TLM_WRITE_COMMAND, 0x1000, &v, 4, d), tlm::TLM_OK_RESPONSE);
  EXPECT_EQ(d, sc_time(20, SC_NS));
  d = sc_core::SC_ZERO_TIME;
  EXPECT_EQ(cpu.access(tlm::TLM_READ_COMMAND, 0x1000, &r, 4, d), tlm::TLM_OK_RESPONSE);
  EXPECT_EQ(r, 0xDEADBEEFu);
  EXPECT_EQ(d, sc_time(30, SC_NS));
  EXPECT_EQ(ram.bytes(), 1u << 20);
}

TEST_F(MemoryTest, OutOfRangeIsAddressError) {
  Memory ram("ram");
  Poker cpu("cpu");
  cpu.socket.bind(ram.port);
  uint32_t v = 0;
  sc_time d;
  EXPECT_EQ(cpu.access(tlm::TLM_READ_COMMAND, (1u << 20) - 2, &v, 4, d), tlm::TLM_ADDRESS_ERROR_RESPONSE);
}

TEST_F(MemoryTest, DmiGivesWholeArray) {
  Memory ram("ram");
  Poker cpu("cpu");
  cpu.socket.bind(ram.port);
  tlm::tlm_generic_payload p;
  p.set_address(0x200);
  tlm::tlm_dmi dmi;
  ASSERT_TRUE(cpu.socket->get_direct_mem_ptr(p, dmi));
  EXPECT_EQ(dmi.get_dmi_ptr(), ram.data());
  EXPECT_EQ(dmi.get_end_address(), (1u << 20) - 1);
  EXPECT_TRUE(dmi.is_read_write_allowed());
}

TEST_F(MemoryTest, RomIgnoresWritesAndGrantsReadOnlyDmi) {
  Memory rom("rom", /*read_only=*/true);
  Poker cpu("cpu");
  cpu.socket.bind(rom.port);
  uint8_t v = 0x12, r = 0;
  sc_time d;
  EXPECT_EQ(cpu.access(tlm::TLM_WRITE_COMMAND, 0x10, &v, 1, d), tlm::TLM_COMMAND_ERROR_RESPONSE);
  EXPECT_EQ(cpu.access(tlm::TLM_READ_COMMAND, 0x10, &r, 1, d), tlm::TLM_OK_RESPONSE);
  EXPECT_EQ(r, 0xFF);
  tlm::tlm_generic_payload p;
  tlm::tlm_dmi dmi;
  ASSERT_TRUE(cpu.socket->get_direct_mem_ptr(p, dmi));
  EXPECT_TRUE(dmi.is_read_allowed());
  EXPECT_FALSE(dmi.is_write_allowed());
}

TEST_F(MemoryTest, ZeroSizeIsConfigError) {
  ConfigStore::instance().set("ram.size", "0", "test");
  EXPECT_THROW(Memory("ram"), ConfigError);
}
