#include "lib/console.h"

#include "drivers/uart.h"
#include "lib/io.h"

#define DEBUGCON_PORT 0xE9

void console_init(void) {
  uart_init(115200);
}

int putchar(int c) {
  uart_putc((char)c);
  return (unsigned char)c;
}

int puts(const char* s) {
  while (*s)
    putchar(*s++);
  putchar('\n');
  return 0;
}

void debugcon_putc(char c) {
  outb(DEBUGCON_PORT, (uint8_t)c);
}
