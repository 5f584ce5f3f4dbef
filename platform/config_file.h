// Reading platform configs: YAML files and --set overrides into the
// ConfigStore, every value remembering where it came from (file:line).
#pragma once

#include <string>

namespace minipc {

// Flattens a YAML mapping into dotted keys ("uart0: {console: false}" gives
// "uart0.console"). Throws ConfigError naming the file (and line) when the
// file is missing, is not YAML, or holds something other than nested
// mappings of scalars.
// `include: FILE` (or a list) loads those files first, relative to the
// including file. A file with no include and no block `type` is an overlay
// on default_base (the default PC), when one is given.
void load_config_file(const std::string& path, const std::string& default_base = "");

// Applies one "key=value" override. Throws ConfigError on bad syntax.
void apply_override(const std::string& assignment);

}  // namespace minipc
