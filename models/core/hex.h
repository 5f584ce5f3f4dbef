// "0x" + lowercase hex digits: how models name addresses, ports and values in
// their messages.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>

namespace minipc {

inline std::string hex(uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

}  // namespace minipc
