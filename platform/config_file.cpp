#include "config_file.h"

#include <yaml-cpp/yaml.h>

#include <fstream>

#include "core/params.h"

namespace minipc {
namespace {
std::string where(const std::string& path, const YAML::Node& n) {
  const YAML::Mark m = n.Mark();
  return m.is_null() ? path : path + ":" + std::to_string(m.line + 1);
}

void flatten(const std::string& path, const std::string& prefix, const YAML::Node& node) {
  for (const auto& kv : node) {
    const std::string name = kv.first.as<std::string>();
    if (name.empty() || name.find('.') != std::string::npos)
      throw ConfigError(where(path, kv.first) + ": bad key '" + name + "' (keys are names without dots)");
    const std::string key = prefix.empty() ? name : prefix + "." + name;
    const YAML::Node& value = kv.second;
    switch (value.Type()) {
      case YAML::NodeType::Map:
        flatten(path, key, value);
        break;
      case YAML::NodeType::Scalar:
        ConfigStore::instance().set(key, value.Scalar(), where(path, value));
        break;
      case YAML::NodeType::Null:
        ConfigStore::instance().set(key, "", where(path, kv.first));
        break;
      default:
        throw ConfigError(where(path, value) + ": key '" + key + "' holds a list; values are scalars or mappings");
    }
  }
}
}  // namespace

void load_config_file(const std::string& path) {
  std::ifstream probe(path);
  if (!probe) throw ConfigError("config file '" + path + "': cannot open");
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::Exception& e) {
    throw ConfigError("config file '" + path + ":" + std::to_string(e.mark.line + 1) + "': " + e.msg);
  }
  if (root.IsNull()) return;  // an empty file configures nothing
  if (!root.IsMap()) throw ConfigError("config file '" + path + "': the top level must be a mapping of blocks");
  flatten(path, "", root);
}

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
