#include "config_file.h"

#include "core/input_file.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <vector>

#include "core/params.h"

namespace minipc {
namespace {
std::string where(const std::string& path, const YAML::Node& n) {
  const YAML::Mark m = n.Mark();
  return m.is_null() ? path : path + ":" + std::to_string(m.line + 1);
}

// A mapping key as text. A key that is itself a list or a mapping
// ("[a, b]: 1", "? {a: 1}") made as<std::string>() throw
// YAML::TypedBadConversion past the loader instead of a ConfigError.
std::string key_name(const std::string& path, const YAML::Node& key) {
  if (!key.IsScalar())
    throw ConfigError(where(path, key) + ": a key must be a name, not a " + (key.IsMap() ? "mapping" : key.IsSequence() ? "list" : "null"));
  return key.Scalar();
}

// YAML aliases make a config a graph, not a tree: an alias of an enclosing
// mapping ("a: &x {b: *x}") nested without end (a stack overflow), and
// aliases of aliases double the values at each level ("billion laughs": 40
// short lines, 2^40 values). Both are refused; real configs are a few
// levels deep with a few hundred values.
constexpr int kMaxKeyDepth = 32;
constexpr size_t kMaxValues = 10'000;  // in one config, its includes included

void flatten(const std::string& path, const std::string& prefix, const YAML::Node& node, int depth,
             size_t& values) {
  for (const auto& kv : node) {
    const std::string name = key_name(path, kv.first);
    if (prefix.empty() && name == "include") continue;  // handled by load()
    if (name.empty() || name.find('.') != std::string::npos)
      throw ConfigError(where(path, kv.first) + ": bad key '" + name + "' (keys are names without dots)");
    const std::string key = prefix.empty() ? name : prefix + "." + name;
    const YAML::Node& value = kv.second;
    switch (value.Type()) {
      case YAML::NodeType::Map:
        if (depth >= kMaxKeyDepth)
          throw ConfigError(where(path, value) + ": key '" + key + "' nests more than " + std::to_string(kMaxKeyDepth) +
                            " levels deep (an alias of a mapping inside itself?)");
        flatten(path, key, value, depth + 1, values);
        break;
      case YAML::NodeType::Scalar:
      case YAML::NodeType::Null:
        if (++values > kMaxValues)
          throw ConfigError(where(path, value) + ": more than " + std::to_string(kMaxValues) +
                            " values (aliases of aliases?) at key '" + key + "'");
        if (value.IsScalar())
          ConfigStore::instance().set(key, value.Scalar(), where(path, value));
        else
          ConfigStore::instance().set(key, "", where(path, kv.first));
        break;
      default:
        throw ConfigError(where(path, value) + ": key '" + key + "' holds a list; values are scalars or mappings");
    }
  }
}
}  // namespace

namespace {
void load(const std::string& path, const std::string& default_base, std::vector<std::string>& chain,
          size_t& values);
}

void load_config_file(const std::string& path, const std::string& default_base) {
  std::vector<std::string> chain;
  size_t values = 0;
  load(path, default_base, chain, values);
}

namespace {
// A config names blocks (sections with a `type`) or only sets parameters of
// another config's blocks. `include: FILE` (relative to the including file)
// loads FILE first; a file that neither includes anything nor declares any
// block type is an overlay on the default PC (default_base), so a short
// user config like "uart0: {instant_tx: true}" keeps working.
void load(const std::string& path, const std::string& default_base, std::vector<std::string>& chain,
          size_t& values) {
  namespace fs = std::filesystem;
  // The error_code forms throughout: a name the system rejects (longer than
  // NAME_MAX, say) made the throwing forms escape as a filesystem_error
  // instead of a ConfigError naming the file.
  std::error_code ec;
  const std::string canonical = fs::weakly_canonical(fs::path(path), ec).string();
  if (ec) throw ConfigError("config file '" + path + "': " + ec.message());
  if (std::find(chain.begin(), chain.end(), canonical) != chain.end())
    throw ConfigError("config file '" + path + "': includes itself (through " + chain.back() + ")");
  if (const std::string why = existing_but_not_regular(path); !why.empty())
    throw ConfigError("config file '" + path + "': " + why);
  std::ifstream probe(path);
  if (!probe) throw ConfigError("config file '" + path + "': cannot open");
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::Exception& e) {
    throw ConfigError("config file '" + path + ":" + std::to_string(e.mark.line + 1) + "': " + e.msg);
  }
  if (!root.IsNull() && !root.IsMap())
    throw ConfigError("config file '" + path + "': the top level must be a mapping of blocks");
  chain.push_back(canonical);
  std::vector<std::string> includes;
  bool declares_blocks = false;
  if (root.IsMap()) {
    for (const auto& kv : root) {
      const std::string name = key_name(path, kv.first);
      if (name == "include") {
        const YAML::Node& inc = kv.second;
        if (inc.IsScalar())
          includes.push_back(inc.Scalar());
        else if (inc.IsSequence())
          for (const auto& i : inc) {
            if (!i.IsScalar()) throw ConfigError(where(path, i) + ": include: a list of file names");
            includes.push_back(i.Scalar());
          }
        else
          throw ConfigError(where(path, inc) + ": include: a file name or a list of file names");
      } else if (kv.second.IsMap() && kv.second["type"]) {
        declares_blocks = true;
      }
    }
  }
  if (includes.empty() && !declares_blocks && !default_base.empty() && chain.size() == 1 &&
      fs::weakly_canonical(fs::path(default_base), ec).string() != canonical) {
    const fs::path base = fs::absolute(fs::path(default_base), ec);
    if (ec) throw ConfigError("default config '" + default_base + "': " + ec.message());
    includes.push_back(base.string());
  }
  for (const auto& inc : includes) {
    fs::path p(inc);
    if (p.is_relative()) p = fs::path(path).parent_path() / p;
    const bool exists = fs::exists(p, ec);
    if (ec) throw ConfigError("config file '" + path + "': include '" + inc + "': " + ec.message());
    if (!exists) throw ConfigError("config file '" + path + "': include '" + inc + "': no such file");
    load(p.string(), default_base, chain, values);
  }
  chain.pop_back();
  if (root.IsNull()) return;  // an empty file configures nothing (beyond its base)
  flatten(path, "", root, 1, values);
}
}  // namespace

void apply_override(const std::string& assignment) {
  const auto eq = assignment.find('=');
  if (eq == std::string::npos || eq == 0)
    throw ConfigError("bad --set '" + assignment + "': expected key=value, e.g. --set cpu0.mode=accurate");
  const std::string key = assignment.substr(0, eq);
  if (key.find_first_of(" \t") != std::string::npos || key.front() == '.' || key.back() == '.' ||
      key.find("..") != std::string::npos)
    throw ConfigError("bad --set '" + assignment + "': '" + key + "' is not a key like block.param");
  ConfigStore::instance().set(key, assignment.substr(eq + 1), "--set");
}

}  // namespace minipc
