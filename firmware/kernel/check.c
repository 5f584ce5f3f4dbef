// Check lines (check.h).
#include "kernel/check.h"

#include <stdarg.h>

#include "kernel/kernel.h"
#include "lib/printf.h"

static int first_failure;

int check(int code, int ok, const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vprintf(fmt, ap);
  va_end(ap);
  if (ok) {
    printf(" ok\n");
  } else {
    printf(" FAIL (check %d)\n", code);
    if (!first_failure)
      first_failure = code;
  }
  return ok;
}

int check_done(const char* scenario) {
  printf("%s: %s\n", scenario, first_failure ? "FAIL" : "PASS");
  return first_failure;
}

void check_exit(const char* scenario) {
  kernel_exit(check_done(scenario));
}
