// The seeded UDP traffic generator.
#include <algorithm>
#include <cmath>
#include <sstream>

#include "wire/wire.h"

namespace minipc::wire {

namespace {
constexpr uint32_t kImixSizes[] = {60, 594, 1514};  // drawn 7:4:1

// Digits only, fitting 32 bits.
bool parse_u32(const std::string& s, uint32_t& out) {
  if (s.empty() || s.size() > 10) return false;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + uint64_t(c - '0');
  }
  if (v > UINT32_MAX) return false;
  out = static_cast<uint32_t>(v);
  return true;
}

std::string number(double v) {
  std::ostringstream s;
  s.precision(12);
  s << v;
  return s.str();
}

// "10ms" when exact, else the largest unit that keeps an integer.
std::string duration(uint64_t ns) {
  static const std::pair<uint64_t, const char*> units[] = {
      {1'000'000'000, "s"}, {1'000'000, "ms"}, {1'000, "us"}, {1, "ns"}};
  for (const auto& [scale, unit] : units)
    if (ns % scale == 0) return std::to_string(ns / scale) + unit;
  return std::to_string(ns) + "ns";
}

std::string interleave(const char* what, const Interleave& i) {
  if (i.every_frames) return std::string(", ") + what + " every " + std::to_string(i.every_frames) + " frames";
  if (i.period_ns) return std::string(", ") + what + " every " + duration(i.period_ns);
  return "";
}

void put_be(uint8_t* p, uint64_t v, size_t bytes) {
  for (size_t i = 0; i < bytes; ++i) p[i] = static_cast<uint8_t>(v >> (8 * (bytes - 1 - i)));
}
}  // namespace

FrameSize parse_frame_size(const std::string& text) {
  FrameSize s;
  if (text == "imix") {
    s.kind = FrameSize::Kind::imix;
    s.min = kImixSizes[0];
    s.max = kImixSizes[2];
    return s;
  }
  const std::string uniform = "uniform:";
  if (text.compare(0, uniform.size(), uniform) == 0) {
    const std::string range = text.substr(uniform.size());
    const auto dash = range.find('-');
    s.kind = FrameSize::Kind::uniform;
    if (dash != std::string::npos && parse_u32(range.substr(0, dash), s.min) &&
        parse_u32(range.substr(dash + 1), s.max))
      return s;
  } else if (parse_u32(text, s.min)) {
    s.max = s.min;
    return s;
  }
  throw WireError("gen.size: '" + text + "' is not a frame size (N, uniform:MIN-MAX or imix)");
}

std::string to_string(const FrameSize& s) {
  switch (s.kind) {
    case FrameSize::Kind::imix: return "imix";
    case FrameSize::Kind::uniform: return "uniform:" + std::to_string(s.min) + "-" + std::to_string(s.max);
    case FrameSize::Kind::fixed: break;
  }
  return std::to_string(s.min);
}

Arrival parse_arrival(const std::string& text) {
  if (text == "constant") return Arrival::constant;
  if (text == "poisson") return Arrival::poisson;
  if (text == "onoff") return Arrival::onoff;
  throw WireError("gen.arrival: '" + text + "' is not an arrival process (constant, poisson, onoff)");
}

const char* to_string(Arrival a) {
  switch (a) {
    case Arrival::poisson: return "poisson";
    case Arrival::onoff: return "onoff";
    case Arrival::constant: break;
  }
  return "constant";
}

void validate(const GeneratorSpec& spec) {
  if (!(spec.rate_pps > 0) || !std::isfinite(spec.rate_pps))
    throw WireError("gen.rate: must be > 0 (got " + number(spec.rate_pps) + ")");
  const uint32_t lo = spec.size.min, hi = spec.size.max;
  if (lo < kMinFrameBytes || hi > kMaxFrameBytes || lo > hi)
    throw WireError("gen.size: " + to_string(spec.size) + " is outside " + std::to_string(kMinFrameBytes) + ".." +
                    std::to_string(kMaxFrameBytes) + " bytes (the frame without FCS)");
  if (spec.arrival == Arrival::onoff && spec.on_ns == 0) throw WireError("gen.on: must be > 0 for arrival onoff");
  if (spec.flows == 0) throw WireError("gen.flows: must be >= 1 (got 0)");
  if (spec.port == 0 || uint64_t(spec.port) + spec.flows - 1 > 65535)
    throw WireError("gen.port: ports " + std::to_string(spec.port) + ".." +
                    std::to_string(uint64_t(spec.port) + spec.flows - 1) + " of " + std::to_string(spec.flows) +
                    " flows must lie in 1..65535");
  if (spec.count == 0 && spec.duration_ns == 0)
    throw WireError("gen.count: zero frames and zero duration: the generator needs gen.count or gen.duration");
  if (spec.arp.every_frames && spec.arp.period_ns)
    throw WireError("gen.arp: either every N frames or a period, not both");
  if (spec.icmp.every_frames && spec.icmp.period_ns)
    throw WireError("gen.icmp: either every N frames or a period, not both");
}

Generator::Generator(GeneratorSpec spec) : spec_(std::move(spec)), rng_(spec_.seed) {
  validate(spec_);
  ends_ = {spec_.peer_mac, spec_.nic_mac, spec_.peer_ip, spec_.nic_ip};
  flow_seq_.assign(spec_.flows, 0);
  if (spec_.arrival == Arrival::onoff) {
    // The frames j = 0, 1, ... of a period whose start falls inside the on
    // time, counted with the rounding the timing uses.
    frames_per_on_ = std::max<uint64_t>(1, uint64_t(std::ceil(double(spec_.on_ns) * spec_.rate_pps / 1e9)));
    while (frames_per_on_ > 1 && at_rate_ns(frames_per_on_ - 1) >= spec_.on_ns) --frames_per_on_;
    while (at_rate_ns(frames_per_on_) < spec_.on_ns) ++frames_per_on_;
  }
  arp_.when = spec_.arp;
  icmp_.when = spec_.icmp;
  for (Extra* e : {&arp_, &icmp_}) {
    e->due = e->when.period_ns != 0;
    e->at_ns = e->when.period_ns;
  }
  prepare_udp();
}

uint64_t Generator::at_rate_ns(uint64_t k) const {
  // From the index, so rounding never accumulates.
  return uint64_t(std::llround(double(k) * 1e9 / spec_.rate_pps));
}

double Generator::random_unit() { return double(rng_() >> 11) * 0x1.0p-53; }

uint64_t Generator::random_below(uint64_t n) {
  // Rejects the 2^64 mod n lowest values so that every residue is equally likely.
  const uint64_t threshold = (0 - n) % n;
  for (;;) {
    const uint64_t x = rng_();
    if (x >= threshold) return x % n;
  }
}

void Generator::prepare_udp() {
  have_pending_ = false;
  const uint64_t k = udp_timed_;
  if (spec_.count && k >= spec_.count) return;
  uint64_t t = 0;
  switch (spec_.arrival) {
    case Arrival::constant:
      t = at_rate_ns(k);
      break;
    case Arrival::poisson:  // exponential gaps by inversion: -ln(1 - U) / rate
      poisson_ns_ += -std::log1p(-random_unit()) * 1e9 / spec_.rate_pps;
      t = uint64_t(std::llround(poisson_ns_));
      break;
    case Arrival::onoff:
      t = k / frames_per_on_ * (spec_.on_ns + spec_.off_ns) + at_rate_ns(k % frames_per_on_);
      break;
  }
  if (spec_.duration_ns && t >= spec_.duration_ns) return;
  uint32_t size = spec_.size.min;
  if (spec_.size.kind == FrameSize::Kind::uniform) {
    size += uint32_t(random_below(uint64_t(spec_.size.max) - spec_.size.min + 1));
  } else if (spec_.size.kind == FrameSize::Kind::imix) {
    const uint64_t r = random_below(12);
    size = kImixSizes[r < 7 ? 0 : r < 11 ? 1 : 2];
  }
  pending_ = {t, uint32_t(k % spec_.flows), size};
  ++udp_timed_;
  have_pending_ = true;
}

void Generator::schedule_after_udp(Extra& e, uint64_t sent_ns) {
  // Half way between the N-th UDP frame and the next, if there is a next.
  if (!e.when.every_frames || udp_sent_ % e.when.every_frames != 0 || !have_pending_) return;
  e.due = true;
  e.at_ns = sent_ns + (pending_.time_ns - sent_ns) / 2;
}

bool Generator::next(Frame& out) {
  if (!have_pending_) return false;
  Extra* extra = nullptr;
  for (Extra* e : {&arp_, &icmp_})
    if (e->due && e->at_ns <= pending_.time_ns && (!extra || e->at_ns < extra->at_ns)) extra = e;
  if (extra) {
    out.time_ns = extra->at_ns;
    out.data = extra == &arp_ ? arp_request(spec_.peer_mac, spec_.peer_ip, spec_.nic_ip) : icmp_frame_bytes();
    ++extra->sent;
    extra->due = extra->when.period_ns != 0;
    extra->at_ns = (extra->sent + 1) * extra->when.period_ns;
  } else {
    const Udp sent = pending_;
    out.time_ns = sent.time_ns;
    out.data = udp_frame_bytes(sent);
    ++udp_sent_;
    prepare_udp();
    schedule_after_udp(arp_, sent.time_ns);
    schedule_after_udp(icmp_, sent.time_ns);
  }
  out.seq = seq_++;
  return true;
}

std::vector<uint8_t> Generator::udp_frame_bytes(const Udp& u) {
  std::vector<uint8_t> payload(u.size - kUdpPayloadOffset);
  const uint64_t flow_seq = flow_seq_[u.flow]++;
  put_be(&payload[kPayloadFlowOffset], u.flow, 4);
  put_be(&payload[kPayloadSeqOffset], flow_seq, 8);
  for (size_t i = kPayloadHeaderBytes; i < payload.size(); ++i) payload[i] = uint8_t(i + flow_seq);
  return udp_frame(ends_, uint16_t(kGeneratorSourcePortBase + u.flow), uint16_t(spec_.port + u.flow),
                   payload.data(), payload.size(), uint16_t(seq_));
}

std::vector<uint8_t> Generator::icmp_frame_bytes() {
  const auto seq = uint16_t(icmp_.sent);
  uint8_t payload[kGeneratorIcmpPayloadBytes];
  for (size_t i = 0; i < sizeof payload; ++i) payload[i] = uint8_t(i + seq);
  return icmp_echo_request(ends_, kGeneratorIcmpId, seq, payload, sizeof payload, uint16_t(seq_));
}

std::string Generator::describe() const {
  std::ostringstream s;
  s << "generator udp " << spec_.flows << (spec_.flows == 1 ? " flow " : " flows ") << number(spec_.rate_pps)
    << " pps " << to_string(spec_.arrival);
  if (spec_.arrival == Arrival::onoff) s << " " << duration(spec_.on_ns) << "/" << duration(spec_.off_ns);
  s << ", size " << to_string(spec_.size);
  if (spec_.count) s << ", " << spec_.count << " frames";
  if (spec_.duration_ns) s << ", for " << duration(spec_.duration_ns);
  s << interleave("arp", spec_.arp) << interleave("icmp", spec_.icmp);
  return s.str();
}

}  // namespace minipc::wire
