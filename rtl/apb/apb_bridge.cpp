#include "apb/apb_bridge.h"

#include <cmath>
#include <cstring>

#include "core/hex.h"
#include "core/sim_control.h"
#include "core/stats.h"

namespace minipc {

namespace {
constexpr unsigned kMaxWarnings = 10;
}

ApbBridge::ApbBridge(const sc_core::sc_module_name& nm, std::unique_ptr<ApbModel> model)
    : sc_core::sc_module(nm), model_(std::move(model)), checker_(model_->has_pstrb()) {
  if (size.get() == 0 || size.get() % 4 != 0 || size.get() > (uint64_t{1} << 32))
    throw ConfigError(size.key() + ": " + std::to_string(size.get()) +
                      " is not a window size (a multiple of 4 bytes, 4..4G)");
  regs.register_b_transport(this, &ApbBridge::b_transport);
  regs.register_transport_dbg(this, &ApbBridge::transport_dbg);

  auto& stats = StatsRegistry::instance();
  const std::string n = name();
  stats.probe(n + ".rtl_cycles", [this] { return static_cast<double>(evaluated_); }, "cycles");
  stats.probe(n + ".apb_transfers", [this] { return static_cast<double>(transfers_); }, "transfers");
  stats.probe(n + ".apb_wait_states", [this] { return static_cast<double>(waits_); }, "cycles");
  stats.probe(n + ".apb_slave_errors", [this] { return static_cast<double>(errors_); }, "transfers");

  SC_METHOD(clock_method);
  sensitive << wake_;
  dont_initialize();
  SC_METHOD(drive_irq);
  sensitive << irq_event_;
  dont_initialize();
  if (model_->has_memory_port()) {
    master_ = std::make_unique<BusMaster>("master");
    master_->set_active(false);  // quiet until a request is taken
    stats.probe(n + ".memory_requests", [this] { return static_cast<double>(mem_requests_); }, "requests");
    stats.probe(n + ".memory_errors", [this] { return static_cast<double>(mem_errors_); }, "requests");
    SC_THREAD(master_thread);
  }

  // Power-on reset: rst_ni low for two clock cycles before time 0 (counted
  // nowhere), bus idle.
  model_->set_request(ApbRequest{});
  model_->set_rst_n(false);
  for (int i = 0; i < 2; ++i) {
    model_->set_clk(false);
    model_->eval();
    model_->set_clk(true);
    model_->eval();
  }
  model_->set_clk(false);
  model_->eval();
  model_->set_rst_n(true);
  model_->eval();
  irq_level_ = model_->irq() & 1;
}

ApbBridge::~ApbBridge() = default;

sc_core::sc_time ApbBridge::edge_time(uint64_t k) const {
  return sc_core::sc_time(static_cast<double>(k) / clock_hz.get(), sc_core::SC_SEC);
}

uint64_t ApbBridge::last_edge_at(const sc_core::sc_time& t) const {
  auto k = static_cast<uint64_t>(std::floor(t.to_seconds() * clock_hz.get()));
  while (edge_time(k + 1) <= t) ++k;
  while (k > 0 && edge_time(k) > t) --k;
  return k;
}

void ApbBridge::start_of_simulation() {
  started_ = true;
  if (irq_level_) {
    irq_queue_.emplace_back(sc_core::SC_ZERO_TIME, true);
    irq_event_.notify(sc_core::SC_ZERO_TIME);
  }
  if (clocked()) schedule_wake();
}

void ApbBridge::end_of_simulation() { model_->flush_trace(); }

void ApbBridge::open_trace(const std::string& path) {
  const double res = sc_core::sc_get_time_resolution().to_seconds();
  const char* unit = res <= 1e-15 ? "1fs" : res <= 1e-12 ? "1ps" : res <= 1e-9 ? "1ns" : "1us";
  model_->open_trace(path, unit);
  dump(edge_time(cycle_));
}

void ApbBridge::dump(const sc_core::sc_time& t) {
  if (!model_->tracing()) return;
  uint64_t v = t.value();
  if (dumped_ && v <= last_dump_) v = last_dump_ + 1;
  model_->dump(v);
  last_dump_ = v;
  dumped_ = true;
}

std::string ApbBridge::where(uint64_t offset) const {
  std::string s = "offset " + hex(offset);
  if (mmio_base_) s += ", memory address " + hex(mmio_base_ + offset);
  if (io_base_) s += std::string(mmio_base_ ? "," : ";") + " io port " + hex(io_base_ + offset);
  return s;
}

void ApbBridge::halt(const std::string& msg) {
  halted_ = true;
  request_stop(StopReason::bus_fatal, exit_status::bus_fatal, msg);
}

// ---- the clock ---------------------------------------------------------------

bool ApbBridge::tick(const ApbRequest& req, Sample* s) {
  const uint64_t k = cycle_ + 1;
  const sc_core::sc_time t = edge_time(k);
  // The request changes at the falling edge half a cycle before edge k.
  model_->set_request(req);
  model_->set_clk(false);
  model_->eval();
  // The memory port: the answer of a finished request at the first edge at
  // or after its end; a new request is taken at the first edge it is valid.
  bool answer = false, take = false;
  if (master_) {
    if (mem_ == Mem::done && t >= mem_done_at_) {
      model_->set_mem_response(true, mem_rdata_, mem_err_);
      answer = true;
    } else if (mem_ == Mem::idle) {
      mem_req_ = model_->mem_request();
      if (mem_req_.valid) {
        model_->set_mem_ready(true);
        take = true;
      }
    }
    if (answer || take) model_->eval();
  }
  if (model_->tracing()) dump(t - (edge_time(k) - edge_time(k - 1)) / 2);
  const bool ready = model_->pready();
  if (s) {
    s->pready = ready;
    s->pslverr = model_->pslverr();
    s->prdata = model_->prdata();
  }
  if (check_protocol.get()) {
    if (auto v = checker_.edge(k, req, ready)) {
      halt(std::string(name()) + ": " + v->text + " (module " + model_->module() + ")");
      return false;
    }
  }
  model_->set_clk(true);
  model_->eval();
  cycle_ = k;
  ++evaluated_;
  dump(t);
  collect_irq(t);
  if (answer) {
    model_->set_mem_response(false, 0, false);
    mem_ = Mem::idle;
  }
  if (take) {
    model_->set_mem_ready(false);
    master_->set_active(true);  // no later than the request's time
    mem_ = Mem::taken;
    ++mem_requests_;
    const sc_core::sc_time now = sc_core::sc_time_stamp();
    mem_start_.notify(t > now ? t - now : sc_core::SC_ZERO_TIME);
  }
  return true;
}

void ApbBridge::sync(const sc_core::sc_time& t) {
  const uint64_t target = last_edge_at(t);
  while (cycle_ < target && !halted_) {
    if (!clocked()) {
      cycle_ = target;  // gated: these edges change nothing
      return;
    }
    if (!tick(ApbRequest{})) return;
  }
}

void ApbBridge::schedule_wake() {
  const sc_core::sc_time now = sc_core::sc_time_stamp();
  const sc_core::sc_time next = edge_time(cycle_ + 1);
  wake_.notify(next > now ? next - now : sc_core::SC_ZERO_TIME);
}

void ApbBridge::clock_method() {
  if (halted_) return;
  sync(sc_core::sc_time_stamp());
  if (clocked() && !halted_) schedule_wake();
}

void ApbBridge::collect_irq(const sc_core::sc_time& t) {
  const bool level = model_->irq() & 1;
  if (level == irq_level_) return;
  irq_level_ = level;
  if (!started_) return;  // start_of_simulation drives the level at time 0
  const sc_core::sc_time now = sc_core::sc_time_stamp();
  irq_queue_.emplace_back(t < now ? now : t, level);
  irq_event_.notify(irq_queue_.back().first - now);
}

void ApbBridge::drive_irq() {
  const sc_core::sc_time now = sc_core::sc_time_stamp();
  bool changed = false;
  bool level = false;
  while (!irq_queue_.empty() && irq_queue_.front().first <= now) {
    level = irq_queue_.front().second;
    irq_queue_.pop_front();
    changed = true;
  }
  if (changed) drive(irq, level);
  if (!irq_queue_.empty()) irq_event_.notify(irq_queue_.front().first - now);
}

void ApbBridge::master_thread() {
  for (;;) {
    sc_core::wait(mem_start_);
    uint8_t buf[4];
    for (unsigned i = 0; i < 4; ++i) buf[i] = static_cast<uint8_t>(mem_req_.wdata >> (8 * i));
    const bool ok = mem_req_.write ? master_->write(mem_req_.addr, buf, 4) : master_->read(mem_req_.addr, buf, 4);
    mem_rdata_ = 0;
    if (ok && !mem_req_.write)
      for (unsigned i = 0; i < 4; ++i) mem_rdata_ |= uint32_t{buf[i]} << (8 * i);
    mem_err_ = !ok;
    if (!ok) {
      ++mem_errors_;
      if (warned_++ < kMaxWarnings)
        SC_REPORT_WARNING(name(), (std::string("memory port of module ") + model_->module() + ": " +
                                   BusMaster::describe(master_->last_failure()) + " (answered with mrsp_err_i)")
                                      .c_str());
    }
    master_->set_active(false);
    mem_done_at_ = sc_core::sc_time_stamp();
    mem_ = Mem::done;
    if (!halted_) schedule_wake();  // the answer needs an edge
  }
}

// ---- transfers -----------------------------------------------------------------

bool ApbBridge::transfer(bool write, uint32_t addr, uint32_t wdata, uint8_t strb, Sample& out,
                         const std::string& what) {
  ApbRequest req;
  req.psel = true;
  req.pwrite = write;
  req.paddr = addr;
  req.pwdata = write ? wdata : 0;
  req.pstrb = write ? strb : 0;
  ++transfers_;
  if (fault != Fault::skip_setup && !tick(req)) return false;  // setup phase
  req.penable = true;
  for (uint64_t w = 0;; ++w) {  // access phase: one edge per wait state, the last with PREADY high
    if (!tick(req, &out)) return false;
    if (out.pready) break;
    ++waits_;
    if (fault == Fault::paddr_change_in_wait) req.paddr ^= 4;
    if (w + 1 > pready_timeout.get()) {
      halt(std::string(name()) + ": APB slave (module " + model_->module() + ") never raised PREADY: " + what +
           " still waiting after " + std::to_string(w + 1) + " wait states (" + pready_timeout.key() + "=" +
           std::to_string(pready_timeout.get()) + ")");
      return false;
    }
  }
  // Back to idle: the next edge (if any is ticked) sees PSEL low.
  model_->set_request(ApbRequest{});
  model_->eval();
  return true;
}

void ApbBridge::b_transport(tlm::tlm_generic_payload& p, sc_core::sc_time& delay) {
  const sc_core::sc_time now = sc_core::sc_time_stamp();
  const uint64_t offset = p.get_address();
  const unsigned len = p.get_data_length();
  const bool write = p.is_write();
  uint8_t* data = p.get_data_ptr();
  if (p.get_byte_enable_ptr() || p.get_streaming_width() != len || len == 0) {
    p.set_response_status(tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE);
    return;
  }
  if (offset + len > size.get()) {
    p.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
    return;
  }
  if (halted_) {
    p.set_response_status(tlm::TLM_GENERIC_ERROR_RESPONSE);
    return;
  }
  const std::string what =
      std::to_string(len) + "-byte " + (write ? "write" : "read") + " at " + where(offset);
  if (write && !model_->has_pstrb() && (offset % 4 != 0 || len % 4 != 0)) {
    // APB3 (no PSTRB): every write is a whole word.
    if (warned_++ < kMaxWarnings)
      SC_REPORT_WARNING(name(), (what + " refused: module " + model_->module() +
                                 " has no pstrb_i (APB3), so it takes 32-bit aligned writes only")
                                    .c_str());
    p.set_response_status(tlm::TLM_GENERIC_ERROR_RESPONSE);
    return;
  }

  sync(now + delay);
  bool error = false;
  for (uint64_t a = offset & ~uint64_t{3}; a < offset + len && !halted_; a += 4) {
    // Bytes [lo, hi) of this word belong to the access.
    const uint64_t lo = std::max(a, offset), hi = std::min(a + 4, offset + len);
    uint32_t wdata = 0;
    uint8_t strb = 0;
    for (uint64_t b = lo; b < hi; ++b) {
      strb |= static_cast<uint8_t>(1u << (b - a));
      if (write) wdata |= uint32_t{data[b - offset]} << (8 * (b - a));
    }
    Sample s;
    if (!transfer(write, static_cast<uint32_t>(a), wdata, strb, s, what)) break;
    if (s.pslverr) {
      error = true;
      ++errors_;
      if (warned_++ < kMaxWarnings)
        SC_REPORT_WARNING(name(), ("PSLVERR from module " + std::string(model_->module()) + ": " + what +
                                   " answered as an unmapped access")
                                      .c_str());
    } else if (!write) {
      for (uint64_t b = lo; b < hi; ++b) data[b - offset] = static_cast<uint8_t>(s.prdata >> (8 * (b - a)));
    }
  }
  if (halted_) {
    // As the bus's machine check: the master stops here, before it sees an
    // answer; a method cannot wait and gets an error.
    p.set_response_status(tlm::TLM_GENERIC_ERROR_RESPONSE);
    const auto kind = sc_core::sc_get_current_process_handle().proc_kind();
    if (kind == sc_core::SC_THREAD_PROC_ || kind == sc_core::SC_CTHREAD_PROC_) wait(halt_);
    return;
  }
  if (error) {
    if (!write) std::memset(data, 0xFF, len);
    p.set_response_status(tlm::TLM_GENERIC_ERROR_RESPONSE);
  } else {
    p.set_response_status(tlm::TLM_OK_RESPONSE);
  }
  const sc_core::sc_time end = edge_time(cycle_);
  if (end > now + delay) delay = end - now;
  if (clocked()) schedule_wake();
}

}  // namespace minipc
