// The wire's configuration keys, below a prefix the NIC gives ("nic0.wire"):
// which frame source feeds the NIC's receive side and when it starts
// (docs/wire.md lists every key with its default).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "core/params.h"
#include "wire/wire.h"

namespace minipc::wire {

class WireConfig {
 public:
  enum class Source { none, pcap, generator };

  // Declares the parameters "<prefix>.*" and checks them: a bad value is a
  // ConfigError naming the full key ("nic0.wire.gen.rate: must be > 0 (got 0)").
  explicit WireConfig(const std::string& prefix);

  // A fresh source from the start: nullptr when the source is none. A pcap
  // file is read and checked here (WireError naming the file and record), so
  // call it while the platform is built, before the simulation starts.
  std::unique_ptr<FrameSource> make_source() const;

  Source kind() const { return kind_; }
  // The NIC starts the source when the driver first sets RCTL.EN (the
  // default), or at a fixed simulated time.
  bool start_at_rx_enable() const { return start_at_rx_enable_; }
  uint64_t start_ns() const { return start_ns_; }  // 0 with start_at_rx_enable()
  // The generator's settings (meaningful when kind() is generator).
  const GeneratorSpec& generator() const { return spec_; }
  const std::string& prefix() const { return prefix_; }

 private:
  std::string prefix_;

 public:
  Param<std::string> source{prefix_ + ".source", "none", "what the cable delivers: none, pcap or generator"};
  Param<std::string> start{prefix_ + ".start", "rx_enable",
                           "when the source starts: rx_enable (the driver first sets RCTL.EN) or a time (5ms)"};
  Param<std::string> pcap{prefix_ + ".pcap", "", "pcap file replayed (source pcap)"};
  Param<double> rate{prefix_ + ".rate", 0, "pcap: re-time to this many frames/s (0 keeps the file's times)"};
  Param<uint64_t> loop{prefix_ + ".loop", 1, "pcap: how many times the file is played"};
  Param<double> gen_rate{prefix_ + ".gen.rate", 1000, "generator: UDP frames/s, all flows together"};
  Param<std::string> gen_size{prefix_ + ".gen.size", "60",
                              "generator: frame bytes without FCS: N (60..1514), uniform:MIN-MAX or imix"};
  Param<std::string> gen_arrival{prefix_ + ".gen.arrival", "constant", "generator: constant, poisson or onoff"};
  Param<sc_core::sc_time> gen_on{prefix_ + ".gen.on", sc_core::sc_time(1, sc_core::SC_MS),
                                 "generator onoff: sending period"};
  Param<sc_core::sc_time> gen_off{prefix_ + ".gen.off", sc_core::sc_time(1, sc_core::SC_MS),
                                  "generator onoff: silent period"};
  Param<uint64_t> gen_flows{prefix_ + ".gen.flows", 1, "generator: UDP flows (ports port, port+1, ... in turn)"};
  Param<uint64_t> gen_port{prefix_ + ".gen.port", 5000, "generator: destination UDP port of flow 0"};
  Param<uint64_t> gen_count{prefix_ + ".gen.count", 0, "generator: UDP frames to send (0: no limit)"};
  Param<sc_core::sc_time> gen_duration{prefix_ + ".gen.duration", sc_core::SC_ZERO_TIME,
                                       "generator: no UDP frame at or after this time (0: no limit)"};
  Param<uint64_t> gen_seed{prefix_ + ".gen.seed", 1, "generator: random seed"};
  Param<std::string> gen_arp{prefix_ + ".gen.arp", "0",
                             "generator: ARP who-has requests: 0 (none), every N UDP frames, or a period (10ms)"};
  Param<std::string> gen_icmp{prefix_ + ".gen.icmp", "0",
                              "generator: ICMP echo requests: 0 (none), every N UDP frames, or a period (10ms)"};
  Param<std::string> gen_peer_mac{prefix_ + ".gen.peer_mac", "52:54:00:12:34:57", "generator: the peer's MAC"};
  Param<std::string> gen_peer_ip{prefix_ + ".gen.peer_ip", "10.0.2.2", "generator: the peer's IPv4 address"};
  Param<std::string> gen_nic_mac{prefix_ + ".gen.nic_mac", "52:54:00:12:34:56", "generator: the NIC's MAC"};
  Param<std::string> gen_nic_ip{prefix_ + ".gen.nic_ip", "10.0.2.15", "generator: the NIC's IPv4 address"};

 private:
  void bind_generator();
  Interleave interleave(const Param<std::string>& p) const;

  Source kind_ = Source::none;
  bool start_at_rx_enable_ = true;
  uint64_t start_ns_ = 0;
  GeneratorSpec spec_;
};

}  // namespace minipc::wire
