#include "lib/cmdline.h"

const struct multiboot_info* multiboot_info_ptr;

const char* cmdline(void) {
  const struct multiboot_info* mbi = multiboot_info_ptr;
  if (!mbi || !(mbi->flags & MULTIBOOT_INFO_CMDLINE) || !mbi->cmdline) return "";
  return (const char*)(uintptr_t)mbi->cmdline;
}

// The value of key (pointer into the command line, ends at ' ' or NUL), or 0.
static const char* find(const char* key) {
  const char* p = cmdline();
  while (*p) {
    while (*p == ' ') p++;
    const char* k = key;
    const char* w = p;
    while (*k && *w == *k) {
      k++;
      w++;
    }
    if (!*k && (*w == '=' || *w == ' ' || *w == 0)) return *w == '=' ? w + 1 : "1";
    while (*p && *p != ' ') p++;
  }
  return 0;
}

const char* cmdline_str(const char* key, const char* def, char* buf, uint32_t size) {
  const char* v = find(key);
  if (!v) return def;
  uint32_t n = 0;
  while (v[n] && v[n] != ' ' && n + 1 < size) {
    buf[n] = v[n];
    n++;
  }
  if (size) buf[n] = 0;
  return buf;
}

uint32_t cmdline_uint(const char* key, uint32_t def) {
  const char* v = find(key);
  if (!v) return def;
  uint32_t base = 10, x = 0;
  if (v[0] == '0' && (v[1] == 'x' || v[1] == 'X')) {
    base = 16;
    v += 2;
  }
  for (; *v && *v != ' '; v++) {
    uint32_t d;
    if (*v >= '0' && *v <= '9')
      d = (uint32_t)(*v - '0');
    else if (base == 16 && *v >= 'a' && *v <= 'f')
      d = (uint32_t)(*v - 'a' + 10);
    else if (base == 16 && *v >= 'A' && *v <= 'F')
      d = (uint32_t)(*v - 'A' + 10);
    else
      return def;
    x = x * base + d;
  }
  return x;
}

int cmdline_is(const char* key, const char* s) {
  const char* v = find(key);
  if (!v) return 0;
  while (*s && *v == *s) {
    v++;
    s++;
  }
  return !*s && (*v == 0 || *v == ' ');
}
