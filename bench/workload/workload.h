// The CPU workload's computation, in portable C (no runtime library): the
// firmware runs it, and the same header compiled for the host gives the
// expected results (see main.c). One round = checksums over a generated
// buffer, a sort, a small matrix product, string handling and 64-bit
// division, all folded into a few 32-bit result words.
#ifndef MINIPC_BENCH_WORKLOAD_H
#define MINIPC_BENCH_WORKLOAD_H

#include <stdint.h>

#define WL_BUF 2048
#define WL_SORT 256
#define WL_MAT 12
#define WL_STR 64

struct wl_result {
  uint32_t crc;       // CRC-32 of the buffer
  uint32_t adler;     // Adler-32 of the buffer
  uint32_t fnv;       // FNV-1a of the buffer
  uint32_t sort;      // order check and permutation hash of the sorted keys
  uint32_t matrix;    // hash of C = A x B
  uint32_t strings;   // hash of the string pass
  uint32_t div64;     // hash of 64-bit quotients and remainders
};

static uint32_t wl_crc_table[256];

static void wl_init(void) {
  for (uint32_t n = 0; n < 256; n++) {
    uint32_t c = n;
    for (int k = 0; k < 8; k++) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    wl_crc_table[n] = c;
  }
}

static uint32_t wl_rand(uint32_t* s) {  // xorshift32
  uint32_t x = *s;
  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  return *s = x;
}

static uint32_t wl_mix(uint32_t h, uint32_t v) { return (h ^ v) * 0x01000193u + (h >> 7); }

static void wl_sort(uint32_t* a, int lo, int hi) {  // quicksort, insertion sort below 12
  while (hi - lo > 12) {
    const uint32_t p = a[lo + (hi - lo) / 2];
    int i = lo, j = hi;
    while (i <= j) {
      while (a[i] < p) i++;
      while (a[j] > p) j--;
      if (i <= j) {
        const uint32_t t = a[i];
        a[i++] = a[j];
        a[j--] = t;
      }
    }
    if (j - lo < hi - i) {
      wl_sort(a, lo, j);
      lo = i;
    } else {
      wl_sort(a, i, hi);
      hi = j;
    }
  }
  for (int i = lo + 1; i <= hi; i++) {
    const uint32_t v = a[i];
    int j = i - 1;
    for (; j >= lo && a[j] > v; j--) a[j + 1] = a[j];
    a[j + 1] = v;
  }
}

static int wl_strlen(const char* s) {
  int n = 0;
  while (s[n]) n++;
  return n;
}

static int wl_find(const char* hay, const char* needle) {  // naive search
  const int n = wl_strlen(hay), m = wl_strlen(needle);
  for (int i = 0; i + m <= n; i++) {
    int j = 0;
    while (j < m && hay[i + j] == needle[j]) j++;
    if (j == m) return i;
  }
  return -1;
}

static int wl_utoa(uint32_t v, char* out) {  // decimal, returns length
  char tmp[12];
  int n = 0;
  do {
    tmp[n++] = (char)('0' + v % 10);
    v /= 10;
  } while (v);
  for (int i = 0; i < n; i++) out[i] = tmp[n - 1 - i];
  out[n] = 0;
  return n;
}

static void wl_round(uint32_t seed, struct wl_result* r) {
  static uint8_t buf[WL_BUF];
  static uint32_t keys[WL_SORT];
  static int32_t A[WL_MAT][WL_MAT], B[WL_MAT][WL_MAT], C[WL_MAT][WL_MAT];
  static char s1[WL_STR * 2], s2[WL_STR * 2];
  uint32_t st = seed | 1;

  // Checksums.
  for (int i = 0; i < WL_BUF; i++) buf[i] = (uint8_t)(wl_rand(&st) >> 24);
  uint32_t c = 0xFFFFFFFFu, a = 1, b = 0, f = 0x811C9DC5u;
  for (int i = 0; i < WL_BUF; i++) {
    c = wl_crc_table[(c ^ buf[i]) & 0xFF] ^ (c >> 8);
    a = (a + buf[i]) % 65521u;
    b = (b + a) % 65521u;
    f = (f ^ buf[i]) * 0x01000193u;
  }
  r->crc = c ^ 0xFFFFFFFFu;
  r->adler = (b << 16) | a;
  r->fnv = f;

  // Sort.
  uint32_t before = 0;
  for (int i = 0; i < WL_SORT; i++) {
    keys[i] = wl_rand(&st) % 100000u;
    before += keys[i] * 2654435761u;
  }
  wl_sort(keys, 0, WL_SORT - 1);
  uint32_t after = 0, ordered = 1;
  for (int i = 0; i < WL_SORT; i++) {
    after += keys[i] * 2654435761u;
    if (i && keys[i - 1] > keys[i]) ordered = 0;
  }
  r->sort = wl_mix(wl_mix(after, keys[0]), keys[WL_SORT - 1]) ^ (ordered && after == before ? 0 : 0xBAD);

  // Matrix product.
  for (int i = 0; i < WL_MAT; i++)
    for (int j = 0; j < WL_MAT; j++) {
      A[i][j] = (int32_t)(wl_rand(&st) % 201u) - 100;
      B[i][j] = (int32_t)(wl_rand(&st) % 201u) - 100;
    }
  uint32_t h = 0;
  for (int i = 0; i < WL_MAT; i++)
    for (int j = 0; j < WL_MAT; j++) {
      int32_t sum = 0;
      for (int k = 0; k < WL_MAT; k++) sum += A[i][k] * B[k][j];
      C[i][j] = sum;
      h = wl_mix(h, (uint32_t)sum);
    }
  r->matrix = h;

  // Strings: build "<n>-<n>-...", reverse it, search, compare.
  int len = 0;
  while (len < WL_STR) {
    len += wl_utoa(wl_rand(&st) % 1000u, s1 + len);
    s1[len++] = '-';
  }
  s1[len] = 0;
  for (int i = 0; i < len; i++) s2[i] = s1[len - 1 - i];
  s2[len] = 0;
  char needle[4] = {s1[3], s1[4], s1[5], 0};
  uint32_t sh = (uint32_t)wl_strlen(s1);
  sh = wl_mix(sh, (uint32_t)wl_find(s1, needle));
  sh = wl_mix(sh, (uint32_t)wl_find(s2, "-"));
  for (int i = 0; i < len; i++) sh = wl_mix(sh, (uint8_t)s2[i]);
  r->strings = sh;

  // 64-bit division (__udivdi3/__umoddi3 and the signed ones).
  uint32_t dh = 0;
  for (int i = 0; i < 32; i++) {
    const uint64_t n = ((uint64_t)wl_rand(&st) << 32) | wl_rand(&st);
    const uint64_t d = (wl_rand(&st) >> (i % 24)) | 1;
    const int64_t sn = (int64_t)(n ^ ((uint64_t)i << 60));
    const int64_t sd = (i & 1) ? -(int64_t)d : (int64_t)d;
    dh = wl_mix(dh, (uint32_t)(n / d));
    dh = wl_mix(dh, (uint32_t)(n % d));
    dh = wl_mix(dh, (uint32_t)((uint64_t)(sn / sd) >> 16));
    dh = wl_mix(dh, (uint32_t)(sn % sd));
  }
  r->div64 = dh;
  (void)C;
}

#endif  // MINIPC_BENCH_WORKLOAD_H
