// Bad-input scenario: jumps to an address where nothing is mapped. minipc
// must stop with "instruction fetch from unmapped address" (exit 91).
#include "lib/console.h"
#include "lib/printf.h"

int main(void) {
  console_init();
  printf("faults: jumping to unmapped memory at 0xF0000000\n");
  void (*nowhere)(void) = (void (*)(void))0xF0000000u;
  nowhere();
  return 1;
}
