// hello: the smallest self-checking scenario.
//
// Prints a banner, checks the Multiboot hand-over, then exercises the parts
// of the toolchain and runtime everything else relies on: a CRC-32 over a
// generated table (loops, table lookups), 64-bit division (the compiler's
// runtime library), a sort with a switch (jump tables), and the printf
// formatter. Ends with "hello: PASS" and exit status 0, or "hello: FAIL"
// and 1. The output is the same on minipc and on qemu-system-i386, and the
// same for both compilers apart from the "compiler:" line.
#include <stdint.h>

#include "apps/hello/table.h"
#include "lib/console.h"
#include "lib/crc32.h"
#include "lib/multiboot.h"
#include "lib/printf.h"
#include "lib/string.h"

#if defined(__clang__)
#define COMPILER_NAME "clang"
#elif defined(__GNUC__)
#define COMPILER_NAME "gcc"
#else
#define COMPILER_NAME "unknown"
#endif

#define SORT_COUNT 32

static uint8_t table[HELLO_TABLE_SIZE];
// A sort key with some shape to it: enough distinct cases that compilers
// build a jump table (or a lookup table) for the switch.
static uint32_t sort_key(uint8_t value) {
  switch (value >> 5) {
    case 0: return value;
    case 1: return value + 1000;
    case 2: return value * 3u;
    case 3: return 5000u - value;
    case 4: return value ^ 0x55u;
    case 5: return value * 7u + 11u;
    case 6: return 3000u + (value & 0x0Fu);
    default: return 2000u + value / 2u;
  }
}

static void insertion_sort(uint32_t* values, int count) {
  for (int i = 1; i < count; i++) {
    uint32_t v = values[i];
    int j = i - 1;
    for (; j >= 0 && values[j] > v; j--)
      values[j + 1] = values[j];
    values[j + 1] = v;
  }
}

// Sorts keys of the first SORT_COUNT table bytes; true if the result is in
// order and is a permutation of the input (same sum and xor).
static int check_sort(uint32_t* min, uint32_t* max) {
  uint32_t values[SORT_COUNT];
  uint32_t sum_before = 0, xor_before = 0, sum_after = 0, xor_after = 0;
  for (int i = 0; i < SORT_COUNT; i++) {
    values[i] = sort_key(table[i]);
    sum_before += values[i];
    xor_before ^= values[i];
  }
  insertion_sort(values, SORT_COUNT);
  int ordered = 1;
  for (int i = 0; i < SORT_COUNT; i++) {
    if (i > 0 && values[i - 1] > values[i])
      ordered = 0;
    sum_after += values[i];
    xor_after ^= values[i];
  }
  *min = values[0];
  *max = values[SORT_COUNT - 1];
  return ordered && sum_before == sum_after && xor_before == xor_after;
}

static int expect_format(const char* expected, const char* got) {
  if (strcmp(expected, got) == 0)
    return 1;
  printf("printf: expected \"%s\", got \"%s\"\n", expected, got);
  return 0;
}

// The formatter every later scenario reports through.
static int check_printf(void) {
  char buf[96];
  int ok = 1;

  snprintf(buf, sizeof buf, "%d|%i|%u|%x|%X|%c|%s|%%", -42, 7, 3000000000u, 0xbeefu, 0xbeefu, 'q',
           "str");
  ok &= expect_format("-42|7|3000000000|beef|BEEF|q|str|%", buf);

  snprintf(buf, sizeof buf, "[%5d][%-5d][%05d][%05x][%-4s][%3c]", 42, 42, -42, 0xab, "ab", 'z');
  ok &= expect_format("[   42][42   ][-0042][000ab][ab  ][  z]", buf);

  snprintf(buf, sizeof buf, "%lld|%llu|%llx|%ld|%lu|%zu|%hhu|%hd", -9000000000000000000ll,
           18446744073709551615ull, 0x123456789abcdefull, -2147483647l - 1, 4294967295ul,
           (size_t)123, (unsigned char)200, (short)-1234);
  ok &= expect_format(
      "-9000000000000000000|18446744073709551615|123456789abcdef|-2147483648|4294967295|123|200|"
      "-1234",
      buf);

  snprintf(buf, sizeof buf, "%p|%p", (void*)0x1000, (void*)0);
  ok &= expect_format("0x00001000|0x00000000", buf);

  // Truncation: NUL-terminated, returns the untruncated length.
  int n = snprintf(buf, 6, "%s", "truncated");
  ok &= expect_format("trunc", buf) && n == 9;
  return ok;
}

int main(uint32_t magic, const struct multiboot_info* mbi) {
  int ok = 1;

  console_init();
  printf("minipc hello: IA-32 firmware running\n");
  printf("compiler: %s\n", COMPILER_NAME);

  if (magic == MULTIBOOT_BOOTLOADER_MAGIC) {
    printf("multiboot: magic=0x%08x ok\n", magic);
    if (mbi->flags & MULTIBOOT_INFO_MEMORY)
      printf("memory: mem_lower=%u KiB mem_upper=%u KiB\n", mbi->mem_lower, mbi->mem_upper);
    else
      printf("memory: not reported\n");
  } else {
    printf("multiboot: magic=0x%08x, expected 0x%08x\n", magic, MULTIBOOT_BOOTLOADER_MAGIC);
    ok = 0;
  }

  hello_fill_table(table);
  uint32_t crc = crc32(table, HELLO_TABLE_SIZE);
  uint64_t sum64 = hello_sum64(table);
  printf("checksum: crc32=0x%08x sum64=%llu\n", crc, (unsigned long long)sum64);
  if (crc != HELLO_EXPECTED_CRC32) {
    printf("checksum: crc32 expected 0x%08x\n", HELLO_EXPECTED_CRC32);
    ok = 0;
  }
  if (sum64 != HELLO_EXPECTED_SUM64) {
    printf("checksum: sum64 expected %llu\n", (unsigned long long)HELLO_EXPECTED_SUM64);
    ok = 0;
  }

  uint32_t min, max;
  int sorted = check_sort(&min, &max);
  printf("sort: %d keys %s, min=%u max=%u\n", SORT_COUNT, sorted ? "ok" : "WRONG", min, max);
  ok &= sorted;

  int formatted = check_printf();
  printf("printf: %s\n", formatted ? "ok" : "WRONG");
  ok &= formatted;

  printf("hello: %s\n", ok ? "PASS" : "FAIL");
  return ok ? 0 : 1;
}
