// minipc::ApbBridge: the generic TLM-to-APB bridge for user RTL blocks
// (docs/rtl-blocks.md). A TLM target socket (`regs`) whose b_transport drives
// a Verilated module's AMBA APB slave port (ApbModel, apb_model.h) through a
// setup and an access phase per 32-bit word, and
//   - counts every clk_i cycle of the transfer as time (clock_hz): the setup
//     edge is the first clock edge after the access's local time, the
//     transfer ends at the edge where PREADY is sampled high;
//   - answers PSLVERR with TLM_GENERIC_ERROR_RESPONSE (the CPU then sees what
//     an unmapped access gives: all ones, a lost write) and warns naming the
//     block and the offset;
//   - stops the run (StopReason::bus_fatal, exit status 91) when PREADY stays
//     low for more than pready_timeout wait states, naming the block, the
//     module and the address; the master's thread never sees the answer;
//   - runs an APB protocol checker (apb_checker.h) on every edge it ticks;
//     a violation stops the run the same way (exit 91);
//   - drives bit 0 of irq_o on `irq` at the time of the edge that moved it;
//   - with the optional memory port (mreq_*/mrsp_*, apb_model.h): takes a
//     request at the first edge it is valid (mreq_ready_i high in that
//     cycle), issues it through the bus-master kit (`master`, onto the
//     contended bus) at that edge's time, and presents the answer for one
//     cycle (mrsp_valid_i) at the first edge at or after the transaction's
//     end that it ticks. One request at a time.
//
// Lazy clocking: clock edge k is at k / clock_hz from time 0. The model is
// evaluated only (a) for the edges of an APB transfer, and (b) while it asks
// for its clock (busy_o high, or always_clocked): then a method wakes at
// every edge (and an access brings the model up to its local time first).
// While busy_o is low and always_clocked is false, edges pass without an
// evaluation: the block promises that its state does not change without a
// bus transfer (its clock is gated).
#pragma once

#include <tlm_utils/simple_target_socket.h>

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <utility>

#include <systemc>
#include <tlm>

#include "apb/apb_checker.h"
#include "apb/apb_model.h"
#include "core/bus_master.h"
#include "core/irq.h"
#include "core/params.h"

namespace minipc {

class ApbBridge : public sc_core::sc_module {
 public:
  SC_HAS_PROCESS(ApbBridge);
  ApbBridge(const sc_core::sc_module_name& nm, std::unique_ptr<ApbModel> model);
  ~ApbBridge() override;

  tlm_utils::simple_target_socket<ApbBridge> regs{"regs"};
  IrqOut irq{"irq"};  // irq_o bit 0 (stays low without irq_o)

  Param<double> clock_hz{this, "clock_hz", 10e6, "the block's clk_i (PCLK) frequency"};
  Param<uint64_t> size{this, "size", 0x100, "register window size in bytes (a multiple of 4)"};
  Param<bool> always_clocked{this, "always_clocked", false,
                             "tick clk_i at every edge, not only during transfers and while busy_o is high"};
  Param<uint64_t> pready_timeout{this, "pready_timeout", 1024,
                                 "wait states (PREADY low) after which the run stops with exit 91"};
  Param<bool> check_protocol{this, "check_protocol", true, "run the APB protocol checker on every edge"};

  // The bus-master kit of the memory port; nullptr when the module has none.
  BusMaster* master() { return master_.get(); }
  uint64_t memory_requests() const { return mem_requests_; }
  uint64_t memory_errors() const { return mem_errors_; }

  // Where the window is, for messages ("io 0x300", "mmio 0xfed00000"; 0: not there).
  void set_bases(uint64_t io_base, uint64_t mmio_base) {
    io_base_ = io_base;
    mmio_base_ = mmio_base;
  }
  // Writes the module's ports and internals to a VCD (Verilator's tracer) on
  // the platform's time base (VCD time unit = the SystemC time resolution).
  void open_trace(const std::string& path);

  ApbModel& model() { return *model_; }
  sc_core::sc_time edge_time(uint64_t k) const;
  uint64_t last_edge_at(const sc_core::sc_time& t) const;  // the last clock edge at or before t
  uint64_t cycle() const { return cycle_; }                     // the last clock edge the model is at
  uint64_t evaluated_cycles() const { return evaluated_; }      // edges actually ticked
  uint64_t transfers() const { return transfers_; }
  uint64_t wait_states() const { return waits_; }
  uint64_t slave_errors() const { return errors_; }

  // Test hooks: a deliberately broken master, for the protocol checker's
  // negative tests (never set by the platform).
  enum class Fault { none, skip_setup, paddr_change_in_wait };
  Fault fault = Fault::none;

 protected:
  void start_of_simulation() override;
  void end_of_simulation() override;

 private:
  struct Sample {
    bool pready = false;
    bool pslverr = false;
    uint32_t prdata = 0;
  };
  void b_transport(tlm::tlm_generic_payload& p, sc_core::sc_time& delay);
  unsigned int transport_dbg(tlm::tlm_generic_payload&) { return 0; }  // no side-effect-free reads of RTL
  // One APB transfer of the word at `addr`; false when it stopped the run.
  bool transfer(bool write, uint32_t addr, uint32_t wdata, uint8_t strb, Sample& out, const std::string& what);
  // One clk_i cycle: `req` applied half a cycle before the edge, the slave's
  // outputs sampled before the edge; false when the checker stopped the run.
  bool tick(const ApbRequest& req, Sample* s = nullptr);
  void sync(const sc_core::sc_time& t);  // brings the model to the last edge at or before t
  bool clocked() const { return always_clocked.get() || model_->busy(); }
  void collect_irq(const sc_core::sc_time& t);
  void drive_irq();
  void clock_method();
  void schedule_wake();
  void dump(const sc_core::sc_time& t);
  void halt(const std::string& msg);
  void master_thread();
  std::string where(uint64_t offset) const;

  std::unique_ptr<ApbModel> model_;
  std::unique_ptr<BusMaster> master_;
  // The memory port's request in flight: taken at an edge, issued by
  // master_thread, answered at an edge at or after mem_done_at_.
  enum class Mem { idle, taken, done } mem_ = Mem::idle;
  MemRequest mem_req_;
  sc_core::sc_event mem_start_;
  sc_core::sc_time mem_done_at_;
  uint32_t mem_rdata_ = 0;
  bool mem_err_ = false;
  uint64_t mem_requests_ = 0, mem_errors_ = 0;
  ApbChecker checker_;
  sc_core::sc_event wake_, irq_event_, halt_;
  std::deque<std::pair<sc_core::sc_time, bool>> irq_queue_;
  bool irq_level_ = false;   // irq_o bit 0 as last collected
  uint64_t cycle_ = 0;
  uint64_t evaluated_ = 0, transfers_ = 0, waits_ = 0, errors_ = 0;
  uint64_t io_base_ = 0, mmio_base_ = 0;
  uint64_t last_dump_ = 0;
  bool dumped_ = false;
  bool started_ = false;
  bool halted_ = false;
  unsigned warned_ = 0;
};

}  // namespace minipc
