// One formatter, two sinks: the console (printf) and a bounded buffer
// (snprintf). The formatter counts every character it produces; a sink may
// drop characters (a full buffer) without changing the count.
#include "lib/printf.h"

#include <stdint.h>

#include "lib/console.h"

struct sink {
  void (*put)(struct sink* sink, char c);
  char* buf;       // buffer sink only
  size_t size;     // buffer sink only: capacity including the NUL
  size_t count;    // characters produced so far
};

static void emit(struct sink* sink, char c) {
  sink->put(sink, c);
  sink->count++;
}

static void emit_padding(struct sink* sink, char pad, int n) {
  while (n-- > 0)
    emit(sink, pad);
}

// Places `body` (len chars, with an optional sign/prefix `prefix`) in a field
// of `width`: padded on the right with '-', with zeros after the prefix with
// '0', else with spaces on the left.
static void emit_field(struct sink* sink, const char* prefix, const char* body, int len, int width,
                       int left, int zero) {
  int prefix_len = 0;
  while (prefix[prefix_len])
    prefix_len++;
  int pad = width - prefix_len - len;

  if (!left && !zero)
    emit_padding(sink, ' ', pad);
  for (int i = 0; i < prefix_len; i++)
    emit(sink, prefix[i]);
  if (!left && zero)
    emit_padding(sink, '0', pad);
  for (int i = 0; i < len; i++)
    emit(sink, body[i]);
  if (left)
    emit_padding(sink, ' ', pad);
}

// Digits of `value` in `base`, most significant first, into the end of
// `digits` (24 bytes hold any 64-bit number in base 8 or more); returns the
// index of the first digit.
static int format_unsigned(char digits[24], uint64_t value, unsigned base, int upper) {
  const char* alphabet = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  int i = 24;
  do {
    digits[--i] = alphabet[value % base];
    value /= base;
  } while (value);
  return i;
}

enum length { LEN_INT, LEN_CHAR, LEN_SHORT, LEN_LONG, LEN_LONG_LONG, LEN_SIZE };

static int format(struct sink* sink, const char* fmt, va_list ap) {
  for (; *fmt; fmt++) {
    if (*fmt != '%') {
      emit(sink, *fmt);
      continue;
    }
    fmt++;

    int left = 0, zero = 0, width = 0;
    for (;; fmt++) {
      if (*fmt == '-')
        left = 1;
      else if (*fmt == '0')
        zero = 1;
      else
        break;
    }
    if (*fmt == '*') {
      width = va_arg(ap, int);
      if (width < 0) {
        left = 1;
        width = -width;
      }
      fmt++;
    }
    while (*fmt >= '0' && *fmt <= '9')
      width = width * 10 + (*fmt++ - '0');

    enum length length = LEN_INT;
    if (*fmt == 'h') {
      fmt++;
      length = LEN_SHORT;
      if (*fmt == 'h') {
        fmt++;
        length = LEN_CHAR;
      }
    } else if (*fmt == 'l') {
      fmt++;
      length = LEN_LONG;
      if (*fmt == 'l') {
        fmt++;
        length = LEN_LONG_LONG;
      }
    } else if (*fmt == 'z') {
      fmt++;
      length = LEN_SIZE;
    }

    char digits[24];
    int first;
    switch (*fmt) {
      case 'd':
      case 'i': {
        int64_t value;
        switch (length) {
          case LEN_LONG_LONG: value = va_arg(ap, long long); break;
          case LEN_LONG: value = va_arg(ap, long); break;
          case LEN_SIZE: value = (int64_t)va_arg(ap, size_t); break;
          case LEN_SHORT: value = (short)va_arg(ap, int); break;
          case LEN_CHAR: value = (signed char)va_arg(ap, int); break;
          default: value = va_arg(ap, int); break;
        }
        // Negate in unsigned arithmetic so INT64_MIN is printed right.
        uint64_t magnitude = value < 0 ? 0 - (uint64_t)value : (uint64_t)value;
        first = format_unsigned(digits, magnitude, 10, 0);
        emit_field(sink, value < 0 ? "-" : "", digits + first, 24 - first, width, left, zero);
        break;
      }
      case 'u':
      case 'x':
      case 'X': {
        uint64_t value;
        switch (length) {
          case LEN_LONG_LONG: value = va_arg(ap, unsigned long long); break;
          case LEN_LONG: value = va_arg(ap, unsigned long); break;
          case LEN_SIZE: value = va_arg(ap, size_t); break;
          case LEN_SHORT: value = (unsigned short)va_arg(ap, unsigned); break;
          case LEN_CHAR: value = (unsigned char)va_arg(ap, unsigned); break;
          default: value = va_arg(ap, unsigned); break;
        }
        first = format_unsigned(digits, value, *fmt == 'u' ? 10 : 16, *fmt == 'X');
        emit_field(sink, "", digits + first, 24 - first, width, left, zero);
        break;
      }
      case 'p': {
        // Always 0x and all eight digits: addresses line up in logs.
        uintptr_t value = (uintptr_t)va_arg(ap, void*);
        first = format_unsigned(digits, value, 16, 0);
        while (first > 24 - 2 * (int)sizeof(uintptr_t))
          digits[--first] = '0';
        emit_field(sink, "0x", digits + first, 24 - first, width, left, 0);
        break;
      }
      case 's': {
        const char* s = va_arg(ap, const char*);
        if (!s)
          s = "(null)";
        int len = 0;
        while (s[len])
          len++;
        emit_field(sink, "", s, len, width, left, 0);
        break;
      }
      case 'c': {
        char c = (char)va_arg(ap, int);
        emit_field(sink, "", &c, 1, width, left, 0);
        break;
      }
      case '%':
        emit(sink, '%');
        break;
      case '\0':
        // A lone '%' at the end: print it and stop.
        emit(sink, '%');
        return (int)sink->count;
      default:
        // Unknown conversion: show it as written, so the mistake is visible.
        emit(sink, '%');
        emit(sink, *fmt);
        break;
    }
  }
  return (int)sink->count;
}

static void put_console(struct sink* sink, char c) {
  (void)sink;
  putchar((unsigned char)c);
}

static void put_buffer(struct sink* sink, char c) {
  // Keep the last byte for the terminating NUL.
  if (sink->count + 1 < sink->size)
    sink->buf[sink->count] = c;
}

int vprintf(const char* fmt, va_list ap) {
  struct sink sink = {put_console, 0, 0, 0};
  return format(&sink, fmt, ap);
}

int printf(const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vprintf(fmt, ap);
  va_end(ap);
  return n;
}

int vsnprintf(char* buf, size_t size, const char* fmt, va_list ap) {
  struct sink sink = {put_buffer, buf, size, 0};
  int n = format(&sink, fmt, ap);
  if (size > 0)
    buf[sink.count < size ? sink.count : size - 1] = '\0';
  return n;
}

int snprintf(char* buf, size_t size, const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(buf, size, fmt, ap);
  va_end(ap);
  return n;
}
