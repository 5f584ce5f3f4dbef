// Bad-input scenario: never exits. minipc must stop at --time with exit 92
// and say where the CPU was.
#include "lib/console.h"
#include "lib/printf.h"

int main(void) {
  console_init();
  printf("faults: spinning forever\n");
  for (volatile unsigned i = 0;; ++i) {
  }
  return 1;
}
