// The 8254 RTL counters' state flops (ce_q, cnt_q, ctl_q of u_counter0..2,
// marked /*verilator public_flat_rd*/), read from a Verilated model's root.
// A template over the root type: the wrapper's model (Vpit8254) and the
// plain-decrement test's reference model (Vpit8254_ref) share it.
#pragma once

#include <cstdint>

namespace minipc::rtl {

struct Pit8254StateWords {
  uint64_t ce, cnt, ctl;
  bool operator==(const Pit8254StateWords& o) const { return ce == o.ce && cnt == o.cnt && ctl == o.ctl; }
};

template <typename Root>
Pit8254StateWords pit8254_state_words(const Root& r, unsigned i) {
  switch (i) {
    case 0:
      return {r.pit8254__DOT__u_counter0__DOT__ce_q, r.pit8254__DOT__u_counter0__DOT__cnt_q,
              r.pit8254__DOT__u_counter0__DOT__ctl_q};
    case 1:
      return {r.pit8254__DOT__u_counter1__DOT__ce_q, r.pit8254__DOT__u_counter1__DOT__cnt_q,
              r.pit8254__DOT__u_counter1__DOT__ctl_q};
    default:
      return {r.pit8254__DOT__u_counter2__DOT__ce_q, r.pit8254__DOT__u_counter2__DOT__cnt_q,
              r.pit8254__DOT__u_counter2__DOT__ctl_q};
  }
}

}  // namespace minipc::rtl
