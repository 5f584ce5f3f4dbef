#include "kbd/key_script.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <sstream>

#include "core/params.h"

namespace minipc {

namespace {
std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

const std::map<std::string, ScanCode>& key_table() {
  static const std::map<std::string, ScanCode> table = [] {
    std::map<std::string, ScanCode> t;
    const auto plain = [&](const std::string& n, uint8_t code) { t[n] = {code, false}; };
    const auto ext = [&](const std::string& n, uint8_t code) { t[n] = {code, true}; };
    // Set 1, row by row as on the AT keyboard.
    plain("escape", 0x01), plain("esc", 0x01);
    const char* digits = "1234567890";
    for (int i = 0; i < 10; ++i) plain(std::string(1, digits[i]), static_cast<uint8_t>(0x02 + i));
    plain("minus", 0x0C), plain("equal", 0x0D), plain("backspace", 0x0E), plain("tab", 0x0F);
    const char* row1 = "qwertyuiop";
    for (int i = 0; i < 10; ++i) plain(std::string(1, row1[i]), static_cast<uint8_t>(0x10 + i));
    plain("lbracket", 0x1A), plain("rbracket", 0x1B), plain("enter", 0x1C), plain("lctrl", 0x1D);
    const char* row2 = "asdfghjkl";
    for (int i = 0; i < 9; ++i) plain(std::string(1, row2[i]), static_cast<uint8_t>(0x1E + i));
    plain("semicolon", 0x27), plain("quote", 0x28), plain("backquote", 0x29), plain("lshift", 0x2A);
    plain("backslash", 0x2B);
    const char* row3 = "zxcvbnm";
    for (int i = 0; i < 7; ++i) plain(std::string(1, row3[i]), static_cast<uint8_t>(0x2C + i));
    plain("comma", 0x33), plain("period", 0x34), plain("slash", 0x35), plain("rshift", 0x36);
    plain("lalt", 0x38), plain("space", 0x39), plain("capslock", 0x3A);
    for (int i = 0; i < 10; ++i) plain("f" + std::to_string(i + 1), static_cast<uint8_t>(0x3B + i));
    plain("f11", 0x57), plain("f12", 0x58);
    ext("rctrl", 0x1D), ext("ralt", 0x38), ext("home", 0x47), ext("up", 0x48), ext("pgup", 0x49);
    ext("left", 0x4B), ext("right", 0x4D), ext("end", 0x4F), ext("down", 0x50), ext("pgdn", 0x51);
    ext("insert", 0x52), ext("delete", 0x53);
    return t;
  }();
  return table;
}

void append(std::vector<uint8_t>& out, ScanCode c, bool release) {
  if (c.extended) out.push_back(0xE0);
  out.push_back(static_cast<uint8_t>(release ? (c.make | 0x80) : c.make));
}
}  // namespace

std::optional<ScanCode> scan_code(const std::string& name) {
  const auto& t = key_table();
  auto it = t.find(lower(name));
  if (it == t.end()) return std::nullopt;
  return it->second;
}

std::vector<ScriptedKey> parse_key_script(const std::string& text, const std::string& key,
                                          const std::string& file) {
  std::vector<ScriptedKey> out;
  const auto parse_item = [&](const std::string& item, const std::string& position) {
    const auto fail = [&](const std::string& why) {
      throw ConfigError(key + ": " + position + " '" + item + "': " + why);
    };
    const size_t colon = item.find(':');
    if (colon == std::string::npos || colon == 0) fail("expected TIME:KEY, TIME:press:KEY or TIME:release:KEY");
    ScriptedKey k;
    k.item = item;
    try {
      k.at = config_parse::to_time({key, item.substr(0, colon), position});
    } catch (const ConfigError&) {
      fail("bad time '" + item.substr(0, colon) + "' (a time with a unit, e.g. 10ms)");
    }
    std::string name = item.substr(colon + 1);
    enum { tap, press, release } action = tap;
    const size_t second = name.find(':');
    if (second != std::string::npos) {
      const std::string verb = lower(name.substr(0, second));
      if (verb == "press") action = press;
      else if (verb == "release") action = release;
      else fail("unknown action '" + name.substr(0, second) + "' (press or release)");
      name = name.substr(second + 1);
    }
    if (name.empty()) fail("no key name");
    const auto code = scan_code(name);
    if (!code) fail("unknown key name '" + name + "'");
    const bool shifted = action == tap && name.size() == 1 && std::isupper(static_cast<unsigned char>(name[0]));
    const ScanCode shift = *scan_code("lshift");
    if (shifted) append(k.bytes, shift, false);
    if (action != release) append(k.bytes, *code, false);
    if (action != press) append(k.bytes, *code, true);
    if (shifted) append(k.bytes, shift, true);
    out.push_back(std::move(k));
  };

  std::istringstream lines(text);
  std::string line;
  unsigned line_no = 0, item_no = 0;
  while (std::getline(lines, line)) {
    ++line_no;
    if (!file.empty()) line = line.substr(0, line.find('#'));
    std::istringstream items(line);
    std::string item;
    while (items >> item) {
      ++item_no;
      parse_item(item, file.empty() ? "item " + std::to_string(item_no)
                                    : file + ":" + std::to_string(line_no) + " item");
    }
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const ScriptedKey& a, const ScriptedKey& b) { return a.at < b.at; });
  return out;
}

}  // namespace minipc
