// Background work for the architecture experiments (docs/experiments/):
// something the CPU does while a DMA transfer, a disk read or a device poll
// goes on, so that "CPU time left for other work" is a count of finished
// work units.
//
//   compute  a register-only integer loop (xorshift + multiply): on the bus
//            it costs instruction fetches only (accurate mode, no cache)
//   memory   a read-modify-write sweep over a 16 KiB buffer: a load and a
//            store per word besides the fetches, so it competes with DMA
//            for memory
//
// One unit is a fixed amount of work (WORK_UNIT_STEPS steps), so units per
// simulated time is the CPU's throughput.
#ifndef MINIPC_FW_LIB_WORKLOAD_H
#define MINIPC_FW_LIB_WORKLOAD_H

#include <stdint.h>

enum workload_kind { WORK_NONE, WORK_COMPUTE, WORK_MEMORY };

#define WORK_UNIT_STEPS 64u

// "compute" or "memory" (e.g. from cmdline "work=memory"); anything else
// (including "none") reads as WORK_NONE.
enum workload_kind workload_parse(const char* name);
const char* workload_name(enum workload_kind kind);

// Runs one unit of work of the given kind; WORK_NONE returns at once.
void workload_unit(enum workload_kind kind);

// A value depending on every unit run so far, so the compiler cannot drop
// the work (print or report it).
uint32_t workload_digest(void);

// Time stamp counter (RDTSC, low 32 bits): CPU clocks on minipc.
static inline uint32_t rdtsc32(void) {
  uint32_t lo, hi;
  __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
  (void)hi;
  return lo;
}

#endif  // MINIPC_FW_LIB_WORKLOAD_H
