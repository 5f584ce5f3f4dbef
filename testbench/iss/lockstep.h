// Lockstep harness: Ia32Core and Unicorn run the same code on the same
// memory, one instruction at a time, and are compared after every step.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include <unicorn/unicorn.h>

#include "cpu/ia32_core.h"

namespace minipc::iss {

// Flat RAM at address 0 for the core; remembers which bytes it wrote.
class FlatBus : public CpuBus {
 public:
  explicit FlatBus(uint32_t size) : mem(size, 0) {}
  bool read_mem(uint32_t a, void* d, unsigned n) override {
    if (uint64_t{a} + n > mem.size()) return false;
    std::memcpy(d, &mem[a], n);
    return true;
  }
  bool write_mem(uint32_t a, const void* d, unsigned n) override {
    if (uint64_t{a} + n > mem.size()) return false;
    std::memcpy(&mem[a], d, n);
    for (unsigned i = 0; i < n; ++i) written.push_back(a + i);
    return true;
  }
  bool read_io(uint16_t, void*, unsigned) override { return false; }
  bool write_io(uint16_t, const void*, unsigned) override { return false; }
  // By default no direct pointers: every write goes through write_mem and is
  // recorded. With `direct` the core gets host pointers into mem (as in fast
  // mode: the decode cache and the block run loop are used; writes through
  // them are not recorded).
  uint8_t* direct_ptr(uint32_t a, bool) override { return direct && a < mem.size() ? &mem[a] : nullptr; }
  bool direct = false;
  std::vector<uint8_t> mem;
  std::vector<uint32_t> written;
};

// Flags whose value the SDM leaves undefined after the instruction d, given
// the state before it (shift counts come from CL or the immediate).
inline uint32_t undefined_flags(const Insn& d, const Ia32Core& pre) {
  const uint16_t op = d.opcode;
  const unsigned n = (op & 1) ? d.opsize : 1;
  auto logic_alu = [](uint16_t o) { return o < 0x40 && ((o >> 3) == 1 || (o >> 3) == 4 || (o >> 3) == 6) && (o & 7) < 6; };
  if (logic_alu(op) || op == 0x84 || op == 0x85 || op == 0xA8 || op == 0xA9) return flag::af;
  if (op >= 0x80 && op <= 0x83 && (d.regop == 1 || d.regop == 4 || d.regop == 6)) return flag::af;
  if ((op == 0xF6 || op == 0xF7) && d.regop <= 1) return flag::af;
  if ((op == 0xF6 || op == 0xF7) && (d.regop == 4 || d.regop == 5)) return flag::sf | flag::zf | flag::af | flag::pf;
  if ((op == 0xF6 || op == 0xF7) && d.regop >= 6) return flag::status;
  if (op == 0x69 || op == 0x6B || op == 0x1AF) return flag::sf | flag::zf | flag::af | flag::pf;
  if ((op >= 0xC0 && op <= 0xC1) || (op >= 0xD0 && op <= 0xD3)) {
    unsigned count = op <= 0xC1 ? d.imm : op <= 0xD1 ? 1 : pre.gpr(reg::ecx);
    count &= 0x1F;
    if (count == 0) return 0;
    uint32_t u = count != 1 ? flag::of : 0;
    if (d.regop >= 4) {
      u |= flag::af;
      if (count >= n * 8) u |= flag::cf;
    }
    return u;
  }
  if (op == 0x1A4 || op == 0x1A5 || op == 0x1AC || op == 0x1AD) {
    const unsigned count = ((op & 1) ? pre.gpr(reg::ecx) : d.imm) & 0x1F;
    if (count == 0) return 0;
    uint32_t u = flag::af | (count != 1 ? flag::of : 0);
    if (d.opsize == 2 && count > 16) u = flag::status;
    return u;
  }
  if (op == 0x1A3 || op == 0x1AB || op == 0x1B3 || op == 0x1BB || op == 0x1BA) return flag::status & ~flag::cf;
  if (op == 0x1BC || op == 0x1BD) return flag::status & ~flag::zf;
  return 0;
}

// Flags where Unicorn 2.0.1 (QEMU 5) is wrong and real hardware agrees with
// the core (checked natively on an x86 host; cpu_test has those cases).
inline uint32_t unicorn_wrong_flags(const Insn& d) {
  // SHLD/SHRD: QEMU computes CF and OF from the wrong bits.
  if (d.opcode == 0x1A4 || d.opcode == 0x1A5 || d.opcode == 0x1AC || d.opcode == 0x1AD) return flag::cf | flag::of;
  // Shifts and rotates: CF/OF wrong in several cases (unicorn #594, #1717);
  // the random test checks their flags against the host CPU instead.
  if ((d.opcode >= 0xC0 && d.opcode <= 0xC1) || (d.opcode >= 0xD0 && d.opcode <= 0xD3)) return flag::status;
  return 0;
}

// Instructions that may leave EIP anywhere but the next instruction.
inline bool is_control_transfer(const Insn& d) {
  const uint16_t op = d.opcode;
  return (op >= 0x70 && op <= 0x7F) || (op >= 0x180 && op <= 0x18F) || (op >= 0xE0 && op <= 0xE3) ||
         (op >= 0xE8 && op <= 0xEB) || op == 0xC2 || op == 0xC3 || op == 0xCC || op == 0xCD || op == 0xCF ||
         (op == 0xFF && (d.regop >= 2 && d.regop <= 5));
}

// Unicorn with one flat RAM mapping, recording written addresses.
class Unicorn {
 public:
  explicit Unicorn(uint32_t size) {
    check(uc_open(UC_ARCH_X86, UC_MODE_32, &uc), "uc_open");
    check(uc_mem_map(uc, 0, size, UC_PROT_ALL), "uc_mem_map");
    check(uc_hook_add(uc, &hook, UC_HOOK_MEM_WRITE, reinterpret_cast<void*>(&on_write), this, 1, 0), "hook");
  }
  ~Unicorn() { uc_close(uc); }
  Unicorn(const Unicorn&) = delete;
  Unicorn& operator=(const Unicorn&) = delete;

  static void on_write(uc_engine*, uc_mem_type, uint64_t addr, int size, int64_t, void* self) {
    for (int i = 0; i < size; ++i) static_cast<Unicorn*>(self)->written.push_back(static_cast<uint32_t>(addr) + i);
  }
  static void check(uc_err e, const char* what) {
    if (e != UC_ERR_OK) {
      std::fprintf(stderr, "unicorn %s: %s\n", what, uc_strerror(e));
      std::abort();
    }
  }
  void write(uint32_t a, const void* d, size_t n) { check(uc_mem_write(uc, a, d, n), "mem_write"); }
  void write_code(uint32_t a, const void* d, size_t n) {
    write(a, d, n);
    uc_ctl_remove_cache(uc, a, a + n);
  }
  void read(uint32_t a, void* d, size_t n) { check(uc_mem_read(uc, a, d, n), "mem_read"); }
  uint32_t reg(int r) {
    uint32_t v = 0;
    uc_reg_read(uc, r, &v);
    return v;
  }
  void set_reg(int r, uint32_t v) { uc_reg_write(uc, r, &v); }
  // Runs from eip until EIP reaches until_eip (a translation block then ends
  // there; rep-prefixed string instructions, which Unicorn counts per
  // iteration, complete). Bounded by a timeout and an instruction count.
  uc_err step_until(uint32_t eip, uint32_t until_eip) {
    return uc_emu_start(uc, eip, until_eip, 1000000 /* us */, 100000);
  }

  uc_engine* uc = nullptr;
  uc_hook hook{};
  std::vector<uint32_t> written;
};

inline constexpr int kUcGpr[8] = {UC_X86_REG_EAX, UC_X86_REG_ECX, UC_X86_REG_EDX, UC_X86_REG_EBX,
                                  UC_X86_REG_ESP, UC_X86_REG_EBP, UC_X86_REG_ESI, UC_X86_REG_EDI};
inline const char* const kGprName[8] = {"eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi"};

// Copies the core's GPRs, EIP and EFLAGS into Unicorn.
inline void sync_to_unicorn(const Ia32Core& core, Unicorn& uc) {
  for (unsigned r = 0; r < 8; ++r) uc.set_reg(kUcGpr[r], core.gpr(r));
  uc.set_reg(UC_X86_REG_EIP, core.eip());
  uc.set_reg(UC_X86_REG_EFLAGS, core.eflags());
}

// Differences after one step (empty when they agree). `flag_mask` selects
// the EFLAGS bits to compare.
inline std::string compare(const Ia32Core& core, Unicorn& uc, const FlatBus& bus, uint32_t flag_mask) {
  std::string diff;
  char buf[160];
  for (unsigned r = 0; r < 8; ++r) {
    const uint32_t u = uc.reg(kUcGpr[r]);
    if (u != core.gpr(r)) {
      std::snprintf(buf, sizeof buf, " %s core=%08X unicorn=%08X;", kGprName[r], core.gpr(r), u);
      diff += buf;
    }
  }
  const uint32_t ueip = uc.reg(UC_X86_REG_EIP);
  if (ueip != core.eip()) {
    std::snprintf(buf, sizeof buf, " eip core=%08X unicorn=%08X;", core.eip(), ueip);
    diff += buf;
  }
  const uint32_t ufl = uc.reg(UC_X86_REG_EFLAGS);
  if ((ufl ^ core.eflags()) & flag_mask) {
    std::snprintf(buf, sizeof buf, " eflags core=%08X unicorn=%08X (compared bits %08X);", core.eflags(), ufl,
                  flag_mask);
    diff += buf;
  }
  std::vector<uint32_t> addrs = bus.written;
  addrs.insert(addrs.end(), uc.written.begin(), uc.written.end());
  for (uint32_t a : addrs) {
    uint8_t u = 0;
    uc.read(a, &u, 1);
    if (a < bus.mem.size() && u != bus.mem[a]) {
      std::snprintf(buf, sizeof buf, " mem[%08X] core=%02X unicorn=%02X;", a, bus.mem[a], u);
      diff += buf;
      break;
    }
  }
  return diff;
}

inline std::string hex_bytes(const uint8_t* p, size_t n) {
  std::string s;
  char buf[4];
  for (size_t i = 0; i < n; ++i) {
    std::snprintf(buf, sizeof buf, "%02X ", p[i]);
    s += buf;
  }
  return s;
}

}  // namespace minipc::iss
