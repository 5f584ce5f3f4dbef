// minipc::ApbModel: what the generic TLM-to-APB bridge (apb_bridge.h) needs of
// a Verilated module with an AMBA APB slave port, whatever the module.
//
// The bridge never names a Verilated class: each block built by
// minipc_add_rtl_block() (rtl/apb/rtl_apb.cmake) gets a generated adapter,
// ApbModelOf<V<top>> (apb_model_of.h), that implements this interface on the
// Verilated model's ports. No C++ is written per block.
//
// The port names (lowRISC style, docs/rtl-blocks.md):
//   required  clk_i, rst_ni (active low), psel_i, penable_i, pwrite_i,
//             paddr_i (<= 32 bits), pwdata_i (<= 32 bits), prdata_o
//             (<= 32 bits), pready_o
//   optional  pstrb_i (APB4 byte strobes; without it a write narrower than
//             32 bits is refused), pslverr_o (without it every transfer is
//             OKAY), irq_o (bit 0 is the block's interrupt), busy_o (the
//             block asks for its clock: while it is high the bridge ticks
//             clk_i at clock_hz; without it the block is clocked only during
//             APB transfers, unless always_clocked is set)
//   memory    optional, all or none (a bus-master port, docs/rtl-blocks.md):
//             mreq_valid_o, mreq_ready_i, mreq_we_o, mreq_addr_o (32 bits),
//             mreq_wdata_o (32 bits), mrsp_valid_i, mrsp_rdata_i (32 bits),
//             mrsp_err_i
#pragma once

#include <cstdint>
#include <memory>
#include <string>

namespace minipc {

// The bridge's side of the APB port: what the slave sees at a rising edge.
struct ApbRequest {
  bool psel = false;
  bool penable = false;
  bool pwrite = false;
  uint32_t paddr = 0;
  uint32_t pwdata = 0;
  uint8_t pstrb = 0;
};

// A memory request the block presents (mreq_*).
struct MemRequest {
  bool valid = false;
  bool write = false;
  uint32_t addr = 0;
  uint32_t wdata = 0;
};

class ApbModel {
 public:
  virtual ~ApbModel() = default;

  virtual const char* module() const = 0;  // the SystemVerilog top module
  virtual bool has_pstrb() const = 0;
  virtual bool has_pslverr() const = 0;
  virtual bool has_irq() const = 0;
  virtual bool has_busy() const = 0;
  virtual bool has_memory_port() const = 0;

  // Pins.
  virtual void set_request(const ApbRequest& r) = 0;
  virtual void set_clk(bool level) = 0;
  virtual void set_rst_n(bool level) = 0;
  virtual void eval() = 0;
  virtual uint32_t prdata() const = 0;
  virtual bool pready() const = 0;
  virtual bool pslverr() const = 0;  // false without the port
  virtual uint32_t irq() const = 0;   // 0 without the port
  virtual bool busy() const = 0;      // false without the port
  // The memory port (no-ops and an invalid request without it).
  virtual MemRequest mem_request() const = 0;
  virtual void set_mem_ready(bool ready) = 0;
  virtual void set_mem_response(bool valid, uint32_t rdata, bool err) = 0;

  // Verilator's VCD tracer on this model: `unit` is the VCD time unit
  // ("1ps"); dump(t) writes the values at time t (in that unit).
  virtual void open_trace(const std::string& path, const char* unit) = 0;
  virtual void dump(uint64_t t) = 0;
  virtual void flush_trace() = 0;
  virtual bool tracing() const = 0;
};

}  // namespace minipc
