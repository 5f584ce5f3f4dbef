// libFuzzer target for the pcap reader (wire::PcapSource, models/wire/pcap.cpp)
// and the frame parsers it feeds (wire/frames.h).
//
// The input is a whole capture file. PcapSource checks every record when it
// is built, then plays the file twice; every frame it hands out is parsed as
// UDP, ICMP echo and ARP. Property: a malformed file ends in a WireError
// (whose message names the file) -- never a crash, a hang, an unbounded
// allocation, a sanitizer report or another exception type; a frame that
// comes out obeys the documented limits (14 to 1518 bytes, times in order
// with file times).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "fuzz_file.h"
#include "wire/frames.h"
#include "wire/wire.h"

namespace {

// Passes x file; a valid capture of a few hundred bytes can hold at most a
// few dozen frames, so this bound only stops a bug that would loop forever.
constexpr uint64_t kMaxFrames = 1'000'000;

[[noreturn]] void broken(const char* what) {
  std::fprintf(stderr, "pcap_fuzz: property violated: %s\n", what);
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace minipc::wire;
  static minipc_fuzz::MemFile file("pcap_fuzz");
  file.write(data, size);
  // The file's own times (ordering checked) for even sizes, a re-timing
  // rate for odd ones: both reader modes from the same corpus.
  const double rate = (size & 1) ? 1e6 : 0;
  try {
    PcapSource src(file.path(), rate, 2);
    if (src.frames_in_file() == 0) broken("a source with no frames");
    Frame f;
    uint64_t frames = 0, last_time = 0;
    while (src.next(f)) {
      if (++frames > kMaxFrames) broken("more frames than the file can hold");
      if (f.data.size() < kEthHeaderBytes || f.data.size() > kMaxVlanFrameBytes) broken("frame length out of range");
      if (frames > 1 && f.time_ns < last_time) broken("frame times go backwards");
      last_time = f.time_ns;
      std::string why;
      (void)parse_udp(f.data.data(), f.data.size(), &why);
      (void)parse_icmp_echo(f.data.data(), f.data.size(), &why);
      (void)parse_arp(f.data.data(), f.data.size(), &why);
    }
    if (frames != 2 * src.frames_in_file()) broken("the passes gave a different frame count than the check");
    (void)src.describe();
  } catch (const WireError& e) {
    if (std::string(e.what()).rfind("pcap " + file.path() + ": ", 0) != 0) broken("a WireError that does not name the file");
  }
  return 0;
}
