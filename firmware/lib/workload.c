#include "lib/workload.h"

#include "lib/string.h"

#define WORK_BUFFER_WORDS 4096u  // 16 KiB

static uint32_t buffer[WORK_BUFFER_WORDS];
static uint32_t cursor;
static uint32_t state = 0x9E3779B9u;
static uint32_t digest;

enum workload_kind workload_parse(const char* name) {
  if (!strcmp(name, "compute")) return WORK_COMPUTE;
  if (!strcmp(name, "memory")) return WORK_MEMORY;
  return WORK_NONE;
}

const char* workload_name(enum workload_kind kind) {
  switch (kind) {
    case WORK_COMPUTE: return "compute";
    case WORK_MEMORY: return "memory";
    default: return "none";
  }
}

void workload_unit(enum workload_kind kind) {
  if (kind == WORK_COMPUTE) {
    uint32_t x = state;
    for (uint32_t i = 0; i < WORK_UNIT_STEPS; i++) {
      x ^= x << 13;
      x ^= x >> 17;
      x ^= x << 5;
      x = x * 2654435761u + i;
    }
    state = x;
    digest += x;
  } else if (kind == WORK_MEMORY) {
    uint32_t c = cursor, d = digest;
    for (uint32_t i = 0; i < WORK_UNIT_STEPS; i++) {
      uint32_t v = buffer[c] + c + d;
      buffer[c] = v;
      d ^= v;
      c = (c + 1) & (WORK_BUFFER_WORDS - 1);
    }
    cursor = c;
    digest = d;
  }
}

uint32_t workload_digest(void) { return digest; }
