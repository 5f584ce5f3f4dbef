// Input files a run reads (firmware, configs, disk images, pcaps, UART
// input) must be regular files: a directory, a FIFO or a device such as
// /dev/zero would make a reader block forever or read without end.
#pragma once

#include <filesystem>
#include <string>

namespace minipc {

// "" when path names a regular file (after symlinks); otherwise why not:
// "no such file", "is a directory, not a file", "is a FIFO (named pipe), not
// a regular file", "is a device, not a regular file", ...
inline std::string not_a_regular_file(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::file_status st = fs::status(path, ec);
  if (ec || st.type() == fs::file_type::not_found) return "no such file";
  switch (st.type()) {
    case fs::file_type::regular: return "";
    case fs::file_type::directory: return "is a directory, not a file";
    case fs::file_type::fifo: return "is a FIFO (named pipe), not a regular file";
    case fs::file_type::character:
    case fs::file_type::block: return "is a device, not a regular file";
    case fs::file_type::socket: return "is a socket, not a regular file";
    default: return "is not a regular file";
  }
}

// The same, but "" for a path that does not exist (the caller's own open
// reports that, with the system's reason).
inline std::string existing_but_not_regular(const std::string& path) {
  const std::string why = not_a_regular_file(path);
  return why == "no such file" ? std::string() : why;
}

}  // namespace minipc
