// Typed model parameters bound to the configuration.
//
// A model declares its parameters as members:
//     Param<uint64_t> clock_hz{this, "clock_hz", 100'000'000, "core clock"};
// The key is the owner's hierarchical name plus the parameter name
// ("cpu0.clock_hz"). Values come from the ConfigStore (YAML files and --set);
// a parameter that is not configured keeps its default. After the platform is
// built, any config key that no parameter took is an error naming the key and
// where it was set: a typo never passes silently.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <systemc>

namespace minipc {

// A configuration problem; the message names the key and its source.
class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct ConfigEntry {
  std::string key;     // "uart0.tx_file"
  std::string value;   // textual value as written
  std::string source;  // "platform/configs/default.yaml:12" or "--set"
};

// Description of one declared parameter (for `minipc params` and docs).
struct ParamInfo {
  std::string key;
  std::string type;
  std::string default_value;
  std::string value;
  std::string description;
};

class ConfigStore {
 public:
  static ConfigStore& instance();

  // Sets (or overrides) a value. Later sets win, so --set beats the file.
  void set(const std::string& key, const std::string& value, const std::string& source);
  // The entry for key, marking it as used. nullopt when not configured.
  std::optional<ConfigEntry> take(const std::string& key);
  // Looks without marking used.
  std::optional<ConfigEntry> peek(const std::string& key) const;
  // Marks a key as used (for keys the platform itself consumes).
  void mark_used(const std::string& key);
  // Whether any key "<section>.*" was taken.
  bool any_used(const std::string& section) const;
  // Entries no parameter took, in key order.
  std::vector<ConfigEntry> unused() const;
  // Throws ConfigError naming the first unused key (and how many more).
  void check_all_used() const;
  // The top-level sections ("platform", "cpu0", "uart0"), in the order they
  // were first set: the order of the blocks in the config.
  const std::vector<std::string>& sections() const { return sections_; }

  void register_param(ParamInfo info);
  const std::vector<ParamInfo>& params() const { return params_; }

  void clear();

 private:
  struct Slot {
    ConfigEntry entry;
    bool used = false;
  };
  std::map<std::string, Slot> entries_;
  std::vector<std::string> sections_;
  std::vector<ParamInfo> params_;
};

// Conversions from config text; throw ConfigError on bad text.
// Integers accept decimal, 0x hex, 0b binary, '_' separators, and the size
// suffixes K, M, G (powers of 1024). Times accept "10ns", "1 us", "2.5ms", "1s".
// Frequencies accept "100MHz", "1.193182MHz", "32768Hz" or a plain number.
namespace config_parse {
uint64_t to_u64(const ConfigEntry& e);
int64_t to_i64(const ConfigEntry& e);
double to_double(const ConfigEntry& e);
bool to_bool(const ConfigEntry& e);
sc_core::sc_time to_time(const ConfigEntry& e);
double to_frequency_hz(const ConfigEntry& e);
}  // namespace config_parse

namespace detail {
template <typename T> struct ParamTraits;
template <> struct ParamTraits<uint64_t> {
  static constexpr const char* name = "uint";
  static uint64_t parse(const ConfigEntry& e) { return config_parse::to_u64(e); }
  static std::string show(uint64_t v) { return std::to_string(v); }
};
template <> struct ParamTraits<uint32_t> {
  static constexpr const char* name = "uint32";
  static uint32_t parse(const ConfigEntry& e);
  static std::string show(uint32_t v) { return std::to_string(v); }
};
template <> struct ParamTraits<int64_t> {
  static constexpr const char* name = "int";
  static int64_t parse(const ConfigEntry& e) { return config_parse::to_i64(e); }
  static std::string show(int64_t v) { return std::to_string(v); }
};
template <> struct ParamTraits<double> {
  static constexpr const char* name = "real";
  static double parse(const ConfigEntry& e) { return config_parse::to_double(e); }
  static std::string show(double v);
};
template <> struct ParamTraits<bool> {
  static constexpr const char* name = "bool";
  static bool parse(const ConfigEntry& e) { return config_parse::to_bool(e); }
  static std::string show(bool v) { return v ? "true" : "false"; }
};
template <> struct ParamTraits<std::string> {
  static constexpr const char* name = "string";
  static std::string parse(const ConfigEntry& e) { return e.value; }
  static std::string show(const std::string& v) { return v; }
};
template <> struct ParamTraits<sc_core::sc_time> {
  static constexpr const char* name = "time";
  static sc_core::sc_time parse(const ConfigEntry& e) { return config_parse::to_time(e); }
  static std::string show(const sc_core::sc_time& v) { return v.to_string(); }
};
}  // namespace detail

template <typename T>
class Param {
 public:
  Param(const sc_core::sc_object* owner, const std::string& name, T default_value,
        const std::string& description = "")
      : Param(std::string(owner->name()) + "." + name, std::move(default_value), description) {}

  Param(std::string key, T default_value, const std::string& description = "")
      : key_(std::move(key)), value_(std::move(default_value)) {
    const std::string shown_default = detail::ParamTraits<T>::show(value_);
    if (auto e = ConfigStore::instance().take(key_)) value_ = detail::ParamTraits<T>::parse(*e);
    ConfigStore::instance().register_param(
        {key_, detail::ParamTraits<T>::name, shown_default, detail::ParamTraits<T>::show(value_), description});
  }

  const T& get() const { return value_; }
  operator const T&() const { return value_; }
  const std::string& key() const { return key_; }

 private:
  std::string key_;
  T value_;
};

}  // namespace minipc
