// Bad-input scenario: executes an opcode no IA-32 processor defines (0F FF,
// "UD0" with no operand). With no IDT installed, minipc must stop with a
// message naming EIP and the bytes (exit 90).
#include "lib/console.h"
#include "lib/printf.h"

int main(void) {
  console_init();
  printf("faults: executing an undefined opcode\n");
  __asm__ volatile(".byte 0x0f, 0xff, 0xc0");
  return 1;
}
