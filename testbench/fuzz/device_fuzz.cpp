// libFuzzer target: each device model's register interface alone, driven by
// a random sequence of accesses, pin changes and time advances, with the
// model's invariants checked after every step (docs/status.md, "fuzzing").
//
// An input is one byte choosing the device, then 8-byte operations:
//
//   byte 0      bits 2:0 the operation: 0/2 read, 1/3/7 write, 4 pin,
//               5 time advance, 6 device-specific (INTA, a frame on the
//               wire, a config-space access); bits 4:3 the size (1, 2, 4, 1)
//   byte 1      the socket (mod the device's socket count)
//   bytes 2-3   the offset (mod the socket's window plus 8: a few accesses
//               fall just outside it)
//   bytes 4-7   the value (write data, pin number and level, delay: bits
//               7:0 a count of the unit in bits 17:16, 1 ns, 100 ns, 2 us
//               or 50 us; at most 50 ms simulated per input)
//
// Built with -mllvm -asan-stack=0: SystemC's threads run on QuickThreads
// coroutine stacks ASan does not know about, and stack redzones there give
// false reports (heap, globals and UBSan are checked as usual).
//
// Every input gets a fresh SystemC kernel (a new sc_simcontext: the device
// is elaborated, run and destroyed per input), so an input replays alone.
//
// Devices: 0 the PC's 8259A pair with its ELCRs, 1 the 8254 PIT, 2 the
// MC146818 RTC, 3 the 16550 UART, 4 the 8042 keyboard controller, 5 the
// DMAC with a RAM target, 6 the ATA disk with a RAM target, 7 the 82540EM
// NIC with a RAM target.
//
// What fails an input (abort): a crash or sanitizer report; a SystemC error
// or an exception out of the model; a delta-cycle storm (more than 10000
// delta cycles at one time); a malformed payload from a bus master (no data
// pointer, length 0 or over 1 MiB, byte enables). A master's access outside
// the 64 KiB RAM target is answered TLM_ADDRESS_ERROR_RESPONSE by the target
// (counted in GuardedRam::outside), so a bad descriptor or buffer address
// meets a bus error the model must survive, never host memory. Whether the
// model also *reports* it (PCISTS.RMA, the DMAC's error code, the BMI error
// bit) is not checked here but by the unit tests (nic_test, dma_test,
// disk_test). And the invariants:
//   8259A    INT = initialized and an unmasked IRR bit the priority resolver
//            lets through (fully nested: above the highest ISR level,
//            rotation and SFNM included; special mask mode: any level not
//            in service), for both chips, from their registers;
//   UART     FIFO levels within 16;
//   8042     IRQ1 only while the output buffer is full (STATUS.OBF);
//   DMAC     its IRQ line = IRQ_STATUS & IRQ_ENABLE != 0;
//   NIC      its interrupt asserted only while ICR & IMS != 0; INTx# = that
//            request, unless PCICMD.Interrupt Disable or MSI; the receive
//            packet buffer within 64 KiB.
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <systemc>
#include <tlm>

#include "core/params.h"
#include "core/stats.h"
#include "disk/ata_disk.h"
#include "dma/dma_controller.h"
#include "kbd/kbc8042.h"
#include "nic/e1000.h"
#include "pic/elcr8259.h"
#include "pic/pic8259.h"
#include "pit/pit8254.h"
#include "rtc/mc146818.h"
#include "uart/uart16550.h"

using namespace minipc;

namespace {

[[noreturn]] void finding(const std::string& what) {
  std::fprintf(stderr, "device_fuzz: %s\n", what.c_str());
  std::fflush(stderr);
  std::abort();
}

// ---- the RAM a bus master reaches -------------------------------------------

// 64 KiB at address 0; every access outside answers an address error (and is
// counted), so a master cannot reach host memory through it.
struct GuardedRam : sc_core::sc_module {
  static constexpr uint64_t kBytes = 64 * 1024;
  tlm_utils::simple_target_socket<GuardedRam> port{"port"};
  std::vector<uint8_t> bytes = std::vector<uint8_t>(kBytes, 0);
  uint64_t outside = 0;
  explicit GuardedRam(const sc_core::sc_module_name& nm) : sc_module(nm) {
    port.register_b_transport(this, &GuardedRam::b_transport);
  }
  void b_transport(tlm::tlm_generic_payload& p, sc_core::sc_time& delay) {
    const uint64_t a = p.get_address();
    const unsigned len = p.get_data_length();
    if (!p.get_data_ptr() || len == 0 || len > (1u << 20)) finding("a bus master issued a malformed payload");
    if (p.get_byte_enable_ptr()) finding("a bus master used byte enables");
    delay += sc_core::sc_time(10, sc_core::SC_NS);
    if (a >= kBytes || len > kBytes - a) {
      ++outside;
      p.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
      return;
    }
    if (p.is_read()) std::memcpy(p.get_data_ptr(), bytes.data() + a, len);
    else if (p.is_write()) std::memcpy(bytes.data() + a, p.get_data_ptr(), len);
    p.set_response_status(tlm::TLM_OK_RESPONSE);
  }
};

// ---- one register window --------------------------------------------------------

struct Port : sc_core::sc_module {
  tlm_utils::simple_initiator_socket<Port> socket{"socket"};
  uint64_t window;
  explicit Port(const sc_core::sc_module_name& nm, uint64_t w) : sc_module(nm), window(w) {}
};

struct Rig {
  virtual ~Rig() = default;
  // Accesses go through these (or, with `access` set, through it).
  std::vector<std::unique_ptr<Port>> ports;
  std::function<void(unsigned socket, tlm::tlm_generic_payload&, sc_core::sc_time&)> access;
  std::vector<uint64_t> windows;  // with `access`
  virtual void pin(uint32_t /*v*/) {}
  virtual void special(uint32_t /*v*/) {}
  virtual void check() {}
  unsigned sockets() const { return static_cast<unsigned>(access ? windows.size() : ports.size()); }
  uint64_t window(unsigned s) const { return access ? windows[s] : ports[s]->window; }
  Port& port(const char* name, uint64_t window) {
    ports.push_back(std::make_unique<Port>(name, window));
    return *ports.back();
  }
};

uint32_t debug_read32(Port& p, uint64_t offset) {
  uint32_t v = 0;
  tlm::tlm_generic_payload g;
  g.set_command(tlm::TLM_READ_COMMAND);
  g.set_address(offset);
  g.set_data_ptr(reinterpret_cast<unsigned char*>(&v));
  g.set_data_length(4);
  if (p.socket->transport_dbg(g) != 4) finding("a debug read of a register failed");
  return v;
}

// ---- 0: the 8259A pair ---------------------------------------------------------------

struct PicRig : Rig {
  Pic8259 master{"pic_master"}, slave{"pic_slave"};
  Elcr8259 elcr_master{"elcr_master", master}, elcr_slave{"elcr_slave", slave};
  sc_core::sc_vector<IrqLine> irq{"irq", 16};
  IrqLine cascade{"cascade"}, intr{"intr"};
  PicRig() {
    port("port20", 2).socket.bind(master.regs);
    port("portA0", 2).socket.bind(slave.regs);
    port("port4D0", 1).socket.bind(elcr_master.regs);
    port("port4D1", 1).socket.bind(elcr_slave.regs);
    for (unsigned i = 0; i < 8; ++i) {
      master.ir[i].bind(i == 2 ? cascade : irq[i]);
      slave.ir[i].bind(irq[8 + i]);
    }
    master.intr.bind(intr);
    slave.intr.bind(cascade);
    master.attach_slave(2, slave);
  }
  void pin(uint32_t v) override {
    const unsigned n = v % 16;
    if (n != 2) irq[n].write((v >> 4) & 1);
  }
  void special(uint32_t v) override {
    // An INTA cycle, as the CPU runs it (also when INT is low: spurious).
    const int vector = (v & 1) ? master.acknowledge() : -2;
    if (vector < -1 || vector > 255) {
      if (vector != -2) finding("INTA returned " + std::to_string(vector));
    }
  }
  // The priority resolver, restated from the registers.
  static bool expected_int(Pic8259& p) {
    if (!p.initialized()) return false;
    const uint8_t requests = static_cast<uint8_t>(p.IRR.get() & ~p.IMR.get());
    if (!requests) return false;
    const uint8_t in_service = static_cast<uint8_t>(p.ISR.get());
    auto prio = [&](unsigned level) { return (level - p.lowest_priority_level() - 1) & 7; };
    auto highest = [&](uint8_t mask) {
      int best = -1;
      for (unsigned l = 0; l < 8; ++l)
        if ((mask >> l & 1) && (best < 0 || prio(l) < prio(static_cast<unsigned>(best)))) best = static_cast<int>(l);
      return best;
    };
    if (p.special_mask_mode()) return (requests & ~in_service) != 0;
    const int top = highest(requests), current = highest(in_service);
    if (current < 0 || prio(static_cast<unsigned>(top)) < prio(static_cast<unsigned>(current))) return true;
    const bool cascade = p.is_master() && !(p.ICW1.get() & Pic8259::ICW1_SNGL) && (p.ICW3.get() >> top & 1);
    return top == current && (p.ICW4.get() & Pic8259::ICW4_SFNM) && cascade;
  }
  void check() override {
    if (intr.read() != expected_int(master)) finding("master INT disagrees with IRR/IMR/ISR");
    if (cascade.read() != expected_int(slave)) finding("slave INT disagrees with IRR/IMR/ISR");
  }
};

// ---- 1: the PIT ---------------------------------------------------------------------------

struct PitRig : Rig {
  Pit8254 pit{"pit"};
  sc_core::sc_vector<IrqLine> gate{"gate", 3}, out{"out", 3};
  PitRig() {
    port("port40", 4).socket.bind(pit.regs);
    pit.gate0.bind(gate[0]);
    pit.gate1.bind(gate[1]);
    pit.gate2.bind(gate[2]);
    pit.out0.bind(out[0]);
    pit.out1.bind(out[1]);
    pit.out2.bind(out[2]);
  }
  void pin(uint32_t v) override { gate[v % 3].write((v >> 4) & 1); }
};

// ---- 2: the RTC ----------------------------------------------------------------------------

struct RtcRig : Rig {
  Mc146818 rtc{"rtc"};
  IrqLine irq{"irq"};
  RtcRig() {
    port("port70", 2).socket.bind(rtc.regs);
    rtc.irq.bind(irq);
  }
};

// ---- 3: the UART ---------------------------------------------------------------------------

struct UartRig : Rig {
  Uart16550 uart{"uart0"};
  IrqLine irq{"irq"}, txrdy{"txrdy"}, rxrdy{"rxrdy"};
  UartRig() {
    port("port3F8", 8).socket.bind(uart.regs);
    uart.irq.bind(irq);
    uart.txrdy.bind(txrdy);
    uart.rxrdy.bind(rxrdy);
  }
  void check() override {
    if (uart.rx_fifo_level() > Uart16550::kFifoDepth) finding("UART receive FIFO above 16");
    if (uart.tx_fifo_level() > Uart16550::kFifoDepth) finding("UART transmit FIFO above 16");
  }
};

// ---- 4: the 8042 -----------------------------------------------------------------------------

struct KbdRig : Rig {
  Kbc8042 kbc{"kbd"};
  IrqLine irq{"irq"};
  KbdRig() {
    port("port60", 5).socket.bind(kbc.regs);
    kbc.irq.bind(irq);
  }
  void check() override {
    if (irq.read() && !(kbc.STATUS.get() & Kbc8042::STAT_OBF)) finding("IRQ1 with the output buffer empty");
  }
};

// ---- 5: the DMAC -----------------------------------------------------------------------------

struct DmaRig : Rig {
  DmaController dma{"dma"};
  GuardedRam ram{"ram"};
  IrqLine irq{"irq"};
  sc_core::sc_vector<IrqLine> dreq{"dreq", DmaController::kChannels}, dack{"dack", DmaController::kChannels};
  sc_core::sc_signal<int> owner{"owner", -1};
  DmaRig() {
    port("dma_regs", DmaController::kWindowBytes).socket.bind(dma.regs);
    dma.master.socket.bind(ram.port);
    dma.irq.bind(irq);
    for (unsigned i = 0; i < DmaController::kChannels; ++i) {
      dma.dreq[i].bind(dreq[i]);
      dma.dack[i].bind(dack[i]);
    }
    dma.bus_owner.bind(owner);
    dma.watch_bus_owner = [] { return -1; };
  }
  void pin(uint32_t v) override { dreq[v % DmaController::kChannels].write((v >> 4) & 1); }
  void check() override {
    const uint32_t enable = debug_read32(*ports[0], DmaController::IRQ_ENABLE);
    if (irq.read() != ((dma.irq_status() & enable) != 0)) finding("DMAC IRQ line disagrees with IRQ_STATUS & IRQ_ENABLE");
  }
};

// ---- 6: the ATA disk ------------------------------------------------------------------------

struct AtaRig : Rig {
  AtaDisk disk{"disk0"};
  GuardedRam ram{"ram"};
  IrqLine irq{"irq"};
  AtaRig() {
    port("cmd", 8).socket.bind(disk.regs);
    port("ctrl", 1).socket.bind(disk.ctrl);
    port("bmi", 8).socket.bind(disk.bmi);
    disk.master.socket.bind(ram.port);
    disk.irq.bind(irq);
  }
};

// ---- 7: the NIC ------------------------------------------------------------------------------

struct NullMapper : PciBarMapper {
  bool map_bar(PciFunction&, int, bool, uint64_t, uint64_t) override { return true; }
  void unmap_bar(PciFunction&, int) override {}
};

struct IntxLevel : PciIntxSink {
  bool level = false;
  void set_intx(unsigned, unsigned, bool l) override { level = l; }
};

struct NicRig : Rig {
  E1000 nic{"nic0"};
  GuardedRam ram{"ram"};
  NullMapper mapper;
  IntxLevel intx;
  NicRig() {
    nic.master.socket.bind(ram.port);
    nic.set_bar_mapper(&mapper);
    nic.set_intx_sink(&intx, 3);
    nic.config_write(PciFunction::PCICMD, 2, PciFunction::CMD_MSE | PciFunction::CMD_IOSE | PciFunction::CMD_BME);
    windows = {E1000::kBar0Bytes, E1000::kBar1Bytes};
    access = [this](unsigned s, tlm::tlm_generic_payload& p, sc_core::sc_time& d) { nic.bar_transport(int(s), p, d); };
  }
  void special(uint32_t v) override {
    if (v & 1) {
      // A frame on the wire: 14..1600 bytes, to our address, broadcast or
      // another, with a pattern; every 16th with a wrong FCS.
      const size_t len = 14 + (v >> 4) % 1587;
      std::vector<uint8_t> f(len);
      for (size_t i = 0; i < len; ++i) f[i] = static_cast<uint8_t>(i * 31 + (v >> 16));
      const uint8_t ours[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};
      if ((v >> 1) & 1) std::memcpy(f.data(), ours, 6);
      else if ((v >> 2) & 1) std::memset(f.data(), 0xFF, 6);
      std::optional<uint32_t> fcs;
      if (((v >> 24) & 15) == 0) fcs = ethernet_fcs(f.data(), len) ^ 1u;
      nic.receive(f.data(), len, 0, fcs);
    } else {
      // A configuration access (aligned, as the host bridge makes them).
      const unsigned offset = (v >> 8) & 0xFC, len = (v >> 1) & 1 ? 4 : 2;
      if ((v >> 2) & 1) nic.config_write(offset, len, v >> 16 | (v & 0xF0) << 12);
      else nic.config_read(offset, len);
    }
  }
  void check() override {
    if (nic.interrupt_asserted() && !(nic.icr() & nic.ims())) finding("NIC interrupt asserted with ICR & IMS = 0");
    // INTx#: the request unless PCICMD's Interrupt Disable masks it; never
    // while MSI is enabled (PCI 3.0 6.8: a function using MSI does not use
    // its pin).
    const bool want = !nic.msi.enabled() && nic.interrupt_asserted() && !(nic.command() & PciFunction::CMD_INTDIS);
    if (intx.level != want) finding("INTx# disagrees with the model");
    if (nic.rx_fifo_bytes() > 64 * 1024) finding("receive packet buffer above 64 KiB");
  }
};

std::unique_ptr<Rig> make_rig(unsigned device) {
  switch (device % 8) {
    case 0: return std::make_unique<PicRig>();
    case 1: return std::make_unique<PitRig>();
    case 2: return std::make_unique<RtcRig>();
    case 3: return std::make_unique<UartRig>();
    case 4: return std::make_unique<KbdRig>();
    case 5: return std::make_unique<DmaRig>();
    case 6: return std::make_unique<AtaRig>();
    default: return std::make_unique<NicRig>();
  }
}

void settle() {
  for (int n = 0; sc_core::sc_pending_activity_at_current_time(); ++n) {
    if (n > 10000) finding("delta-cycle storm (10000 delta cycles at one time)");
    sc_core::sc_start(sc_core::SC_ZERO_TIME);
  }
}

// DEVICE_FUZZ_TRACE=1 prints every operation (for reading a crash input).
bool tracing() {
  static const bool on = std::getenv("DEVICE_FUZZ_TRACE") != nullptr;
  return on;
}

// Ends every thread of the kernel (each unwinds its stack, freeing what its
// frames hold) before the kernel is deleted: else every input would leak a
// little (an event-or list of a pending wait(a | b) per thread).
void collect_threads(sc_core::sc_object* o, std::vector<sc_core::sc_process_handle>& out) {
  for (sc_core::sc_object* child : o->get_child_objects()) collect_threads(child, out);
  sc_core::sc_process_handle h(o);
  if (h.valid() && h.proc_kind() == sc_core::SC_THREAD_PROC_ && !h.terminated()) out.push_back(h);
}
void kill_threads() {
  std::vector<sc_core::sc_process_handle> threads;
  for (sc_core::sc_object* o : sc_core::sc_get_top_level_objects()) collect_threads(o, threads);
  // kill() from a process of the simulation (not from outside it).
  sc_core::sc_spawn([threads] {
    for (auto h : threads)
      if (!h.terminated()) h.kill();
  });
  sc_core::sc_start(sc_core::SC_ZERO_TIME);
}

void run_ops(Rig& rig, const uint8_t* data, size_t size) {
  sc_core::sc_start(sc_core::SC_ZERO_TIME);  // elaboration
  settle();
  rig.check();
  constexpr size_t kOpBytes = 8;
  for (size_t at = 0; at + kOpBytes <= size; at += kOpBytes) {
    const uint8_t* op = data + at;
    const unsigned kind = op[0] & 7, sizes[4] = {1, 2, 4, 1};
    const unsigned len = sizes[(op[0] >> 3) & 3];
    uint32_t value;
    std::memcpy(&value, op + 4, 4);
    if (tracing())
      std::fprintf(stderr, "%s op %u kind %u socket %u offset 0x%x len %u value 0x%08x\n",
                   sc_core::sc_time_stamp().to_string().c_str(), unsigned(at / kOpBytes), kind, op[1],
                   op[2] | op[3] << 8, len, value);
    if (kind == 4) {
      rig.pin(value);
    } else if (kind == 5) {
      // Up to 255 units of 1 ns, 100 ns, 2 us or 50 us (12.75 ms), and no
      // more than 50 ms per input: a PIT at count 2 costs events per us.
      static const sc_core::sc_time units[4] = {sc_core::sc_time(1, sc_core::SC_NS),
                                                sc_core::sc_time(100, sc_core::SC_NS),
                                                sc_core::sc_time(2, sc_core::SC_US),
                                                sc_core::sc_time(50, sc_core::SC_US)};
      if (sc_core::sc_time_stamp() < sc_core::sc_time(50, sc_core::SC_MS))
        sc_core::sc_start(units[(value >> 16) & 3] * static_cast<double>(value & 0xFF));
    } else if (kind == 6) {
      rig.special(value);
    } else {
      const unsigned s = op[1] % rig.sockets();
      const uint64_t window = rig.window(s);
      const uint64_t offset = (static_cast<uint64_t>(op[2]) | static_cast<uint64_t>(op[3]) << 8) % (window + 8);
      std::unique_ptr<uint8_t[]> buf(new uint8_t[len]);  // exactly len: ASan sees any overrun
      std::memcpy(buf.get(), op + 4, len);
      tlm::tlm_generic_payload p;
      p.set_command(kind == 0 || kind == 2 ? tlm::TLM_READ_COMMAND : tlm::TLM_WRITE_COMMAND);
      p.set_address(offset);
      p.set_data_ptr(buf.get());
      p.set_data_length(len);
      p.set_streaming_width(len);
      p.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
      sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
      if (rig.access) rig.access(s, p, delay);
      else rig.ports[s]->socket->b_transport(p, delay);
      if (p.get_response_status() == tlm::TLM_INCOMPLETE_RESPONSE) finding("an access left the response incomplete");
      if (tracing())
        std::fprintf(stderr, "  %s 0x%" PRIx64 " (window 0x%" PRIx64 ") -> %s, data 0x%x\n",
                     p.is_read() ? "read" : "write", offset, window, p.get_response_string().c_str(),
                     len == 1 ? buf[0] : len == 2 ? buf[0] | buf[1] << 8 : buf[0] | buf[1] << 8 | buf[2] << 16 | unsigned(buf[3]) << 24);
    }
    settle();
    rig.check();
  }
}

}  // namespace

// No leak checking: SystemC's kernel keeps things beyond a run (its report
// handler's state, names) that look like leaks when one kernel is deleted
// and the next made. The models' threads are killed before each kernel goes
// (kill_threads), so memory stays flat over millions of inputs (peak RSS in
// the report).
extern "C" const char* __asan_default_options() { return "detect_leaks=0"; }

int sc_main(int, char*[]) { return 0; }  // libsystemc's main() wants one; libFuzzer's main() runs instead

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  sc_core::sc_report_handler::set_actions(sc_core::SC_INFO, sc_core::SC_DO_NOTHING);
  sc_core::sc_report_handler::set_actions(sc_core::SC_WARNING, sc_core::SC_DO_NOTHING);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  // A fresh kernel for this input.
  sc_core::sc_curr_simcontext = new sc_core::sc_simcontext;
  sc_core::sc_default_global_context = sc_core::sc_curr_simcontext;
  ConfigStore::instance().clear();
  StatsRegistry::instance().clear();
  ConfigStore::instance().set("uart0.console", "false", "fuzz");
  ConfigStore::instance().set("disk0.sectors", "128", "fuzz");
  try {
    std::unique_ptr<Rig> rig = make_rig(data[0]);
    run_ops(*rig, data + 1, size - 1);
    kill_threads();
    rig.reset();
  } catch (const sc_core::sc_report& e) {
    finding(std::string("SystemC error: ") + e.what());
  } catch (const std::exception& e) {
    finding(std::string("exception: ") + e.what());
  }
  delete sc_core::sc_curr_simcontext;
  sc_core::sc_curr_simcontext = nullptr;
  sc_core::sc_default_global_context = nullptr;
  return 0;
}
