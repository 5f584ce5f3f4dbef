#include "platform.h"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <type_traits>

#include "core/stats.h"
#ifdef MINIPC_HAVE_RTL_PIT
#include "pit8254/pit8254_rtl.h"
#endif
#ifdef MINIPC_HAVE_RTL_PIC
#include "pic8259/elcr8259_rtl.h"
#include "pic8259/pic8259_rtl.h"
#endif

namespace minipc {

namespace {
std::string hex(uint64_t v) {
  std::ostringstream s;
  s << "0x" << std::hex << std::uppercase << v;
  return s.str();
}

// SystemC stamps the wall-clock date into the VCD header; overwrite it in
// place (same length) so the same config gives a byte-identical VCD.
void blank_vcd_date(const std::string& path) {
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  if (!f) return;
  std::string head(512, '\0');
  f.read(&head[0], static_cast<std::streamsize>(head.size()));
  head.resize(static_cast<size_t>(f.gcount()));
  const size_t begin = head.find("$date");
  const size_t end = head.find("$end", begin == std::string::npos ? 0 : begin);
  if (begin == std::string::npos || end == std::string::npos) return;
  std::string body(end - (begin + 5), ' ');
  const std::string note = "\n     minipc";
  body.replace(0, std::min(note.size(), body.size()), note.substr(0, body.size()));
  if (!body.empty()) body.back() = '\n';
  f.clear();
  f.seekp(static_cast<std::streamoff>(begin + 5));
  f.write(body.data(), static_cast<std::streamsize>(body.size()));
}

// Creates the folders an output file goes in; key names the setting.
void make_parent_dirs(const std::string& key, const std::string& path) {
  const auto parent = std::filesystem::path(path).parent_path();
  std::error_code ec;
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  if (ec) throw LoadError(exit_status::no_input, key + ": cannot create folder '" + parent.string() + "': " + ec.message());
}
}  // namespace

Platform::Platform() {
  bus_ = std::make_unique<Bus>("bus");
  ram_ = std::make_unique<Memory>("ram");
  cpu_ = std::make_unique<Cpu>("cpu0");
  uart_ = std::make_unique<Uart16550>("uart0");
  debugcon_ = std::make_unique<DebugConsole>("debugcon");
  exitport_ = std::make_unique<ExitPort>("exit");
  trace_port_ = std::make_unique<TracePort>("trace");
  if (pit_impl.get() == "rtl") {
#ifdef MINIPC_HAVE_RTL_PIT
    pit_ = std::make_unique<Pit8254Rtl>("pit0");
#else
    throw ConfigError(pit_impl.key() + ": 'rtl' needs the Verilated 8254, and this minipc was built without it");
#endif
  } else if (pit_impl.get() == "tlm") {
    pit_ = std::make_unique<Pit8254>("pit0");
  } else {
    throw ConfigError(pit_impl.key() + ": '" + pit_impl.get() + "' is not an implementation (tlm, rtl)");
  }
  port_b_ = std::make_unique<SystemControlPortB>("port_b");
  rtc_ = std::make_unique<Mc146818>("rtc");
  kbd_ = std::make_unique<Kbc8042>("kbd");

  // IRQ lines 0-15 as on a PC/AT: devices drive them, the 8259A pair reads
  // them (IRQ2 is the cascade input, so line 2 is free), and the master's INT
  // is the CPU's INTR. INTA goes to the master, which asks the slave for
  // vectors of IR2.
  for (size_t i = 0; i < irq_.size(); ++i) irq_[i] = std::make_unique<IrqLine>(("irq" + std::to_string(i)).c_str());
  pic_cascade_ = std::make_unique<IrqLine>("pic_cascade");
  pic_int_ = std::make_unique<IrqLine>("pic_int");
  irq_monitor_ = std::make_unique<InterruptMonitor>("irq_monitor");
  if (pic_impl.get() == "rtl") {
#ifdef MINIPC_HAVE_RTL_PIC
    build_pics<Pic8259Rtl, Elcr8259Rtl>();
#else
    throw ConfigError(pic_impl.key() + ": 'rtl' needs the Verilated 8259A, and this minipc was built without it");
#endif
  } else if (pic_impl.get() == "tlm") {
    build_pics<Pic8259, Elcr8259>();
  } else {
    throw ConfigError(pic_impl.key() + ": '" + pic_impl.get() + "' is not an implementation (tlm, rtl)");
  }

  // The APIC blocks exist in both modes, as on a PC; `platform.interrupts`
  // says whose INTR the CPU sees and who answers its INTA cycle.
  lapic_ = std::make_unique<LocalApic>("lapic0");
  ioapic_ = std::make_unique<IoApic>("ioapic");
  apic_bus_ = std::make_unique<ApicMessageTarget>("apic_bus");
  lapic_intr_ = std::make_unique<IrqLine>("lapic_intr");
  lapic_nmi_ = std::make_unique<IrqLine>("lapic_nmi");
  low_ = std::make_unique<IrqLine>("low");
  const bool apic_mode = interrupts.get() == "apic";
  if (!apic_mode && interrupts.get() != "pic")
    throw ConfigError(interrupts.key() + ": '" + interrupts.get() + "' is not an interrupt mode (pic, apic)");
  lapic_->intr.bind(*lapic_intr_);
  lapic_->nmi.bind(*lapic_nmi_);
  cpu_->nmi.bind(*lapic_nmi_);  // NMI messages (ICR, LINT1 in NMI mode) in both modes
  cpu_->on_nmi_acknowledge = [this] { lapic_->acknowledge_nmi(); };
  lapic_->lint0.bind(*pic_int_);  // virtual wire: the 8259A behind LINT0 (ExtINT)
  lapic_->lint1.bind(*low_);      // no NMI source
  lapic_->extint_ack.bind(*pic_inta_);
  apic_bus_->attach(*lapic_);
  apic_bus_->attach(*ioapic_);
  cpu_->lapic.bind(lapic_->regs);
  // IOAPIC pins as on a PC: pin 0 the 8259A's INT (ExtINT), pin 2 the PIT
  // (IRQ0), pin n IRQ n otherwise; pins 16-23 unused.
  for (unsigned pin = 0; pin < IoApic::kInputs; ++pin) {
    if (pin == 0)
      ioapic_->in[pin].bind(*pic_int_);
    else if (pin == 2)
      ioapic_->in[pin].bind(*irq_[0]);
    else if (pin < 16)
      ioapic_->in[pin].bind(*irq_[pin]);
    else
      ioapic_->in[pin].bind(*low_);
  }
  IrqLine& cpu_intr = apic_mode ? *lapic_intr_ : *pic_int_;
  cpu_->intr.bind(cpu_intr);
  if (apic_mode)
    cpu_->inta.bind(*lapic_);
  else
    cpu_->inta.bind(*pic_inta_);

  // 8254: counter 0 is the system timer on IRQ0; counter 1 (DRAM refresh on
  // an AT) is unused; counter 2's gate and output go through port B (0x61).
  pit_out1_ = std::make_unique<IrqLine>("pit_out1");
  pit_out2_ = std::make_unique<IrqLine>("pit_out2");
  pit_gate2_ = std::make_unique<IrqLine>("pit_gate2");
  // Both implementations have the same ports: nothing else changes.
  auto wire_pit = [&](auto& pit) {
    pit.out0.bind(*irq_[0]);
    pit.out1.bind(*pit_out1_);
    pit.out2.bind(*pit_out2_);
    pit.gate2.bind(*pit_gate2_);
  };
#ifdef MINIPC_HAVE_RTL_PIT
  if (auto* rtl = dynamic_cast<Pit8254Rtl*>(pit_.get())) {
    wire_pit(*rtl);
    if (!trace_rtl.get().empty()) rtl->open_trace(rtl_trace_path("pit0"));
  } else
#endif
    wire_pit(static_cast<Pit8254&>(*pit_));
  if (!trace_rtl.get().empty() && rtl_traces_.empty())
    throw ConfigError(trace_rtl.key() + ": no block is RTL (set pit0.impl=rtl and/or pic.impl=rtl)");
  port_b_->gate2.bind(*pit_gate2_);
  port_b_->out2.bind(*pit_out2_);
  rtc_->irq.bind(*irq_[8]);
  kbd_->irq.bind(*irq_[1]);

  // Latency of every interrupt: line -> INTR -> ISR -> EOI (stats "irq.*").
  for (unsigned i = 0; i < 16; ++i) irq_monitor_->lines[i].bind(*irq_[i]);
  irq_monitor_->intr.bind(cpu_intr);
  cpu_->on_interrupt_accepted = [this](int vector, const sc_core::sc_time& at) { irq_monitor_->accepted(vector, at); };
  if (apic_mode) irq_monitor_->use_apic(*ioapic_, *lapic_);

  // Initiators, then targets. In APIC mode the interrupt messages of the
  // IOAPIC and the LAPIC's IPIs cross the bus (two more masters); in PIC
  // mode they go straight to the message target, keeping the CPU the bus's
  // only master (and its fast, unsynchronised timeline).
  // Priorities (fixed_priority arbitration: smaller wins) come from the
  // config; by default the DMAC and the bus-master disk win over the CPU, as
  // HOLD and PCI bus masters do on a PC.
  Param<uint64_t> cpu_priority{"cpu0.bus_priority", 2, "arbitration priority of cpu0 on the bus (smaller wins)"};
  const int cpu_master = bus_->connect_initiator(cpu_->mem, "cpu0", static_cast<unsigned>(cpu_priority.get()));
  bus_->connect_initiator(cpu_->io, "cpu0");
  build_storage(cpu_master);
  if (apic_mode) {
    bus_->connect_initiator(ioapic_->msg, "ioapic");
    bus_->connect_initiator(lapic_->msg, "lapic0");
    bus_->map(AddressSpace::memory, 0xFEE00000, 0x100000, bus_->connect_target(apic_bus_->port, "apic_bus"));
  } else {
    ioapic_->msg.bind(apic_bus_->port);
    lapic_->msg.bind(apic_bus_->port);
  }
  map_device(*ioapic_, "ioapic", 0, 0x20, bus_->connect_target(ioapic_->regs, "ioapic"), 0xFEC00000);

  const int ram_target = bus_->connect_target(ram_->port, "ram");
  bus_->map(AddressSpace::memory, 0, ram_->bytes(), ram_target);

  map_device(*uart_, "uart0", 0x3F8, 8, bus_->connect_target(uart_->regs, "uart0"));
  map_device(*debugcon_, "debugcon", 0xE9, 1, bus_->connect_target(debugcon_->regs, "debugcon"));
  map_device(*exitport_, "exit", 0xF4, 4, bus_->connect_target(exitport_->regs, "exit"));
  map_device(*trace_port_, "trace", 0x4F0, TracePort::kWindowBytes, bus_->connect_target(trace_port_->regs, "trace"));
  map_device(*pic_master_, "pic_master", 0x20, 2, bus_->connect_target(pic_master_->regs, "pic_master"));
  map_device(*pic_slave_, "pic_slave", 0xA0, 2, bus_->connect_target(pic_slave_->regs, "pic_slave"));
  map_device(*elcr_master_, "elcr_master", 0x4D0, 1, bus_->connect_target(elcr_master_->regs, "elcr_master"));
  map_device(*elcr_slave_, "elcr_slave", 0x4D1, 1, bus_->connect_target(elcr_slave_->regs, "elcr_slave"));
  map_device(*pit_, "pit0", 0x40, 4, bus_->connect_target(pit_->regs, "pit0"));
  map_device(*port_b_, "port_b", 0x61, 1, bus_->connect_target(port_b_->regs, "port_b"));
  map_device(*rtc_, "rtc", 0x70, 2, bus_->connect_target(rtc_->regs, "rtc"));
  {
    // The 8042 answers at 0x60 (data) and 0x64 (status/command): one block,
    // two windows, because 0x61 between them is port B.
    const int kbd_target = bus_->connect_target(kbd_->regs, "kbd");
    bus_->map(AddressSpace::io, 0x60, 1, kbd_target, 0);
    bus_->map(AddressSpace::io, 0x64, 1, kbd_target, 4);
  }

  auto irq_param = [&](Param<uint64_t>& p) -> IrqLine& {
    if (p.get() >= irq_.size() || p.get() == 2)
      throw ConfigError(p.key() + ": IRQ " + std::to_string(p.get()) + " is not 0..15 (2 is the cascade)");
    return *irq_[p.get()];
  };
  Param<uint64_t> dma_irq{"dma.irq", 10, "IRQ line of the DMA controller"};
  dma_->irq.bind(irq_param(dma_irq));
  Param<uint64_t> disk_irq{"disk0.irq", 14, "IRQ line of the primary ATA channel (INTRQ)"};
  disk_->irq.bind(irq_param(disk_irq));

  Param<uint64_t> uart_irq{"uart0.irq", 4, "IRQ line of uart0"};
  if (uart_irq.get() >= irq_.size())
    throw ConfigError(uart_irq.key() + ": IRQ " + std::to_string(uart_irq.get()) + " is not 0..15");
  uart_->irq.bind(*irq_[uart_irq.get()]);

  // Every key must have been taken by now: a typo is an error, not a no-op.
  ConfigStore::instance().check_all_used();
}

// The DMA controller (docs/dma.md) and the primary ATA channel (docs/disk.md):
// bus masters that stay quiet (no synchronisation cost to the CPU) until a
// transfer is started, and register blocks in the I/O and memory spaces.
void Platform::build_storage(int cpu_master) {
  dma_ = std::make_unique<DmaController>("dma");
  disk_ = std::make_unique<AtaDisk>("disk0");
  Param<uint64_t> dma_priority{"dma.bus_priority", 0, "arbitration priority of the DMA controller (smaller wins)"};
  Param<uint64_t> disk_priority{"disk0.bus_priority", 1,
                                "arbitration priority of the disk's bus-master engine (smaller wins)"};
  bus_->connect_master(dma_->master, "dma", static_cast<unsigned>(dma_priority.get()));
  bus_->connect_master(disk_->master, "disk0", static_cast<unsigned>(disk_priority.get()));
  dma_->observe_bus({cpu_master});
  dma_->bus_owner.bind(bus_->owner);
  // uart0's DMA request pins (docs/uart.md "DMA signalling"): TXRDY drives the
  // DREQ of channel uart0.tx_dma_channel, RXRDY that of uart0.rx_dma_channel
  // (-1 or none: not wired). The other DREQs are tied low. The 16550 has no
  // DACK: the DMAC's access to THR/RBR is the acknowledge, so DACK stays open.
  uart_txrdy_ = std::make_unique<IrqLine>("uart0_txrdy");
  uart_rxrdy_ = std::make_unique<IrqLine>("uart0_rxrdy");
  uart_->txrdy.bind(*uart_txrdy_);
  uart_->rxrdy.bind(*uart_rxrdy_);
  auto dma_channel = [](const Param<std::string>& p) -> int {
    const std::string& v = p.get();
    if (v == "none" || v == "-1") return -1;
    if (v.size() == 1 && v[0] >= '0' && v[0] < static_cast<char>('0' + DmaController::kChannels)) return v[0] - '0';
    throw ConfigError(p.key() + ": '" + v + "' is not a DMA channel (0.." +
                      std::to_string(DmaController::kChannels - 1) + ", or -1 / none for not wired)");
  };
  Param<std::string> tx_dma{"uart0.tx_dma_channel", "1", "DMA channel whose DREQ is uart0's TXRDY (-1 or none: not wired)"};
  Param<std::string> rx_dma{"uart0.rx_dma_channel", "2", "DMA channel whose DREQ is uart0's RXRDY (-1 or none: not wired)"};
  const int tx_ch = dma_channel(tx_dma);
  const int rx_ch = dma_channel(rx_dma);
  if (tx_ch >= 0 && tx_ch == rx_ch)
    throw ConfigError(rx_dma.key() + ": channel " + std::to_string(rx_ch) + " is already " + tx_dma.key() +
                      " (a DREQ has one source)");
  for (unsigned n = 0; n < DmaController::kChannels; ++n) {
    const int ch = static_cast<int>(n);
    dma_->dreq[n].bind(ch == tx_ch ? *uart_txrdy_ : ch == rx_ch ? *uart_rxrdy_ : *low_);
    dma_dack_[n] = std::make_unique<IrqLine>(("dma_dack" + std::to_string(n)).c_str());
    dma_->dack[n].bind(*dma_dack_[n]);
  }
  map_device(*dma_, "dma", 0xD000, DmaController::kWindowBytes, bus_->connect_target(dma_->regs, "dma"), 0xFEB00000);

  auto window = [&](const std::string& key, uint64_t def, const char* what) {
    return Param<uint64_t>{"disk0." + key, def, what};
  };
  Param<uint64_t> cmd_io = window("io_base", 0x1F0, "command block ports (8)");
  Param<uint64_t> ctrl_io = window("ctrl_io_base", 0x3F6, "control block port (Alternate Status / Device Control)");
  Param<uint64_t> bmi_io = window("bmi_io_base", 0xC000, "bus-master IDE registers in the I/O space (0: none)");
  Param<uint64_t> bmi_mmio = window("bmi_mmio_base", 0xFEB01000, "bus-master IDE registers in the memory space (0: none)");
  auto place = [&](AddressSpace space, Param<uint64_t>& base, uint64_t size, int target) {
    if (!base.get()) return;
    if (space == AddressSpace::io && base.get() + size > 0x10000)
      throw ConfigError(base.key() + ": " + hex(base.get()) + " is outside the 64 KiB I/O space");
    bus_->map(space, base.get(), size, target);
  };
  if (!cmd_io.get() || !ctrl_io.get())
    throw ConfigError("disk0.io_base/ctrl_io_base: the ATA task file is port I/O only and needs both");
  place(AddressSpace::io, cmd_io, 8, bus_->connect_target(disk_->regs, "disk0"));
  place(AddressSpace::io, ctrl_io, 1, bus_->connect_target(disk_->ctrl, "disk0.ctrl"));
  const int bmi_target = bus_->connect_target(disk_->bmi, "disk0.bmi");
  place(AddressSpace::io, bmi_io, 8, bmi_target);
  place(AddressSpace::memory, bmi_mmio, 8, bmi_target);
}

// The 8259A pair (either implementation: they share ports and hooks): the
// slave's INT on the master's IR2, the master's INT on pic_int, the master
// answering INTA, EOIs reported to the latency monitor.
template <typename Pic, typename Elcr>
void Platform::build_pics() {
  auto master = std::make_unique<Pic>("pic_master");
  auto slave = std::make_unique<Pic>("pic_slave");
  elcr_master_ = std::make_unique<Elcr>("elcr_master", *master);
  elcr_slave_ = std::make_unique<Elcr>("elcr_slave", *slave);
  for (unsigned i = 0; i < 8; ++i) {
    master->ir[i].bind(i == 2 ? *pic_cascade_ : *irq_[i]);
    slave->ir[i].bind(*irq_[8 + i]);
  }
  slave->intr.bind(*pic_cascade_);
  master->attach_slave(2, *slave);
  master->intr.bind(*pic_int_);
  irq_monitor_->use_pics(*master, *slave);
  pic_traces_ = {{&master->irr_trace, "pic_master.irr"}, {&master->isr_trace, "pic_master.isr"},
                 {&master->imr_trace, "pic_master.imr"}, {&slave->irr_trace, "pic_slave.irr"},
                 {&slave->isr_trace, "pic_slave.isr"},   {&slave->imr_trace, "pic_slave.imr"}};
#ifdef MINIPC_HAVE_RTL_PIC
  if constexpr (std::is_same_v<Pic, Pic8259Rtl>) {
    if (!trace_rtl.get().empty()) {
      master->open_trace(rtl_trace_path("pic_master"));
      slave->open_trace(rtl_trace_path("pic_slave"));
    }
  }
#endif
  pic_inta_ = master.get();
  pic_master_ = std::move(master);
  pic_slave_ = std::move(slave);
}

// --trace-rtl FILE: each RTL block writes FILE's base name + ".<block>.vcd".
std::string Platform::rtl_trace_path(const std::string& block) {
  std::string base = trace_rtl.get();
  if (base.size() > 4 && base.compare(base.size() - 4, 4, ".vcd") == 0) base.resize(base.size() - 4);
  const std::string path = base + "." + block + ".vcd";
  make_parent_dirs(trace_rtl.key(), path);
  if (!std::ofstream(path)) throw LoadError(exit_status::no_input, trace_rtl.key() + ": cannot write '" + path + "'");
  rtl_traces_.push_back(path);
  return path;
}

Platform::~Platform() {
  if (trace_) sc_core::sc_close_vcd_trace_file(trace_);
}

void Platform::map_device(Peripheral& dev, const std::string& block, uint64_t io_base_default, uint64_t io_size,
                          int target, uint64_t mmio_base_default) {
  // A register block can sit in the I/O space, the memory space, or both:
  // the same driver can then be compared both ways (io_base 0 = not in I/O).
  Param<uint64_t> io_base{block + ".io_base", io_base_default, "port of the register block (0: none)"};
  Param<uint64_t> mmio_base{block + ".mmio_base", mmio_base_default, "memory address of the register block (0: none)"};
  if (io_base.get() + io_size > 0x10000)
    throw ConfigError(io_base.key() + ": " + hex(io_base.get()) + " is outside the 64 KiB I/O space");
  if (io_base.get()) bus_->map(AddressSpace::io, io_base.get(), io_size, target);
  if (mmio_base.get()) bus_->map(AddressSpace::memory, mmio_base.get(), io_size, target);
  (void)dev;
}

LoadedImage Platform::load_firmware() {
  const std::string& path = firmware.get();
  if (path.empty()) throw LoadError(exit_status::no_input, "no firmware given (--firmware ELF)");
  LoadedImage img = load_elf(path, ram_->data(), ram_->bytes());
  const uint32_t mbi = write_multiboot_info(ram_->data(), ram_->bytes(), cmdline.get());
  cpu_->set_entry_state(img.entry, kMultibootBootloaderMagic, mbi);
  return img;
}

void Platform::open_vcd() {
  if (vcd.get().empty()) return;
  std::string base = vcd.get();
  if (base.size() > 4 && base.compare(base.size() - 4, 4, ".vcd") == 0) base.resize(base.size() - 4);
  make_parent_dirs(vcd.key(), base);
  vcd_path_ = base + ".vcd";
  {
    std::ofstream probe(vcd_path_);
    if (!probe) throw LoadError(exit_status::no_input, "platform.vcd: cannot write '" + vcd_path_ + "'");
  }
  trace_ = sc_core::sc_create_vcd_trace_file(base.c_str());
  trace_->set_time_unit(1, sc_core::SC_PS);
  sc_core::sc_trace(trace_, bus_->owner, "bus.owner");
  sc_core::sc_trace(trace_, interrupts.get() == "apic" ? *lapic_intr_ : *pic_int_, "cpu0.intr");
  sc_core::sc_trace(trace_, lapic_->ppr_trace, "lapic0.ppr");
  sc_core::sc_trace(trace_, lapic_->isr_vector_trace, "lapic0.isr_vector");
  sc_core::sc_trace(trace_, cpu_->halted, "cpu0.halted");
  sc_core::sc_trace(trace_, cpu_->interrupt_flag, "cpu0.if");
  for (size_t i = 0; i < irq_.size(); ++i) sc_core::sc_trace(trace_, *irq_[i], irq_[i]->basename());
  for (const auto& [signal, name] : pic_traces_) sc_core::sc_trace(trace_, *signal, name);
  sc_core::sc_trace(trace_, *pit_out2_, "pit0.out2");
  sc_core::sc_trace(trace_, *uart_txrdy_, "uart0.txrdy");
  sc_core::sc_trace(trace_, *uart_rxrdy_, "uart0.rxrdy");
  for (unsigned n = 0; n < DmaController::kChannels; ++n) {
    sc_core::sc_trace(trace_, *dma_dack_[n], "dma.ch" + std::to_string(n) + ".dack");
    sc_core::sc_trace(trace_, dma_->hold_trace[n], "dma.ch" + std::to_string(n) + ".hold");
    sc_core::sc_trace(trace_, dma_->hlda_trace[n], "dma.ch" + std::to_string(n) + ".hlda");
  }
  sc_core::sc_trace(trace_, trace_port_->last_event.signal, "trace.event");
  sc_core::sc_trace(trace_, trace_port_->last_arg.signal, "trace.arg");
  sc_core::sc_trace(trace_, trace_port_->isr_depth.signal, "cpu0.isr_depth");
  sc_core::sc_trace(trace_, irq_monitor_->inta_vector.signal, "cpu0.inta_vector");
  sc_core::sc_trace(trace_, irq_monitor_->in_service.signal, "cpu0.interrupts_in_service");
}

void Platform::write_stats(const Result& r) {
  if (stats_file.get().empty()) return;
  auto& stats = StatsRegistry::instance();
  nlohmann::json j = stats.to_json();
  j["platform"]["simulated_ns"] = r.simulated.to_seconds() * 1e9;
  j["platform"]["exit_code"] = r.exit_code;
  // Host time is left out on purpose: the stats file is byte-identical for
  // the same config and seed (DESIGN.md §6); the summary line prints it.
  make_parent_dirs(stats_file.key(), stats_file.get());
  std::ofstream out(stats_file.get());
  if (!out) throw LoadError(exit_status::no_input, "platform.stats: cannot write '" + stats_file.get() + "'");
  out << std::setw(2) << j << "\n";
}

void Platform::start_debugging() {
  if (!gdb_port.get() && trace_insn.get().empty()) return;
  debugger_ = std::make_unique<debug::CoreDebugger>(
      cpu_->core(), [this](bool w, uint32_t a, uint8_t* d, size_t n) { return cpu_->debug_access(w, a, d, n); },
      cpu_->name());
  debugger_->set_log([](const std::string& line) { std::cerr << "minipc: " << line << "\n"; });
  debugger_->set_on_kill([] { request_stop(StopReason::firmware_exit, 0, ""); });
  if (!trace_insn.get().empty()) {
    debug::InsnTrace::Window window;
    try {
      window = debug::InsnTrace::parse_window(trace_insn_window.get());
    } catch (const std::invalid_argument& e) {
      throw ConfigError(trace_insn_window.key() + ": " + e.what());
    }
    make_parent_dirs(trace_insn.key(), trace_insn.get());
    debugger_->enable_trace(trace_insn.get(), window);
  }
  if (gdb_port.get()) {
    if (gdb_port.get() > 65535) throw ConfigError(gdb_port.key() + ": " + std::to_string(gdb_port.get()) + " is not a TCP port");
    try {
      debugger_->enable_gdb(static_cast<uint16_t>(gdb_port.get()), gdb_wait.get());
    } catch (const debug::GdbStubError& e) {
      throw InputError(std::string("--gdb: ") + e.what());
    }
  }
  cpu_->core().set_insn_hook(debugger_.get());
}

Platform::Result Platform::run() {
  open_vcd();
  start_debugging();
  reset_sim_outcome();
  const auto t0 = std::chrono::steady_clock::now();
  cpu_->set_time_limit(sc_core::sc_time_stamp() + time_limit.get());
  sc_core::sc_start(time_limit.get());
  const double host = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  Result r{};
  r.simulated = sc_core::sc_time_stamp();
  r.host_seconds = host;
  r.instructions = cpu_->instructions();
  if (const auto& o = sim_outcome()) {
    r.exit_code = o->exit_code;
    r.reason = o->reason;
    r.message = o->message;
  } else {
    std::ostringstream m;
    m << "time limit " << time_limit.get() << " reached without the firmware exiting (cpu0 at EIP="
      << hex(cpu_->core().eip()) << (cpu_->halted.read() ? ", halted" : "") << ")";
    r.exit_code = exit_status::time_limit;
    r.reason = StopReason::time_limit;
    r.message = m.str();
  }
  if (debugger_)
    debugger_->finish(r.exit_code, r.reason == StopReason::cpu_fatal || r.reason == StopReason::bus_fatal,
                      r.message.empty() ? "the firmware exited" : r.message);
  if (trace_) {
    sc_core::sc_close_vcd_trace_file(trace_);
    trace_ = nullptr;
    blank_vcd_date(vcd_path_);
    r.vcd_path = vcd_path_;
  }
  write_stats(r);
  if (!stats_file.get().empty()) r.stats_path = stats_file.get();
  if (!perfetto.get().empty()) {
    make_parent_dirs(perfetto.key(), perfetto.get());
    trace_port_->write_chrome_trace(perfetto.get());
    r.perfetto_path = perfetto.get();
  }
  return r;
}

}  // namespace minipc
