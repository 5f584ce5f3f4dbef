#include "apb/apb_checker.h"

#include "core/hex.h"

namespace minipc {

std::optional<ApbChecker::Violation> ApbChecker::edge(uint64_t cycle, const ApbRequest& r, bool pready) {
  auto fail = [&](const char* rule, const char* signal, const std::string& what) {
    return Violation{cycle, rule, signal,
                     "APB protocol violation at cycle " + std::to_string(cycle) + ": " + rule + " (" + signal + "): " +
                         what};
  };
  std::optional<Violation> v;
  // An idle cycle in between (the bridge skips idle cycles without ticking)
  // counts as PSEL low.
  const bool consecutive = have_prev_ && cycle == prev_cycle_ + 1;
  const ApbRequest p = consecutive ? prev_ : ApbRequest{};
  const bool p_ready = consecutive && prev_ready_;
  const bool p_setup = p.psel && !p.penable;
  const bool p_wait = p.psel && p.penable && !p_ready;
  const bool p_done = p.psel && p.penable && p_ready;

  if (r.penable && !r.psel) {
    v = fail("penable_without_psel", "PENABLE", "PENABLE high with PSEL low");
  } else if (p_wait) {
    if (!r.psel) v = fail("unstable_in_wait", "PSEL", "PSEL fell during a wait state (PREADY low)");
    else if (!r.penable) v = fail("unstable_in_wait", "PENABLE", "PENABLE fell during a wait state (PREADY low)");
    else if (r.paddr != p.paddr)
      v = fail("unstable_in_wait", "PADDR", "PADDR changed from " + hex(p.paddr) + " to " + hex(r.paddr) +
                                                " during a wait state (PREADY low)");
    else if (r.pwrite != p.pwrite)
      v = fail("unstable_in_wait", "PWRITE", "PWRITE changed during a wait state (PREADY low)");
    else if (r.pwrite && r.pwdata != p.pwdata)
      v = fail("unstable_in_wait", "PWDATA", "PWDATA changed from " + hex(p.pwdata) + " to " + hex(r.pwdata) +
                                                 " during a wait state (PREADY low)");
    else if (has_pstrb_ && r.pstrb != p.pstrb)
      v = fail("unstable_in_wait", "PSTRB", "PSTRB changed during a wait state (PREADY low)");
  } else if (p_setup) {
    if (!(r.psel && r.penable))
      v = fail("setup_not_followed", r.psel ? "PENABLE" : "PSEL",
               "the cycle after a setup phase is not an access phase (PSEL and PENABLE high)");
    else if (r.paddr != p.paddr)
      v = fail("unstable_in_wait", "PADDR", "PADDR changed between the setup and the access phase");
    else if (r.pwrite != p.pwrite)
      v = fail("unstable_in_wait", "PWRITE", "PWRITE changed between the setup and the access phase");
  } else if (r.psel && r.penable) {
    v = fail(p_done ? "penable_after_ready" : "access_without_setup", "PENABLE",
             p_done ? "PENABLE still high in the cycle after the transfer completed"
                    : "access phase (PSEL and PENABLE high) without a setup phase before it");
  }
  if (!v && has_pstrb_ && r.psel && !r.pwrite && r.pstrb != 0)
    v = fail("pstrb_on_read", "PSTRB", "PSTRB " + hex(r.pstrb) + " during a read transfer (must be all low)");

  have_prev_ = true;
  prev_cycle_ = cycle;
  prev_ = r;
  prev_ready_ = pready;
  return v;
}

}  // namespace minipc
