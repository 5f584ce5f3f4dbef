// The medium behind the ATA drive: a raw image file read copy-on-write (writes
// land in an in-memory overlay, the user's file is never modified), written
// through when `writeback` is set, or a blank zero-filled disk of N sectors.
#pragma once

#include <array>
#include <cstdint>
#include <fstream>
#include <string>
#include <unordered_map>

namespace minipc {

class DiskImage {
 public:
  static constexpr unsigned kSectorBytes = 512;
  using Sector = std::array<uint8_t, kSectorBytes>;

  // path empty: a blank disk of blank_sectors. Otherwise the file's size
  // (rounded down to whole sectors) is the capacity. Throws InputError naming
  // `key` when the file cannot be opened.
  DiskImage(const std::string& key, const std::string& path, bool writeback, uint64_t blank_sectors);

  uint64_t sectors() const { return sectors_; }
  void read(uint64_t lba, uint8_t* out);
  void write(uint64_t lba, const uint8_t* in);
  void flush();
  // Sectors held in the copy-on-write overlay.
  size_t overlay_sectors() const { return overlay_.size(); }

 private:
  std::string key_;
  std::fstream file_;
  bool has_file_ = false;
  bool writeback_ = false;
  uint64_t sectors_ = 0;
  std::unordered_map<uint64_t, Sector> overlay_;
};

}  // namespace minipc
