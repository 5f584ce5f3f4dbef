// The console's backend list (console.h).
//
// putchar is on the path of every printed byte, so with one backend (the
// usual case) it is one indirect call to that backend's putc; only with
// several does it go through putc_all, which walks the list.
#include "lib/console.h"

static struct console* consoles;

static void putc_none(char c) {
  (void)c;
}

static void putc_all(char c) {
  for (struct console* con = consoles; con; con = con->next)
    con->putc(c);
}

static void (*console_putc)(char c) = putc_none;

void console_register(struct console* con) {
  struct console** link = &consoles;
  for (; *link; link = &(*link)->next)
    if (*link == con)
      return;  // already there (console_init() called twice)
  con->next = 0;
  *link = con;
  console_putc = consoles->next ? putc_all : consoles->putc;
}

int putchar(int c) {
  console_putc((char)c);
  return (unsigned char)c;
}

int puts(const char* s) {
  while (*s)
    putchar(*s++);
  putchar('\n');
  return 0;
}
