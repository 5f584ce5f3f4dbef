// The platform as data (docs/platform.md): blocks declared in the config,
// `minipc describe`, includes, and every way a config can be wrong (exit 64,
// one line naming the file, the key and both blocks where two collide).
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <string>

#include "minipc_process.h"

namespace fs = std::filesystem;
using minipc_test::has;
using minipc_test::minipc;
using minipc_test::RunResult;
using minipc_test::scratch;

namespace {
void write(const fs::path& p, const std::string& text) { std::ofstream(p) << text; }
}  // namespace

TEST(Describe, DefaultConfigShowsBlocksMapsRoutingAndMasters) {
  const RunResult r = minipc("describe", scratch());
  ASSERT_EQ(r.status, 0) << r.err;
  for (const char* line : {"uart0   uart16550", "pic     pic8259_pair          tlm",
                           "0x00000000-0x03FFFFFF  ram", "0xFEC00000-0xFEC0001F  ioapic",
                           "0x03F8-0x03FF  uart0", "0x0020-0x0021  pic_master", "0x0064-0x0064  kbd",
                           "uart0.irq       -> irq4  -> pic_master.ir4, ioapic.pin4",
                           "disk0.irq       -> irq14 -> pic_slave.ir6, ioapic.pin14",
                           "pic_slave.int   -> pic_cascade -> pic_master.ir2", "piix3.pirqA     -> pirqA -> ioapic.pin16",
                           "00:00.0  8086:1237  class 060000  i440fx", "00:01.1  8086:7010  class 010180  piix3_ide",
                           "BAR4  I/O    0xC000-0xC00F  (16 bytes)", "0x0CF8-0x0D02  pci_host",
                           // MSI: a bus master's write there is an APIC message in PIC mode too
                           "0xFEE00000-0xFEEFFFFF  apic_bus", "0  cpu0    priority 2",
                           "1  dma     priority 0", "2  disk0   priority 1"})
    EXPECT_TRUE(has(r.out, line)) << line << "\n" << r.out;
}

TEST(Describe, ShowsTheRtlChoiceAndApicMasters) {
  const RunResult r = minipc("describe --set pit0.impl=rtl --set platform.interrupts=apic", scratch());
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(has(r.out, "pit0    pit8254               rtl")) << r.out;
  EXPECT_TRUE(has(r.out, "0xFEE00000-0xFEEFFFFF  apic_bus")) << r.out;
  EXPECT_TRUE(has(r.out, "3  ioapic")) << r.out;
  EXPECT_TRUE(has(r.out, "4  lapic0")) << r.out;
}

TEST(Config, IncludeThenAddASecondUart) {
  const fs::path d = scratch();
  write(d / "two_uarts.yaml", "include: " DEFAULT_CONFIG "\nuart1:\n  type: uart16550\n  io_base: 0x2F8\n  irq: 3\n"
                              "  tx_dma_channel: none\n  rx_dma_channel: none\n");
  const RunResult r = minipc("describe --config two_uarts.yaml", d);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(has(r.out, "0x02F8-0x02FF  uart1")) << r.out;
  EXPECT_TRUE(has(r.out, "uart1.irq       -> irq3  -> pic_master.ir3, ioapic.pin3")) << r.out;
  // And it runs: the default demo does not touch COM2.
  EXPECT_EQ(minipc("run --no-vcd --no-stats --config two_uarts.yaml", d).status, 0);
}

TEST(Config, OverlayWithoutTypesChangesTheDefaultPc) {
  const fs::path d = scratch();
  write(d / "fast.yaml", "uart0:\n  instant_tx: true\n");
  const RunResult r = minipc("run --no-vcd --no-stats --config fast.yaml", d);
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(has(r.out, "hello: PASS")) << r.out;
}

TEST(BadConfig, UnknownBlockTypeIs64AndNamesKeyFileAndKnownTypes) {
  const fs::path d = scratch();
  write(d / "bad.yaml", "include: " DEFAULT_CONFIG "\nnic0:\n  type: e1001\n");
  const RunResult r = minipc("describe --config bad.yaml", d);
  EXPECT_EQ(r.status, 64);
  EXPECT_TRUE(has(r.err, "nic0.type (bad.yaml:3): unknown block type 'e1001'")) << r.err;
  EXPECT_TRUE(has(r.err, "uart16550")) << r.err;
}

TEST(BadConfig, BlockWithoutTypeIs64AndNamesIt) {
  const fs::path d = scratch();
  write(d / "bad.yaml", "include: " DEFAULT_CONFIG "\ncom2:\n  io_base: 0x2F8\n");
  const RunResult r = minipc("describe --config bad.yaml", d);
  EXPECT_EQ(r.status, 64);
  EXPECT_TRUE(has(r.err, "block 'com2' (bad.yaml:3): no 'type'")) << r.err;
}

TEST(BadConfig, UnknownImplIs64) {
  const RunResult r = minipc("describe --set uart0.impl=rtl", scratch());
  EXPECT_EQ(r.status, 64);
  EXPECT_TRUE(has(r.err, "uart0.impl (--set): 'rtl' is not an implementation (tlm)")) << r.err;
}

TEST(BadConfig, TwoOutputsOnOneIrqLineAre64AndNameBoth) {
  const RunResult r = minipc("describe --set rtc.irq=4", scratch());
  EXPECT_EQ(r.status, 64);
  EXPECT_TRUE(has(r.err, "both drive irq4")) << r.err;
  EXPECT_TRUE(has(r.err, "rtc.irq (--set)")) << r.err;
  EXPECT_TRUE(has(r.err, "uart0.irq (")) << r.err;
}

TEST(BadConfig, OverlappingWindowsNameTheKeyItsSourceAndBothBlocks) {
  const RunResult r = minipc("describe --set dma.io_base=0x3F8", scratch());
  EXPECT_EQ(r.status, 64);
  EXPECT_TRUE(has(r.err, "dma.io_base (--set)")) << r.err;
  EXPECT_TRUE(has(r.err, "of dma overlaps")) << r.err;
  EXPECT_TRUE(has(r.err, "of uart0")) << r.err;
}

TEST(BadConfig, WindowAcross4GiBIs64) {
  const RunResult r = minipc("describe --set dma.mmio_base=0xFFFFFF80", scratch());
  EXPECT_EQ(r.status, 64);
  EXPECT_TRUE(has(r.err, "dma.mmio_base (--set)")) << r.err;
  EXPECT_TRUE(has(r.err, "crosses the 4 GiB memory space")) << r.err;
}

TEST(BadConfig, IncludeCycleIs64) {
  const fs::path d = scratch();
  write(d / "a.yaml", "include: b.yaml\n");
  write(d / "b.yaml", "include: a.yaml\n");
  const RunResult r = minipc("describe --config a.yaml", d);
  EXPECT_EQ(r.status, 64);
  EXPECT_TRUE(has(r.err, "includes itself")) << r.err;
}

TEST(BadConfig, MissingIncludeIs64) {
  const fs::path d = scratch();
  write(d / "a.yaml", "include: nowhere.yaml\n");
  const RunResult r = minipc("describe --config a.yaml", d);
  EXPECT_EQ(r.status, 64);
  EXPECT_TRUE(has(r.err, "include 'nowhere.yaml': no such file")) << r.err;
}

TEST(BadConfig, PlatformWithoutCpuIs64) {
  const fs::path d = scratch();
  write(d / "nocpu.yaml", "ram:\n  type: ram\n");
  const RunResult r = minipc("run --config nocpu.yaml", d);
  EXPECT_EQ(r.status, 64);
  EXPECT_TRUE(has(r.err, "the platform has no CPU")) << r.err;
}

// A PCI function that is a block of its own (the NIC) gets the next free
// BARs; the IDE function's BAR4 stays where disk0.bmi_io_base pins it.
TEST(Describe, APluggedNicGetsItsBarsAndTheIdeBar4StaysAt0xC000) {
  const fs::path d = scratch();
  write(d / "nic.yaml", "include: " DEFAULT_CONFIG "\nnic0:\n  type: e1000\n");
  const RunResult r = minipc("describe --config nic.yaml", d);
  ASSERT_EQ(r.status, 0) << r.err;
  for (const char* line : {"BAR4  I/O    0xC000-0xC00F  (16 bytes)",
                           "00:03.0  8086:100e  class 020000  nic0      INTA -> IRQ 11",
                           "BAR0  memory 0xFEA00000-0xFEA1FFFF  (131072 bytes)", "BAR1  I/O    0xC040-0xC07F  (64 bytes)",
                           "3  nic0    priority 1"})
    EXPECT_TRUE(has(r.out, line)) << line << "\n" << r.out;
}

TEST(BadConfig, ANicOnATakenPciDeviceIs64AndNamesTheKey) {
  const fs::path d = scratch();
  write(d / "nic.yaml", "include: " DEFAULT_CONFIG "\nnic0:\n  type: e1000\n  pci_device: 1\n");
  const RunResult r = minipc("describe --config nic.yaml", d);
  EXPECT_EQ(r.status, 64);
  EXPECT_TRUE(has(r.err, "nic0.pci_device: PCI device 1 is not free")) << r.err;
}

TEST(BadConfig, ANicWithABadMacIs64AndNamesTheKey) {
  const fs::path d = scratch();
  write(d / "nic.yaml", "include: " DEFAULT_CONFIG "\nnic0:\n  type: e1000\n  mac: 01:02:03:04:05:06\n");
  const RunResult r = minipc("describe --config nic.yaml", d);
  EXPECT_EQ(r.status, 64);
  EXPECT_TRUE(has(r.err, "nic0.mac: 01:02:03:04:05:06 is a multicast address")) << r.err;
}

// ---- the NIC's wire: bad input (docs/wire.md, docs/nic.md) ----------------------

namespace {
std::string nic_config(const std::string& wire) {
  return "include: " DEFAULT_CONFIG "\nnic0:\n  type: e1000\n  wire:\n" + wire;
}
// A pcap header (nanosecond magic, Ethernet) and the first 10 bytes of a record header.
std::string truncated_pcap() {
  const unsigned char h[] = {0x4d, 0x3c, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                             0xff, 0xff, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 60, 0};
  return std::string(reinterpret_cast<const char*>(h), sizeof h);
}
}  // namespace

TEST(BadInput, ATruncatedPcapIs65AndNamesTheKeyAndTheFile) {
  const fs::path d = scratch();
  write(d / "bad.pcap", truncated_pcap());
  write(d / "nic.yaml", nic_config("    source: pcap\n    pcap: bad.pcap\n"));
  const RunResult r = minipc("run --config nic.yaml --no-vcd --no-stats", d);
  EXPECT_EQ(r.status, 65) << r.err;
  EXPECT_TRUE(has(r.err, "nic0.wire: pcap bad.pcap")) << r.err;
}

TEST(BadInput, AMissingPcapIs66) {
  const fs::path d = scratch();
  write(d / "nic.yaml", nic_config("    source: pcap\n    pcap: none.pcap\n"));
  const RunResult r = minipc("run --config nic.yaml --no-vcd --no-stats", d);
  EXPECT_EQ(r.status, 66) << r.err;
  EXPECT_TRUE(has(r.err, "none.pcap")) << r.err;
}

TEST(BadInput, AGeneratorRateOfZeroIs64AndNamesTheKey) {
  const fs::path d = scratch();
  write(d / "nic.yaml", nic_config("    source: generator\n    gen:\n      rate: 0\n      count: 10\n"));
  const RunResult r = minipc("run --config nic.yaml --no-vcd --no-stats", d);
  EXPECT_EQ(r.status, 64) << r.err;
  EXPECT_TRUE(has(r.err, "nic0.wire.gen.rate")) << r.err;
}

TEST(BadInput, AnUnknownArrivalProcessIs64AndNamesTheKey) {
  const fs::path d = scratch();
  write(d / "nic.yaml", nic_config("    source: generator\n    gen:\n      arrival: pareto\n      count: 10\n"));
  const RunResult r = minipc("run --config nic.yaml --no-vcd --no-stats", d);
  EXPECT_EQ(r.status, 64) << r.err;
  EXPECT_TRUE(has(r.err, "nic0.wire.gen.arrival")) << r.err;
}

TEST(BadInput, PcapWithoutANicIs64AndAnUnwritablePcapIs66) {
  const fs::path d = scratch();
  RunResult r = minipc("run --pcap out.pcap --no-vcd --no-stats", d);
  EXPECT_EQ(r.status, 64) << r.err;
  EXPECT_TRUE(has(r.err, "platform.pcap: the platform has no NIC")) << r.err;
  write(d / "nic.yaml", nic_config("    source: none\n"));
  r = minipc("run --config nic.yaml --pcap /proc/nonexistent/dir/out.pcap --no-vcd --no-stats", d);
  EXPECT_EQ(r.status, 66) << r.err;
  EXPECT_TRUE(has(r.err, "platform.pcap")) << r.err;
}

// ---- inputs that are not regular files, values SystemC cannot hold, outputs
// that would overwrite an input (issue 18's bad-input findings) -------------

TEST(BadInput, FirmwareThatIsADeviceOrAFifoIs66) {
  const fs::path d = scratch();
  RunResult r = minipc("run --firmware /dev/zero --no-vcd --no-stats", d);
  EXPECT_EQ(r.status, 66) << r.err;
  EXPECT_TRUE(has(r.err, "firmware '/dev/zero': is a device, not a regular file")) << r.err;
  ASSERT_EQ(mkfifo((d / "pipe").c_str(), 0600), 0);
  r = minipc("run --firmware pipe --no-vcd --no-stats", d);
  EXPECT_EQ(r.status, 66) << r.err;
  EXPECT_TRUE(has(r.err, "is a FIFO (named pipe), not a regular file")) << r.err;
}

TEST(BadInput, ConfigThatIsADirectoryIs64AndNamesIt) {
  const fs::path d = scratch();
  fs::create_directory(d / "cfgdir");
  const RunResult r = minipc("run --config cfgdir --no-vcd --no-stats", d);
  EXPECT_EQ(r.status, 64) << r.err;
  EXPECT_TRUE(has(r.err, "config file 'cfgdir': is a directory, not a file")) << r.err;
}

TEST(BadInput, DiskImageOrUartInputThatIsNotARegularFileIs66) {
  const fs::path d = scratch();
  fs::create_directory(d / "imgdir");
  RunResult r = minipc("run --set disk0.image=imgdir --no-vcd --no-stats", d);
  EXPECT_EQ(r.status, 66) << r.err;
  EXPECT_TRUE(has(r.err, "disk0.image: 'imgdir' is a directory, not a file")) << r.err;
  ASSERT_EQ(mkfifo((d / "pipe").c_str(), 0600), 0);
  r = minipc("run --set disk0.image=pipe --no-vcd --no-stats", d);
  EXPECT_EQ(r.status, 66) << r.err;
  r = minipc("run --set uart0.rx_file=/dev/zero --no-vcd --no-stats", d);
  EXPECT_EQ(r.status, 66) << r.err;
  EXPECT_TRUE(has(r.err, "uart0.rx_file: '/dev/zero' is a device")) << r.err;
}

TEST(BadInput, TimesSystemCCannotHoldAre64AndNameTheKey) {
  const fs::path d = scratch();
  RunResult r = minipc("run --set cpu0.quantum=1e300s --no-vcd --no-stats", d);
  EXPECT_EQ(r.status, 64) << r.err;
  EXPECT_TRUE(has(r.err, "'cpu0.quantum' (--set): '1e300s' is not a time SystemC can represent")) << r.err;
  r = minipc("run --time 1e30s --no-vcd --no-stats", d);
  EXPECT_EQ(r.status, 64) << r.err;
  EXPECT_TRUE(has(r.err, "platform.time_limit")) << r.err;
  r = minipc("run --set cpu0.quantum=0.001ps --no-vcd --no-stats", d);
  EXPECT_EQ(r.status, 64) << r.err;
  EXPECT_TRUE(has(r.err, "is not a time of at least the resolution")) << r.err;
}

TEST(BadInput, ClocksOfZeroOrBelowOrInfiniteAre64AndNameTheKey) {
  const fs::path d = scratch();
  for (const char* set : {"cpu0.clock_hz=0", "uart0.clock_hz=-5", "bus.clock_hz=inf", "lapic0.bus_hz=0MHz"}) {
    const RunResult r = minipc(std::string("run --set ") + set + " --no-vcd --no-stats", d);
    EXPECT_EQ(r.status, 64) << set << "\n" << r.err;
    EXPECT_TRUE(has(r.err, std::string(set).substr(0, std::string(set).find('=')))) << r.err;
  }
}

TEST(BadInput, AnOutputThatIsTheFirmwareIs64AndLeavesItAsItWas) {
  const fs::path d = scratch();
  write(d / "fw.elf", "not really an ELF, but it must survive");
  for (const char* opt : {"--stats fw.elf --no-vcd", "--trace-insn fw.elf --no-vcd --no-stats", "--perfetto fw.elf --no-vcd --no-stats"}) {
    const RunResult r = minipc(std::string("run --firmware fw.elf ") + opt, d);
    EXPECT_EQ(r.status, 64) << opt << "\n" << r.err;
    EXPECT_TRUE(has(r.err, "is the firmware (platform.firmware): it would be overwritten")) << r.err;
  }
  std::ifstream in(d / "fw.elf");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(text, "not really an ELF, but it must survive");
}

TEST(BadInput, AnInstructionTraceThatCannotBeWrittenIs66) {
  const fs::path d = scratch();
  const RunResult r = minipc("run --trace-insn /dev/full --no-vcd --stats s.json", d);
  EXPECT_EQ(r.status, 66) << r.err;
  EXPECT_TRUE(has(r.err, "platform.trace_insn: error writing '/dev/full'")) << r.err;
  EXPECT_TRUE(fs::exists(d / "s.json")) << "the other outputs are written first";
}

TEST(BadInput, AStatsFileThatCannotBeWrittenIs66) {
  const fs::path d = scratch();
  const RunResult r = minipc("run --stats /dev/full --no-vcd", d);
  EXPECT_EQ(r.status, 66) << r.err;
  EXPECT_TRUE(has(r.err, "platform.stats: error writing '/dev/full'")) << r.err;
}

TEST(BadInput, NumbersThatWouldWrapAre64AndNameTheKey) {
  const fs::path d = scratch();
  RunResult r = minipc("run --set cpu0.bus_priority=4294967296 --no-vcd --no-stats", d);
  EXPECT_EQ(r.status, 64) << r.err;
  EXPECT_TRUE(has(r.err, "cpu0.bus_priority: 4294967296 is not a bus priority")) << r.err;
  r = minipc("run --set bus.address_cycles=18446744073709551615 --no-vcd --no-stats", d);
  EXPECT_EQ(r.status, 64) << r.err;
  EXPECT_TRUE(has(r.err, "bus.address_cycles")) << r.err;
  r = minipc("run --trace-insn t.txt --trace-insn-window=-1:5 --no-vcd --no-stats", d);
  EXPECT_EQ(r.status, 64) << r.err;
  EXPECT_TRUE(has(r.err, "platform.trace_insn_window")) << r.err;
}

TEST(BadInput, AConsoleThatCannotBeWrittenIs66AfterTheStatsAreWritten) {
  const fs::path d = scratch();
  const std::string cmd = "cd '" + d.string() + "' && '" MINIPC_EXE "' run --no-vcd --stats s.json >/dev/full 2>err.txt";
  const int raw = std::system(cmd.c_str());
  ASSERT_TRUE(WIFEXITED(raw));
  EXPECT_EQ(WEXITSTATUS(raw), 66);
  std::ifstream in(d / "err.txt");
  const std::string err((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_TRUE(has(err, "standard output: the firmware's console could not all be written")) << err;
  EXPECT_TRUE(fs::exists(d / "s.json"));
}
