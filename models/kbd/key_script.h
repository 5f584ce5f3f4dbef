// Scripted keystrokes for the keyboard behind the 8042, and their scan codes.
//
// A script is a list of items "TIME:KEY" (a tap: make, then break),
// "TIME:press:KEY" (make only) or "TIME:release:KEY" (break only). TIME is a
// simulated time with a unit ("10ms", "1.5s"). KEY is a name (case-insensitive):
// a-z, 0-9, space, enter, backspace, escape (esc), tab, lshift, rshift, lctrl,
// rctrl, lalt, ralt, capslock, up, down, left, right, home, end, pgup, pgdn,
// insert, delete, f1-f12, minus, equal, lbracket, rbracket, semicolon, quote,
// backquote, backslash, comma, period, slash. A single uppercase letter in a
// tap ("B") is typed with shift: lshift make, B make, B break, lshift break.
//
// The scan codes are IBM scan code set 1 (what the PC's 8042 delivers with
// translation on): break = make | 0x80; the extended keys (arrows, the
// editing block, right ctrl/alt) are prefixed with 0xE0 in make and break.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <systemc>

namespace minipc {

struct ScriptedKey {
  sc_core::sc_time at;
  std::vector<uint8_t> bytes;  // scan codes, in order
  std::string item;            // the item as written, for messages
};

// A key's set-1 make code; extended keys have the 0xE0 prefix.
struct ScanCode {
  uint8_t make;
  bool extended;
};
std::optional<ScanCode> scan_code(const std::string& name);

// Parses a script. Items are separated by white space; in file mode (a
// non-empty `file`) '#' starts a comment that runs to the end of the line.
// Throws ConfigError naming `key`, the item's position ("item 3", or
// "file:line" in file mode) and the item. The result is sorted by time
// (items with the same time keep their order).
std::vector<ScriptedKey> parse_key_script(const std::string& text, const std::string& key,
                                          const std::string& file = "");

}  // namespace minipc
