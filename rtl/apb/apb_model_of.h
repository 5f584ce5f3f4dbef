// minipc::ApbModelOf<V>: the ApbModel adapter for the Verilated class V
// (apb_model.h), instantiated by each block's generated registration file
// (rtl/apb/rtl_apb_block.cpp.in). Optional ports are detected on V; the
// required ones are checked by the generated file with static_asserts that
// name the block, the module and the missing port (a build-time error).
#pragma once

// The Verilated headers before SystemC's (see rtl/pit8254/pit8254_rtl.cpp).
#include <verilated.h>
#include <verilated_vcd_c.h>

#include <memory>
#include <string>
#include <type_traits>
#include <utility>

#include "apb/apb_model.h"

namespace minipc::apb_port {

// has_<port><V>::value: V has a member (a port) of that name.
#define MINIPC_APB_PORT_TRAIT(port)                                                   \
  template <typename V, typename = void>                                              \
  struct has_##port : std::false_type {};                                             \
  template <typename V>                                                               \
  struct has_##port<V, std::void_t<decltype(std::declval<V&>().port)>> : std::true_type { \
    static constexpr std::size_t bytes = sizeof(std::remove_reference_t<decltype(std::declval<V&>().port)>); \
  };
MINIPC_APB_PORT_TRAIT(clk_i)
MINIPC_APB_PORT_TRAIT(rst_ni)
MINIPC_APB_PORT_TRAIT(psel_i)
MINIPC_APB_PORT_TRAIT(penable_i)
MINIPC_APB_PORT_TRAIT(pwrite_i)
MINIPC_APB_PORT_TRAIT(paddr_i)
MINIPC_APB_PORT_TRAIT(pwdata_i)
MINIPC_APB_PORT_TRAIT(pstrb_i)
MINIPC_APB_PORT_TRAIT(prdata_o)
MINIPC_APB_PORT_TRAIT(pready_o)
MINIPC_APB_PORT_TRAIT(pslverr_o)
MINIPC_APB_PORT_TRAIT(irq_o)
MINIPC_APB_PORT_TRAIT(busy_o)
MINIPC_APB_PORT_TRAIT(mreq_valid_o)
MINIPC_APB_PORT_TRAIT(mreq_ready_i)
MINIPC_APB_PORT_TRAIT(mreq_we_o)
MINIPC_APB_PORT_TRAIT(mreq_addr_o)
MINIPC_APB_PORT_TRAIT(mreq_wdata_o)
MINIPC_APB_PORT_TRAIT(mrsp_valid_i)
MINIPC_APB_PORT_TRAIT(mrsp_rdata_i)
MINIPC_APB_PORT_TRAIT(mrsp_err_i)
#undef MINIPC_APB_PORT_TRAIT

// A port of at most 32 bits (Verilator: CData, SData or IData; wider ports are
// QData or VlWide).
template <typename Trait>
constexpr bool narrow() {
  if constexpr (Trait::value) {
    return Trait::bytes <= 4;
  } else {
    return true;
  }
}

}  // namespace minipc::apb_port

namespace minipc {

template <typename V>
class ApbModelOf final : public ApbModel {
 public:
  ApbModelOf(const char* top, const std::string& instance) : top_(top) {
    ctx_.traceEverOn(true);  // allows open_trace() later
    m_ = std::make_unique<V>(&ctx_, instance.c_str());
  }
  // As in the 8254 wrapper: Verilator 5.006 erases a model's scopes through
  // the thread's current context; make it this model's own first.
  ~ApbModelOf() override {
    Verilated::threadContextp(&ctx_);
    if (vcd_) vcd_->close();
    vcd_.reset();
    m_.reset();
    Verilated::threadContextp(nullptr);
  }

  const char* module() const override { return top_; }
  bool has_pstrb() const override { return apb_port::has_pstrb_i<V>::value; }
  bool has_pslverr() const override { return apb_port::has_pslverr_o<V>::value; }
  bool has_irq() const override { return apb_port::has_irq_o<V>::value; }
  bool has_busy() const override { return apb_port::has_busy_o<V>::value; }
  static constexpr bool kMemory = apb_port::has_mreq_valid_o<V>::value;
  bool has_memory_port() const override { return kMemory; }

  void set_request(const ApbRequest& r) override {
    m_->psel_i = r.psel;
    m_->penable_i = r.penable;
    m_->pwrite_i = r.pwrite;
    m_->paddr_i = r.paddr;
    m_->pwdata_i = r.pwdata;
    if constexpr (apb_port::has_pstrb_i<V>::value) m_->pstrb_i = r.pstrb;
  }
  void set_clk(bool level) override { m_->clk_i = level; }
  void set_rst_n(bool level) override { m_->rst_ni = level; }
  void eval() override { m_->eval(); }
  uint32_t prdata() const override { return static_cast<uint32_t>(m_->prdata_o); }
  bool pready() const override { return m_->pready_o & 1; }
  bool pslverr() const override {
    if constexpr (apb_port::has_pslverr_o<V>::value) {
      return m_->pslverr_o & 1;
    } else {
      return false;
    }
  }
  uint32_t irq() const override {
    if constexpr (apb_port::has_irq_o<V>::value) {
      return static_cast<uint32_t>(m_->irq_o);
    } else {
      return 0;
    }
  }
  bool busy() const override {
    if constexpr (apb_port::has_busy_o<V>::value) {
      return m_->busy_o & 1;
    } else {
      return false;
    }
  }

  MemRequest mem_request() const override {
    MemRequest r;
    if constexpr (kMemory) {
      r.valid = m_->mreq_valid_o & 1;
      r.write = m_->mreq_we_o & 1;
      r.addr = static_cast<uint32_t>(m_->mreq_addr_o);
      r.wdata = static_cast<uint32_t>(m_->mreq_wdata_o);
    }
    return r;
  }
  void set_mem_ready(bool ready) override {
    if constexpr (kMemory) m_->mreq_ready_i = ready;
  }
  void set_mem_response(bool valid, uint32_t rdata, bool err) override {
    if constexpr (kMemory) {
      m_->mrsp_valid_i = valid;
      m_->mrsp_rdata_i = rdata;
      m_->mrsp_err_i = err;
    }
  }

  void open_trace(const std::string& path, const char* unit) override {
    if (vcd_) vcd_->close();
    vcd_ = std::make_unique<VerilatedVcdC>();
    m_->trace(vcd_.get(), 99);
    vcd_->set_time_unit(unit);
    vcd_->set_time_resolution(unit);
    vcd_->open(path.c_str());
  }
  void dump(uint64_t t) override {
    if (vcd_) vcd_->dump(t);
  }
  void flush_trace() override {
    if (vcd_) vcd_->flush();
  }
  bool tracing() const override { return vcd_ != nullptr; }

 private:
  const char* top_;
  VerilatedContext ctx_;
  std::unique_ptr<V> m_;
  std::unique_ptr<VerilatedVcdC> vcd_;
};

}  // namespace minipc
