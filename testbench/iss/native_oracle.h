// Shifts and rotates executed natively on the x86 host: the referee where
// Unicorn's flags are known to be wrong (unicorn #594, #1717).
#pragma once

#include <cstdint>

#if defined(__x86_64__)
#define MINIPC_HAVE_NATIVE_ORACLE 1

namespace minipc::iss {

struct NativeResult {
  uint32_t value;
  uint32_t flags;
};

#define MINIPC_NATIVE_SHIFT(mn)                                                                           \
  inline NativeResult native_##mn(unsigned n, uint32_t v, uint8_t count, uint32_t flags_in) {            \
    uint64_t fl = flags_in;                                                                               \
    if (n == 1) {                                                                                         \
      uint8_t x = static_cast<uint8_t>(v);                                                                \
      asm volatile("pushq %[fl]\n\tpopfq\n\t" #mn "b %%cl, %[x]\n\tpushfq\n\tpopq %[fl]"                  \
                   : [x] "+q"(x), [fl] "+r"(fl) : "c"(count) : "cc");                                    \
      return {x, static_cast<uint32_t>(fl)};                                                              \
    }                                                                                                     \
    if (n == 2) {                                                                                         \
      uint16_t x = static_cast<uint16_t>(v);                                                              \
      asm volatile("pushq %[fl]\n\tpopfq\n\t" #mn "w %%cl, %[x]\n\tpushfq\n\tpopq %[fl]"                  \
                   : [x] "+r"(x), [fl] "+r"(fl) : "c"(count) : "cc");                                     \
      return {x, static_cast<uint32_t>(fl)};                                                              \
    }                                                                                                     \
    uint32_t x = v;                                                                                       \
    asm volatile("pushq %[fl]\n\tpopfq\n\t" #mn "l %%cl, %[x]\n\tpushfq\n\tpopq %[fl]"                    \
                 : [x] "+r"(x), [fl] "+r"(fl) : "c"(count) : "cc");                                       \
    return {x, static_cast<uint32_t>(fl)};                                                                \
  }
MINIPC_NATIVE_SHIFT(rol)
MINIPC_NATIVE_SHIFT(ror)
MINIPC_NATIVE_SHIFT(rcl)
MINIPC_NATIVE_SHIFT(rcr)
MINIPC_NATIVE_SHIFT(shl)
MINIPC_NATIVE_SHIFT(shr)
MINIPC_NATIVE_SHIFT(sar)
#undef MINIPC_NATIVE_SHIFT

// Group-2 operation op (ModRM.reg) on an n-byte value. Input flags are
// limited to the status flags so no trap or direction state leaks in.
inline NativeResult native_shift(unsigned op, unsigned n, uint32_t v, uint8_t count, uint32_t flags_in) {
  flags_in = (flags_in & 0x8D5) | 2;
  switch (op & 7) {
    case 0: return native_rol(n, v, count, flags_in);
    case 1: return native_ror(n, v, count, flags_in);
    case 2: return native_rcl(n, v, count, flags_in);
    case 3: return native_rcr(n, v, count, flags_in);
    case 5: return native_shr(n, v, count, flags_in);
    case 7: return native_sar(n, v, count, flags_in);
    default: return native_shl(n, v, count, flags_in);
  }
}

}  // namespace minipc::iss
#endif
