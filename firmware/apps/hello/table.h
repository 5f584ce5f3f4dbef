// The data hello checks, shared with the host test that pins its constants
// (testbench/unit/loader_test.cpp): both sides generate the same table, so
// the expected values below are verified on the host as well as on target.
//
// Plain C99 that also compiles as C++.
#ifndef MINIPC_FW_APPS_HELLO_TABLE_H
#define MINIPC_FW_APPS_HELLO_TABLE_H

#include <stdint.h>

#define HELLO_TABLE_SIZE 1024
#define HELLO_LCG_SEED 0x6D696E69u  // "mini"

// CRC-32 (IEEE 802.3, reflected, as zlib's crc32()) of the table.
#define HELLO_EXPECTED_CRC32 0x54BC875Du
// hello_sum64() of the table.
#define HELLO_EXPECTED_SUM64 6789170814472722500ull

// Numerical Recipes' LCG. Its low bits are weak, so callers take high ones.
static inline uint32_t hello_lcg_next(uint32_t* state) {
  *state = *state * 1664525u + 1013904223u;
  return *state;
}

static inline void hello_fill_table(uint8_t table[HELLO_TABLE_SIZE]) {
  uint32_t state = HELLO_LCG_SEED;
  for (int i = 0; i < HELLO_TABLE_SIZE; i++)
    table[i] = (uint8_t)(hello_lcg_next(&state) >> 24);
}

// Reads the table as little-endian 64-bit words and sums quotients and
// remainders by small odd divisors: on IA-32 this is __udivdi3/__umoddi3
// from libgcc or compiler-rt, checked against the host's native division.
static inline uint64_t hello_sum64(const uint8_t table[HELLO_TABLE_SIZE]) {
  uint64_t sum = 0;
  for (int i = 0; i < HELLO_TABLE_SIZE / 8; i++) {
    uint64_t word = 0;
    for (int b = 7; b >= 0; b--)
      word = (word << 8) | table[8 * i + b];
    uint64_t divisor = 2 * (uint64_t)i + 3;
    sum += word / divisor + word % 1000003u;
  }
  return sum;
}

#endif  // MINIPC_FW_APPS_HELLO_TABLE_H
