// The test image's contents, a formula shared with tools/mkdiskimage:
// dword i of the image (byte offset 4*i, little endian) is
//   pattern_word(i) = mix(i ^ 0xA5A5A5A5)
// with mix the "lowbias32" integer hash. Sector n holds dwords 128n..128n+127,
// so a sector read from the wrong LBA, a shifted word or a stale buffer all
// show. The disk scenario checks what it reads against this formula (the
// expected data is computed here, not passed in); mkdiskimage --check checks
// a file against it on the host.
#ifndef MINIPC_FW_APPS_DISK_PATTERN_H
#define MINIPC_FW_APPS_DISK_PATTERN_H

#include <stdint.h>

#define DISK_IMAGE_SECTORS 4096u  // tools/mkdiskimage's default (2 MiB)

static inline uint32_t pattern_word(uint32_t i) {
  uint32_t x = i ^ 0xA5A5A5A5u;
  x ^= x >> 16;
  x *= 0x7FEB352Du;
  x ^= x >> 15;
  x *= 0x846CA68Bu;
  x ^= x >> 16;
  return x;
}

// Fills `count` sectors from `lba` with the pattern, each dword XORed with `salt`
// (0: the image's own contents; anything else: data the scenarios write).
static inline void pattern_fill(void* buf, uint32_t lba, uint32_t count, uint32_t salt) {
  uint32_t* w = (uint32_t*)buf;
  for (uint32_t k = 0; k < count * 128u; k++)
    w[k] = pattern_word(lba * 128u + k) ^ salt;
}

// Number of dwords that differ from the pattern (0 = the sectors are right).
static inline uint32_t pattern_mismatches(const void* buf, uint32_t lba, uint32_t count, uint32_t salt) {
  const uint32_t* w = (const uint32_t*)buf;
  uint32_t bad = 0;
  for (uint32_t k = 0; k < count * 128u; k++)
    bad += w[k] != (pattern_word(lba * 128u + k) ^ salt);
  return bad;
}

#endif  // MINIPC_FW_APPS_DISK_PATTERN_H
