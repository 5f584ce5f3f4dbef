#include "wire/wire_params.h"

#include <cmath>
#include <sstream>

namespace minipc::wire {

namespace {
uint64_t to_ns(const sc_core::sc_time& t) { return uint64_t(std::llround(t.to_seconds() * 1e9)); }

// The configured entry of p (for its source in messages), or its default.
ConfigEntry entry_of(const Param<std::string>& p) {
  if (auto e = ConfigStore::instance().peek(p.key())) return *e;
  return {p.key(), p.get(), "default"};
}

bool all_digits(const std::string& s) {
  if (s.empty()) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

std::string shown(double v) {
  std::ostringstream s;
  s << v;
  return s.str();
}
}  // namespace

WireConfig::WireConfig(const std::string& prefix) : prefix_(prefix) {
  const std::string& s = source.get();
  if (s == "none") kind_ = Source::none;
  else if (s == "pcap") kind_ = Source::pcap;
  else if (s == "generator") kind_ = Source::generator;
  else throw ConfigError(source.key() + ": '" + s + "' is not a wire source (none, pcap, generator)");

  if (start.get() != "rx_enable") {
    start_at_rx_enable_ = false;
    // A bare 0 is the start of the simulation; other times carry a unit.
    if (start.get() != "0") start_ns_ = to_ns(config_parse::to_time(entry_of(start)));
  }

  if (kind_ == Source::pcap) {
    if (pcap.get().empty()) throw ConfigError(pcap.key() + ": source pcap needs a file");
    if (!(rate.get() >= 0) || !std::isfinite(rate.get()))
      throw ConfigError(rate.key() + ": must be >= 0 (got " + shown(rate.get()) + "); 0 keeps the file's times");
    if (loop.get() == 0) throw ConfigError(loop.key() + ": must be >= 1 (got 0), the number of passes");
  }
  if (kind_ == Source::generator) bind_generator();
}

Interleave WireConfig::interleave(const Param<std::string>& p) const {
  Interleave i;
  const std::string& v = p.get();
  if (v == "none") return i;
  if (all_digits(v)) i.every_frames = config_parse::to_u64(entry_of(p));
  else i.period_ns = to_ns(config_parse::to_time(entry_of(p)));
  return i;
}

void WireConfig::bind_generator() {
  auto mac = [](const Param<std::string>& p) {
    const auto m = parse_mac(p.get());
    if (!m) throw ConfigError(p.key() + ": '" + p.get() + "' is not a MAC address such as 52:54:00:12:34:56");
    return *m;
  };
  auto ip = [](const Param<std::string>& p) {
    const auto a = parse_ipv4(p.get());
    if (!a) throw ConfigError(p.key() + ": '" + p.get() + "' is not an IPv4 address such as 10.0.2.15");
    return *a;
  };
  if (gen_flows.get() > UINT32_MAX) throw ConfigError(gen_flows.key() + ": too many flows");
  if (gen_port.get() == 0 || gen_port.get() > 65535)
    throw ConfigError(gen_port.key() + ": must be 1..65535 (got " + std::to_string(gen_port.get()) + ")");
  try {
    spec_.rate_pps = gen_rate;
    spec_.size = parse_frame_size(gen_size);
    spec_.arrival = parse_arrival(gen_arrival);
    spec_.on_ns = to_ns(gen_on);
    spec_.off_ns = to_ns(gen_off);
    spec_.flows = uint32_t(gen_flows.get());
    spec_.port = uint32_t(gen_port.get());
    spec_.count = gen_count;
    spec_.duration_ns = to_ns(gen_duration);
    spec_.seed = gen_seed;
    spec_.arp = interleave(gen_arp);
    spec_.icmp = interleave(gen_icmp);
    spec_.peer_mac = mac(gen_peer_mac);
    spec_.peer_ip = ip(gen_peer_ip);
    spec_.nic_mac = mac(gen_nic_mac);
    spec_.nic_ip = ip(gen_nic_ip);
    validate(spec_);
  } catch (const WireError& e) {
    // The generator names its keys below the prefix ("gen.rate: ...").
    throw ConfigError(prefix_ + "." + e.what());
  }
}

std::unique_ptr<FrameSource> WireConfig::make_source() const {
  switch (kind_) {
    case Source::pcap: return std::make_unique<PcapSource>(pcap.get(), rate.get(), loop.get());
    case Source::generator: return std::make_unique<Generator>(spec_);
    case Source::none: break;
  }
  return nullptr;
}

}  // namespace minipc::wire
