// PCI (docs/pci.md): the type-0 header and BARs of PciFunction, the host
// bridge's configuration mechanism #1, the PIIX3's PIRQ steering, and the
// platform's BAR decoding over the bus (platform/pci_wiring.h).
#include <gtest/gtest.h>
#include <tlm_utils/simple_initiator_socket.h>

#include <memory>
#include <vector>

#include "apic/apic_message_target.h"
#include "apic/io_apic.h"
#include "apic/local_apic.h"
#include "bus/bus.h"
#include "core/address_space.h"
#include "core/params.h"
#include "disk/ata_disk.h"
#include "memory/memory.h"
#include "pci/pci_function.h"
#include "pci/pci_host_bridge.h"
#include "pci/piix3.h"
#include "pci_wiring.h"
#include "pic/elcr8259.h"
#include "pic/pic8259.h"

using namespace minipc;

namespace {

// A function with an I/O BAR0 of 32 bytes, a prefetchable memory BAR2 of
// 4 KiB, INTA# and an MSI capability at 0x50.
class TestFunction : public PciFunction {
 public:
  explicit TestFunction(const sc_core::sc_module_name& nm)
      : PciFunction(nm, Identity{0x1234, 0x5678, 0x020000, 0x03, 0x00, 1}) {
    declare_bar(0, BarKind::io, 32);
    declare_bar(2, BarKind::memory, 4096, true);
  }
  MsiCapability msi{*this, 0x50};
};

// Records the mapper calls; refuses windows overlapping `refused`.
class FakeMapper : public PciBarMapper {
 public:
  struct Call {
    bool map;
    int bar;
    bool io;
    uint64_t base, size;
  };
  std::vector<Call> calls;
  uint64_t refused_base = 0, refused_size = 0;
  bool map_bar(PciFunction&, int bar, bool io, uint64_t base, uint64_t size) override {
    if (base < refused_base + refused_size && refused_base < base + size) return false;
    calls.push_back({true, bar, io, base, size});
    return true;
  }
  void unmap_bar(PciFunction&, int bar) override { calls.push_back({false, bar, false, 0, 0}); }
};

// The CPU's side of the tests: an initiator socket inside a module.
struct TestInitiator : sc_core::sc_module {
  tlm_utils::simple_initiator_socket<TestInitiator> socket{"socket"};
  explicit TestInitiator(const sc_core::sc_module_name& nm) : sc_module(nm) {}
};

void quiet_warnings() {
  sc_core::sc_report_handler::set_actions(sc_core::SC_WARNING, sc_core::SC_DO_NOTHING);
}

}  // namespace

// ---- the header --------------------------------------------------------------------

TEST(PciFunction, HeaderIdentityAndResetValues) {
  TestFunction f("f");
  EXPECT_EQ(f.config_read(PciFunction::VID, 4), 0x56781234u);
  EXPECT_EQ(f.config_read(PciFunction::RID, 4), 0x02000003u);  // class 02 00 00, revision 3
  EXPECT_EQ(f.config_read(PciFunction::PCICMD, 2), 0u);         // no decoding after reset
  EXPECT_EQ(f.config_read(PciFunction::INTPIN, 1), 1u);         // INTA#
  EXPECT_EQ(f.config_read(0x28, 4), 0u);                        // reserved: reads 0
}

TEST(PciFunction, ByteWordDwordAccessesReachTheAddressedBytes) {
  TestFunction f("f");
  EXPECT_EQ(f.config_read(PciFunction::VID, 2), 0x1234u);
  EXPECT_EQ(f.config_read(PciFunction::DID, 2), 0x5678u);
  EXPECT_EQ(f.config_read(0x01, 1), 0x12u);
  EXPECT_EQ(f.config_read(0x0B, 1), 0x02u);  // base class
  EXPECT_EQ(f.config_read(0x01, 3), 0x567812u);  // byte enables 1-3 of the dword
  // A dword at 0x3C spans INTLN (R/W) and INTPIN (RO): each gets its byte.
  f.config_write(0x3C, 4, 0xFFFF0A0Bu);
  EXPECT_EQ(f.config_read(PciFunction::INTLN, 1), 0x0Bu);
  EXPECT_EQ(f.config_read(PciFunction::INTPIN, 1), 1u);
}

TEST(PciFunction, ReadOnlyRegistersIgnoreWrites) {
  TestFunction f("f");
  f.config_write(PciFunction::VID, 4, 0);
  f.config_write(PciFunction::RID, 4, 0);
  EXPECT_EQ(f.config_read(PciFunction::VID, 4), 0x56781234u);
  EXPECT_EQ(f.config_read(PciFunction::RID, 4), 0x02000003u);
}

TEST(PciFunction, StatusErrorBitsAreWriteOneToClearAndCapabilitiesListIsReadOnly) {
  TestFunction f("f");
  EXPECT_TRUE(f.config_read(PciFunction::PCISTS, 2) & PciFunction::STS_CAPL);
  f.PCISTS_R.set(f.PCISTS_R.get() | 0x2000);  // Received Master Abort
  f.config_write(PciFunction::PCISTS, 2, 0x2000 | PciFunction::STS_CAPL);
  EXPECT_EQ(f.config_read(PciFunction::PCISTS, 2) & 0x2000u, 0u);
  EXPECT_TRUE(f.config_read(PciFunction::PCISTS, 2) & PciFunction::STS_CAPL);
}

TEST(PciFunction, CrossDwordConfigAccessIsAnError) {
  TestFunction f("f");
  sc_core::sc_report_handler::set_actions(sc_core::SC_ERROR, sc_core::SC_THROW);
  EXPECT_THROW(f.config_read(0x03, 2), sc_core::sc_report);
}

// ---- BARs ----------------------------------------------------------------------------

TEST(PciFunction, BarSizingReadsTheSizeMaskWithReadOnlyTypeBits) {
  TestFunction f("f");
  EXPECT_EQ(f.config_read(0x10, 4), 0x1u);  // I/O indicator
  EXPECT_EQ(f.config_read(0x18, 4), 0x8u);  // memory, 32-bit, prefetchable
  for (unsigned off : {0x10u, 0x14u, 0x18u}) f.config_write(off, 4, 0xFFFFFFFFu);
  EXPECT_EQ(f.config_read(0x10, 4), 0xFFFFFFE1u);  // 32 bytes of I/O
  EXPECT_EQ(f.config_read(0x14, 4), 0u);           // BAR1 not implemented
  EXPECT_EQ(f.config_read(0x18, 4), 0xFFFFF008u);  // 4 KiB, prefetchable
  f.config_write(0x10, 4, 0xC0F3u);                // low bits are read-only
  EXPECT_EQ(f.config_read(0x10, 4), 0xC0E1u);
}

TEST(PciFunction, DecodingFollowsTheCommandBits) {
  quiet_warnings();
  TestFunction f("f");
  FakeMapper m;
  f.set_bar_mapper(&m);
  f.config_write(0x10, 4, 0xC020);
  f.config_write(0x18, 4, 0xFEA00000u);
  EXPECT_TRUE(m.calls.empty()) << "no decoding before PCICMD enables it";
  f.config_write(PciFunction::PCICMD, 2, PciFunction::CMD_IOSE);
  ASSERT_EQ(m.calls.size(), 1u);
  EXPECT_TRUE(m.calls[0].map && m.calls[0].io);
  EXPECT_EQ(m.calls[0].base, 0xC020u);
  EXPECT_EQ(m.calls[0].size, 32u);
  EXPECT_TRUE(f.bar(0).decoded);
  EXPECT_FALSE(f.bar(2).decoded);
  f.config_write(PciFunction::PCICMD, 2, PciFunction::CMD_IOSE | PciFunction::CMD_MSE);
  ASSERT_EQ(m.calls.size(), 2u);
  EXPECT_EQ(m.calls[1].bar, 2);
  EXPECT_FALSE(m.calls[1].io);
  f.config_write(PciFunction::PCICMD, 2, 0);  // disabling unmaps
  ASSERT_EQ(m.calls.size(), 4u);
  EXPECT_FALSE(m.calls[2].map);
  EXPECT_FALSE(m.calls[3].map);
  EXPECT_FALSE(f.bar(0).decoded);
}

TEST(PciFunction, MovingADecodedBarRemapsIt) {
  TestFunction f("f");
  FakeMapper m;
  f.set_bar_mapper(&m);
  f.config_write(0x10, 4, 0xC020);
  f.config_write(PciFunction::PCICMD, 2, PciFunction::CMD_IOSE);
  f.config_write(0x10, 4, 0xC100);
  ASSERT_EQ(m.calls.size(), 3u);
  EXPECT_FALSE(m.calls[1].map);
  EXPECT_EQ(m.calls[2].base, 0xC100u);
  EXPECT_EQ(f.bar(0).base, 0xC100u);
}

TEST(PciFunction, SizingPatternIsNotDecodedAndRestoringMapsAgain) {
  TestFunction f("f");
  FakeMapper m;
  f.set_bar_mapper(&m);
  f.config_write(0x18, 4, 0xFEA00000u);
  f.config_write(PciFunction::PCICMD, 2, PciFunction::CMD_MSE);
  f.config_write(0x18, 4, 0xFFFFFFFFu);  // sizing with decoding on
  EXPECT_EQ(f.config_read(0x18, 4), 0xFFFFF008u);
  EXPECT_FALSE(f.bar(2).decoded);
  f.config_write(0x18, 4, 0xFEA00000u);
  EXPECT_TRUE(f.bar(2).decoded);
  EXPECT_EQ(f.bar(2).base, 0xFEA00000u);
}

TEST(PciFunction, RefusedBarKeepsItsOldValueAndWindow) {
  quiet_warnings();
  TestFunction f("f");
  FakeMapper m;
  m.refused_base = 0x1000;  // "RAM" or another BAR
  m.refused_size = 0x1000;
  f.set_bar_mapper(&m);
  f.config_write(0x18, 4, 0xFEA00000u);
  f.config_write(PciFunction::PCICMD, 2, PciFunction::CMD_MSE);
  f.config_write(0x18, 4, 0x1000);
  EXPECT_EQ(f.config_read(0x18, 4), 0xFEA00008u) << "the firmware reads the old value";
  EXPECT_TRUE(f.bar(2).decoded);
  EXPECT_EQ(f.bar(2).base, 0xFEA00000u);
}

TEST(PciFunction, BusMasterEnableIsReported) {
  TestFunction f("f");
  EXPECT_FALSE(f.bus_master_enabled());
  f.config_write(PciFunction::PCICMD, 2, PciFunction::CMD_BME);
  EXPECT_TRUE(f.bus_master_enabled());
}

// ---- MSI -------------------------------------------------------------------------------

namespace {
struct MsiSink : sc_core::sc_module, tlm::tlm_fw_transport_if<> {
  tlm_utils::simple_target_socket<MsiSink> port{"port"};
  uint64_t addr = 0;
  uint32_t data = 0;
  int writes = 0;
  explicit MsiSink(const sc_core::sc_module_name& nm) : sc_module(nm) { port.register_b_transport(this, &MsiSink::b_transport); }
  void b_transport(tlm::tlm_generic_payload& p, sc_core::sc_time&) override {
    addr = p.get_address();
    std::memcpy(&data, p.get_data_ptr(), 4);
    ++writes;
    p.set_response_status(tlm::TLM_OK_RESPONSE);
  }
  tlm::tlm_sync_enum nb_transport_fw(tlm::tlm_generic_payload&, tlm::tlm_phase&, sc_core::sc_time&) override {
    return tlm::TLM_COMPLETED;
  }
  bool get_direct_mem_ptr(tlm::tlm_generic_payload&, tlm::tlm_dmi&) override { return false; }
  unsigned int transport_dbg(tlm::tlm_generic_payload&) override { return 0; }
};
}  // namespace

TEST(PciFunction, MsiCapabilityIsInTheListAndSendsAnApicMessage) {
  TestFunction f("f");
  EXPECT_EQ(f.config_read(PciFunction::CAPPTR, 1), 0x50u);
  EXPECT_EQ(f.config_read(0x50, 2), 0x0005u);  // ID 05, end of list
  MsiSink sink("sink");
  sc_core::sc_time delay;
  f.config_write(0x54, 4, 0xFEE01000u);
  f.config_write(0x58, 2, 0x0041);
  EXPECT_FALSE(f.msi.send(sink, delay)) << "MSI disabled";
  f.config_write(0x52, 2, MsiCapability::MSIE);
  EXPECT_FALSE(f.msi.send(sink, delay)) << "bus mastering disabled";
  f.config_write(PciFunction::PCICMD, 2, PciFunction::CMD_BME);
  EXPECT_TRUE(f.msi.send(sink, delay));
  EXPECT_EQ(sink.writes, 1);
  EXPECT_EQ(sink.addr, 0xFEE01000u);
  EXPECT_EQ(sink.data, 0x41u);
}

// A function's MSI crosses the bus to 0xFEE00000, where the APIC message
// target is mapped in both interrupt modes (models/apic/blocks.cpp), and
// reaches the local APIC as a fixed interrupt: no IOAPIC involved.
TEST(PciFunction, MsiOverTheBusReachesTheLocalApic) {
  quiet_warnings();
  Bus bus{"bus"};
  ApicMessageTarget apic_bus{"apic_bus"};
  LocalApic lapic{"lapic0"};
  TestFunction f{"f"};
  TestInitiator device{"device"}, cpu{"cpu"};
  IrqLine intr{"intr"}, nmi{"nmi"}, lint0{"lint0"}, lint1{"lint1"};
  lapic.intr.bind(intr);
  lapic.nmi.bind(nmi);
  lapic.lint0.bind(lint0);
  lapic.lint1.bind(lint1);
  lapic.msg.bind(apic_bus.port);
  apic_bus.attach(lapic);
  cpu.socket.bind(lapic.regs);
  bus.connect_initiator(device.socket, "f");
  bus.map(AddressSpace::memory, 0xFEE00000, 0x100000, bus.connect_target(apic_bus.port, "apic_bus"));
  sc_core::sc_start(sc_core::SC_ZERO_TIME);
  // Software-enable the LAPIC (SVR), as firmware does.
  uint32_t svr = 0x1FF;
  tlm::tlm_generic_payload p;
  p.set_command(tlm::TLM_WRITE_COMMAND);
  p.set_address(0x0F0);
  p.set_data_ptr(reinterpret_cast<unsigned char*>(&svr));
  p.set_data_length(4);
  p.set_streaming_width(4);
  sc_core::sc_time delay;
  cpu.socket->b_transport(p, delay);
  ASSERT_TRUE(lapic.software_enabled());
  f.config_write(0x54, 4, 0xFEE00000u);  // destination APIC ID 0
  f.config_write(0x58, 2, 0x0041);       // fixed, vector 0x41
  f.config_write(0x52, 2, MsiCapability::MSIE);
  f.config_write(PciFunction::PCICMD, 2, PciFunction::CMD_BME);
  EXPECT_FALSE(lapic.intr_pending());
  ASSERT_TRUE(f.msi.send(*device.socket.operator->(), delay));
  EXPECT_TRUE(lapic.intr_pending()) << "the MSI is a fixed interrupt in the LAPIC's IRR";
  EXPECT_EQ(lapic.acknowledge(), 0x41);
}

// ---- the host bridge --------------------------------------------------------------------

namespace {
// Plays the CPU's port I/O against the host bridge's window (offset 0 = 0xCF8).
struct HostBridgeTest : ::testing::Test {
  PciHostBridge host{"pci_host"};
  TestFunction fn{"fn"};
  TestInitiator cpu_{"cpu"};
  decltype(cpu_.socket)& cpu = cpu_.socket;
  HostBridgeTest() {
    cpu.bind(host.regs);
    host.attach(fn, 3, 0);
  }
  uint32_t in(uint64_t port, unsigned len) {
    uint32_t v = 0;
    access(tlm::TLM_READ_COMMAND, port, &v, len);
    return v;
  }
  void out(uint64_t port, uint32_t v, unsigned len) { access(tlm::TLM_WRITE_COMMAND, port, &v, len); }
  void access(tlm::tlm_command cmd, uint64_t port, uint32_t* v, unsigned len) {
    tlm::tlm_generic_payload p;
    p.set_command(cmd);
    p.set_address(port - 0xCF8);
    p.set_data_ptr(reinterpret_cast<unsigned char*>(v));
    p.set_data_length(len);
    p.set_streaming_width(len);
    sc_core::sc_time d;
    cpu->b_transport(p, d);
    EXPECT_TRUE(p.is_response_ok());
  }
  static uint32_t address(unsigned dev, unsigned fn, unsigned reg) { return 0x80000000u | dev << 11 | fn << 8 | reg; }
};
}  // namespace

TEST_F(HostBridgeTest, ConfigAddressIsADwordRegisterWithReservedBitsZero) {
  out(0xCF8, 0xFFFFFFFFu, 4);
  EXPECT_EQ(in(0xCF8, 4), 0x80FFFFFCu);
  out(0xCF8, address(3, 0, 0x10), 4);
  EXPECT_EQ(in(0xCF8, 4), address(3, 0, 0x10));
  out(0xCF8, 0x12, 1);  // a byte is not CONFADD
  out(0xCFA, 0x3456, 2);
  EXPECT_EQ(in(0xCF8, 4), address(3, 0, 0x10));
  EXPECT_EQ(in(0xCF9, 1), 0xFFu);  // an ordinary I/O cycle nobody claims
}

TEST_F(HostBridgeTest, ConfigDataBytesAndWordsAtTheirOffsets) {
  out(0xCF8, address(3, 0, 0x00), 4);
  EXPECT_EQ(in(0xCFC, 4), 0x56781234u);
  EXPECT_EQ(in(0xCFC, 2), 0x1234u);
  EXPECT_EQ(in(0xCFE, 2), 0x5678u);
  EXPECT_EQ(in(0xCFD, 1), 0x12u);
  EXPECT_EQ(in(0xCFF, 1), 0x56u);
  out(0xCF8, address(3, 0, 0x3C), 4);
  out(0xCFC, 0x0B, 1);
  EXPECT_EQ(fn.interrupt_line(), 0x0Bu);
}

TEST_F(HostBridgeTest, AbsentFunctionsReadAllOnesAndIgnoreWrites) {
  out(0xCF8, address(4, 0, 0), 4);
  EXPECT_EQ(in(0xCFC, 4), 0xFFFFFFFFu);
  EXPECT_EQ(in(0xCFE, 2), 0xFFFFu);
  out(0xCFC, 0, 4);
  out(0xCF8, address(3, 1, 0), 4);  // function 1 of device 3
  EXPECT_EQ(in(0xCFC, 4), 0xFFFFFFFFu);
  out(0xCF8, address(3, 0, 0) | 1u << 16, 4);  // bus 1: no PCI-to-PCI bridge
  EXPECT_EQ(in(0xCFC, 4), 0xFFFFFFFFu);
}

TEST_F(HostBridgeTest, EnableBitClearIsNotAConfigurationCycle) {
  out(0xCF8, address(3, 0, 0) & ~0x80000000u, 4);
  EXPECT_EQ(in(0xCFC, 4), 0xFFFFFFFFu);
  out(0xCF8, address(3, 0, 0x3C) & ~0x80000000u, 4);
  out(0xCFC, 0x0B, 1);
  EXPECT_EQ(fn.interrupt_line(), 0u);
}

TEST_F(HostBridgeTest, MisalignedDwordIsSplitIntoBusCyclesAsAPentiumDoes) {
  out(0xCF8, address(3, 0, 0x00), 4);
  // 0xCFD-0xCFF: bytes 1-3 of the configuration dword; 0xD00: nothing.
  EXPECT_EQ(in(0xCFD, 4), 0xFF567812u);
  // A word at 0xCFF: byte 3, and 0xFF from 0xD00.
  EXPECT_EQ(in(0xCFF, 2), 0xFF56u);
  // A dword at 0xCFA: two bytes of 0xCF8's dword (not CONFADD) and
  // bytes 0-1 of the configuration dword.
  EXPECT_EQ(in(0xCFA, 4), 0x1234FFFFu);
  EXPECT_EQ(in(0xCF8, 4), address(3, 0, 0x00));
  // A misaligned write reaches the configuration bytes it covers.
  out(0xCF8, address(3, 0, 0x3C), 4);
  out(0xCFB, 0x00000B00u, 4);  // byte 0xCFC = 0x0B
  EXPECT_EQ(fn.interrupt_line(), 0x0Bu);
}

TEST_F(HostBridgeTest, AttachingTwiceToOneSlotIsAnError) {
  TestFunction other("other");
  EXPECT_THROW(host.attach(other, 3, 0), std::invalid_argument);
  EXPECT_THROW(host.attach(other, 32, 0), std::invalid_argument);
}

// ---- PIIX3 -----------------------------------------------------------------------------------

TEST(Piix3, PirqSwizzleAsOnThePc) {
  // INTA of device 0..3 -> PIRQA..D; INTB shifts by one, and so on.
  EXPECT_EQ(Piix3IsaFunction::swizzle(0, 1), 0u);
  EXPECT_EQ(Piix3IsaFunction::swizzle(1, 1), 1u);
  EXPECT_EQ(Piix3IsaFunction::swizzle(3, 1), 3u);
  EXPECT_EQ(Piix3IsaFunction::swizzle(4, 1), 0u);
  EXPECT_EQ(Piix3IsaFunction::swizzle(3, 2), 0u);
  EXPECT_EQ(Piix3IsaFunction::swizzle(1, 4), 0u);
  EXPECT_EQ(Piix3IsaFunction::swizzle(2, 4), 1u);
}

namespace {
struct Piix3Test : ::testing::Test {
  Piix3IsaFunction isa{"piix3"};
  std::array<IrqLine, 4> pirq;
  std::array<IrqLine, 16> irq;
  Piix3Test() {
    for (unsigned n = 0; n < 4; ++n) isa.pirq[n].bind(pirq[n]);
    for (unsigned n = 0; n < 16; ++n) {
      isa.isa_irq[n].bind(irq[n]);
      isa.set_isa_irq_available(n, true);
    }
  }
  void settle() { sc_core::sc_start(sc_core::sc_time(1, sc_core::SC_NS)); }
};
}  // namespace

TEST_F(Piix3Test, PirqRouteControlResetsToNotRoutedAndSteersToTheNamedIrq) {
  EXPECT_EQ(isa.config_read(Piix3IsaFunction::PIRQRCA, 4), 0x80808080u);
  EXPECT_EQ(isa.config_read(PciFunction::HEDT, 1), 0x80u);  // multi-function
  EXPECT_EQ(isa.steered_irq(0), -1);
  isa.config_write(Piix3IsaFunction::PIRQRCA, 4, 0x0B0B0A0Au);
  EXPECT_EQ(isa.steered_irq(0), 10);
  EXPECT_EQ(isa.steered_irq(3), 11);
  isa.config_write(Piix3IsaFunction::PIRQRCA, 1, 0x08);  // IRQ8 is reserved
  EXPECT_EQ(isa.steered_irq(0), -1);
}

TEST_F(Piix3Test, IntxReachesThePirqAndTheSteeredIrqAsASharedLevel) {
  isa.config_write(Piix3IsaFunction::PIRQRCA, 4, 0x0B0B0A0Au);  // A,B -> 10; C,D -> 11
  settle();
  isa.set_intx(3, 1, true);  // device 3 INTA -> PIRQD -> IRQ 11
  settle();
  EXPECT_TRUE(pirq[3].read());
  EXPECT_TRUE(irq[11].read());
  EXPECT_FALSE(irq[10].read());
  isa.set_intx(2, 1, true);  // device 2 INTA -> PIRQC -> IRQ 11 too (shared)
  isa.set_intx(3, 1, false);
  settle();
  EXPECT_FALSE(pirq[3].read());
  EXPECT_TRUE(pirq[2].read());
  EXPECT_TRUE(irq[11].read()) << "the other source still holds the shared line";
  isa.set_intx(2, 1, false);
  settle();
  EXPECT_FALSE(irq[11].read());
}

TEST_F(Piix3Test, InterruptDisableMasksTheFunctionsPin) {
  TestFunction f("f");  // INTA#
  f.set_intx_sink(&isa, 0);  // device 0 -> PIRQA
  isa.config_write(Piix3IsaFunction::PIRQRCA, 1, 0x0A);
  f.set_intx(true);
  settle();
  EXPECT_TRUE(irq[10].read());
  EXPECT_TRUE(f.config_read(PciFunction::PCISTS, 2) & PciFunction::STS_INTS);
  f.config_write(PciFunction::PCICMD, 2, PciFunction::CMD_INTDIS);
  settle();
  EXPECT_FALSE(irq[10].read());
  EXPECT_TRUE(f.config_read(PciFunction::PCISTS, 2) & PciFunction::STS_INTS) << "status still shows the request";
}

// ---- the platform's wiring ------------------------------------------------------------------

namespace {
// A bus with RAM at 0 (1 MiB), a device at I/O 0x1F0 (the disk), the PCI
// wiring, and a CPU-like initiator issuing I/O and memory cycles.
struct WiringTest : ::testing::Test {
  Bus bus{"bus"};
  Memory ram{"ram"};
  AtaDisk disk{"disk0"};
  IoApic ioapic{"ioapic"};
  Pic8259 pic_m{"pic_master"}, pic_s{"pic_slave"};
  Elcr8259 elcr_m{"elcr_master", pic_m}, elcr_s{"elcr_slave", pic_s};
  std::array<IrqLine, 16> irq;
  TestInitiator cpu_{"cpu"};
  decltype(cpu_.socket)& cpu = cpu_.socket;
  std::unique_ptr<PciWiring> pci;

  static bool configured() {
    ConfigStore::instance().set("ram.size", "1M", "test");
    return true;
  }
  bool configured_ = configured();

  WiringTest() {
    quiet_warnings();
    pic_m.attach_slave(2, pic_s);  // so that ELCR2 has the slave's edge-only bits
    bus.connect_initiator(cpu, "cpu0");
    bus.map(AddressSpace::memory, 0, ram.bytes(), bus.connect_target(ram.port, "ram"));
    bus.map(AddressSpace::io, 0x1F0, 8, bus.connect_target(disk.regs, "disk0"));
    std::array<IrqLine*, 16> lines;
    for (unsigned i = 0; i < 16; ++i) lines[i] = &irq[i];
    pci = build_pci({bus, disk, ioapic, lines, elcr_m, elcr_s, 1});
    // Everything else bound, so that the world elaborates (the bus's
    // sockets complete their binding then); the BIOS runs at its start.
    bus.map(AddressSpace::io, 0x3F6, 1, bus.connect_target(disk.ctrl, "disk0.ctrl"));
    bus.map(AddressSpace::io, 0x20, 2, bus.connect_target(pic_m.regs, "pic_master"));
    bus.map(AddressSpace::io, 0xA0, 2, bus.connect_target(pic_s.regs, "pic_slave"));
    bus.map(AddressSpace::io, 0x4D0, 1, bus.connect_target(elcr_m.regs, "elcr_master"));
    bus.map(AddressSpace::io, 0x4D1, 1, bus.connect_target(elcr_s.regs, "elcr_slave"));
    bus.map(AddressSpace::memory, 0xFEC00000, 0x20, bus.connect_target(ioapic.regs, "ioapic"));
    ioapic.msg.bind(apic_sink.port);
    for (unsigned pin = 0; pin < 24; ++pin)
      if (pin < 16 || pin >= 20) ioapic.in[pin].bind(pin < 16 ? irq[pin] : low);
    for (unsigned i = 0; i < 8; ++i) {
      pic_m.ir[i].bind(i == 2 ? cascade : irq[i]);
      pic_s.ir[i].bind(irq[8 + i]);
    }
    pic_s.intr.bind(cascade);
    pic_m.intr.bind(intr);
    disk.irq.bind(irq[14]);
    sc_core::sc_start(sc_core::SC_ZERO_TIME);
  }
  struct Sink : sc_core::sc_module {
    tlm_utils::simple_target_socket<Sink> port{"port"};
    explicit Sink(const sc_core::sc_module_name& nm) : sc_module(nm) {
      port.register_b_transport(this, &Sink::b_transport);
    }
    void b_transport(tlm::tlm_generic_payload& p, sc_core::sc_time&) { p.set_response_status(tlm::TLM_OK_RESPONSE); }
  } apic_sink{"apic_sink"};
  IrqLine low{"low"}, cascade{"cascade"}, intr{"intr"};
  tlm::tlm_response_status access(bool io, tlm::tlm_command cmd, uint64_t addr, uint32_t* v, unsigned len) {
    tlm::tlm_generic_payload p;
    p.set_extension(new AddressSpaceExtension(io ? AddressSpace::io : AddressSpace::memory));  // freed by p
    p.set_command(cmd);
    p.set_address(addr);
    p.set_data_ptr(reinterpret_cast<unsigned char*>(v));
    p.set_data_length(len);
    p.set_streaming_width(len);
    p.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    sc_core::sc_time d;
    cpu->b_transport(p, d);
    return p.get_response_status();
  }
  uint32_t cfg(unsigned dev, unsigned fn, unsigned reg) { return pci->host().config_read(0, dev, fn, reg, 4); }
  void set_cfg(unsigned dev, unsigned fn, unsigned reg, uint32_t v, unsigned len = 4) {
    pci->host().config_write(0, dev, fn, reg, len, v);
  }
};
}  // namespace

TEST_F(WiringTest, BiosPlacesIdeBar4At0xC000AndEnablesDecodingNotBusMastering) {
  EXPECT_EQ(cfg(1, 1, 0x20), 0xC001u);
  EXPECT_EQ(cfg(1, 1, PciFunction::PCICMD) & 0xFFFF, PciFunction::CMD_IOSE | PciFunction::CMD_MSE);
  EXPECT_EQ(cfg(1, 0, Piix3IsaFunction::PIRQRCA), 0x0B0B0A0Au);  // SeaBIOS: 10, 10, 11, 11
  EXPECT_EQ(pic_s.elcr(), 0x08) << "IRQ11 level-triggered; IRQ10 is not the PIIX3's to drive (pci.isa_irqs)";
  EXPECT_EQ(cfg(0, 0, 0), 0x12378086u);
  EXPECT_EQ(cfg(1, 0, 0), 0x70008086u);
  EXPECT_EQ(cfg(1, 1, 0), 0x70108086u);
  EXPECT_EQ(cfg(1, 1, 0x08) >> 8, 0x010180u);
}

TEST_F(WiringTest, Bar4ReachesTheDisksBusMasterRegistersOnlyWhileIoDecodingIsOn) {
  uint32_t v = 0x12345678u;
  EXPECT_EQ(access(true, tlm::TLM_WRITE_COMMAND, 0xC004, &v, 4), tlm::TLM_OK_RESPONSE);  // BMIDTP
  EXPECT_EQ(disk.BMIDTP_R.get(), 0x12345678u & ~3u);
  v = 0;
  EXPECT_EQ(access(true, tlm::TLM_READ_COMMAND, 0xC00C, &v, 4), tlm::TLM_OK_RESPONSE);  // secondary BMIDTP
  set_cfg(1, 1, PciFunction::PCICMD, 0, 2);
  EXPECT_EQ(access(true, tlm::TLM_READ_COMMAND, 0xC004, &v, 4), tlm::TLM_ADDRESS_ERROR_RESPONSE);
  set_cfg(1, 1, PciFunction::PCICMD, PciFunction::CMD_IOSE, 2);
  EXPECT_EQ(access(true, tlm::TLM_READ_COMMAND, 0xC004, &v, 4), tlm::TLM_OK_RESPONSE);
}

TEST_F(WiringTest, MovedBarAnswersAtItsNewAddressOnly) {
  set_cfg(1, 1, 0x20, 0xC100);
  EXPECT_EQ(cfg(1, 1, 0x20), 0xC101u);
  uint32_t v = 0;
  EXPECT_EQ(access(true, tlm::TLM_READ_COMMAND, 0xC102, &v, 1), tlm::TLM_OK_RESPONSE);
  EXPECT_EQ(access(true, tlm::TLM_READ_COMMAND, 0xC002, &v, 1), tlm::TLM_ADDRESS_ERROR_RESPONSE);
  set_cfg(1, 1, 0x20, 0xC000);  // back where a BAR was: the old bus window serves again
  EXPECT_EQ(access(true, tlm::TLM_READ_COMMAND, 0xC002, &v, 1), tlm::TLM_OK_RESPONSE);
}

TEST_F(WiringTest, BarOverAFixedDeviceIsRefusedAndKeepsItsOldValue) {
  set_cfg(1, 1, 0x20, 0x1F0);  // the ATA command block
  EXPECT_EQ(cfg(1, 1, 0x20), 0xC001u);
  uint32_t v = 0;
  EXPECT_EQ(access(true, tlm::TLM_READ_COMMAND, 0xC002, &v, 1), tlm::TLM_OK_RESPONSE) << "old window still decoded";
}

TEST_F(WiringTest, MemoryBarOverRamOrAnotherBarIsRefused) {
  EXPECT_FALSE(pci->window_free(&pci->ide(), 0, false, 0x80000, 0x1000, nullptr)) << "RAM";
  std::string why;
  EXPECT_FALSE(pci->window_free(&pci->isa(), 0, true, 0xC008, 8, &why)) << "the IDE function's BAR4";
  EXPECT_NE(why.find("BAR4"), std::string::npos) << why;
  EXPECT_FALSE(pci->map_bar(pci->isa(), 0, false, 0x80000, 0x1000));
  EXPECT_FALSE(pci->map_bar(pci->isa(), 0, true, 0xC000, 16));
  EXPECT_FALSE(pci->map_bar(pci->isa(), 0, true, 0xFFF8, 16)) << "beyond 64 KiB";
  EXPECT_TRUE(pci->window_free(&pci->isa(), 0, false, 0xFEA00000u, 0x1000, nullptr));
}

TEST(Piix3Ide, EngineBusCyclesNeedBusMasterEnable) {
  Piix3IdeFunction ide("ide");
  MsiSink memory("memory");  // stands for the bus
  MsiSink bmi("bmi");
  ide.master_out.bind(memory.port);
  ide.bmi.bind(bmi.port);
  TestInitiator engine("engine");
  engine.socket.bind(ide.master_in);
  tlm::tlm_generic_payload p;
  uint32_t v = 0;
  p.set_command(tlm::TLM_WRITE_COMMAND);
  p.set_address(0x1000);
  p.set_data_ptr(reinterpret_cast<unsigned char*>(&v));
  p.set_data_length(4);
  p.set_streaming_width(4);
  sc_core::sc_time d;
  engine.socket->b_transport(p, d);
  EXPECT_EQ(p.get_response_status(), tlm::TLM_GENERIC_ERROR_RESPONSE) << "master abort";
  EXPECT_EQ(memory.writes, 0);
  EXPECT_EQ(ide.master_aborts(), 1u);
  ide.config_write(PciFunction::PCICMD, 2, PciFunction::CMD_BME);
  p.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
  engine.socket->b_transport(p, d);
  EXPECT_EQ(p.get_response_status(), tlm::TLM_OK_RESPONSE);
  EXPECT_EQ(memory.writes, 1);
}

TEST(Piix3Ide, IdentityAndBmibaSizing) {
  Piix3IdeFunction ide("ide");
  EXPECT_EQ(ide.config_read(0, 4), 0x70108086u);
  EXPECT_EQ(ide.config_read(0x08, 4) >> 8, 0x010180u);
  EXPECT_EQ(ide.config_read(PciFunction::INTPIN, 1), 0u) << "legacy mode: IRQ 14/15, no INTx pin";
  ide.config_write(0x20, 4, 0xFFFFFFFFu);
  EXPECT_EQ(ide.config_read(0x20, 4), 0xFFFFFFF1u);  // 16 bytes of I/O
  for (int bar : {0, 1, 2, 3, 5}) {
    ide.config_write(0x10 + 4 * bar, 4, 0xFFFFFFFFu);
    EXPECT_EQ(ide.config_read(0x10 + 4 * bar, 4), 0u) << "BAR" << bar << " not implemented";
  }
}

TEST(WiringConfig, BadPirqListIsAConfigErrorNamingTheKey) {
  ConfigStore::instance().set("pci.pirq_irqs", "10,10,13,11", "test");
  quiet_warnings();
  Bus bus{"bus"};
  AtaDisk disk{"disk0"};
  IoApic ioapic{"ioapic"};
  Pic8259 pm{"pm"}, ps{"ps"};
  Elcr8259 em{"em", pm}, es{"es", ps};
  std::array<IrqLine, 16> irq;
  std::array<IrqLine*, 16> lines;
  for (unsigned i = 0; i < 16; ++i) lines[i] = &irq[i];
  auto pci = build_pci({bus, disk, ioapic, lines, em, es, 1});
  try {
    pci->run_bios();
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("pci.pirq_irqs"), std::string::npos) << e.what();
  }
}
