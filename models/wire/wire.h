// The far end of the NIC's Ethernet cable: sources of received frames (a pcap
// file replayed, or a seeded traffic generator) and a pcap writer for what the
// NIC sends or receives. Pure C++: times are integers in nanoseconds, so the
// library is testable without a SystemC kernel; the NIC turns them into
// sc_time and decides when a source starts (docs/wire.md).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "wire/frames.h"

typedef struct pcap pcap_t;
typedef struct pcap_dumper pcap_dumper_t;

namespace minipc::wire {

// One frame as it arrives from the cable.
struct Frame {
  uint64_t time_ns = 0;       // when the frame's first bit (preamble) reaches the NIC, relative to the source's start
  std::vector<uint8_t> data;  // destination MAC ... payload; no preamble, no FCS (as a pcap holds it)
  uint64_t seq = 0;           // 0, 1, 2, ... per source
};

// Bad input or configuration of a wire endpoint. The message names the file or
// the key and where: "pcap x.pcap: record 3 (byte offset 1234): ...",
// "gen.rate: must be > 0 (got 0)".
class WireError : public std::runtime_error {
 public:
  using runtime_error::runtime_error;
};

class FrameSource {
 public:
  virtual ~FrameSource() = default;
  // The next frame, in non-decreasing time order; false when exhausted.
  virtual bool next(Frame& out) = 0;
  // One line for logs and `minipc describe`: "pcap traces/x.pcap (1000 frames)".
  virtual std::string describe() const = 0;
};

// ---- pcap replay ------------------------------------------------------------

// Replays the Ethernet frames of a pcap (or pcapng) file. The whole file is
// read and checked by the constructor, so a bad file fails before the
// simulation starts; playback reads it again record by record.
class PcapSource : public FrameSource {
 public:
  // rate_fps 0 keeps the file's inter-arrival times (first record at time 0);
  // rate_fps > 0 re-times the frames to that constant rate (frame i at i/rate).
  // loops: how many times the file is played (>= 1). With file times, pass
  // k + 1 starts one mean inter-arrival gap after pass k's last frame (one
  // frame time at 1 Gb/s for a one-frame file).
  explicit PcapSource(std::string path, double rate_fps = 0, uint64_t loops = 1);
  ~PcapSource() override;
  PcapSource(const PcapSource&) = delete;
  PcapSource& operator=(const PcapSource&) = delete;

  bool next(Frame& out) override;
  std::string describe() const override;

  uint64_t frames_in_file() const { return frames_in_file_; }
  // Time of the last record relative to the first (file times).
  uint64_t file_span_ns() const { return span_ns_; }

 private:
  class Reader;
  std::string path_;
  double rate_fps_;
  uint64_t loops_;
  uint64_t frames_in_file_ = 0;
  uint64_t span_ns_ = 0;
  uint64_t first_stamp_ns_ = 0;  // the first record's timestamp: time 0
  uint64_t pass_period_ns_ = 0;  // file times: offset between passes
  uint64_t pass_ = 0;
  uint64_t seq_ = 0;
  std::unique_ptr<Reader> reader_;
};

// ---- pcap writer ------------------------------------------------------------

// Writes classic pcap with nanosecond timestamps (magic 0xa1b23c4d, link type
// Ethernet), which Wireshark and tshark read.
class PcapWriter {
 public:
  PcapWriter() = default;
  ~PcapWriter();
  PcapWriter(const PcapWriter&) = delete;
  PcapWriter& operator=(const PcapWriter&) = delete;

  // Creates (truncates) path. WireError naming the path if it cannot.
  void open(const std::string& path);
  // One record; time_ns is the frame's time (the file shows it as seconds
  // since the epoch, so a run's pcap starts at 1970-01-01).
  void write(uint64_t time_ns, const uint8_t* data, size_t len);
  void write(const Frame& f) { write(f.time_ns, f.data.data(), f.data.size()); }
  // Flushes and closes; further writes are errors. Safe to call twice.
  void close();

  bool is_open() const { return dumper_ != nullptr; }
  uint64_t frames() const { return frames_; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  pcap_t* dead_ = nullptr;
  pcap_dumper_t* dumper_ = nullptr;
  uint64_t frames_ = 0;
};

// ---- traffic generator ----------------------------------------------------

// Frame length without FCS: fixed, uniform between min and max (inclusive),
// or IMIX (60, 594 and 1514 bytes in the proportions 7:4:1).
struct FrameSize {
  enum class Kind { fixed, uniform, imix };
  Kind kind = Kind::fixed;
  uint32_t min = 60;
  uint32_t max = 60;
};
// "60", "uniform:64-1514", "imix". WireError naming gen.size otherwise.
FrameSize parse_frame_size(const std::string& text);
std::string to_string(const FrameSize& s);

enum class Arrival { constant, poisson, onoff };
// "constant", "poisson", "onoff". WireError naming gen.arrival otherwise.
Arrival parse_arrival(const std::string& text);
const char* to_string(Arrival a);

// When ARP or ICMP requests are mixed into the UDP stream: never (both 0),
// after every N-th UDP frame (half way to the next one), or every period.
struct Interleave {
  uint64_t every_frames = 0;
  uint64_t period_ns = 0;
};

// UDP/IPv4 traffic from the peer to the NIC. Field names follow the config
// keys below `<prefix>.gen.` (docs/wire.md).
struct GeneratorSpec {
  double rate_pps = 1000;       // UDP frames per second, all flows together (during on periods for onoff)
  FrameSize size;
  Arrival arrival = Arrival::constant;
  uint64_t on_ns = 1'000'000;   // onoff: sending period
  uint64_t off_ns = 1'000'000;  // onoff: silent period
  uint32_t flows = 1;           // flow f sends to port + f; frames go to the flows in turn
  uint32_t port = 5000;
  uint64_t count = 0;           // UDP frames to send (0: no limit)
  uint64_t duration_ns = 0;     // no UDP frame at or after this time (0: no limit)
  uint64_t seed = 1;
  Interleave arp;               // ARP requests: who-has nic_ip tell peer_ip
  Interleave icmp;              // ICMP echo requests to nic_ip
  Mac peer_mac = {0x52, 0x54, 0x00, 0x12, 0x34, 0x57};
  Ipv4 peer_ip = make_ipv4(10, 0, 2, 2);
  Mac nic_mac = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};
  Ipv4 nic_ip = make_ipv4(10, 0, 2, 15);
};
// Throws WireError naming the first bad field as its key ("gen.rate: must be
// > 0 (got 0)").
void validate(const GeneratorSpec& spec);

// UDP payload layout of generated frames: flow number (32-bit big-endian),
// the flow's sequence number (64-bit big-endian), then pattern bytes
// payload[i] = (i + flow sequence) & 0xFF.
constexpr size_t kPayloadFlowOffset = 0;
constexpr size_t kPayloadSeqOffset = 4;
constexpr size_t kPayloadHeaderBytes = 12;
// UDP source port of flow f (the destination is spec.port + f).
constexpr uint16_t kGeneratorSourcePortBase = 49152;
// ICMP echo identifier of generated pings ("MP"), 56 payload bytes as ping(8).
constexpr uint16_t kGeneratorIcmpId = 0x4D50;
constexpr size_t kGeneratorIcmpPayloadBytes = 56;

// Deterministic: the same spec (seed included) gives the same frames and
// times on every host and standard library (std::mt19937_64 with the
// distributions written out here).
class Generator : public FrameSource {
 public:
  explicit Generator(GeneratorSpec spec);
  bool next(Frame& out) override;
  std::string describe() const override;

 private:
  struct Udp {
    uint64_t time_ns = 0;
    uint32_t flow = 0;
    uint32_t size = 0;
  };
  // The ARP or ICMP requests mixed in: whether one is due and when.
  struct Extra {
    Interleave when;
    bool due = false;
    uint64_t at_ns = 0;
    uint64_t sent = 0;
  };
  uint64_t at_rate_ns(uint64_t k) const;  // frame k at the rate, rounded to the ns
  double random_unit();                   // [0, 1)
  uint64_t random_below(uint64_t n);      // [0, n)
  void prepare_udp();                     // times and sizes the next UDP frame into pending_
  void schedule_after_udp(Extra& e, uint64_t sent_ns);
  std::vector<uint8_t> udp_frame_bytes(const Udp& u);
  std::vector<uint8_t> icmp_frame_bytes();

  GeneratorSpec spec_;
  std::mt19937_64 rng_;
  IpEndpoints ends_;
  uint64_t frames_per_on_ = 0;  // onoff: frames that start within one on period
  uint64_t udp_timed_ = 0;      // UDP frames given a time so far
  uint64_t udp_sent_ = 0;
  double poisson_ns_ = 0;       // poisson: the last arrival, unrounded
  bool have_pending_ = false;   // false: the UDP stream (and with it the source) has ended
  Udp pending_;
  std::vector<uint64_t> flow_seq_;
  Extra arp_, icmp_;
  uint64_t seq_ = 0;
};

}  // namespace minipc::wire
