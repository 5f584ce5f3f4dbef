// Random instruction streams, executed in lockstep on Ia32Core and Unicorn.
//
// The generator works online: it sees the machine state before each
// instruction, so memory operands always land in a small data window (any
// addressing form: disp32, base+disp, SIB; the displacement is computed from
// the live register values), the stack stays in its window, branches stay in
// the code window and DIV never faults. After every instruction all GPRs,
// EIP, the defined EFLAGS and every written byte are compared.
//
// LOCKSTEP_INSTRUCTIONS sets the length; MINIPC_LOCKSTEP_SEED overrides the seed.
#include <gtest/gtest.h>

#include <cstdlib>
#include <deque>
#include <functional>
#include <random>

#include "lockstep.h"
#include "native_oracle.h"

#ifndef LOCKSTEP_INSTRUCTIONS
#define LOCKSTEP_INSTRUCTIONS 50000
#endif

namespace minipc::iss {
namespace {

constexpr uint32_t kMemSize = 0x1000000;
constexpr uint32_t kData = 0x10000, kDataSize = 0x1000;
constexpr uint32_t kStack = 0x20000, kStackSize = 0x1000;
constexpr uint32_t kFlagLog = 0x30000, kFlagLogSize = 0x1000;  // block runs' flag probes
constexpr uint32_t kCode = 0x100000, kCodeSize = 0xE00000;
constexpr uint32_t kCompared = flag::status | flag::df;

using Bytes = std::vector<uint8_t>;

class Generator {
 public:
  Generator(const Ia32Core& core, const FlatBus& bus, uint32_t seed) : c_(core), bus_(bus), rng_(seed) {}

  // Code is only ever written at fresh addresses (at or above high_water),
  // so Unicorn never runs a stale translation; branches go forward. When the
  // window is used up, a JMP goes back to its start and the caller flushes
  // Unicorn's translation cache (see restart_code()).
  uint32_t high_water = kCode + 0x1000;
  void restart_code(uint32_t eip) { high_water = eip; }

  // Bytes of the next instruction, for the current state.
  Bytes next() {
    if (!queue_.empty()) {
      auto f = queue_.front();
      queue_.pop_front();
      return f();
    }
    const uint32_t eip = c_.eip();
    if (eip > kCode + kCodeSize - 0x2000) {
      // Back to the start of the code window.
      const uint32_t target = kCode + 0x1000 + rnd(0x100);
      Bytes b{0xE9};
      u32(b, target - (eip + 5));
      return b;
    }
    const uint32_t esp = c_.gpr(reg::esp);
    if (esp < kStack + 0x200 || esp > kStack + kStackSize - 0x200) {
      Bytes b{0xBC};  // mov esp, imm32
      u32(b, kStack + 0x800 + (rnd(64) & ~3u));
      return b;
    }
    for (;;) {
      Bytes b = random_instruction();
      if (!b.empty()) return b;
    }
  }

 private:
  uint32_t rnd(uint32_t n) { return static_cast<uint32_t>(rng_() % n); }
  bool coin(unsigned percent = 50) { return rnd(100) < percent; }
  static void u16(Bytes& b, uint32_t v) { b.push_back(v & 0xFF); b.push_back((v >> 8) & 0xFF); }
  static void u32(Bytes& b, uint32_t v) { for (int i = 0; i < 4; ++i) b.push_back((v >> (8 * i)) & 0xFF); }
  uint32_t rand32() {
    switch (rnd(6)) {
      case 0: return rnd(256);
      case 1: return 0xFFFFFFFF - rnd(256);
      case 2: return 0x80000000u + rnd(256) - 128;
      case 3: return 0x7FFF + rnd(4) + (coin() ? 0 : 0x8000);
      default: return static_cast<uint32_t>(rng_());
    }
  }
  // A register that may be written at size n (never ESP for n > 1).
  unsigned dest_reg(unsigned n) {
    unsigned r;
    do r = rnd(8); while (n > 1 && r == reg::esp);
    return r;
  }
  uint32_t data_addr(unsigned slack = 64) { return kData + slack + rnd(kDataSize - 2 * slack); }
  uint32_t code_target() { return high_water + 64 + rnd(256); }

  // ModRM (+SIB +disp) for a register (rm) or a memory operand at `target`.
  // Returns the memory address or -1.
  int64_t modrm(Bytes& b, unsigned regfield, bool mem, unsigned rm_reg, uint32_t target) {
    if (!mem) {
      b.push_back(static_cast<uint8_t>(0xC0 | (regfield << 3) | rm_reg));
      return -1;
    }
    auto with_disp = [&](uint8_t rmbits, unsigned base, uint32_t disp, bool allow_none) {
      const int32_t sd = static_cast<int32_t>(disp);
      if (allow_none && disp == 0 && base != reg::ebp) {
        b.push_back(static_cast<uint8_t>((regfield << 3) | rmbits));
        return 0;
      }
      if (sd >= -128 && sd <= 127) {
        b.push_back(static_cast<uint8_t>(0x40 | (regfield << 3) | rmbits));
        return 1;
      }
      b.push_back(static_cast<uint8_t>(0x80 | (regfield << 3) | rmbits));
      return 4;
    };
    auto put_disp = [&](int size, uint32_t disp) {
      if (size == 1) b.push_back(disp & 0xFF);
      else if (size == 4) u32(b, disp);
    };
    switch (rnd(4)) {
      case 0:
        b.push_back(static_cast<uint8_t>((regfield << 3) | 5));
        u32(b, target);
        break;
      case 1: {
        const unsigned base = rnd(8);
        const uint32_t disp = target - c_.gpr(base);
        if (base == reg::esp) {
          const int size = with_disp(4, base, disp, true);
          b.push_back(0x24);
          put_disp(size, disp);
        } else {
          put_disp(with_disp(static_cast<uint8_t>(base), base, disp, true), disp);
        }
        break;
      }
      case 2: {
        const unsigned base = rnd(8), index = rnd(8), scale = rnd(4);
        const uint32_t idx = index == reg::esp ? 0 : c_.gpr(index) << scale;
        const uint32_t disp = target - c_.gpr(base) - idx;
        const int size = with_disp(4, base, disp, true);
        b.push_back(static_cast<uint8_t>((scale << 6) | (index << 3) | base));
        put_disp(size, disp);
        break;
      }
      default: {
        unsigned index;
        do index = rnd(8); while (index == reg::esp);
        const unsigned scale = rnd(4);
        b.push_back(static_cast<uint8_t>((regfield << 3) | 4));
        b.push_back(static_cast<uint8_t>((scale << 6) | (index << 3) | 5));
        u32(b, target - (c_.gpr(index) << scale));
        break;
      }
    }
    return target;
  }
  // A random r/m operand: register (not ESP when written) or data memory.
  int64_t rm_any(Bytes& b, unsigned regfield, unsigned n, bool written, uint32_t* reg_out = nullptr) {
    const bool mem = coin(45);
    const unsigned r = written ? dest_reg(n) : rnd(8);
    if (reg_out) *reg_out = r;
    return modrm(b, regfield, mem, r, data_addr());
  }
  void prefix_for(Bytes& b, unsigned n) {
    if (n == 2) b.push_back(0x66);
  }
  unsigned rand_size() {
    const unsigned k = rnd(10);
    return k < 5 ? 4 : k < 8 ? 1 : 2;
  }
  void imm_of(Bytes& b, unsigned n) {
    const uint32_t v = rand32();
    if (n == 1) b.push_back(v & 0xFF);
    else if (n == 2) u16(b, v);
    else u32(b, v);
  }
  uint32_t value_of(int64_t mem, unsigned r, unsigned n) const {
    if (mem >= 0) {
      uint32_t v = 0;
      std::memcpy(&v, &bus_.mem[static_cast<uint32_t>(mem)], n);
      return v;
    }
    const uint32_t full = n == 1 && r >= 4 ? c_.gpr(r - 4) >> 8 : c_.gpr(r);
    return n == 4 ? full : n == 2 ? full & 0xFFFF : full & 0xFF;
  }
  bool div_faults(unsigned n, bool is_signed, uint32_t divisor) const {
    const uint32_t m = n == 4 ? 0xFFFFFFFF : (1u << (8 * n)) - 1;
    divisor &= m;
    if (divisor == 0) return true;
    const uint32_t eax = c_.gpr(reg::eax), edx = c_.gpr(reg::edx);
    uint64_t dividend = n == 1 ? (eax & 0xFFFF) : n == 2 ? (((edx & 0xFFFF) << 16) | (eax & 0xFFFF))
                                                          : ((uint64_t{edx} << 32) | eax);
    const unsigned bits = 8 * n;
    if (!is_signed) return dividend / divisor > m;
    const int64_t sd = static_cast<int64_t>(dividend << (64 - 2 * bits)) >> (64 - 2 * bits);
    const int64_t sv = static_cast<int64_t>(static_cast<int32_t>(divisor << (32 - bits)) >> (32 - bits));
    if (sv == -1 && sd == INT64_MIN) return true;
    const int64_t q = sd / sv, lim = int64_t{1} << (bits - 1);
    return q >= lim || q < -lim;
  }
  std::function<Bytes()> mov_imm(unsigned r, uint32_t v) {
    return [r, v] {
      Bytes b{static_cast<uint8_t>(0xB8 + r)};
      u32(b, v);
      return b;
    };
  }
  bool stack_room(int push_bytes, int pop_bytes) const {
    const uint32_t esp = c_.gpr(reg::esp);
    return esp - push_bytes >= kStack + 0x40 && esp + pop_bytes <= kStack + kStackSize - 0x40;
  }
  Bytes rel8_branch(Bytes b) {
    b.push_back(static_cast<uint8_t>(rnd(128)));
    return b;
  }
  Bytes rel32_branch(Bytes b) {
    u32(b, rnd(0x200));
    return b;
  }

  Bytes random_instruction() {
    Bytes b;
    const unsigned kind = rnd(46);
    switch (kind) {
      case 0:
      case 1:
      case 2: {  // ALU r/m,reg / reg,r/m
        const unsigned n = rand_size(), op = rnd(8), dir = rnd(2);
        prefix_for(b, n);
        b.push_back(static_cast<uint8_t>(op * 8 + dir * 2 + (n == 1 ? 0 : 1)));
        if (dir == 0) rm_any(b, rnd(8), n, op != 7);
        else rm_any(b, dest_reg(n), n, false);
        return b;
      }
      case 3: {  // ALU acc,imm
        const unsigned n = rand_size(), op = rnd(8);
        prefix_for(b, n);
        b.push_back(static_cast<uint8_t>(op * 8 + (n == 1 ? 4 : 5)));
        imm_of(b, n);
        return b;
      }
      case 4:
      case 5: {  // group 1
        const unsigned n = rand_size(), op = rnd(8);
        prefix_for(b, n);
        const uint8_t opc = n == 1 ? (coin(80) ? 0x80 : 0x82) : (coin() ? 0x81 : 0x83);
        b.push_back(opc);
        rm_any(b, op, n, op != 7);
        imm_of(b, opc == 0x81 ? n : 1);
        return b;
      }
      case 6: {  // TEST
        const unsigned n = rand_size();
        prefix_for(b, n);
        switch (rnd(3)) {
          case 0: b.push_back(n == 1 ? 0x84 : 0x85); rm_any(b, rnd(8), n, false); break;
          case 1: b.push_back(n == 1 ? 0xA8 : 0xA9); imm_of(b, n); break;
          default: b.push_back(n == 1 ? 0xF6 : 0xF7); rm_any(b, 0, n, false); imm_of(b, n); break;  // /1 alias: Unicorn rejects it
        }
        return b;
      }
      case 7: {  // INC/DEC
        const unsigned n = rand_size();
        prefix_for(b, n);
        if (n != 1 && coin()) {
          b.push_back(static_cast<uint8_t>((coin() ? 0x40 : 0x48) + dest_reg(n)));
        } else {
          b.push_back(n == 1 ? 0xFE : 0xFF);
          rm_any(b, rnd(2), n, true);
        }
        return b;
      }
      case 8: {  // NOT/NEG
        const unsigned n = rand_size();
        prefix_for(b, n);
        b.push_back(n == 1 ? 0xF6 : 0xF7);
        rm_any(b, 2 + rnd(2), n, true);
        return b;
      }
      case 9:
      case 10: {  // MOV forms
        const unsigned n = rand_size();
        prefix_for(b, n);
        switch (rnd(5)) {
          case 0: b.push_back(n == 1 ? 0x88 : 0x89); rm_any(b, rnd(8), n, true); break;
          case 1: b.push_back(n == 1 ? 0x8A : 0x8B); rm_any(b, dest_reg(n), n, false); break;
          case 2: b.push_back(n == 1 ? 0xC6 : 0xC7); rm_any(b, 0, n, true); imm_of(b, n); break;
          case 3:
            if (n == 1) b.push_back(static_cast<uint8_t>(0xB0 + rnd(8)));
            else b.push_back(static_cast<uint8_t>(0xB8 + dest_reg(n)));
            imm_of(b, n);
            break;
          default:
            b.push_back(static_cast<uint8_t>((n == 1 ? 0xA0 : 0xA1) + (coin() ? 2 : 0)));
            u32(b, data_addr());
            break;
        }
        return b;
      }
      case 11: {  // pointer setup: mov r, data address (makes short displacements likely)
        b.push_back(static_cast<uint8_t>(0xB8 + dest_reg(4)));
        u32(b, data_addr() - rnd(128));
        return b;
      }
      case 12: {  // MOVZX/MOVSX
        const unsigned n = coin(80) ? 4 : 2, src = coin() ? 1 : 2;
        prefix_for(b, n);
        b.push_back(0x0F);
        b.push_back(static_cast<uint8_t>((coin() ? 0xB6 : 0xBE) + (src == 2 ? 1 : 0)));
        rm_any(b, dest_reg(n), src, false);
        return b;
      }
      case 13: {  // LEA (any address: no access)
        const unsigned n = coin(85) ? 4 : 2;
        prefix_for(b, n);
        b.push_back(0x8D);
        modrm(b, dest_reg(n), true, 0, static_cast<uint32_t>(rng_()));
        return b;
      }
      case 14: {  // XCHG
        const unsigned n = rand_size();
        prefix_for(b, n);
        if (n != 1 && coin(30)) {
          b.push_back(static_cast<uint8_t>(0x90 + dest_reg(n)));
        } else {
          b.push_back(n == 1 ? 0x86 : 0x87);
          rm_any(b, dest_reg(n), n, true);
        }
        return b;
      }
      case 15:
      case 16: {  // PUSH/POP
        const unsigned n = coin(90) ? 4 : 2;
        switch (rnd(6)) {
          case 0:
            if (!stack_room(4, 0)) return {};
            prefix_for(b, n);
            b.push_back(static_cast<uint8_t>(0x50 + rnd(8)));
            break;
          case 1:
            if (!stack_room(0, 4)) return {};
            prefix_for(b, n);
            b.push_back(static_cast<uint8_t>(0x58 + dest_reg(4)));
            break;
          case 2:
            if (!stack_room(4, 0)) return {};
            if (coin()) { b.push_back(0x68); u32(b, rand32()); }
            else { b.push_back(0x6A); b.push_back(static_cast<uint8_t>(rnd(256))); }
            break;
          case 3:
            if (!stack_room(4, 0)) return {};
            prefix_for(b, n);
            b.push_back(0xFF);
            rm_any(b, 6, n, false);
            break;
          case 4: {
            if (!stack_room(0, 4)) return {};
            prefix_for(b, n);
            b.push_back(0x8F);
            // ESP is incremented before the address is computed: use disp32.
            if (coin()) modrm(b, 0, false, dest_reg(n), 0);
            else { b.push_back(0x05); u32(b, data_addr()); }
            break;
          }
          default:
            if (!stack_room(32, 32)) return {};
            b.push_back(coin() ? 0x60 : 0x61);
            break;
        }
        return b;
      }
      case 17: {  // PUSHFD / POPFD of a known value
        if (!stack_room(8, 8)) return {};
        if (coin()) return Bytes{0x9C};
        const uint32_t v = (rand32() & (flag::status | flag::df)) | 2;
        queue_.push_back([] { return Bytes{0x9D}; });
        b.push_back(0x68);
        u32(b, v);
        return b;
      }
      case 18:
      case 19: {  // Jcc / JMP
        switch (rnd(4)) {
          case 0: return rel8_branch(Bytes{static_cast<uint8_t>(0x70 + rnd(16))});
          case 1: return rel32_branch(Bytes{0x0F, static_cast<uint8_t>(0x80 + rnd(16))});
          case 2: return rel8_branch(Bytes{0xEB});
          default: return rel32_branch(Bytes{0xE9});
        }
      }
      case 20: {  // LOOP/JECXZ
        return rel8_branch(Bytes{static_cast<uint8_t>(0xE0 + rnd(4))});
      }
      case 21: {  // CALL rel32 / RET
        if (!stack_room(8, 8)) return {};
        if (coin()) return rel32_branch(Bytes{0xE8});
        const uint32_t target = code_target();
        const bool with_imm = coin(30);
        queue_.push_back([with_imm, this] {
          if (!with_imm) return Bytes{0xC3};
          Bytes r{0xC2};
          u16(r, rnd(5) * 4);
          return r;
        });
        b.push_back(0x68);
        u32(b, target);
        return b;
      }
      case 22: {  // indirect JMP/CALL through a register or memory
        if (!stack_room(8, 0)) return {};
        const uint32_t target = code_target();
        const uint8_t sub = coin() ? 2 : 4;
        if (coin()) {
          const unsigned r = dest_reg(4);
          queue_.push_back([r, sub] { return Bytes{0xFF, static_cast<uint8_t>(0xC0 | (sub << 3) | r)}; });
          return mov_imm(r, target)();
        }
        const uint32_t slot = data_addr() & ~3u;
        queue_.push_back([slot, sub] {
          Bytes r{0xFF, static_cast<uint8_t>((sub << 3) | 5)};
          u32(r, slot);
          return r;
        });
        b = {0xC7, 0x05};
        u32(b, slot);
        u32(b, target);
        return b;
      }
      case 23: {  // SETcc / CMOVcc
        if (coin()) {
          b = {0x0F, static_cast<uint8_t>(0x90 + rnd(16))};
          rm_any(b, 0, 1, true);
        } else {
          const unsigned n = coin(85) ? 4 : 2;
          prefix_for(b, n);
          b.push_back(0x0F);
          b.push_back(static_cast<uint8_t>(0x40 + rnd(16)));
          rm_any(b, dest_reg(n), n, false);
        }
        return b;
      }
      case 24:
      case 25:
      case 26: {  // shifts and rotates
        const unsigned n = rand_size();
        prefix_for(b, n);
        const unsigned form = rnd(3);
        b.push_back(static_cast<uint8_t>((form == 0 ? 0xC0 : form == 1 ? 0xD0 : 0xD2) + (n == 1 ? 0 : 1)));
        rm_any(b, rnd(8), n, true);
        if (form == 0) b.push_back(static_cast<uint8_t>(coin(70) ? rnd(n * 8 + 2) : rnd(256)));
        return b;
      }
      case 27: {  // SHLD/SHRD
        const unsigned n = coin(80) ? 4 : 2;
        const bool by_cl = coin();
        if (n == 2 && by_cl && (c_.gpr(reg::ecx) & 0x1F) > 16) return {};
        prefix_for(b, n);
        b.push_back(0x0F);
        b.push_back(static_cast<uint8_t>((coin() ? 0xA4 : 0xAC) + (by_cl ? 1 : 0)));
        rm_any(b, rnd(8), n, true);
        if (!by_cl) b.push_back(static_cast<uint8_t>(rnd(n == 2 ? 17 : 32)));
        return b;
      }
      case 28:
      case 29: {  // MUL/IMUL
        const unsigned n = rand_size();
        switch (rnd(4)) {
          case 0:
          case 1:
            prefix_for(b, n);
            b.push_back(n == 1 ? 0xF6 : 0xF7);
            rm_any(b, 4 + rnd(2), n, false);
            break;
          case 2: {
            const unsigned m = n == 1 ? 4 : n;
            prefix_for(b, m);
            b.push_back(0x0F);
            b.push_back(0xAF);
            rm_any(b, dest_reg(m), m, false);
            break;
          }
          default: {
            const unsigned m = n == 1 ? 4 : n;
            prefix_for(b, m);
            const bool short_imm = coin();
            b.push_back(short_imm ? 0x6B : 0x69);
            rm_any(b, dest_reg(m), m, false);
            imm_of(b, short_imm ? 1 : m);
            break;
          }
        }
        return b;
      }
      case 30: {  // DIV/IDIV (only when it does not fault)
        const unsigned n = rand_size();
        const bool is_signed = coin();
        prefix_for(b, n);
        b.push_back(n == 1 ? 0xF6 : 0xF7);
        uint32_t r = 0;
        const int64_t mem = rm_any(b, is_signed ? 7 : 6, n, false, &r);
        if (div_faults(n, is_signed, value_of(mem, r, n))) {
          // Make the next try likely to succeed: a small EDX (or its sign).
          if (coin()) return Bytes{0x99};
          return Bytes{0x31, 0xD2};
        }
        return b;
      }
      case 31: {  // CBW/CWDE/CWD/CDQ
        if (coin(30)) b.push_back(0x66);
        b.push_back(coin() ? 0x98 : 0x99);
        return b;
      }
      case 32:
      case 33: {  // BT/BTS/BTR/BTC
        const unsigned n = coin(80) ? 4 : 2;
        if (coin()) {
          prefix_for(b, n);
          b = {};
          prefix_for(b, n);
          b.push_back(0x0F);
          b.push_back(0xBA);
          rm_any(b, 4 + rnd(4), n, true);
          b.push_back(static_cast<uint8_t>(rnd(256)));
          return b;
        }
        const uint8_t opc = static_cast<uint8_t>(0xA3 + 8 * rnd(4));
        if (coin()) {  // register destination: any offset
          prefix_for(b, n);
          b.push_back(0x0F);
          b.push_back(opc);
          modrm(b, rnd(8), false, dest_reg(n), 0);
          return b;
        }
        // memory destination: the bit offset register reaches +-256 bits
        const unsigned r = dest_reg(4);
        const uint32_t offset = static_cast<uint32_t>(static_cast<int32_t>(rnd(512)) - 256);
        queue_.push_back([this, n, opc, r] {
          Bytes q;
          prefix_for(q, n);
          q.push_back(0x0F);
          q.push_back(opc);
          q.push_back(static_cast<uint8_t>((r << 3) | 5));
          u32(q, data_addr(128));
          return q;
        });
        return mov_imm(r, offset)();
      }
      case 34: {  // BSF/BSR
        const unsigned n = coin(80) ? 4 : 2;
        prefix_for(b, n);
        b.push_back(0x0F);
        b.push_back(coin() ? 0xBC : 0xBD);
        rm_any(b, dest_reg(n), n, false);
        return b;
      }
      case 35: {  // BSWAP
        b = {0x0F, static_cast<uint8_t>(0xC8 + dest_reg(4))};
        return b;
      }
      case 36: {  // XADD / CMPXCHG / CMPXCHG8B, LOCK-prefixed when on memory
        if (coin(20)) {  // CMPXCHG8B m64: equal or not, half the time
          const uint32_t at = data_addr(8);
          if (coin()) {
            uint32_t lo, hi;
            std::memcpy(&lo, &bus_.mem[at], 4);
            std::memcpy(&hi, &bus_.mem[at + 4], 4);
            queue_.push_back(mov_imm(reg::edx, hi));
            queue_.push_back([this, at] {
              Bytes q{0xF0, 0x0F, 0xC7};
              modrm(q, 1, true, 0, at);
              return q;
            });
            return mov_imm(reg::eax, lo)();
          }
          b = {0x0F, 0xC7};
          modrm(b, 1, true, 0, at);
          return b;
        }
        const unsigned n = rand_size();
        prefix_for(b, n);
        b.push_back(0x0F);
        b.push_back(static_cast<uint8_t>((coin() ? 0xC0 : 0xB0) + (n == 1 ? 0 : 1)));
        if (rm_any(b, dest_reg(n), n, true) >= 0 && coin()) b.insert(b.begin(), 0xF0);
        return b;
      }
      case 37: {  // ENTER / LEAVE with EBP in the stack window
        if (!stack_room(64, 16)) return {};
        const uint32_t frame = c_.gpr(reg::esp) + 16 + (rnd(8) * 4);
        if (coin()) {
          queue_.push_back([] { return Bytes{0xC9}; });
        } else {
          // Levels > 1 disagree with Unicorn; the core matches real hardware there (cpu_test).
          const unsigned level = rnd(2), size = rnd(8) * 4;
          queue_.push_back([level, size] {
            Bytes q{0xC8};
            u16(q, size);
            q.push_back(static_cast<uint8_t>(level));
            return q;
          });
        }
        return mov_imm(reg::ebp, frame)();
      }
      case 38:
      case 39: {  // string instructions
        const unsigned n = rand_size();
        const unsigned which = rnd(5);  // movs stos lods cmps scas
        const bool rep = coin(60);
        const uint32_t count = rnd(20);
        queue_.push_back(mov_imm(reg::esi, data_addr(256)));
        queue_.push_back(mov_imm(reg::edi, data_addr(256)));
        queue_.push_back(mov_imm(reg::ecx, count));
        queue_.push_back([=] {
          Bytes q;
          if (rep) q.push_back(which >= 3 && coin() ? 0xF2 : 0xF3);
          prefix_for(q, n);
          static const uint8_t base[5] = {0xA4, 0xAA, 0xAC, 0xA6, 0xAE};
          q.push_back(static_cast<uint8_t>(base[which] + (n == 1 ? 0 : 1)));
          return q;
        });
        return Bytes{coin() ? uint8_t{0xFC} : uint8_t{0xFD}};  // CLD / STD
      }
      case 40: {  // flag instructions
        static const uint8_t ops[] = {0xF8, 0xF9, 0xF5, 0xFC, 0xFD, 0x9E, 0x9F, 0x90};
        return Bytes{ops[rnd(sizeof ops)]};
      }
      case 41: {  // multi-byte NOPs, ENDBR32
        if (coin()) return Bytes{0xF3, 0x0F, 0x1E, 0xFB};
        b = {0x0F, 0x1F};
        modrm(b, 0, true, 0, static_cast<uint32_t>(rng_()));
        return b;
      }
      case 42: {  // XLAT
        queue_.push_back([] { return Bytes{0xD7}; });
        return mov_imm(reg::ebx, data_addr(300))();
      }
      case 43: {  // segment-override prefixes in flat mode
        static const uint8_t seg[] = {0x26, 0x2E, 0x36, 0x3E};
        b.push_back(seg[rnd(4)]);
        b.push_back(0x8B);
        rm_any(b, dest_reg(4), 4, false);
        return b;
      }
      default: {  // register-register ALU, the bulk of compiled code
        const unsigned n = coin(80) ? 4 : 1, op = rnd(8);
        b.push_back(static_cast<uint8_t>(op * 8 + (n == 1 ? 0 : 1)));
        modrm(b, rnd(8), false, dest_reg(n), 0);
        return b;
      }
    }
  }

  const Ia32Core& c_;
  const FlatBus& bus_;
  std::mt19937 rng_;
  std::deque<std::function<Bytes()>> queue_;
};

// One stream of `count` random instructions from `seed`, compared after every
// instruction. Adds counts to compared_total/natively_total.
void run_stream(uint32_t seed, uint64_t count, uint64_t& compared_total, uint64_t& natively_total) {
  FlatBus bus(kMemSize);
  Ia32Core core(bus);
  Unicorn uc(kMemSize);
  std::mt19937 init(seed);
  for (uint32_t a = kData; a < kData + kDataSize; ++a) bus.mem[a] = static_cast<uint8_t>(init());
  for (uint32_t a = kStack; a < kStack + kStackSize; ++a) bus.mem[a] = static_cast<uint8_t>(init());
  uc.write(0, bus.mem.data(), kCode);

  core.set_entry_state(kCode + 0x1000, init(), init());
  for (unsigned r = 0; r < 8; ++r) core.set_gpr(r, init());
  core.set_gpr(reg::esp, kStack + 0x800);
  sync_to_unicorn(core, uc);

  Generator gen(core, bus, seed);
  uint64_t compared = 0, natively_checked = 0;
  std::string history[4];
  for (; compared < count; ++compared) {
    const uint32_t eip = core.eip();
    if (eip < gen.high_water) {  // wrapped around: forget old translations
      uc_ctl_remove_cache(uc.uc, kCode, kCode + kCodeSize);
      gen.restart_code(eip);
    }
    gen.high_water = eip;  // a forward branch skipped [high_water, eip)
    const Bytes insn = gen.next();
    gen.high_water = eip + static_cast<uint32_t>(insn.size());
    char hist[64];
    std::snprintf(hist, sizeof hist, "%08X: ", eip);
    history[compared % 4] = hist + hex_bytes(insn.data(), insn.size());
    std::memcpy(&bus.mem[eip], insn.data(), insn.size());
    uc.write(eip, insn.data(), insn.size());

    Insn d;
    std::string err;
    ASSERT_TRUE(core.decode_at(eip, d, &err)) << err;
    const uint32_t undefined_sdm = undefined_flags(d, core);
    const uint32_t undefined = undefined_sdm | unicorn_wrong_flags(d);

    std::string before;
    {
      char buf[200];
      std::snprintf(buf, sizeof buf, "eax=%08X ecx=%08X edx=%08X ebx=%08X esp=%08X ebp=%08X esi=%08X edi=%08X fl=%08X",
                    core.gpr(0), core.gpr(1), core.gpr(2), core.gpr(3), core.gpr(4), core.gpr(5), core.gpr(6),
                    core.gpr(7), core.eflags());
      before = buf;
      if (d.is_mem()) {
        uint32_t a = d.disp + (d.base >= 0 ? core.gpr(d.base) : 0) + (d.index >= 0 ? core.gpr(d.index) << d.scale : 0);
        std::snprintf(buf, sizeof buf, " [%08X]=%08X", a, a + 4 <= kMemSize ? *reinterpret_cast<const uint32_t*>(&bus.mem[a]) : 0);
        before += buf;
      }
    }
    // Shifts/rotates: the host CPU computes the reference flags.
    const bool is_shift = (d.opcode >= 0xC0 && d.opcode <= 0xC1) || (d.opcode >= 0xD0 && d.opcode <= 0xD3);
    uint32_t native_flags = 0;
#ifdef MINIPC_HAVE_NATIVE_ORACLE
    if (is_shift) {
      const unsigned n = (d.opcode & 1) ? d.opsize : 1;
      uint32_t v;
      if (d.is_mem()) {
        const uint32_t a = d.disp + (d.base >= 0 ? core.gpr(d.base) : 0) + (d.index >= 0 ? core.gpr(d.index) << d.scale : 0);
        std::memcpy(&v, &bus.mem[a], 4);
      } else {
        v = (n == 1 && d.rm >= 4) ? core.gpr(d.rm - 4) >> 8 : core.gpr(d.rm);
      }
      const uint8_t count = d.opcode <= 0xC1 ? static_cast<uint8_t>(d.imm) : d.opcode <= 0xD1 ? 1 : static_cast<uint8_t>(core.gpr(reg::ecx));
      native_flags = native_shift(d.regop, n, v, count, core.eflags()).flags;
    }
#endif
    bus.written.clear();
    uc.written.clear();
    const StepStatus s = core.step();
    ASSERT_EQ(s, StepStatus::ok) << core.fatal_message();
    // Unicorn runs until the EIP the core arrived at: with count=1 it runs on
    // into the next translation block, so "until" is the reliable stop. A
    // wrong core target shows up as a fault, a timeout or a register mismatch.
    const uc_err e = uc.step_until(eip, core.eip());
    ASSERT_EQ(e, UC_ERR_OK) << "unicorn: " << uc_strerror(e) << " at " << std::hex << eip << " bytes "
                            << hex_bytes(insn.data(), insn.size()) << "\n before: " << before << "\n after #" << compared;

    std::string diff = compare(core, uc, bus, kCompared & ~undefined);
#ifdef MINIPC_HAVE_NATIVE_ORACLE
    if (is_shift) {
      const uint32_t m = flag::status & ~undefined_sdm;
      if ((native_flags ^ core.eflags()) & m) {
        char buf[128];
        std::snprintf(buf, sizeof buf, " eflags core=%08X host-cpu=%08X (compared bits %08X);", core.eflags(), native_flags, m);
        diff += buf;
      }
      ++natively_checked;
    }
#endif
    if (!diff.empty()) {
      ADD_FAILURE() << "mismatch after instruction #" << compared << " at EIP=" << std::hex << eip
                    << " bytes: " << hex_bytes(insn.data(), insn.size()) << "\n before: " << before << "\n " << diff << "\n previous: " << history[(compared + 1) % 4] << " | "
                    << history[(compared + 2) % 4] << " | " << history[(compared + 3) % 4] << "\n seed " << std::dec
                    << seed;
      return;
    }
    // Undefined flags and results may differ: continue from the core's state.
    if (undefined) uc.set_reg(UC_X86_REG_EFLAGS, core.eflags());
  }
  compared_total += compared;
  natively_total += natively_checked;
}

// The run loop executes straight-line code in blocks (Ia32Core::Block),
// which the lockstep above (one step() at a time) never uses. Here a random
// stream is first generated and executed one step() at a time on core A,
// recording the state after every instruction; then core B starts from the
// same state and memory, with the code A ran, and runs it through run(k) with
// random budgets k (1..64): after every run() B must be exactly where A was
// after the same number of instructions (all GPRs, EIP, EFLAGS, cycles), and
// at the end the data and stack windows must match byte for byte.
struct CoreState {
  uint32_t gpr[8], eip, eflags;
  uint64_t cycles;
  bool operator==(const CoreState& o) const {
    return std::memcmp(gpr, o.gpr, sizeof gpr) == 0 && eip == o.eip && eflags == o.eflags && cycles == o.cycles;
  }
};
CoreState state_of(const Ia32Core& c) {
  CoreState s{};
  for (unsigned r = 0; r < 8; ++r) s.gpr[r] = c.gpr(r);
  s.eip = c.eip();
  s.eflags = c.eflags();
  s.cycles = c.cycles();
  return s;
}
std::string describe(const CoreState& s) {
  char buf[220];
  std::snprintf(buf, sizeof buf, "eip=%08X eax=%08X ecx=%08X edx=%08X ebx=%08X esp=%08X ebp=%08X esi=%08X edi=%08X fl=%08X cycles=%llu",
                s.eip, s.gpr[0], s.gpr[1], s.gpr[2], s.gpr[3], s.gpr[4], s.gpr[5], s.gpr[6], s.gpr[7], s.eflags,
                static_cast<unsigned long long>(s.cycles));
  return buf;
}

// jit: core B translates every block at its first entry (Jit), else its
// blocks are interpreted.
void block_run_stream(uint32_t seed, uint64_t count, uint64_t& compared_total, bool jit) {
  FlatBus bus_a(kMemSize);
  Ia32Core a(bus_a);
  std::mt19937 init(seed);
  for (uint32_t x = kData; x < kData + kDataSize; ++x) bus_a.mem[x] = static_cast<uint8_t>(init());
  for (uint32_t x = kStack; x < kStack + kStackSize; ++x) bus_a.mem[x] = static_cast<uint8_t>(init());
  a.set_entry_state(kCode + 0x1000, init(), init());
  for (unsigned r = 0; r < 8; ++r) a.set_gpr(r, init());
  a.set_gpr(reg::esp, kStack + 0x800);
  FlatBus bus_b(kMemSize);
  bus_b.direct = true;  // host pointers: the decode cache and blocks (fast mode)
  Ia32Core b(bus_b);
  b.set_jit(jit, 1);
  std::memcpy(&bus_b.mem[kData], &bus_a.mem[kData], kDataSize);
  std::memcpy(&bus_b.mem[kStack], &bus_a.mem[kStack], kStackSize);
  b.set_entry_state(a.eip(), a.gpr(reg::eax), a.gpr(reg::ebx));
  for (unsigned r = 0; r < 8; ++r) b.set_gpr(r, a.gpr(r));

  // A: generate and step; stop before the code window wraps (code written
  // over old code would not be the code B runs).
  Generator gen(a, bus_a, seed);
  std::vector<CoreState> after{state_of(a)};  // after[i]: state after i instructions
  // Flag probes (translated runs): after a third of the instructions,
  // pushfd; pop dword [kFlagLog + 4*k]. Inside a block the flags are
  // otherwise overwritten before any run() boundary looks at them; the log
  // window is compared byte for byte at the end.
  std::mt19937 probe_rng(seed * 7 + 1);
  unsigned probe_stage = 0, probes = 0;
  while (after.size() <= count) {
    const uint32_t eip = a.eip();
    if (eip < gen.high_water) break;
    gen.high_water = eip;
    Bytes insn;
    if (probe_stage == 1) {
      insn = {0x9C};  // pushfd
      probe_stage = 2;
    } else if (probe_stage == 2) {
      const uint32_t at = kFlagLog + 4 * (probes++ % (kFlagLogSize / 4));
      insn = {0x8F, 0x05, static_cast<uint8_t>(at), static_cast<uint8_t>(at >> 8), static_cast<uint8_t>(at >> 16),
              static_cast<uint8_t>(at >> 24)};  // pop dword [at]
      probe_stage = 0;
    } else {
      insn = gen.next();
      if (jit && probe_rng() % 3 == 0) probe_stage = 1;
    }
    gen.high_water = eip + static_cast<uint32_t>(insn.size());
    std::memcpy(&bus_a.mem[eip], insn.data(), insn.size());
    const uint64_t before = a.instructions();
    ASSERT_EQ(a.step(), StepStatus::ok) << a.fatal_message();
    if (a.instructions() != before) after.push_back(state_of(a));
  }
  const uint64_t n = after.size() - 1;
  ASSERT_GT(n, count / 2) << "the code window wrapped early";
  std::memcpy(&bus_b.mem[kCode], &bus_a.mem[kCode], kCodeSize);

  // Translated: a second pass from the same start over the same code, now
  // translated throughout, so blocks chain into each other.
  std::vector<uint8_t> data0(&bus_b.mem[kData], &bus_b.mem[kData] + kDataSize);
  std::vector<uint8_t> stack0(&bus_b.mem[kStack], &bus_b.mem[kStack] + kStackSize);
  const CoreState start = after[0];
  for (unsigned pass = 0; pass < (jit ? 2u : 1u); ++pass) {
    if (pass > 0) {
      std::copy(data0.begin(), data0.end(), &bus_b.mem[kData]);
      std::copy(stack0.begin(), stack0.end(), &bus_b.mem[kStack]);
      std::fill(&bus_b.mem[kFlagLog], &bus_b.mem[kFlagLog] + kFlagLogSize, 0);
      b.set_entry_state(start.eip, start.gpr[reg::eax], start.gpr[reg::ebx]);
      for (unsigned r = 0; r < 8; ++r) b.set_gpr(r, start.gpr[r]);
      b.set_eflags(start.eflags);
    }
    const uint64_t insns0 = b.instructions(), cycles0 = b.cycles();
    std::mt19937 budgets((seed ^ 0x9E3779B9u) + pass);
    uint64_t done = 0;
    while (done < n) {
      const uint64_t k = std::min<uint64_t>(1 + budgets() % 64, n - done);
      ASSERT_EQ(b.run(k), StepStatus::ok) << b.fatal_message();
      done += k;
      ASSERT_EQ(b.instructions() - insns0, done);
      CoreState sb = state_of(b);
      sb.cycles -= cycles0;
      ASSERT_TRUE(sb == after[done]) << "after " << done << " instructions (run(" << k << ")), pass " << pass
                                     << ", seed " << seed << "\n stepped: " << describe(after[done])
                                     << "\n blocks:  " << describe(sb);
    }
    EXPECT_EQ(0, std::memcmp(&bus_a.mem[kData], &bus_b.mem[kData], kDataSize)) << "data window, seed " << seed;
    EXPECT_EQ(0, std::memcmp(&bus_a.mem[kStack], &bus_b.mem[kStack], kStackSize)) << "stack window, seed " << seed;
    EXPECT_EQ(0, std::memcmp(&bus_a.mem[kFlagLog], &bus_b.mem[kFlagLog], kFlagLogSize)) << "flag probes, seed " << seed;
  }
  compared_total += n;
}

void block_run_test(uint32_t seed, bool jit) {
  if (const char* s = std::getenv("MINIPC_LOCKSTEP_SEED")) seed = static_cast<uint32_t>(std::strtoul(s, nullptr, 0));
  const uint64_t count = LOCKSTEP_INSTRUCTIONS;
  uint64_t compared = 0;
  for (uint32_t stream = 0; compared < count && !::testing::Test::HasFailure(); ++stream)
    block_run_stream(seed + stream, std::min<uint64_t>(20000, count - compared), compared, jit);
  ::testing::Test::RecordProperty("instructions_compared", static_cast<int>(compared));
  std::printf("block run (%s): %llu instructions run in blocks and compared with single steps, seeds %u..\n",
              jit ? "translated" : "interpreted", static_cast<unsigned long long>(compared), seed);
}

TEST(RandomLockstep, BlockRunMatchesStepping) { block_run_test(777, false); }

// The same with every block translated to host code at its first entry.
TEST(RandomLockstep, TranslatedBlocksMatchStepping) {
  if (!Ia32Core::jit_available()) GTEST_SKIP() << "no translator on this host";
  block_run_test(4242, true);
}

// Long runs are split into streams of kStream instructions, each with a
// fresh core and a fresh Unicorn (seed, seed+1, ...): Unicorn 2.0.1 itself
// crashes (a null dereference inside libunicorn) after some millions of
// single-stepped instructions in one instance.
constexpr uint64_t kStream = 50000;

TEST(RandomLockstep, MatchesUnicorn) {
  uint32_t seed = 12345;
  if (const char* s = std::getenv("MINIPC_LOCKSTEP_SEED")) seed = static_cast<uint32_t>(std::strtoul(s, nullptr, 0));
  const uint64_t count = LOCKSTEP_INSTRUCTIONS;
  uint64_t compared = 0, natively_checked = 0;
  for (uint32_t stream = 0; compared < count && !::testing::Test::HasFailure(); ++stream)
    run_stream(seed + stream, std::min(kStream, count - compared), compared, natively_checked);
  RecordProperty("instructions_compared", static_cast<int>(compared));
  std::printf("lockstep: %llu instructions compared with Unicorn (%llu shift/rotate flags against the host CPU), seeds %u..\n",
              static_cast<unsigned long long>(compared), static_cast<unsigned long long>(natively_checked), seed);
}

}  // namespace
}  // namespace minipc::iss
