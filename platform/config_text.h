// Small text helpers for the platform's config error messages.
#pragma once

#include <string>
#include <vector>

#include "core/params.h"

namespace minipc {

// Where a key was set, for error messages (" (default.yaml:12)"), or "".
inline std::string source_of(const std::string& key) {
  const auto e = ConfigStore::instance().peek(key);
  return e ? " (" + e->source + ")" : "";
}

// "a, b, c"
inline std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : ", ") + i;
  return out;
}

}  // namespace minipc
