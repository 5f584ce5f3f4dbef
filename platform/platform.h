// The PC: every block of the configured system, built from the ConfigStore,
// wired to the bus (memory and I/O maps) and to the IRQ lines.
//
// Top-level modules carry the config block names, so "uart0.console" is the
// parameter `console` of the module `uart0`. The platform itself reads the
// `platform.*` keys and the mapping keys (`<block>.io_base`, `.mmio_base`,
// `.irq`) of each device.
#pragma once

#include <array>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <systemc>

#include "apic/apic_message_target.h"
#include "apic/io_apic.h"
#include "apic/local_apic.h"
#include "bus/bus.h"
#include "core/irq.h"
#include "core/params.h"
#include "interrupt_monitor.h"
#include "core/sim_control.h"
#include "cpu/cpu.h"
#include "loader/elf_loader.h"
#include "kbd/kbc8042.h"
#include "memory/memory.h"
#include "pic/elcr8259.h"
#include "pic/pic8259.h"
#include "debug/core_debugger.h"
#include "disk/ata_disk.h"
#include "dma/dma_controller.h"
#include "pit/pit8254.h"
#include "pit/system_control_port_b.h"
#include "rtc/mc146818.h"
#include "trace/trace_port.h"
#include "uart/debug_ports.h"
#include "uart/uart16550.h"

namespace minipc {

class Platform {
 public:
  // Builds the system; throws ConfigError (bad or unknown keys) and
  // std::runtime_error from models that cannot open their files.
  Platform();
  ~Platform();

  Param<std::string> firmware{"platform.firmware", "", "Multiboot ELF to boot"};
  Param<std::string> pic_impl{"pic.impl", "tlm", "tlm: the TLM 8259A pair; rtl: the SystemVerilog 8259A pair through Verilator"};
  Param<std::string> pit_impl{"pit0.impl", "tlm", "tlm: the TLM 8254; rtl: the SystemVerilog 8254 through Verilator"};
  Param<std::string> trace_rtl{"platform.trace_rtl", "", "VCD of the RTL blocks' internals ('' for none)"};
  Param<uint64_t> gdb_port{"platform.gdb_port", 0, "GDB stub on 127.0.0.1:<port> (0: none)"};
  Param<bool> gdb_wait{"platform.gdb_wait", true, "with gdb_port: stop before the first instruction until GDB attaches"};
  Param<std::string> trace_insn{"platform.trace_insn", "", "instruction trace file ('' for none)"};
  Param<std::string> trace_insn_window{"platform.trace_insn_window", "0:1000000",
                                       "instructions traced, START:COUNT (counted from the first)"};
  Param<std::string> interrupts{"platform.interrupts", "pic",
                                "pic: the 8259A's INT is the CPU's INTR; apic: the local APIC's (IOAPIC routes the lines)"};
  Param<std::string> cmdline{"platform.cmdline", "", "Multiboot command line"};
  Param<sc_core::sc_time> time_limit{"platform.time_limit", sc_core::sc_time(1, sc_core::SC_SEC),
                                     "stop (exit 92) if the firmware has not exited by then"};
  Param<std::string> vcd{"platform.vcd", "", "VCD file to write ('' for none)"};
  Param<std::string> stats_file{"platform.stats", "", "stats JSON file to write ('' for none)"};
  Param<std::string> perfetto{"platform.perfetto", "",
                              "Chrome trace-event JSON of the firmware's trace markers ('' for none)"};

  // Loads the firmware into RAM and sets the CPU's Multiboot entry state.
  // Throws LoadError.
  LoadedImage load_firmware();

  struct Result {
    int exit_code;
    StopReason reason;
    std::string message;           // error line, empty for a firmware exit
    sc_core::sc_time simulated;
    double host_seconds;
    uint64_t instructions;
    std::string vcd_path;          // as written, empty if none
    std::string stats_path;
    std::string perfetto_path;     // empty if none
  };
  // Runs until the firmware exits, a fatal error, or the time limit.
  Result run();

  Cpu& cpu() { return *cpu_; }
  Bus& bus() { return *bus_; }
  Memory& ram() { return *ram_; }
  Uart16550& uart() { return *uart_; }
  DebugConsole& debug_console() { return *debugcon_; }
  TracePort& trace_port() { return *trace_port_; }
  DmaController& dma() { return *dma_; }
  AtaDisk& disk() { return *disk_; }

 private:
  void map_device(Peripheral& dev, const std::string& block, uint64_t io_base_default, uint64_t io_size,
                  int target, uint64_t mmio_base_default = 0);
  void open_vcd();
  template <typename Pic, typename Elcr>
  void build_pics();
  void build_storage(int cpu_master);
  std::string rtl_trace_path(const std::string& block);
  void start_debugging();
  void write_stats(const Result& r);

  std::unique_ptr<Bus> bus_;
  std::unique_ptr<Memory> ram_;
  std::unique_ptr<Cpu> cpu_;
  std::unique_ptr<Uart16550> uart_;
  std::unique_ptr<DebugConsole> debugcon_;
  std::unique_ptr<ExitPort> exitport_;
  std::unique_ptr<TracePort> trace_port_;
  // Legacy interrupt path and timers (PC/AT): 8259A pair, 8254, port B,
  // MC146818, 8042.
  // Pic8259/Elcr8259, or their RTL twins (pic.impl: rtl): same ports.
  std::unique_ptr<Peripheral> pic_master_, pic_slave_, elcr_master_, elcr_slave_;
  InterruptAcknowledgeIf* pic_inta_ = nullptr;  // the master answers INTA
  std::vector<std::pair<sc_core::sc_signal<uint8_t>*, std::string>> pic_traces_;
  std::unique_ptr<Peripheral> pit_;  // Pit8254, or Pit8254Rtl (pit0.impl: rtl)
  std::unique_ptr<SystemControlPortB> port_b_;
  std::unique_ptr<Mc146818> rtc_;
  std::unique_ptr<Kbc8042> kbd_;
  std::array<std::unique_ptr<IrqLine>, 16> irq_;
  std::unique_ptr<IrqLine> pic_cascade_;  // slave INT -> master IR2
  std::unique_ptr<IrqLine> pit_out1_, pit_out2_, pit_gate2_;
  std::unique_ptr<InterruptMonitor> irq_monitor_;
  std::unique_ptr<debug::CoreDebugger> debugger_;
  // APIC path: I/O APIC -> interrupt messages on the bus -> local APIC -> CPU.
  std::unique_ptr<LocalApic> lapic_;
  std::unique_ptr<IoApic> ioapic_;
  std::unique_ptr<ApicMessageTarget> apic_bus_;
  std::unique_ptr<IrqLine> pic_int_, lapic_intr_, lapic_nmi_, low_;
  // DMA controller and the primary ATA channel: bus masters besides the CPU.
  std::unique_ptr<DmaController> dma_;
  std::unique_ptr<AtaDisk> disk_;
  std::array<std::unique_ptr<IrqLine>, DmaController::kChannels> dma_dack_;
  std::unique_ptr<IrqLine> uart_txrdy_, uart_rxrdy_;  // uart0's DMA request pins (DREQs)
  sc_core::sc_trace_file* trace_ = nullptr;
  std::string vcd_path_;
  std::vector<std::string> rtl_traces_;  // --trace-rtl files, one per RTL block

 public:
  const std::vector<std::string>& rtl_trace_paths() const { return rtl_traces_; }
};

}  // namespace minipc
