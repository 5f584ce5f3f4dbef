#include "lib/crc32.h"

static uint32_t crc_table[256];
static int crc_table_ready;

static void crc32_init(void) {
  for (uint32_t n = 0; n < 256; n++) {
    uint32_t c = n;
    for (int k = 0; k < 8; k++)
      c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    crc_table[n] = c;
  }
  crc_table_ready = 1;
}

uint32_t crc32(const uint8_t* data, uint32_t len) {
  if (!crc_table_ready)
    crc32_init();
  uint32_t c = 0xFFFFFFFFu;
  for (uint32_t i = 0; i < len; i++)
    c = crc_table[(c ^ data[i]) & 0xFF] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}
