// The card's faults on the wire's receive side (e1000.h, docs/nic.md
// "Faults"): what happens to a frame between the source and the card.
#include <algorithm>
#include <stdexcept>

#include "core/params.h"
#include "nic/e1000.h"

namespace minipc {

namespace {

// The inter-packet gap after a frame's FCS (the wire's overhead less the
// preamble, SFD and FCS).
constexpr size_t kGapBytes = wire::kWireOverheadBytes - 8 - 4;

// [0, 1) from 53 random bits: the same on every standard library.
double unit(std::mt19937_64& rng) { return static_cast<double>(rng() >> 11) * 0x1.0p-53; }

// The trigger of a frame fault: exactly one of probability (0 < p <= 1,
// each frame independently) or nth (every nth frame the fault sees, >= 1).
void read_trigger(const FaultArgs& a, double& probability, uint64_t& nth) {
  auto& store = ConfigStore::instance();
  const bool has_p = store.peek(a.key("probability")).has_value();
  const bool has_n = store.peek(a.key("nth")).has_value();
  if (has_p && has_n)
    throw ConfigError(a.key("nth") + ": give probability or nth, not both (" + a.key("probability") +
                      " is set too)");
  if (!has_p && !has_n)
    throw ConfigError(a.key("probability") + ": missing: a frame fault needs probability (0 < p <= 1) or nth "
                      "(every nth frame)");
  if (has_p) {
    Param<double> p{a.key("probability"), 0.0, "chance that the fault acts on each frame"};
    if (!(p.get() > 0.0 && p.get() <= 1.0))
      throw ConfigError(p.key() + ": must be in (0, 1] (got " + std::to_string(p.get()) + ")");
    probability = p.get();
  } else {
    Param<uint64_t> n{a.key("nth"), 0, "the fault acts on every nth frame"};
    if (n.get() == 0) throw ConfigError(n.key() + ": must be >= 1 (got 0)");
    nth = n.get();
  }
}

}  // namespace

const std::vector<std::string>& E1000::fault_kinds() {
  static const std::vector<std::string> kinds = {"frame_drop", "frame_corrupt", "frame_duplicate", "link_down"};
  return kinds;
}

bool E1000::FrameFault::fires() {
  ++seen;
  if (nth) return seen % nth == 0;
  return unit(rng) < probability;
}

FaultHook E1000::fault_hook(const std::string& kind) {
  if (kind == "link_down") {
    return {"the link goes down (STATUS.LU clear, ICR.LSC; arriving frames are lost, the transmitter waits) "
            "and, with a duration, comes back (LSC again)",
            [this](const FaultArgs&) -> FaultAction { return [this](bool begin) { set_link_fault(begin); }; }};
  }
  FrameFaultKind k;
  std::string what;
  if (kind == "frame_drop") {
    k = FrameFaultKind::drop;
    what = "frames lost on the wire (never reach the card): probability or nth";
  } else if (kind == "frame_corrupt") {
    k = FrameFaultKind::corrupt;
    what = "one bit of a frame flipped on the wire (FCS check fails: CRCERRS, dropped unless RCTL.SBP): "
           "probability or nth";
  } else if (kind == "frame_duplicate") {
    k = FrameFaultKind::duplicate;
    what = "frames that reach the card twice: probability or nth";
  } else {
    throw std::invalid_argument("e1000: no fault kind " + kind);
  }
  // The frame faults record the frames they act on (not their arming).
  FaultHook hook{what, [this, k](const FaultArgs& args) -> FaultAction {
            auto f = std::make_shared<FrameFault>(FrameFault{k, args, 0, 0, 0, std::mt19937_64(args.seed())});
            read_trigger(args, f->probability, f->nth);
            return [this, f](bool begin) {
              auto it = std::find(frame_faults_.begin(), frame_faults_.end(), f);
              if (begin && it == frame_faults_.end()) frame_faults_.push_back(f);
              if (!begin && it != frame_faults_.end()) frame_faults_.erase(it);
            };
          }};
  hook.records_itself = true;
  return hook;
}

// Several link_down faults may overlap: the link is up again when the last
// one ends. LSC when STATUS.LU changes. The firing itself is logged by the
// injector (platform/faults.cpp), not here.
void E1000::set_link_fault(bool down) {
  const bool was = link_up();
  if (down) {
    ++link_down_faults_;
  } else if (link_down_faults_) {
    --link_down_faults_;
  }
  const bool now = link_up();
  if (was != now) set_cause(LSC);
  if (!link_down_faults_) link_up_event_.notify(sc_core::SC_ZERO_TIME);
}

void E1000::from_wire(wire::Frame& f) {
  ++wire_.from_source;
  if (link_down_faults_) {
    ++wire_.link_down;
    return;
  }
  // Every armed fault sees every frame (its nth count and its random
  // sequence do not depend on the others), in the order they fired.
  bool lost = false, duplicate = false;
  std::optional<uint32_t> fcs;
  // Each records every frame it acts on; two duplicate faults on one frame
  // still make one copy.
  for (const auto& ff : frame_faults_) {
    if (!ff->fires()) continue;
    const std::string frame = "frame " + std::to_string(f.seq);
    switch (ff->kind) {
      case FrameFaultKind::drop:
        lost = true;
        ff->args.record(frame + " lost on the wire");
        break;
      case FrameFaultKind::corrupt: {
        if (f.data.empty()) break;
        if (!fcs) fcs = ethernet_fcs(f.data.data(), f.data.size());  // what the sender computed
        const uint64_t bit = ff->rng() % (8 * f.data.size());
        f.data[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
        ff->args.record(frame + " bit " + std::to_string(bit) + " flipped");
        break;
      }
      case FrameFaultKind::duplicate:
        duplicate = true;
        ff->args.record(frame + " duplicated");
        break;
    }
  }
  if (lost) {
    ++wire_.dropped;
    return;
  }
  // Flipping a bit twice may give the frame back: then it is not corrupted.
  if (fcs && *fcs == ethernet_fcs(f.data.data(), f.data.size())) fcs.reset();
  if (fcs) ++wire_.corrupted;
  receive(f.data.data(), f.data.size(), f.seq, fcs);
  if (!duplicate) return;
  // The copy follows on the wire after the inter-packet gap.
  const sc_core::sc_time now = sc_core::sc_time_stamp();
  sc_core::sc_time start = now + wire_time(kGapBytes);
  if (start < wire_rx_free_) start = wire_rx_free_;
  const sc_core::sc_time end = start + frame_time(f.data.size());
  wire_rx_free_ = end + wire_time(kGapBytes);
  wait(end - now);
  if (link_down_faults_) return;  // the copy is lost with the link: it was never a frame of the source
  ++wire_.duplicates;
  if (fcs) ++wire_.corrupted;
  receive(f.data.data(), f.data.size(), f.seq, fcs);
}

}  // namespace minipc
