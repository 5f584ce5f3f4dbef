// Byte-at-a-time on purpose: short, obviously right, and the compiler may
// not turn these loops back into calls to themselves (-ffreestanding
// -fno-builtin keep it from recognising the idioms).
#include "lib/string.h"

void* memcpy(void* dst, const void* src, size_t n) {
  unsigned char* d = dst;
  const unsigned char* s = src;
  while (n--)
    *d++ = *s++;
  return dst;
}

void* memmove(void* dst, const void* src, size_t n) {
  unsigned char* d = dst;
  const unsigned char* s = src;
  if (d < s) {
    while (n--)
      *d++ = *s++;
  } else if (d > s) {
    // Overlap with the destination above the source: copy from the end.
    d += n;
    s += n;
    while (n--)
      *--d = *--s;
  }
  return dst;
}

void* memset(void* dst, int c, size_t n) {
  unsigned char* d = dst;
  while (n--)
    *d++ = (unsigned char)c;
  return dst;
}

int memcmp(const void* a, const void* b, size_t n) {
  const unsigned char* p = a;
  const unsigned char* q = b;
  for (; n; n--, p++, q++) {
    if (*p != *q)
      return *p - *q;
  }
  return 0;
}

size_t strlen(const char* s) {
  size_t n = 0;
  while (s[n])
    n++;
  return n;
}

int strcmp(const char* a, const char* b) {
  while (*a && *a == *b) {
    a++;
    b++;
  }
  return (unsigned char)*a - (unsigned char)*b;
}

int strncmp(const char* a, const char* b, size_t n) {
  for (; n; n--, a++, b++) {
    if (*a != *b || !*a)
      return (unsigned char)*a - (unsigned char)*b;
  }
  return 0;
}

char* strcpy(char* dst, const char* src) {
  char* d = dst;
  while ((*d++ = *src++))
    ;
  return dst;
}
