// libFuzzer target for the config loader: YAML files into the ConfigStore
// (platform/config_file.cpp: flattening, `include:`, the default base), the
// `--set key=value` overrides, and the typed value parsers of
// models/core/params.cpp (integers with K/M/G and bounds, reals and
// frequencies, booleans, SystemC times).
//
// Input: YAML text, then optionally a NUL byte and --set assignments, one a
// line. The YAML is written to main.yaml in a private temporary folder
// beside fixed files it may include (base.yaml, the default base; inc.yaml;
// cycle.yaml, which includes main.yaml back; self.yaml, which includes
// itself). Every value that lands in the store then goes through a value
// parser chosen by its key (--set values through all of them).
// Property: bad input ends in a ConfigError -- never a crash, a hang, a stack
// overflow, a sanitizer report or another exception type (a YAML exception
// escaping the loader included); an include cycle is an error.
// Sandbox: an input whose `include:` names a path with a directory
// separator is skipped, so the fuzzer reads only the files of its folder.
#include <sys/stat.h>
#include <unistd.h>

#include <yaml-cpp/yaml.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>

#include "core/params.h"
#include "platform/config_file.h"

int sc_main(int, char*[]) { return 0; }  // libsystemc's main() wants one; libFuzzer's main() runs instead

namespace {

std::string g_dir;  // the private folder
constexpr size_t kMaxParsed = 256;

[[noreturn]] void broken(const char* what) {
  std::fprintf(stderr, "config_fuzz: property violated: %s\n", what);
  std::abort();
}

void write_text(const std::string& path, const char* data, size_t size) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(data, static_cast<std::streamsize>(size));
  if (!out) broken("cannot write the temporary folder");
}

bool names_other_folder(const std::string& s) { return s.find_first_of("/\\") != std::string::npos; }

// Whether the YAML's top-level include names only files of the folder. The
// loader parses the same text with the same parser, so it sees the same
// names; anything this cannot read is left to the loader (which fails
// before it includes).
bool includes_stay_home(const std::string& text) {
  // Without the word or an escape (double-quoted "\x69nclude", a line
  // continuation) the text has no include key: skip a costly parse.
  if (text.find("include") == std::string::npos && text.find('\\') == std::string::npos) return true;
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (...) {
    return true;
  }
  if (!root.IsMap()) return true;
  for (const auto& kv : root) {
    if (!kv.first.IsScalar() || kv.first.Scalar() != "include") continue;
    const YAML::Node& inc = kv.second;
    if (inc.IsScalar() && names_other_folder(inc.Scalar())) return false;
    if (inc.IsSequence())
      for (const auto& i : inc)
        if (!i.IsScalar() || names_other_folder(i.Scalar())) return false;
  }
  return true;
}

// Runs the value through one parser (all of them for a --set value). A
// failing parse throws, and exceptions are costly under ASan: every parser
// on every value of a 60-key config ran at 300 inputs/s. The parser follows
// the key's bytes, so the fuzzer reaches each one by changing the key.
void parse_value(const minipc::ConfigEntry& e) {
  using namespace minipc;
  unsigned which = 0;
  for (unsigned char c : e.key) which += c;
  const bool all = e.source == "--set";
  for (unsigned p = 0; p < 8; ++p) {
    if (!all && p != which % 8) continue;
    try {
      switch (p) {
        case 0: (void)config_parse::to_u64(e); break;
        case 1: (void)config_parse::to_i64(e); break;
        case 2: (void)detail::ParamTraits<uint32_t>::parse(e); break;
        case 3:
          if (!std::isfinite(config_parse::to_double(e))) broken("to_double gave a non-finite number");
          break;
        case 4: (void)config_parse::to_bool(e); break;
        case 5: {
          const sc_core::sc_time t = config_parse::to_time(e);
          // sc_time(double, unit) turns every overflow into 2^63 steps.
          if (t.value() >= (uint64_t{1} << 63)) broken("to_time gave a time of 2^63 resolution steps or more");
          (void)detail::ParamTraits<sc_core::sc_time>::show(t);
          break;
        }
        case 6:
          if (!(config_parse::to_frequency_hz(e) > 0)) broken("to_frequency_hz gave a frequency of 0 Hz or below");
          break;
        case 7: {
          // Hz-named keys reject 0 and below through to_double.
          ConfigEntry hz = e;
          hz.key += ".clock_hz";
          if (!(config_parse::to_double(hz) > 0)) broken("a *hz key took a frequency of 0 Hz or below");
          break;
        }
      }
    } catch (const ConfigError&) {
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  setenv("SC_COPYRIGHT_MESSAGE", "DISABLE", 1);
  char tmpl[] = "/tmp/minipc-config-fuzz-XXXXXX";
  if (!mkdtemp(tmpl)) broken("mkdtemp");
  g_dir = tmpl;
  const char base[] = "platform:\n  type: pc\n  ram: 64M\ncpu0:\n  type: ia32\n  clock_hz: 100MHz\n";
  const char inc[] = "uart0:\n  console: false\n  baud: 115200\n";
  const char cycle[] = "include: main.yaml\nuart0: {baud: 9600}\n";
  const char self[] = "include: [inc.yaml, self.yaml]\n";
  write_text(g_dir + "/base.yaml", base, sizeof base - 1);
  write_text(g_dir + "/inc.yaml", inc, sizeof inc - 1);
  write_text(g_dir + "/cycle.yaml", cycle, sizeof cycle - 1);
  write_text(g_dir + "/self.yaml", self, sizeof self - 1);
  // The folder goes when the process ends normally (a crash leaves it in /tmp).
  std::atexit([] {
    for (const char* f : {"base.yaml", "inc.yaml", "cycle.yaml", "self.yaml", "main.yaml"})
      unlink((g_dir + "/" + f).c_str());
    rmdir(g_dir.c_str());
  });
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace minipc;
  const char* text = reinterpret_cast<const char*>(data);
  const void* nul = std::memchr(data, 0, size);
  const size_t yaml_size = nul ? static_cast<size_t>(static_cast<const uint8_t*>(nul) - data) : size;
  const std::string yaml(text, yaml_size);
  if (!includes_stay_home(yaml)) return -1;  // -1: not added to the corpus
  const std::string main_path = g_dir + "/main.yaml";
  write_text(main_path, text, yaml_size);

  ConfigStore& store = ConfigStore::instance();
  store.clear();
  try {
    load_config_file(main_path, g_dir + "/base.yaml");
  } catch (const ConfigError&) {
  }
  // --set lines, applied over whatever the file set.
  if (nul) {
    size_t at = yaml_size + 1;
    while (at <= size) {
      const void* nl = std::memchr(data + at, '\n', size - at);
      const size_t end = nl ? static_cast<size_t>(static_cast<const uint8_t*>(nl) - data) : size;
      try {
        apply_override(std::string(text + at, end - at));
      } catch (const ConfigError&) {
      }
      at = end + 1;
    }
  }
  // At most kMaxParsed values: an input of aliases of aliases can set
  // thousands before the loader stops it, and each parse may throw.
  size_t parsed = 0;
  for (const ConfigEntry& e : store.unused())
    if (parsed++ < kMaxParsed) parse_value(e);
  try {
    store.check_all_used();
  } catch (const ConfigError&) {
  }
  store.clear();
  return 0;
}
