// minipc::ApbChecker: an AMBA APB (APB3/APB4) protocol checker on the
// bridge's side of the port. It is fed, at every rising clk_i edge, what the
// slave sees at that edge (the request signals and the slave's PREADY), and
// returns the first rule broken, naming the cycle and the signal. The bridge
// (apb_bridge.h) runs it on every edge it ticks and stops the run on a
// violation; tests feed it by hand.
//
// Rules (AMBA APB protocol specification, "Operating states" and the
// transfer descriptions):
//   penable_without_psel  PENABLE high while PSEL is low
//   access_without_setup  an access phase (PSEL, PENABLE) not preceded by a
//                         setup phase (PSEL, !PENABLE) or a wait state
//   setup_not_followed    a setup phase not followed by the access phase
//   unstable_in_wait      PADDR, PWRITE, PWDATA (writes), PSTRB, PSEL or
//                         PENABLE changed in the cycle after a wait state
//                         (access phase with PREADY low)
//   penable_after_ready   PENABLE still high in the cycle after the transfer
//                         completed (PREADY high in the access phase)
//   pstrb_on_read         APB4: PSTRB not all low during a read transfer
// Not checked: X/Z values (Verilator models two states), the slave's
// outputs (APB places no rule on PREADY, PRDATA or PSLVERR outside the last
// access cycle; a slave that never raises PREADY is the bridge's timeout).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "apb/apb_model.h"

namespace minipc {

class ApbChecker {
 public:
  struct Violation {
    uint64_t cycle;      // the clk_i edge (counted from 0 at power-on)
    std::string rule;    // "unstable_in_wait"
    std::string signal;  // "PADDR"
    std::string text;    // one line: rule, signal, values
  };

  explicit ApbChecker(bool has_pstrb = true) : has_pstrb_(has_pstrb) {}

  // The signals at rising edge `cycle` (edges must increase); the first
  // violation, or nullopt.
  std::optional<Violation> edge(uint64_t cycle, const ApbRequest& r, bool pready);
  void reset() { have_prev_ = false; }

 private:
  bool has_pstrb_;
  bool have_prev_ = false;
  uint64_t prev_cycle_ = 0;
  ApbRequest prev_;
  bool prev_ready_ = false;
};

}  // namespace minipc
