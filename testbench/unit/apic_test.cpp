// Local APIC and 82093AA I/O APIC: the SDM's and the datasheet's behaviours,
// one test each.
//
// Each TEST elaborates its own SystemC world (CTest runs one process per
// TEST). The test body plays the CPUs: it drives each LAPIC's `regs` socket
// and the IOAPIC's through initiator sockets (annotating a delay to access at
// a local time ahead of SystemC time, as a temporally decoupled CPU does),
// runs INTA cycles through acknowledge(), and watches the signals. Interrupt
// messages travel through a spy that records every MSI write (address, data)
// on its way to the ApicMessageTarget, as the bus would carry it. The system
// is built by one fixture (ApicSystem), so the same cases can later run
// against an RTL twin.
#include <gtest/gtest.h>
#include <tlm_utils/multi_passthrough_target_socket.h>
#include <tlm_utils/simple_initiator_socket.h>

#include <cstring>
#include <memory>
#include <string>
#include <systemc>
#include <vector>

#include "apic/apic_message_target.h"
#include "apic/io_apic.h"
#include "apic/local_apic.h"
#include "core/params.h"
#include "core/stats.h"

using namespace minipc;
using sc_core::SC_NS;
using sc_core::SC_US;
using sc_core::SC_ZERO_TIME;
using sc_core::sc_time;

namespace {

// LAPIC register offsets (SDM Table 10-1).
constexpr uint64_t ID = 0x020, VERSION = 0x030, TPR = 0x080, APR = 0x090, PPR = 0x0A0, EOI = 0x0B0, LDR = 0x0D0,
                   DFR = 0x0E0, SVR = 0x0F0, ISR0 = 0x100, TMR0 = 0x180, IRR0 = 0x200, ESR = 0x280, ICR_LOW = 0x300,
                   ICR_HIGH = 0x310, LVT_TIMER = 0x320, LVT_THERMAL = 0x330, LVT_PERF = 0x340, LVT_LINT0 = 0x350,
                   LVT_LINT1 = 0x360, LVT_ERROR = 0x370, TIMER_ICR = 0x380, TIMER_CCR = 0x390, TIMER_DCR = 0x3E0;
// IOAPIC: direct registers and indirect indexes (82093AA).
constexpr uint64_t IOREGSEL = 0x00, IOWIN = 0x10;
constexpr uint8_t IOAPICID = 0x00, IOAPICVER = 0x01, IOAPICARB = 0x02;
constexpr uint8_t ioredtbl_low(unsigned n) { return static_cast<uint8_t>(0x10 + 2 * n); }
constexpr uint8_t ioredtbl_high(unsigned n) { return static_cast<uint8_t>(0x11 + 2 * n); }
// Redirection entry / LVT bits.
constexpr uint32_t MASKED = 1u << 16, LEVEL = 1u << 15, REMOTE_IRR = 1u << 14, POLARITY_LOW = 1u << 13,
                   LOGICAL = 1u << 11, LOWEST_PRIORITY = 1u << 8, EXTINT = 7u << 8, NMI = 4u << 8,
                   PERIODIC = 1u << 17;
constexpr uint32_t SVR_ENABLE = 1u << 8;

// 32-bit register accesses, as a CPU or the bus makes them.
class Initiator : public sc_core::sc_module {
 public:
  tlm_utils::simple_initiator_socket<Initiator> socket{"socket"};
  explicit Initiator(const sc_core::sc_module_name& nm) : sc_module(nm) {}

  uint32_t read(uint64_t address, sc_time delay = SC_ZERO_TIME) {
    uint32_t v = 0;
    access(tlm::TLM_READ_COMMAND, address, v, delay);
    return v;
  }
  void write(uint64_t address, uint32_t v, sc_time delay = SC_ZERO_TIME) {
    access(tlm::TLM_WRITE_COMMAND, address, v, delay);
  }

 private:
  void access(tlm::tlm_command cmd, uint64_t address, uint32_t& v, sc_time delay) {
    tlm::tlm_generic_payload p;
    p.set_command(cmd);
    p.set_address(address);
    p.set_data_ptr(reinterpret_cast<unsigned char*>(&v));
    p.set_data_length(4);
    p.set_streaming_width(4);
    p.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    socket->b_transport(p, delay);
    ASSERT_EQ(p.get_response_status(), tlm::TLM_OK_RESPONSE) << "address 0x" << std::hex << address;
  }
};

// Stands between the message senders and the ApicMessageTarget, as the bus
// does, and records every message write.
class MessageSpy : public sc_core::sc_module {
 public:
  struct Write {
    uint64_t address;
    uint32_t data;
  };
  tlm_utils::multi_passthrough_target_socket<MessageSpy> in{"in"};
  tlm_utils::simple_initiator_socket<MessageSpy> out{"out"};
  std::vector<Write> writes;

  explicit MessageSpy(const sc_core::sc_module_name& nm) : sc_module(nm) {
    in.register_b_transport(this, &MessageSpy::b_transport);
  }

 private:
  void b_transport(int, tlm::tlm_generic_payload& p, sc_time& delay) {
    uint32_t data = 0;
    std::memcpy(&data, p.get_data_ptr(), 4);
    writes.push_back({p.get_address(), data});
    out->b_transport(p, delay);
  }
};

// The 8259 master behind LINT0: its INTA cycle returns 0x20 + the IRQ.
class FakePic : public sc_core::sc_module, public InterruptAcknowledgeIf {
 public:
  explicit FakePic(const sc_core::sc_module_name& nm) : sc_module(nm) {}
  int irq = 3;
  int acknowledges = 0;
  int acknowledge() override {
    ++acknowledges;
    return 0x20 + irq;
  }
};

// Records when a line rises.
class RiseRecorder : public sc_core::sc_module {
 public:
  SC_HAS_PROCESS(RiseRecorder);
  sc_core::sc_in<bool> line{"line"};
  std::vector<sc_time> rises;
  explicit RiseRecorder(const sc_core::sc_module_name& nm) : sc_module(nm) {
    SC_METHOD(on_change);
    sensitive << line.pos();
    dont_initialize();
  }

 private:
  void on_change() { rises.push_back(sc_core::sc_time_stamp()); }
};

void configure(const std::string& key, const std::string& value) { ConfigStore::instance().set(key, value, "test"); }
double stat(const std::string& name) { return StatsRegistry::instance().value(name); }

// N local APICs (lapic0.. with APIC IDs 0..N-1), one IOAPIC, the message
// window, a spy in front of it, and a device that can write MSIs.
struct ApicSystem {
  ApicMessageTarget fabric{"apic_bus"};
  MessageSpy spy{"spy"};
  FakePic pic{"pic"};
  IoApic ioapic{"ioapic"};
  Initiator ioapic_cpu{"ioapic_cpu"};
  Initiator device{"device"};  // an MSI-capable bus master
  sc_core::sc_vector<IrqLine> irq{"irq", IoApic::kInputs};
  std::vector<std::unique_ptr<LocalApic>> lapics;
  std::vector<std::unique_ptr<Initiator>> cpus;
  std::vector<std::unique_ptr<IrqLine>> intr_lines, nmi_lines, lint0_lines, lint1_lines;
  std::unique_ptr<RiseRecorder> intr0_rises;

  explicit ApicSystem(unsigned n = 1) {
    for (unsigned i = 0; i < n; ++i) {
      const std::string name = "lapic" + std::to_string(i);
      configure(name + ".apic_id", std::to_string(i));
      lapics.push_back(std::make_unique<LocalApic>(name.c_str()));
      cpus.push_back(std::make_unique<Initiator>(("cpu" + std::to_string(i)).c_str()));
      intr_lines.push_back(std::make_unique<IrqLine>((name + "_intr").c_str()));
      nmi_lines.push_back(std::make_unique<IrqLine>((name + "_nmi").c_str()));
      lint0_lines.push_back(std::make_unique<IrqLine>((name + "_lint0").c_str()));
      lint1_lines.push_back(std::make_unique<IrqLine>((name + "_lint1").c_str()));
      LocalApic& l = *lapics.back();
      cpus.back()->socket.bind(l.regs);
      l.intr.bind(*intr_lines.back());
      l.nmi.bind(*nmi_lines.back());
      l.lint0.bind(*lint0_lines.back());
      l.lint1.bind(*lint1_lines.back());
      l.msg.bind(spy.in);
      fabric.attach(l);
    }
    lapics[0]->extint_ack.bind(pic);
    intr0_rises = std::make_unique<RiseRecorder>("intr0_rises");
    intr0_rises->line.bind(*intr_lines[0]);
    ioapic_cpu.socket.bind(ioapic.regs);
    for (unsigned i = 0; i < IoApic::kInputs; ++i) ioapic.in[i].bind(irq[i]);
    ioapic.msg.bind(spy.in);
    device.socket.bind(spy.in);
    spy.out.bind(fabric.port);
    fabric.attach(ioapic);
    sc_core::sc_start(SC_ZERO_TIME);  // finish elaboration
    settle();
  }

  // Runs every delta cycle pending at the current time.
  static void settle() {
    while (sc_core::sc_pending_activity_at_current_time()) sc_core::sc_start(SC_ZERO_TIME);
  }

  uint32_t read(unsigned cpu, uint64_t offset, sc_time delay = SC_ZERO_TIME) { return cpus[cpu]->read(offset, delay); }
  void write(unsigned cpu, uint64_t offset, uint32_t v, sc_time delay = SC_ZERO_TIME) {
    cpus[cpu]->write(offset, v, delay);
    settle();
  }
  void enable(unsigned cpu, uint32_t spurious_vector = 0xFF) { write(cpu, SVR, SVR_ENABLE | spurious_vector); }
  bool intr(unsigned cpu) {
    settle();
    return intr_lines[cpu]->read();
  }
  int inta(unsigned cpu) {
    const int v = lapics[cpu]->acknowledge();
    settle();
    return v;
  }
  // Bit `vector` of the 256-bit ISR/TMR/IRR array at `base`.
  bool bit(unsigned cpu, uint64_t base, uint8_t vector) {
    return (read(cpu, base + 0x10 * (vector / 32)) >> (vector % 32)) & 1;
  }
  // An MSI from a bus master.
  void msi(uint8_t vector, uint8_t destination, uint32_t data_extra = 0, bool logical = false) {
    device.write(0xFEE00000u | uint32_t{destination} << 12 | (logical ? 4u : 0u), vector | data_extra);
    settle();
  }

  uint32_t ioapic_read(uint8_t index) {
    ioapic_cpu.write(IOREGSEL, index);
    return ioapic_cpu.read(IOWIN);
  }
  void ioapic_write(uint8_t index, uint32_t v) {
    ioapic_cpu.write(IOREGSEL, index);
    ioapic_cpu.write(IOWIN, v);
    settle();
  }
  void route(unsigned input, uint32_t low, uint8_t destination) {
    ioapic_write(ioredtbl_high(input), uint32_t{destination} << 24);
    ioapic_write(ioredtbl_low(input), low);
  }
  void set_irq(unsigned input, bool level) {
    irq[input].write(level);
    settle();
  }
};

}  // namespace

// ---- local APIC -----------------------------------------------------------------------

TEST(LocalApic, LapicResetValues) {
  ApicSystem sys(2);
  EXPECT_EQ(sys.read(0, ID), 0x00000000u);
  EXPECT_EQ(sys.read(1, ID), 0x01000000u);
  EXPECT_EQ(sys.read(0, VERSION), 0x00050014u);  // version 0x14, max LVT entry 5
  EXPECT_EQ(sys.read(0, TPR), 0u);
  EXPECT_EQ(sys.read(0, APR), 0u);
  EXPECT_EQ(sys.read(0, PPR), 0u);
  EXPECT_EQ(sys.read(0, LDR), 0u);
  EXPECT_EQ(sys.read(0, DFR), 0xFFFFFFFFu);
  EXPECT_EQ(sys.read(0, SVR), 0xFFu);  // software disabled, spurious vector 0xFF
  for (uint64_t i = 0; i < 8; ++i) {
    EXPECT_EQ(sys.read(0, ISR0 + 0x10 * i), 0u);
    EXPECT_EQ(sys.read(0, TMR0 + 0x10 * i), 0u);
    EXPECT_EQ(sys.read(0, IRR0 + 0x10 * i), 0u);
  }
  EXPECT_EQ(sys.read(0, ESR), 0u);
  EXPECT_EQ(sys.read(0, ICR_LOW), 0u);
  EXPECT_EQ(sys.read(0, ICR_HIGH), 0u);
  for (uint64_t lvt : {LVT_TIMER, LVT_THERMAL, LVT_PERF, LVT_LINT0, LVT_LINT1, LVT_ERROR})
    EXPECT_EQ(sys.read(0, lvt), MASKED) << "LVT at 0x" << std::hex << lvt;
  EXPECT_EQ(sys.read(0, TIMER_ICR), 0u);
  EXPECT_EQ(sys.read(0, TIMER_CCR), 0u);
  EXPECT_EQ(sys.read(0, TIMER_DCR), 0u);
  EXPECT_FALSE(sys.intr(0));
  EXPECT_EQ(sys.lapics[0]->base(), 0xFEE00900u);  // BSP, globally enabled
  EXPECT_EQ(sys.lapics[1]->base(), 0xFEE00800u);
}

TEST(LocalApic, ReservedRegisterReadsZeroAndSetsEsr) {
  ApicSystem sys;
  EXPECT_EQ(sys.read(0, 0x040), 0u);
  sys.write(0, ESR, 0);
  EXPECT_EQ(sys.read(0, ESR), 0x80u);  // illegal register address
}

TEST(LocalApic, TprBlocksLowerClasses) {
  ApicSystem sys;
  sys.enable(0);
  sys.write(0, TPR, 0x50);
  sys.msi(0x45, 0);  // class 4 <= TPR class 5: held in IRR
  EXPECT_TRUE(sys.bit(0, IRR0, 0x45));
  EXPECT_FALSE(sys.intr(0));
  sys.msi(0x5F, 0);  // class 5 is not above 5 either
  EXPECT_FALSE(sys.intr(0));
  sys.msi(0x61, 0);
  EXPECT_TRUE(sys.intr(0));
  EXPECT_EQ(sys.inta(0), 0x61);
  EXPECT_FALSE(sys.intr(0));
  sys.write(0, EOI, 0);
  sys.write(0, TPR, 0x00);  // lowering TPR releases the held ones, highest first
  EXPECT_TRUE(sys.intr(0));
  EXPECT_EQ(sys.inta(0), 0x5F);
  EXPECT_EQ(stat("lapic0.interrupts_accepted"), 3);
}

TEST(LocalApic, PprIsMaxOfTprAndIsrClass) {
  ApicSystem sys;
  sys.enable(0);
  sys.write(0, TPR, 0x23);
  EXPECT_EQ(sys.read(0, PPR), 0x23u);
  sys.msi(0x51, 0);
  EXPECT_EQ(sys.inta(0), 0x51);
  EXPECT_EQ(sys.read(0, PPR), 0x50u);  // ISRV class above TPR class: ISRV[7:4]:0
  EXPECT_EQ(sys.lapics[0]->ppr_trace.read(), 0x50);
  EXPECT_EQ(sys.lapics[0]->isr_vector_trace.read(), 0x51);
  sys.write(0, TPR, 0x52);
  EXPECT_EQ(sys.read(0, PPR), 0x52u);  // same class: TPR
  sys.write(0, TPR, 0x6A);
  EXPECT_EQ(sys.read(0, PPR), 0x6Au);
  sys.write(0, TPR, 0x00);
  sys.write(0, EOI, 0);
  EXPECT_EQ(sys.read(0, PPR), 0x00u);
  EXPECT_EQ(sys.lapics[0]->isr_vector_trace.read(), 0);
}

TEST(LocalApic, HigherClassPreemptsInService) {
  ApicSystem sys;
  sys.enable(0);
  sys.msi(0x40, 0);
  EXPECT_EQ(sys.inta(0), 0x40);
  sys.msi(0x41, 0);  // same class as the one in service: waits
  EXPECT_FALSE(sys.intr(0));
  sys.msi(0x50, 0);  // higher class: nests
  EXPECT_TRUE(sys.intr(0));
  EXPECT_EQ(sys.inta(0), 0x50);
  EXPECT_TRUE(sys.bit(0, ISR0, 0x40));
  EXPECT_TRUE(sys.bit(0, ISR0, 0x50));
  sys.write(0, EOI, 0);  // retires 0x50; 0x40 still blocks 0x41
  EXPECT_FALSE(sys.intr(0));
  sys.write(0, EOI, 0);
  EXPECT_TRUE(sys.intr(0));
  EXPECT_EQ(sys.inta(0), 0x41);
}

TEST(LocalApic, EoiClearsHighestIsr) {
  ApicSystem sys;
  sys.enable(0);
  sys.msi(0x40, 0);
  EXPECT_EQ(sys.inta(0), 0x40);
  sys.msi(0x80, 0);
  EXPECT_EQ(sys.inta(0), 0x80);
  sys.write(0, EOI, 0);
  EXPECT_FALSE(sys.bit(0, ISR0, 0x80));
  EXPECT_TRUE(sys.bit(0, ISR0, 0x40));
  sys.write(0, EOI, 0);
  EXPECT_EQ(sys.read(0, ISR0 + 0x20), 0u);
  sys.write(0, EOI, 0);  // nothing in service: a warning, no change
  EXPECT_EQ(stat("lapic0.eoi"), 2);
}

TEST(LocalApic, SpuriousVectorWhenNothingPending) {
  ApicSystem sys;
  sys.enable(0, 0xEF);
  EXPECT_EQ(sys.inta(0), 0xEF);
  // INTR raised, then the request is outranked before INTA: spurious too.
  sys.msi(0x45, 0);
  EXPECT_TRUE(sys.intr(0));
  sys.cpus[0]->write(TPR, 0x80);  // no settle: INTR is still high
  EXPECT_EQ(sys.inta(0), 0xEF);
  EXPECT_FALSE(sys.bit(0, ISR0, 0xEF));  // a spurious vector is not in service
  EXPECT_EQ(stat("lapic0.spurious"), 2);
}

TEST(LocalApic, SoftwareDisabledHoldsFixedInterruptsInIrr) {
  ApicSystem sys;  // SVR bit 8 clear after reset
  sys.msi(0x45, 0);
  EXPECT_TRUE(sys.bit(0, IRR0, 0x45));
  EXPECT_FALSE(sys.intr(0));
  sys.enable(0);
  EXPECT_TRUE(sys.intr(0));
}

TEST(LocalApic, TimerOneShotExpiresAfterInitialCountTimesDivide) {
  ApicSystem sys;  // bus_hz 100 MHz: 10 ns per clock
  sys.enable(0);
  sys.write(0, LVT_TIMER, 0x30);  // one-shot, vector 0x30
  sys.write(0, TIMER_DCR, 0x1);   // divide by 4
  sys.write(0, TIMER_ICR, 1000, sc_time(3, SC_US));  // written at local time 3 us
  sc_core::sc_start(sc_time(100, SC_US));
  ASSERT_EQ(sys.intr0_rises->rises.size(), 1u);
  EXPECT_EQ(sys.intr0_rises->rises[0], sc_time(3, SC_US) + sc_time(40, SC_US));  // 1000 * 4 * 10 ns
  EXPECT_EQ(sys.inta(0), 0x30);
  EXPECT_EQ(sys.read(0, TIMER_CCR), 0u);
  EXPECT_EQ(stat("lapic0.timer_expiries"), 1);
}

TEST(LocalApic, TimerPeriodicReloads) {
  ApicSystem sys;
  sys.enable(0);
  sys.write(0, LVT_TIMER, PERIODIC | 0x31);
  sys.write(0, TIMER_DCR, 0xB);  // divide by 1: 10 ns per count
  sys.write(0, TIMER_ICR, 500);  // 5 us period
  for (int k = 1; k <= 4; ++k) {
    sc_core::sc_start(sc_time(5, SC_US));
    EXPECT_TRUE(sys.intr(0)) << "period " << k;
    EXPECT_EQ(sys.inta(0), 0x31);
    sys.write(0, EOI, 0);
  }
  const auto& rises = sys.intr0_rises->rises;
  ASSERT_EQ(rises.size(), 4u);
  for (int k = 0; k < 4; ++k) EXPECT_EQ(rises[k], sc_time(5.0 * (k + 1), SC_US));
  EXPECT_EQ(sys.read(0, TIMER_CCR, sc_time(1, SC_US)), 400u);  // 1 us into the fifth period
  EXPECT_EQ(stat("lapic0.timer_expiries"), 4);
}

TEST(LocalApic, CurrentCountReflectsTime) {
  ApicSystem sys;
  sys.write(0, TIMER_DCR, 0x0);  // divide by 2: 20 ns per count
  sys.write(0, TIMER_ICR, 1000);
  EXPECT_EQ(sys.read(0, TIMER_CCR), 1000u);
  EXPECT_EQ(sys.read(0, TIMER_CCR, sc_time(5, SC_US)), 750u);  // a CPU running ahead sees its own time
  sc_core::sc_start(sc_time(10, SC_US));
  EXPECT_EQ(sys.read(0, TIMER_CCR), 500u);
  EXPECT_EQ(sys.read(0, TIMER_CCR, sc_time(19, SC_NS)), 500u);  // counts whole ticks
  EXPECT_EQ(sys.read(0, TIMER_CCR, sc_time(20, SC_NS)), 499u);
  sc_core::sc_start(sc_time(15, SC_US));
  EXPECT_EQ(sys.read(0, TIMER_CCR), 0u);  // one-shot: stays at 0
  EXPECT_FALSE(sys.intr(0));              // LVT timer masked: expiry without interrupt
  EXPECT_EQ(stat("lapic0.timer_expiries"), 1);
}

TEST(LocalApic, DivideConfigurationTable) {
  ApicSystem sys;
  const struct {
    uint32_t dcr;
    uint32_t divisor;
  } table[] = {{0x0, 2}, {0x1, 4}, {0x2, 8}, {0x3, 16}, {0x8, 32}, {0x9, 64}, {0xA, 128}, {0xB, 1}};
  for (const auto& row : table) {
    sys.write(0, TIMER_DCR, row.dcr);
    EXPECT_EQ(sys.read(0, TIMER_DCR), row.dcr);
    sys.write(0, TIMER_ICR, 100000);
    // 2560 ns = 256 bus clocks.
    EXPECT_EQ(sys.read(0, TIMER_CCR, sc_time(2560, SC_NS)), 100000u - 256u / row.divisor)
        << "DCR 0x" << std::hex << row.dcr;
  }
}

TEST(LocalApic, SoftwareDisableMasksLvt) {
  ApicSystem sys;
  sys.enable(0);
  sys.write(0, LVT_TIMER, 0x20);
  sys.write(0, LVT_LINT0, EXTINT);
  EXPECT_EQ(sys.read(0, LVT_TIMER), 0x20u);
  sys.write(0, SVR, 0xFF);  // software disable
  for (uint64_t lvt : {LVT_TIMER, LVT_THERMAL, LVT_PERF, LVT_LINT0, LVT_LINT1, LVT_ERROR})
    EXPECT_TRUE(sys.read(0, lvt) & MASKED) << "LVT at 0x" << std::hex << lvt;
  sys.write(0, LVT_TIMER, 0x21);  // the mask cannot be cleared while disabled
  EXPECT_EQ(sys.read(0, LVT_TIMER), MASKED | 0x21);
  sys.write(0, TIMER_ICR, 10);
  sc_core::sc_start(sc_time(1, SC_US));
  EXPECT_FALSE(sys.intr(0));
  EXPECT_EQ(stat("lapic0.timer_expiries"), 1);  // the timer still counts
}

TEST(LocalApic, Lint0ExtIntAsksThe8259) {
  ApicSystem sys;
  sys.enable(0);
  sys.write(0, LVT_LINT0, EXTINT);
  sys.pic.irq = 4;
  sys.lint0_lines[0]->write(true);
  EXPECT_TRUE(sys.intr(0));
  EXPECT_EQ(sys.inta(0), 0x24);
  EXPECT_EQ(sys.pic.acknowledges, 1);
  EXPECT_EQ(sys.read(0, ISR0 + 0x10), 0u);  // ExtINT does not enter ISR
  sys.lint0_lines[0]->write(false);
  EXPECT_FALSE(sys.intr(0));
  // Masked: the 8259's request does not reach INTR.
  sys.write(0, LVT_LINT0, MASKED | EXTINT);
  sys.lint0_lines[0]->write(true);
  EXPECT_FALSE(sys.intr(0));
}

TEST(LocalApic, HardwareDisabledPassesLint0ToIntr) {
  ApicSystem sys;
  sys.lapics[0]->set_base(0xFEE00000);  // IA32_APIC_BASE.EN = 0
  EXPECT_EQ(sys.lapics[0]->base(), 0xFEE00100u);
  sys.lint0_lines[0]->write(true);
  EXPECT_TRUE(sys.intr(0));
  EXPECT_EQ(sys.inta(0), 0x23);
  sys.lint1_lines[0]->write(true);
  sys.settle();
  EXPECT_TRUE(sys.nmi_lines[0]->read());
}

TEST(LocalApic, Lint1NmiRaisesNmiUntilTaken) {
  ApicSystem sys;
  sys.enable(0);
  sys.write(0, LVT_LINT1, NMI);
  sys.lint1_lines[0]->write(true);
  sys.settle();
  EXPECT_TRUE(sys.nmi_lines[0]->read());
  EXPECT_TRUE(sys.lapics[0]->nmi_pending());
  sys.lapics[0]->acknowledge_nmi();
  sys.settle();
  EXPECT_FALSE(sys.nmi_lines[0]->read());
  EXPECT_FALSE(sys.intr(0));
}

TEST(LocalApic, LintLevelFixedHoldsRemoteIrrUntilEoi) {
  ApicSystem sys;
  sys.enable(0);
  sys.write(0, LVT_LINT1, LEVEL | 0x70);
  sys.lint1_lines[0]->write(true);
  EXPECT_TRUE(sys.intr(0));
  EXPECT_TRUE(sys.read(0, LVT_LINT1) & REMOTE_IRR);
  EXPECT_EQ(sys.inta(0), 0x70);
  EXPECT_TRUE(sys.bit(0, TMR0, 0x70));
  sys.lint1_lines[0]->write(false);
  sys.settle();
  sys.write(0, EOI, 0);
  EXPECT_FALSE(sys.read(0, LVT_LINT1) & REMOTE_IRR);
  EXPECT_FALSE(sys.intr(0));
}

TEST(LocalApic, IcrFixedIpiToSelf) {
  ApicSystem sys(2);
  sys.enable(0);
  sys.enable(1);
  sys.write(0, ICR_LOW, (1u << 18) | 0x40);  // shorthand self, fixed, vector 0x40
  EXPECT_TRUE(sys.intr(0));
  EXPECT_FALSE(sys.intr(1));
  EXPECT_TRUE(sys.spy.writes.empty());  // a self IPI stays inside the APIC
  EXPECT_EQ(sys.inta(0), 0x40);
  EXPECT_EQ(sys.read(0, ICR_LOW), (1u << 18) | 0x40);  // delivery status idle
  EXPECT_EQ(stat("lapic0.ipis_sent"), 1);
}

TEST(LocalApic, IcrFixedIpiToPhysicalDestination) {
  ApicSystem sys(2);
  sys.enable(0);
  sys.enable(1);
  sys.write(0, ICR_HIGH, 0x01000000);
  sys.write(0, ICR_LOW, 0x4055);  // fixed, physical, assert, vector 0x55
  EXPECT_FALSE(sys.intr(0));
  EXPECT_TRUE(sys.intr(1));
  ASSERT_EQ(sys.spy.writes.size(), 1u);
  EXPECT_EQ(sys.spy.writes[0].address, 0xFEE01000u);
  EXPECT_EQ(sys.spy.writes[0].data, 0x4055u);
  EXPECT_EQ(sys.inta(1), 0x55);
}

TEST(LocalApic, IcrShorthandAllExcludingSelf) {
  ApicSystem sys(3);
  for (unsigned i = 0; i < 3; ++i) sys.enable(i);
  sys.write(1, ICR_LOW, (3u << 18) | 0x66);
  EXPECT_TRUE(sys.intr(0));
  EXPECT_FALSE(sys.intr(1));
  EXPECT_TRUE(sys.intr(2));
  sys.write(1, ICR_LOW, (2u << 18) | 0x77);  // all including self
  EXPECT_TRUE(sys.intr(1));
  EXPECT_EQ(sys.inta(1), 0x77);
}

TEST(LocalApic, LowestPriorityPicksLowestTpr) {
  ApicSystem sys(3);
  for (unsigned i = 0; i < 3; ++i) {
    sys.enable(i);
    sys.write(i, LDR, (1u << i) << 24);
  }
  sys.write(0, TPR, 0x30);
  sys.write(1, TPR, 0x10);
  sys.write(2, TPR, 0x20);
  sys.msi(0x60, 0x07, LOWEST_PRIORITY, true);
  EXPECT_FALSE(sys.intr(0));
  EXPECT_TRUE(sys.intr(1));
  EXPECT_FALSE(sys.intr(2));
  // Ties go to the lowest APIC ID among the addressed.
  sys.write(0, TPR, 0x20);
  sys.msi(0x61, 0x05, LOWEST_PRIORITY, true);  // lapic0 and lapic2, both 0x20
  EXPECT_TRUE(sys.intr(0));
  EXPECT_FALSE(sys.intr(2));
}

TEST(LocalApic, LogicalFlatDestination) {
  ApicSystem sys(2);
  sys.enable(0);
  sys.enable(1);
  sys.write(0, LDR, 0x01000000);
  sys.write(1, LDR, 0x02000000);
  sys.msi(0x41, 0x02, 0, true);
  EXPECT_FALSE(sys.intr(0));
  EXPECT_TRUE(sys.intr(1));
  sys.msi(0x42, 0x03, 0, true);  // both
  EXPECT_TRUE(sys.intr(0));
  EXPECT_TRUE(sys.bit(1, IRR0, 0x42));
  sys.msi(0x43, 0x04, 0, true);  // nobody
  EXPECT_FALSE(sys.bit(0, IRR0, 0x43));
  EXPECT_FALSE(sys.bit(1, IRR0, 0x43));
  EXPECT_EQ(stat("apic_bus.undelivered"), 1);
}

TEST(LocalApic, LogicalClusterDestination) {
  ApicSystem sys(2);
  sys.enable(0);
  sys.enable(1);
  for (unsigned i = 0; i < 2; ++i) sys.write(i, DFR, 0x0FFFFFFF);
  EXPECT_EQ(sys.read(0, DFR), 0x0FFFFFFFu);
  sys.write(0, LDR, 0x11000000);  // cluster 1, member bit 0
  sys.write(1, LDR, 0x21000000);  // cluster 2, member bit 0
  sys.msi(0x41, 0x21, 0, true);
  EXPECT_FALSE(sys.bit(0, IRR0, 0x41));
  EXPECT_TRUE(sys.bit(1, IRR0, 0x41));
  sys.msi(0x42, 0xF1, 0, true);  // member 0 of every cluster
  EXPECT_TRUE(sys.bit(0, IRR0, 0x42));
  EXPECT_TRUE(sys.bit(1, IRR0, 0x42));
}

TEST(LocalApic, IllegalVectorSetsEsr) {
  ApicSystem sys;
  sys.enable(0);
  sys.write(0, ICR_LOW, (1u << 18) | 0x05);  // send vector 5: refused
  EXPECT_EQ(sys.read(0, ESR), 0u);           // not latched until ESR is written
  sys.write(0, ESR, 0);
  EXPECT_EQ(sys.read(0, ESR), 0x20u);  // send illegal vector
  sys.msi(0x03, 0);
  sys.write(0, ESR, 0);
  EXPECT_EQ(sys.read(0, ESR), 0x40u);  // receive illegal vector
  EXPECT_FALSE(sys.intr(0));
  sys.write(0, ESR, 0);
  EXPECT_EQ(sys.read(0, ESR), 0u);
  // With LVT error unmasked, an error raises its interrupt.
  sys.write(0, LVT_ERROR, 0xFE);
  sys.msi(0x0F, 0);
  EXPECT_TRUE(sys.intr(0));
  EXPECT_EQ(sys.inta(0), 0xFE);
}

TEST(LocalApic, InitIpiResetsTargetAndStartupCallsCpu) {
  ApicSystem sys(2);
  int inits = 0, startup_page = -1;
  sys.lapics[1]->on_init = [&] { ++inits; };
  sys.lapics[1]->on_startup = [&](uint8_t v) { startup_page = v; };
  sys.enable(1);
  sys.write(1, TPR, 0x40);
  sys.write(0, ICR_HIGH, 0x01000000);
  sys.write(0, ICR_LOW, 0x4500);  // INIT, assert
  EXPECT_EQ(inits, 1);
  EXPECT_EQ(sys.read(1, SVR), 0xFFu);
  EXPECT_EQ(sys.read(1, TPR), 0u);
  EXPECT_EQ(sys.read(1, ID), 0x01000000u);  // the ID survives INIT
  sys.write(0, ICR_LOW, 0x4608);  // STARTUP at page 0x08
  EXPECT_EQ(startup_page, 0x08);
}

// ---- I/O APIC -----------------------------------------------------------------------------

TEST(IoApic, IoapicVersionReports24Entries) {
  ApicSystem sys;
  const uint32_t ver = sys.ioapic_read(IOAPICVER);
  EXPECT_EQ(ver, 0x00170011u);
  EXPECT_EQ((ver >> 16) & 0xFF, 23u);
  EXPECT_EQ(sys.ioapic_read(IOAPICID), 0u);
  sys.ioapic_write(IOAPICID, 0x0F000000);
  EXPECT_EQ(sys.ioapic_read(IOAPICID), 0x0F000000u);
  EXPECT_EQ(sys.ioapic_read(IOAPICARB), 0x0F000000u);
  sys.ioapic_write(IOAPICVER, 0x12345678);  // read-only: warning, unchanged
  EXPECT_EQ(sys.ioapic_read(IOAPICVER), 0x00170011u);
  EXPECT_EQ(sys.ioapic_read(0x40), 0u);  // past the table: undefined, reads 0
}

TEST(IoApic, IoapicRedirectionEntryReadWrite) {
  ApicSystem sys;
  for (unsigned n = 0; n < IoApic::kInputs; ++n) {
    EXPECT_EQ(sys.ioapic_read(ioredtbl_low(n)), MASKED) << n;
    EXPECT_EQ(sys.ioapic_read(ioredtbl_high(n)), 0u) << n;
  }
  sys.ioapic_write(ioredtbl_low(5), 0x0001F935);  // delivery status and remote IRR are read-only
  EXPECT_EQ(sys.ioapic_read(ioredtbl_low(5)), 0x0001A935u);
  sys.ioapic_write(ioredtbl_high(5), 0xABFFFFFF);  // bits 55:32 reserved
  EXPECT_EQ(sys.ioapic_read(ioredtbl_high(5)), 0xAB000000u);
  EXPECT_EQ(sys.ioapic_cpu.read(IOREGSEL), ioredtbl_high(5));
  EXPECT_EQ(sys.ioapic_read(ioredtbl_low(6)), MASKED);
}

TEST(IoApic, IoapicEdgeSendsMessage) {
  ApicSystem sys(2);
  sys.enable(1);
  sys.route(4, 0x34, 1);  // fixed, physical, edge, active high, unmasked, to APIC 1
  sys.set_irq(4, true);
  ASSERT_EQ(sys.spy.writes.size(), 1u);
  EXPECT_EQ(sys.spy.writes[0].address, 0xFEE01000u);
  EXPECT_EQ(sys.spy.writes[0].data, 0x00000034u);
  EXPECT_TRUE(sys.intr(1));
  EXPECT_EQ(sys.inta(1), 0x34);
  EXPECT_FALSE(sys.bit(1, TMR0, 0x34));
  sys.set_irq(4, false);  // the falling edge sends nothing
  EXPECT_EQ(sys.spy.writes.size(), 1u);
  sys.set_irq(4, true);
  EXPECT_EQ(sys.spy.writes.size(), 2u);
  EXPECT_EQ(stat("ioapic.messages_sent"), 2);
  // Logical, lowest priority: DM and RH bits in the address, mode in the data.
  sys.route(7, LOGICAL | LOWEST_PRIORITY | 0x47, 0x03);
  sys.set_irq(7, true);
  ASSERT_EQ(sys.spy.writes.size(), 3u);
  EXPECT_EQ(sys.spy.writes[2].address, 0xFEE0300Cu);
  EXPECT_EQ(sys.spy.writes[2].data, 0x00000147u);
}

TEST(IoApic, IoapicMaskedEdgeIsLost) {
  ApicSystem sys;
  sys.enable(0);
  sys.route(2, MASKED | 0x32, 0);
  sys.set_irq(2, true);
  sys.route(2, 0x32, 0);  // unmasked while still high: the edge is gone
  EXPECT_TRUE(sys.spy.writes.empty());
  EXPECT_FALSE(sys.intr(0));
  EXPECT_EQ(stat("ioapic.edges_lost"), 1);
}

TEST(IoApic, IoapicLevelHoldsRemoteIrrUntilEoi) {
  ApicSystem sys;
  sys.enable(0);
  sys.route(9, LEVEL | 0x39, 0);
  sys.set_irq(9, true);
  ASSERT_EQ(sys.spy.writes.size(), 1u);
  EXPECT_EQ(sys.spy.writes[0].data, 0x0000C039u);  // level triggered, assert
  EXPECT_TRUE(sys.ioapic_read(ioredtbl_low(9)) & REMOTE_IRR);
  EXPECT_EQ(sys.inta(0), 0x39);
  EXPECT_TRUE(sys.bit(0, TMR0, 0x39));
  sc_core::sc_start(sc_time(1, SC_US));
  EXPECT_EQ(sys.spy.writes.size(), 1u);  // remote IRR holds further messages
  sys.write(0, EOI, 0);  // still asserted: remote IRR clears and the message goes again
  EXPECT_EQ(sys.spy.writes.size(), 2u);
  EXPECT_TRUE(sys.ioapic_read(ioredtbl_low(9)) & REMOTE_IRR);
  EXPECT_EQ(sys.inta(0), 0x39);
  sys.set_irq(9, false);
  sys.write(0, EOI, 0);
  EXPECT_FALSE(sys.ioapic_read(ioredtbl_low(9)) & REMOTE_IRR);
  EXPECT_EQ(sys.spy.writes.size(), 2u);
}

TEST(IoApic, LevelEoiBroadcastClearsIoapicRemoteIrr) {
  ApicSystem sys;
  sys.enable(0);
  sys.route(11, LEVEL | 0x3B, 0);
  sys.set_irq(11, true);
  EXPECT_EQ(sys.inta(0), 0x3B);
  sys.set_irq(11, false);
  EXPECT_TRUE(sys.ioapic_read(ioredtbl_low(11)) & REMOTE_IRR);
  sys.write(0, EOI, 0);
  EXPECT_FALSE(sys.ioapic_read(ioredtbl_low(11)) & REMOTE_IRR);
  // An edge vector's EOI is not broadcast: another entry's remote IRR stays.
  sys.route(12, LEVEL | 0x3C, 0);
  sys.set_irq(12, true);
  EXPECT_EQ(sys.inta(0), 0x3C);
  sys.msi(0x50, 0);
  EXPECT_EQ(sys.inta(0), 0x50);
  sys.write(0, EOI, 0);  // retires 0x50 (edge)
  EXPECT_TRUE(sys.ioapic_read(ioredtbl_low(12)) & REMOTE_IRR);
}

TEST(IoApic, IoapicMaskedLevelSentOnUnmask) {
  ApicSystem sys;
  sys.enable(0);
  sys.route(10, MASKED | LEVEL | 0x3A, 0);
  sys.set_irq(10, true);
  EXPECT_TRUE(sys.spy.writes.empty());
  EXPECT_FALSE(sys.ioapic_read(ioredtbl_low(10)) & REMOTE_IRR);
  sys.ioapic_write(ioredtbl_low(10), LEVEL | 0x3A);
  ASSERT_EQ(sys.spy.writes.size(), 1u);
  EXPECT_EQ(sys.spy.writes[0].data, 0x0000C03Au);
  EXPECT_TRUE(sys.intr(0));
}

TEST(IoApic, IoapicPolarityLow) {
  ApicSystem sys;
  sys.enable(0);
  sys.set_irq(5, true);  // idle high, as an active-low line is
  sys.route(5, POLARITY_LOW | 0x35, 0);
  EXPECT_TRUE(sys.spy.writes.empty());
  sys.set_irq(5, false);  // asserting (falling) edge
  ASSERT_EQ(sys.spy.writes.size(), 1u);
  EXPECT_EQ(sys.inta(0), 0x35);
  sys.set_irq(5, true);  // rising: de-assertion, nothing
  EXPECT_EQ(sys.spy.writes.size(), 1u);
  // Level, active low: a low input is asserted as soon as it is unmasked.
  sys.route(6, POLARITY_LOW | LEVEL | 0x36, 0);
  EXPECT_EQ(sys.spy.writes.size(), 2u);
  EXPECT_TRUE(sys.ioapic_read(ioredtbl_low(6)) & REMOTE_IRR);
}

TEST(IoApic, IoapicExtIntReachesThe8259ThroughTheLapic) {
  ApicSystem sys;
  sys.enable(0);
  sys.route(0, EXTINT, 0);
  sys.pic.irq = 0;
  sys.set_irq(0, true);
  EXPECT_TRUE(sys.intr(0));
  EXPECT_EQ(sys.inta(0), 0x20);
  EXPECT_FALSE(sys.intr(0));
}
