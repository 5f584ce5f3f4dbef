// pcap replay and pcap writing through libpcap.
#include <pcap/pcap.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <sstream>

#include "wire/wire.h"

#include "core/input_file.h"

namespace minipc::wire {

namespace {
constexpr uint64_t kNsPerSecond = 1'000'000'000;
constexpr uint64_t kMaxStampSeconds = 0xFFFFFFFF;  // classic pcap's unsigned 32-bit seconds
constexpr long kClassicFileHeaderBytes = 24;
constexpr long kClassicRecordHeaderBytes = 16;

// A frame's time on a 1 Gb/s wire (8 ns a byte), overhead included.
uint64_t wire_time_1g_ns(size_t len) { return (len + kWireOverheadBytes) * 8; }
}  // namespace

// Reads one pass of the file, checking every record as it goes; all errors
// name the file, the record (numbered from 1 as Wireshark numbers frames)
// and its byte offset.
class PcapSource::Reader {
 public:
  Reader(const std::string& path, bool file_times) : path_(path), file_times_(file_times) {
    struct stat st {};
    if (stat(path.c_str(), &st) != 0) fail("cannot open: " + std::string(std::strerror(errno)));
    if (st.st_size < kClassicFileHeaderBytes)
      fail("truncated file header (" + std::to_string(st.st_size) + " bytes, a pcap header has " +
           std::to_string(kClassicFileHeaderBytes) + ")");
    char err[PCAP_ERRBUF_SIZE] = {};
    p_ = pcap_open_offline_with_tstamp_precision(path.c_str(), PCAP_TSTAMP_PRECISION_NANO, err);
    if (!p_) fail(err);
    if (pcap_datalink(p_) != DLT_EN10MB) {
      const char* name = pcap_datalink_val_to_name(pcap_datalink(p_));
      const std::string type = name ? name : std::to_string(pcap_datalink(p_));
      pcap_close(p_);
      fail("link type " + type + " is not Ethernet (DLT_EN10MB)");
    }
    // pcapng (major version 1) frames its records in blocks of other sizes.
    classic_ = pcap_major_version(p_) == 2;
  }
  ~Reader() { pcap_close(p_); }
  Reader(const Reader&) = delete;
  Reader& operator=(const Reader&) = delete;

  // The next record's frame and timestamp; false at the end of the file.
  bool read(std::vector<uint8_t>& data, uint64_t& stamp_ns) {
    offset_ = std::ftell(pcap_file(p_));
    pcap_pkthdr* hdr = nullptr;
    const u_char* bytes = nullptr;
    const int rc = pcap_next_ex(p_, &hdr, &bytes);
    if (rc == PCAP_ERROR_BREAK) return false;
    ++records_;
    if (rc != 1) fail_record(pcap_geterr(p_));
    const long stored = std::ftell(pcap_file(p_)) - offset_ - kClassicRecordHeaderBytes;
    const auto snaplen = static_cast<uint32_t>(pcap_snapshot(p_));
    // libpcap cuts a record longer than the snaplen down to it; the bytes it
    // skipped show in the file position.
    if (hdr->caplen > snaplen || (classic_ && stored != static_cast<long>(hdr->caplen)))
      fail_record("caplen " + std::to_string(classic_ ? stored : hdr->caplen) + " exceeds the file's snaplen " +
                  std::to_string(snaplen));
    if (hdr->caplen < hdr->len)
      fail_record("captured " + std::to_string(hdr->caplen) + " of " + std::to_string(hdr->len) +
                  " bytes (a truncated capture): a partial frame cannot be replayed");
    const size_t len = hdr->caplen;
    const bool vlan = len >= kEthHeaderBytes && (bytes[12] << 8 | bytes[13]) == kEtherTypeVlan;
    const size_t max = vlan ? kMaxVlanFrameBytes : kMaxFrameBytes;
    if (len < kEthHeaderBytes)
      fail_record("frame of " + std::to_string(len) + " bytes is shorter than an Ethernet header (14)");
    if (len > max)
      fail_record("frame of " + std::to_string(len) + " bytes is longer than " + std::to_string(max) +
                  (vlan ? " (with a VLAN tag)" : " (1518 with a VLAN tag)"));
    // libpcap reads classic pcap's timestamp fields as signed 32-bit
    // numbers (the fraction already scaled to ns) and pcapng's 64-bit
    // stamps as they are: a negative field, a fraction of a second or more,
    // or seconds past 2^32 (classic pcap's range, year 2106) used to wrap
    // the 64-bit ns stamp and overflow the pass period (frame times running
    // backwards on the second pass). Within the range a stamp, a file's span
    // and a pass period all fit in 64 bits.
    if (hdr->ts.tv_sec < 0 || uint64_t(hdr->ts.tv_sec) > kMaxStampSeconds || hdr->ts.tv_usec < 0 ||
        uint64_t(hdr->ts.tv_usec) >= kNsPerSecond)
      fail_record("timestamp " + std::to_string(hdr->ts.tv_sec) + " s + " + std::to_string(hdr->ts.tv_usec) +
                  " ns is out of range (seconds from 0 to 2^32 - 1, a fraction below one second)");
    const uint64_t stamp = uint64_t(hdr->ts.tv_sec) * kNsPerSecond + uint64_t(hdr->ts.tv_usec);
    if (file_times_ && records_ > 1 && stamp < last_stamp_ns_)
      fail_record("timestamp earlier than record " + std::to_string(records_ - 1) +
                  "'s; replaying file times needs them in order (a rate re-times the frames)");
    last_stamp_ns_ = stamp;
    data.assign(bytes, bytes + len);
    stamp_ns = stamp;
    return true;
  }

  uint64_t records() const { return records_; }

 private:
  [[noreturn]] void fail(const std::string& why) const { throw WireError("pcap " + path_ + ": " + why); }
  [[noreturn]] void fail_record(const std::string& why) const {
    fail("record " + std::to_string(records_) + " (byte offset " + std::to_string(offset_) + "): " + why);
  }

  std::string path_;
  bool file_times_;
  bool classic_ = true;
  pcap_t* p_ = nullptr;
  long offset_ = 0;
  uint64_t records_ = 0;
  uint64_t last_stamp_ns_ = 0;
};

PcapSource::PcapSource(std::string path, double rate_fps, uint64_t loops)
    : path_(std::move(path)), rate_fps_(rate_fps), loops_(loops) {
  if (!(rate_fps_ >= 0) || !std::isfinite(rate_fps_))
    throw WireError("pcap " + path_ + ": rate must be >= 0 frames/s (got " + std::to_string(rate_fps_) + ")");
  if (loops_ == 0) throw WireError("pcap " + path_ + ": loop must be >= 1 (the number of passes)");
  if (const std::string why = existing_but_not_regular(path_); !why.empty()) throw WireError("pcap " + path_ + ": " + why);
  // Check the whole file now, so a bad record fails before the simulation.
  Reader check(path_, rate_fps_ == 0);
  std::vector<uint8_t> data;
  uint64_t stamp = 0;
  while (check.read(data, stamp)) {
    if (check.records() == 1) first_stamp_ns_ = stamp;
    span_ns_ = stamp - first_stamp_ns_;
  }
  frames_in_file_ = check.records();
  if (frames_in_file_ == 0) throw WireError("pcap " + path_ + ": no frames");
  const uint64_t mean_gap = frames_in_file_ > 1 ? span_ns_ / (frames_in_file_ - 1) : 0;
  pass_period_ns_ = span_ns_ + std::max(mean_gap, wire_time_1g_ns(data.size()));
  // The last pass's last frame must have a time: pass k starts at
  // k * pass_period_ns_ (a count that wraps would run time backwards).
  if (rate_fps_ == 0 && loops_ > 1 && pass_period_ns_ > (UINT64_MAX - span_ns_) / (loops_ - 1))
    throw WireError("pcap " + path_ + ": " + std::to_string(loops_) + " passes of " + std::to_string(pass_period_ns_) +
                    " ns each exceed the 64-bit nanosecond time range");
  reader_ = std::make_unique<Reader>(path_, rate_fps_ == 0);
}

PcapSource::~PcapSource() = default;

bool PcapSource::next(Frame& out) {
  while (reader_) {
    uint64_t stamp = 0;
    if (reader_->read(out.data, stamp)) {
      out.time_ns = rate_fps_ > 0 ? uint64_t(std::llround(double(seq_) * 1e9 / rate_fps_))
                                  : pass_ * pass_period_ns_ + (stamp - first_stamp_ns_);
      out.seq = seq_++;
      return true;
    }
    reader_.reset();
    if (++pass_ < loops_) reader_ = std::make_unique<Reader>(path_, rate_fps_ == 0);
  }
  return false;
}

std::string PcapSource::describe() const {
  std::ostringstream s;
  s.precision(12);  // rates as written: 1500000, not 1.5e+06
  s << "pcap " << path_ << " (" << frames_in_file_ << (frames_in_file_ == 1 ? " frame" : " frames") << ")";
  if (rate_fps_ > 0) s << ", re-timed to " << rate_fps_ << " frames/s";
  if (loops_ > 1) s << ", played " << loops_ << " times";
  return s.str();
}

// ---- writer -------------------------------------------------------------------

PcapWriter::~PcapWriter() {
  if (dumper_) pcap_dump_close(dumper_);
  if (dead_) pcap_close(dead_);
}

void PcapWriter::open(const std::string& path) {
  close();
  path_ = path;
  frames_ = 0;
  dead_ = pcap_open_dead_with_tstamp_precision(DLT_EN10MB, 65535, PCAP_TSTAMP_PRECISION_NANO);
  if (!dead_) throw WireError("pcap writer " + path + ": libpcap cannot make a dump handle");
  dumper_ = pcap_dump_open(dead_, path.c_str());
  if (!dumper_) {
    const std::string why = pcap_geterr(dead_);
    pcap_close(dead_);
    dead_ = nullptr;
    throw WireError("pcap writer " + path + ": cannot create: " + why);
  }
}

void PcapWriter::write(uint64_t time_ns, const uint8_t* data, size_t len) {
  if (!dumper_) throw WireError("pcap writer " + path_ + ": write while not open");
  if (len > 65535) throw WireError("pcap writer " + path_ + ": frame of " + std::to_string(len) + " bytes exceeds the snaplen 65535");
  pcap_pkthdr hdr{};
  // With nanosecond precision libpcap stores tv_usec as nanoseconds.
  hdr.ts.tv_sec = static_cast<time_t>(time_ns / kNsPerSecond);
  hdr.ts.tv_usec = static_cast<suseconds_t>(time_ns % kNsPerSecond);
  hdr.caplen = hdr.len = static_cast<bpf_u_int32>(len);
  pcap_dump(reinterpret_cast<u_char*>(dumper_), &hdr, data);
  ++frames_;
}

void PcapWriter::close() {
  if (!dumper_) return;
  const bool flushed = pcap_dump_flush(dumper_) == 0;
  pcap_dump_close(dumper_);
  pcap_close(dead_);
  dumper_ = nullptr;
  dead_ = nullptr;
  if (!flushed) throw WireError("pcap writer " + path_ + ": cannot write: " + std::strerror(errno));
}

}  // namespace minipc::wire
