// Cache: a set-associative, unified (instructions + data) cache model for the
// CPU's accurate mode. Only misses (line fills), write-backs and, for
// write-through, the writes themselves reach the bus.
//
// The cache is plain C++ (no SystemC): it reaches the bus through a Backend
// that the Cpu implements with its timed b_transport (fills, write-backs,
// write-through writes) and an untimed transport_dbg (snoop write-backs,
// which happen inside another master's transaction).
//
// Policies:
//   write_back     write-allocate: a write miss fills the line, then writes
//                  into it (dirty). A dirty victim is written back with one
//                  line-sized write before the fill.
//   write_through  no-write-allocate: every write goes to the bus as one
//                  transaction of the access's size; a write hit also updates
//                  the line, a write miss does not allocate. Lines are never
//                  dirty.
// Replacement: LRU within a set (an invalid way is used first).
//
// Coherence with other bus masters (DMA, bus-master disk): snoop() is called
// by the bus before another master's memory transaction reaches the target.
//   write snoop: a line it touches is written back first if dirty (untimed),
//                then invalidated (MESI: M -> I with an implicit write-back;
//                the other master's bytes then land over the CPU's).
//   read snoop:  a dirty line it touches is written back (untimed) and stays
//                valid and clean (M -> S/E), so the reader sees the CPU's data.
// A dirty victim whose write-back is in flight (waiting for the bus) is
// snooped too: a read snoop writes it to memory at once, a write snoop merges
// the other master's bytes into it, so the late write-back cannot undo them.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include <systemc>

#include "core/params.h"

namespace minipc {

struct CacheConfig {
  bool enabled = false;
  uint32_t size = 8 * 1024;  // bytes
  uint32_t line = 32;        // bytes
  uint32_t ways = 2;
  bool write_back = true;    // false: write-through, no-write-allocate
  uint64_t hit_cycles = 1;   // core clocks per cached access
};

// The parameters under <cpu>.cache.*; config() validates them.
struct CacheParams {
  explicit CacheParams(const std::string& prefix);  // e.g. "cpu0.cache"
  Param<bool> enabled;
  Param<uint64_t> size;
  Param<uint64_t> line;
  Param<uint64_t> ways;
  Param<std::string> write_policy;
  Param<uint64_t> hit_cycles;
  // Throws ConfigError naming the offending key.
  CacheConfig config() const;
};

class Cache {
 public:
  class Backend {
   public:
    virtual ~Backend() = default;
    // Timed bus transactions (the CPU's own). false: the bus answered an error.
    virtual bool bus_read(uint32_t addr, uint8_t* data, unsigned len) = 0;
    virtual bool bus_write(uint32_t addr, const uint8_t* data, unsigned len) = 0;
    // Untimed write to memory, used while another master's transaction is
    // being snooped.
    virtual void snoop_write_back(uint32_t addr, const uint8_t* data, unsigned len) = 0;
  };

  struct Stats {
    uint64_t read_hits = 0, read_misses = 0, write_hits = 0, write_misses = 0;
    uint64_t writebacks = 0;  // dirty victims written back (eviction)
    uint64_t evictions = 0;   // valid victims replaced (clean or dirty)
    uint64_t snoop_invalidations = 0;
    uint64_t snoop_writebacks = 0;  // dirty lines written back for a snoop
    uint64_t hits() const { return read_hits + write_hits; }
    uint64_t misses() const { return read_misses + write_misses; }
    double hit_rate() const {
      const uint64_t n = hits() + misses();
      return n ? static_cast<double>(hits()) / static_cast<double>(n) : 0.0;
    }
  };

  Cache(const CacheConfig& config, Backend& backend);

  // An access of len bytes at addr, in cacheable memory. Accesses that cross
  // a line boundary count once per line. false: a line fill (or, for
  // write-through, the write) failed on the bus; nothing is cached for it.
  // The common case (an access inside one line that hits) is inline.
  // stream: which of the two lookup memos to use (kFetch for instruction
  // fetches, kData for loads and stores): each remembers the last line it
  // found, so a run of accesses to one line skips the set search. A memo
  // only shortens the lookup: stats, LRU order and data are the same.
  enum Stream : unsigned { kFetch = 0, kData = 1 };
  bool read(uint32_t addr, void* data, unsigned len, Stream stream = kData) {
    return read_hit(addr, data, len, stream) || read_lines(addr, data, len);
  }
  bool write(uint32_t addr, const void* data, unsigned len);
  // The hits among n aligned dwords from first, in order, up to the first
  // miss: the same stats, LRU order and data as a read(w, out + k, 4, kFetch)
  // for each, one set search per line. Returns how many hit; the caller
  // reads the missing word with read() (after accounting the hits' time).
  unsigned read_word_hits(uint32_t first, unsigned n, uint32_t* out) {
    unsigned k = 0;
    while (k < n) {
      const uint32_t a = first + 4 * k;
      const int i = find_memo(a, kFetch);
      if (i < 0) break;
      const uint32_t off = a & line_mask_;
      const unsigned m = std::min(n - k, (cfg_.line - off) / 4);
      count_word_hits(i, m);
      std::memcpy(out + k, line_data(i) + off, 4 * m);
      k += m;
    }
    return k;
  }
  // All n aligned dwords from first when they lie in one line that is
  // present: read_word_hits()'s accounting for all n, and a pointer to them
  // in the line (16 more bytes are readable past the line: padding).
  // Otherwise nullptr and nothing done.
  const uint8_t* word_hits_in_line(uint32_t first, unsigned n) {
    const uint32_t off = first & line_mask_;
    if (off + 4 * n > cfg_.line) return nullptr;
    const int i = find_memo(first, kFetch);
    if (i < 0) return nullptr;
    count_word_hits(i, n);
    return line_data(i) + off;
  }
  // For a caller that counts further hits in the line word_hits_in_line()
  // just found by itself (the core's fetch window, CpuBus::FetchWindow):
  // a count that changes whenever any line is filled, evicted or
  // invalidated (while it stays the same, the line still holds the same
  // address), and what count_word_hits() bumps for that line.
  const uint64_t* generation_counter() const { return &generation_; }
  void fetch_line_counters(uint64_t*& hits, uint64_t*& clock, uint64_t*& stamp) {
    hits = &stats_.read_hits;
    clock = &clock_;
    stamp = &lru_[static_cast<size_t>(memo_[kFetch].line)];
  }

  // Another master's memory transaction, before it reaches the target. data
  // is its payload (for writes; may be null for reads).
  void snoop(bool is_write, uint64_t addr, const uint8_t* data, unsigned len);

  // Debugger view: overlays cached bytes on data read from memory / patches
  // cached copies after data was written to memory. No stats, no bus.
  void debug_read(uint32_t addr, uint8_t* data, unsigned len) const;
  void debug_write(uint32_t addr, const uint8_t* data, unsigned len);

  // Writes back dirty lines (untimed) and invalidates every line that
  // overlaps [lo, hi] (e.g. when the memory map changes).
  void flush_range(uint64_t lo, uint64_t hi);

  bool present(uint32_t addr) const { return find(addr) >= 0; }
  bool dirty(uint32_t addr) const;
  const CacheConfig& config() const { return cfg_; }
  const Stats& stats() const { return stats_; }

 private:
  // An access inside one line that hits: stats, LRU update, data. false:
  // nothing done.
  bool read_hit(uint32_t addr, void* data, unsigned len, Stream stream) {
    const uint32_t off = addr & line_mask_;
    if (off + len > cfg_.line) return false;
    const int i = find_memo(addr, stream);
    if (i < 0) return false;
    ++stats_.read_hits;
    touch(i);
    if (len == 4) std::memcpy(data, line_data(i) + off, 4);  // a constant size: no call
    else std::memcpy(data, line_data(i) + off, len);
    return true;
  }
  bool read_lines(uint32_t addr, void* data, unsigned len);  // read() line by line
  int find(uint32_t addr) const {  // line index or -1
    const uint32_t tag = (addr & ~line_mask_) | 1u;
    const size_t base = static_cast<size_t>((addr >> line_shift_) & set_mask_) * cfg_.ways;
    for (uint32_t w = 0; w < cfg_.ways; ++w)
      if (tags_[base + w] == tag) return static_cast<int>(base + w);
    return -1;
  }
  // find() through memo_[stream]. A memo holds a tag and the line that held
  // it when it was found; every change of a tag clears both (set_tag()), so
  // a matching memo is always current.
  int find_memo(uint32_t addr, Stream stream) {
    const uint32_t tag = (addr & ~line_mask_) | 1u;
    Memo& m = memo_[stream];
    if (m.tag == tag) return m.line;
    const int i = find(addr);
    if (i >= 0) m = Memo{tag, i};
    return i;
  }
  void set_tag(size_t i, uint32_t tag) {
    tags_[i] = tag;
    ++generation_;
    memo_[kFetch].tag = memo_[kData].tag = 0;  // 0 matches no lookup (valid tags have bit 0 set)
  }
  int allocate(uint32_t line_addr);  // fills; line index or -1 (bus error)
  void touch(int i) { lru_[static_cast<size_t>(i)] = ++clock_; }
  void count_word_hits(int i, unsigned n) {  // n read hits in line i: n touches, only the last stamp remains
    stats_.read_hits += n;
    clock_ += n;
    lru_[static_cast<size_t>(i)] = clock_;
  }
  uint8_t* line_data(int i) { return &data_[static_cast<size_t>(i) * cfg_.line]; }
  const uint8_t* line_data(int i) const { return &data_[static_cast<size_t>(i) * cfg_.line]; }
  void snoop_pending_write_back(bool is_write, uint64_t addr, const uint8_t* data, unsigned len);

  CacheConfig cfg_;
  Backend& backend_;
  uint32_t line_mask_;  // line - 1
  unsigned line_shift_;
  uint32_t set_mask_;   // sets - 1
  std::vector<uint32_t> tags_;  // line address | 1 when valid, 0 when invalid
  std::vector<uint8_t> dirty_;
  std::vector<uint64_t> lru_;
  static constexpr size_t kPadding = 32;  // word_hits_in_line(): bytes readable past the last line
  std::vector<uint8_t> data_;
  uint64_t clock_ = 0;
  struct Memo {
    uint32_t tag = 0;
    int line = 0;
  };
  Memo memo_[2];
  uint64_t generation_ = 0;  // set_tag() calls
  Stats stats_;
  // A dirty victim on its way to memory (see "Coherence" above).
  bool wb_pending_ = false;
  uint32_t wb_addr_ = 0;
  std::vector<uint8_t> wb_buf_, fill_buf_;
};

}  // namespace minipc
