// Register bank: declared registers answer at their offsets with their access
// rights, callbacks and aliasing, as a datasheet's register table says.
#include <gtest/gtest.h>

#include "core/register_bank.h"

using namespace minipc;

namespace {
struct Bank {
  RegisterBank bank{"dev"};
  bool dlab = false;
  Register DATA{bank, "DATA", 0, 1, 0x00, Access::read_write};
  Register DIVISOR{bank, "DIVISOR", 0, 1, 0x0C, Access::read_write};
  Register STATUS{bank, "STATUS", 1, 1, 0x60, Access::read_only};
  Register COMMAND{bank, "COMMAND", 2, 1, 0x00, Access::write_only};
  Register WIDE{bank, "WIDE", 4, 4, 0x12345678, Access::read_write};
  Bank() {
    DATA.selected = [this] { return !dlab; };
    DIVISOR.selected = [this] { return dlab; };
  }
};

uint8_t rd8(RegisterBank& b, uint64_t off, RegisterBank::Result* r = nullptr) {
  uint8_t v = 0xAA;
  auto res = b.read(off, &v, 1);
  if (r) *r = res;
  return v;
}
}  // namespace

TEST(RegisterBank, ResetValuesAreVisible) {
  Bank d;
  EXPECT_EQ(rd8(d.bank, 1), 0x60);
  uint32_t w = 0;
  ASSERT_EQ(d.bank.read(4, reinterpret_cast<uint8_t*>(&w), 4), RegisterBank::Result::ok);
  EXPECT_EQ(w, 0x12345678u);
}

TEST(RegisterBank, SelectedPredicateChoosesAliasedRegister) {
  Bank d;
  uint8_t v = 0x41;
  d.bank.write(0, &v, 1);
  EXPECT_EQ(d.DATA.get(), 0x41u);
  d.dlab = true;
  EXPECT_EQ(rd8(d.bank, 0), 0x0C);
  v = 0x03;
  d.bank.write(0, &v, 1);
  EXPECT_EQ(d.DIVISOR.get(), 0x03u);
  EXPECT_EQ(d.DATA.get(), 0x41u);
}

TEST(RegisterBank, WriteToReadOnlyIsIgnoredAndReported) {
  Bank d;
  uint8_t v = 0xFF;
  EXPECT_EQ(d.bank.write(1, &v, 1), RegisterBank::Result::read_only);
  EXPECT_EQ(d.STATUS.get(), 0x60u);
}

TEST(RegisterBank, ReadOfWriteOnlyReturnsZero) {
  Bank d;
  RegisterBank::Result r;
  EXPECT_EQ(rd8(d.bank, 2, &r), 0);
  EXPECT_EQ(r, RegisterBank::Result::write_only);
}

TEST(RegisterBank, UnmappedOffsetIsReported) {
  Bank d;
  RegisterBank::Result r;
  rd8(d.bank, 3, &r);
  EXPECT_EQ(r, RegisterBank::Result::unmapped);
}

TEST(RegisterBank, NarrowWriteMergesIntoWideRegister) {
  Bank d;
  uint8_t v = 0xAB;
  ASSERT_EQ(d.bank.write(5, &v, 1), RegisterBank::Result::ok);
  EXPECT_EQ(d.WIDE.get(), 0x1234AB78u);
  EXPECT_EQ(rd8(d.bank, 6), 0x34);
}

TEST(RegisterBank, AccessCrossingRegisterEndIsMisaligned) {
  Bank d;
  uint32_t w = 0;
  EXPECT_EQ(d.bank.write(6, reinterpret_cast<uint8_t*>(&w), 4), RegisterBank::Result::misaligned);
}

TEST(RegisterBank, CallbacksSeeMergedValue) {
  Bank d;
  uint64_t seen = 0;
  int reads = 0;
  d.WIDE.on_write = [&](uint64_t v) { seen = v; };
  d.WIDE.on_read = [&] { ++reads; return uint64_t{0xCAFEF00D}; };
  uint8_t v = 0x00;
  d.bank.write(7, &v, 1);
  EXPECT_EQ(seen, 0x00345678u);
  EXPECT_EQ(d.WIDE.get(), 0x12345678u) << "callback owns the store";
  EXPECT_EQ(rd8(d.bank, 4), 0x0D);
  EXPECT_EQ(reads, 1);
}

TEST(RegisterBank, WriteMaskProtectsReservedBits) {
  Bank d;
  d.DATA.write_mask = 0x0F;
  uint8_t v = 0xFF;
  d.bank.write(0, &v, 1);
  EXPECT_EQ(d.DATA.get(), 0x0Fu);
}

TEST(RegisterBank, FieldsExtractNamedBits) {
  Bank d;
  d.STATUS.field("THRE", 5, 1).field("TEMT", 6, 1).field("DR", 0, 1);
  EXPECT_EQ(d.STATUS.get_field("THRE"), 1u);
  EXPECT_EQ(d.STATUS.get_field("DR"), 0u);
  EXPECT_THROW(d.STATUS.get_field("NOPE"), std::out_of_range);
}

TEST(RegisterBank, ResetRestoresDatasheetValues) {
  Bank d;
  d.WIDE.set(0);
  d.bank.reset();
  EXPECT_EQ(d.WIDE.get(), 0x12345678u);
}

TEST(RegisterBank, TransportMapsResultsToTlmResponses) {
  Bank d;
  tlm::tlm_generic_payload p;
  uint8_t v = 0;
  p.set_data_ptr(&v);
  p.set_data_length(1);
  p.set_streaming_width(1);
  p.set_command(tlm::TLM_READ_COMMAND);
  p.set_address(3);
  d.bank.transport(p);
  EXPECT_EQ(p.get_response_status(), tlm::TLM_ADDRESS_ERROR_RESPONSE);
  p.set_address(1);
  d.bank.transport(p);
  EXPECT_EQ(p.get_response_status(), tlm::TLM_OK_RESPONSE);
  EXPECT_EQ(v, 0x60);
}
