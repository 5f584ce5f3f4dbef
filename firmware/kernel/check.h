// Check lines for self-checking scenarios.
//
// check(code, ok, fmt, ...) prints the formatted text followed by " ok" or
// " FAIL (check <code>)" and remembers the first failed code; check_done()
// prints "<scenario>: PASS" or "<scenario>: FAIL" and returns the exit
// status: 0, or the first failed code (1-63). The texts must not contain
// numbers that depend on timing, so QEMU and minipc print the same lines.
#ifndef MINIPC_FW_KERNEL_CHECK_H
#define MINIPC_FW_KERNEL_CHECK_H

int check(int code, int ok, const char* fmt, ...) __attribute__((format(printf, 3, 4)));
int check_done(const char* scenario);
// Ends the run with check_done()'s status.
__attribute__((noreturn)) void check_exit(const char* scenario);

#endif  // MINIPC_FW_KERNEL_CHECK_H
