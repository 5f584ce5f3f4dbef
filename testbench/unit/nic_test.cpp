// The 82540EM-compatible NIC (models/nic/e1000.h, docs/nic.md): the Intel
// 8254x SDM's behaviours as named cases. Each case builds RAM (1 MiB at 0 on
// a bus), the card as a bus master, and plays the driver from a thread.
#include <gtest/gtest.h>
#include <tlm_utils/simple_target_socket.h>

#include <cstring>
#include <functional>
#include <map>
#include <set>
#include <vector>

#include "bus/bus.h"
#include "core/params.h"
#include "memory/memory.h"
#include "nic/e1000.h"

using namespace minipc;

namespace {

constexpr uint64_t kRam = 1 << 20;
constexpr uint64_t kRxRing = 0x10000, kTxRing = 0x11000, kRxBufs = 0x20000, kTxBufs = 0x40000;
const uint8_t kMac[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};

// Records INTx levels.
struct IntxProbe : PciIntxSink {
  bool level = false;
  unsigned rises = 0;
  std::vector<sc_core::sc_time> rise_times;
  void set_intx(unsigned, unsigned, bool l) override {
    if (l && !level) {
      ++rises;
      rise_times.push_back(sc_core::sc_time_stamp());
    }
    level = l;
  }
};

// Records memory writes at 0xFEE00000 (MSI messages).
struct MsiProbe : sc_core::sc_module {
  tlm_utils::simple_target_socket<MsiProbe> port{"port"};
  std::vector<uint32_t> data;
  explicit MsiProbe(const sc_core::sc_module_name& nm) : sc_module(nm) {
    port.register_b_transport(this, &MsiProbe::b_transport);
  }
  void b_transport(tlm::tlm_generic_payload& p, sc_core::sc_time&) {
    uint32_t v = 0;
    std::memcpy(&v, p.get_data_ptr(), std::min(4u, p.get_data_length()));
    data.push_back(v);
    p.set_response_status(tlm::TLM_OK_RESPONSE);
  }
};

// Frames from a list, as a wire source.
struct ListSource : wire::FrameSource {
  std::vector<wire::Frame> frames;
  std::function<bool(wire::Frame&)> make;  // or made one by one
  size_t next_index = 0;
  bool next(wire::Frame& out) override {
    if (make) return make(out);
    if (next_index == frames.size()) return false;
    out = frames[next_index++];
    return true;
  }
  std::string describe() const override { return "test list"; }
};

std::vector<uint8_t> frame_to(const uint8_t* dst, size_t len, uint8_t fill = 0xA5) {
  std::vector<uint8_t> f(len, fill);
  std::memcpy(f.data(), dst, 6);
  const uint8_t src[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x57};
  std::memcpy(f.data() + 6, src, 6);
  f[12] = 0x08;
  f[13] = 0x00;
  for (size_t i = 14; i < len; ++i) f[i] = static_cast<uint8_t>(i * 7 + fill);
  return f;
}

struct NicTest : ::testing::Test {
  std::unique_ptr<Bus> bus;
  std::unique_ptr<Memory> ram;
  std::unique_ptr<E1000> nic;
  std::unique_ptr<MsiProbe> msi;
  IntxProbe intx;

  void build() {
    sc_core::sc_report_handler::set_actions(sc_core::SC_WARNING, sc_core::SC_DO_NOTHING);
    ConfigStore::instance().set("ram.size", std::to_string(kRam), "test");
    bus = std::make_unique<Bus>("bus");
    ram = std::make_unique<Memory>("ram");
    nic = std::make_unique<E1000>("nic0");
    msi = std::make_unique<MsiProbe>("apic");
    bus->map(AddressSpace::memory, 0, kRam, bus->connect_target(ram->port, "ram"));
    bus->map(AddressSpace::memory, 0xFEE00000, 0x100000, bus->connect_target(msi->port, "apic"));
    bus->connect_master(nic->master, "nic0", 1);
    nic->set_intx_sink(&intx, 3);
    nic->config_write(PciFunction::PCICMD, 2, PciFunction::CMD_MSE | PciFunction::CMD_BME);
  }
  // Runs `script` as the driver thread, then the simulation until `until`.
  void run(std::function<void()> script, sc_core::sc_time until = sc_core::sc_time(10, sc_core::SC_MS)) {
    sc_core::sc_spawn(std::move(script));
    sc_core::sc_start(until);
  }
  uint32_t rd(uint32_t off, int bar = 0) {
    uint32_t v = 0;
    access(bar, off, &v, false);
    return v;
  }
  void wr(uint32_t off, uint32_t v, int bar = 0) { access(bar, off, &v, true); }
  void access(int bar, uint32_t off, uint32_t* v, bool write) {
    tlm::tlm_generic_payload p;
    p.set_command(write ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND);
    p.set_address(off);
    p.set_data_ptr(reinterpret_cast<unsigned char*>(v));
    p.set_data_length(4);
    p.set_streaming_width(4);
    sc_core::sc_time d = sc_core::SC_ZERO_TIME;
    nic->bar_transport(bar, p, d);
    ASSERT_TRUE(p.is_response_ok());
  }
  uint8_t* mem(uint64_t a) { return ram->data() + a; }
  // A receive ring of n descriptors, buffers of 2 KiB; RDT = n - 1 (all but
  // one descriptor given to the card); RCTL as given.
  void rx_ring(unsigned n, uint32_t rctl, unsigned give = ~0u) {
    for (unsigned i = 0; i < n; ++i) {
      uint8_t* d = mem(kRxRing + 16 * i);
      std::memset(d, 0, 16);
      const uint64_t buf = kRxBufs + 2048ull * i;
      std::memcpy(d, &buf, 8);
    }
    wr(E1000::RDBAL, static_cast<uint32_t>(kRxRing));
    wr(E1000::RDBAH, 0);
    wr(E1000::RDLEN, 16 * n);
    wr(E1000::RDH, 0);
    wr(E1000::RDT, give == ~0u ? n - 1 : give);
    wr(E1000::RAL0, kMac[0] | kMac[1] << 8 | kMac[2] << 16 | static_cast<uint32_t>(kMac[3]) << 24);
    wr(E1000::RAH0, kMac[4] | kMac[5] << 8 | E1000::RAH_AV);
    wr(E1000::RCTL, rctl);
  }
  uint16_t rx_len(unsigned i) { return static_cast<uint16_t>(mem(kRxRing + 16 * i + 8)[0] | mem(kRxRing + 16 * i + 8)[1] << 8); }
  uint8_t rx_status(unsigned i) { return mem(kRxRing + 16 * i + 12)[0]; }
  void tx_desc(unsigned i, uint64_t buf, uint16_t len, uint8_t cmd) {
    uint8_t* d = mem(kTxRing + 16 * i);
    std::memset(d, 0, 16);
    std::memcpy(d, &buf, 8);
    d[8] = static_cast<uint8_t>(len);
    d[9] = static_cast<uint8_t>(len >> 8);
    d[11] = cmd;
  }
  void tx_ring(unsigned n) {
    wr(E1000::TDBAL, static_cast<uint32_t>(kTxRing));
    wr(E1000::TDBAH, 0);
    wr(E1000::TDLEN, 16 * n);
    wr(E1000::TDH, 0);
    wr(E1000::TDT, 0);
    wr(E1000::TCTL, E1000::TCTL_EN | E1000::TCTL_PSP);
  }
  static void wait_us(double us) { sc_core::wait(sc_core::sc_time(us, sc_core::SC_US)); }
};

const uint32_t kRctl = E1000::RCTL_EN | E1000::RCTL_BAM | E1000::RCTL_SECRC;

}  // namespace

// ---- identity, EEPROM, PHY -----------------------------------------------------------

TEST_F(NicTest, PciIdentityBarsAndCapabilities) {
  build();
  EXPECT_EQ(nic->config_read(PciFunction::VID, 4), 0x100E8086u);
  EXPECT_EQ(nic->config_read(PciFunction::RID, 4) >> 8, 0x020000u);
  EXPECT_EQ(nic->config_read(PciFunction::INTPIN, 1), 1u);
  nic->config_write(PciFunction::BAR0, 4, 0xFFFFFFFF);
  EXPECT_EQ(nic->config_read(PciFunction::BAR0, 4), 0xFFFE0000u) << "128 KiB memory BAR";
  nic->config_write(PciFunction::BAR0 + 4, 4, 0xFFFFFFFF);
  EXPECT_EQ(nic->config_read(PciFunction::BAR0 + 4, 4), 0xFFFFFFC1u) << "64-byte I/O BAR";
  EXPECT_EQ(nic->config_read(PciFunction::CAPPTR, 1), 0xE4u);
  EXPECT_EQ(nic->config_read(0xE4, 1), MsiCapability::kCapId);
}

TEST_F(NicTest, EerdReadsTheMacAndIdsFromTheEeprom) {
  build();
  run([&] {
    uint16_t words[64];
    for (unsigned a = 0; a < 64; ++a) {
      wr(E1000::EERD, E1000::EERD_START | a << 8);
      const uint32_t v = rd(E1000::EERD);
      EXPECT_TRUE(v & E1000::EERD_DONE);
      EXPECT_EQ((v >> 8) & 0xFF, a);
      words[a] = static_cast<uint16_t>(v >> 16);
    }
    EXPECT_EQ(words[0], 0x5452);
    EXPECT_EQ(words[1], 0x1200);
    EXPECT_EQ(words[2], 0x5634);
    EXPECT_EQ(words[0x0D], 0x100E);
    EXPECT_EQ(words[0x0E], 0x8086);
    uint16_t sum = 0;
    for (uint16_t w : words) sum = static_cast<uint16_t>(sum + w);
    EXPECT_EQ(sum, 0xBABA) << "EEPROM checksum (SDM 5.6.1)";
    EXPECT_TRUE(rd(E1000::EECD) & E1000::EECD_EE_PRES);
  });
}

TEST_F(NicTest, MacAddressFromTheConfig) {
  ConfigStore::instance().set("nic0.mac", "02:00:00:aa:bb:cc", "test");
  build();
  run([&] {
    wr(E1000::EERD, E1000::EERD_START | 0 << 8);
    EXPECT_EQ(rd(E1000::EERD) >> 16, 0x0002u);
    wr(E1000::EERD, E1000::EERD_START | 2 << 8);
    EXPECT_EQ(rd(E1000::EERD) >> 16, 0xCCBBu);
  });
}

TEST_F(NicTest, MdicReadsThePhyIdAndAnAbsentPhyAnswersWithError) {
  build();
  run([&] {
    wr(E1000::MDIC, E1000::MDIC_OP_READ | 1u << 21 | E1000::PHY_ID1 << 16);
    uint32_t v = rd(E1000::MDIC);
    EXPECT_TRUE(v & E1000::MDIC_R);
    EXPECT_FALSE(v & E1000::MDIC_E);
    EXPECT_EQ(v & 0xFFFF, 0x0141u);
    wr(E1000::MDIC, E1000::MDIC_OP_READ | 1u << 21 | E1000::PHY_ID2 << 16);
    EXPECT_EQ(rd(E1000::MDIC) & 0xFFFF, 0x0C20u);
    wr(E1000::MDIC, E1000::MDIC_OP_READ | 5u << 21 | E1000::PHY_ID1 << 16);
    EXPECT_TRUE(rd(E1000::MDIC) & E1000::MDIC_E);
  });
}

TEST_F(NicTest, SetLinkUpShowsInStatusAndRaisesLsc) {
  build();
  run([&] {
    EXPECT_FALSE(rd(E1000::STATUS) & E1000::STATUS_LU);
    wr(E1000::CTRL, rd(E1000::CTRL) | E1000::CTRL_SLU);
    EXPECT_TRUE(rd(E1000::STATUS) & E1000::STATUS_LU);
    EXPECT_EQ((rd(E1000::STATUS) >> 6) & 3, 2u) << "1000 Mb/s";
    EXPECT_TRUE(rd(E1000::ICR) & E1000::LSC);
  });
}

TEST_F(NicTest, CtrlRstResetsTheRegistersAndSelfClears) {
  build();
  run([&] {
    wr(E1000::IMS, 0xFF);
    wr(E1000::RDLEN, 4096);
    wr(E1000::CTRL, E1000::CTRL_RST);
    EXPECT_EQ(rd(E1000::CTRL) & E1000::CTRL_RST, 0u);
    EXPECT_EQ(rd(E1000::IMS), 0u);
    EXPECT_EQ(rd(E1000::RDLEN), 0u);
    EXPECT_EQ(rd(E1000::PBA) & 0x3F, 48u) << "PBA.RXA: 48 KiB";
  });
}

// ---- interrupts ----------------------------------------------------------------------

TEST_F(NicTest, IcrIsReadToClearAndTheLineFollowsIcrAndIms) {
  build();
  run([&] {
    wr(E1000::ICS, E1000::RXT0);
    wait_us(1);
    EXPECT_FALSE(intx.level) << "masked";
    wr(E1000::IMS, E1000::RXT0);
    wait_us(1);
    EXPECT_TRUE(intx.level);
    EXPECT_TRUE(nic->config_read(PciFunction::PCISTS, 2) & PciFunction::STS_INTS);
    EXPECT_EQ(rd(E1000::ICR), uint32_t{E1000::RXT0});
    EXPECT_FALSE(intx.level) << "released by the ICR read itself";
    EXPECT_EQ(rd(E1000::ICR), 0u);
    wr(E1000::ICS, E1000::TXDW | E1000::RXT0);
    wait_us(1);
    EXPECT_TRUE(intx.level);
    wr(E1000::IMC, E1000::RXT0);
    EXPECT_FALSE(intx.level) << "IMC masks the pending cause";
    wr(E1000::ICR, E1000::TXDW);  // write-one-to-clear
    EXPECT_EQ(rd(E1000::ICR), uint32_t{E1000::RXT0});
  });
}

TEST_F(NicTest, ItrSpacesAssertionsBy256nsUnits) {
  build();
  run([&] {
    wr(E1000::ITR, 1000);  // 256 us
    wr(E1000::IMS, E1000::RXT0);
    wr(E1000::ICS, E1000::RXT0);
    wait_us(1);
    rd(E1000::ICR);
    wr(E1000::ICS, E1000::RXT0);
    wait_us(300);
  });
  ASSERT_EQ(intx.rise_times.size(), 2u);
  EXPECT_EQ(intx.rise_times[1] - intx.rise_times[0], sc_core::sc_time(256, sc_core::SC_US));
}

TEST_F(NicTest, MsiSendsOneMessagePerAssertion) {
  build();
  nic->config_write(0xE4 + 4, 4, 0xFEE00000u);
  nic->config_write(0xE4 + 8, 2, 0x0041);
  nic->config_write(0xE4 + 2, 2, MsiCapability::MSIE);
  run([&] {
    wr(E1000::IMS, E1000::RXT0 | E1000::TXDW);
    wr(E1000::ICS, E1000::RXT0);
    wait_us(1);
    wr(E1000::ICS, E1000::TXDW);  // still asserted: no second message
    wait_us(1);
    rd(E1000::ICR);
    wr(E1000::ICS, E1000::RXT0);
    wait_us(1);
  });
  EXPECT_EQ(msi->data, (std::vector<uint32_t>{0x41, 0x41}));
  EXPECT_EQ(intx.rises, 0u) << "no INTx while MSI is enabled";
}

// Found by device_fuzz (regression input nic_msi_enabled_while_intx_asserted):
// MSI enabled while INTx# was asserted left the pin asserted for good.
TEST_F(NicTest, EnablingMsiTakesAnAssertedIntxOffThePinAndDisablingGivesItBack) {
  build();
  bool with_msi = true, after = false;
  run([&] {
    wr(E1000::IMS, E1000::TXDW);
    wr(E1000::ICS, E1000::TXDW);
    wait_us(1);
    ASSERT_TRUE(intx.level);
    nic->config_write(0xE4 + 2, 2, MsiCapability::MSIE);
    with_msi = intx.level;
    nic->config_write(0xE4 + 2, 2, 0);
    after = intx.level;
  });
  EXPECT_FALSE(with_msi) << "a function using MSI does not assert INTx#";
  EXPECT_TRUE(after) << "the request is still pending (ICR & IMS): back on the pin";
  EXPECT_TRUE(nic->interrupt_asserted());
}

// ---- receive ---------------------------------------------------------------------------

TEST_F(NicTest, ReceiveWritesTheFrameAndTheDescriptorStatus) {
  build();
  const auto f = frame_to(kMac, 100);
  run([&] {
    rx_ring(8, kRctl);
    wr(E1000::IMS, E1000::RXT0);
    nic->receive(f.data(), f.size());
    wait_us(10);
    EXPECT_EQ(std::memcmp(mem(kRxBufs), f.data(), f.size()), 0);
    EXPECT_EQ(rx_len(0), 100);
    EXPECT_EQ(rx_status(0), E1000::RXD_STAT_DD | E1000::RXD_STAT_EOP | E1000::RXD_STAT_IXSM);
    EXPECT_EQ(rd(E1000::RDH), 1u);
    EXPECT_TRUE(intx.level);
    EXPECT_EQ(rd(E1000::ICR) & E1000::RXT0, uint32_t{E1000::RXT0});
    EXPECT_EQ(rd(E1000::GPRC), 1u);
    EXPECT_EQ(rd(E1000::GPRC), 0u) << "statistics are read-to-clear";
    EXPECT_EQ(rd(E1000::TPR), 1u);
  });
  EXPECT_EQ(nic->rx_counts().to_host, 1u);
}

// The legacy descriptor's packet checksum (SDM 3.2.3.1): the 16-bit ones'
// complement sum of the frame from RXCSUM.PCSS, before any complement.
TEST_F(NicTest, TheDescriptorCarriesThePacketChecksumFromPcss) {
  build();
  const auto f = frame_to(kMac, 101);  // an odd length: the last byte is the high half of a word
  run([&] {
    rx_ring(8, kRctl);
    wr(E1000::RXCSUM, 14);  // PCSS: after the Ethernet header
    nic->receive(f.data(), f.size());
    wait_us(10);
  });
  uint32_t sum = 0;
  for (size_t i = 14; i < f.size(); i += 2) sum += static_cast<uint32_t>(f[i] << 8 | (i + 1 < f.size() ? f[i + 1] : 0));
  while (sum >> 16) sum = (sum & 0xFFFF) + (sum >> 16);
  EXPECT_EQ(mem(kRxRing + 10)[0] | mem(kRxRing + 10)[1] << 8, static_cast<int>(sum));
}

TEST_F(NicTest, WithoutSecrcTheFcsGoesToMemoryAndCountsInTheLength) {
  build();
  const uint8_t check[] = {'1', '2', '3', '4', '5', '6', '7', '8', '9'};
  EXPECT_EQ(ethernet_fcs(check, sizeof check), 0xCBF43926u) << "the CRC-32 check value";
  const auto f = frame_to(kMac, 60);
  run([&] {
    rx_ring(8, E1000::RCTL_EN);
    nic->receive(f.data(), f.size());
    wait_us(10);
    EXPECT_EQ(rx_len(0), 64);
    const uint32_t fcs = ethernet_fcs(f.data(), f.size());
    uint32_t got;
    std::memcpy(&got, mem(kRxBufs + 60), 4);
    EXPECT_EQ(got, fcs);
  });
}

TEST_F(NicTest, ShortFramesArePaddedToTheMinimum) {
  build();
  const auto f = frame_to(kMac, 42);
  run([&] {
    rx_ring(8, kRctl);
    nic->receive(f.data(), f.size());
    wait_us(10);
    EXPECT_EQ(rx_len(0), 60);
  });
}

TEST_F(NicTest, AFrameLargerThanOneBufferSpansDescriptorsWithEopOnTheLast) {
  build();
  const auto f = frame_to(kMac, 1000);
  run([&] {
    rx_ring(8, kRctl | 3u << E1000::RCTL_BSIZE_SHIFT);  // 256-byte buffers
    nic->receive(f.data(), f.size());
    wait_us(20);
    for (unsigned i = 0; i < 4; ++i) {
      EXPECT_EQ(rx_len(i), i < 3 ? 256 : 1000 - 768) << i;
      EXPECT_EQ(rx_status(i) & E1000::RXD_STAT_EOP, i == 3 ? E1000::RXD_STAT_EOP : 0) << i;
      EXPECT_EQ(std::memcmp(mem(kRxBufs + 2048 * i), f.data() + 256 * i, rx_len(i)), 0) << i;
    }
    EXPECT_EQ(rd(E1000::RDH), 4u);
  });
}

TEST_F(NicTest, NoFreeDescriptorCountsRnbcOnceAndTheFrameWaitsForRdt) {
  build();
  const auto f = frame_to(kMac, 200);
  run([&] {
    rx_ring(8, kRctl, 0);  // RDT = RDH: no descriptor for the card
    nic->receive(f.data(), f.size());
    wait_us(50);
    EXPECT_EQ(rd(E1000::RNBC), 1u);
    EXPECT_EQ(rx_status(0), 0u);
    EXPECT_EQ(nic->rx_fifo_frames(), 1u);
    wr(E1000::RDT, 4);
    wait_us(10);
    EXPECT_EQ(rx_len(0), 200);
    EXPECT_EQ(nic->rx_fifo_frames(), 0u);
    EXPECT_EQ(rd(E1000::MPC), 0u);
  });
}

TEST_F(NicTest, AFullPacketBufferMissesFramesCountsMpcAndRaisesRxo) {
  build();
  const auto f = frame_to(kMac, 1514);
  run([&] {
    rx_ring(8, kRctl, 0);
    wr(E1000::PBA, 4);  // 4 KiB receive buffer: two full frames
    for (int i = 0; i < 5; ++i) nic->receive(f.data(), f.size());
    EXPECT_EQ(nic->rx_fifo_frames(), 2u);
    EXPECT_EQ(rd(E1000::MPC), 3u);
    EXPECT_TRUE(rd(E1000::ICR) & E1000::RXO);
  });
  EXPECT_EQ(nic->rx_counts().missed, 3u);
}

TEST_F(NicTest, TheAddressFilterTakesOurAddressBroadcastWithBamMulticastByMtaAndAllWithUpe) {
  build();
  const uint8_t other[6] = {0x52, 0x54, 0x00, 0x99, 0x99, 0x99};
  const uint8_t bcast[6] = {0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF};
  const uint8_t mcast[6] = {0x01, 0x00, 0x5E, 0x00, 0x00, 0xFB};
  run([&] {
    rx_ring(16, E1000::RCTL_EN | E1000::RCTL_SECRC);
    auto offer = [&](const uint8_t* d) {
      const auto f = frame_to(d, 64);
      const uint64_t before = nic->rx_counts().filtered;
      nic->receive(f.data(), f.size());
      return nic->rx_counts().filtered == before;
    };
    EXPECT_TRUE(offer(kMac));
    EXPECT_FALSE(offer(other));
    EXPECT_FALSE(offer(bcast)) << "broadcast needs BAM";
    EXPECT_FALSE(offer(mcast));
    // MO = 00: hash = address bits 47:36 = (byte 4 >> 4) | byte 5 << 4.
    const unsigned hash = (mcast[4] >> 4 | mcast[5] << 4) & 0xFFF;
    wr(E1000::MTA + 4 * (hash >> 5), 1u << (hash & 31));
    EXPECT_TRUE(offer(mcast));
    wr(E1000::RCTL, E1000::RCTL_EN | E1000::RCTL_SECRC | E1000::RCTL_BAM);
    EXPECT_TRUE(offer(bcast));
    wr(E1000::RCTL, E1000::RCTL_EN | E1000::RCTL_SECRC | E1000::RCTL_UPE);
    EXPECT_TRUE(offer(other));
  });
  EXPECT_EQ(nic->rx_counts().filtered, 3u);
}

TEST_F(NicTest, OversizeFramesWithoutLpeAreDroppedAndCountedInRoc) {
  build();
  const auto f = frame_to(kMac, 1600);
  run([&] {
    rx_ring(8, kRctl);
    nic->receive(f.data(), f.size());
    EXPECT_EQ(rd(E1000::ROC), 1u);
    wr(E1000::RCTL, kRctl | E1000::RCTL_LPE);
    nic->receive(f.data(), f.size());
    wait_us(20);
    EXPECT_EQ(nic->rx_counts().to_host, 1u);
  });
  EXPECT_EQ(nic->rx_counts().oversize, 1u);
}

TEST_F(NicTest, FramesWhileReceiveIsOffAreNotTaken) {
  build();
  const auto f = frame_to(kMac, 64);
  run([&] {
    nic->receive(f.data(), f.size());
    EXPECT_EQ(rd(E1000::MPC), 0u) << "MPC does not count while receive is off (SDM 13.7)";
    EXPECT_EQ(rd(E1000::TPR), 0u);
  });
  EXPECT_EQ(nic->rx_counts().disabled, 1u);
}

TEST_F(NicTest, RdtrDelaysRxt0AndRadvBoundsIt) {
  build();
  const auto f = frame_to(kMac, 64);
  sc_core::sc_time written, raised;
  run([&] {
    rx_ring(8, kRctl);
    wr(E1000::IMS, E1000::RXT0);
    wr(E1000::RDTR, 10);  // 10.24 us after the last frame
    nic->receive(f.data(), f.size());
    while (rx_status(0) == 0) wait_us(0.01);
    written = sc_core::sc_time_stamp();
    while (!intx.level) wait_us(0.01);
    raised = sc_core::sc_time_stamp();
  });
  // From the status landing in memory (the write-back's bus time, ~50 ns,
  // lies between that and the timer's start).
  EXPECT_NEAR((raised - written).to_seconds() * 1e6, 10.24, 0.1);
}

TEST_F(NicTest, RadvFiresEvenWhileFramesKeepRestartingThePacketTimer) {
  build();
  const auto f = frame_to(kMac, 64);
  sc_core::sc_time first, raised;
  run([&] {
    rx_ring(64, kRctl);
    wr(E1000::IMS, E1000::RXT0);
    wr(E1000::RDTR, 20);  // 20.48 us
    wr(E1000::RADV, 50);  // 51.2 us
    first = sc_core::sc_time_stamp();
    for (int i = 0; i < 20 && !intx.level; ++i) {  // a frame every 10 us restarts RDTR
      nic->receive(f.data(), f.size());
      for (int k = 0; k < 1000 && !intx.level; ++k) wait_us(0.01);
    }
    raised = sc_core::sc_time_stamp();
  });
  EXPECT_TRUE(intx.level);
  EXPECT_NEAR((raised - first).to_seconds() * 1e6, 51.2, 1.0);
}

TEST_F(NicTest, Rxdmt0WhenTheCardsFreeDescriptorsFallToTheThreshold) {
  build();
  const auto f = frame_to(kMac, 64);
  run([&] {
    rx_ring(16, kRctl, 15);  // RDMTS = 00: half of 16
    for (int i = 0; i < 6; ++i) nic->receive(f.data(), f.size());
    wait_us(20);
    EXPECT_FALSE(rd(E1000::ICR) & E1000::RXDMT0) << "9 of 16 left";
    nic->receive(f.data(), f.size());
    wait_us(5);
    EXPECT_TRUE(rd(E1000::ICR) & E1000::RXDMT0) << "8 of 16 left";
  });
}

TEST_F(NicTest, RdlenIgnoresItsLowSevenBits) {
  build();
  run([&] {
    wr(E1000::RDLEN, 4096 + 0x50);
    EXPECT_EQ(rd(E1000::RDLEN), 4096u);
  });
}

TEST_F(NicTest, ARingOutsideRamStopsTheQueueSetsReceivedMasterAbortAndRestarts) {
  build();
  const auto f = frame_to(kMac, 64);
  run([&] {
    rx_ring(8, kRctl);
    wr(E1000::RDBAL, 0x80000000u);  // no RAM there
    nic->receive(f.data(), f.size());
    wait_us(10);
    EXPECT_TRUE(nic->config_read(PciFunction::PCISTS, 2) & PciFunction::STS_RMA);
    EXPECT_EQ(nic->rx_counts().dma_error, 1u);
    nic->receive(f.data(), f.size());
    wait_us(10);
    EXPECT_EQ(nic->rx_fifo_frames(), 1u) << "the queue is stopped";
    wr(E1000::RDBAL, static_cast<uint32_t>(kRxRing));
    wr(E1000::RCTL, 0);
    wr(E1000::RCTL, kRctl);
    wait_us(10);
    EXPECT_EQ(nic->rx_counts().to_host, 1u) << "restarted by clearing and setting RCTL.EN";
  });
}

TEST_F(NicTest, ABufferOutsideRamLosesTheFrameNotTheCard) {
  build();
  const auto f = frame_to(kMac, 64);
  run([&] {
    rx_ring(8, kRctl);
    const uint64_t bad = 0x90000000ull;
    std::memcpy(mem(kRxRing), &bad, 8);
    nic->receive(f.data(), f.size());
    wait_us(10);
    EXPECT_EQ(nic->rx_counts().dma_error, 1u);
    EXPECT_EQ(nic->master.last_failure().address, bad);
  });
}

TEST_F(NicTest, BusMasterEnableOffHoldsTheDma) {
  build();
  nic->config_write(PciFunction::PCICMD, 2, PciFunction::CMD_MSE);
  const auto f = frame_to(kMac, 64);
  run([&] {
    rx_ring(8, kRctl);
    nic->receive(f.data(), f.size());
    wait_us(10);
    EXPECT_EQ(rx_status(0), 0u);
    nic->config_write(PciFunction::PCICMD, 2, PciFunction::CMD_MSE | PciFunction::CMD_BME);
    wait_us(10);
    EXPECT_EQ(rx_len(0), 64);
  });
}

TEST_F(NicTest, TheIoBarReachesTheSameRegistersThroughIoaddrAndIodata) {
  build();
  run([&] {
    wr(E1000::IOADDR, E1000::RAL0, 1);
    wr(E1000::IODATA, 0x12345678, 1);
    EXPECT_EQ(rd(E1000::RAL0), 0x12345678u);
    wr(E1000::ICS, E1000::TXQE);
    wr(E1000::IOADDR, E1000::ICR, 1);
    EXPECT_EQ(rd(E1000::IODATA, 1), uint32_t{E1000::TXQE});
    EXPECT_EQ(rd(E1000::ICR), 0u) << "read-to-clear through IODATA too";
  });
}

// ---- transmit --------------------------------------------------------------------------

TEST_F(NicTest, TransmitSendsTheFrameWritesBackDdAndRaisesTxdwAndTxqe) {
  build();
  const auto f = frame_to(kMac, 1514);
  std::vector<sc_core::sc_time> on_wire;
  nic->wire_tap = [&](const sc_core::sc_time& t, const uint8_t*, size_t, bool tx) {
    if (tx) on_wire.push_back(t);
  };
  run([&] {
    tx_ring(8);
    std::memcpy(mem(kTxBufs), f.data(), f.size());
    tx_desc(0, kTxBufs, 1514, E1000::TXD_CMD_EOP | E1000::TXD_CMD_RS | E1000::TXD_CMD_IFCS);
    tx_desc(1, kTxBufs, 1514, E1000::TXD_CMD_EOP | E1000::TXD_CMD_RS | E1000::TXD_CMD_IFCS);
    wr(E1000::TDT, 2);
    wait_us(50);
    EXPECT_EQ(rd(E1000::TDH), 2u);
    EXPECT_EQ(mem(kTxRing + 12)[0] & E1000::TXD_STAT_DD, E1000::TXD_STAT_DD);
    const uint32_t icr = rd(E1000::ICR);
    EXPECT_TRUE(icr & E1000::TXDW);
    EXPECT_TRUE(icr & E1000::TXQE);
    EXPECT_EQ(rd(E1000::GPTC), 2u);
  });
  ASSERT_EQ(nic->transmitted().size(), 2u);
  EXPECT_EQ(nic->transmitted()[0], f);
  ASSERT_EQ(on_wire.size(), 2u);
  // 1000 Mb/s: preamble+SFD 8, frame 1514, FCS 4, gap 12 bytes = 12.304 us.
  EXPECT_EQ(on_wire[1] - on_wire[0], sc_core::sc_time(12304, sc_core::SC_NS));
}

TEST_F(NicTest, AFrameInSeveralDescriptorsAndPaddingOfShortFrames) {
  build();
  const auto f = frame_to(kMac, 300);
  run([&] {
    tx_ring(8);
    std::memcpy(mem(kTxBufs), f.data(), 100);
    std::memcpy(mem(kTxBufs + 0x1000), f.data() + 100, 200);
    std::memcpy(mem(kTxBufs + 0x2000), f.data(), 42);
    tx_desc(0, kTxBufs, 100, 0);
    tx_desc(1, kTxBufs + 0x1000, 200, E1000::TXD_CMD_EOP);
    tx_desc(2, kTxBufs + 0x2000, 42, E1000::TXD_CMD_EOP);
    wr(E1000::TDT, 3);
    wait_us(50);
  });
  ASSERT_EQ(nic->transmitted().size(), 2u);
  EXPECT_EQ(nic->transmitted()[0], f);
  EXPECT_EQ(nic->transmitted()[1].size(), 60u) << "TCTL.PSP pads to 60 bytes";
}

TEST_F(NicTest, AZeroLengthDescriptorSendsNothing) {
  build();
  run([&] {
    tx_ring(8);
    tx_desc(0, kTxBufs, 0, E1000::TXD_CMD_EOP | E1000::TXD_CMD_RS);
    wr(E1000::TDT, 1);
    wait_us(20);
    EXPECT_EQ(rd(E1000::TDH), 1u) << "the descriptor is consumed";
    EXPECT_EQ(mem(kTxRing + 12)[0] & E1000::TXD_STAT_DD, E1000::TXD_STAT_DD);
  });
  EXPECT_EQ(nic->transmitted().size(), 0u);
}

TEST_F(NicTest, TidvDelaysTxdwForDescriptorsWithIde) {
  build();
  const auto f = frame_to(kMac, 64);
  sc_core::sc_time start, raised;
  run([&] {
    tx_ring(8);
    wr(E1000::IMS, E1000::TXDW);
    wr(E1000::TIDV, 100);  // 102.4 us
    std::memcpy(mem(kTxBufs), f.data(), f.size());
    tx_desc(0, kTxBufs, 64, E1000::TXD_CMD_EOP | E1000::TXD_CMD_RS | E1000::TXD_CMD_IDE);
    start = sc_core::sc_time_stamp();
    wr(E1000::TDT, 1);
    while (!intx.level) wait_us(0.1);
    raised = sc_core::sc_time_stamp();
  });
  EXPECT_GT((raised - start).to_seconds() * 1e6, 102.4);
  EXPECT_LT((raised - start).to_seconds() * 1e6, 104.0);
}

// ---- the wire thread and conservation -----------------------------------------------

TEST_F(NicTest, WireFramesArriveAtTheirTimesAfterReceiveIsEnabledAndAreSerialised) {
  build();
  ListSource src;
  for (uint64_t i = 0; i < 3; ++i) src.frames.push_back({i * 100, frame_to(kMac, 1514), i});  // closer than wire time
  nic->wire_source = &src;
  std::vector<sc_core::sc_time> seen;
  nic->wire_tap = [&](const sc_core::sc_time& t, const uint8_t*, size_t, bool tx) {
    if (!tx) seen.push_back(t);
  };
  sc_core::sc_time enabled;
  run([&] {
    wait_us(100);
    enabled = sc_core::sc_time_stamp();
    rx_ring(8, kRctl);
    wait_us(100);
  });
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[0], enabled) << "the source starts at the first RCTL.EN";
  EXPECT_EQ(seen[1] - seen[0], sc_core::sc_time(12304, sc_core::SC_NS)) << "back to back at 1000 Mb/s";
  EXPECT_EQ(nic->rx_counts().to_host, 3u);
}

// A driver that gives descriptors back slowly: frames are missed, and every
// frame offered ends in exactly one count.
TEST_F(NicTest, EveryOfferedFrameEndsInExactlyOneCount) {
  build();
  uint64_t next = 0;
  const uint8_t other[6] = {0x52, 0x54, 0x00, 0x99, 0x99, 0x99};
  ListSource src;
  nic->wire_source = &src;
  src.make = [&](wire::Frame& f) {
    if (next == 10000) return false;
    const size_t len = 60 + (next * 37) % 140;  // at most 2.2 us of wire time at 1000 Mb/s
    f = {next * 1000, frame_to(next % 17 == 0 ? other : kMac, len), next};
    ++next;
    return true;
  };
  uint64_t delivered = 0;
  run([&] {
    rx_ring(32, kRctl);
    unsigned i = 0;
    for (;;) {  // takes a frame every 3 us: slower than they come
      wait_us(3);
      if (rx_status(i) & E1000::RXD_STAT_DD) {
        ++delivered;
        mem(kRxRing + 16 * i + 12)[0] = 0;
        wr(E1000::RDT, i);
        i = (i + 1) % 32;
      }
    }
  }, sc_core::sc_time(40, sc_core::SC_MS));
  const auto& c = nic->rx_counts();
  EXPECT_EQ(c.offered, 10000u);
  EXPECT_GT(c.missed, 0u);
  EXPECT_GT(c.filtered, 0u);
  EXPECT_EQ(c.offered, c.filtered + c.disabled + c.oversize + c.missed + c.dma_error + c.flushed + c.to_host +
                           nic->rx_fifo_frames());
  EXPECT_EQ(c.to_host, delivered + 0) << "the driver saw every frame the card wrote (all drained)";
}

// ---- faults on the wire's receive side (e1000.h, docs/nic.md "Faults") -------------

namespace {

// A fault as the platform would prepare it: its parameters set in the config
// store under faults.<name>.*, then the hook's prepare.
FaultAction prepare_fault(E1000& nic, const std::string& kind, const std::string& name,
                          std::vector<std::pair<std::string, std::string>> params, uint64_t seed = 1) {
  for (auto& [k, v] : params) ConfigStore::instance().set("faults." + name + "." + k, v, "test");
  FaultLog::instance().set_quiet(true);
  FaultArgs args(name, FaultLog::instance().add(name), seed);
  return nic.fault_hook(kind).prepare(args);
}

// n frames to our address, 10 us apart, 100 bytes each, distinct payloads.
void frames_to_us(ListSource& src, uint64_t n, size_t len = 100) {
  for (uint64_t i = 0; i < n; ++i)
    src.frames.push_back({i * 10000, frame_to(kMac, len, static_cast<uint8_t>(i)), i});
}

}  // namespace

TEST_F(NicTest, TheCardOffersItsFaultKinds) {
  build();
  EXPECT_EQ(E1000::fault_kinds(),
            (std::vector<std::string>{"frame_drop", "frame_corrupt", "frame_duplicate", "link_down"}));
  for (const auto& k : E1000::fault_kinds()) EXPECT_FALSE(nic->fault_hook(k).description.empty()) << k;
  EXPECT_THROW(nic->fault_hook("frame_explode"), std::invalid_argument);
}

TEST_F(NicTest, FrameFaultParametersAreConfigErrorsNamingTheKey) {
  build();
  auto message = [&](const std::string& name, std::vector<std::pair<std::string, std::string>> params) {
    try {
      prepare_fault(*nic, "frame_drop", name, std::move(params));
    } catch (const ConfigError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(message("a", {}).find("faults.a.probability: missing"), std::string::npos);
  EXPECT_NE(message("b", {{"probability", "0.5"}, {"nth", "2"}}).find("faults.b.nth: give probability or nth"),
            std::string::npos);
  EXPECT_NE(message("c", {{"probability", "0"}}).find("faults.c.probability: must be in (0, 1]"), std::string::npos);
  EXPECT_NE(message("d", {{"probability", "1.5"}}).find("faults.d.probability: must be in (0, 1]"),
            std::string::npos);
  EXPECT_NE(message("e", {{"nth", "0"}}).find("faults.e.nth: must be >= 1"), std::string::npos);
  EXPECT_NE(message("f", {{"nth", "x"}}).find("faults.f.nth"), std::string::npos);
  EXPECT_EQ(message("g", {{"nth", "3"}}), "no error");
}

TEST_F(NicTest, FrameDropFaultLosesEveryNthFrameOnTheWireBeforeTheCard) {
  build();
  ListSource src;
  frames_to_us(src, 9);
  nic->wire_source = &src;
  std::vector<uint8_t> first_bytes_seen;
  nic->wire_tap = [&](const sc_core::sc_time&, const uint8_t* d, size_t, bool tx) {
    if (!tx) first_bytes_seen.push_back(d[14]);
  };
  FaultAction drop = prepare_fault(*nic, "frame_drop", "lossy", {{"nth", "3"}});
  drop(true);
  run([&] { rx_ring(16, kRctl); });
  EXPECT_EQ(nic->wire_counts().from_source, 9u);
  EXPECT_EQ(nic->wire_counts().dropped, 3u);
  EXPECT_EQ(nic->rx_counts().offered, 6u) << "lost frames never reach the card";
  EXPECT_EQ(nic->rx_counts().to_host, 6u);
  EXPECT_EQ(first_bytes_seen.size(), 6u) << "the tap (the pcap) shows what the card received";
  EXPECT_EQ(FaultLog::instance().fired(1), 3u);
  EXPECT_EQ(nic->reg(E1000::TPR), 6u);
}

TEST_F(NicTest, FrameDropFaultEndsWithItsDuration) {
  build();
  ListSource src;
  frames_to_us(src, 10);  // one every 10 us from the first RCTL.EN (at 0)
  nic->wire_source = &src;
  FaultAction drop = prepare_fault(*nic, "frame_drop", "burst", {{"probability", "1"}});
  run([&] {
    rx_ring(16, kRctl);
    wait_us(25);
    drop(true);  // frames 3, 4 (ending at ~30.7 and ~40.7 us)
    wait_us(20);
    drop(false);
  });
  EXPECT_EQ(nic->wire_counts().dropped, 2u);
  EXPECT_EQ(nic->rx_counts().to_host, 8u);
}

// Two faults with the same seed act on the same frames; another seed on
// others: the random sequence comes from the seed alone.
TEST_F(NicTest, FrameFaultProbabilityDrawsFromTheFaultsSeed) {
  build();
  ListSource src;
  frames_to_us(src, 400, 60);
  nic->wire_source = &src;
  std::map<int, std::vector<std::string>> fired;
  FaultLog::instance().on_record([&](int index, const std::string&, const std::string& detail) {
    fired[index].push_back(detail.substr(0, detail.find(':')));
  });
  prepare_fault(*nic, "frame_duplicate", "a", {{"probability", "0.25"}}, 42)(true);
  prepare_fault(*nic, "frame_duplicate", "b", {{"probability", "0.25"}}, 42)(true);
  prepare_fault(*nic, "frame_duplicate", "c", {{"probability", "0.25"}}, 43)(true);
  run([&] { rx_ring(64, kRctl | E1000::RCTL_UPE); }, sc_core::sc_time(20, sc_core::SC_MS));
  const auto a = FaultLog::instance().fired(1);
  EXPECT_GT(a, 60u);
  EXPECT_LT(a, 140u) << "about a quarter of 400";
  EXPECT_EQ(fired[1], fired[2]) << "same seed, same frames";
  EXPECT_NE(fired[1], fired[3]) << "another seed, other frames";
  std::set<std::string> either(fired[1].begin(), fired[1].end());
  either.insert(fired[3].begin(), fired[3].end());
  EXPECT_EQ(nic->wire_counts().duplicates, either.size()) << "one copy per frame however many faults act on it";
}

TEST_F(NicTest, FrameCorruptFaultFailsTheFcsCheckCountsCrcerrsAndDropsTheFrame) {
  build();
  ListSource src;
  frames_to_us(src, 4);
  const std::vector<std::vector<uint8_t>> sent = {src.frames[0].data, src.frames[1].data};
  nic->wire_source = &src;
  std::vector<std::vector<uint8_t>> seen;
  nic->wire_tap = [&](const sc_core::sc_time&, const uint8_t* d, size_t n, bool tx) {
    if (!tx) seen.emplace_back(d, d + n);
  };
  prepare_fault(*nic, "frame_corrupt", "noisy", {{"nth", "2"}})(true);
  uint32_t crcerrs = 0;
  run([&] {
    rx_ring(16, kRctl);
    wait_us(100);
    crcerrs = rd(E1000::CRCERRS);
  });
  EXPECT_EQ(crcerrs, 2u);
  EXPECT_EQ(nic->rx_counts().crc_error, 2u);
  EXPECT_EQ(nic->rx_counts().to_host, 2u);
  EXPECT_EQ(nic->wire_counts().corrupted, 2u);
  ASSERT_EQ(seen.size(), 4u) << "corrupted frames reach the card (and the pcap)";
  EXPECT_EQ(seen[0], sent[0]);
  unsigned bits = 0;
  for (size_t i = 0; i < sent[1].size(); ++i) bits += __builtin_popcount(seen[1][i] ^ sent[1][i]);
  EXPECT_EQ(bits, 1u) << "the pcap shows the frame as the card got it: one bit flipped";
  EXPECT_EQ(nic->rx_counts().offered, nic->rx_counts().crc_error + nic->rx_counts().to_host);
}

TEST_F(NicTest, WithSbpACorruptedFrameIsStoredWithCeAndTheFcsItCameWith) {
  build();
  ListSource src;
  frames_to_us(src, 1);
  const std::vector<uint8_t> sent = src.frames[0].data;
  const uint32_t sent_fcs = ethernet_fcs(sent.data(), sent.size());
  nic->wire_source = &src;
  prepare_fault(*nic, "frame_corrupt", "noisy", {{"nth", "1"}})(true);
  uint32_t crcerrs = 0, gprc = 0;
  run([&] {
    rx_ring(16, E1000::RCTL_EN | E1000::RCTL_SBP | E1000::RCTL_UPE);  // keeps the FCS (no SECRC)
    wait_us(100);
    crcerrs = rd(E1000::CRCERRS);
    gprc = rd(E1000::GPRC);
  });
  EXPECT_EQ(crcerrs, 1u);
  EXPECT_EQ(gprc, 0u) << "not a good packet";
  EXPECT_EQ(nic->rx_counts().to_host, 1u);
  EXPECT_EQ(nic->rx_counts().crc_error, 0u) << "stored, so its fate is to_host";
  EXPECT_EQ(mem(kRxRing + 13)[0], E1000::RXD_ERR_CE) << "errors.CE in the descriptor";
  EXPECT_EQ(rx_len(0), sent.size() + 4);
  uint32_t fcs = 0;
  std::memcpy(&fcs, mem(kRxBufs + sent.size()), 4);
  EXPECT_EQ(fcs, sent_fcs) << "the FCS the sender computed, which no longer matches";
  EXPECT_NE(ethernet_fcs(mem(kRxBufs), sent.size()), sent_fcs);
}

TEST_F(NicTest, FrameDuplicateFaultDeliversTheFrameTwiceAfterTheGap) {
  build();
  ListSource src;
  frames_to_us(src, 3);
  nic->wire_source = &src;
  std::vector<std::pair<sc_core::sc_time, uint8_t>> seen;
  nic->wire_tap = [&](const sc_core::sc_time& t, const uint8_t* d, size_t, bool tx) {
    if (!tx) seen.emplace_back(t, d[14]);
  };
  prepare_fault(*nic, "frame_duplicate", "echo", {{"nth", "2"}})(true);
  run([&] { rx_ring(16, kRctl); });
  ASSERT_EQ(seen.size(), 4u) << "the pcap shows the duplicate twice";
  EXPECT_EQ(seen[1].second, seen[2].second);
  // 100 bytes + FCS + preamble = 112 bytes, then 12 bytes of gap: 124 bytes at 1 Gb/s.
  EXPECT_EQ(seen[2].first - seen[1].first, sc_core::sc_time(992, sc_core::SC_NS));
  EXPECT_EQ(nic->wire_counts().duplicates, 1u);
  EXPECT_EQ(nic->rx_counts().offered, 4u);
  EXPECT_EQ(nic->rx_counts().to_host, 4u);
}

TEST_F(NicTest, LinkDownFaultClearsLuRaisesLscLosesFramesAndHoldsTransmit) {
  build();
  ListSource src;
  frames_to_us(src, 10);
  nic->wire_source = &src;
  FaultAction link = prepare_fault(*nic, "link_down", "unplug", {});
  uint32_t status_down = 0, status_up = 0, icr_down = 0, icr_up = 0, phy_down = 0;
  size_t sent_while_down = 0;
  run([&] {
    wr(E1000::CTRL, E1000::CTRL_SLU);
    rd(E1000::ICR);
    rx_ring(16, kRctl);
    tx_ring(8);
    wait_us(25);
    link(true);  // frames 3 and 4 arrive while it is down
    status_down = rd(E1000::STATUS);
    icr_down = rd(E1000::ICR);
    wr(E1000::MDIC, 1u << 21 | E1000::PHY_STATUS << 16 | E1000::MDIC_OP_READ);
    phy_down = rd(E1000::MDIC) & 0xFFFF;
    std::memcpy(mem(kTxBufs), frame_to(kMac, 60).data(), 60);
    tx_desc(0, kTxBufs, 60, E1000::TXD_CMD_EOP | E1000::TXD_CMD_RS);
    wr(E1000::TDT, 1);
    wait_us(20);
    sent_while_down = nic->transmitted().size();
    link(false);
    status_up = rd(E1000::STATUS);
    icr_up = rd(E1000::ICR);
  });
  EXPECT_FALSE(status_down & E1000::STATUS_LU);
  EXPECT_TRUE(status_up & E1000::STATUS_LU);
  EXPECT_TRUE(icr_down & E1000::LSC);
  EXPECT_TRUE(icr_up & E1000::LSC) << "and again when the link is back";
  EXPECT_FALSE(phy_down & 0x0004) << "the PHY's link status bit follows";
  EXPECT_EQ(nic->wire_counts().link_down, 2u);
  EXPECT_EQ(nic->rx_counts().offered, 8u);
  EXPECT_EQ(sent_while_down, 0u) << "the transmitter holds its frame without link";
  EXPECT_EQ(nic->transmitted().size(), 1u) << "and sends it when the link is back";
  EXPECT_EQ(nic->tx_held_for_link(), 1u);
  EXPECT_EQ(FaultLog::instance().fired(1), 0u) << "the injector logs the firing, not the card";
}

// Every frame of the source ends in exactly one count with all the faults on.
TEST_F(NicTest, WithEveryFaultOnEveryFrameOfTheSourceIsAccountedFor) {
  build();
  ListSource src;
  uint64_t next = 0;
  src.make = [&](wire::Frame& f) {
    if (next == 3000) return false;
    f = {next * 2000, frame_to(kMac, 60 + (next * 37) % 140, static_cast<uint8_t>(next)), next};
    ++next;
    return true;
  };
  nic->wire_source = &src;
  prepare_fault(*nic, "frame_drop", "drop", {{"probability", "0.05"}}, 1)(true);
  prepare_fault(*nic, "frame_corrupt", "corrupt", {{"probability", "0.05"}}, 2)(true);
  prepare_fault(*nic, "frame_duplicate", "dup", {{"nth", "7"}}, 3)(true);
  FaultAction link = prepare_fault(*nic, "link_down", "flap", {});
  uint64_t delivered = 0;
  run([&] {
    wr(E1000::CTRL, E1000::CTRL_SLU);
    rx_ring(32, kRctl);
    sc_core::sc_spawn([&] {
      wait_us(1000);
      link(true);
      wait_us(500);
      link(false);
    });
    unsigned i = 0;
    for (;;) {
      wait_us(1);
      while (rx_status(i) & E1000::RXD_STAT_DD) {
        ++delivered;
        mem(kRxRing + 16 * i + 12)[0] = 0;
        wr(E1000::RDT, i);
        i = (i + 1) % 32;
      }
    }
  }, sc_core::sc_time(10, sc_core::SC_MS));
  const auto& w = nic->wire_counts();
  const auto& c = nic->rx_counts();
  EXPECT_EQ(w.from_source, 3000u);
  EXPECT_GT(w.dropped, 0u);
  EXPECT_GT(w.corrupted, 0u);
  EXPECT_GT(w.duplicates, 0u);
  EXPECT_GT(w.link_down, 0u);
  EXPECT_EQ(w.from_source, c.offered - w.duplicates + w.dropped + w.link_down);
  EXPECT_EQ(c.crc_error, w.corrupted);
  EXPECT_EQ(c.offered, c.filtered + c.disabled + c.oversize + c.missed + c.dma_error + c.flushed + c.crc_error +
                           c.to_host + nic->rx_fifo_frames());
  EXPECT_EQ(c.to_host, delivered);
}
