#include "cpu/cache.h"

#include <algorithm>
#include <cstring>

namespace minipc {

namespace {
bool pow2(uint64_t v) { return v != 0 && (v & (v - 1)) == 0; }
}  // namespace

CacheParams::CacheParams(const std::string& p)
    : enabled{p + ".enabled", false, "cache model for accurate mode (only misses cross the bus)"},
      size{p + ".size", 8 * 1024, "cache size in bytes (power of two)"},
      line{p + ".line", 32, "line size in bytes (power of two, 4..4096); a fill is one bus transaction of this size"},
      ways{p + ".ways", 2, "associativity (power of two, at most size/line)"},
      write_policy{p + ".write_policy", "write_back",
                   "write_back (write-allocate) or write_through (no-write-allocate)"},
      hit_cycles{p + ".hit_cycles", 1, "core clocks per cached access (hit latency)"} {}

CacheConfig CacheParams::config() const {
  CacheConfig c;
  c.enabled = enabled.get();
  auto bad = [](const std::string& key, const std::string& why) { return ConfigError(key + ": " + why); };
  if (!pow2(size.get())) throw bad(size.key(), std::to_string(size.get()) + " is not a power of two");
  if (size.get() > (64ull << 20)) throw bad(size.key(), "at most 64 MiB");
  if (!pow2(line.get())) throw bad(line.key(), std::to_string(line.get()) + " is not a power of two");
  if (line.get() < 4 || line.get() > 4096) throw bad(line.key(), std::to_string(line.get()) + " is outside 4..4096");
  if (line.get() > size.get())
    throw bad(line.key(), "line " + std::to_string(line.get()) + " is larger than the cache (" + size.key() + " = " +
                              std::to_string(size.get()) + ")");
  if (!pow2(ways.get())) throw bad(ways.key(), std::to_string(ways.get()) + " is not a power of two");
  if (ways.get() > size.get() / line.get())
    throw bad(ways.key(), std::to_string(ways.get()) + " ways do not fit: size/line = " +
                              std::to_string(size.get() / line.get()) + " lines");
  if (write_policy.get() == "write_back") c.write_back = true;
  else if (write_policy.get() == "write_through") c.write_back = false;
  else throw bad(write_policy.key(), "unknown policy '" + write_policy.get() + "' (expected write_back or write_through)");
  c.size = static_cast<uint32_t>(size.get());
  c.line = static_cast<uint32_t>(line.get());
  c.ways = static_cast<uint32_t>(ways.get());
  c.hit_cycles = hit_cycles.get();
  return c;
}

Cache::Cache(const CacheConfig& config, Backend& backend) : cfg_(config), backend_(backend) {
  line_mask_ = cfg_.line - 1;
  line_shift_ = 0;
  while ((1u << line_shift_) < cfg_.line) ++line_shift_;
  const uint32_t sets = cfg_.size / (cfg_.line * cfg_.ways);
  set_mask_ = sets - 1;
  const size_t lines = cfg_.size / cfg_.line;
  tags_.assign(lines, 0);
  dirty_.assign(lines, 0);
  lru_.assign(lines, 0);
  data_.assign(cfg_.size + kPadding, 0);
  wb_buf_.assign(cfg_.line, 0);
  fill_buf_.assign(cfg_.line, 0);
}

bool Cache::dirty(uint32_t addr) const {
  const int i = find(addr);
  return i >= 0 && dirty_[static_cast<size_t>(i)];
}

int Cache::allocate(uint32_t line_addr) {
  const size_t base = static_cast<size_t>((line_addr >> line_shift_) & set_mask_) * cfg_.ways;
  size_t v = base;
  for (uint32_t w = 0; w < cfg_.ways; ++w) {
    const size_t i = base + w;
    if (!tags_[i]) {
      v = i;
      break;
    }
    if (lru_[i] < lru_[v]) v = i;
  }
  if (tags_[v]) {
    ++stats_.evictions;
    const uint32_t victim = tags_[v] & ~1u;
    const bool was_dirty = dirty_[v];
    set_tag(v, 0);
    dirty_[v] = 0;
    if (was_dirty) {
      // The victim leaves the cache now; until its write-back has reached
      // memory it sits in wb_buf_, where snoops still find it.
      ++stats_.writebacks;
      std::memcpy(wb_buf_.data(), line_data(static_cast<int>(v)), cfg_.line);
      wb_addr_ = victim;
      wb_pending_ = true;
      backend_.bus_write(victim, wb_buf_.data(), cfg_.line);
      wb_pending_ = false;
    }
  }
  // The line is installed only once the fill has returned: a snoop during
  // the fill's bus wait has nothing to act on, and the fill reads memory
  // after any write the bus ordered before it.
  if (!backend_.bus_read(line_addr, fill_buf_.data(), cfg_.line)) return -1;
  std::memcpy(line_data(static_cast<int>(v)), fill_buf_.data(), cfg_.line);
  set_tag(v, line_addr | 1u);
  dirty_[v] = 0;
  touch(static_cast<int>(v));
  return static_cast<int>(v);
}

bool Cache::read_lines(uint32_t addr, void* data, unsigned len) {
  auto* out = static_cast<uint8_t*>(data);
  while (len) {
    const uint32_t off = addr & line_mask_;
    const unsigned n = std::min<unsigned>(len, cfg_.line - off);
    int i = find(addr);
    if (i >= 0) {
      ++stats_.read_hits;
    } else {
      ++stats_.read_misses;
      i = allocate(addr & ~line_mask_);
      if (i < 0) return false;
    }
    touch(i);
    std::memcpy(out, line_data(i) + off, n);
    out += n;
    addr += n;
    len -= n;
  }
  return true;
}

bool Cache::write(uint32_t addr, const void* data, unsigned len) {
  const auto* in = static_cast<const uint8_t*>(data);
  const uint32_t start = addr;
  const unsigned total = len;
  while (len) {
    const uint32_t off = addr & line_mask_;
    const unsigned n = std::min<unsigned>(len, cfg_.line - off);
    int i = find_memo(addr, kData);
    if (i >= 0) {
      ++stats_.write_hits;
    } else {
      ++stats_.write_misses;
      if (cfg_.write_back) {
        i = allocate(addr & ~line_mask_);
        if (i < 0) return false;
      }
    }
    if (i >= 0) {
      touch(i);
      std::memcpy(line_data(i) + off, in, n);
      if (cfg_.write_back) dirty_[static_cast<size_t>(i)] = 1;
    }
    in += n;
    addr += n;
    len -= n;
  }
  // Write-through: the access itself goes to the bus, as one transaction.
  if (!cfg_.write_back) return backend_.bus_write(start, static_cast<const uint8_t*>(data), total);
  return true;
}

void Cache::snoop_pending_write_back(bool is_write, uint64_t addr, const uint8_t* data, unsigned len) {
  const uint64_t lo = std::max<uint64_t>(addr, wb_addr_);
  const uint64_t hi = std::min<uint64_t>(addr + len, static_cast<uint64_t>(wb_addr_) + cfg_.line);
  if (lo >= hi) return;
  if (is_write) {
    // The other master writes first: its bytes must survive our late
    // write-back, so they go into the buffer on its way.
    if (data) std::memcpy(&wb_buf_[lo - wb_addr_], data + (lo - addr), hi - lo);
  } else {
    // The other master reads before our write-back is granted: memory must
    // hold the CPU's data now.
    backend_.snoop_write_back(wb_addr_, wb_buf_.data(), cfg_.line);
  }
}

void Cache::snoop(bool is_write, uint64_t addr, const uint8_t* data, unsigned len) {
  if (len == 0) return;
  if (wb_pending_) snoop_pending_write_back(is_write, addr, data, len);
  const uint64_t end = addr + len;  // exclusive
  // Large transfers (a whole disk sector run) would visit many absent lines:
  // walk the cache instead when that is shorter.
  const uint64_t first = addr & ~static_cast<uint64_t>(line_mask_);
  const uint64_t span_lines = (end - first + line_mask_) >> line_shift_;
  auto act = [&](size_t i) {
    if (dirty_[i]) {
      ++stats_.snoop_writebacks;
      backend_.snoop_write_back(tags_[i] & ~1u, &data_[i * cfg_.line], cfg_.line);
      dirty_[i] = 0;
    }
    if (is_write) {
      ++stats_.snoop_invalidations;
      set_tag(i, 0);
    }
  };
  if (span_lines <= tags_.size()) {
    for (uint64_t a = first; a < end && a <= 0xFFFFFFFFull; a += cfg_.line) {
      const int i = find(static_cast<uint32_t>(a));
      if (i >= 0) act(static_cast<size_t>(i));
    }
  } else {
    for (size_t i = 0; i < tags_.size(); ++i) {
      if (!tags_[i]) continue;
      const uint64_t la = tags_[i] & ~1u;
      if (la < end && addr < la + cfg_.line) act(i);
    }
  }
}

void Cache::flush_range(uint64_t lo, uint64_t hi) {
  for (size_t i = 0; i < tags_.size(); ++i) {
    if (!tags_[i]) continue;
    const uint64_t la = tags_[i] & ~1u;
    if (la > hi || la + cfg_.line - 1 < lo) continue;
    if (dirty_[i]) backend_.snoop_write_back(static_cast<uint32_t>(la), &data_[i * cfg_.line], cfg_.line);
    set_tag(i, 0);
    dirty_[i] = 0;
  }
}

void Cache::debug_read(uint32_t addr, uint8_t* data, unsigned len) const {
  while (len) {
    const uint32_t off = addr & line_mask_;
    const unsigned n = std::min<unsigned>(len, cfg_.line - off);
    const int i = find(addr);
    if (i >= 0) std::memcpy(data, line_data(i) + off, n);
    data += n;
    addr += n;
    len -= n;
  }
}

void Cache::debug_write(uint32_t addr, const uint8_t* data, unsigned len) {
  while (len) {
    const uint32_t off = addr & line_mask_;
    const unsigned n = std::min<unsigned>(len, cfg_.line - off);
    const int i = find(addr);
    if (i >= 0) std::memcpy(line_data(i) + off, data, n);
    data += n;
    addr += n;
    len -= n;
  }
}

}  // namespace minipc
