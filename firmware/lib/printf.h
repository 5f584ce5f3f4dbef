// A small printf family for the console and for formatting into buffers.
//
// Conversions: %d %i %u %x %X %p %s %c %%; flags '-' and '0'; a field width
// (digits or '*'); length modifiers hh, h, l, ll, z (64-bit included).
// No floating point, no precision. snprintf/vsnprintf always NUL-terminate
// (when size > 0) and return the length the full output would have had.
#ifndef MINIPC_FW_LIB_PRINTF_H
#define MINIPC_FW_LIB_PRINTF_H

#include <stdarg.h>
#include <stddef.h>

int printf(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
int vprintf(const char* fmt, va_list ap) __attribute__((format(printf, 1, 0)));
int snprintf(char* buf, size_t size, const char* fmt, ...) __attribute__((format(printf, 3, 4)));
int vsnprintf(char* buf, size_t size, const char* fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

#endif  // MINIPC_FW_LIB_PRINTF_H
