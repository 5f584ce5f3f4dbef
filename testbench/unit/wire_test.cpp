// The NIC's wire endpoints (models/wire, docs/wire.md): pcap replay and its
// input checks, the pcap writer, the traffic generator's timing, sizes,
// flows, checksums and determinism, the frame builders, the config keys, and
// tshark reading what the writer wrote.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <sstream>

#include "wire/frames.h"
#include "wire/wire.h"
#include "wire/wire_params.h"

using namespace minipc;
using namespace minipc::wire;

namespace {

// A file in the test's temp dir, unique to the running test.
std::string temp_path(const std::string& name) {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  return ::testing::TempDir() + "wire_" + info->test_suite_name() + "_" + info->name() + "_" + name;
}

// A classic little-endian pcap written byte by byte, so the tests can make
// files libpcap's writer never would.
class RawPcap {
 public:
  explicit RawPcap(uint32_t snaplen = 65535, uint32_t linktype = 1) {
    u32(0xA1B23C4D);  // nanosecond timestamps
    u16(2);
    u16(4);
    u32(0);
    u32(0);
    u32(snaplen);
    u32(linktype);
  }
  // A record of data with the header's lengths as given (caplen defaults to
  // the bytes present, len to caplen).
  RawPcap& record(uint64_t t_ns, const std::vector<uint8_t>& data, int64_t caplen = -1, int64_t len = -1) {
    const uint32_t cap = caplen < 0 ? uint32_t(data.size()) : uint32_t(caplen);
    u32(uint32_t(t_ns / 1'000'000'000));
    u32(uint32_t(t_ns % 1'000'000'000));
    u32(cap);
    u32(len < 0 ? cap : uint32_t(len));
    bytes_.insert(bytes_.end(), data.begin(), data.end());
    return *this;
  }
  RawPcap& truncate(size_t size) {
    bytes_.resize(size);
    return *this;
  }
  size_t size() const { return bytes_.size(); }
  std::string save(const std::string& path) const {
    std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(bytes_.data()), std::streamsize(bytes_.size()));
    return path;
  }

 private:
  void u16(uint16_t v) {
    bytes_.push_back(uint8_t(v));
    bytes_.push_back(uint8_t(v >> 8));
  }
  void u32(uint32_t v) {
    u16(uint16_t(v));
    u16(uint16_t(v >> 16));
  }
  std::vector<uint8_t> bytes_;
};

// A frame of len bytes: broadcast, IPv4 EtherType, payload counting up.
std::vector<uint8_t> frame_of(size_t len, uint8_t salt = 0) {
  std::vector<uint8_t> f(len);
  for (size_t i = 0; i < len; ++i) f[i] = uint8_t(i + salt);
  if (len >= 14) f[12] = 0x08, f[13] = 0x00;
  return f;
}

std::vector<Frame> drain(FrameSource& src, size_t limit = 10'000'000) {
  std::vector<Frame> out;
  Frame f;
  while (out.size() < limit && src.next(f)) out.push_back(f);
  return out;
}

// The error message of calling fn (empty when it did not throw T).
template <typename T>
std::string error_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const T& e) {
    return e.what();
  }
  return "";
}

std::string pcap_error(const std::string& path, double rate = 0) {
  return error_of<WireError>([&] { PcapSource s(path, rate); });
}

GeneratorSpec spec_with(uint64_t count) {
  GeneratorSpec s;
  s.count = count;
  return s;
}

// An independent check of an Internet checksum: the ones' complement sum of a
// region holding its right checksum is 0xFFFF, i.e. the plain sum of its
// 16-bit words is a multiple of 0xFFFF (end-around carry is arithmetic
// modulo 2^16 - 1).
bool sums_to_ones(const std::vector<uint8_t>& bytes) {
  uint64_t sum = 0;
  for (size_t i = 0; i < bytes.size(); i += 2)
    sum += uint64_t(bytes[i]) << 8 | (i + 1 < bytes.size() ? bytes[i + 1] : 0);
  return sum != 0 && sum % 0xFFFF == 0;
}

uint16_t be16(const std::vector<uint8_t>& f, size_t at) { return uint16_t(f[at] << 8 | f[at + 1]); }
uint64_t be_n(const std::vector<uint8_t>& f, size_t at, size_t n) {
  uint64_t v = 0;
  for (size_t i = 0; i < n; ++i) v = v << 8 | f[at + i];
  return v;
}

struct WireConfigTest : ::testing::Test {
  void SetUp() override { ConfigStore::instance().clear(); }
  void TearDown() override { ConfigStore::instance().clear(); }
  void set(const std::string& key, const std::string& value) {
    ConfigStore::instance().set("nic0.wire." + key, value, "test");
  }
  std::string config_error() {
    return error_of<ConfigError>([] { WireConfig w("nic0.wire"); });
  }
};

}  // namespace

// ---- pcap writer and replay ---------------------------------------------------

TEST(WirePcap, RoundTripKeepsBytesAndNanosecondTimes) {
  const std::vector<uint64_t> times = {0, 1, 999'999'999, 1'000'000'001, 5'000'000'007};
  const std::string path = temp_path("rt.pcap");
  PcapWriter w;
  w.open(path);
  for (size_t i = 0; i < times.size(); ++i) {
    const auto f = frame_of(60 + 100 * i, uint8_t(i));
    w.write(times[i], f.data(), f.size());
  }
  EXPECT_EQ(w.frames(), times.size());
  w.close();

  PcapSource src(path);
  EXPECT_EQ(src.frames_in_file(), times.size());
  EXPECT_EQ(src.describe(), "pcap " + path + " (5 frames)");
  const auto got = drain(src);
  ASSERT_EQ(got.size(), times.size());
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].time_ns, times[i]) << i;
    EXPECT_EQ(got[i].data, frame_of(60 + 100 * i, uint8_t(i))) << i;
    EXPECT_EQ(got[i].seq, i);
  }
}

TEST(WirePcap, FirstRecordIsTimeZero) {
  const auto path = RawPcap().record(7'000'000'100, frame_of(60)).record(7'000'000'350, frame_of(60)).save(temp_path("t.pcap"));
  PcapSource src(path);
  const auto got = drain(src);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].time_ns, 0u);
  EXPECT_EQ(got[1].time_ns, 250u);
}

TEST(WirePcap, WriterWritesNanosecondMagicAndEthernet) {
  const std::string path = temp_path("magic.pcap");
  PcapWriter w;
  w.open(path);
  const auto f = frame_of(64);
  w.write(1'500'000'123, f.data(), f.size());
  w.close();
  std::ifstream in(path, std::ios::binary);
  std::vector<uint8_t> b((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_EQ(b.size(), 24u + 16u + 64u);
  const auto le32 = [&](size_t at) { return uint32_t(b[at] | b[at + 1] << 8 | b[at + 2] << 16 | uint32_t(b[at + 3]) << 24); };
  EXPECT_EQ(le32(0), 0xA1B23C4Du);
  EXPECT_EQ(le32(20), 1u);                  // DLT_EN10MB
  EXPECT_EQ(le32(24), 1u);                  // seconds
  EXPECT_EQ(le32(28), 500'000'123u);        // nanoseconds
  EXPECT_EQ(le32(32), 64u);
}

TEST(WirePcap, WriterRefusesPathItCannotCreate) {
  PcapWriter w;
  const std::string bad = "/nonexistent-dir-of-wire-test/out.pcap";
  const auto msg = error_of<WireError>([&] { w.open(bad); });
  EXPECT_NE(msg.find(bad), std::string::npos) << msg;
  EXPECT_FALSE(w.is_open());
  const auto f = frame_of(60);
  EXPECT_THROW(w.write(0, f.data(), f.size()), WireError);
}

TEST(WirePcap, RetimesToConstantRate) {
  const auto path = RawPcap()
                        .record(0, frame_of(60))
                        .record(17, frame_of(61))
                        .record(900'000, frame_of(62))
                        .record(901'000, frame_of(63))
                        .save(temp_path("r.pcap"));
  PcapSource src(path, 3);  // 3 frames/s: 1/3 s apart, rounded to the ns
  const auto got = drain(src);
  ASSERT_EQ(got.size(), 4u);
  EXPECT_EQ(got[0].time_ns, 0u);
  EXPECT_EQ(got[1].time_ns, 333'333'333u);
  EXPECT_EQ(got[2].time_ns, 666'666'667u);
  EXPECT_EQ(got[3].time_ns, 1'000'000'000u);
  EXPECT_EQ(got[3].data.size(), 63u);
  EXPECT_EQ(src.describe(), "pcap " + path + " (4 frames), re-timed to 3 frames/s");
}

TEST(WirePcap, LoopPlaysTheFileNTimesOneMeanGapApart) {
  const auto path = RawPcap()
                        .record(0, frame_of(60, 1))
                        .record(10'000, frame_of(60, 2))
                        .record(20'000, frame_of(60, 3))
                        .save(temp_path("l.pcap"));
  PcapSource src(path, 0, 3);
  EXPECT_EQ(src.file_span_ns(), 20'000u);
  const auto got = drain(src);
  ASSERT_EQ(got.size(), 9u);
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].time_ns, i * 10'000) << i;  // span 20 us + mean gap 10 us per pass
    EXPECT_EQ(got[i].data, frame_of(60, uint8_t(1 + i % 3))) << i;
    EXPECT_EQ(got[i].seq, i);
  }
  // Re-timed, the passes continue the constant rate.
  PcapSource timed(path, 1000, 2);
  const auto t = drain(timed);
  ASSERT_EQ(t.size(), 6u);
  EXPECT_EQ(t[5].time_ns, 5'000'000u);
  EXPECT_NE(timed.describe().find("played 2 times"), std::string::npos);
}

TEST(WirePcap, LoopOfOneFrameIsSpacedByItsWireTime) {
  const auto path = RawPcap().record(0, frame_of(100)).save(temp_path("one.pcap"));
  PcapSource src(path, 0, 2);
  const auto got = drain(src);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[1].time_ns, (100u + 24u) * 8u);  // 1 Gb/s, preamble + FCS + gap
}

TEST(WirePcap, MissingFile) {
  const std::string path = temp_path("absent.pcap");
  const auto msg = pcap_error(path);
  EXPECT_NE(msg.find("pcap " + path + ": cannot open"), std::string::npos) << msg;
}

TEST(WirePcap, TruncatedFileHeader) {
  const auto path = RawPcap().truncate(10).save(temp_path("h.pcap"));
  const auto msg = pcap_error(path);
  EXPECT_NE(msg.find(path), std::string::npos) << msg;
  EXPECT_NE(msg.find("truncated file header"), std::string::npos) << msg;
}

TEST(WirePcap, TruncatedRecordNamesRecordAndOffset) {
  RawPcap raw;
  raw.record(0, frame_of(60)).record(1000, frame_of(100));
  const auto path = raw.truncate(raw.size() - 50).save(temp_path("rec.pcap"));
  const auto msg = pcap_error(path);
  EXPECT_NE(msg.find(path), std::string::npos) << msg;
  EXPECT_NE(msg.find("record 2 (byte offset " + std::to_string(24 + 16 + 60) + ")"), std::string::npos) << msg;
  EXPECT_NE(msg.find("truncated"), std::string::npos) << msg;
  // A record header cut short too.
  RawPcap raw2;
  raw2.record(0, frame_of(60)).record(1000, frame_of(60));
  const auto path2 = raw2.truncate(24 + 16 + 60 + 7).save(temp_path("hdr.pcap"));
  const auto msg2 = pcap_error(path2);
  EXPECT_NE(msg2.find("record 2 (byte offset 100)"), std::string::npos) << msg2;
}

TEST(WirePcap, LinkTypeNotEthernet) {
  const auto path = RawPcap(65535, 105).record(0, frame_of(60)).save(temp_path("wifi.pcap"));  // 802.11
  const auto msg = pcap_error(path);
  EXPECT_NE(msg.find(path), std::string::npos) << msg;
  EXPECT_NE(msg.find("not Ethernet"), std::string::npos) << msg;
}

TEST(WirePcap, CaplenAboveSnaplen) {
  const auto path = RawPcap(128).record(0, frame_of(60)).record(5, frame_of(200)).save(temp_path("snap.pcap"));
  const auto msg = pcap_error(path);
  EXPECT_NE(msg.find("record 2 (byte offset 100)"), std::string::npos) << msg;
  EXPECT_NE(msg.find("snaplen"), std::string::npos) << msg;
}

TEST(WirePcap, TruncatedCaptureIsRefused) {
  const auto path = RawPcap().record(0, frame_of(60), 60, 100).save(temp_path("cut.pcap"));
  const auto msg = pcap_error(path);
  EXPECT_NE(msg.find("record 1 (byte offset 24)"), std::string::npos) << msg;
  EXPECT_NE(msg.find("captured 60 of 100 bytes"), std::string::npos) << msg;
}

TEST(WirePcap, FrameLengthLimits) {
  auto vlan = [](size_t len) {
    auto f = frame_of(len);
    f[12] = 0x81, f[13] = 0x00;
    return f;
  };
  const auto too_long = RawPcap().record(0, frame_of(1514)).record(1, frame_of(1515)).save(temp_path("long.pcap"));
  auto msg = pcap_error(too_long);
  EXPECT_NE(msg.find("record 2"), std::string::npos) << msg;
  EXPECT_NE(msg.find("1515 bytes is longer than 1514"), std::string::npos) << msg;

  const auto tagged = RawPcap().record(0, vlan(1518)).save(temp_path("vlan.pcap"));
  EXPECT_EQ(pcap_error(tagged), "");
  const auto tagged_long = RawPcap().record(0, vlan(1519)).save(temp_path("vlan_long.pcap"));
  msg = pcap_error(tagged_long);
  EXPECT_NE(msg.find("longer than 1518 (with a VLAN tag)"), std::string::npos) << msg;

  const auto too_short = RawPcap().record(0, frame_of(13)).save(temp_path("short.pcap"));
  msg = pcap_error(too_short);
  EXPECT_NE(msg.find("record 1"), std::string::npos) << msg;
  EXPECT_NE(msg.find("shorter than an Ethernet header"), std::string::npos) << msg;
}

TEST(WirePcap, TimestampsGoingBackwardsNeedARate) {
  const auto path = RawPcap().record(500, frame_of(60)).record(400, frame_of(60)).save(temp_path("back.pcap"));
  const auto msg = pcap_error(path);
  EXPECT_NE(msg.find("record 2"), std::string::npos) << msg;
  EXPECT_NE(msg.find("earlier than record 1"), std::string::npos) << msg;
  EXPECT_EQ(pcap_error(path, 100), "");  // re-timed, the order of stamps does not matter
}

// libpcap reads a record's seconds and fraction as signed 32-bit numbers:
// a negative stamp wrapped to ~2^64 ns and overflowed the pass period
// (found by fuzz.pcap; testbench/fuzz/regressions/pcap/).
TEST(WirePcap, TimestampOutOfRangeNamesTheRecord) {
  const auto path = RawPcap()
                        .record(0, frame_of(60))
                        .record(uint64_t{0x80000000} * 1'000'000'000, frame_of(60))
                        .save(temp_path("negative_time.pcap"));
  for (double rate : {0.0, 100.0}) {
    const auto msg = pcap_error(path, rate);
    EXPECT_NE(msg.find("record 2 (byte offset 100)"), std::string::npos) << msg;
    EXPECT_NE(msg.find("timestamp -2147483648 s + 0 ns is out of range"), std::string::npos) << msg;
  }
}

TEST(WirePcap, LoopsBeyondTheTimeRangeAreRefused) {
  // Two frames 2^31 - 1 s apart: a pass lasts about 4.3e18 ns.
  const auto path = RawPcap()
                        .record(0, frame_of(60))
                        .record(uint64_t{0x7FFFFFFF} * 1'000'000'000, frame_of(60))
                        .save(temp_path("long_span.pcap"));
  EXPECT_NO_THROW(PcapSource(path, 0, 4));
  const auto msg = error_of<WireError>([&] { PcapSource s(path, 0, 5); });
  EXPECT_NE(msg.find("5 passes of"), std::string::npos) << msg;
  EXPECT_NO_THROW(PcapSource(path, 100, 5));  // re-timed: the file's span does not matter
}

TEST(WirePcap, FileWithoutFramesIsRefused) {
  const auto path = RawPcap().save(temp_path("empty.pcap"));
  EXPECT_EQ(pcap_error(path), "pcap " + path + ": no frames");
}

TEST(WirePcap, BadRateOrLoopIsRefused) {
  const auto path = RawPcap().record(0, frame_of(60)).save(temp_path("ok.pcap"));
  EXPECT_THROW(PcapSource(path, -1), WireError);
  EXPECT_THROW(PcapSource(path, 0, 0), WireError);
}

// ---- generator ------------------------------------------------------------------

TEST(WireGenerator, SameSeedSameFramesDifferentSeedDifferent) {
  GeneratorSpec s = spec_with(3000);
  s.arrival = Arrival::poisson;
  s.size = parse_frame_size("imix");
  s.flows = 3;
  s.arp.every_frames = 100;
  s.icmp.period_ns = 1'000'000;
  s.seed = 42;
  Generator a(s), b(s);
  const auto fa = drain(a), fb = drain(b);
  ASSERT_EQ(fa.size(), fb.size());
  for (size_t i = 0; i < fa.size(); ++i) {
    ASSERT_EQ(fa[i].time_ns, fb[i].time_ns) << i;
    ASSERT_EQ(fa[i].data, fb[i].data) << i;
  }
  s.seed = 43;
  Generator c(s);
  const auto fc = drain(c);
  size_t same_time = 0, same_size = 0;
  for (size_t i = 0; i < std::min(fa.size(), fc.size()); ++i) {
    same_time += fa[i].time_ns == fc[i].time_ns;
    same_size += fa[i].data.size() == fc[i].data.size();
  }
  EXPECT_LT(same_time, fa.size() / 10);
  EXPECT_LT(same_size, fa.size() * 3 / 4);
}

TEST(WireGenerator, FirstFramesOfASeedAreStable) {
  // Pins the generator's arithmetic (std::mt19937_64, exponential gaps by
  // inversion, sizes by rejection sampling): the same numbers on every host
  // and standard library. A change here changes every recorded experiment.
  GeneratorSpec s = spec_with(3);
  s.arrival = Arrival::poisson;
  s.size = parse_frame_size("uniform:60-1514");
  s.rate_pps = 100'000;
  Generator g(s);
  std::ostringstream shown;
  for (const auto& f : drain(g)) shown << f.time_ns << "/" << f.data.size() << " ";
  EXPECT_EQ(shown.str(), "1437/597 7438/1266 11759/474 ");
}

TEST(WireGenerator, ConstantRateOver100kFrames) {
  GeneratorSpec s = spec_with(100'000);
  s.rate_pps = 300'000;  // 3333.3 ns apart
  Generator g(s);
  const auto f = drain(g);
  ASSERT_EQ(f.size(), 100'000u);
  for (size_t i = 1; i < f.size(); ++i) {
    const uint64_t gap = f[i].time_ns - f[i - 1].time_ns;
    ASSERT_TRUE(gap == 3333 || gap == 3334) << i << ": " << gap;
  }
  const double mean = double(f.back().time_ns - f.front().time_ns) / double(f.size() - 1);
  EXPECT_NEAR(mean, 1e9 / 300'000, 0.01);
  EXPECT_EQ(f.front().time_ns, 0u);
}

TEST(WireGenerator, PoissonRateOver100kFrames) {
  GeneratorSpec s = spec_with(100'000);
  s.rate_pps = 100'000;
  s.arrival = Arrival::poisson;
  s.seed = 7;
  Generator g(s);
  const auto f = drain(g);
  ASSERT_EQ(f.size(), 100'000u);
  double sum = 0, sum_sq = 0;
  for (size_t i = 1; i < f.size(); ++i) {
    const double gap = double(f[i].time_ns - f[i - 1].time_ns);
    ASSERT_GE(f[i].time_ns, f[i - 1].time_ns);
    sum += gap;
    sum_sq += gap * gap;
  }
  const double n = double(f.size() - 1);
  const double mean = sum / n;
  const double sd = std::sqrt(sum_sq / n - mean * mean);
  EXPECT_NEAR(mean, 10'000, 10'000 * 0.01);  // standard error 0.3 %
  EXPECT_NEAR(sd / mean, 1.0, 0.02);         // exponential: coefficient of variation 1
}

TEST(WireGenerator, OnOffSendsAtRateOnlyDuringOnPeriods) {
  GeneratorSpec s;
  s.rate_pps = 10'000;  // 100 us apart while on
  s.arrival = Arrival::onoff;
  s.on_ns = 1'000'000;
  s.off_ns = 4'000'000;
  s.duration_ns = 50'000'000;
  Generator g(s);
  const auto f = drain(g);
  ASSERT_EQ(f.size(), 100u);  // 10 periods of 5 ms, 10 frames each
  for (size_t i = 0; i < f.size(); ++i) {
    const uint64_t period = i / 10, j = i % 10;
    EXPECT_EQ(f[i].time_ns, period * 5'000'000 + j * 100'000) << i;
  }
  EXPECT_EQ(g.describe(), "generator udp 1 flow 10000 pps onoff 1ms/4ms, size 60, for 50ms");
}

TEST(WireGenerator, OnOffCountsFramesStartingInsideOnPeriod) {
  GeneratorSpec s = spec_with(8);
  s.rate_pps = 3000;  // 333.3 us apart: 0, 333, 667 us start inside a 1 ms on period
  s.arrival = Arrival::onoff;
  s.on_ns = 1'000'000;
  s.off_ns = 1'000'000;
  Generator g(s);
  const auto f = drain(g);
  ASSERT_EQ(f.size(), 8u);
  EXPECT_EQ(f[2].time_ns, 666'667u);
  EXPECT_EQ(f[3].time_ns, 2'000'000u);
  EXPECT_EQ(f[6].time_ns, 4'000'000u);
}

TEST(WireGenerator, ImixProportions) {
  GeneratorSpec s = spec_with(120'000);
  s.size = parse_frame_size("imix");
  s.rate_pps = 1e6;
  Generator g(s);
  std::map<size_t, size_t> sizes;
  Frame f;
  while (g.next(f)) ++sizes[f.data.size()];
  ASSERT_EQ(sizes.size(), 3u);
  EXPECT_NEAR(double(sizes[60]) / 120'000, 7.0 / 12, 0.01);
  EXPECT_NEAR(double(sizes[594]) / 120'000, 4.0 / 12, 0.01);
  EXPECT_NEAR(double(sizes[1514]) / 120'000, 1.0 / 12, 0.005);
}

TEST(WireGenerator, UniformSizesCoverTheRange) {
  GeneratorSpec s = spec_with(20'000);
  s.size = parse_frame_size("uniform:100-200");
  Generator g(s);
  size_t lo = 10'000, hi = 0;
  double sum = 0;
  Frame f;
  while (g.next(f)) {
    lo = std::min(lo, f.data.size());
    hi = std::max(hi, f.data.size());
    sum += double(f.data.size());
    ASSERT_TRUE(is_valid_udp(f.data));
  }
  EXPECT_EQ(lo, 100u);
  EXPECT_EQ(hi, 200u);
  EXPECT_NEAR(sum / 20'000, 150, 1);
}

TEST(WireGenerator, FlowsTakeTurnsOnConsecutivePorts) {
  GeneratorSpec s = spec_with(9);
  s.flows = 3;
  s.port = 6000;
  Generator g(s);
  const auto f = drain(g);
  ASSERT_EQ(f.size(), 9u);
  for (size_t i = 0; i < f.size(); ++i) {
    const auto u = parse_udp(f[i].data.data(), f[i].data.size());
    ASSERT_TRUE(u) << i;
    EXPECT_EQ(u->dst_port, 6000 + i % 3);
    EXPECT_EQ(u->src_port, kGeneratorSourcePortBase + i % 3);
    EXPECT_EQ(be_n(f[i].data, u->payload_offset + kPayloadFlowOffset, 4), i % 3);
    EXPECT_EQ(be_n(f[i].data, u->payload_offset + kPayloadSeqOffset, 8), i / 3);
  }
  EXPECT_EQ(g.describe(), "generator udp 3 flows 1000 pps constant, size 60, 9 frames");
}

TEST(WireGenerator, FramesCarryAddressesPayloadPatternAndChecksumsCheckedIndependently) {
  GeneratorSpec s = spec_with(500);
  s.size = parse_frame_size("uniform:60-1514");
  s.flows = 2;
  s.icmp.every_frames = 50;
  Generator g(s);
  Frame f;
  size_t udp = 0, icmp = 0;
  while (g.next(f)) {
    const auto& d = f.data;
    ASSERT_GE(d.size(), 60u);
    EXPECT_EQ(format_mac({d[0], d[1], d[2], d[3], d[4], d[5]}), "52:54:00:12:34:56");
    EXPECT_EQ(format_mac({d[6], d[7], d[8], d[9], d[10], d[11]}), "52:54:00:12:34:57");
    ASSERT_EQ(be16(d, 12), 0x0800);
    const std::vector<uint8_t> ip(d.begin() + 14, d.begin() + 34);
    EXPECT_TRUE(sums_to_ones(ip)) << "IPv4 header checksum, frame " << f.seq;
    EXPECT_EQ(be16(d, 16), d.size() - 14);                       // total length: no padding above 60
    EXPECT_EQ(be_n(d, 26, 4), make_ipv4(10, 0, 2, 2));
    EXPECT_EQ(be_n(d, 30, 4), make_ipv4(10, 0, 2, 15));
    if (d[23] == 17) {
      ++udp;
      // Pseudo-header (addresses, zero + protocol, UDP length) then the datagram.
      std::vector<uint8_t> pseudo(d.begin() + 26, d.begin() + 34);
      pseudo.insert(pseudo.end(), {0, 17, d[38], d[39]});
      pseudo.insert(pseudo.end(), d.begin() + 34, d.end());
      EXPECT_TRUE(sums_to_ones(pseudo)) << "UDP checksum, frame " << f.seq;
      EXPECT_EQ(be16(d, 38), d.size() - 34);
      const uint64_t flow_seq = be_n(d, 42 + kPayloadSeqOffset, 8);
      for (size_t i = kPayloadHeaderBytes; i < d.size() - 42; ++i) ASSERT_EQ(d[42 + i], uint8_t(i + flow_seq));
    } else {
      ASSERT_EQ(d[23], 1);
      ++icmp;
      EXPECT_TRUE(sums_to_ones(std::vector<uint8_t>(d.begin() + 34, d.end()))) << "ICMP checksum";
      EXPECT_TRUE(is_valid_icmp_echo(d));
    }
  }
  EXPECT_EQ(udp, 500u);
  EXPECT_EQ(icmp, 9u);  // after UDP frames 50, 100, ..., 450 (none after the last)
}

TEST(WireGenerator, ArpAndIcmpMixedInByCountAndPeriod) {
  GeneratorSpec s = spec_with(100);
  s.rate_pps = 10'000;  // UDP at 0, 100 us, ..., 9.9 ms
  s.arp.every_frames = 10;
  s.icmp.period_ns = 1'000'000;
  Generator g(s);
  const auto f = drain(g);
  ASSERT_EQ(f.size(), 100u + 9u + 9u);
  size_t arps = 0, pings = 0;
  for (size_t i = 0; i < f.size(); ++i) {
    EXPECT_EQ(f[i].seq, i);
    if (i > 0) {
      EXPECT_GE(f[i].time_ns, f[i - 1].time_ns) << i;
    }
    const auto& d = f[i].data;
    if (const auto arp = parse_arp(d.data(), d.size())) {
      ++arps;
      EXPECT_EQ(arp->op, kArpRequest);
      EXPECT_EQ(arp->target_ip, make_ipv4(10, 0, 2, 15));
      EXPECT_EQ(arp->sender_ip, make_ipv4(10, 0, 2, 2));
      EXPECT_EQ(d.size(), 60u);
      EXPECT_EQ(f[i].time_ns, arps * 1'000'000 - 50'000);  // half way after UDP frame 10 * arps
    } else if (const auto ping = parse_icmp_echo(d.data(), d.size())) {
      EXPECT_EQ(ping->type, kIcmpEchoRequest);
      EXPECT_EQ(ping->id, kGeneratorIcmpId);
      EXPECT_EQ(ping->seq, pings);
      EXPECT_EQ(ping->payload_len, kGeneratorIcmpPayloadBytes);
      ++pings;
      EXPECT_EQ(f[i].time_ns, pings * 1'000'000);
    } else {
      EXPECT_TRUE(is_valid_udp(d)) << i;
    }
  }
  EXPECT_EQ(arps, 9u);
  EXPECT_EQ(pings, 9u);
  EXPECT_EQ(g.describe(), "generator udp 1 flow 10000 pps constant, size 60, 100 frames, arp every 10 frames, icmp every 1ms");
}

TEST(WireGenerator, DurationAndCountEndTheStream) {
  GeneratorSpec s;
  s.duration_ns = 10'000'000;  // 1000 pps: frames at 0 .. 9 ms; 10 ms is past the end
  Generator by_time(s);
  EXPECT_EQ(drain(by_time).size(), 10u);
  s.count = 4;
  Generator first(s);
  EXPECT_EQ(drain(first).size(), 4u);
}

TEST(WireGenerator, BadSpecsNameTheKey) {
  struct Case {
    std::function<void(GeneratorSpec&)> change;
    std::string message;
  };
  const std::vector<Case> cases = {
      {[](GeneratorSpec& s) { s.rate_pps = 0; }, "gen.rate: must be > 0 (got 0)"},
      {[](GeneratorSpec& s) { s.rate_pps = -5; }, "gen.rate: must be > 0 (got -5)"},
      {[](GeneratorSpec& s) { s.rate_pps = NAN; }, "gen.rate: must be > 0"},
      {[](GeneratorSpec& s) { s.size = parse_frame_size("59"); }, "gen.size: 59 is outside 60..1514"},
      {[](GeneratorSpec& s) { s.size = parse_frame_size("1515"); }, "gen.size: 1515 is outside 60..1514"},
      {[](GeneratorSpec& s) { s.size = parse_frame_size("uniform:200-100"); }, "gen.size: uniform:200-100 is outside"},
      {[](GeneratorSpec& s) { s.arrival = Arrival::onoff, s.on_ns = 0; }, "gen.on: must be > 0"},
      {[](GeneratorSpec& s) { s.flows = 0; }, "gen.flows: must be >= 1"},
      {[](GeneratorSpec& s) { s.port = 65535, s.flows = 2; }, "gen.port: ports 65535..65536"},
      {[](GeneratorSpec& s) { s.count = 0, s.duration_ns = 0; }, "gen.count: zero frames and zero duration"},
      {[](GeneratorSpec& s) { s.arp = {10, 1000}; }, "gen.arp: either"},
      {[](GeneratorSpec& s) { s.icmp = {10, 1000}; }, "gen.icmp: either"},
  };
  for (const auto& c : cases) {
    GeneratorSpec s = spec_with(10);
    c.change(s);
    const auto msg = error_of<WireError>([&] { Generator g(s); });
    EXPECT_EQ(msg.rfind(c.message, 0), 0u) << "got '" << msg << "', want '" << c.message << "'";
  }
  EXPECT_EQ(error_of<WireError>([] { parse_frame_size("big"); }),
            "gen.size: 'big' is not a frame size (N, uniform:MIN-MAX or imix)");
  EXPECT_THROW(parse_frame_size("uniform:60"), WireError);
  EXPECT_THROW(parse_frame_size("-60"), WireError);
  EXPECT_EQ(error_of<WireError>([] { parse_arrival("burst"); }),
            "gen.arrival: 'burst' is not an arrival process (constant, poisson, onoff)");
}

// ---- frame builders and checkers ---------------------------------------------

TEST(WireFrames, InetChecksumKnownVectors) {
  // RFC 1071 section 3: the words 0001 f203 f4f5 f6f7 sum to ddf2.
  const uint8_t rfc[] = {0x00, 0x01, 0xF2, 0x03, 0xF4, 0xF5, 0xF6, 0xF7};
  EXPECT_EQ(inet_checksum(rfc, sizeof rfc), 0x220D);
  // An IPv4 header with its checksum field zero, and with it filled in.
  uint8_t ip[] = {0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
                  0x00, 0x00, 0xC0, 0xA8, 0x00, 0x01, 0xC0, 0xA8, 0x00, 0xC7};
  EXPECT_EQ(inet_checksum(ip, sizeof ip), 0xB861);
  ip[10] = 0xB8, ip[11] = 0x61;
  EXPECT_EQ(inet_checksum(ip, sizeof ip), 0);
  const uint8_t odd[] = {0x01, 0x02, 0x03};  // last byte padded: 0102 + 0300
  EXPECT_EQ(inet_checksum(odd, sizeof odd), uint16_t(~0x0402));
}

TEST(WireFrames, ArpRequestAndReplyLayout) {
  const Mac nic = {0x52, 0x54, 0, 0x12, 0x34, 0x56}, peer = {0x52, 0x54, 0, 0x12, 0x34, 0x57};
  const auto req = arp_request(peer, make_ipv4(10, 0, 2, 2), make_ipv4(10, 0, 2, 15));
  ASSERT_EQ(req.size(), 60u);  // 42 padded to the minimum
  EXPECT_EQ(std::vector<uint8_t>(req.begin(), req.begin() + 6), std::vector<uint8_t>(6, 0xFF));
  EXPECT_EQ(be16(req, 12), 0x0806);
  EXPECT_EQ(be16(req, 20), 1);
  EXPECT_EQ(be_n(req, 38, 4), make_ipv4(10, 0, 2, 15));
  for (size_t i = 42; i < 60; ++i) EXPECT_EQ(req[i], 0);
  const auto a = parse_arp(req.data(), req.size());
  ASSERT_TRUE(a);
  EXPECT_EQ(a->sender_mac, peer);
  EXPECT_EQ(a->target_mac, Mac{});

  const auto rep = arp_reply(nic, make_ipv4(10, 0, 2, 15), peer, make_ipv4(10, 0, 2, 2));
  const auto r = parse_arp(rep.data(), rep.size());
  ASSERT_TRUE(r);
  EXPECT_EQ(r->op, kArpReply);
  EXPECT_EQ(r->sender_mac, nic);
  EXPECT_EQ(r->target_mac, peer);
  EXPECT_EQ(std::vector<uint8_t>(rep.begin(), rep.begin() + 6), std::vector<uint8_t>(peer.begin(), peer.end()));
  std::string why;
  EXPECT_FALSE(parse_arp(rep.data(), 30, &why));
  EXPECT_EQ(why, "shorter than Ethernet + ARP");
}

TEST(WireFrames, UdpFrameChecksOutAndCorruptionIsCaught) {
  const IpEndpoints ends{{2, 0, 0, 0, 0, 1}, {2, 0, 0, 0, 0, 2}, make_ipv4(192, 168, 1, 1), make_ipv4(192, 168, 1, 2)};
  const std::vector<uint8_t> payload = {'h', 'e', 'l', 'l', 'o'};
  auto f = udp_frame(ends, 1234, 80, payload.data(), payload.size(), 7);
  ASSERT_EQ(f.size(), 60u);  // 47 bytes padded: the IPv4 length keeps the real size
  std::string why;
  const auto u = parse_udp(f.data(), f.size(), &why);
  ASSERT_TRUE(u) << why;
  EXPECT_EQ(u->src_port, 1234);
  EXPECT_EQ(u->dst_port, 80);
  EXPECT_EQ(u->payload_len, 5u);
  EXPECT_EQ(u->ends.src_ip, ends.src_ip);
  EXPECT_EQ(std::string(f.begin() + long(u->payload_offset), f.begin() + long(u->payload_offset + 5)), "hello");

  auto bad = f;
  bad[44] ^= 1;  // payload
  EXPECT_FALSE(is_valid_udp(bad, &why));
  EXPECT_EQ(why, "bad UDP checksum");
  bad = f;
  bad[22] ^= 1;  // TTL
  EXPECT_FALSE(is_valid_udp(bad, &why));
  EXPECT_EQ(why, "bad IPv4 header checksum");
  EXPECT_FALSE(is_valid_udp(f.data(), 40, &why));
  bad = f;
  bad[40] = 0, bad[41] = 0;  // UDP checksum 0: none sent, accepted
  EXPECT_TRUE(is_valid_udp(bad));
  const auto icmp = icmp_echo_request(ends, 1, 2, payload.data(), payload.size());
  EXPECT_FALSE(is_valid_udp(icmp, &why));
  EXPECT_EQ(why, "IPv4 protocol 1, expected 17");
}

TEST(WireFrames, IcmpEchoRequestAndReply) {
  const IpEndpoints ends{{2, 0, 0, 0, 0, 1}, {2, 0, 0, 0, 0, 2}, make_ipv4(10, 0, 2, 2), make_ipv4(10, 0, 2, 15)};
  std::vector<uint8_t> payload(56);
  for (size_t i = 0; i < payload.size(); ++i) payload[i] = uint8_t(i);
  const auto req = icmp_echo_request(ends, 0x1234, 9, payload.data(), payload.size());
  EXPECT_EQ(req.size(), 14u + 20 + 8 + 56);
  const auto e = parse_icmp_echo(req.data(), req.size());
  ASSERT_TRUE(e);
  EXPECT_EQ(e->type, kIcmpEchoRequest);
  EXPECT_EQ(e->id, 0x1234);
  EXPECT_EQ(e->seq, 9);
  const auto rep = icmp_echo_reply({ends.dst_mac, ends.src_mac, ends.dst_ip, ends.src_ip}, 0x1234, 9, payload.data(),
                                   payload.size());
  EXPECT_EQ(parse_icmp_echo(rep.data(), rep.size())->type, kIcmpEchoReply);
  auto bad = req;
  bad[50] ^= 0x40;
  std::string why;
  EXPECT_FALSE(parse_icmp_echo(bad.data(), bad.size(), &why));
  EXPECT_EQ(why, "bad ICMP checksum");
}

TEST(WireFrames, MacAndIpv4Text) {
  EXPECT_EQ(format_mac(*parse_mac("52:54:00:12:34:5A")), "52:54:00:12:34:5a");
  EXPECT_TRUE(parse_mac("52-54-00-12-34-56"));
  EXPECT_FALSE(parse_mac("52:54:00:12:34"));
  EXPECT_FALSE(parse_mac("52:54-00:12:34:56"));
  EXPECT_FALSE(parse_mac("52:54:00:12:34:5g"));
  EXPECT_EQ(*parse_ipv4("10.0.2.15"), 0x0A00020Fu);
  EXPECT_EQ(format_ipv4(0xC0A80001), "192.168.0.1");
  EXPECT_FALSE(parse_ipv4("10.0.2"));
  EXPECT_FALSE(parse_ipv4("10.0.2.256"));
  EXPECT_FALSE(parse_ipv4("10.0.2.1x"));
}

// ---- config keys ------------------------------------------------------------------

TEST_F(WireConfigTest, DefaultIsNoSourceStartingAtRxEnable) {
  WireConfig w("nic0.wire");
  EXPECT_EQ(w.kind(), WireConfig::Source::none);
  EXPECT_EQ(w.make_source(), nullptr);
  EXPECT_TRUE(w.start_at_rx_enable());
  EXPECT_EQ(w.start_ns(), 0u);
  EXPECT_NO_THROW(ConfigStore::instance().check_all_used());
}

TEST_F(WireConfigTest, StartAtATime) {
  set("start", "5ms");
  WireConfig w("nic0.wire");
  EXPECT_FALSE(w.start_at_rx_enable());
  EXPECT_EQ(w.start_ns(), 5'000'000u);
  ConfigStore::instance().clear();
  set("start", "0");
  EXPECT_EQ(WireConfig("nic0.wire").start_ns(), 0u);
  ConfigStore::instance().clear();
  set("start", "soon");
  const auto msg = config_error();
  EXPECT_NE(msg.find("nic0.wire.start"), std::string::npos) << msg;
}

TEST_F(WireConfigTest, GeneratorFromKeys) {
  set("source", "generator");
  set("gen.rate", "2000");
  set("gen.size", "imix");
  set("gen.arrival", "poisson");
  set("gen.flows", "2");
  set("gen.port", "7000");
  set("gen.count", "50");
  set("gen.seed", "9");
  set("gen.arp", "10");
  set("gen.icmp", "5ms");
  set("gen.peer_mac", "02:00:00:00:00:01");
  set("gen.peer_ip", "192.168.5.1");
  set("gen.nic_mac", "02:00:00:00:00:02");
  set("gen.nic_ip", "192.168.5.2");
  WireConfig w("nic0.wire");
  ConfigStore::instance().check_all_used();
  EXPECT_EQ(w.kind(), WireConfig::Source::generator);
  const auto& g = w.generator();
  EXPECT_EQ(g.seed, 9u);
  EXPECT_EQ(g.arp.every_frames, 10u);
  EXPECT_EQ(g.icmp.period_ns, 5'000'000u);
  auto src = w.make_source();
  ASSERT_TRUE(src);
  EXPECT_EQ(src->describe(),
            "generator udp 2 flows 2000 pps poisson, size imix, 50 frames, arp every 10 frames, icmp every 5ms");
  Frame f;
  ASSERT_TRUE(src->next(f));
  const auto u = parse_udp(f.data.data(), f.data.size());
  ASSERT_TRUE(u);
  EXPECT_EQ(u->dst_port, 7000);
  EXPECT_EQ(u->ends.dst_ip, make_ipv4(192, 168, 5, 2));
  EXPECT_EQ(format_mac(u->ends.src_mac), "02:00:00:00:00:01");
  // Each call starts the stream afresh.
  Frame again;
  ASSERT_TRUE(w.make_source()->next(again));
  EXPECT_EQ(again.data, f.data);
  EXPECT_EQ(again.time_ns, f.time_ns);
}

TEST_F(WireConfigTest, OnOffAndDurationTakeTimes) {
  set("source", "generator");
  set("gen.arrival", "onoff");
  set("gen.on", "2ms");
  set("gen.off", "500us");
  set("gen.duration", "1s");
  WireConfig w("nic0.wire");
  EXPECT_EQ(w.generator().on_ns, 2'000'000u);
  EXPECT_EQ(w.generator().off_ns, 500'000u);
  EXPECT_EQ(w.generator().duration_ns, 1'000'000'000u);
}

TEST_F(WireConfigTest, PcapFromKeys) {
  const auto path = RawPcap().record(0, frame_of(60)).record(10, frame_of(70)).save(temp_path("cfg.pcap"));
  set("source", "pcap");
  set("pcap", path);
  set("rate", "1000");
  set("loop", "2");
  WireConfig w("nic0.wire");
  auto src = w.make_source();
  ASSERT_TRUE(src);
  const auto f = drain(*src);
  ASSERT_EQ(f.size(), 4u);
  EXPECT_EQ(f[3].time_ns, 3'000'000u);
  EXPECT_EQ(f[3].data.size(), 70u);
}

TEST_F(WireConfigTest, BadPcapFileIsAWireErrorFromMakeSource) {
  set("source", "pcap");
  set("pcap", temp_path("absent.pcap"));
  WireConfig w("nic0.wire");
  EXPECT_THROW(w.make_source(), WireError);
}

TEST_F(WireConfigTest, BadValuesNameTheFullKey) {
  const std::vector<std::tuple<std::vector<std::pair<std::string, std::string>>, std::string>> cases = {
      {{{"source", "generator"}, {"gen.count", "10"}, {"gen.rate", "0"}}, "nic0.wire.gen.rate: must be > 0 (got 0)"},
      {{{"source", "tap"}}, "nic0.wire.source: 'tap' is not a wire source"},
      {{{"source", "pcap"}}, "nic0.wire.pcap: source pcap needs a file"},
      {{{"source", "pcap"}, {"pcap", "x.pcap"}, {"rate", "-1"}}, "nic0.wire.rate: must be >= 0"},
      {{{"source", "pcap"}, {"pcap", "x.pcap"}, {"loop", "0"}}, "nic0.wire.loop: must be >= 1"},
      {{{"source", "generator"}}, "nic0.wire.gen.count: zero frames and zero duration"},
      {{{"source", "generator"}, {"gen.count", "1"}, {"gen.size", "2000"}}, "nic0.wire.gen.size: 2000 is outside"},
      {{{"source", "generator"}, {"gen.count", "1"}, {"gen.size", "huge"}}, "nic0.wire.gen.size: 'huge'"},
      {{{"source", "generator"}, {"gen.count", "1"}, {"gen.arrival", "burst"}}, "nic0.wire.gen.arrival: 'burst'"},
      {{{"source", "generator"}, {"gen.count", "1"}, {"gen.flows", "0"}}, "nic0.wire.gen.flows: must be >= 1"},
      {{{"source", "generator"}, {"gen.count", "1"}, {"gen.port", "70000"}}, "nic0.wire.gen.port: must be 1..65535"},
      {{{"source", "generator"}, {"gen.count", "1"}, {"gen.arrival", "onoff"}, {"gen.on", "0s"}},
       "nic0.wire.gen.on: must be > 0"},
      {{{"source", "generator"}, {"gen.count", "1"}, {"gen.peer_mac", "52:54"}}, "nic0.wire.gen.peer_mac: '52:54'"},
      {{{"source", "generator"}, {"gen.count", "1"}, {"gen.nic_ip", "10.0.2"}}, "nic0.wire.gen.nic_ip: '10.0.2'"},
      {{{"source", "generator"}, {"gen.count", "1"}, {"gen.arp", "often"}}, "config key 'nic0.wire.gen.arp' (test)"},
  };
  for (const auto& [keys, message] : cases) {
    ConfigStore::instance().clear();
    for (const auto& [k, v] : keys) set(k, v);
    const auto msg = config_error();
    EXPECT_EQ(msg.rfind(message, 0), 0u) << "got '" << msg << "', want '" << message << "'";
  }
}

// ---- tshark reads what the writer wrote --------------------------------------------

TEST(WireTshark, ReadsGeneratorPcapPortsAndChecksums) {
  // scripts/setup installs tshark: without it this check must fail, not pass unseen.
  ASSERT_EQ(std::system("command -v tshark >/dev/null 2>&1"), 0) << "tshark not installed (scripts/setup installs it)";
  GeneratorSpec s = spec_with(30);
  s.flows = 3;
  s.port = 7000;
  s.size = parse_frame_size("uniform:60-1514");
  s.arp.every_frames = 10;
  Generator g(s);
  const std::string path = temp_path("gen.pcap");
  PcapWriter w;
  w.open(path);
  Frame f;
  while (g.next(f)) w.write(f);
  w.close();
  ASSERT_EQ(w.frames(), 32u);  // 30 UDP + ARP after frames 10 and 20

  // One line per frame: number, UDP destination port (empty for ARP), and
  // tshark's own verdict on the IPv4 and UDP checksums (1 = good).
  const std::string cmd = "tshark -r '" + path +
                          "' -o ip.check_checksum:TRUE -o udp.check_checksum:TRUE -T fields -e frame.number"
                          " -e udp.dstport -e ip.checksum.status -e udp.checksum.status -E separator=, 2>/dev/null";
  FILE* p = popen(cmd.c_str(), "r");
  ASSERT_NE(p, nullptr);
  std::vector<std::string> lines;
  char buf[256];
  while (std::fgets(buf, sizeof buf, p)) {
    std::string line = buf;
    if (!line.empty() && line.back() == '\n') line.pop_back();
    lines.push_back(line);
  }
  ASSERT_EQ(pclose(p), 0);
  ASSERT_EQ(lines.size(), 32u);
  size_t udp = 0;
  for (const auto& line : lines) {
    std::istringstream in(line);
    std::string number, port, ip_ok, udp_ok;
    std::getline(in, number, ',');
    std::getline(in, port, ',');
    std::getline(in, ip_ok, ',');
    std::getline(in, udp_ok, ',');
    if (port.empty()) continue;  // ARP
    EXPECT_EQ(port, std::to_string(7000 + udp % 3)) << line;
    EXPECT_EQ(ip_ok, "1") << line;
    EXPECT_EQ(udp_ok, "1") << line;
    ++udp;
  }
  EXPECT_EQ(udp, 30u);
}
