#include "disk/disk_image.h"

#include "core/input_file.h"

#include <cerrno>
#include <cstring>

#include <systemc>

#include "core/sim_control.h"

namespace minipc {

DiskImage::DiskImage(const std::string& key, const std::string& path, bool writeback, uint64_t blank_sectors)
    : key_(key), writeback_(writeback) {
  if (path.empty()) {
    sectors_ = blank_sectors;
    return;
  }
  if (const std::string why = existing_but_not_regular(path); !why.empty())
    throw InputError(key + ": '" + path + "' " + why);
  const auto mode = std::ios::binary | std::ios::in | (writeback ? std::ios::out : std::ios::openmode{});
  file_.open(path, mode);
  if (!file_.is_open())
    throw InputError(key + ": cannot open '" + path + "'" + (errno ? std::string(": ") + std::strerror(errno) : ""));
  has_file_ = true;
  file_.seekg(0, std::ios::end);
  const uint64_t bytes = static_cast<uint64_t>(file_.tellg());
  sectors_ = bytes / kSectorBytes;
  if (bytes % kSectorBytes)
    SC_REPORT_WARNING(key.c_str(), ("image '" + path + "' is not a whole number of 512-byte sectors: the last " +
                                    std::to_string(bytes % kSectorBytes) + " bytes are ignored").c_str());
}

void DiskImage::read(uint64_t lba, uint8_t* out) {
  if (auto it = overlay_.find(lba); it != overlay_.end()) {
    std::memcpy(out, it->second.data(), kSectorBytes);
    return;
  }
  std::memset(out, 0, kSectorBytes);
  if (!has_file_) return;
  file_.clear();
  file_.seekg(static_cast<std::streamoff>(lba * kSectorBytes));
  file_.read(reinterpret_cast<char*>(out), kSectorBytes);
}

void DiskImage::write(uint64_t lba, const uint8_t* in) {
  if (has_file_ && writeback_) {
    file_.clear();
    file_.seekp(static_cast<std::streamoff>(lba * kSectorBytes));
    file_.write(reinterpret_cast<const char*>(in), kSectorBytes);
    file_.flush();
    return;
  }
  Sector& s = overlay_[lba];
  std::memcpy(s.data(), in, kSectorBytes);
}

void DiskImage::flush() {
  if (has_file_ && writeback_) file_.flush();
}

}  // namespace minipc
