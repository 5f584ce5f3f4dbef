#include "core/block.h"

#include <algorithm>

namespace minipc {

BlockRegistry& BlockRegistry::instance() {
  static BlockRegistry registry;
  return registry;
}

void BlockRegistry::add(BlockType t) {
  if (find(t.type, t.impl)) throw std::logic_error("block type " + t.type + " (" + t.impl + ") registered twice");
  types_.push_back(std::move(t));
}

const BlockType* BlockRegistry::find(const std::string& type, const std::string& impl) const {
  for (const auto& t : types_)
    if (t.type == type && t.impl == impl) return &t;
  return nullptr;
}

std::vector<std::string> BlockRegistry::impls(const std::string& type) const {
  std::vector<std::string> out;
  for (const auto& t : types_)
    if (t.type == type) out.push_back(t.impl);
  return out;
}

std::vector<std::string> BlockRegistry::types() const {
  std::vector<std::string> out;
  for (const auto& t : types_)
    if (std::find(out.begin(), out.end(), t.type) == out.end()) out.push_back(t.type);
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace minipc
