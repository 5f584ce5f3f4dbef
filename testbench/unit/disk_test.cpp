// ATA disk (primary channel, device 0) with SFF-8038i bus-master DMA: the
// ATA-6 behaviours the firmware relies on, one test each.
//
// Each TEST builds: a Bus, 256 KiB of RAM at 0, the disk (command block at I/O
// 0x1F0, control block at 0x3F6, bus-master registers at I/O 0xC000, its
// engine a bus master at priority 0, IRQ 14 on a signal) and a CPU master
// (priority 1) whose script runs in a thread. The script drives the disk only
// through its register blocks on the bus and watches the IRQ line, as a driver
// does, so the suite can run against an RTL twin later.
#include <gtest/gtest.h>
#include <tlm_utils/simple_initiator_socket.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <iterator>
#include <string>
#include <unistd.h>
#include <vector>

#include "bus/bus.h"
#include "core/address_space.h"
#include "core/fault.h"
#include "core/params.h"
#include "core/sim_control.h"
#include "core/stats.h"
#include "disk/ata_disk.h"
#include "memory/memory.h"

using namespace minipc;
using sc_core::sc_time;
using sc_core::SC_NS;
using sc_core::SC_US;
using sc_core::SC_ZERO_TIME;
using A = AtaDisk;

namespace {

constexpr uint64_t kCmd = 0x1F0, kCtrl = 0x3F6, kBmi = 0xC000;
constexpr unsigned kImageSectors = 100;

uint8_t pattern(uint64_t lba, unsigned i) { return static_cast<uint8_t>(lba * 31 + i * 7 + 1); }

// A raw image of kImageSectors sectors with a known pattern, removed at the end.
struct ImageFile {
  std::string path = "/tmp/minipc_disk_test_" + std::to_string(getpid()) + ".img";
  ImageFile() {
    std::ofstream f(path, std::ios::binary);
    for (uint64_t s = 0; s < kImageSectors; ++s)
      for (unsigned i = 0; i < 512; ++i) f.put(static_cast<char>(pattern(s, i)));
  }
  ~ImageFile() { std::remove(path.c_str()); }
  std::vector<uint8_t> bytes() const {
    std::ifstream f(path, std::ios::binary);
    return std::vector<uint8_t>(std::istreambuf_iterator<char>(f), {});
  }
};

class CpuMaster : public sc_core::sc_module {
 public:
  SC_HAS_PROCESS(CpuMaster);
  BusMaster master{"socket"};  // the kit: a CPU-like master needs nothing else
  std::function<void()> script;
  bool finished = false;

  explicit CpuMaster(const sc_core::sc_module_name& nm) : sc_module(nm) { SC_THREAD(run); }

  uint64_t in(uint64_t port, unsigned len = 1) {
    uint64_t v = 0;
    access(tlm::TLM_READ_COMMAND, AddressSpace::io, port, reinterpret_cast<uint8_t*>(&v), len);
    return v;
  }
  void out(uint64_t port, uint64_t v, unsigned len = 1) {
    access(tlm::TLM_WRITE_COMMAND, AddressSpace::io, port, reinterpret_cast<uint8_t*>(&v), len);
  }
  void mem_write(uint64_t addr, uint64_t v, unsigned len = 4) {
    access(tlm::TLM_WRITE_COMMAND, AddressSpace::memory, addr, reinterpret_cast<uint8_t*>(&v), len);
  }
  // The taskfile for an LBA28 command, then the command.
  void issue(uint8_t command, uint64_t lba = 0, unsigned count = 1) {
    out(kCmd + A::SECTOR_COUNT, count & 0xFF);
    out(kCmd + A::LBA_LOW, lba & 0xFF);
    out(kCmd + A::LBA_MID, (lba >> 8) & 0xFF);
    out(kCmd + A::LBA_HIGH, (lba >> 16) & 0xFF);
    out(kCmd + A::DEVICE, 0xE0 | ((lba >> 24) & 0x0F));
    out(kCmd + A::COMMAND, command);
  }
  // Polls Alternate Status (which leaves the interrupt pending) until BSY clears.
  uint64_t wait_not_busy(sc_time poll = sc_time(1, SC_US)) {
    for (;;) {
      const uint64_t s = in(kCtrl);
      if (!(s & A::ST_BSY)) return s;
      wait(poll);
    }
  }
  std::vector<uint8_t> read_sector_pio() {
    std::vector<uint8_t> v;
    for (int i = 0; i < 256; ++i) {
      const uint64_t w = in(kCmd + A::DATA, 2);
      v.push_back(static_cast<uint8_t>(w));
      v.push_back(static_cast<uint8_t>(w >> 8));
    }
    return v;
  }
  void write_sector_pio(const std::vector<uint8_t>& v) {
    for (int i = 0; i < 256; ++i) out(kCmd + A::DATA, v[2 * i] | (v[2 * i + 1] << 8), 2);
  }
  // Lets an IRQ change reach the line (the disk's method writes it, the signal updates).
  void settle() {
    wait(SC_ZERO_TIME);
    wait(SC_ZERO_TIME);
  }

 private:
  void run() {
    if (script) script();
    finished = true;
  }
  void access(tlm::tlm_command cmd, AddressSpace s, uint64_t addr, uint8_t* data, unsigned len) {
    const bool ok = cmd == tlm::TLM_WRITE_COMMAND ? master.write(s, addr, data, len) : master.read(s, addr, data, len);
    EXPECT_TRUE(ok) << "address " << std::hex << addr;
  }
};

struct DiskSystem {
  Bus bus{"bus"};
  Memory ram{"ram"};
  AtaDisk disk{"disk0"};
  CpuMaster cpu{"cpu"};
  IrqLine irq14{"irq14"};

  DiskSystem() {
    bus.connect_master(disk.master, "disk0", 0);
    bus.connect_master(cpu.master, "cpu", 1);
    bus.map(AddressSpace::memory, 0, ram.bytes(), bus.connect_target(ram.port, "ram"));
    bus.map(AddressSpace::io, kCmd, 8, bus.connect_target(disk.regs, "disk0.cmd"));
    bus.map(AddressSpace::io, kCtrl, 1, bus.connect_target(disk.ctrl, "disk0.ctrl"));
    bus.map(AddressSpace::io, kBmi, 8, bus.connect_target(disk.bmi, "disk0.bmi"));
    disk.irq.bind(irq14);
  }
  void run(std::function<void()> script, sc_time limit = sc_time(10, sc_core::SC_MS)) {
    cpu.script = std::move(script);
    sc_core::sc_start(limit);
    EXPECT_TRUE(cpu.finished) << "the CPU script did not finish";
  }
  // Writes a PRD entry into RAM.
  void prd(uint64_t at, uint32_t base, uint32_t bytes, bool eot) {
    const uint32_t hi = (bytes & 0xFFFF) | (eot ? 0x80000000u : 0);
    std::memcpy(ram.data() + at, &base, 4);
    std::memcpy(ram.data() + at + 4, &hi, 4);
  }
};

struct DiskTest : ::testing::Test {
  ImageFile file;
  void SetUp() override {
    ConfigStore::instance().clear();
    StatsRegistry::instance().clear();
    FaultLog::instance().clear();
    FaultLog::instance().set_quiet(true);
    set("ram.size", "256K");
    set("disk0.image", file.path);
  }
  static void set(const std::string& k, const std::string& v) { ConfigStore::instance().set(k, v, "test"); }
};

double stat(const std::string& n) { return StatsRegistry::instance().value(n); }

bool sector_matches(const uint8_t* p, uint64_t lba) {
  for (unsigned i = 0; i < 512; ++i)
    if (p[i] != pattern(lba, i)) return false;
  return true;
}

}  // namespace

TEST_F(DiskTest, IdentifyReportsCapacityAndModel) {
  DiskSystem s;
  uint64_t st = 0, after = 0;
  std::vector<uint8_t> id;
  s.run([&] {
    s.cpu.issue(A::CMD_IDENTIFY);
    st = s.cpu.wait_not_busy();
    id = s.cpu.read_sector_pio();
    after = s.cpu.in(kCmd + A::STATUS);
  });
  EXPECT_EQ(st, 0x58u) << "DRDY DSC DRQ";
  EXPECT_EQ(after, 0x50u);
  ASSERT_EQ(id.size(), 512u);
  auto word = [&](unsigned w) { return id[2 * w] | (id[2 * w + 1] << 8); };
  EXPECT_EQ(word(60) | (word(61) << 16), static_cast<int>(kImageSectors));
  EXPECT_EQ(word(49) & 0x0300, 0x0300) << "LBA and DMA supported";
  EXPECT_EQ(word(63) & 0x0007, 0x0007) << "multiword DMA 0-2";
  std::string model;
  for (unsigned w = 27; w < 47; ++w) {
    model += static_cast<char>(word(w) >> 8);
    model += static_cast<char>(word(w) & 0xFF);
  }
  EXPECT_EQ(model, "MINIPC VIRTUAL ATA DISK                 ");
  uint8_t sum = 0;
  for (uint8_t b : id) sum = static_cast<uint8_t>(sum + b);
  EXPECT_EQ(word(255) & 0xFF, 0xA5);
  EXPECT_EQ(sum, 0) << "integrity word";
}

TEST_F(DiskTest, ReadSectorsPioReturnsImageBytes) {
  DiskSystem s;
  std::vector<uint8_t> a, b;
  uint64_t st0 = 0, st1 = 0, end = 0;
  s.run([&] {
    s.cpu.issue(A::CMD_READ_SECTORS, 5, 2);
    st0 = s.cpu.wait_not_busy();
    a = s.cpu.read_sector_pio();
    st1 = s.cpu.wait_not_busy();
    b = s.cpu.read_sector_pio();
    end = s.cpu.in(kCmd + A::STATUS);
  });
  EXPECT_EQ(st0, 0x58u);
  EXPECT_EQ(st1, 0x58u);
  EXPECT_EQ(end, 0x50u);
  ASSERT_EQ(a.size(), 512u);
  EXPECT_TRUE(sector_matches(a.data(), 5));
  EXPECT_TRUE(sector_matches(b.data(), 6));
  EXPECT_EQ(stat("disk0.sectors_read"), 2);
  EXPECT_EQ(stat("disk0.pio_words"), 512);
}

TEST_F(DiskTest, WriteSectorsPioCopyOnWriteLeavesImageUntouched) {
  const std::vector<uint8_t> before = file.bytes();
  std::vector<uint8_t> mine(512), back;
  for (unsigned i = 0; i < 512; ++i) mine[i] = static_cast<uint8_t>(0xC0 ^ i);
  uint64_t drq = 0, done = 0;
  {
    DiskSystem s;
    s.run([&] {
      s.cpu.issue(A::CMD_WRITE_SECTORS, 3, 1);
      drq = s.cpu.wait_not_busy();
      s.cpu.write_sector_pio(mine);
      done = s.cpu.wait_not_busy();
      s.cpu.issue(A::CMD_READ_SECTORS, 3, 1);
      s.cpu.wait_not_busy();
      back = s.cpu.read_sector_pio();
    });
  }
  EXPECT_EQ(drq, 0x58u);
  EXPECT_EQ(done, 0x50u);
  EXPECT_EQ(back, mine) << "the disk reads back what was written";
  EXPECT_EQ(file.bytes(), before) << "the image file is not modified";
  EXPECT_EQ(stat("disk0.sectors_written"), 1);
}

TEST_F(DiskTest, WritebackWritesFile) {
  set("disk0.writeback", "true");
  std::vector<uint8_t> mine(512, 0x5A);
  {
    DiskSystem s;
    s.run([&] {
      s.cpu.issue(A::CMD_WRITE_SECTORS, 7, 1);
      s.cpu.wait_not_busy();
      s.cpu.write_sector_pio(mine);
      s.cpu.wait_not_busy();
      s.cpu.issue(A::CMD_FLUSH_CACHE);
      s.cpu.wait_not_busy();
    });
  }
  const std::vector<uint8_t> after = file.bytes();
  ASSERT_EQ(after.size(), kImageSectors * 512);
  EXPECT_TRUE(std::equal(mine.begin(), mine.end(), after.begin() + 7 * 512));
  EXPECT_TRUE(sector_matches(after.data() + 6 * 512, 6));
  EXPECT_TRUE(sector_matches(after.data() + 8 * 512, 8));
}

TEST_F(DiskTest, ReadDmaThroughPrdTable) {
  DiskSystem s;
  s.prd(0x8000, 0x1000, 512, false);
  s.prd(0x8008, 0x3000, 512, true);
  std::memset(s.ram.data() + 0x1000, 0xEE, 0x3000);
  uint64_t bmista = 0, st = 0, bmista_after = 0;
  bool irq_seen = false, irq_after = true;
  s.run([&] {
    s.cpu.out(kBmi + A::BMIDTP, 0x8000, 4);
    s.cpu.out(kBmi + A::BMISTA, A::BMISTA_INTR | A::BMISTA_ERROR | A::BMISTA_DRV0_DMA);
    s.cpu.issue(A::CMD_READ_DMA, 20, 2);
    s.cpu.out(kBmi + A::BMICOM, A::BMICOM_READ | A::BMICOM_START);
    while (!s.irq14.read()) wait(s.irq14.posedge_event());
    irq_seen = true;
    bmista = s.cpu.in(kBmi + A::BMISTA);
    s.cpu.out(kBmi + A::BMICOM, 0);
    st = s.cpu.in(kCmd + A::STATUS);  // clears INTRQ
    s.cpu.settle();
    irq_after = s.irq14.read();
    s.cpu.out(kBmi + A::BMISTA, A::BMISTA_INTR | A::BMISTA_DRV0_DMA);
    bmista_after = s.cpu.in(kBmi + A::BMISTA);
  });
  EXPECT_TRUE(irq_seen);
  EXPECT_EQ(bmista, A::BMISTA_INTR | A::BMISTA_DRV0_DMA) << "interrupt, not active (PRD used up), no error";
  EXPECT_EQ(st, 0x50u);
  EXPECT_FALSE(irq_after);
  EXPECT_EQ(bmista_after, A::BMISTA_DRV0_DMA);
  EXPECT_TRUE(sector_matches(s.ram.data() + 0x1000, 20));
  EXPECT_TRUE(sector_matches(s.ram.data() + 0x3000, 21));
  EXPECT_EQ(s.ram.data()[0x1200], 0xEE) << "nothing between the two buffers";
  EXPECT_EQ(s.ram.data()[0x3200], 0xEE);
  EXPECT_EQ(stat("disk0.dma_bytes"), 1024);
  EXPECT_EQ(stat("disk0.sectors_read"), 2);
}

TEST_F(DiskTest, WriteDma) {
  DiskSystem s;
  s.prd(0x8000, 0x1000, 1024, true);
  for (unsigned i = 0; i < 1024; ++i) s.ram.data()[0x1000 + i] = static_cast<uint8_t>(i * 13);
  uint64_t bmista = 0, st = 0;
  std::vector<uint8_t> a, b;
  s.run([&] {
    s.cpu.out(kBmi + A::BMIDTP, 0x8000, 4);
    s.cpu.issue(A::CMD_WRITE_DMA, 40, 2);
    s.cpu.out(kBmi + A::BMICOM, A::BMICOM_START);  // engine reads memory
    while (!s.irq14.read()) wait(s.irq14.posedge_event());
    bmista = s.cpu.in(kBmi + A::BMISTA);
    s.cpu.out(kBmi + A::BMICOM, 0);
    st = s.cpu.in(kCmd + A::STATUS);
    s.cpu.issue(A::CMD_READ_SECTORS, 40, 2);
    s.cpu.wait_not_busy();
    a = s.cpu.read_sector_pio();
    s.cpu.wait_not_busy();
    b = s.cpu.read_sector_pio();
  });
  EXPECT_EQ(bmista & (A::BMISTA_INTR | A::BMISTA_ERROR | A::BMISTA_ACTIVE), A::BMISTA_INTR);
  EXPECT_EQ(st, 0x50u);
  EXPECT_TRUE(std::equal(a.begin(), a.end(), s.ram.data() + 0x1000));
  EXPECT_TRUE(std::equal(b.begin(), b.end(), s.ram.data() + 0x1200));
  EXPECT_EQ(stat("disk0.sectors_written"), 2);
}

TEST_F(DiskTest, PrdWithoutEotIsError) {
  DiskSystem s;
  // One 256-byte entry without EOT in the last slot of a 64 KiB page: the
  // engine needs a second entry, which would lie outside the table's page.
  s.prd(0xFFF8, 0x2000, 256, false);
  std::memset(s.ram.data() + 0x2000, 0xEE, 0x400);
  uint64_t bmista = 0, st = 0, err = 0;
  s.run([&] {
    s.cpu.out(kBmi + A::BMIDTP, 0xFFF8, 4);
    s.cpu.issue(A::CMD_READ_DMA, 1, 1);
    s.cpu.out(kBmi + A::BMICOM, A::BMICOM_READ | A::BMICOM_START);
    while (!s.irq14.read()) wait(s.irq14.posedge_event());
    bmista = s.cpu.in(kBmi + A::BMISTA);
    err = s.cpu.in(kCmd + A::ERROR);
    st = s.cpu.in(kCmd + A::STATUS);
  });
  EXPECT_EQ(bmista & (A::BMISTA_INTR | A::BMISTA_ERROR | A::BMISTA_ACTIVE), A::BMISTA_INTR | A::BMISTA_ERROR);
  EXPECT_EQ(st, 0x51u) << "DRDY DSC ERR";
  EXPECT_EQ(err, A::ER_ABRT);
  bool first_part = true;
  for (unsigned i = 0; i < 256; ++i) first_part = first_part && s.ram.data()[0x2000 + i] == pattern(1, i);
  EXPECT_TRUE(first_part) << "the 256 bytes the entry describes were written";
  EXPECT_EQ(s.ram.data()[0x2100], 0xEE) << "nothing beyond the table's buffers";
  EXPECT_EQ(stat("disk0.errors"), 1);
}

TEST_F(DiskTest, PrdOutsideRamIsBusErrorAndNoWrite) {
  DiskSystem s;
  s.prd(0x8000, 0x3FFF00, 512, true);  // RAM ends at 0x40000
  const std::vector<uint8_t> before(s.ram.data(), s.ram.data() + s.ram.bytes());
  uint64_t bmista = 0, st = 0;
  s.run([&] {
    s.cpu.out(kBmi + A::BMIDTP, 0x8000, 4);
    s.cpu.issue(A::CMD_READ_DMA, 1, 1);
    s.cpu.out(kBmi + A::BMICOM, A::BMICOM_READ | A::BMICOM_START);
    while (!s.irq14.read()) wait(s.irq14.posedge_event());
    bmista = s.cpu.in(kBmi + A::BMISTA);
    st = s.cpu.in(kCmd + A::STATUS);
  });
  EXPECT_EQ(bmista & (A::BMISTA_INTR | A::BMISTA_ERROR | A::BMISTA_ACTIVE), A::BMISTA_INTR | A::BMISTA_ERROR);
  EXPECT_EQ(st, 0x51u);
  EXPECT_TRUE(std::equal(before.begin(), before.end(), s.ram.data())) << "RAM untouched";
  EXPECT_EQ(s.bus.unmapped_accesses(), 1u);
}

TEST_F(DiskTest, LbaOutOfRangeSetsIdnf) {
  DiskSystem s;
  uint64_t st = 0, err = 0;
  bool irq = false;
  s.run([&] {
    s.cpu.issue(A::CMD_READ_SECTORS, kImageSectors - 1, 2);
    s.cpu.wait_not_busy();
    s.cpu.settle();
    irq = s.irq14.read();
    err = s.cpu.in(kCmd + A::ERROR);
    st = s.cpu.in(kCmd + A::STATUS);
  });
  EXPECT_EQ(st, 0x51u);
  EXPECT_EQ(err, A::ER_IDNF);
  EXPECT_TRUE(irq);
  EXPECT_EQ(stat("disk0.sectors_read"), 0);
}

TEST_F(DiskTest, UnknownCommandAborts) {
  DiskSystem s;
  uint64_t st = 0, err = 0;
  s.run([&] {
    s.cpu.issue(0x55);
    s.cpu.wait_not_busy();
    err = s.cpu.in(kCmd + A::ERROR);
    st = s.cpu.in(kCmd + A::STATUS);
  });
  EXPECT_EQ(st, 0x51u);
  EXPECT_EQ(err, A::ER_ABRT);
  EXPECT_EQ(stat("disk0.errors"), 1);
}

TEST_F(DiskTest, NienMasksIrq) {
  DiskSystem s;
  bool masked = true, unmasked = false, cleared = true;
  s.run([&] {
    s.cpu.out(kCtrl, A::DC_NIEN);
    s.cpu.issue(A::CMD_SET_FEATURES);  // features 0: aborted, but it completes with an interrupt
    s.cpu.wait_not_busy();
    wait(sc_time(10, SC_US));
    masked = s.irq14.read();
    s.cpu.out(kCtrl, 0);  // the pending interrupt shows once nIEN clears
    s.cpu.settle();
    unmasked = s.irq14.read();
    s.cpu.in(kCmd + A::STATUS);
    s.cpu.settle();
    cleared = s.irq14.read();
  });
  EXPECT_FALSE(masked);
  EXPECT_TRUE(unmasked);
  EXPECT_FALSE(cleared);
}

TEST_F(DiskTest, StatusReadClearsIrqAlternateStatusDoesNot) {
  DiskSystem s;
  bool raised = false, after_alt = false, after_status = true;
  uint64_t alt = 0;
  s.run([&] {
    s.cpu.issue(A::CMD_DIAGNOSTIC);
    while (!s.irq14.read()) wait(s.irq14.posedge_event());
    raised = true;
    alt = s.cpu.in(kCtrl);
    s.cpu.settle();
    after_alt = s.irq14.read();
    s.cpu.in(kCmd + A::STATUS);
    s.cpu.settle();
    after_status = s.irq14.read();
  });
  EXPECT_TRUE(raised);
  EXPECT_EQ(alt, 0x50u);
  EXPECT_TRUE(after_alt);
  EXPECT_FALSE(after_status);
}

TEST_F(DiskTest, SoftResetViaSrst) {
  DiskSystem s;
  uint64_t in_reset = 0, early = 0, st = 0, err = 0, sc = 0, lbal = 0, lbam = 0, lbah = 0, before = 0;
  bool irq = true;
  s.run([&] {
    s.cpu.issue(0x55);  // leave an error behind
    before = s.cpu.wait_not_busy();
    s.cpu.out(kCtrl, A::DC_SRST);
    in_reset = s.cpu.in(kCtrl);
    s.cpu.out(kCtrl, 0);
    early = s.cpu.in(kCtrl);
    st = s.cpu.wait_not_busy();
    s.cpu.settle();
    irq = s.irq14.read();
    err = s.cpu.in(kCmd + A::ERROR);
    sc = s.cpu.in(kCmd + A::SECTOR_COUNT);
    lbal = s.cpu.in(kCmd + A::LBA_LOW);
    lbam = s.cpu.in(kCmd + A::LBA_MID);
    lbah = s.cpu.in(kCmd + A::LBA_HIGH);
  });
  EXPECT_EQ(before, 0x51u);
  EXPECT_EQ(in_reset, A::ST_BSY);
  EXPECT_EQ(early, A::ST_BSY) << "BSY for reset_time after SRST clears";
  EXPECT_EQ(st, 0x50u);
  EXPECT_FALSE(irq) << "no interrupt after a soft reset";
  EXPECT_EQ(err, 0x01u) << "diagnostic code: passed";
  EXPECT_EQ(sc, 1u);
  EXPECT_EQ(lbal, 1u);
  EXPECT_EQ(lbam, 0u);
  EXPECT_EQ(lbah, 0u);
}

TEST_F(DiskTest, BusyDuringSeekTime) {
  set("disk0.command_time", "2us");
  set("disk0.seek_time", "100us");
  set("disk0.bytes_per_second", "5120000");  // 100 us per sector
  set("disk0.clock_hz", "10MHz");
  DiskSystem s;
  // An I/O byte access reaches the disk 20 ns after it is issued (address
  // cycle + one data beat at 100 MHz): issue the probes 20 ns early.
  const sc_time bus_to_device(20, SC_NS);
  uint64_t just_before = 0, at_ready = 0, second_before = 0, second_at = 0;
  s.run([&] {
    s.cpu.issue(A::CMD_READ_SECTORS, 50, 2);  // the head is at 0: a seek
    // The command write was the last access of issue(): 20 ns on the bus, then
    // one 10 MHz disk clock; it reached the disk 20 ns after it was issued.
    const sc_time t_cmd = sc_core::sc_time_stamp() - sc_time(120, SC_NS) + bus_to_device;
    const sc_time ready = t_cmd + sc_time(2 + 100 + 100, SC_US);
    wait(ready - sc_time(1, SC_NS) - bus_to_device - sc_core::sc_time_stamp());
    just_before = s.cpu.in(kCtrl);
    wait(ready - bus_to_device - sc_core::sc_time_stamp());
    at_ready = s.cpu.in(kCtrl);
    s.cpu.read_sector_pio();  // drained (256 x 120 ns) before the medium has sector 2
    const sc_time second = ready + sc_time(100, SC_US);
    wait(second - sc_time(1, SC_NS) - bus_to_device - sc_core::sc_time_stamp());
    second_before = s.cpu.in(kCtrl);
    wait(second - bus_to_device - sc_core::sc_time_stamp());
    second_at = s.cpu.in(kCtrl);
  });
  EXPECT_EQ(just_before, A::ST_BSY);
  EXPECT_EQ(at_ready, 0x58u);
  EXPECT_EQ(second_before, A::ST_BSY);
  EXPECT_EQ(second_at, 0x58u);
}

TEST_F(DiskTest, MissingImageIsInputError) {
  set("disk0.image", "/nonexistent/minipc/disk.img");
  try {
    AtaDisk disk("disk0");
    FAIL() << "no error";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("disk0.image"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("/nonexistent/minipc/disk.img"), std::string::npos) << e.what();
  }
}

TEST_F(DiskTest, BlankDiskWithoutImage) {
  set("disk0.image", "");
  set("disk0.sectors", "2048");
  DiskSystem s;
  std::vector<uint8_t> id, data;
  s.run([&] {
    s.cpu.issue(A::CMD_IDENTIFY);
    s.cpu.wait_not_busy();
    id = s.cpu.read_sector_pio();
    s.cpu.issue(A::CMD_READ_SECTORS, 2047, 1);
    s.cpu.wait_not_busy();
    data = s.cpu.read_sector_pio();
  });
  EXPECT_EQ(id[120] | (id[121] << 8), 2048);
  EXPECT_EQ(data, std::vector<uint8_t>(512, 0));
}

// ---- faults (docs/faults_disk_nmi.md) -------------------------------------------

namespace {
// A fault of the disk as the platform's injector prepares it: its parameters
// are config keys faults.<name>.<param>.
FaultAction prepare(const FaultHook& hook, const std::string& name, FaultArgs** keep = nullptr) {
  static std::vector<std::unique_ptr<FaultArgs>> args;
  args.push_back(std::make_unique<FaultArgs>(name, FaultLog::instance().add(name), 1));
  if (keep) *keep = args.back().get();
  return hook.prepare(*args.back());
}
uint64_t task_file_lba(CpuMaster& cpu) {
  return cpu.in(kCmd + A::LBA_LOW) | (cpu.in(kCmd + A::LBA_MID) << 8) | (cpu.in(kCmd + A::LBA_HIGH) << 16) |
         ((cpu.in(kCmd + A::DEVICE) & 0x0F) << 24);
}
}  // namespace

// READ SECTORS over a bad sector: the sectors before it come in their DRQ
// blocks, then the command ends with ERR, UNC and the bad LBA in the task file.
TEST_F(DiskTest, UnreadablePioReadTransfersSectorsBeforeTheBadOneThenUnc) {
  set("faults.bad.lba", "7");
  set("faults.bad.count", "2");
  DiskSystem s;
  FaultAction fire = prepare(unreadable_fault_hook(s.disk), "bad");
  std::vector<uint8_t> a, b;
  uint64_t st0 = 0, st1 = 0, st2 = 0, err = 0, lba = 0, data_after = 0;
  bool irq = false;
  s.run([&] {
    fire(true);
    s.cpu.issue(A::CMD_READ_SECTORS, 5, 4);
    st0 = s.cpu.wait_not_busy();
    a = s.cpu.read_sector_pio();
    st1 = s.cpu.wait_not_busy();
    b = s.cpu.read_sector_pio();
    st2 = s.cpu.wait_not_busy();
    s.cpu.settle();
    irq = s.irq14.read();
    err = s.cpu.in(kCmd + A::ERROR);
    lba = task_file_lba(s.cpu);
    s.cpu.in(kCmd + A::STATUS);
    data_after = s.cpu.in(kCmd + A::DATA, 2);
  });
  EXPECT_EQ(st0, 0x58u);
  EXPECT_EQ(st1, 0x58u);
  EXPECT_TRUE(sector_matches(a.data(), 5));
  EXPECT_TRUE(sector_matches(b.data(), 6));
  EXPECT_EQ(st2, 0x51u) << "DRDY DSC ERR, no DRQ for the bad sector";
  EXPECT_EQ(err, A::ER_UNC);
  EXPECT_EQ(lba, 7u) << "the task file holds the first unreadable sector";
  EXPECT_TRUE(irq) << "INTRQ with the error";
  EXPECT_EQ(data_after, 0xFFFFu) << "no data phase after the error";
  EXPECT_EQ(stat("disk0.sectors_read"), 2);
  EXPECT_EQ(stat("disk0.media_errors"), 1);
}

// In CHS mode the error address is cylinder/head/sector.
TEST_F(DiskTest, UnreadableErrorAddressInChsMode) {
  set("faults.bad.lba", "70");  // cylinder 0, head 1, sector 8 (63 sectors per track)
  DiskSystem s;
  FaultAction fire = prepare(unreadable_fault_hook(s.disk), "bad");
  uint64_t st = 0, err = 0, sec = 0, cyl = 0, head = 0;
  std::vector<uint8_t> first;
  s.run([&] {
    fire(true);
    s.cpu.out(kCmd + A::SECTOR_COUNT, 2);
    s.cpu.out(kCmd + A::LBA_LOW, 7);  // the sector before the bad one
    s.cpu.out(kCmd + A::LBA_MID, 0);
    s.cpu.out(kCmd + A::LBA_HIGH, 0);
    s.cpu.out(kCmd + A::DEVICE, 0xA1);  // CHS, head 1
    s.cpu.out(kCmd + A::COMMAND, A::CMD_READ_SECTORS);
    s.cpu.wait_not_busy();
    first = s.cpu.read_sector_pio();
    st = s.cpu.wait_not_busy();
    err = s.cpu.in(kCmd + A::ERROR);
    sec = s.cpu.in(kCmd + A::LBA_LOW);
    cyl = s.cpu.in(kCmd + A::LBA_MID) | (s.cpu.in(kCmd + A::LBA_HIGH) << 8);
    head = s.cpu.in(kCmd + A::DEVICE) & 0x0F;
  });
  EXPECT_EQ(st, 0x51u);
  EXPECT_EQ(err, A::ER_UNC);
  EXPECT_TRUE(sector_matches(first.data(), 69));
  EXPECT_EQ(sec, 8u) << "the bad sector, not the command's first";
  EXPECT_EQ(cyl, 0u);
  EXPECT_EQ(head, 1u);
}

// READ DMA over a bad sector: the engine moves the sectors before it and
// stops; Status ERR, Error UNC, BMISTA interrupt with Active still set and no
// bus-master error.
TEST_F(DiskTest, UnreadableReadDmaStopsAtTheBadSector) {
  set("faults.bad.lba", "21");
  DiskSystem s;
  FaultAction fire = prepare(unreadable_fault_hook(s.disk), "bad");
  s.prd(0x8000, 0x1000, 3 * 512, true);
  std::memset(s.ram.data() + 0x1000, 0xEE, 0x1000);
  uint64_t bmista = 0, st = 0, err = 0, lba = 0;
  s.run([&] {
    fire(true);
    s.cpu.out(kBmi + A::BMIDTP, 0x8000, 4);
    s.cpu.issue(A::CMD_READ_DMA, 20, 3);
    s.cpu.out(kBmi + A::BMICOM, A::BMICOM_READ | A::BMICOM_START);
    while (!s.irq14.read()) wait(s.irq14.posedge_event());
    bmista = s.cpu.in(kBmi + A::BMISTA);
    s.cpu.out(kBmi + A::BMICOM, 0);
    err = s.cpu.in(kCmd + A::ERROR);
    lba = task_file_lba(s.cpu);
    st = s.cpu.in(kCmd + A::STATUS);
  });
  EXPECT_EQ(bmista, A::BMISTA_INTR | A::BMISTA_ACTIVE | A::BMISTA_DRV0_DMA);
  EXPECT_EQ(st, 0x51u);
  EXPECT_EQ(err, A::ER_UNC);
  EXPECT_EQ(lba, 21u);
  EXPECT_TRUE(sector_matches(s.ram.data() + 0x1000, 20)) << "the sector before the bad one arrived";
  EXPECT_EQ(s.ram.data()[0x1200], 0xEE) << "nothing for the bad sector";
  EXPECT_EQ(stat("disk0.sectors_read"), 1);
  EXPECT_EQ(stat("disk0.media_errors"), 1);
}

// READ VERIFY SECTORS finds the bad sector too; sectors outside the range read
// fine; when the fault ends the sectors read again.
TEST_F(DiskTest, UnreadableVerifyOtherSectorsAndEndOfFault) {
  set("faults.bad.lba", "40");
  set("faults.bad.count", "3");
  DiskSystem s;
  FaultAction fault = prepare(unreadable_fault_hook(s.disk), "bad");
  uint64_t verify_st = 0, verify_err = 0, verify_lba = 0, ok_st = 0, after_st = 0;
  std::vector<uint8_t> neighbour, healed;
  s.run([&] {
    fault(true);
    s.cpu.issue(A::CMD_READ_VERIFY, 38, 10);
    verify_st = s.cpu.wait_not_busy();
    verify_err = s.cpu.in(kCmd + A::ERROR);
    verify_lba = task_file_lba(s.cpu);
    s.cpu.issue(A::CMD_READ_SECTORS, 43, 1);
    ok_st = s.cpu.wait_not_busy();
    neighbour = s.cpu.read_sector_pio();
    fault(false);
    s.cpu.issue(A::CMD_READ_SECTORS, 41, 1);
    after_st = s.cpu.wait_not_busy();
    healed = s.cpu.read_sector_pio();
  });
  EXPECT_EQ(verify_st, 0x51u);
  EXPECT_EQ(verify_err, A::ER_UNC);
  EXPECT_EQ(verify_lba, 40u);
  EXPECT_EQ(ok_st, 0x58u);
  EXPECT_TRUE(sector_matches(neighbour.data(), 43));
  EXPECT_EQ(after_st, 0x58u);
  EXPECT_TRUE(sector_matches(healed.data(), 41));
}

// Bad parameters are ConfigErrors naming the key.
TEST_F(DiskTest, UnreadableParametersOutOfRangeNameTheKey) {
  DiskSystem s;
  const FaultHook hook = unreadable_fault_hook(s.disk);
  auto error_of = [&](const std::string& name) -> std::string {
    try {
      prepare(hook, name);
    } catch (const ConfigError& e) {
      return e.what();
    }
    return "";
  };
  EXPECT_NE(error_of("nolba").find("faults.nolba.lba"), std::string::npos) << error_of("nolba");
  set("faults.far.lba", std::to_string(kImageSectors));
  EXPECT_NE(error_of("far").find("faults.far.lba"), std::string::npos) << error_of("far");
  set("faults.zero.lba", "3");
  set("faults.zero.count", "0");
  EXPECT_NE(error_of("zero").find("faults.zero.count"), std::string::npos) << error_of("zero");
  set("faults.past.lba", std::to_string(kImageSectors - 1));
  set("faults.past.count", "2");
  EXPECT_NE(error_of("past").find("faults.past.count"), std::string::npos) << error_of("past");
  set("faults.word.lba", "abc");
  EXPECT_NE(error_of("word").find("faults.word.lba"), std::string::npos) << error_of("word");
  set("faults.last.lba", std::to_string(kImageSectors - 1));
  EXPECT_EQ(error_of("last"), "") << "the last sector is a valid target";
}

// busy: BSY from the firing to the fault's end; commands, task-file writes and
// SRST are ignored; INTRQ released; a running command is dropped (ABRT after).
TEST_F(DiskTest, BusyHoldsBsyIgnoresCommandsUntilTheEnd) {
  DiskSystem s;
  FaultAction hang = prepare(busy_fault_hook(s.disk), "hang");
  uint64_t during_alt = 0, during_st = 0, after = 0, err = 0;
  bool bsy_all_along = true, irq_during = true;
  double commands_during = -1;
  std::vector<uint8_t> data;
  s.run([&] {
    s.cpu.issue(A::CMD_READ_SECTORS, 5, 2);
    s.cpu.wait_not_busy();  // DRQ for sector 5, INTRQ pending
    hang(true);
    s.cpu.settle();
    irq_during = s.irq14.read();
    during_alt = s.cpu.in(kCtrl);
    during_st = s.cpu.in(kCmd + A::STATUS);
    const double commands = stat("disk0.commands");
    s.cpu.issue(A::CMD_IDENTIFY);
    s.cpu.out(kCtrl, A::DC_SRST | A::DC_NIEN);
    s.cpu.out(kCtrl, A::DC_NIEN);
    for (int i = 0; i < 100; ++i) {  // 1 ms of polling
      if (!(s.cpu.in(kCtrl) & A::ST_BSY)) bsy_all_along = false;
      wait(sc_time(10, SC_US));
    }
    commands_during = stat("disk0.commands") - commands;
    hang(false);
    after = s.cpu.in(kCtrl);
    err = s.cpu.in(kCmd + A::ERROR);
    s.cpu.issue(A::CMD_READ_SECTORS, 9, 1);
    s.cpu.wait_not_busy();
    data = s.cpu.read_sector_pio();
  });
  EXPECT_FALSE(irq_during) << "INTRQ released by the hang";
  EXPECT_EQ(during_alt, A::ST_BSY);
  EXPECT_EQ(during_st, A::ST_BSY);
  EXPECT_TRUE(bsy_all_along);
  EXPECT_EQ(commands_during, 0) << "no command accepted while hung";
  EXPECT_EQ(after, 0x51u) << "DRDY DSC ERR: the dropped READ SECTORS";
  EXPECT_EQ(err, A::ER_ABRT);
  EXPECT_TRUE(sector_matches(data.data(), 9)) << "the drive works again after the fault";
}

// busy during a READ DMA: the engine stops where it is, no INTRQ comes; a
// drive idle when the hang ends reads DRDY DSC.
TEST_F(DiskTest, BusyStopsARunningDmaWithoutInterrupt) {
  set("disk0.bytes_per_second", "5120000");  // 100 us per sector
  DiskSystem s;
  FaultAction hang = prepare(busy_fault_hook(s.disk), "hang");
  s.prd(0x8000, 0x1000, 8 * 512, true);
  bool irq_seen = false;
  uint64_t bmista = 0, idle_after = 0;
  s.run([&] {
    s.cpu.out(kBmi + A::BMIDTP, 0x8000, 4);
    s.cpu.issue(A::CMD_READ_DMA, 0, 8);
    s.cpu.out(kBmi + A::BMICOM, A::BMICOM_READ | A::BMICOM_START);
    wait(sc_time(300, SC_US));
    hang(true);
    wait(sc_time(2, sc_core::SC_MS));
    irq_seen = s.irq14.read() || stat("disk0.sectors_read") == 8;
    bmista = s.cpu.in(kBmi + A::BMISTA);
    s.cpu.out(kBmi + A::BMICOM, 0);
    hang(false);
    s.cpu.in(kCmd + A::STATUS);
    // An idle drive hung and released comes back without an error.
    hang(true);
    hang(false);
    idle_after = s.cpu.in(kCtrl);
  });
  EXPECT_FALSE(irq_seen);
  EXPECT_LT(stat("disk0.sectors_read"), 8);
  EXPECT_EQ(bmista & (A::BMISTA_INTR | A::BMISTA_ERROR), 0u);
  EXPECT_EQ(idle_after, 0x50u);
}
