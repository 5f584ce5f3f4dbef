// Intel 8259A PIC (and the PIIX ELCR): the datasheet behaviours, one test each.
//
// Each TEST elaborates its own SystemC world (CTest runs one process per
// TEST). The harness is a PC's pair: a master at "0x20" and a slave at "0xA0"
// (its INT on the master's IR2), each with an ELCR. The test body plays the
// CPU: it programs the chips only through their `regs` sockets, drives the
// IRQ lines as sc_signals, watches INT, and runs INTA cycles through an
// sc_port<InterruptAcknowledgeIf> bound to the master, as the CPU's `inta`
// port is. Nothing private is touched, so the same suite can run against an
// RTL twin built by another factory.
//
// Typed tests: PcPics<PicT> builds the pair from the implementation type
// (the TLM Pic8259 or the Verilated Pic8259Rtl; the ELCR binds to either,
// through the 8259A's face); pic_test holds the TLM instances, pic_rtl_test
// (the same source with MINIPC_PIC_TEST_RTL_ONLY) the RTL ones.
#include <gtest/gtest.h>
#include <tlm_utils/simple_initiator_socket.h>

#include <memory>
#include <vector>
#include <systemc>

#include "core/irq.h"
#include "core/stats.h"
#include "pic/elcr8259.h"
#include "pic/pic8259.h"
#ifdef MINIPC_HAVE_RTL_PIC
#include "pic8259/pic8259_rtl.h"
#endif

using namespace minipc;
using sc_core::SC_ZERO_TIME;

namespace {

// A0: offset 0 takes ICW1/OCW2/OCW3 and reads IRR/ISR/poll; offset 1 takes
// ICW2-4/OCW1 and reads IMR.
constexpr uint64_t A0_0 = 0, A0_1 = 1;

// OCW2 commands (R, SL, EOI) and OCW3 commands, datasheet encodings.
constexpr uint8_t NON_SPECIFIC_EOI = 0x20, SPECIFIC_EOI = 0x60, ROTATE_NON_SPECIFIC_EOI = 0xA0,
                  ROTATE_SPECIFIC_EOI = 0xE0, SET_PRIORITY = 0xC0, ROTATE_AEOI_SET = 0x80, ROTATE_AEOI_CLEAR = 0x00;
constexpr uint8_t READ_IRR = 0x0A, READ_ISR = 0x0B, POLL = 0x0C, SET_SMM = 0x68, RESET_SMM = 0x48;

class Initiator : public sc_core::sc_module {
 public:
  tlm_utils::simple_initiator_socket<Initiator> socket{"socket"};
  explicit Initiator(const sc_core::sc_module_name& nm) : sc_module(nm) {}

  uint8_t read(uint64_t offset) {
    uint8_t v = 0;
    access(tlm::TLM_READ_COMMAND, offset, &v);
    return v;
  }
  void write(uint64_t offset, uint8_t v) { access(tlm::TLM_WRITE_COMMAND, offset, &v); }

 private:
  void access(tlm::tlm_command cmd, uint64_t offset, uint8_t* data) {
    tlm::tlm_generic_payload p;
    p.set_command(cmd);
    p.set_address(offset);
    p.set_data_ptr(data);
    p.set_data_length(1);
    p.set_streaming_width(1);
    p.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    sc_core::sc_time delay = SC_ZERO_TIME;
    socket->b_transport(p, delay);
    ASSERT_EQ(p.get_response_status(), tlm::TLM_OK_RESPONSE) << "offset " << offset;
  }
};

// The CPU's side of the INTA cycle.
class InterruptAcknowledger : public sc_core::sc_module {
 public:
  sc_core::sc_port<InterruptAcknowledgeIf> inta{"inta"};
  explicit InterruptAcknowledger(const sc_core::sc_module_name& nm) : sc_module(nm) {}
};

// Runs every delta cycle due now (signal updates, the PICs' output method).
void settle() {
  while (sc_core::sc_pending_activity_at_current_time()) sc_core::sc_start(SC_ZERO_TIME);
}

// The PC's two 8259As, their ELCRs and the lines around them.
template <typename PicT>
struct PcPics {
  PicT master{"pic_master"};
  PicT slave{"pic_slave"};
  Elcr8259 elcr_master{"elcr_master", master};
  Elcr8259 elcr_slave{"elcr_slave", slave};
  Initiator port20{"port20"}, portA0{"portA0"}, port4D0{"port4D0"}, port4D1{"port4D1"};
  InterruptAcknowledger cpu{"cpu"};
  sc_core::sc_vector<IrqLine> irq{"irq", 16};  // IRQ0-15 (irq[2] is unused on a PC)
  IrqLine cascade{"cascade"};                  // slave INT -> master IR2
  IrqLine intr{"intr"};                        // master INT -> CPU INTR

  PcPics() {
    port20.socket.bind(master.regs);
    portA0.socket.bind(slave.regs);
    port4D0.socket.bind(elcr_master.regs);
    port4D1.socket.bind(elcr_slave.regs);
    for (unsigned i = 0; i < 8; ++i) {
      master.ir[i].bind(i == 2 ? cascade : irq[i]);
      slave.ir[i].bind(irq[8 + i]);
    }
    master.intr.bind(intr);
    slave.intr.bind(cascade);
    master.attach_slave(2, slave);
    cpu.inta.bind(master);
    sc_core::sc_start(SC_ZERO_TIME);  // finish elaboration
    settle();
  }

  // The BIOS/Linux programming: master vectors 0x20-0x27 with a slave on IR2,
  // slave vectors 0x28-0x2F with ID 2, 8086 mode, normal EOI.
  void init_pc(uint8_t master_icw4 = 0x01, uint8_t slave_icw4 = 0x01) {
    port20.write(A0_0, 0x11);  // ICW1: edge, cascade, IC4
    port20.write(A0_1, 0x20);  // ICW2
    port20.write(A0_1, 0x04);  // ICW3: slave on IR2
    port20.write(A0_1, master_icw4);
    portA0.write(A0_0, 0x11);
    portA0.write(A0_1, 0x28);
    portA0.write(A0_1, 0x02);  // ICW3: slave ID 2
    portA0.write(A0_1, slave_icw4);
    settle();
  }

  void set_irq(unsigned n, bool level) {
    irq[n].write(level);
    settle();
  }
  void raise(unsigned n) { set_irq(n, true); }
  void lower(unsigned n) { set_irq(n, false); }
  void pulse(unsigned n) {  // a new edge on a line that may be high
    lower(n);
    raise(n);
  }

  bool int_asserted() {
    settle();
    return intr.read();
  }
  int inta() {
    const int vector = cpu.inta->acknowledge();
    settle();
    return vector;
  }

  void master_cmd(uint8_t v) {
    port20.write(A0_0, v);
    settle();
  }
  void slave_cmd(uint8_t v) {
    portA0.write(A0_0, v);
    settle();
  }
  uint8_t master_irr() { return read_reg(port20, READ_IRR); }
  uint8_t master_isr() { return read_reg(port20, READ_ISR); }
  uint8_t slave_isr() { return read_reg(portA0, READ_ISR); }

 private:
  static uint8_t read_reg(Initiator& port, uint8_t ocw3) {
    port.write(A0_0, ocw3);
    return port.read(A0_0);
  }
};

double stat(const std::string& name) { return StatsRegistry::instance().value(name); }
int warnings(const char* msg_type) { return sc_core::sc_report_handler::get_count(msg_type); }
int all_warnings() { return sc_core::sc_report_handler::get_count(sc_core::SC_WARNING); }
void quiet_warnings() { sc_core::sc_report_handler::set_actions(sc_core::SC_WARNING, sc_core::SC_DO_NOTHING); }

#if defined(MINIPC_PIC_TEST_RTL_ONLY)
using PicImplementations = ::testing::Types<Pic8259Rtl>;
#elif defined(MINIPC_HAVE_RTL_PIC)
using PicImplementations = ::testing::Types<Pic8259, Pic8259Rtl>;
#else
using PicImplementations = ::testing::Types<Pic8259>;
#endif

template <typename PicT>
class Pic : public ::testing::Test {};
TYPED_TEST_SUITE(Pic, PicImplementations);

}  // namespace

// ---- initialization ------------------------------------------------------------

TYPED_TEST(Pic, IcwSequenceSetsVectorBase) {
  PcPics<TypeParam> pc;
  pc.port20.write(A0_0, 0x11);
  pc.port20.write(A0_1, 0x27);  // T7-T3 = 0x20; the low three bits are the level
  pc.port20.write(A0_1, 0x04);
  pc.port20.write(A0_1, 0x01);
  pc.portA0.write(A0_0, 0x11);
  pc.portA0.write(A0_1, 0x70);
  pc.portA0.write(A0_1, 0x02);
  pc.portA0.write(A0_1, 0x01);
  EXPECT_FALSE(pc.int_asserted());
  pc.raise(5);
  EXPECT_TRUE(pc.int_asserted());
  EXPECT_EQ(pc.inta(), 0x25);
  pc.raise(12);
  pc.master_cmd(NON_SPECIFIC_EOI);
  EXPECT_EQ(pc.inta(), 0x74);  // slave base 0x70 + IR4
  EXPECT_EQ(all_warnings(), 0);
}

TYPED_TEST(Pic, WritesAtA0OneDuringInitializationAreIcws) {
  PcPics<TypeParam> pc;
  pc.init_pc();
  EXPECT_EQ(pc.port20.read(A0_1), 0x00);  // ICW2-4 did not reach IMR
  pc.port20.write(A0_1, 0xFB);            // now OCW1
  EXPECT_EQ(pc.port20.read(A0_1), 0xFB);
  // Re-initialization: the next three A0=1 writes are ICW2-4 again.
  pc.port20.write(A0_0, 0x11);
  EXPECT_EQ(pc.port20.read(A0_1), 0x00);  // ICW1 clears IMR
  pc.port20.write(A0_1, 0x40);
  pc.port20.write(A0_1, 0x04);
  pc.port20.write(A0_1, 0x01);
  EXPECT_EQ(pc.port20.read(A0_1), 0x00);
  pc.raise(1);
  EXPECT_EQ(pc.inta(), 0x41);
  EXPECT_EQ(all_warnings(), 0);
}

TYPED_TEST(Pic, SingleModeSkipsIcw3AndIc4SkipsIcw4) {
  PcPics<TypeParam> pc;
  pc.port20.write(A0_0, 0x13);  // SNGL, IC4
  pc.port20.write(A0_1, 0x48);
  pc.port20.write(A0_1, 0x01);  // ICW4 (no ICW3 in single mode)
  pc.port20.write(A0_1, 0x80);  // OCW1
  EXPECT_EQ(pc.port20.read(A0_1), 0x80);
  pc.raise(3);
  EXPECT_EQ(pc.inta(), 0x4B);
  EXPECT_EQ(all_warnings(), 0);
  // Without IC4 the sequence ends after ICW2 (single) and ICW4 reads as zero:
  // MCS-80/85 mode, which the model warns about and answers with 8086 vectors.
  quiet_warnings();
  pc.portA0.write(A0_0, 0x12);
  pc.portA0.write(A0_1, 0x50);
  pc.portA0.write(A0_1, 0x3C);  // OCW1 already
  EXPECT_EQ(pc.portA0.read(A0_1), 0x3C);
  EXPECT_EQ(warnings("pic_slave"), 1);
}

TYPED_TEST(Pic, OcwBeforeIcw1WarnsAndIsIgnored) {
  PcPics<TypeParam> pc;
  quiet_warnings();
  pc.port20.write(A0_1, 0xFF);           // OCW1
  pc.port20.write(A0_0, NON_SPECIFIC_EOI);  // OCW2
  pc.port20.write(A0_0, READ_ISR);       // OCW3
  EXPECT_EQ(warnings("pic_master"), 3);
  EXPECT_EQ(pc.port20.read(A0_1), 0x00);
  pc.raise(0);
  EXPECT_FALSE(pc.int_asserted());  // not initialized: INT stays low
  EXPECT_EQ(pc.cpu.inta->acknowledge(), -1);
  EXPECT_EQ(warnings("pic_master"), 4);
}

TYPED_TEST(Pic, Icw1ResetsMaskAndEdgeSense) {
  PcPics<TypeParam> pc;
  pc.init_pc();
  pc.port20.write(A0_1, 0xFF);
  pc.raise(4);
  EXPECT_FALSE(pc.int_asserted());
  pc.init_pc();  // re-initialize: IMR cleared, edge sense reset
  EXPECT_EQ(pc.port20.read(A0_1), 0x00);
  EXPECT_FALSE(pc.int_asserted());  // IR4 is still high, but needs a new edge
  EXPECT_EQ(pc.master_irr(), 0x00);
  pc.pulse(4);
  EXPECT_TRUE(pc.int_asserted());
  EXPECT_EQ(pc.inta(), 0x24);
}

// ---- requests ---------------------------------------------------------------------

TYPED_TEST(Pic, ImrMasksButIrrLatches) {
  PcPics<TypeParam> pc;
  pc.init_pc();
  pc.port20.write(A0_1, 0x08);  // mask IR3
  pc.raise(3);
  EXPECT_FALSE(pc.int_asserted());
  EXPECT_EQ(pc.master_irr(), 0x08);
  EXPECT_EQ(stat("pic_master.masked_while_pending"), 1);
  pc.port20.write(A0_1, 0x00);
  EXPECT_TRUE(pc.int_asserted());
  EXPECT_EQ(pc.inta(), 0x23);
  EXPECT_EQ(all_warnings(), 0);
}

TYPED_TEST(Pic, EdgeTriggeredNeedsNewEdge) {
  PcPics<TypeParam> pc;
  pc.init_pc();
  pc.raise(4);
  EXPECT_EQ(pc.inta(), 0x24);
  EXPECT_FALSE(pc.int_asserted());
  EXPECT_EQ(pc.master_irr(), 0x00);  // IRR bit reset by INTA
  pc.master_cmd(NON_SPECIFIC_EOI);
  EXPECT_FALSE(pc.int_asserted());  // the line is still high: no new request
  pc.lower(4);
  EXPECT_FALSE(pc.int_asserted());
  pc.raise(4);
  EXPECT_TRUE(pc.int_asserted());
  EXPECT_EQ(pc.inta(), 0x24);
}

TYPED_TEST(Pic, LevelTriggeredViaElcrReassertsAfterEoi) {
  PcPics<TypeParam> pc;
  pc.init_pc();
  pc.port4D0.write(0, 0x20);  // IRQ5 level
  pc.port4D1.write(0, 0x06);  // IRQ9, IRQ10 level
  EXPECT_EQ(pc.port4D0.read(0), 0x20);
  EXPECT_EQ(pc.port4D1.read(0), 0x06);
  pc.raise(5);
  EXPECT_EQ(pc.inta(), 0x25);
  EXPECT_FALSE(pc.int_asserted());  // IR5 in service blocks itself
  EXPECT_EQ(pc.master_irr(), 0x20);  // IRR follows the line
  pc.master_cmd(NON_SPECIFIC_EOI);
  EXPECT_TRUE(pc.int_asserted());  // still high: requests again
  EXPECT_EQ(pc.inta(), 0x25);
  pc.lower(5);  // the device is served
  pc.master_cmd(NON_SPECIFIC_EOI);
  EXPECT_FALSE(pc.int_asserted());
  EXPECT_EQ(pc.master_irr(), 0x00);
  EXPECT_EQ(all_warnings(), 0);
}

TYPED_TEST(Pic, LevelTriggeredViaLtim) {
  PcPics<TypeParam> pc;
  pc.port20.write(A0_0, 0x1B);  // ICW1: LTIM, SNGL, IC4
  pc.port20.write(A0_1, 0x20);
  pc.port20.write(A0_1, 0x01);
  pc.raise(6);
  EXPECT_EQ(pc.inta(), 0x26);
  pc.master_cmd(NON_SPECIFIC_EOI);
  EXPECT_TRUE(pc.int_asserted());
  EXPECT_EQ(pc.inta(), 0x26);
}

TYPED_TEST(Pic, ElcrForcesEdgeOnIrq0) {
  PcPics<TypeParam> pc;
  pc.init_pc();
  quiet_warnings();
  pc.port4D0.write(0, 0xFF);
  EXPECT_EQ(pc.port4D0.read(0), 0xF8);  // IRQ0, 1, 2 stay edge
  pc.port4D1.write(0, 0xFF);
  EXPECT_EQ(pc.port4D1.read(0), 0xDE);  // IRQ8, 13 stay edge
  EXPECT_EQ(warnings("elcr_master"), 1);
  EXPECT_EQ(warnings("elcr_slave"), 1);
  pc.raise(0);
  EXPECT_EQ(pc.inta(), 0x20);
  pc.master_cmd(NON_SPECIFIC_EOI);
  EXPECT_FALSE(pc.int_asserted());  // IRQ0 held high does not come back
  pc.raise(3);                      // IRQ3 is level now
  EXPECT_EQ(pc.inta(), 0x23);
  pc.master_cmd(NON_SPECIFIC_EOI);
  EXPECT_TRUE(pc.int_asserted());
}

// ---- INTA, priorities, EOI -----------------------------------------------------------

TYPED_TEST(Pic, InterruptAcknowledgeReturnsVectorAndSetsIsr) {
  PcPics<TypeParam> pc;
  pc.init_pc();
  pc.raise(3);
  EXPECT_TRUE(pc.int_asserted());
  EXPECT_EQ(pc.master_irr(), 0x08);
  EXPECT_EQ(pc.inta(), 0x23);
  EXPECT_EQ(pc.master_isr(), 0x08);
  EXPECT_EQ(pc.master_irr(), 0x00);
  EXPECT_FALSE(pc.int_asserted());
  EXPECT_EQ(stat("pic_master.interrupts"), 1);
  EXPECT_EQ(stat("pic_master.acks.ir3"), 1);
  EXPECT_EQ(stat("pic_master.spurious"), 0);
}

TYPED_TEST(Pic, FullyNestedHigherPriorityPreempts) {
  PcPics<TypeParam> pc;
  pc.init_pc();
  pc.raise(5);
  EXPECT_EQ(pc.inta(), 0x25);
  pc.raise(1);
  EXPECT_TRUE(pc.int_asserted());
  EXPECT_EQ(pc.inta(), 0x21);
  EXPECT_EQ(pc.master_isr(), 0x22);
}

TYPED_TEST(Pic, LowerPriorityWaitsForEoi) {
  PcPics<TypeParam> pc;
  pc.init_pc();
  pc.raise(3);
  EXPECT_EQ(pc.inta(), 0x23);
  pc.raise(6);
  EXPECT_FALSE(pc.int_asserted());  // lower priority
  pc.pulse(3);
  EXPECT_FALSE(pc.int_asserted());  // same level
  EXPECT_EQ(pc.master_irr(), 0x48);
  pc.master_cmd(NON_SPECIFIC_EOI);
  EXPECT_TRUE(pc.int_asserted());
  EXPECT_EQ(pc.inta(), 0x23);  // IR3 again first
  pc.master_cmd(NON_SPECIFIC_EOI);
  EXPECT_EQ(pc.inta(), 0x26);
  pc.master_cmd(NON_SPECIFIC_EOI);
  EXPECT_EQ(pc.master_isr(), 0x00);
  EXPECT_EQ(all_warnings(), 0);
}

TYPED_TEST(Pic, NonSpecificEoiClearsHighestIsr) {
  PcPics<TypeParam> pc;
  pc.init_pc();
  pc.raise(5);
  pc.inta();
  pc.raise(1);
  pc.inta();
  EXPECT_EQ(pc.master_isr(), 0x22);
  pc.master_cmd(NON_SPECIFIC_EOI);
  EXPECT_EQ(pc.master_isr(), 0x20);
  pc.master_cmd(NON_SPECIFIC_EOI);
  EXPECT_EQ(pc.master_isr(), 0x00);
}

TYPED_TEST(Pic, SpecificEoiClearsNamedLevel) {
  PcPics<TypeParam> pc;
  pc.init_pc();
  pc.raise(5);
  pc.inta();
  pc.raise(1);
  pc.inta();
  pc.master_cmd(SPECIFIC_EOI | 5);
  EXPECT_EQ(pc.master_isr(), 0x02);
  pc.master_cmd(SPECIFIC_EOI | 1);
  EXPECT_EQ(pc.master_isr(), 0x00);
  EXPECT_EQ(all_warnings(), 0);
}

TYPED_TEST(Pic, AutomaticEoi) {
  PcPics<TypeParam> pc;
  pc.init_pc(0x03);  // master ICW4: AEOI, 8086
  pc.raise(3);
  EXPECT_EQ(pc.inta(), 0x23);
  EXPECT_EQ(pc.master_isr(), 0x00);  // reset at the end of INTA
  pc.raise(6);  // nothing in service: a lower level interrupts at once
  EXPECT_TRUE(pc.int_asserted());
  EXPECT_EQ(pc.inta(), 0x26);
  EXPECT_EQ(pc.master_isr(), 0x00);
}

TYPED_TEST(Pic, RotateInAutomaticEoiMode) {
  PcPics<TypeParam> pc;
  pc.init_pc(0x03);
  pc.master_cmd(ROTATE_AEOI_SET);
  pc.raise(1);
  EXPECT_EQ(pc.inta(), 0x21);  // IR1 becomes the lowest priority
  pc.raise(0);
  pc.pulse(1);
  pc.raise(7);
  EXPECT_EQ(pc.inta(), 0x27);  // order is now 2..7, 0, 1
  EXPECT_EQ(pc.inta(), 0x20);  // then IR7 lowest: 0 first
  EXPECT_EQ(pc.inta(), 0x21);
  pc.master_cmd(ROTATE_AEOI_CLEAR);  // IR1 stays the lowest from now on
  pc.pulse(7);
  EXPECT_EQ(pc.inta(), 0x27);  // would make IR7 the lowest if still rotating
  pc.pulse(0);
  pc.pulse(3);
  EXPECT_EQ(pc.inta(), 0x23);  // order 2..7, 0, 1: IR3 before IR0
  EXPECT_EQ(pc.inta(), 0x20);
}

TYPED_TEST(Pic, RotateOnNonSpecificEoi) {
  PcPics<TypeParam> pc;
  pc.init_pc();
  pc.raise(0);
  EXPECT_EQ(pc.inta(), 0x20);
  pc.master_cmd(ROTATE_NON_SPECIFIC_EOI);  // IR0 becomes the lowest priority
  EXPECT_EQ(pc.master_isr(), 0x00);
  pc.pulse(0);
  pc.raise(3);
  EXPECT_EQ(pc.inta(), 0x23);
  pc.master_cmd(ROTATE_NON_SPECIFIC_EOI);  // now IR3 lowest: 4..7, 0, 1, 2, 3
  EXPECT_EQ(pc.inta(), 0x20);
}

TYPED_TEST(Pic, SpecificRotationSetsLowestPriority) {
  PcPics<TypeParam> pc;
  pc.init_pc();
  pc.master_cmd(SET_PRIORITY | 4);  // IR4 lowest, IR5 highest
  pc.raise(3);
  pc.raise(6);
  EXPECT_EQ(pc.inta(), 0x26);
  pc.raise(5);
  EXPECT_TRUE(pc.int_asserted());  // IR5 is above IR6
  EXPECT_EQ(pc.inta(), 0x25);
  // Rotate on specific EOI: clears IR5 and makes it the lowest (6 7 0 1 2 3 4 5).
  pc.master_cmd(ROTATE_SPECIFIC_EOI | 5);
  EXPECT_EQ(pc.master_isr(), 0x40);
  pc.master_cmd(SPECIFIC_EOI | 6);
  pc.pulse(5);
  EXPECT_EQ(pc.inta(), 0x23);  // 3 is above 5 now
  EXPECT_EQ(all_warnings(), 0);
}

TYPED_TEST(Pic, SpecialMaskModeAllowsLowerLevels) {
  PcPics<TypeParam> pc;
  pc.init_pc();
  pc.raise(3);
  EXPECT_EQ(pc.inta(), 0x23);
  pc.raise(5);
  EXPECT_FALSE(pc.int_asserted());
  // The IR3 handler masks its own level and enables special mask mode.
  pc.port20.write(A0_1, 0x08);
  pc.master_cmd(SET_SMM);
  EXPECT_TRUE(pc.int_asserted());
  EXPECT_EQ(pc.inta(), 0x25);
  EXPECT_EQ(pc.master_isr(), 0x28);
  // A non-specific EOI leaves the masked ISR bit alone in special mask mode.
  pc.master_cmd(NON_SPECIFIC_EOI);
  EXPECT_EQ(pc.master_isr(), 0x08);
  pc.master_cmd(RESET_SMM);
  pc.port20.write(A0_1, 0x00);
  pc.master_cmd(SPECIFIC_EOI | 3);
  EXPECT_EQ(pc.master_isr(), 0x00);
  EXPECT_EQ(all_warnings(), 0);
}

TYPED_TEST(Pic, PollCommand) {
  PcPics<TypeParam> pc;
  pc.init_pc();
  pc.port20.write(A0_0, POLL);
  EXPECT_EQ(pc.port20.read(A0_0), 0x00);  // nothing requesting
  pc.raise(4);
  pc.raise(6);
  pc.port20.write(A0_0, POLL);
  EXPECT_EQ(pc.port20.read(A0_0), 0x84);  // I=1, level 4: acts as INTA
  EXPECT_EQ(pc.master_isr(), 0x10);
  EXPECT_EQ(pc.master_irr(), 0x40);
  EXPECT_EQ(pc.port20.read(A0_0), 0x40);  // the poll is for one read only: IRR again
  pc.port20.write(A0_0, POLL);
  EXPECT_EQ(pc.port20.read(A0_0), 0x00);  // IR6 waits for IR4's EOI
  pc.master_cmd(NON_SPECIFIC_EOI);
  pc.port20.write(A0_0, POLL);
  EXPECT_EQ(pc.port20.read(A0_0), 0x86);
  pc.master_cmd(NON_SPECIFIC_EOI);
  pc.pulse(5);
  pc.port20.write(A0_0, POLL);
  EXPECT_EQ(pc.port20.read(A0_1), 0x85);  // the next read at either A0 is the poll
  EXPECT_EQ(pc.port20.read(A0_1), 0x00);  // then IMR again
  EXPECT_EQ(stat("pic_master.acks.ir4"), 1);
  EXPECT_EQ(stat("pic_master.spurious"), 0);
  EXPECT_EQ(all_warnings(), 0);
}

TYPED_TEST(Pic, ReadIrrAndIsrViaOcw3) {
  PcPics<TypeParam> pc;
  pc.init_pc();
  pc.port20.write(A0_1, 0x81);
  pc.raise(1);
  pc.raise(6);
  EXPECT_EQ(pc.port20.read(A0_0), 0x42);  // after ICW1: IRR (IMR does not hide requests)
  pc.port20.write(A0_1, 0x00);
  EXPECT_EQ(pc.inta(), 0x21);
  pc.port20.write(A0_0, READ_ISR);
  EXPECT_EQ(pc.port20.read(A0_0), 0x02);
  EXPECT_EQ(pc.port20.read(A0_0), 0x02);  // the selection stays
  pc.port20.write(A0_0, 0x08);            // OCW3 with RR=0: no change
  EXPECT_EQ(pc.port20.read(A0_0), 0x02);
  pc.port20.write(A0_0, READ_IRR);
  EXPECT_EQ(pc.port20.read(A0_0), 0x40);
  EXPECT_EQ(pc.port20.read(A0_1), 0x00);  // A0=1 reads IMR
}

// ---- spurious interrupts ----------------------------------------------------------

TYPED_TEST(Pic, SpuriousIrq7WhenRequestVanishes) {
  PcPics<TypeParam> pc;
  pc.init_pc();
  pc.raise(4);
  EXPECT_TRUE(pc.int_asserted());  // the CPU sees INTR ...
  pc.lower(4);                     // ... and the request goes away before INTA
  EXPECT_EQ(pc.inta(), 0x27);      // IR7's vector
  EXPECT_EQ(pc.master_isr(), 0x00);  // and no ISR bit
  EXPECT_EQ(stat("pic_master.spurious"), 1);
  EXPECT_EQ(stat("pic_master.interrupts"), 0);
  // A real IR7 request is told apart by its ISR bit.
  pc.raise(7);
  EXPECT_EQ(pc.inta(), 0x27);
  EXPECT_EQ(pc.master_isr(), 0x80);
  EXPECT_EQ(stat("pic_master.spurious"), 1);
}

TYPED_TEST(Pic, SpuriousIrq15FromSlave) {
  PcPics<TypeParam> pc;
  pc.init_pc();
  pc.raise(11);
  EXPECT_TRUE(pc.int_asserted());
  // The request goes away at the slave; the slave has not yet lowered its INT
  // (one delta cycle: the line's update, not the slave's reaction) when the
  // CPU runs INTA.
  pc.irq[11].write(false);
  sc_core::sc_start(SC_ZERO_TIME);
  ASSERT_TRUE(pc.cascade.read());
  EXPECT_EQ(pc.cpu.inta->acknowledge(), 0x2F);  // the slave's IR7: IRQ15
  settle();
  EXPECT_EQ(pc.master_isr(), 0x04);  // the master did take IR2 ...
  EXPECT_EQ(pc.slave_isr(), 0x00);   // ... the slave set nothing
  EXPECT_EQ(stat("pic_slave.spurious"), 1);
  EXPECT_EQ(stat("pic_master.spurious"), 0);
  EXPECT_FALSE(pc.int_asserted());
  pc.master_cmd(NON_SPECIFIC_EOI);  // the OS sends the master an EOI only
  EXPECT_EQ(pc.master_isr(), 0x00);
  EXPECT_EQ(all_warnings(), 0);
}

// ---- cascade -------------------------------------------------------------------------

TYPED_TEST(Pic, CascadeSlaveVectorThroughMaster) {
  PcPics<TypeParam> pc;
  pc.init_pc();
  pc.raise(11);  // slave IR3
  EXPECT_TRUE(pc.cascade.read());
  EXPECT_TRUE(pc.int_asserted());
  EXPECT_EQ(pc.inta(), 0x2B);
  EXPECT_EQ(pc.master_isr(), 0x04);  // the cascade line is in service at the master
  EXPECT_EQ(pc.slave_isr(), 0x08);
  EXPECT_FALSE(pc.cascade.read());
  EXPECT_FALSE(pc.int_asserted());
  EXPECT_EQ(stat("pic_master.acks.ir2"), 1);
  EXPECT_EQ(stat("pic_slave.acks.ir3"), 1);
  // Master IR1 still preempts (higher than IR2); master IR5 waits.
  pc.raise(5);
  EXPECT_FALSE(pc.int_asserted());
  pc.raise(1);
  EXPECT_EQ(pc.inta(), 0x21);
  pc.master_cmd(NON_SPECIFIC_EOI);  // IR1
  pc.slave_cmd(NON_SPECIFIC_EOI);
  pc.master_cmd(NON_SPECIFIC_EOI);  // IR2
  EXPECT_EQ(pc.inta(), 0x25);
  EXPECT_EQ(all_warnings(), 0);
}

TYPED_TEST(Pic, WithoutSfnmSlaveWaitsForMasterEoi) {
  PcPics<TypeParam> pc;
  pc.init_pc();
  pc.raise(11);
  EXPECT_EQ(pc.inta(), 0x2B);
  pc.raise(9);  // slave IR1: above IR3 on the slave, same IR2 at the master
  EXPECT_TRUE(pc.cascade.read());
  EXPECT_FALSE(pc.int_asserted());
  pc.slave_cmd(NON_SPECIFIC_EOI);
  pc.master_cmd(NON_SPECIFIC_EOI);
  EXPECT_TRUE(pc.int_asserted());
  EXPECT_EQ(pc.inta(), 0x29);
}

TYPED_TEST(Pic, SpecialFullyNestedMode) {
  PcPics<TypeParam> pc;
  pc.init_pc(0x11);  // master ICW4: SFNM, 8086
  pc.raise(11);
  EXPECT_EQ(pc.inta(), 0x2B);
  pc.raise(5);
  EXPECT_FALSE(pc.int_asserted());  // master IR5 is below IR2 in service
  pc.raise(9);                      // a higher request on the same slave passes
  EXPECT_TRUE(pc.int_asserted());
  EXPECT_EQ(pc.inta(), 0x29);
  EXPECT_EQ(pc.slave_isr(), 0x0A);
  EXPECT_EQ(pc.master_isr(), 0x04);
  // The handler's EOI sequence: EOI the slave, and the master only when the
  // slave has nothing else in service.
  pc.slave_cmd(NON_SPECIFIC_EOI);
  EXPECT_EQ(pc.slave_isr(), 0x08);
  pc.slave_cmd(NON_SPECIFIC_EOI);
  EXPECT_EQ(pc.slave_isr(), 0x00);
  pc.master_cmd(NON_SPECIFIC_EOI);
  EXPECT_EQ(pc.inta(), 0x25);
  EXPECT_EQ(all_warnings(), 0);
}

TYPED_TEST(Pic, SlaveInAutomaticEoiKeepsRequestingThroughMaster) {
  PcPics<TypeParam> pc;
  pc.init_pc(0x03, 0x03);  // both AEOI
  pc.raise(9);
  pc.raise(12);
  EXPECT_EQ(pc.inta(), 0x29);
  EXPECT_TRUE(pc.cascade.read());  // the slave still requests IR4
  EXPECT_TRUE(pc.int_asserted());
  EXPECT_EQ(pc.inta(), 0x2C);
  EXPECT_FALSE(pc.int_asserted());
}

// ---- bad input -----------------------------------------------------------------------

TYPED_TEST(Pic, EoiWithNothingInServiceWarns) {
  PcPics<TypeParam> pc;
  pc.init_pc();
  quiet_warnings();
  const int before = warnings("pic_master");
  pc.master_cmd(NON_SPECIFIC_EOI);
  EXPECT_EQ(warnings("pic_master"), before + 1);
  EXPECT_EQ(stat("pic_master.eoi_without_isr"), 1);
  pc.raise(3);
  pc.inta();
  pc.master_cmd(SPECIFIC_EOI | 4);  // IR4 is not in service
  EXPECT_EQ(warnings("pic_master"), before + 2);
  EXPECT_EQ(stat("pic_master.eoi_without_isr"), 2);
  EXPECT_EQ(pc.master_isr(), 0x08);  // IR3 untouched
}

TYPED_TEST(Pic, OcwDuringInitializationWarnsAndActs) {
  PcPics<TypeParam> pc;
  quiet_warnings();
  pc.port20.write(A0_0, 0x11);
  pc.port20.write(A0_0, READ_ISR);  // OCW3 while ICW2 is expected
  EXPECT_EQ(warnings("pic_master"), 1);
  pc.port20.write(A0_1, 0x20);
  pc.port20.write(A0_1, 0x04);
  pc.port20.write(A0_1, 0x01);
  pc.raise(0);
  pc.inta();
  EXPECT_EQ(pc.port20.read(A0_0), 0x01);  // ISR was selected by that OCW3
}

// ---- tracing ----------------------------------------------------------------------------

TYPED_TEST(Pic, TraceSignalsFollowRegisters) {
  PcPics<TypeParam> pc;
  pc.init_pc();
  pc.port20.write(A0_1, 0x80);
  pc.raise(3);
  EXPECT_EQ(pc.master.irr_trace.read(), 0x08);
  EXPECT_EQ(pc.master.imr_trace.read(), 0x80);
  pc.inta();
  EXPECT_EQ(pc.master.irr_trace.read(), 0x00);
  EXPECT_EQ(pc.master.isr_trace.read(), 0x08);
}

// ---- in simulation -----------------------------------------------------------------------

TYPED_TEST(Pic, HandlerLoopInsideSimulation) {
  // A CPU-like thread waits for INTR, runs INTA and sends the EOIs a PC
  // handler sends (slave first for IRQ8-15). Register writes and INTA come
  // from a process here, while the PICs' own method drives INT.
  PcPics<TypeParam> pc;
  pc.init_pc();
  std::vector<int> vectors;
  sc_core::sc_spawn([&] {
    for (;;) {
      while (!pc.intr.read()) sc_core::wait(pc.intr.value_changed_event());
      sc_core::wait(sc_core::sc_time(100, sc_core::SC_NS));  // the CPU reaches an instruction boundary
      const int vector = pc.cpu.inta->acknowledge();
      vectors.push_back(vector);
      sc_core::wait(sc_core::sc_time(200, sc_core::SC_NS));  // the handler runs
      if (vector >= 0x28) pc.portA0.write(A0_0, NON_SPECIFIC_EOI);
      pc.port20.write(A0_0, NON_SPECIFIC_EOI);
      sc_core::wait(SC_ZERO_TIME);
    }
  });
  const sc_core::sc_time us(1, sc_core::SC_US);
  pc.irq[3].write(true);
  sc_core::sc_start(us);
  pc.irq[11].write(true);
  pc.irq[4].write(true);
  sc_core::sc_start(us);
  pc.irq[3].write(false);
  sc_core::sc_start(us);
  pc.irq[3].write(true);
  sc_core::sc_start(us);
  EXPECT_EQ(vectors, (std::vector<int>{0x23, 0x2B, 0x24, 0x23}));
  EXPECT_FALSE(pc.intr.read());
  EXPECT_EQ(pc.master_isr(), 0x00);
  EXPECT_EQ(pc.slave_isr(), 0x00);
  EXPECT_EQ(pc.master.isr_trace.read(), 0x00);
  EXPECT_EQ(stat("pic_master.interrupts"), 4);
  EXPECT_EQ(all_warnings(), 0);
}
