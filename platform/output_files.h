// Small helpers the builder and the run session share: addresses in
// messages, and the folders an output file goes in.
#pragma once

#include <cstdint>
#include <filesystem>
#include <sstream>
#include <string>

#include "core/sim_control.h"
#include "loader/elf_loader.h"

namespace minipc {

// Addresses and ports in messages, as "0xFEB00000".
inline std::string hex_upper(uint64_t v) {
  std::ostringstream s;
  s << "0x" << std::hex << std::uppercase << v;
  return s.str();
}

// Creates the folders an output file goes in; key names the setting. Throws
// LoadError (exit 66) when it cannot.
inline void make_parent_dirs(const std::string& key, const std::string& path) {
  const auto parent = std::filesystem::path(path).parent_path();
  std::error_code ec;
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  if (ec) throw LoadError(exit_status::no_input, key + ": cannot create folder '" + parent.string() + "': " + ec.message());
}

}  // namespace minipc
