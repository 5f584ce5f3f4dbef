// Ia32Core: decode (table driven, opcodes.def) and execute.
#include "cpu/ia32_core.h"

#include <cstdio>
#include <utility>

#include "cpu/jit.h"
#include <cstring>

namespace minipc {

namespace {

// Decode flags used in opcodes.def.
enum DecodeFlag : uint8_t { M = 1, I8 = 2, I16 = 4, IZ = 8, I32 = 16, FAR = 32, ENTER = 64, GRP3 = 128 };

struct OpcodeEntry {
  InsnHandler handler;
  uint8_t decode;
  CostClass cost;
};

constexpr uint32_t mask_of(unsigned n) { return n == 1 ? 0xFFu : n == 2 ? 0xFFFFu : 0xFFFFFFFFu; }
constexpr uint32_t msb_of(unsigned n) { return 1u << (n * 8 - 1); }
constexpr uint32_t sx8(uint32_t v) { return static_cast<uint32_t>(static_cast<int32_t>(static_cast<int8_t>(v))); }
constexpr uint32_t sx16(uint32_t v) { return static_cast<uint32_t>(static_cast<int32_t>(static_cast<int16_t>(v))); }
constexpr uint32_t sx(uint32_t v, unsigned n) { return n == 1 ? sx8(v) : n == 2 ? sx16(v) : v; }

struct ParityTable {
  uint8_t pf[256];
  constexpr ParityTable() : pf() {
    for (unsigned i = 0; i < 256; ++i) {
      unsigned bits = 0;
      for (unsigned b = 0; b < 8; ++b) bits += (i >> b) & 1;
      pf[i] = (bits & 1) ? 0 : static_cast<uint8_t>(flag::pf);
    }
  }
};
constexpr ParityTable kParity;

// Sign, zero and parity flags of a result of n bytes.
inline uint32_t szp(uint32_t r, unsigned n) {
  return (r & mask_of(n) ? 0 : flag::zf) | (r & msb_of(n) ? flag::sf : 0) | kParity.pf[r & 0xFF];
}

std::string hex32(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08X", v);
  return buf;
}

}  // namespace

// All instruction handlers; a friend of Ia32Core.
struct Exec {
  using C = Ia32Core;
  using D = Insn;

  static void set_status(C& c, uint32_t f) { c.eflags_ = (c.eflags_ & ~flag::status) | f; }
  static bool cf(const C& c) { return c.eflags_ & flag::cf; }

  // ---- arithmetic with exact flags ---------------------------------------
  // op: 0 ADD, 1 OR, 2 ADC, 3 SBB, 4 AND, 5 SUB, 6 XOR, 7 CMP
  static uint32_t alu_op(C& c, unsigned op, unsigned n, uint32_t a, uint32_t b) {
    const uint32_t m = mask_of(n), sb = msb_of(n);
    a &= m;
    b &= m;
    uint32_t r = 0, f = 0;
    switch (op & 7) {
      case 0:
      case 2: {
        const uint32_t carry = (op == 2 && cf(c)) ? 1 : 0;
        r = (a + b + carry) & m;
        f = (carry ? r <= a : r < a) ? flag::cf : 0;
        f |= ((a ^ r) & (b ^ r) & sb) ? flag::of : 0;
        f |= (a ^ b ^ r) & flag::af;
        break;
      }
      case 3:
      case 5:
      case 7: {
        const uint32_t borrow = (op == 3 && cf(c)) ? 1 : 0;
        r = (a - b - borrow) & m;
        f = (borrow ? a <= b : a < b) ? flag::cf : 0;
        f |= ((a ^ b) & (a ^ r) & sb) ? flag::of : 0;
        f |= (a ^ b ^ r) & flag::af;
        break;
      }
      case 1: r = a | b; break;
      case 4: r = a & b; break;
      case 6: r = a ^ b; break;
    }
    set_status(c, f | szp(r, n));
    return r;
  }

  static uint32_t inc_dec(C& c, unsigned n, uint32_t a, bool dec) {
    const uint32_t m = mask_of(n), sb = msb_of(n);
    a &= m;
    const uint32_t r = (dec ? a - 1 : a + 1) & m;
    uint32_t f = (c.eflags_ & flag::cf) | szp(r, n) | ((a ^ 1 ^ r) & flag::af);
    if (dec ? a == sb : r == sb) f |= flag::of;
    set_status(c, f);
    return r;
  }

  // Shifts and rotates (group 2). Returns the result; flags as the SDM says.
  static uint32_t shift_op(C& c, unsigned op, unsigned n, uint32_t a, unsigned count) {
    const unsigned bits = n * 8;
    const uint32_t m = mask_of(n), sb = msb_of(n);
    a &= m;
    count &= 0x1F;
    if (count == 0) return a;
    uint32_t r = a, f = c.eflags_ & flag::status;
    auto setf = [&](uint32_t bit, bool on) { f = on ? (f | bit) : (f & ~bit); };
    switch (op & 7) {
      case 0: {  // ROL
        const unsigned k = count % bits;
        r = k ? ((a << k) | (a >> (bits - k))) & m : a;
        setf(flag::cf, r & 1);
        setf(flag::of, ((r & sb) != 0) != ((r & 1) != 0));
        break;
      }
      case 1: {  // ROR
        const unsigned k = count % bits;
        r = k ? ((a >> k) | (a << (bits - k))) & m : a;
        setf(flag::cf, r & sb);
        setf(flag::of, ((r & sb) != 0) != ((r & (sb >> 1)) != 0));
        break;
      }
      case 2: {  // RCL
        const unsigned k = n == 4 ? count : count % (bits + 1);
        bool carry = cf(c);
        for (unsigned i = 0; i < k; ++i) {
          const bool out = r & sb;
          r = ((r << 1) | (carry ? 1 : 0)) & m;
          carry = out;
        }
        setf(flag::cf, carry);
        setf(flag::of, ((r & sb) != 0) != carry);
        break;
      }
      case 3: {  // RCR
        const unsigned k = n == 4 ? count : count % (bits + 1);
        bool carry = cf(c);
        setf(flag::of, ((a & sb) != 0) != carry);
        for (unsigned i = 0; i < k; ++i) {
          const bool out = r & 1;
          r = (r >> 1) | (carry ? sb : 0);
          carry = out;
        }
        setf(flag::cf, carry);
        break;
      }
      case 4:
      case 6: {  // SHL/SAL
        r = count < 32 ? (a << count) & m : 0;
        const bool out = count <= bits ? (a >> (bits - count)) & 1 : false;
        f = szp(r, n) | (out ? flag::cf : 0);
        if (((r & sb) != 0) != out) f |= flag::of;
        break;
      }
      case 5: {  // SHR
        r = a >> count;
        f = szp(r, n) | (((a >> (count - 1)) & 1) ? flag::cf : 0) | ((a & sb) ? flag::of : 0);
        break;
      }
      case 7: {  // SAR
        const int32_t s = static_cast<int32_t>(sx(a, n));
        r = static_cast<uint32_t>(s >> (count > 31 ? 31 : count)) & m;
        f = szp(r, n) | (((s >> (count - 1)) & 1) ? flag::cf : 0);
        break;
      }
    }
    set_status(c, f);
    return r;
  }

  // ---- helpers ------------------------------------------------------------
  static unsigned opsz(const D& d) { return d.opsize; }
  static unsigned byte_or_v(const D& d) { return (d.opcode & 1) ? d.opsize : 1; }
  static void jump(C& c, const D& d, uint32_t target) {
    c.next_eip_ = d.opsize == 2 ? (target & 0xFFFF) : target;
    c.ev_.branch_taken = true;
  }
  [[noreturn]] static void bad(C& c, const D& d) {
    char buf[48];
    if (d.opcode >= 0x100)
      std::snprintf(buf, sizeof buf, "0F %02X /%u", d.opcode & 0xFF, d.regop);
    else
      std::snprintf(buf, sizeof buf, "%02X /%u", d.opcode, d.regop);
    throw C::Fault{FatalKind::none, C::UD, "unsupported opcode " + std::string(buf) + c.unsupported_message(c.insn_eip_)};
  }

  // ---- 32-bit specialisations -----------------------------------------------
  // The hottest forms (ALU and MOV on 32-bit operands, chosen once at decode
  // time by specialize()) with the operand size and operation fixed at compile
  // time. Same results and flags as the generic handlers below.
  static uint32_t szp32(uint32_t r) { return (r ? 0 : flag::zf) | ((r >> 24) & flag::sf) | kParity.pf[r & 0xFF]; }
  template <unsigned OP>
  static uint32_t alu32(C& c, uint32_t a, uint32_t b) {
    uint32_t r, f = 0;
    if constexpr (OP == 0 || OP == 2) {
      const uint32_t carry = (OP == 2 && cf(c)) ? 1 : 0;
      r = a + b + carry;
      f = (carry ? r <= a : r < a) ? flag::cf : 0;
      f |= ((a ^ r) & (b ^ r) & 0x80000000u) ? flag::of : 0;
      f |= (a ^ b ^ r) & flag::af;
    } else if constexpr (OP == 3 || OP == 5 || OP == 7) {
      const uint32_t borrow = (OP == 3 && cf(c)) ? 1 : 0;
      r = a - b - borrow;
      f = (borrow ? a <= b : a < b) ? flag::cf : 0;
      f |= ((a ^ b) & (a ^ r) & 0x80000000u) ? flag::of : 0;
      f |= (a ^ b ^ r) & flag::af;
    } else if constexpr (OP == 1) {
      r = a | b;
    } else if constexpr (OP == 4) {
      r = a & b;
    } else {
      r = a ^ b;
    }
    set_status(c, f | szp32(r));
    return r;
  }
  static uint32_t mem_lin(const C& c, const D& d) { return c.linear(d.eseg, c.ea(d)); }
  template <unsigned OP, bool MEM>
  static void ex_alu32_ev_gv(C& c, const D& d) {  // op Ev,Gv
    if constexpr (MEM) {
      const uint32_t lin = mem_lin(c, d);
      const uint32_t r = alu32<OP>(c, c.read(lin, 4), c.regs_[d.regop]);
      if constexpr (OP != 7) c.write(lin, r, 4);
    } else {
      const uint32_t r = alu32<OP>(c, c.regs_[d.rm], c.regs_[d.regop]);
      if constexpr (OP != 7) c.regs_[d.rm] = r;
    }
  }
  template <unsigned OP, bool MEM>
  static void ex_alu32_gv_ev(C& c, const D& d) {  // op Gv,Ev
    const uint32_t b = MEM ? c.read(mem_lin(c, d), 4) : c.regs_[d.rm];
    const uint32_t r = alu32<OP>(c, c.regs_[d.regop], b);
    if constexpr (OP != 7) c.regs_[d.regop] = r;
  }
  template <unsigned OP, bool MEM, bool IMM8>
  static void ex_alu32_ev_imm(C& c, const D& d) {  // op Ev,Iz (81) / op Ev,Ib (83)
    const uint32_t imm = IMM8 ? sx8(d.imm) : d.imm;
    if constexpr (MEM) {
      const uint32_t lin = mem_lin(c, d);
      const uint32_t r = alu32<OP>(c, c.read(lin, 4), imm);
      if constexpr (OP != 7) c.write(lin, r, 4);
    } else {
      const uint32_t r = alu32<OP>(c, c.regs_[d.rm], imm);
      if constexpr (OP != 7) c.regs_[d.rm] = r;
    }
  }
  template <unsigned OP>
  static void ex_alu32_eax_imm(C& c, const D& d) {  // op eAX,Iz
    const uint32_t r = alu32<OP>(c, c.regs_[reg::eax], d.imm);
    if constexpr (OP != 7) c.regs_[reg::eax] = r;
  }
  template <bool MEM>
  static void ex_mov32_ev_gv(C& c, const D& d) {
    if constexpr (MEM) c.write(mem_lin(c, d), c.regs_[d.regop], 4);
    else c.regs_[d.rm] = c.regs_[d.regop];
  }
  template <bool MEM>
  static void ex_mov32_gv_ev(C& c, const D& d) {
    c.regs_[d.regop] = MEM ? c.read(mem_lin(c, d), 4) : c.regs_[d.rm];
  }
  // SHL/SHR/SAR Ev by Ib (C1), 1 (D1) or CL (D3); shift_op's flags for n = 4.
  template <unsigned OP>
  static uint32_t shift32(C& c, uint32_t a, unsigned count) {
    uint32_t r, f;
    if constexpr (OP == 4) {
      r = a << count;
      const bool out = (a >> (32 - count)) & 1;
      f = szp32(r) | (out ? flag::cf : 0) | (((r >> 31) != 0) != out ? flag::of : 0);
    } else if constexpr (OP == 5) {
      r = a >> count;
      f = szp32(r) | (((a >> (count - 1)) & 1) ? flag::cf : 0) | ((a & 0x80000000u) ? flag::of : 0);
    } else {
      const int32_t sa = static_cast<int32_t>(a);
      r = static_cast<uint32_t>(sa >> count);
      f = szp32(r) | (((sa >> (count - 1)) & 1) ? flag::cf : 0);
    }
    set_status(c, f);
    return r;
  }
  template <unsigned OP, bool MEM, unsigned FORM>  // FORM: 0 Ib, 1 one, 2 CL
  static void ex_shift32(C& c, const D& d) {
    const unsigned count = (FORM == 0 ? d.imm : FORM == 1 ? 1 : c.regs_[reg::ecx]) & 0x1F;
    if constexpr (MEM) {
      const uint32_t lin = mem_lin(c, d);
      const uint32_t a = c.read(lin, 4);
      if (count) c.write(lin, shift32<OP>(c, a, count), 4);
    } else {
      if (count) c.regs_[d.rm] = shift32<OP>(c, c.regs_[d.rm], count);
    }
  }
  template <unsigned OP>
  struct ShiftTable {
    static constexpr InsnHandler h[2][3] = {{&ex_shift32<OP, false, 0>, &ex_shift32<OP, false, 1>, &ex_shift32<OP, false, 2>},
                                            {&ex_shift32<OP, true, 0>, &ex_shift32<OP, true, 1>, &ex_shift32<OP, true, 2>}};
  };
  template <bool DEC>
  static void ex_incdec32_r(C& c, const D& d) {  // 40+r / 48+r: inc_dec()'s flags for n = 4 (CF kept)
    const unsigned r = d.opcode & 7;
    const uint32_t a = c.regs_[r], v = DEC ? a - 1 : a + 1;
    uint32_t f = (c.eflags_ & flag::cf) | szp32(v) | ((a ^ 1 ^ v) & flag::af);
    if (DEC ? a == 0x80000000u : v == 0x80000000u) f |= flag::of;
    set_status(c, f);
    c.regs_[r] = v;
  }
  template <bool MEM, bool WORD>
  static void ex_movzx32(C& c, const D& d) {  // 0F B6 / 0F B7 into a 32-bit register
    if constexpr (MEM) {
      c.regs_[d.regop] = c.read(mem_lin(c, d), WORD ? 2 : 1);
    } else {
      c.regs_[d.regop] = c.get_reg(WORD ? 2 : 1, d.rm);
    }
  }
  // IMUL Gv,Ev,Iz/Ib (69/6B) and IMUL Gv,Ev (0F AF): imul_trunc() for n = 4.
  static uint32_t imul32(C& c, uint32_t a, uint32_t b) {
    const int64_t p = int64_t{static_cast<int32_t>(a)} * static_cast<int32_t>(b);
    const uint32_t r = static_cast<uint32_t>(p);
    set_status(c, szp32(r) | (p != static_cast<int32_t>(r) ? (flag::cf | flag::of) : 0));
    return r;
  }
  template <bool MEM, bool IMM8>
  static void ex_imul3_32(C& c, const D& d) {
    const uint32_t b = MEM ? c.read(mem_lin(c, d), 4) : c.regs_[d.rm];
    c.regs_[d.regop] = imul32(c, b, IMM8 ? sx8(d.imm) : d.imm);
  }
  template <bool MEM>
  static void ex_imul2_32(C& c, const D& d) {
    const uint32_t b = MEM ? c.read(mem_lin(c, d), 4) : c.regs_[d.rm];
    c.regs_[d.regop] = imul32(c, c.regs_[d.regop], b);
  }
  // MUL/IMUL Ev (F7 /4, /5): ex_grp3's result, flags and extra cycles for n = 4.
  template <bool SIGNED, bool MEM>
  static void ex_mul32(C& c, const D& d) {
    const uint32_t src = MEM ? c.read(mem_lin(c, d), 4) : c.regs_[d.rm];
    const uint32_t a = c.regs_[reg::eax];
    const uint64_t p = SIGNED ? static_cast<uint64_t>(int64_t{static_cast<int32_t>(a)} * static_cast<int32_t>(src))
                              : uint64_t{a} * src;
    const uint32_t lo = static_cast<uint32_t>(p);
    c.regs_[reg::eax] = lo;
    c.regs_[reg::edx] = static_cast<uint32_t>(p >> 32);
    const bool overflow = SIGNED ? static_cast<int64_t>(p) != static_cast<int32_t>(lo) : (p >> 32) != 0;
    set_status(c, szp32(lo) | (overflow ? (flag::cf | flag::of) : 0));
    c.cycles_ += cycle_cost(CostClass::mul) - cycle_cost(CostClass::alu);
  }
  // Jcc rel8 / rel32 with a 32-bit operand size: ex_jcc with the condition fixed.
  template <unsigned CC, bool NEAR>
  static void ex_jcc32(C& c, const D& d) {
    if (c.cond(CC)) {
      c.next_eip_ += NEAR ? d.imm : sx8(d.imm);
      c.ev_.branch_taken = true;
    }
  }
  template <unsigned... CC>
  struct JccTable {
    static constexpr InsnHandler h[2][16] = {{&ex_jcc32<CC, false>...}, {&ex_jcc32<CC, true>...}};
  };
  using Jcc = JccTable<0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15>;
  template <unsigned... OP>
  struct AluTable {
    static constexpr InsnHandler ev_gv[2][8] = {{&ex_alu32_ev_gv<OP, false>...}, {&ex_alu32_ev_gv<OP, true>...}};
    static constexpr InsnHandler gv_ev[2][8] = {{&ex_alu32_gv_ev<OP, false>...}, {&ex_alu32_gv_ev<OP, true>...}};
    static constexpr InsnHandler ev_iz[2][8] = {{&ex_alu32_ev_imm<OP, false, false>...}, {&ex_alu32_ev_imm<OP, true, false>...}};
    static constexpr InsnHandler ev_ib[2][8] = {{&ex_alu32_ev_imm<OP, false, true>...}, {&ex_alu32_ev_imm<OP, true, true>...}};
    static constexpr InsnHandler eax_imm[8] = {&ex_alu32_eax_imm<OP>...};
  };
  using Alu = AluTable<0, 1, 2, 3, 4, 5, 6, 7>;
  // Picks a specialised handler for a decoded instruction, where one exists.
  static void specialize(D& d) {
    if (d.opsize != 4 || d.lock) return;
    const uint16_t op = d.opcode;
    const bool mem = d.is_mem();
    if (op < 0x40) {
      const unsigned alu = (op >> 3) & 7;
      switch (op & 7) {
        case 1: d.handler = Alu::ev_gv[mem][alu]; break;
        case 3: d.handler = Alu::gv_ev[mem][alu]; break;
        case 5: d.handler = Alu::eax_imm[alu]; break;
        default: break;
      }
    } else if (op == 0x81) {
      d.handler = Alu::ev_iz[mem][d.regop];
    } else if (op == 0x83) {
      d.handler = Alu::ev_ib[mem][d.regop];
    } else if ((op == 0xC1 || op == 0xD1 || op == 0xD3) && (d.regop == 4 || d.regop == 5 || d.regop == 7)) {
      const unsigned form = op == 0xC1 ? 0 : op == 0xD1 ? 1 : 2;
      d.handler = d.regop == 4 ? ShiftTable<4>::h[mem][form] : d.regop == 5 ? ShiftTable<5>::h[mem][form] : ShiftTable<7>::h[mem][form];
    } else if (op == 0xF7 && (d.regop == 4 || d.regop == 5)) {
      d.handler = d.regop == 4 ? (mem ? &ex_mul32<false, true> : &ex_mul32<false, false>)
                               : (mem ? &ex_mul32<true, true> : &ex_mul32<true, false>);
    } else if ((op >= 0x70 && op <= 0x7F) || (op >= 0x180 && op <= 0x18F)) {
      d.handler = Jcc::h[op >= 0x180][op & 0xF];
    } else if (op == 0x69) {
      d.handler = mem ? &ex_imul3_32<true, false> : &ex_imul3_32<false, false>;
    } else if (op == 0x6B) {
      d.handler = mem ? &ex_imul3_32<true, true> : &ex_imul3_32<false, true>;
    } else if (op == 0x1AF) {
      d.handler = mem ? &ex_imul2_32<true> : &ex_imul2_32<false>;
    } else if (op >= 0x40 && op <= 0x4F) {
      d.handler = op < 0x48 ? &ex_incdec32_r<false> : &ex_incdec32_r<true>;
    } else if (op == 0x1B6) {
      d.handler = mem ? &ex_movzx32<true, false> : &ex_movzx32<false, false>;
    } else if (op == 0x1B7) {
      d.handler = mem ? &ex_movzx32<true, true> : &ex_movzx32<false, true>;
    } else if (op == 0x89) {
      d.handler = mem ? &ex_mov32_ev_gv<true> : &ex_mov32_ev_gv<false>;
    } else if (op == 0x8B) {
      d.handler = mem ? &ex_mov32_gv_ev<true> : &ex_mov32_gv_ev<false>;
    }
  }

  // ---- handlers -------------------------------------------------------------
  static void ex_alu(C& c, const D& d) {
    const unsigned op = (d.opcode >> 3) & 7, form = d.opcode & 7;
    const unsigned n = (form & 1) ? d.opsize : 1;
    switch (form) {
      case 0:
      case 1: {
        if (d.is_mem()) {
          const uint32_t lin = c.linear(c.ea_seg(d), c.ea(d));
          const uint32_t r = alu_op(c, op, n, c.read(lin, n), c.get_reg(n, d.regop));
          if (op != 7) c.write(lin, r, n);
        } else {
          const uint32_t r = alu_op(c, op, n, c.get_reg(n, d.rm), c.get_reg(n, d.regop));
          if (op != 7) c.set_reg(n, d.rm, r);
        }
        break;
      }
      case 2:
      case 3: {
        const uint32_t r = alu_op(c, op, n, c.get_reg(n, d.regop), c.read_rm(d, n));
        if (op != 7) c.set_reg(n, d.regop, r);
        break;
      }
      case 4:
      case 5: {
        const uint32_t r = alu_op(c, op, n, c.get_reg(n, reg::eax), d.imm);
        if (op != 7) c.set_reg(n, reg::eax, r);
        break;
      }
    }
  }
  static void ex_grp1(C& c, const D& d) {
    const unsigned n = (d.opcode & 1) ? d.opsize : 1;
    const uint32_t imm = d.opcode == 0x83 ? sx8(d.imm) : d.imm;
    if (d.is_mem()) {
      const uint32_t lin = c.linear(c.ea_seg(d), c.ea(d));
      const uint32_t r = alu_op(c, d.regop, n, c.read(lin, n), imm);
      if (d.regop != 7) c.write(lin, r, n);
    } else {
      const uint32_t r = alu_op(c, d.regop, n, c.get_reg(n, d.rm), imm);
      if (d.regop != 7) c.set_reg(n, d.rm, r);
    }
  }
  static void ex_test(C& c, const D& d) {
    const unsigned n = byte_or_v(d);
    alu_op(c, 4, n, c.read_rm(d, n), c.get_reg(n, d.regop));
  }
  static void ex_test_a(C& c, const D& d) {
    const unsigned n = d.opcode == 0xA8 ? 1 : d.opsize;
    alu_op(c, 4, n, c.get_reg(n, reg::eax), d.imm);
  }
  static void ex_inc_r(C& c, const D& d) {
    c.set_reg(d.opsize, d.opcode & 7, inc_dec(c, d.opsize, c.get_reg(d.opsize, d.opcode & 7), false));
  }
  static void ex_dec_r(C& c, const D& d) {
    c.set_reg(d.opsize, d.opcode & 7, inc_dec(c, d.opsize, c.get_reg(d.opsize, d.opcode & 7), true));
  }
  static void rmw(C& c, const D& d, unsigned n, uint32_t (*fn)(C&, const D&, unsigned, uint32_t)) {
    if (d.is_mem()) {
      const uint32_t lin = c.linear(c.ea_seg(d), c.ea(d));
      c.write(lin, fn(c, d, n, c.read(lin, n)), n);
    } else {
      c.set_reg(n, d.rm, fn(c, d, n, c.get_reg(n, d.rm)));
    }
  }
  static void ex_grp4(C& c, const D& d) {
    if (d.regop > 1) bad(c, d);
    rmw(c, d, 1, [](C& c, const D& d, unsigned n, uint32_t a) { return inc_dec(c, n, a, d.regop == 1); });
  }
  static void ex_grp5(C& c, const D& d) {
    const unsigned n = d.opsize;
    switch (d.regop) {
      case 0:
      case 1:
        rmw(c, d, n, [](C& c, const D& d, unsigned n, uint32_t a) { return inc_dec(c, n, a, d.regop == 1); });
        break;
      case 2: {  // call near indirect
        const uint32_t target = c.read_rm(d, n);
        c.push(c.next_eip_, n);
        jump(c, d, target);
        break;
      }
      case 3:  // call far m16:32
      case 5: {  // jmp far m16:32
        if (!d.is_mem()) bad(c, d);
        const uint32_t lin = c.linear(c.ea_seg(d), c.ea(d));
        const uint32_t off = c.read(lin, n);
        const uint16_t sel = static_cast<uint16_t>(c.read(lin + n, 2));
        far_transfer(c, d, sel, off, d.regop == 3);
        break;
      }
      case 4: jump(c, d, c.read_rm(d, n)); break;
      case 6: {
        const uint32_t v = c.read_rm(d, n);
        c.push(v, n);
        break;
      }
      default: bad(c, d);
    }
  }
  static void ex_grp2(C& c, const D& d) {
    const unsigned n = byte_or_v(d);
    unsigned count;
    if (d.opcode <= 0xC1) count = d.imm & 0xFF;
    else if (d.opcode <= 0xD1) count = 1;
    else count = c.regs_[reg::ecx] & 0xFF;
    if (d.is_mem()) {
      const uint32_t lin = c.linear(c.ea_seg(d), c.ea(d));
      const uint32_t a = c.read(lin, n);
      const uint32_t r = shift_op(c, d.regop, n, a, count);
      if (count & 0x1F) c.write(lin, r, n);
    } else {
      c.set_reg(n, d.rm, shift_op(c, d.regop, n, c.get_reg(n, d.rm), count));
    }
  }
  static void ex_grp3(C& c, const D& d) {
    const unsigned n = byte_or_v(d);
    switch (d.regop) {
      case 0:
      case 1: alu_op(c, 4, n, c.read_rm(d, n), d.imm); break;
      case 2: rmw(c, d, n, [](C&, const D&, unsigned n, uint32_t a) { return ~a & mask_of(n); }); break;
      case 3: rmw(c, d, n, [](C& c, const D&, unsigned n, uint32_t a) { return alu_op(c, 5, n, 0, a); }); break;
      case 4:
      case 5: {  // MUL / IMUL (one operand)
        const uint32_t src = c.read_rm(d, n);
        const bool is_signed = d.regop == 5;
        uint64_t lo, hi;
        bool overflow;
        if (n == 1) {
          const uint32_t a = c.regs_[reg::eax] & 0xFF;
          const uint32_t p = is_signed ? static_cast<uint32_t>(static_cast<int32_t>(sx8(a)) * static_cast<int32_t>(sx8(src)))
                                       : a * src;
          c.set_reg(2, reg::eax, p);
          lo = p & 0xFF;
          overflow = is_signed ? sx8(p) != sx16(p) : (p & 0xFF00) != 0;
        } else if (n == 2) {
          const uint32_t a = c.regs_[reg::eax] & 0xFFFF;
          const uint32_t p = is_signed ? static_cast<uint32_t>(static_cast<int32_t>(sx16(a)) * static_cast<int32_t>(sx16(src)))
                                       : a * src;
          c.set_reg(2, reg::eax, p);
          c.set_reg(2, reg::edx, p >> 16);
          lo = p & 0xFFFF;
          overflow = is_signed ? sx16(p) != p : (p >> 16) != 0;
        } else {
          const uint32_t a = c.regs_[reg::eax];
          uint64_t p;
          if (is_signed)
            p = static_cast<uint64_t>(static_cast<int64_t>(static_cast<int32_t>(a)) * static_cast<int32_t>(src));
          else
            p = static_cast<uint64_t>(a) * src;
          c.regs_[reg::eax] = static_cast<uint32_t>(p);
          c.regs_[reg::edx] = static_cast<uint32_t>(p >> 32);
          lo = static_cast<uint32_t>(p);
          hi = p >> 32;
          overflow = is_signed ? static_cast<int64_t>(p) != static_cast<int32_t>(static_cast<uint32_t>(p)) : hi != 0;
        }
        set_status(c, szp(static_cast<uint32_t>(lo), n) | (overflow ? (flag::cf | flag::of) : 0));
        c.cycles_ += cycle_cost(CostClass::mul) - cycle_cost(CostClass::alu);
        break;
      }
      case 6:
      case 7: divide(c, d, n, d.regop == 7); break;
    }
  }
  static void divide(C& c, const D& d, unsigned n, bool is_signed) {
    const uint32_t src = c.read_rm(d, n);
    c.cycles_ += cycle_cost(CostClass::div) - cycle_cost(CostClass::alu);
    if ((src & mask_of(n)) == 0) c.raise(0, "divide by zero");
    const unsigned bits = n * 8;
    uint64_t dividend;
    if (n == 1) dividend = c.regs_[reg::eax] & 0xFFFF;
    else if (n == 2) dividend = ((c.regs_[reg::edx] & 0xFFFF) << 16) | (c.regs_[reg::eax] & 0xFFFF);
    else dividend = (static_cast<uint64_t>(c.regs_[reg::edx]) << 32) | c.regs_[reg::eax];
    uint32_t q, r;
    if (!is_signed) {
      const uint64_t qq = dividend / (src & mask_of(n));
      if (qq > mask_of(n)) c.raise(0, "divide overflow");
      q = static_cast<uint32_t>(qq);
      r = static_cast<uint32_t>(dividend % (src & mask_of(n)));
    } else {
      // Sign-extend the 2n-byte dividend.
      const int64_t sd = static_cast<int64_t>(dividend << (64 - 2 * bits)) >> (64 - 2 * bits);
      const int64_t sv = static_cast<int32_t>(sx(src, n));
      if (sv == -1 && sd == INT64_MIN) c.raise(0, "divide overflow");
      const int64_t qq = sd / sv;
      const int64_t lim = int64_t{1} << (bits - 1);
      if (qq >= lim || qq < -lim) c.raise(0, "divide overflow");
      q = static_cast<uint32_t>(qq);
      r = static_cast<uint32_t>(sd % sv);
    }
    if (n == 1) {
      c.set_reg(2, reg::eax, (q & 0xFF) | ((r & 0xFF) << 8));
    } else {
      c.set_reg(n, reg::eax, q);
      c.set_reg(n, reg::edx, r);
    }
  }
  static void ex_imul3(C& c, const D& d) {
    const unsigned n = d.opsize;
    const uint32_t imm = d.opcode == 0x6B ? sx8(d.imm) : sx(d.imm, n);
    c.set_reg(n, d.regop, imul_trunc(c, n, c.read_rm(d, n), imm));
  }
  static void ex_imul2(C& c, const D& d) {
    const unsigned n = d.opsize;
    c.set_reg(n, d.regop, imul_trunc(c, n, c.get_reg(n, d.regop), c.read_rm(d, n)));
  }
  static uint32_t imul_trunc(C& c, unsigned n, uint32_t a, uint32_t b) {
    const int64_t p = static_cast<int64_t>(static_cast<int32_t>(sx(a, n))) * static_cast<int32_t>(sx(b, n));
    const uint32_t r = static_cast<uint32_t>(p) & mask_of(n);
    const bool overflow = p != static_cast<int32_t>(sx(r, n));
    set_status(c, szp(r, n) | (overflow ? (flag::cf | flag::of) : 0));
    return r;
  }

  static void ex_xchg(C& c, const D& d) {
    const unsigned n = byte_or_v(d);
    const uint32_t g = c.get_reg(n, d.regop);
    if (d.is_mem()) {
      const uint32_t lin = c.linear(c.ea_seg(d), c.ea(d));
      const uint32_t m = c.read(lin, n);
      c.write(lin, g, n);
      c.set_reg(n, d.regop, m);
    } else {
      const uint32_t m = c.get_reg(n, d.rm);
      c.set_reg(n, d.rm, g);
      c.set_reg(n, d.regop, m);
    }
  }
  static void ex_xchg_a(C& c, const D& d) {
    const unsigned n = d.opsize, r = d.opcode & 7;
    const uint32_t t = c.get_reg(n, r);
    c.set_reg(n, r, c.get_reg(n, reg::eax));
    c.set_reg(n, reg::eax, t);
  }
  static void ex_mov(C& c, const D& d) {
    const unsigned n = byte_or_v(d);
    if (d.opcode & 2) c.set_reg(n, d.regop, c.read_rm(d, n));
    else c.write_rm(d, n, c.get_reg(n, d.regop));
  }
  static void ex_mov_rm_imm(C& c, const D& d) {
    const unsigned n = byte_or_v(d);
    if (d.regop != 0) bad(c, d);
    c.write_rm(d, n, d.imm);
  }
  static void ex_mov_r8_imm(C& c, const D& d) { c.set_reg(1, d.opcode & 7, d.imm); }
  static void ex_mov_r_imm(C& c, const D& d) { c.set_reg(d.opsize, d.opcode & 7, d.imm); }
  static void ex_mov_moffs(C& c, const D& d) {
    const unsigned n = byte_or_v(d);
    const uint32_t lin = c.linear(d.seg >= 0 ? d.seg : int{reg::ds}, d.imm);
    if (d.opcode & 2) c.write(lin, c.get_reg(n, reg::eax), n);
    else c.set_reg(n, reg::eax, c.read(lin, n));
  }
  static void ex_mov_from_seg(C& c, const D& d) {
    if (d.regop > 5) bad(c, d);
    if (d.is_mem()) c.write_rm(d, 2, c.segs_[d.regop].selector);
    else c.set_reg(d.opsize, d.rm, c.segs_[d.regop].selector);
  }
  static void ex_mov_to_seg(C& c, const D& d) {
    if (d.regop > 5 || d.regop == reg::cs) bad(c, d);
    c.load_segment(d.regop, static_cast<uint16_t>(c.read_rm(d, 2)));
    if (d.regop == reg::ss) c.ev_.shadow_pending = true;
  }
  static void ex_lea(C& c, const D& d) {
    if (!d.is_mem()) bad(c, d);
    c.set_reg(d.opsize, d.regop, c.ea(d));
  }
  static void ex_movzx(C& c, const D& d) {
    const unsigned sn = (d.opcode & 1) ? 2 : 1;
    c.set_reg(d.opsize, d.regop, c.read_rm(d, sn));
  }
  static void ex_movsx(C& c, const D& d) {
    const unsigned sn = (d.opcode & 1) ? 2 : 1;
    c.set_reg(d.opsize, d.regop, sx(c.read_rm(d, sn), sn));
  }
  static void ex_cwde(C& c, const D& d) {
    if (d.opsize == 2) c.set_reg(2, reg::eax, sx8(c.regs_[reg::eax]));
    else c.regs_[reg::eax] = sx16(c.regs_[reg::eax]);
  }
  static void ex_cdq(C& c, const D& d) {
    const unsigned n = d.opsize;
    c.set_reg(n, reg::edx, (c.get_reg(n, reg::eax) & msb_of(n)) ? 0xFFFFFFFF : 0);
  }
  static void ex_bswap(C& c, const D& d) {
    const uint32_t v = c.regs_[d.opcode & 7];
    if (d.opsize == 2) bad(c, d);  // undefined
    c.regs_[d.opcode & 7] = (v >> 24) | ((v >> 8) & 0xFF00) | ((v << 8) & 0xFF0000) | (v << 24);
  }
  static void ex_cmovcc(C& c, const D& d) {
    const uint32_t v = c.read_rm(d, d.opsize);
    if (c.cond(d.opcode & 0xF)) c.set_reg(d.opsize, d.regop, v);
  }
  static void ex_setcc(C& c, const D& d) { c.write_rm(d, 1, c.cond(d.opcode & 0xF) ? 1 : 0); }
  static void ex_xlat(C& c, const D& d) {
    const uint32_t off = c.regs_[reg::ebx] + (c.regs_[reg::eax] & 0xFF);
    c.set_reg(1, reg::eax, c.read(c.linear(d.seg >= 0 ? d.seg : int{reg::ds}, off), 1));
  }
  static void ex_cmpxchg(C& c, const D& d) {
    const unsigned n = byte_or_v(d);
    const uint32_t acc = c.get_reg(n, reg::eax);
    if (d.is_mem()) {
      const uint32_t lin = c.linear(c.ea_seg(d), c.ea(d));
      const uint32_t m = c.read(lin, n);
      alu_op(c, 7, n, acc, m);
      if (c.eflags_ & flag::zf) c.write(lin, c.get_reg(n, d.regop), n);
      else { c.write(lin, m, n); c.set_reg(n, reg::eax, m); }
    } else {
      const uint32_t m = c.get_reg(n, d.rm);
      alu_op(c, 7, n, acc, m);
      if (c.eflags_ & flag::zf) c.set_reg(n, d.rm, c.get_reg(n, d.regop));
      else c.set_reg(n, reg::eax, m);
    }
  }
  static void ex_xadd(C& c, const D& d) {
    const unsigned n = byte_or_v(d);
    const uint32_t g = c.get_reg(n, d.regop);
    if (d.is_mem()) {
      const uint32_t lin = c.linear(c.ea_seg(d), c.ea(d));
      const uint32_t m = c.read(lin, n);
      const uint32_t r = alu_op(c, 0, n, m, g);
      c.write(lin, r, n);
      c.set_reg(n, d.regop, m);
    } else {
      const uint32_t m = c.get_reg(n, d.rm);
      const uint32_t r = alu_op(c, 0, n, m, g);
      c.set_reg(n, d.regop, m);
      c.set_reg(n, d.rm, r);
    }
  }

  // ---- bit operations -------------------------------------------------------
  // op: 0 BT, 1 BTS, 2 BTR, 3 BTC
  static void bit_op(C& c, const D& d, unsigned op, uint32_t offset, bool offset_from_reg) {
    const unsigned n = d.opsize, bits = n * 8;
    if (d.is_mem()) {
      uint32_t off = c.ea(d);
      if (offset_from_reg) {  // the register offset addresses beyond the operand (signed)
        const int32_t so = static_cast<int32_t>(sx(offset, n));
        off += static_cast<uint32_t>((so >> (n == 2 ? 4 : 5)) * static_cast<int32_t>(n));
      }
      const unsigned bit = offset & (bits - 1);
      const uint32_t lin = c.linear(c.ea_seg(d), off);
      const uint32_t v = c.read(lin, n);
      c.eflags_ = (c.eflags_ & ~flag::cf) | ((v >> bit) & 1);
      if (op) c.write(lin, bit_apply(op, v, bit), n);
    } else {
      const unsigned bit = offset & (bits - 1);
      const uint32_t v = c.get_reg(n, d.rm);
      c.eflags_ = (c.eflags_ & ~flag::cf) | ((v >> bit) & 1);
      if (op) c.set_reg(n, d.rm, bit_apply(op, v, bit));
    }
  }
  static uint32_t bit_apply(unsigned op, uint32_t v, unsigned bit) {
    return op == 1 ? v | (1u << bit) : op == 2 ? v & ~(1u << bit) : v ^ (1u << bit);
  }
  static void ex_bt_rm(C& c, const D& d) {
    const unsigned op = d.opcode == 0x1A3 ? 0 : d.opcode == 0x1AB ? 1 : d.opcode == 0x1B3 ? 2 : 3;
    bit_op(c, d, op, c.get_reg(d.opsize, d.regop), true);
  }
  static void ex_bt_imm(C& c, const D& d) {
    if (d.regop < 4) bad(c, d);
    bit_op(c, d, d.regop - 4, d.imm & 0xFF, false);
  }
  static void ex_bsf(C& c, const D& d) {
    const uint32_t v = c.read_rm(d, d.opsize);
    if (v == 0) {
      set_status(c, (c.eflags_ & flag::status & ~flag::zf) | flag::zf);
      return;
    }
    set_status(c, c.eflags_ & flag::status & ~flag::zf);
    c.set_reg(d.opsize, d.regop, static_cast<uint32_t>(__builtin_ctz(v)));
  }
  static void ex_bsr(C& c, const D& d) {
    const uint32_t v = c.read_rm(d, d.opsize);
    if (v == 0) {
      set_status(c, (c.eflags_ & flag::status & ~flag::zf) | flag::zf);
      return;
    }
    set_status(c, c.eflags_ & flag::status & ~flag::zf);
    c.set_reg(d.opsize, d.regop, static_cast<uint32_t>(31 - __builtin_clz(v)));
  }
  static void shxd(C& c, const D& d, bool left) {
    const unsigned n = d.opsize, bits = n * 8;
    const unsigned count = ((d.opcode & 1) ? c.regs_[reg::ecx] : d.imm) & 0x1F;
    if (count == 0) return;
    const uint32_t src = c.get_reg(n, d.regop);
    uint32_t lin = 0;
    uint32_t a;
    if (d.is_mem()) {
      lin = c.linear(c.ea_seg(d), c.ea(d));
      a = c.read(lin, n);
    } else {
      a = c.get_reg(n, d.rm);
    }
    uint32_t r;
    bool carry;
    if (n == 4) {
      if (left) {
        r = (a << count) | (src >> (32 - count));
        carry = (a >> (32 - count)) & 1;
      } else {
        r = (a >> count) | (src << (32 - count));
        carry = (a >> (count - 1)) & 1;
      }
    } else {
      // 16-bit: shift the 32-bit concatenation (counts > 16 are undefined).
      if (left) {
        const uint64_t t = (static_cast<uint64_t>(a) << 32) | (static_cast<uint64_t>(src) << 16) | a;
        r = static_cast<uint32_t>((t << count) >> 32) & 0xFFFF;
        carry = (t >> (48 - count)) & 1;
      } else {
        const uint64_t t = (static_cast<uint64_t>(a) << 32) | (static_cast<uint64_t>(src) << 16) | a;
        r = static_cast<uint32_t>(t >> count) & 0xFFFF;
        carry = (t >> (count - 1)) & 1;
      }
    }
    uint32_t f = szp(r, n) | (carry ? flag::cf : 0);
    if (((r ^ a) & msb_of(n)) != 0) f |= flag::of;
    set_status(c, f);
    (void)bits;
    if (d.is_mem()) c.write(lin, r, n);
    else c.set_reg(n, d.rm, r);
  }
  static void ex_shld(C& c, const D& d) { shxd(c, d, true); }
  static void ex_shrd(C& c, const D& d) { shxd(c, d, false); }

  // ---- stack ------------------------------------------------------------------
  static void ex_push_r(C& c, const D& d) { c.push(c.get_reg(d.opsize, d.opcode & 7), d.opsize); }
  static void ex_pop_r(C& c, const D& d) {
    const uint32_t v = c.pop(d.opsize);
    c.set_reg(d.opsize, d.opcode & 7, v);
  }
  static void ex_push_imm(C& c, const D& d) { c.push(d.opcode == 0x6A ? sx8(d.imm) : d.imm, d.opsize); }
  static void ex_pop_rm(C& c, const D& d) {
    if (d.regop != 0) bad(c, d);
    const uint32_t v = c.pop(d.opsize);  // ESP is incremented before the address is computed
    c.write_rm(d, d.opsize, v);
  }
  static int seg_of_push_pop(uint16_t op) {
    switch (op) {
      case 0x06: case 0x07: return reg::es;
      case 0x0E: return reg::cs;
      case 0x16: case 0x17: return reg::ss;
      case 0x1E: case 0x1F: return reg::ds;
      case 0x1A0: case 0x1A1: return reg::fs;
      default: return reg::gs;
    }
  }
  static void ex_push_seg(C& c, const D& d) { c.push(c.segs_[seg_of_push_pop(d.opcode)].selector, d.opsize); }
  static void ex_pop_seg(C& c, const D& d) {
    const unsigned s = seg_of_push_pop(d.opcode);
    c.load_segment(s, static_cast<uint16_t>(c.pop(d.opsize)));
    if (s == reg::ss) c.ev_.shadow_pending = true;
  }
  static void ex_pushad(C& c, const D& d) {
    const unsigned n = d.opsize;
    const uint32_t sp = c.regs_[reg::esp];
    for (unsigned r = 0; r < 8; ++r) c.push(r == reg::esp ? sp : c.regs_[r], n);
  }
  static void ex_popad(C& c, const D& d) {
    const unsigned n = d.opsize;
    for (int r = 7; r >= 0; --r) {
      const uint32_t v = c.pop(n);
      if (r != reg::esp) c.set_reg(n, static_cast<unsigned>(r), v);
    }
  }
  static void ex_pushfd(C& c, const D& d) { c.push(c.eflags_ & ~flag::rf, d.opsize); }
  static void ex_popfd(C& c, const D& d) {
    const uint32_t v = c.pop(d.opsize);
    c.write_eflags(v, d.opsize == 2 ? 0xFFFF : 0xFFFFFFFF, c.cpl_);
  }
  static void ex_sahf(C& c, const D&) {
    const uint32_t ah = (c.regs_[reg::eax] >> 8) & 0xFF;
    const uint32_t m = flag::sf | flag::zf | flag::af | flag::pf | flag::cf;
    c.eflags_ = (c.eflags_ & ~m) | (ah & m);
  }
  static void ex_lahf(C& c, const D&) {
    c.regs_[reg::eax] = (c.regs_[reg::eax] & 0xFFFF00FF) | ((c.eflags_ & 0xFF) << 8);
  }
  static void ex_enter(C& c, const D& d) {
    if (d.opsize != 4) bad(c, d);
    const unsigned level = d.imm2 & 0x1F;
    c.push(c.regs_[reg::ebp]);
    const uint32_t frame = c.regs_[reg::esp];
    if (level > 0) {
      for (unsigned i = 1; i < level; ++i) {
        c.regs_[reg::ebp] -= 4;
        c.push(c.read(c.linear(reg::ss, c.regs_[reg::ebp]), 4));
      }
      c.push(frame);
    }
    c.regs_[reg::ebp] = frame;
    c.regs_[reg::esp] -= d.imm & 0xFFFF;
  }
  static void ex_leave(C& c, const D& d) {
    c.regs_[reg::esp] = c.regs_[reg::ebp];
    c.set_reg(d.opsize, reg::ebp, c.pop(d.opsize));
  }

  // ---- control transfer -------------------------------------------------------
  static void ex_jcc(C& c, const D& d) {
    if (c.cond(d.opcode & 0xF)) jump(c, d, c.next_eip_ + (d.opcode < 0x100 ? sx8(d.imm) : sx(d.imm, d.opsize)));
  }
  static void ex_jmp_rel(C& c, const D& d) {
    jump(c, d, c.next_eip_ + (d.opcode == 0xEB ? sx8(d.imm) : sx(d.imm, d.opsize)));
  }
  static void ex_call_rel(C& c, const D& d) {
    c.push(c.next_eip_, d.opsize);
    jump(c, d, c.next_eip_ + sx(d.imm, d.opsize));
  }
  static void ex_ret(C& c, const D& d) {
    const uint32_t target = c.pop(d.opsize);
    if (d.opcode == 0xC2) c.regs_[reg::esp] += d.imm & 0xFFFF;
    jump(c, d, target);
  }
  static void ex_loop(C& c, const D& d) {
    const uint32_t ecx = --c.regs_[reg::ecx];
    bool take = ecx != 0;
    if (d.opcode == 0xE0) take = take && !(c.eflags_ & flag::zf);
    if (d.opcode == 0xE1) take = take && (c.eflags_ & flag::zf);
    if (take) jump(c, d, c.next_eip_ + sx8(d.imm));
  }
  static void ex_jecxz(C& c, const D& d) {
    if (c.regs_[reg::ecx] == 0) jump(c, d, c.next_eip_ + sx8(d.imm));
  }
  // Far JMP/CALL to a code segment of the same privilege (conforming or not).
  static void far_transfer(C& c, const D& d, uint16_t sel, uint32_t off, bool call) {
    const SegmentReg cs = c.check_code_segment(sel);
    if (call) {
      const unsigned n = d.opsize;
      const uint32_t sp = c.regs_[reg::esp];
      c.write(c.linear(reg::ss, sp - n), c.segs_[reg::cs].selector, n);
      c.write(c.linear(reg::ss, sp - 2 * n), c.next_eip_, n);
      c.regs_[reg::esp] = sp - 2 * n;
    }
    c.segs_[reg::cs] = cs;
    jump(c, d, off);
  }
  static void ex_jmp_far(C& c, const D& d) { far_transfer(c, d, static_cast<uint16_t>(d.imm2), d.imm, false); }
  static void ex_call_far(C& c, const D& d) { far_transfer(c, d, static_cast<uint16_t>(d.imm2), d.imm, true); }
  static void ex_retf(C& c, const D& d) {
    if (d.opsize != 4) bad(c, d);
    const uint32_t sp = c.regs_[reg::esp];
    const uint32_t eip = c.read(c.linear(reg::ss, sp), 4);
    const uint16_t cs = static_cast<uint16_t>(c.read(c.linear(reg::ss, sp + 4), 4));
    c.far_return(cs, eip, 8, d.opcode == 0xCA ? (d.imm & 0xFFFF) : 0, false, 0);
  }
  static void soft_int(C& c, uint8_t vector) {
    c.ev_.software_int = true;
    c.deliver_interrupt(vector, c.next_eip_, C::EventKind::software);
  }
  static void ex_int3(C& c, const D&) { soft_int(c, C::BP); }
  static void ex_int_n(C& c, const D& d) { soft_int(c, static_cast<uint8_t>(d.imm)); }
  static void ex_into(C& c, const D&) {
    if (c.eflags_ & flag::of) soft_int(c, C::OF);
  }
  static void ex_bound(C& c, const D& d) {
    if (!d.is_mem() || d.opsize != 4) bad(c, d);
    const uint32_t lin = c.linear(c.ea_seg(d), c.ea(d));
    const int32_t lo = static_cast<int32_t>(c.read(lin, 4)), hi = static_cast<int32_t>(c.read(lin + 4, 4));
    const int32_t v = static_cast<int32_t>(c.regs_[d.regop]);
    if (v < lo || v > hi) c.raise(C::BR, "BOUND range exceeded");
  }
  static void ex_iret(C& c, const D& d) {
    if (d.opsize != 4) bad(c, d);
    if (c.eflags_ & flag::nt) c.fatal(FatalKind::cpu, "IRET with NT=1 (task return) is not supported at EIP=" + hex32(c.insn_eip_));
    const uint32_t sp = c.regs_[reg::esp];
    const uint32_t eip = c.read(c.linear(reg::ss, sp), 4);
    const uint16_t cs = static_cast<uint16_t>(c.read(c.linear(reg::ss, sp + 4), 4));
    const uint32_t fl = c.read(c.linear(reg::ss, sp + 8), 4);
    if (fl & (1u << 17)) c.fatal(FatalKind::cpu, "IRET to virtual-8086 mode is not supported at EIP=" + hex32(c.insn_eip_));
    c.far_return(cs, eip, 12, 0, true, fl);
    c.nmi_blocked_ = false;  // any IRET ends NMI blocking (SDM vol. 3 §6.7.1)
    c.ev_.resample_intr = true;
    c.after_iret_ = true;
  }

  // ---- string instructions ---------------------------------------------------
  // Runs body once per iteration under REP/REPE/REPNE; returns after at most
  // kMaxRepIterations, restarting the instruction so interrupts stay timely.
  static constexpr uint32_t kMaxRepIterations = 1u << 16;
  template <typename Body>
  static void repeat(C& c, const D& d, bool compares, Body body) {
    if (!d.rep) {
      body();
      return;
    }
    uint32_t done = 0;
    while (c.regs_[reg::ecx] != 0) {
      // Interruptible between iterations: the registers say how far it got
      // and EIP stays at the instruction, which restarts after the handler.
      if (done > 0 && c.intr_ && (c.eflags_ & flag::if_)) {
        c.next_eip_ = c.insn_eip_;
        c.ev_.restart = true;
        break;
      }
      body();
      --c.regs_[reg::ecx];
      ++done;
      if (compares) {
        const bool zf = c.eflags_ & flag::zf;
        if ((d.rep == 0xF3 && !zf) || (d.rep == 0xF2 && zf)) break;
      }
      if (done >= kMaxRepIterations && c.regs_[reg::ecx] != 0) {
        c.next_eip_ = c.insn_eip_;
        c.ev_.restart = true;
        break;
      }
    }
    c.cycles_ += done > 0 ? (done - 1) * uint64_t{cycle_cost(d.cost)} : 0;
  }
  static int step_of(const C& c, unsigned n) { return (c.eflags_ & flag::df) ? -static_cast<int>(n) : static_cast<int>(n); }
  static int src_seg(const D& d) { return d.seg >= 0 ? d.seg : int{reg::ds}; }
  static void ex_movs(C& c, const D& d) {
    const unsigned n = byte_or_v(d);
    const int s = step_of(c, n);
    repeat(c, d, false, [&] {
      c.write(c.linear(reg::es, c.regs_[reg::edi]), c.read(c.linear(src_seg(d), c.regs_[reg::esi]), n), n);
      c.regs_[reg::esi] += s;
      c.regs_[reg::edi] += s;
    });
  }
  static void ex_stos(C& c, const D& d) {
    const unsigned n = byte_or_v(d);
    const int s = step_of(c, n);
    const uint32_t v = c.get_reg(n, reg::eax);
    repeat(c, d, false, [&] {
      c.write(c.linear(reg::es, c.regs_[reg::edi]), v, n);
      c.regs_[reg::edi] += s;
    });
  }
  static void ex_lods(C& c, const D& d) {
    const unsigned n = byte_or_v(d);
    const int s = step_of(c, n);
    repeat(c, d, false, [&] {
      c.set_reg(n, reg::eax, c.read(c.linear(src_seg(d), c.regs_[reg::esi]), n));
      c.regs_[reg::esi] += s;
    });
  }
  static void ex_cmps(C& c, const D& d) {
    const unsigned n = byte_or_v(d);
    const int s = step_of(c, n);
    repeat(c, d, true, [&] {
      const uint32_t a = c.read(c.linear(src_seg(d), c.regs_[reg::esi]), n);
      const uint32_t b = c.read(c.linear(reg::es, c.regs_[reg::edi]), n);
      alu_op(c, 7, n, a, b);
      c.regs_[reg::esi] += s;
      c.regs_[reg::edi] += s;
    });
  }
  static void ex_scas(C& c, const D& d) {
    const unsigned n = byte_or_v(d);
    const int s = step_of(c, n);
    repeat(c, d, true, [&] {
      alu_op(c, 7, n, c.get_reg(n, reg::eax), c.read(c.linear(reg::es, c.regs_[reg::edi]), n));
      c.regs_[reg::edi] += s;
    });
  }
  static void ex_ins(C& c, const D& d) {
    c.require_io_privilege();
    const unsigned n = byte_or_v(d);
    const int s = step_of(c, n);
    repeat(c, d, false, [&] {
      const uint32_t v = c.io_in(static_cast<uint16_t>(c.regs_[reg::edx]), n);
      c.write(c.linear(reg::es, c.regs_[reg::edi]), v, n);
      c.regs_[reg::edi] += s;
    });
  }
  static void ex_outs(C& c, const D& d) {
    c.require_io_privilege();
    c.ev_.resample_intr = true;
    const unsigned n = byte_or_v(d);
    const int s = step_of(c, n);
    repeat(c, d, false, [&] {
      c.io_out(static_cast<uint16_t>(c.regs_[reg::edx]), c.read(c.linear(src_seg(d), c.regs_[reg::esi]), n), n);
      c.regs_[reg::esi] += s;
    });
  }

  // ---- I/O and system -----------------------------------------------------------
  static void ex_in(C& c, const D& d) {
    c.require_io_privilege();
    const unsigned n = byte_or_v(d);
    const uint16_t port = d.opcode <= 0xE5 ? static_cast<uint16_t>(d.imm & 0xFF) : static_cast<uint16_t>(c.regs_[reg::edx]);
    c.set_reg(n, reg::eax, c.io_in(port, n));
  }
  static void ex_out(C& c, const D& d) {
    c.require_io_privilege();
    c.ev_.resample_intr = true;  // the write may have changed an interrupt controller
    const unsigned n = byte_or_v(d);
    const uint16_t port = d.opcode <= 0xE7 ? static_cast<uint16_t>(d.imm & 0xFF) : static_cast<uint16_t>(c.regs_[reg::edx]);
    c.io_out(port, c.get_reg(n, reg::eax), n);
  }
  static void ex_nop(C&, const D&) {}
  static void ex_hlt(C& c, const D&) {
    c.require_cpl0();
    c.ev_.halted = true;
  }
  static void ex_privileged_nop(C& c, const D&) { c.require_cpl0(); }  // INVD/WBINVD: no caches
  static void ex_cmc(C& c, const D&) { c.eflags_ ^= flag::cf; }
  static void ex_clc(C& c, const D&) { c.eflags_ &= ~flag::cf; }
  static void ex_stc(C& c, const D&) { c.eflags_ |= flag::cf; }
  static void ex_cld(C& c, const D&) { c.eflags_ &= ~flag::df; }
  static void ex_std(C& c, const D&) { c.eflags_ |= flag::df; }
  static void ex_cli(C& c, const D&) {
    c.require_io_privilege();
    c.eflags_ &= ~flag::if_;
  }
  static void ex_sti(C& c, const D&) {
    c.require_io_privilege();
    if (!(c.eflags_ & flag::if_)) c.ev_.shadow_pending = true;
    c.eflags_ |= flag::if_;
    c.ev_.resample_intr = true;
  }
  static void ex_clts(C& c, const D&) {
    c.require_cpl0();
    c.cr_[0] &= ~8u;
  }
  // 0F 00: SLDT/STR/LLDT/LTR.
  static void ex_grp6(C& c, const D& d) {
    switch (d.regop) {
      case 0: c.write_rm(d, d.is_mem() ? 2 : d.opsize, c.ldtr_.selector); break;
      case 1: c.write_rm(d, d.is_mem() ? 2 : d.opsize, c.tr_.selector); break;
      case 2:
        c.require_cpl0();
        c.load_ldt_register(static_cast<uint16_t>(c.read_rm(d, 2)));
        break;
      case 3:
        c.require_cpl0();
        c.load_task_register(static_cast<uint16_t>(c.read_rm(d, 2)));
        break;
      default: bad(c, d);
    }
  }
  static void ex_cmpxchg8b(C& c, const D& d) {
    if (d.regop != 1 || !d.is_mem()) bad(c, d);
    const uint32_t lin = c.linear(c.ea_seg(d), c.ea(d));
    const uint32_t lo = c.read(lin, 4), hi = c.read(lin + 4, 4);
    if (lo == c.regs_[reg::eax] && hi == c.regs_[reg::edx]) {
      c.write(lin, c.regs_[reg::ebx], 4);
      c.write(lin + 4, c.regs_[reg::ecx], 4);
      c.eflags_ |= flag::zf;
    } else {
      c.write(lin, lo, 4);  // the destination is always written (locked cycle)
      c.write(lin + 4, hi, 4);
      c.regs_[reg::eax] = lo;
      c.regs_[reg::edx] = hi;
      c.eflags_ &= ~flag::zf;
    }
  }
  static void ex_rdmsr(C& c, const D&) {
    c.require_cpl0();
    const uint32_t index = c.regs_[reg::ecx];
    if (index != 0x10 && index != 0x1B && !c.mca_msr(index)) c.raise(C::GP, "RDMSR of an unknown MSR");
    const uint64_t v = c.msr(index);
    c.regs_[reg::eax] = static_cast<uint32_t>(v);
    c.regs_[reg::edx] = static_cast<uint32_t>(v >> 32);
  }
  static void ex_wrmsr(C& c, const D&) {
    c.require_cpl0();
    const uint64_t v = (uint64_t{c.regs_[reg::edx]} << 32) | c.regs_[reg::eax];
    switch (c.regs_[reg::ecx]) {
      case 0x10: c.tsc_offset_ = static_cast<int64_t>(v - c.cycles() - c.bus_.stall_cycles()); break;
      case 0x1B:  // base and enable are writable; BSP is read-only
        if (v >> 32) c.raise(C::GP, "WRMSR: reserved bits of IA32_APIC_BASE");
        c.apic_base_ = (v & 0xFFFFF800u) | (c.apic_base_ & 0x100);
        break;
      default:
        if (!c.mca_msr(c.regs_[reg::ecx])) c.raise(C::GP, "WRMSR of an unknown MSR");
        c.write_mca_msr(c.regs_[reg::ecx], v);
    }
  }
  static void ex_ud2(C& c, const D&) { c.raise(6, "invalid opcode (UD2)"); }
  static void ex_grp7(C& c, const D& d) {
    if (!d.is_mem()) bad(c, d);
    if (d.regop >= 2) c.require_cpl0();
    const uint32_t off = c.ea(d);
    const int s = c.ea_seg(d);
    TableReg* t = (d.regop == 0 || d.regop == 2) ? &c.gdtr_ : &c.idtr_;
    switch (d.regop) {
      case 0:
      case 1:
        c.write(c.linear(s, off), t->limit, 2);
        c.write(c.linear(s, off + 2), t->base, 4);
        break;
      case 2:
      case 3:
        t->limit = static_cast<uint16_t>(c.read(c.linear(s, off), 2));
        t->base = c.read(c.linear(s, off + 2), 4) & (d.opsize == 2 ? 0x00FFFFFF : 0xFFFFFFFF);
        break;
      case 7: c.invlpg(c.linear(s, off)); break;
      default: bad(c, d);
    }
  }
  static void ex_mov_cr(C& c, const D& d) {
    const unsigned n = d.regop;
    if (n == 1 || n > 4) bad(c, d);
    c.require_cpl0();
    if (d.opcode == 0x120) {
      c.regs_[d.rm] = c.cr_[n];
      return;
    }
    const uint32_t v = c.regs_[d.rm];
    if (n == 0) {
      if (!(v & 1))
        c.fatal(FatalKind::cpu, "real mode (CR0.PE=0) is not supported; at EIP=" + hex32(c.insn_eip_));
      const uint32_t old = c.cr_[0];
      c.cr_[0] = v | 0x10;  // ET is hardwired to 1
      if ((old ^ c.cr_[0]) & 0x80010000u) c.flush_direct_cache();  // PG or WP changed
    } else if (n == 4) {
      if (v & ~0x10u & ~mca::CR4_MCE & ~0x80u & ~0x200u & ~0x400u)
        c.raise(C::GP, "MOV to CR4 sets reserved or unsupported bits");
      const uint32_t old = c.cr_[4];
      c.cr_[4] = v;
      if ((old ^ v) & 0x10u) c.flush_direct_cache();  // PSE changed
    } else {
      c.cr_[n] = v;
      if (n == 3) c.flush_direct_cache();  // the TLB flush of a CR3 write
    }
  }
  static void ex_rdtsc(C& c, const D&) {
    const uint64_t tsc = c.msr(0x10);
    c.regs_[reg::eax] = static_cast<uint32_t>(tsc);
    c.regs_[reg::edx] = static_cast<uint32_t>(tsc >> 32);
  }
  static void ex_cpuid(C& c, const D&) {
    const uint32_t leaf = c.regs_[reg::eax];
    uint32_t a = 0, b = 0, cc = 0, dd = 0;
    if (leaf == 0) {
      a = 1;
      std::memcpy(&b, "Genu", 4);
      std::memcpy(&dd, "ineI", 4);
      std::memcpy(&cc, "ntel", 4);
    } else if (leaf == 1) {
      a = 0x00000633;  // family 6, model 3, stepping 3
      b = uint32_t{c.apic_id_} << 24;
      // PSE (4 MiB pages), TSC, MSR, MCE (#MC and CR4.MCE), CX8, APIC, MCA
      // (IA32_MCG_CAP and the banks); no FPU.
      dd = (1u << 3) | (1u << 4) | (1u << 5) | (1u << 7) | (1u << 8) | (1u << 9) | (1u << 14);
    }
    c.regs_[reg::eax] = a;
    c.regs_[reg::ebx] = b;
    c.regs_[reg::ecx] = cc;
    c.regs_[reg::edx] = dd;
  }
};

namespace {

struct OpcodeTable {
  OpcodeEntry e[512];
  constexpr OpcodeTable() : e() {
#define OP(first, last, handler, decode, cost)                                             \
  for (unsigned i = (first); i <= (last); ++i)                                             \
    e[i] = OpcodeEntry{&Exec::ex_##handler, static_cast<uint8_t>(decode), CostClass::cost};
#include "cpu/opcodes.def"
#undef OP
  }
};
const OpcodeTable kOpcodes;

}  // namespace

// ============================================================================

Ia32Core::Ia32Core(CpuBus& bus)
    : bus_(bus), decode_cache_(new DecodedInsn[kDecodeCacheSize]), blocks_(new Block[kBlockCacheSize]) {
  reset();
  set_jit(true);
}

Ia32Core::~Ia32Core() = default;

bool Ia32Core::jit_available() { return Jit::available(); }

void Ia32Core::set_jit(bool on, unsigned threshold) {
  jit_threshold_ = threshold;
  if (!on || !Jit::available()) {
    jit_.reset();
  } else if (!jit_) {
    jit_ = std::make_unique<Jit>(*this);
  }
  forget_translations();  // translations of another Jit (or none) are gone
}

void Ia32Core::forget_translations() {
  for (unsigned i = 0; i < kBlockCacheSize; ++i) {
    blocks_[i].code = nullptr;
    blocks_[i].chain = nullptr;
    blocks_[i].chain_phys = 0xFFFFFFFF;
    blocks_[i].heat = 0;
  }
}

uint64_t Ia32Core::jit_blocks_compiled() const { return jit_ ? jit_->blocks_compiled() : 0; }
uint64_t Ia32Core::jit_flushes() const { return jit_ ? jit_->flushes() : 0; }
uint64_t Ia32Core::jit_failures() const { return jit_ ? jit_->failures() : 0; }

// Translates b (its entry count reached the threshold). When the code buffer
// is full every translation is dropped and translating starts over.
bool Ia32Core::jit_compile(const Block& b) {
  if (!jit_->has_room()) {
    forget_translations();
    jit_->flush();
  }
  if (b.heat & kJitNever) return false;
  jit_->compile(b);
  if (!b.code) b.heat = kJitNever;  // not encodable: interpreted from now on
  return b.code != nullptr;
}

// Translated instruction `index` of b faulted (the helper it called caught
// the fault in jit_fault_, or a foreign exception in jit_exc_): the
// instructions before it retired, as in run_fast()'s catch.
StepStatus Ia32Core::jit_faulted(const Block& b, unsigned index) {
  instructions_ += index;
  cycles_ += b.insns[index].cycles_before;
  if (jit_exc_) std::rethrow_exception(std::exchange(jit_exc_, nullptr));
  const StepStatus s = fault_taken(jit_fault_);
  return s == StepStatus::ok && ev_.halted ? StepStatus::halted : s;
}

void Ia32Core::reset() {
  std::memset(regs_, 0, sizeof regs_);
  eip_ = 0;
  eflags_ = flag::reserved_one;
  for (auto& s : segs_) s = SegmentReg{0x10, 0, 0xFFFFFFFF, 0x93};
  segs_[reg::cs] = SegmentReg{0x08, 0, 0xFFFFFFFF, 0x9B};
  tr_ = SegmentReg{0, 0, 0, 0};
  ldtr_ = SegmentReg{0, 0, 0, 0};
  set_cpl(0);
  intr_ = ev_.resample_intr = ev_.software_int = triple_fault_ = false;
  nmi_level_ = ev_.nmi_pending = nmi_blocked_ = false;
  tsc_offset_ = 0;
  std::memset(cr_, 0, sizeof cr_);
  cr_[0] = 0x11;  // PE | ET
  gdtr_ = {};
  idtr_ = {};
  ev_.halted = false;
  ev_.sti_shadow = ev_.shadow_pending = false;
  fatal_kind_ = FatalKind::none;
  fatal_message_.clear();
  // Power-up: the banks clear, their signalling enabled as a PC's BIOS
  // leaves them (minipc has no BIOS; KVM's virtual CPUs also start with
  // every IA32_MCi_CTL enabled).
  for (McBank& b : mc_) b = McBank{};
  mcg_status_ = 0;
  mc_shutdown_ = false;
  flush_direct_cache();
}

void Ia32Core::set_entry_state(uint32_t eip, uint32_t eax, uint32_t ebx) {
  reset();
  eip_ = eip;
  regs_[reg::eax] = eax;
  regs_[reg::ebx] = ebx;
}

void Ia32Core::set_bootstrap_processor(bool bsp) {
  apic_base_ = bsp ? (apic_base_ | 0x100) : (apic_base_ & ~uint64_t{0x100});
}

uint64_t Ia32Core::msr(uint32_t index) const {
  switch (index) {
    case 0x10: return cycles() + bus_.stall_cycles() + static_cast<uint64_t>(tsc_offset_);
    case 0x1B: return apic_base_;
    default: return mca_msr(index) ? read_mca_msr(index) : 0;
  }
}

// ---- machine check (SDM vol. 3B ch. 15) ----------------------------------------

uint64_t Ia32Core::read_mca_msr(uint32_t index) const {
  if (index == mca::IA32_MCG_CAP) return mca::kBanks;  // Count; no MCG_CTL_P and no other capability
  if (index == mca::IA32_MCG_STATUS) return mcg_status_;
  const McBank& b = mc_[(index - mca::IA32_MC0_CTL) / 4];
  switch (index & 3) {
    case 0: return b.ctl;
    case 1: return b.status;
    case 2: return b.addr;
    default: return b.misc;
  }
}

// IA32_MCG_CAP is read-only (the SDM leaves a write's effect undefined: #GP
// here). IA32_MCG_STATUS: RIPV, EIPV and MCIP are writable (software clears
// MCIP when its handler is done), bits 63:3 are reserved (#GP). IA32_MCi_CTL
// keeps only its implemented bit, EE00. IA32_MCi_STATUS, ADDR and MISC can
// only be cleared: a non-zero write is #GP (processors without MCG_SER_P or
// CMCI).
void Ia32Core::write_mca_msr(uint32_t index, uint64_t v) {
  if (index == mca::IA32_MCG_CAP) raise(GP, "WRMSR to IA32_MCG_CAP (read-only)");
  if (index == mca::IA32_MCG_STATUS) {
    if (v & ~(mca::MCG_STATUS_RIPV | mca::MCG_STATUS_EIPV | mca::MCG_STATUS_MCIP))
      raise(GP, "WRMSR: reserved bits of IA32_MCG_STATUS");
    mcg_status_ = v;
    return;
  }
  McBank& b = mc_[(index - mca::IA32_MC0_CTL) / 4];
  if ((index & 3) == 0) {
    b.ctl = v & mca::MCi_CTL_EE_MEMORY_READ;
    return;
  }
  if (v != 0) raise(GP, "WRMSR of a non-zero value to IA32_MCi_STATUS, ADDR or MISC");
  ((index & 3) == 1 ? b.status : (index & 3) == 2 ? b.addr : b.misc) = 0;
}

void Ia32Core::machine_check(uint64_t address, bool uncorrected) {
  ++machine_checks_;
  McBank& b = mc_[0];
  const bool enabled = b.ctl & mca::MCi_CTL_EE_MEMORY_READ;
  const uint64_t status = mca::MCi_STATUS_VAL | (enabled ? mca::MCi_STATUS_EN : 0) | mca::MCi_STATUS_ADDRV |
                          (uncorrected ? mca::MCi_STATUS_UC | mca::MCi_STATUS_PCC : 0) | mca::kMemoryReadErrorCode;
  if (!(b.status & mca::MCi_STATUS_VAL)) {
    b.status = status;
    b.addr = address;
  } else if (b.status & mca::MCi_STATUS_UC) {
    b.status |= mca::MCi_STATUS_OVER;  // an uncorrected error is not written over (SDM §15.3.2.2.1)
  } else {
    b.status = status | mca::MCi_STATUS_OVER;
    b.addr = address;
  }
  if (!uncorrected || !enabled) return;  // logged only; MCG_STATUS is untouched (no #MC was generated)
  const bool in_progress = mcg_status_ & mca::MCG_STATUS_MCIP;
  // The instruction cannot be restarted (its data is lost), and the pushed
  // EIP is that of the instruction that met the error.
  mcg_status_ = mca::MCG_STATUS_EIPV | mca::MCG_STATUS_MCIP;
  char what[96];
  std::snprintf(what, sizeof what, "machine check: uncorrected memory read error at physical address 0x%08llX",
                static_cast<unsigned long long>(address));
  if (!(cr_[4] & mca::CR4_MCE) || in_progress) {
    // SDM vol. 3A §6.15 (interrupt 18) and vol. 3B §15.3.1.2 (MCIP).
    mc_shutdown_ = true;
    char regs[96];
    std::snprintf(regs, sizeof regs, " (IA32_MC0_STATUS=0x%016llX IA32_MC0_ADDR=0x%08llX)",
                  static_cast<unsigned long long>(b.status), static_cast<unsigned long long>(b.addr));
    fatal(FatalKind::cpu, std::string(what) + " at EIP=" + hex32(insn_eip_) + ": shutdown (" +
                              (in_progress ? "IA32_MCG_STATUS.MCIP=1: a machine check while one is in progress"
                                           : "CR4.MCE=0: machine-check exceptions disabled") +
                              ")" + regs);
  }
  raise(MC, what);
}

void Ia32Core::flush_direct_cache() {
  for (auto& s : read_pages_) s = PageSlot{};
  for (auto& s : write_pages_) s = PageSlot{};
  fetch_page_ = nullptr;
  fetch_page_addr_ = 0xFFFFFFFF;
  bus_page_addr_ = 0xFFFFFFFF;
  fetch_window_ = CpuBus::FetchWindow{};
}

// ---- faults ---------------------------------------------------------------

void Ia32Core::fatal(FatalKind k, std::string msg) { throw Fault{k, -1, std::move(msg)}; }

void Ia32Core::raise(int vector, uint32_t error_code, const char* what) {
  throw Fault{FatalKind::none, vector, std::string(what) + " at EIP=" + hex32(insn_eip_), error_code};
}

std::string Ia32Core::unsupported_message(uint32_t at) {
  std::string s = " at EIP=" + hex32(at) + " (bytes:";
  for (unsigned i = 0; i < 8; ++i) {
    uint32_t pa = segs_[reg::cs].base + at + i;
    if (paging() && !walk(pa, false, false, false, pa)) break;  // no side effects
    uint8_t b;
    if (!bus_.fetch(pa, &b, 1)) break;
    char buf[8];
    std::snprintf(buf, sizeof buf, " %02X", b);
    s += buf;
  }
  return s + " ...)";
}

std::string Ia32Core::register_dump() const {
  char buf[512];
  std::snprintf(buf, sizeof buf,
                "EAX=%08X EBX=%08X ECX=%08X EDX=%08X ESI=%08X EDI=%08X EBP=%08X ESP=%08X EIP=%08X EFLAGS=%08X "
                "CS=%04X SS=%04X DS=%04X ES=%04X FS=%04X GS=%04X TR=%04X CPL=%u CR0=%08X CR2=%08X CR3=%08X CR4=%08X "
                "GDTR=%08X/%04X IDTR=%08X/%04X",
                regs_[reg::eax], regs_[reg::ebx], regs_[reg::ecx], regs_[reg::edx], regs_[reg::esi], regs_[reg::edi],
                regs_[reg::ebp], regs_[reg::esp], eip_, eflags_, segs_[reg::cs].selector, segs_[reg::ss].selector,
                segs_[reg::ds].selector, segs_[reg::es].selector, segs_[reg::fs].selector, segs_[reg::gs].selector,
                tr_.selector, cpl_, cr_[0], cr_[2], cr_[3], cr_[4], gdtr_.base, gdtr_.limit, idtr_.base, idtr_.limit);
  return buf;
}

// ---- memory -----------------------------------------------------------------

// The software TLB. A slot is keyed by the linear page and the access tag
// (user or supervisor), so a ring-3 access never hits a translation made by
// the kernel. Without paging the physical page is the linear page and this is
// the plain host-pointer cache: the flat fast path costs one compare.
inline Ia32Core::PageSlot& Ia32Core::slot(uint32_t lin, bool write) {
  const uint32_t tag = tlb_tag(lin);
  PageSlot& s = (write ? write_pages_ : read_pages_)[(lin >> 12) % kPageCacheSize];
  if (s.tag != tag) fill_slot(s, tag, lin, write);
  return s;
}

void Ia32Core::fill_slot(PageSlot& s, uint32_t tag, uint32_t lin, bool write) {
  uint32_t phys = lin & ~0xFFFu;
  if (paging()) {
    uint32_t r;
    if (!walk(lin, write, access_tag_ != 0, true, r)) {
      cr_[2] = lin;
      throw Fault{FatalKind::none, PF, "page fault at linear " + hex32(lin) + " at EIP=" + hex32(insn_eip_), r};
    }
    phys = r & ~0xFFFu;
  }
  s.tag = tag;
  s.phys = phys;
  s.ptr = bus_.direct_ptr(phys, write);
  s.addend = reinterpret_cast<uintptr_t>(s.ptr) - (lin & ~0xFFFu);
  s.jtag = s.ptr ? tag : 0xFFFFFFFF;
}

uint32_t Ia32Core::phys_read32(uint32_t pa) {
  uint32_t v = 0;
  if (const uint8_t* p = bus_.direct_ptr(pa, false)) std::memcpy(&v, p, 4);
  else if (!bus_.read_mem(pa, &v, 4)) fatal(FatalKind::bus, "page-table read from unmapped address " + hex32(pa) + " at EIP=" + hex32(insn_eip_));
  return v;
}

void Ia32Core::phys_write32(uint32_t pa, uint32_t v) {
  if (uint8_t* p = bus_.direct_ptr(pa, true)) {
    std::memcpy(p, &v, 4);
    note_code_write(p, 4);
  } else {
    bus_.write_mem(pa, &v, 4);
  }
}

// SDM vol. 3 §4.3 (32-bit paging) and §4.7 (#PF error code: P, W/R, U/S).
bool Ia32Core::walk(uint32_t lin, bool write, bool user, bool update, uint32_t& out) {
  const uint32_t ec_base = (write ? 2u : 0u) | (user ? 4u : 0u);
  const uint32_t pde_addr = (cr_[3] & ~0xFFFu) | ((lin >> 20) & 0xFFC);
  const uint32_t pde = phys_read32(pde_addr);
  if (!(pde & 1)) {
    out = ec_base;
    return false;
  }
  const bool big = (pde & 0x80) && (cr_[4] & 0x10);  // 4 MiB page (CR4.PSE)
  uint32_t pte = 0, pte_addr = 0, rights = pde;
  if (!big) {
    pte_addr = (pde & ~0xFFFu) | ((lin >> 10) & 0xFFC);
    pte = phys_read32(pte_addr);
    if (!(pte & 1)) {
      out = ec_base;
      return false;
    }
    rights &= pte;
  }
  const bool writable = rights & 2, user_ok = rights & 4;
  if (user ? (!user_ok || (write && !writable)) : (write && !writable && (cr_[0] & 0x10000u))) {
    out = ec_base | 1;
    return false;
  }
  if (update) {
    if (big) {
      const uint32_t want = pde | 0x20 | (write ? 0x40 : 0);
      if (want != pde) phys_write32(pde_addr, want);
    } else {
      if (!(pde & 0x20)) phys_write32(pde_addr, pde | 0x20);
      const uint32_t want = pte | 0x20 | (write ? 0x40 : 0);
      if (want != pte) phys_write32(pte_addr, want);
    }
  }
  out = big ? (pde & 0xFFC00000u) | (lin & 0x3FFFFF) : (pte & ~0xFFFu) | (lin & 0xFFF);
  return true;
}

void Ia32Core::invlpg(uint32_t lin) {
  const uint32_t page = lin >> 12;
  for (PageSlot* table : {read_pages_, write_pages_}) {
    PageSlot& s = table[page % kPageCacheSize];
    if ((s.tag & ~kUserTag) == page) s = PageSlot{};
  }
  if (fetch_page_addr_ == page) {
    fetch_page_ = nullptr;
    fetch_page_addr_ = 0xFFFFFFFF;
  }
  if (bus_page_addr_ == page) bus_page_addr_ = 0xFFFFFFFF;
}

// Loads and stores: the common case (inside one page, a TLB hit on RAM with a
// host pointer) inline; everything else (fill, bus access, page crossing) in
// read_slow()/write_slow().
inline uint32_t Ia32Core::read(uint32_t lin, unsigned n) {
  const PageSlot& s = read_pages_[(lin >> 12) % kPageCacheSize];
  if (s.tag == tlb_tag(lin) && s.ptr && (lin & 0xFFF) <= 0x1000 - n) [[likely]] {
    const uint8_t* p = s.ptr + (lin & 0xFFF);
    uint32_t v = 0;
    if (n == 4) std::memcpy(&v, p, 4);
    else if (n == 2) std::memcpy(&v, p, 2);
    else v = *p;
    return v;
  }
  return read_slow(lin, n);
}

inline void Ia32Core::write(uint32_t lin, uint32_t v, unsigned n) {
  const PageSlot& s = write_pages_[(lin >> 12) % kPageCacheSize];
  if (s.tag == tlb_tag(lin) && s.ptr && (lin & 0xFFF) <= 0x1000 - n) [[likely]] {
    uint8_t* p = s.ptr + (lin & 0xFFF);
    if (n == 4) std::memcpy(p, &v, 4);
    else if (n == 2) std::memcpy(p, &v, 2);
    else *p = static_cast<uint8_t>(v);
    note_code_write(p, n);
    return;
  }
  write_slow(lin, v, n);
}

uint32_t Ia32Core::read_slow(uint32_t lin, unsigned n) {
  uint32_t v = 0;
  if ((lin & 0xFFF) + n <= 0x1000) {
    PageSlot& s = slot(lin, false);
    if (s.ptr) {
      std::memcpy(&v, s.ptr + (lin & 0xFFF), n);
      return v;
    }
    const uint32_t pa = s.phys | (lin & 0xFFF);
    if (!bus_.read_mem(pa, &v, n)) fatal(FatalKind::bus, "data read from unmapped address " + hex32(pa) + " at EIP=" + hex32(insn_eip_));
    return v;
  }
  for (unsigned i = 0; i < n; ++i) v |= read_slow(lin + i, 1) << (8 * i);
  return v;
}

void Ia32Core::write_slow(uint32_t lin, uint32_t v, unsigned n) {
  if ((lin & 0xFFF) + n <= 0x1000) {
    PageSlot& s = slot(lin, true);
    if (s.ptr) {
      std::memcpy(s.ptr + (lin & 0xFFF), &v, n);
      note_code_write(s.ptr + (lin & 0xFFF), n);
      return;
    }
    const uint32_t pa = s.phys | (lin & 0xFFF);
    if (!bus_.write_mem(pa, &v, n)) fatal(FatalKind::bus, "data write to unmapped address " + hex32(pa) + " at EIP=" + hex32(insn_eip_));
    return;
  }
  slot(lin + n - 1, true);  // both pages are checked before any byte is written
  for (unsigned i = 0; i < n; ++i) write_slow(lin + i, (v >> (8 * i)) & 0xFF, 1);
}

void Ia32Core::read_block(uint32_t lin, void* data, unsigned n) {
  auto* out = static_cast<uint8_t*>(data);
  for (unsigned i = 0; i < n; ++i) out[i] = static_cast<uint8_t>(read(lin + i, 1));
}

uint32_t Ia32Core::sys_read(uint32_t lin, unsigned n) {
  const uint32_t saved = access_tag_;
  access_tag_ = 0;
  try {
    const uint32_t v = read(lin, n);
    access_tag_ = saved;
    return v;
  } catch (...) {
    access_tag_ = saved;
    throw;
  }
}

void Ia32Core::sys_write(uint32_t lin, uint32_t v, unsigned n) {
  const uint32_t saved = access_tag_;
  access_tag_ = 0;
  try {
    write(lin, v, n);
    access_tag_ = saved;
  } catch (...) {
    access_tag_ = saved;
    throw;
  }
}

void Ia32Core::set_cpl(unsigned cpl) {
  cpl_ = cpl;
  access_tag_ = cpl == 3 ? kUserTag : 0;
  fetch_page_ = nullptr;  // the fetch shortcut was checked for the old privilege
  fetch_page_addr_ = 0xFFFFFFFF;
}

uint32_t Ia32Core::io_in(uint16_t port, unsigned n) {
  uint32_t v = 0;
  if (!bus_.read_io(port, &v, n)) v = mask_of(n);  // floating bus
  // The io cost class (charged per transfer at decode) is the whole cost.
  return v & mask_of(n);
}

void Ia32Core::io_out(uint16_t port, uint32_t v, unsigned n) {
  bus_.write_io(port, &v, n);
}

// ---- operands -----------------------------------------------------------------

inline uint32_t Ia32Core::get_reg(unsigned n, unsigned r) const {
  if (n == 4) return regs_[r];
  if (n == 2) return regs_[r] & 0xFFFF;
  return r < 4 ? regs_[r] & 0xFF : (regs_[r - 4] >> 8) & 0xFF;
}

inline void Ia32Core::set_reg(unsigned n, unsigned r, uint32_t v) {
  if (n == 4) regs_[r] = v;
  else if (n == 2) regs_[r] = (regs_[r] & 0xFFFF0000) | (v & 0xFFFF);
  else if (r < 4) regs_[r] = (regs_[r] & 0xFFFFFF00) | (v & 0xFF);
  else regs_[r - 4] = (regs_[r - 4] & 0xFFFF00FF) | ((v & 0xFF) << 8);
}

inline uint32_t Ia32Core::ea(const Insn& d) const {
  uint32_t a = d.disp;
  if (d.base >= 0) a += regs_[d.base];
  if (d.index >= 0) a += regs_[d.index] << d.scale;
  return a;
}

inline int Ia32Core::ea_seg(const Insn& d) const { return d.eseg; }

inline uint32_t Ia32Core::read_rm(const Insn& d, unsigned n) {
  if (d.mod == 3) return get_reg(n, d.rm);
  return read(linear(ea_seg(d), ea(d)), n);
}

inline void Ia32Core::write_rm(const Insn& d, unsigned n, uint32_t v) {
  if (d.mod == 3) set_reg(n, d.rm, v);
  else write(linear(ea_seg(d), ea(d)), v, n);
}

inline void Ia32Core::push(uint32_t v, unsigned n) {
  const uint32_t sp = regs_[reg::esp] - n;
  write(linear(reg::ss, sp), v, n);
  regs_[reg::esp] = sp;
}

inline uint32_t Ia32Core::pop(unsigned n) {
  const uint32_t v = read(linear(reg::ss, regs_[reg::esp]), n);
  regs_[reg::esp] += n;
  return v;
}

inline bool Ia32Core::cond(unsigned cc) const {
  const uint32_t f = eflags_;
  bool r;
  switch (cc >> 1) {
    case 0: r = f & flag::of; break;
    case 1: r = f & flag::cf; break;
    case 2: r = f & flag::zf; break;
    case 3: r = f & (flag::cf | flag::zf); break;
    case 4: r = f & flag::sf; break;
    case 5: r = f & flag::pf; break;
    case 6: r = ((f & flag::sf) != 0) != ((f & flag::of) != 0); break;
    default: r = (f & flag::zf) || (((f & flag::sf) != 0) != ((f & flag::of) != 0)); break;
  }
  return (cc & 1) ? !r : r;
}

// ---- segments (SDM vol. 3 §3.4, §5.5-5.8) ------------------------------------------

namespace {
const char* const kSegNames[] = {"ES", "CS", "SS", "DS", "FS", "GS"};
}

Ia32Core::Descriptor Ia32Core::read_descriptor(uint16_t selector, int vector, uint32_t ext) {
  const uint32_t ec = (selector & 0xFFFCu) | ext;
  if (selector & 4) {
    // TI=1: the LDT that LDTR names (SDM vol. 3 §3.5.1). A null LDTR has no
    // usable table: every LDT selector faults.
    if (!ldtr_.present()) raise(vector, ec, "LDT selector with a null LDTR");
    if ((selector | 7u) > ldtr_.limit) raise(vector, ec, "selector beyond the LDT limit");
  } else if ((selector | 7u) > gdtr_.limit) {
    raise(vector, ec, "selector beyond the GDT limit");
  }
  const uint32_t at = descriptor_address(selector);
  Descriptor d;
  d.lo = sys_read(at, 4);
  d.hi = sys_read(at + 4, 4);
  return d;
}

void Ia32Core::set_accessed(uint16_t selector, const Descriptor& d) {
  if (!d.is_system() && !(d.hi & (1u << 8))) sys_write(descriptor_address(selector) + 5, (d.hi >> 8) | 1, 1);
}

// LLDT (SDM vol. 3 LLDT): a null selector leaves LDTR null (unusable); else
// the selector must name, in the GDT, a present LDT descriptor (system type 2).
void Ia32Core::load_ldt_register(uint16_t selector) {
  if ((selector & ~3u) == 0) {
    ldtr_ = SegmentReg{selector, 0, 0, 0};
    return;
  }
  const uint32_t ec = selector & 0xFFFCu;
  if (selector & 4) raise(GP, ec, "LLDT: selector points into the LDT");
  const Descriptor d = read_descriptor(selector, GP, 0);
  if (((d.hi >> 8) & 0x1F) != 0x02) raise(GP, ec, "LLDT: not an LDT descriptor");
  if (!d.present()) raise(NP, ec, "LLDT: LDT not present");
  ldtr_ = SegmentReg{selector, d.base(), d.limit(), d.access()};
}

SegmentReg Ia32Core::cache_of(uint16_t selector, const Descriptor& d) {
  return SegmentReg{selector, d.base(), d.limit(), static_cast<uint8_t>(d.access() | (d.is_system() ? 0 : 1))};
}

// MOV/POP to DS, ES, FS, GS and SS.
void Ia32Core::load_segment(unsigned s, uint16_t selector) {
  if (s == reg::ss) {
    segs_[reg::ss] = check_stack_segment(selector, cpl_, GP, 0);
    return;
  }
  if ((selector & ~3u) == 0) {  // a null selector may be loaded (using it is the fault)
    segs_[s] = SegmentReg{selector, 0, 0, 0};
    return;
  }
  const uint32_t ec = selector & 0xFFFCu;
  const Descriptor d = read_descriptor(selector, GP, 0);
  // (The messages are built only on the fault path: this runs for every
  // segment register load, e.g. each interrupt entry and return.)
  if (d.is_system() || (d.is_code() && !d.readable_or_writable()))
    raise(GP, ec, (std::string("bad descriptor for ") + kSegNames[s]).c_str());
  if (!d.conforming() && ((selector & 3u) > d.dpl() || cpl_ > d.dpl()))
    raise(GP, ec, (std::string("bad descriptor for ") + kSegNames[s] + " (privilege)").c_str());
  if (!d.present()) raise(NP, ec, (std::string(kSegNames[s]) + " segment not present").c_str());
  set_accessed(selector, d);
  segs_[s] = cache_of(selector, d);
}

SegmentReg Ia32Core::check_stack_segment(uint16_t selector, unsigned rpl, int vector, uint32_t ext) {
  if ((selector & ~3u) == 0) raise(vector, ext, "null selector loaded into SS");
  const uint32_t ec = (selector & 0xFFFCu) | ext;
  const Descriptor d = read_descriptor(selector, vector, ext);
  if ((selector & 3u) != rpl || d.dpl() != rpl || !d.is_data() || !d.readable_or_writable())
    raise(vector, ec, "bad descriptor for SS");
  if (!d.present()) raise(SS, ec, "stack segment not present");
  set_accessed(selector, d);
  return cache_of(selector, d);
}

SegmentReg Ia32Core::check_code_segment(uint16_t selector) {
  if ((selector & ~3u) == 0) raise(GP, 0, "null selector loaded into CS");
  const uint32_t ec = selector & 0xFFFCu;
  const Descriptor d = read_descriptor(selector, GP, 0);
  if (!d.is_code()) {
    if (d.is_system()) fatal(FatalKind::cpu, "far transfer through a call gate or TSS is not supported (selector " + hex32(selector) + ") at EIP=" + hex32(insn_eip_));
    raise(GP, ec, "far transfer to a non-code segment");
  }
  if (d.conforming() ? d.dpl() > cpl_ : ((selector & 3u) > cpl_ || d.dpl() != cpl_))
    raise(GP, ec, "far transfer to another privilege level");
  if (!d.present()) raise(NP, ec, "code segment not present");
  if (!(d.hi & (1u << 22))) fatal(FatalKind::cpu, "16-bit code segments are not supported: CS selector " + hex32(selector) + " at EIP=" + hex32(insn_eip_));
  set_accessed(selector, d);
  SegmentReg r = cache_of(static_cast<uint16_t>((selector & ~3u) | cpl_), d);
  return r;
}

void Ia32Core::load_task_register(uint16_t selector) {
  if ((selector & ~3u) == 0) raise(GP, 0, "LTR with a null selector");
  const uint32_t ec = selector & 0xFFFCu;
  if (selector & 4) raise(GP, ec, "LTR: selector points into the LDT");
  const Descriptor d = read_descriptor(selector, GP, 0);
  const unsigned type = (d.hi >> 8) & 0x1F;
  if (type != 0x09) {
    if (type == 0x01) fatal(FatalKind::cpu, "16-bit TSS is not supported at EIP=" + hex32(insn_eip_));
    raise(GP, ec, "LTR: not an available 32-bit TSS");
  }
  if (!d.present()) raise(NP, ec, "LTR: TSS not present");
  sys_write(gdtr_.base + (selector & ~7u) + 5, d.access() | 0x02, 1);  // busy
  tr_ = SegmentReg{selector, d.base(), d.limit(), static_cast<uint8_t>(d.access() | 0x02)};
}

// EFLAGS from POPF/IRET: IOPL only at CPL 0, IF only at CPL <= IOPL; RF, VM
// and VIF/VIP are not loaded.
void Ia32Core::write_eflags(uint32_t v, uint32_t mask, unsigned cpl) {
  uint32_t writable = kEflagsWritable & ~flag::rf & mask;
  if (cpl > 0) writable &= ~(3u << 12);
  if (cpl > ((eflags_ >> 12) & 3)) writable &= ~flag::if_;
  const uint32_t old = eflags_;
  eflags_ = (eflags_ & ~writable) | (v & writable) | flag::reserved_one;
  if ((eflags_ ^ old) & flag::if_) ev_.resample_intr = true;
}

void Ia32Core::require_cpl0() {
  if (cpl_ != 0) raise(GP, 0, "privileged instruction at CPL > 0");
}

void Ia32Core::require_io_privilege() {
  // No I/O permission bitmap: CPL > IOPL always faults.
  if (cpl_ > ((eflags_ >> 12) & 3)) raise(GP, 0, "I/O privilege (CPL > IOPL)");
}

// RETF/IRET (SDM IRET/RET pseudo code): the frame is at SS:ESP; cs/eip/fl are
// already read. frame_bytes: bytes of EIP, CS (and EFLAGS); pop_extra: RET imm16.
void Ia32Core::far_return(uint16_t cs, uint32_t eip, uint32_t frame_bytes, uint32_t pop_extra, bool iret, uint32_t fl) {
  const unsigned rpl = cs & 3u;
  const uint32_t ec = cs & 0xFFFCu;
  if ((cs & ~3u) == 0) raise(GP, 0, "return to a null CS");
  if (rpl < cpl_) raise(GP, ec, "return to an inner privilege level");
  const Descriptor d = read_descriptor(cs, GP, 0);
  if (!d.is_code() || (d.conforming() ? d.dpl() > rpl : d.dpl() != rpl)) raise(GP, ec, "return to a bad code segment");
  if (!d.present()) raise(NP, ec, "return to a not-present code segment");
  if (!(d.hi & (1u << 22))) fatal(FatalKind::cpu, "16-bit code segments are not supported: CS selector " + hex32(cs) + " at EIP=" + hex32(insn_eip_));
  const uint32_t esp = regs_[reg::esp];
  if (rpl == cpl_) {
    set_accessed(cs, d);
    segs_[reg::cs] = cache_of(cs, d);
    if (iret) write_eflags(fl, 0xFFFFFFFF, cpl_);
    regs_[reg::esp] = esp + frame_bytes + pop_extra;
    next_eip_ = eip;
    ev_.branch_taken = true;
    return;
  }
  // To an outer ring: ESP and SS follow on the old stack.
  const uint32_t at = esp + frame_bytes + pop_extra;
  const uint32_t new_esp = read(linear(reg::ss, at), 4);
  const uint16_t new_ss = static_cast<uint16_t>(read(linear(reg::ss, at + 4), 4));
  const SegmentReg ss = check_stack_segment(new_ss, rpl, GP, 0);
  set_accessed(cs, d);
  if (iret) write_eflags(fl, 0xFFFFFFFF, cpl_);
  segs_[reg::cs] = cache_of(cs, d);
  segs_[reg::ss] = ss;
  regs_[reg::esp] = new_esp + (iret ? 0 : pop_extra);
  set_cpl(rpl);
  // Data segment registers the new ring may not use are nulled.
  for (unsigned s : {reg::es, reg::ds, reg::fs, reg::gs}) {
    const SegmentReg& r = segs_[s];
    const bool conforming_code = (r.access & 0x1C) == 0x1C;
    if ((r.access & 0x10) && !conforming_code && r.dpl() < rpl) segs_[s] = SegmentReg{0, 0, 0, 0};
  }
  next_eip_ = eip;
  ev_.branch_taken = true;
}

// ---- interrupts and exceptions (SDM vol. 3 §6.12) ----------------------------------

namespace {
bool pushes_error_code(unsigned v) { return v == 8 || (v >= 10 && v <= 14) || v == 17; }
enum class FaultClass { benign, contributory, page };
FaultClass class_of(int v) {
  if (v == 0 || (v >= 10 && v <= 13)) return FaultClass::contributory;
  if (v == 14) return FaultClass::page;
  return FaultClass::benign;
}
const char* mnemonic(int v) {
  static const char* const names[] = {"#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF", "CSO",
                                      "#TS", "#NP", "#SS", "#GP", "#PF", "#15", "#MF", "#AC", "#MC", "#XM"};
  return v >= 0 && v < 20 ? names[v] : "#?";
}
}  // namespace

void Ia32Core::deliver_interrupt(uint8_t vector, uint32_t return_eip, EventKind kind, bool has_error, uint32_t error_code) {
  const uint32_t ext = kind == EventKind::software ? 0 : 1;
  const uint32_t idt_ec = vector * 8u + 2 + ext;
  if (vector * 8u + 7 > idtr_.limit) raise(GP, idt_ec, "vector beyond the IDT limit");
  const uint32_t lo = sys_read(idtr_.base + vector * 8u, 4);
  const uint32_t hi = sys_read(idtr_.base + vector * 8u + 4, 4);
  const unsigned type = (hi >> 8) & 0x1F;
  if (type == 0x05 || type == 0x06 || type == 0x07)
    fatal(FatalKind::cpu, "vector " + std::to_string(vector) + ": task gates and 16-bit gates are not supported; at EIP=" + hex32(insn_eip_));
  if (type != 0x0E && type != 0x0F) raise(GP, idt_ec, "bad IDT gate type");
  if (kind == EventKind::software && ((hi >> 13) & 3) < cpl_) raise(GP, idt_ec, "INT n through a gate with DPL < CPL");
  if (!(hi & (1u << 15))) raise(NP, idt_ec, "IDT gate not present");
  const uint16_t selector = static_cast<uint16_t>(lo >> 16);
  const uint32_t offset = (lo & 0xFFFF) | (hi & 0xFFFF0000);
  if ((selector & ~3u) == 0) raise(GP, ext, "IDT gate with a null selector");
  const uint32_t sel_ec = (selector & 0xFFFCu) | ext;
  const Descriptor cd = read_descriptor(selector, GP, ext);
  if (!cd.is_code() || cd.dpl() > cpl_) raise(GP, sel_ec, "IDT gate to a bad code segment");
  if (!cd.present()) raise(NP, sel_ec, "handler code segment not present");
  if (!(cd.hi & (1u << 22))) fatal(FatalKind::cpu, "16-bit code segments are not supported: CS selector " + hex32(selector) + " at EIP=" + hex32(insn_eip_));

  const uint32_t old_eflags = eflags_ & ~flag::rf;
  uint32_t frame[6];
  unsigned words = 0;
  if (!cd.conforming() && cd.dpl() < cpl_) {
    // Inter-privilege: the new stack comes from the TSS (SSn:ESPn).
    const unsigned new_cpl = cd.dpl();
    const uint32_t tr_ec = (tr_.selector & 0xFFFCu) | ext;
    const uint32_t at = 4 + new_cpl * 8;
    if (!tr_.present() || at + 5 > tr_.limit) raise(TS, tr_ec, "TSS too small or not loaded");
    const uint32_t new_esp = sys_read(tr_.base + at, 4);
    const uint16_t new_ss_sel = static_cast<uint16_t>(sys_read(tr_.base + at + 4, 2));
    const SegmentReg new_ss = check_stack_segment(new_ss_sel, new_cpl, TS, ext);
    frame[words++] = segs_[reg::ss].selector;
    frame[words++] = regs_[reg::esp];
    frame[words++] = old_eflags;
    frame[words++] = segs_[reg::cs].selector;
    frame[words++] = return_eip;
    if (has_error) frame[words++] = error_code;
    const uint32_t sp = new_esp - 4 * words;
    for (unsigned i = 0; i < words; ++i) sys_write(new_ss.base + sp + 4 * (words - 1 - i), frame[i], 4);
    set_accessed(selector, cd);
    segs_[reg::ss] = new_ss;
    regs_[reg::esp] = sp;
    segs_[reg::cs] = cache_of(static_cast<uint16_t>((selector & ~3u) | new_cpl), cd);
    set_cpl(new_cpl);
  } else {
    frame[words++] = old_eflags;
    frame[words++] = segs_[reg::cs].selector;
    frame[words++] = return_eip;
    if (has_error) frame[words++] = error_code;
    const uint32_t sp = regs_[reg::esp] - 4 * words;
    for (unsigned i = 0; i < words; ++i) write(linear(reg::ss, sp + 4 * (words - 1 - i)), frame[i], 4);
    set_accessed(selector, cd);
    regs_[reg::esp] = sp;
    segs_[reg::cs] = cache_of(static_cast<uint16_t>((selector & ~3u) | cpl_), cd);
  }
  eflags_ &= ~(flag::tf | flag::nt | flag::rf);
  if (type == 0x0E) eflags_ &= ~flag::if_;
  next_eip_ = offset;
  eip_ = offset;
  ev_.branch_taken = true;
  ev_.halted = false;
}

// Delivers an exception raised by an instruction (EIP and the saved state are
// already those before it). A contributory fault or #PF while delivering a
// contributory fault or #PF becomes #DF; a fault while delivering #DF is a
// triple fault, which stops the core (SDM vol. 3 table 6-5).
bool Ia32Core::deliver_exception(const Fault& first) {
  if (idtr_.limit == 0) {
    // No IDT was ever installed (a bare-metal program): stop at once with the
    // cause, instead of escalating through #DF to a triple fault.
    fatal_kind_ = FatalKind::cpu;
    fatal_message_ = first.vector == UD && first.message.rfind("unsupported opcode", 0) == 0
                         ? first.message
                         : first.message + " (exception " + std::to_string(first.vector) + ", no IDT handler)";
    return false;
  }
  int vector = first.vector;
  uint32_t ec = first.error_code;
  std::string chain = first.message;
  for (unsigned attempt = 0; attempt < 8; ++attempt) {
    try {
      deliver_interrupt(static_cast<uint8_t>(vector), eip_, EventKind::exception, pushes_error_code(vector), ec);
      return true;
    } catch (const Fault& f) {
      if (f.kind != FatalKind::none) {
        fatal_kind_ = f.kind;
        fatal_message_ = f.message;
        return false;
      }
      char buf[64];
      std::snprintf(buf, sizeof buf, " -> %s(0x%X) while delivering %s", mnemonic(f.vector), f.error_code, mnemonic(vector));
      chain += buf;
      const FaultClass now = class_of(vector), next = class_of(f.vector);
      if (vector == DF && next != FaultClass::benign) break;  // triple fault
      if ((now == FaultClass::contributory && next == FaultClass::contributory) ||
          (now == FaultClass::page && next != FaultClass::benign)) {
        vector = DF;
        ec = 0;
      } else {
        vector = f.vector;
        ec = f.error_code;
      }
    }
  }
  triple_fault_ = true;
  fatal_kind_ = FatalKind::cpu;
  fatal_message_ = "triple fault at EIP=" + hex32(eip_) + " (register dump: " + register_dump() + "); " + chain;
  return false;
}

// ---- decode ------------------------------------------------------------------------

uint8_t Ia32Core::fetch8() {
  if (fetch_count_++ >= 15) raise(GP, "instruction longer than 15 bytes");
  const uint32_t a = fetch_addr_++;
  if ((a >> 12) == fetch_page_addr_) return fetch_page_[a & 0xFFF];
  PageSlot& s = slot(a, false);
  if (s.ptr) {
    fetch_page_ = s.ptr;
    fetch_page_addr_ = a >> 12;
    fetch_page_phys_ = s.phys;
    return s.ptr[a & 0xFFF];
  }
  const uint32_t pa = s.phys | (a & 0xFFF);
  const uint32_t word = pa & ~3u;
  if (word != fetch_word_addr_) {
    const uint32_t k = (word - prefetch_base_) / 4;  // decode_bus() fetched these already
    if (word >= prefetch_base_ && k < prefetch_n_) {
      fetch_word_ = prefetch_[k];
    } else if (!bus_.fetch(word, &fetch_word_, 4)) {
      uint8_t b;
      if (!bus_.fetch(pa, &b, 1)) fatal(FatalKind::bus, "instruction fetch from unmapped address " + hex32(pa) + " (EIP=" + hex32(insn_eip_) + ")");
      fetched_bytes_[(fetch_count_ - 1) & 15] = b;
      return b;
    }
    fetch_word_addr_ = word;
  }
  const uint8_t b = static_cast<uint8_t>(fetch_word_ >> (8 * (pa & 3)));
  fetched_bytes_[(fetch_count_ - 1) & 15] = b;
  return b;
}

void Ia32Core::decode(Insn& d) {
  fetch_addr_ = segs_[reg::cs].base + eip_;
  fetch_count_ = 0;
  fetch_word_addr_ = 1;
  uint8_t b;
  for (;;) {
    b = fetch8();
    switch (b) {
      case 0x26: d.seg = reg::es; continue;
      case 0x2E: d.seg = reg::cs; continue;
      case 0x36: d.seg = reg::ss; continue;
      case 0x3E: d.seg = reg::ds; continue;
      case 0x64: d.seg = reg::fs; continue;
      case 0x65: d.seg = reg::gs; continue;
      case 0x66: d.opsize = 2; continue;
      case 0x67:
        fatal(FatalKind::cpu, "unsupported address-size prefix 67" + unsupported_message(insn_eip_));
      case 0xF0: d.lock = true; continue;  // one CPU: every legal locked RMW is atomic already
      case 0xF2:
      case 0xF3: d.rep = b; continue;
      default: break;
    }
    break;
  }
  uint16_t op = b;
  if (b == 0x0F) op = 0x100 | fetch8();
  d.opcode = op;
  const OpcodeEntry& e = kOpcodes.e[op];
  if (!e.handler) {
    char buf[16];
    if (op >= 0x100) std::snprintf(buf, sizeof buf, "0F %02X", op & 0xFF);
    else std::snprintf(buf, sizeof buf, "%02X", op);
    throw Fault{FatalKind::none, UD, "unsupported opcode " + std::string(buf) + unsupported_message(insn_eip_)};
  }
  d.handler = e.handler;
  d.cost = e.cost;
  const uint8_t f = e.decode;
  if (f & M) {
    d.has_modrm = true;
    const uint8_t modrm = fetch8();
    d.mod = modrm >> 6;
    d.regop = (modrm >> 3) & 7;
    d.rm = modrm & 7;
    if (d.mod != 3) {
      if (d.rm == 4) {
        const uint8_t sib = fetch8();
        d.scale = sib >> 6;
        const uint8_t idx = (sib >> 3) & 7, base = sib & 7;
        d.index = idx == 4 ? -1 : static_cast<int8_t>(idx);
        d.base = (base == 5 && d.mod == 0) ? -1 : static_cast<int8_t>(base);
        if (base == 5 && d.mod == 0) {
          uint32_t v = 0;
          for (unsigned i = 0; i < 4; ++i) v |= uint32_t{fetch8()} << (8 * i);
          d.disp = v;
        }
      } else if (d.rm == 5 && d.mod == 0) {
        d.base = -1;
        uint32_t v = 0;
        for (unsigned i = 0; i < 4; ++i) v |= uint32_t{fetch8()} << (8 * i);
        d.disp = v;
      } else {
        d.base = static_cast<int8_t>(d.rm);
      }
      if (d.mod == 1) {
        d.disp = sx8(fetch8());
      } else if (d.mod == 2) {
        uint32_t v = 0;
        for (unsigned i = 0; i < 4; ++i) v |= uint32_t{fetch8()} << (8 * i);
        d.disp = v;
      }
    }
  }
  auto imm = [&](unsigned n) {
    uint32_t v = 0;
    for (unsigned i = 0; i < n; ++i) v |= uint32_t{fetch8()} << (8 * i);
    return v;
  };
  if (f & GRP3) {
    if (d.regop <= 1) d.imm = imm((op & 1) ? d.opsize : 1);
  } else if (f & I8) {
    d.imm = imm(1);
  } else if (f & I16) {
    d.imm = imm(2);
  } else if (f & IZ) {
    d.imm = imm(d.opsize);
  } else if (f & I32) {
    d.imm = imm(4);
  } else if (f & FAR) {
    d.imm = imm(d.opsize);
    d.imm2 = imm(2);
  } else if (f & ENTER) {
    d.imm = imm(2);
    d.imm2 = imm(1);
  }
  d.length = static_cast<uint8_t>(fetch_count_);
  d.eseg = static_cast<int8_t>(d.seg >= 0 ? d.seg : (d.base == reg::esp || d.base == reg::ebp) ? int{reg::ss} : int{reg::ds});
  d.cycles = static_cast<uint8_t>(cycle_cost(d.cost) + (d.is_mem() ? kMemOperandCycles : 0));
  if (d.lock && !lock_allowed(d)) raise(UD, "LOCK prefix on an instruction that cannot be locked");
  Exec::specialize(d);
}

// LOCK is legal only on a read-modify-write of memory (SDM vol. 2 "LOCK").
bool Ia32Core::lock_allowed(const Insn& d) {
  if (!d.is_mem()) return false;
  const uint16_t op = d.opcode;
  if (op < 0x40) return (op & 7) <= 1 && (op >> 3) != 7;  // ADD..XOR Eb/Ev,G (not CMP)
  switch (op) {
    case 0x80: case 0x81: case 0x82: case 0x83: return d.regop != 7;
    case 0x86: case 0x87: return true;
    case 0xF6: case 0xF7: return d.regop == 2 || d.regop == 3;
    case 0xFE: case 0xFF: return d.regop <= 1;
    case 0x1AB: case 0x1B3: case 0x1BB: case 0x1B0: case 0x1B1: case 0x1C0: case 0x1C1: return true;
    case 0x1BA: return d.regop >= 5;
    case 0x1C7: return d.regop == 1;
    default: return false;
  }
}

bool Ia32Core::decode_at(uint32_t eip, Insn& out, std::string* error) {
  const uint32_t saved = eip_;
  eip_ = eip;
  insn_eip_ = eip;
  bool ok = true;
  try {
    out = Insn{};
    decode(out);
  } catch (const Fault& f) {
    if (error) *error = f.message;
    ok = false;
  }
  eip_ = saved;
  return ok;
}

// ---- decode cache ------------------------------------------------------------------

// The instruction at CS:EIP. The fetch page is translated (TLB, #PF) exactly
// as the first byte's fetch would be; the record comes from the decode cache
// when its physical address and bytes match, else it is decoded (and cached
// when the page is RAM with a host pointer).
__attribute__((always_inline)) inline const Insn& Ia32Core::fetch_decoded() {
  const uint32_t lin = segs_[reg::cs].base + eip_;
  const uint32_t off = lin & 0xFFF;
  if ((lin >> 12) == fetch_page_addr_) [[likely]] {
    const uint32_t pa = fetch_page_phys_ | off;
    const DecodedInsn& e = decode_cache_[pa & (kDecodeCacheSize - 1)];
    // Only instructions at offsets <= 0x1000 - 16 are ever cached, so after
    // a tag hit reading 16 bytes stays inside the page.
    if (e.phys == pa) [[likely]] {
      uint64_t w0;
      std::memcpy(&w0, fetch_page_ + off, 8);
      if (((w0 ^ e.bytes[0]) & e.mask[0]) == 0) [[likely]] {
        if (e.mask[1] == 0) [[likely]]
          return e.insn;
        uint64_t w1;
        std::memcpy(&w1, fetch_page_ + off + 8, 8);
        if (((w1 ^ e.bytes[1]) & e.mask[1]) == 0) return e.insn;
      }
    }
  } else if ((lin >> 12) == bus_page_addr_ && off <= 0x1000 - 16) {
    // Accurate mode's common case: decode_slow()'s translation (the same TLB
    // lookup map_fetch_page() does) and its bus decode, without the detour.
    const PageSlot& s = read_pages_[(lin >> 12) % kPageCacheSize];
    if (s.tag == tlb_tag(lin) && !s.ptr) [[likely]] {
      // decode_bus()'s common case: the dwords all at once (cache hits).
      const uint32_t pa = s.phys | off;
      DecodedInsn& e = decode_cache_[pa & (kDecodeCacheSize - 1)];
      if (e.phys == pa) [[likely]] {
        const uint32_t first = pa & ~3u;
        const unsigned words = e.words;
        // The bus's window first (a fetch hit without a call), else the bus.
        const uint8_t* code = fetch_window_.hit(first, words, apic_base_, stall_);
        if (!code) [[unlikely]]
          code = bus_.fetch_code(first, words, fetch_window_);
        if (code) [[likely]] {
          if (e.holds(code + (pa & 3))) [[likely]] return e.insn;
          std::memcpy(prefetch_, code, 4 * words);  // the bytes changed: decode those fetched
          prefetch_base_ = first;
          prefetch_n_ = words;
          return decode_prefetched(pa, e);
        }
      }
      return decode_bus(pa);
    }
  }
  return decode_slow(lin);
}

// Makes lin's page the fetch page when it is RAM with a host pointer;
// returns lin's physical address.
uint32_t Ia32Core::map_fetch_page(uint32_t lin) {
  if ((lin >> 12) == fetch_page_addr_) return fetch_page_phys_ | (lin & 0xFFF);
  PageSlot& s = slot(lin, false);  // may raise #PF, as fetching the first byte would
  if (s.ptr) {
    fetch_page_ = s.ptr;
    fetch_page_addr_ = lin >> 12;
    fetch_page_phys_ = s.phys;
  }
  return s.phys | (lin & 0xFFF);
}

bool Ia32Core::DecodedInsn::holds(const uint8_t* code) const {
  uint64_t w0, w1;
  std::memcpy(&w0, code, 8);
  std::memcpy(&w1, code + 8, 8);
  return (((w0 ^ bytes[0]) & mask[0]) | ((w1 ^ bytes[1]) & mask[1])) == 0;
}

void Ia32Core::DecodedInsn::keep(uint32_t pa, const uint8_t* code) {
  const unsigned len = insn.length;
  mask[0] = len >= 8 ? ~uint64_t{0} : (uint64_t{1} << (8 * len)) - 1;
  mask[1] = len <= 8 ? 0 : (uint64_t{1} << (8 * (len - 8))) - 1;  // len <= 15
  std::memcpy(&bytes[0], code, 8);
  std::memcpy(&bytes[1], code + 8, 8);
  bytes[0] &= mask[0];
  bytes[1] &= mask[1];
  phys = pa;
  words = ((pa + len - 1) >> 2) - (pa >> 2) + 1;
}

const Insn& Ia32Core::decode_slow(uint32_t lin) {
  const uint32_t off = lin & 0xFFF;
  const uint32_t pa = map_fetch_page(lin);
  if ((lin >> 12) == fetch_page_addr_ && off <= 0x1000 - 16) {
    DecodedInsn& e = decode_cache_[pa & (kDecodeCacheSize - 1)];
    const uint8_t* code = fetch_page_ + off;
    if (e.phys == pa && e.holds(code)) return e.insn;
    e.phys = 0xFFFFFFFF;  // stays invalid if decoding faults
    e.insn = Insn{};
    decode(e.insn);
    e.keep(pa, code);
    return e.insn;
  }
  if (off <= 0x1000 - 16) return decode_bus(pa);
  slow_insn_ = Insn{};
  decode(slow_insn_);
  return slow_insn_;
}

// The decode cache for code fetched over the bus (accurate mode, no host
// pointer). The instruction's bytes are fetched exactly as decode() would
// fetch them (the aligned dwords covering it, in order, through
// CpuBus::fetch(): the same transactions, cache lookups, stall cycles and
// stats), and the cached record is used only when they equal the bytes it
// was decoded from. Otherwise decode() runs and takes those dwords from the
// prefetch buffer before it fetches any further one, so a miss costs no
// extra bus transaction either. (One difference: a dword fetch that fails
// here is tried once more by decode() before its byte fallback; that path
// ends in a bus fatal stop either way.)
const Insn& Ia32Core::decode_bus(uint32_t pa) {
  DecodedInsn& e = decode_cache_[pa & (kDecodeCacheSize - 1)];
  const uint32_t first = pa & ~3u;
  prefetch_base_ = first;
  prefetch_n_ = 0;
  if (e.phys == pa) {
    prefetch_n_ = bus_.fetch_words(first, e.words, prefetch_);
    if (prefetch_n_ == e.words) {
      uint8_t bytes[sizeof prefetch_];  // up to 3 bytes before pa, 15 of the instruction, padding
      std::memcpy(bytes, prefetch_, sizeof prefetch_);  // the words past prefetch_n_ are masked off by holds()
      if (e.holds(bytes + (pa - first))) {
        prefetch_n_ = 0;
        return e.insn;
      }
    }
  }
  return decode_prefetched(pa, e);
}

// decode_bus() when the cached record does not hold: decode() takes the
// dwords already fetched (prefetch_) before it fetches any further one.
const Insn& Ia32Core::decode_prefetched(uint32_t pa, DecodedInsn& e) {
  e.phys = 0xFFFFFFFF;  // stays invalid if decoding faults
  e.insn = Insn{};
  try {
    decode(e.insn);
  } catch (...) {
    prefetch_n_ = 0;
    throw;
  }
  prefetch_n_ = 0;
  e.keep(pa, fetched_bytes_);  // bytes past the length are masked off
  return e.insn;
}

// ---- block cache -------------------------------------------------------------------

// False when d must be the last instruction of its block: anything that may
// transfer control (Jcc, JMP, CALL, RET, LOOP, FF /2-/5), set one of the event
// bytes (HLT, STI, POPF, IN/OUT/INS/OUTS, string ops with their REP restart,
// INT n, IRET, MOV/POP SS) or change TF or IF (POPF, IRET, STI), and every
// system instruction (segment loads, CRn, descriptor tables, MSRs, CPUID,
// RDTSC). What remains (ALU, MOV, LEA, shifts, MUL/DIV, PUSH/POP of general
// registers and memory, ENTER/LEAVE, flag bits other than IF) only reads and
// writes registers, EFLAGS' status bits and memory; it may fault, which is
// precise inside a block too.
bool Ia32Core::continues_block(const Insn& d) {
  switch (d.cost) {
    case CostClass::nop:
    case CostClass::alu:
    case CostClass::shift:
    case CostClass::mul:
    case CostClass::div:
    case CostClass::stack:
      break;
    default:
      return false;  // branch, string, io, system, interrupt
  }
  switch (d.opcode) {
    case 0x9D:  // POPF
    case 0xFB:  // STI
    case 0x8E:  // MOV Sreg (system class already; SS opens a shadow)
      return false;
    case 0xFF:  // INC/DEC/PUSH continue; CALL/JMP near and far end the block
      return d.regop <= 1 || d.regop == 6;
    default:
      return true;
  }
}

// The block starting at CS:EIP, or nullptr when the instruction there is not
// cacheable (no host pointer, or within 16 bytes of the end of its page):
// the caller then executes it alone through fetch_decoded().
__attribute__((always_inline)) inline bool Ia32Core::block_matches(const Block& b, const uint8_t* code) {
  const unsigned last = (b.nbytes - 1u) / 8;
  uint64_t diff = 0, w;
  for (unsigned i = 0; i < last; ++i) {
    std::memcpy(&w, code + 8 * i, 8);
    diff |= w ^ b.bytes[i];
  }
  std::memcpy(&w, code + 8 * last, 8);
  diff |= (w ^ b.bytes[last]) & b.last_mask;
  return diff == 0;
}

__attribute__((always_inline)) inline const Ia32Core::Block* Ia32Core::find_block() {
  const uint32_t lin = segs_[reg::cs].base + eip_;
  if ((lin >> 12) != fetch_page_addr_) {
    // Code on another page: a hit in the read TLB (what map_fetch_page()
    // would find) switches the fetch page here; a miss goes the long way.
    const PageSlot& s = read_pages_[(lin >> 12) % kPageCacheSize];
    if (s.tag == tlb_tag(lin) && s.ptr) {
      fetch_page_ = s.ptr;
      fetch_page_addr_ = lin >> 12;
      fetch_page_phys_ = s.phys;
    }
  }
  if ((lin >> 12) == fetch_page_addr_) [[likely]] {
    const uint32_t off = lin & 0xFFF;
    const uint32_t pa = fetch_page_phys_ | off;
    const Block& b = blocks_[block_index(pa)];
    if (b.phys == pa && block_matches(b, fetch_page_ + off)) [[likely]] return &b;
    const Block& b2 = blocks_[block_index2(pa)];
    if (b2.phys == pa && block_matches(b2, fetch_page_ + off)) return &b2;
  } else if ((lin >> 12) == bus_page_addr_) {
    return nullptr;  // code fetched over the bus: no blocks
  }
  return build_block(lin);
}

// Decodes the block at lin (EIP's linear address). The first instruction is
// decoded as fetch_decoded() would (a #PF or #UD it raises is the
// instruction's own); a later one that does not decode just ends the block
// before it (it raises its fault when execution gets there).
const Ia32Core::Block* Ia32Core::build_block(uint32_t lin) {
  map_fetch_page(lin);  // find_block() already returned nullptr for bus_page_addr_
  if ((lin >> 12) != fetch_page_addr_) bus_page_addr_ = lin >> 12;
  const uint32_t off = lin & 0xFFF;
  if ((lin >> 12) != fetch_page_addr_ || off > 0x1000 - 16) return nullptr;
  const uint32_t pa = fetch_page_phys_ | off;
  Block& b1 = blocks_[block_index(pa)];
  Block& b2 = blocks_[block_index2(pa)];
  if (b1.phys == pa && block_matches(b1, fetch_page_ + off)) return &b1;  // only the fetch page was new
  if (b2.phys == pa && block_matches(b2, fetch_page_ + off)) return &b2;
  // The slot: one that holds this address (its bytes changed), else a free
  // one, else the one built longer ago.
  Block& b = b1.phys == pa || b2.phys == pa ? (b1.phys == pa ? b1 : b2)
             : b1.phys == 0xFFFFFFFF     ? b1
             : b2.phys == 0xFFFFFFFF     ? b2
             : b1.built <= b2.built      ? b1
                                         : b2;
  b.built = ++blocks_built_;
  b.phys = 0xFFFFFFFF;  // stays invalid if the first instruction faults
  b.code = nullptr;
  b.chain = nullptr;
  b.chain_phys = 0xFFFFFFFF;
  b.heat = 0;
  b.n = 0;
  b.nbytes = 0;
  const uint32_t saved_eip = eip_;
  uint32_t at = off;
  unsigned cycles = 0;
  try {
    while (b.n < kMaxBlockInsns) {
      Insn& d = b.insns[b.n];
      d = Insn{};
      if (b.n > 0) {
        eip_ = saved_eip + (at - off);
        insn_eip_ = eip_;
      }
      decode(d);
      d.block_off = static_cast<uint8_t>(at - off);
      d.cycles_before = static_cast<uint16_t>(cycles);
      cycles += d.cycles;
      // The whole block, rounded up to 8 bytes for the entry check, stays in
      // the page and within kMaxBlockBytes.
      const unsigned nbytes = at - off + d.length;
      if (b.n > 0 && (nbytes > kMaxBlockBytes || off + ((nbytes + 7) & ~7u) > 0x1000)) break;
      ++b.n;
      b.nbytes = static_cast<uint16_t>(nbytes);
      at += d.length;
      if (!continues_block(d) || at > 0x1000 - 16) break;
    }
  } catch (const Fault&) {
    eip_ = saved_eip;
    insn_eip_ = saved_eip;
    if (b.n == 0) throw;
  }
  eip_ = saved_eip;
  insn_eip_ = saved_eip;
  const unsigned words = (b.nbytes + 7u) / 8;
  std::memcpy(b.bytes, fetch_page_ + off, 8 * words);
  const unsigned tail = b.nbytes - 8 * (words - 1);  // 1..8 valid bytes in the last word
  b.last_mask = tail == 8 ? ~uint64_t{0} : (uint64_t{1} << (8 * tail)) - 1;
  b.bytes[words - 1] &= b.last_mask;
  b.phys = pa;
  return &b;
}

// ---- execution -------------------------------------------------------------------

// Executes the instruction at EIP (no interrupt acceptance, no single-step
// trap: the callers do those). Faults are precise: the handler sees the state
// before the instruction.
__attribute__((always_inline)) inline StepStatus Ia32Core::execute_insn() {
  insn_eip_ = eip_;
  insn_esp_ = regs_[reg::esp];
  insn_eflags_ = eflags_;
  ev_.shadow_pending = false;
  ev_.restart = false;
  ev_.branch_taken = false;
  ev_.software_int = false;
  try {
    const Insn& d = fetch_decoded();
    next_eip_ = eip_ + d.length;
    d.handler(*this, d);
    eip_ = next_eip_;
    cycles_ += d.cycles + (ev_.branch_taken ? kBranchTakenCycles : 0);
    if (!ev_.restart) ++instructions_;
    ev_.sti_shadow = ev_.shadow_pending;
  } catch (const Fault& f) {
    return fault_taken(f);
  }
  return StepStatus::ok;
}

// The instruction at insn_eip_ raised f: back to the state before it
// (precise), then the exception delivered (ok) or the fatal stop recorded.
StepStatus Ia32Core::fault_taken(const Fault& f) {
  eip_ = insn_eip_;
  regs_[reg::esp] = insn_esp_;
  eflags_ = insn_eflags_;
  ev_.software_int = false;
  if (f.kind == FatalKind::none) {
    if (!deliver_exception(f)) return StepStatus::fatal;
    cycles_ += cycle_cost(CostClass::interrupt);
    return StepStatus::ok;
  }
  fatal_kind_ = f.kind;
  fatal_message_ = f.message;
  return StepStatus::fatal;
}

// Takes the pending NMI through IDT vector 2 (an external event: EXT=1 in
// error codes); NMIs stay blocked until the next IRET. The NMI counts as taken
// even when its delivery faults (the fault's handler then runs; its IRET ends
// the blocking).
bool Ia32Core::deliver_nmi() {
  ev_.nmi_pending = false;
  nmi_blocked_ = true;
  ev_.resample_intr = true;  // let the source (local APIC) drop its output
  if (nmi_ack_) nmi_ack_();
  insn_eip_ = eip_;
  insn_esp_ = regs_[reg::esp];
  insn_eflags_ = eflags_;
  if (!deliver_event(2, EventKind::external)) return false;
  cycles_ += cycle_cost(CostClass::interrupt);
  return true;
}

// Delivers an event at the boundary (NMI, INTR, the single-step trap) with
// EIP as the return address; a fault during delivery goes through
// deliver_exception() (#DF, triple fault). false: fatal stop recorded.
bool Ia32Core::deliver_event(uint8_t vector, EventKind kind) {
  try {
    deliver_interrupt(vector, eip_, kind);
  } catch (const Fault& f) {
    if (f.kind != FatalKind::none || !deliver_exception(f)) {
      if (fatal_kind_ == FatalKind::none) {
        fatal_kind_ = f.kind;
        fatal_message_ = f.message;
      }
      return false;
    }
  }
  return true;
}

StepStatus Ia32Core::step() {
  unit_cycles_ = cycles_;
  unit_stall_ = stall_;
  if (fatal_kind_ != FatalKind::none) return StepStatus::fatal;
  // NMI (priority 5, SDM table 6-2) before INTR (6); the single-step trap of
  // the previous instruction (4) was delivered at the end of that step.
  if (ev_.nmi_pending && !nmi_blocked_ && !ev_.sti_shadow) return deliver_nmi() ? StepStatus::ok : StepStatus::fatal;
  if (intr_ && (eflags_ & flag::if_) && !ev_.sti_shadow) {
    // INTA. The controller lowers INTR only after this cycle, so the latched
    // level is stale from here on: drop it and let the owner re-sample.
    intr_ = false;
    ev_.resample_intr = true;
    const int vector = ack_ ? ack_() : -1;
    if (vector >= 0) {
      insn_eip_ = eip_;
      insn_esp_ = regs_[reg::esp];
      insn_eflags_ = eflags_;
      if (!deliver_event(static_cast<uint8_t>(vector), EventKind::external)) return StepStatus::fatal;
      cycles_ += cycle_cost(CostClass::interrupt);
      return StepStatus::ok;
    }
  }
  ev_.sti_shadow = false;
  if (ev_.halted) return StepStatus::halted;

  after_iret_ = false;
  const StepStatus s = execute_insn();
  if (s != StepStatus::ok) return s;
  // Single-step: a trap after an instruction that started with TF=1 (not
  // after INT n, whose gate cleared TF, nor inside a MOV SS shadow, nor after
  // a faulting instruction: insn_eflags_ is then the restored EFLAGS and the
  // exception's gate has been taken instead).
  if ((insn_eflags_ & flag::tf) && !ev_.software_int && !ev_.shadow_pending) {
    if (!deliver_event(DB, EventKind::exception)) return StepStatus::fatal;
  }
  ev_.software_int = false;
  return ev_.halted ? StepStatus::halted : StepStatus::ok;
}

// run()'s common case, as step() would do it (no interrupt to accept, no
// shadow to expire, no single-step trap), for as long as that holds: the
// caller checked the boundary (no hook, no event byte 4-7, no watched EFLAGS
// bit). It runs whole blocks (see Block): inside a block no instruction can
// set an event byte or a watched bit, so the event word is looked at once,
// after the block's last instruction; then, if anything but a taken branch
// happened (REP restart, shadow, INT n, HLT, a resample request), the
// instruction is finished exactly as execute_insn() does and the caller
// looks again. The instruction budget is kept exactly (a block is cut short
// at `stop`), and EIP, the cycle count and the exception snapshot are kept
// per instruction, so bus accesses, faults and the time stamp counter see
// what they saw with one instruction at a time.
// Lazy (run_until()): no blocks, one instruction per iteration, the start
// of each recorded, and the loop also ends where run_until() must return.
template <bool Lazy>
__attribute__((always_inline)) inline StepStatus Ia32Core::run_fast(uint64_t stop, uint32_t watch, bool whole_blocks) {
  static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "event_word() byte order");
  const Block* b = nullptr;
  const Insn* p = nullptr;
  try {
    do {
      ev_.branch_taken = ev_.restart = ev_.shadow_pending = ev_.software_int = false;
      after_iret_ = false;
      insn_eip_ = eip_;
      insn_esp_ = regs_[reg::esp];
      insn_eflags_ = eflags_;
      if constexpr (Lazy) {
        unit_cycles_ = cycles_;
        unit_stall_ = stall_;
      } else {
        b = find_block();
      }
      if (b) [[likely]] {
        // Per instruction only the fault snapshot and cur_: EIP, the cycle
        // and instruction counts are settled when the block ends (cycles()
        // adds the pending cycles for bus callbacks meanwhile). Only the
        // block's last instruction may read or change next_eip_ (anything
        // that branches or restarts ends its block), so it is set once.
        const uint32_t block_eip = eip_;
        p = b->insns;
        const uint64_t left = whole_blocks ? b->n : stop - instructions_;
        block_end_ = p + (b->n < left ? b->n : left);
        code_lo_ = fetch_page_ + ((segs_[reg::cs].base + block_eip) & 0xFFF);
        code_len_ = b->nbytes;
        next_eip_ = block_eip + b->nbytes;
        if (jit_ && b->n <= left && (b->code || (++b->heat >= jit_threshold_ && jit_compile(*b)))) {
          // Translated: the same contract as the loop below. It returns the
          // instructions retired (all, or fewer after a store into the
          // block), or the faulting instruction's index | kFaulted.
          // The code may chain into further translated blocks (each settles
          // EIP, cycles and the count of the one before); jit_block_ is
          // the one it stopped in, kSettled: at a block boundary.
          jit_block_ = b;
          jit_stop_ = stop;
          jit_exact_ = whole_blocks ? 0 : ~uint64_t{0};
          const uint32_t r = b->code(this);
          cur_ = nullptr;
          code_len_ = 0;
          b = nullptr;
          if (r & Jit::kFaulted) [[unlikely]] return jit_faulted(*jit_block_, r & ~Jit::kFaulted);
          if (!(r & Jit::kSettled)) {
            const Block& cb = *jit_block_;
            const Insn* q = cb.insns + r;
            cycles_ += q[-1].cycles_before + q[-1].cycles;
            eip_ = r == cb.n ? next_eip_ : eip_ + q->block_off;
            instructions_ += r;
          }
        } else {
          for (;;) {
            cur_ = p;
            p->handler(*this, *p);
            if (++p >= block_end_) break;
            insn_eip_ = block_eip + p->block_off;
            insn_esp_ = regs_[reg::esp];
            insn_eflags_ = eflags_;
          }
          cur_ = nullptr;
          code_len_ = 0;
          cycles_ += p[-1].cycles_before + p[-1].cycles;
          eip_ = p == b->insns + b->n ? next_eip_ : block_eip + p->block_off;
          instructions_ += static_cast<uint64_t>(p - b->insns);
          b = nullptr;
        }
      } else {
        const Insn& d = fetch_decoded();
        next_eip_ = eip_ + d.length;
        d.handler(*this, d);
        eip_ = next_eip_;
        cycles_ += d.cycles;
        ++instructions_;
      }
      if (ev_.branch_taken) cycles_ += kBranchTakenCycles;
      if (event_word() >> 8) [[unlikely]] {
        if (ev_.restart) --instructions_;
        ev_.sti_shadow = ev_.shadow_pending;
        return ev_.halted ? StepStatus::halted : StepStatus::ok;
      }
    } while (instructions_ < stop && !hook_ && !(eflags_ & watch) && (!Lazy || lazy_go_on()));
  } catch (const Fault& f) {
    code_len_ = 0;
    if (b) {  // p faulted: count the block's instructions and cycles before it
      cur_ = nullptr;
      instructions_ += static_cast<uint64_t>(p - b->insns);
      cycles_ += p->cycles_before;
    }
    const StepStatus s = fault_taken(f);
    return s == StepStatus::ok && ev_.halted ? StepStatus::halted : s;
  }
  return StepStatus::ok;
}

StepStatus Ia32Core::run(uint64_t max_insns, bool whole_blocks) {
  uint64_t stop = instructions_ + max_insns;
  StepStatus s = StepStatus::ok;
  ev_.resample_intr = false;
  uint32_t watch = watched_flags();
  for (;;) {
    while (instructions_ < stop) {
      if (hook_) [[unlikely]] {
        if (!hook_->before_step(*this)) return s;
        s = step();
        if (hook_) hook_->after_step(*this, s);  // the hook may unhook itself
        watch = watched_flags();
      } else if (boundary_needs_step(watch)) [[unlikely]] {
        s = step();
        watch = watched_flags();
      } else {
        s = run_fast<false>(stop, watch, whole_blocks);
      }
      if (s != StepStatus::ok) return s;
      if (ev_.resample_intr) [[unlikely]] {
        // The owner settles the interrupt state; when that needs nothing
        // but bookkeeping, run goes on with the budget it gives.
        const uint64_t more = hook_ ? 0 : bus_.resample_in_place();
        if (!more) return s;
        ev_.resample_intr = false;
        stop = instructions_ + more;
        watch = watched_flags();
      }
    }
    // The budget is used up with nothing pending: the owner's end of chunk
    // (CpuBus::next_chunk()), and on with its next budget if it allows.
    if (hook_) return s;
    const uint64_t more = bus_.next_chunk();
    if (!more) return s;
    stop = instructions_ + more;
    watch = watched_flags();
  }
}

StepStatus Ia32Core::run_until(uint64_t time_stop, uint64_t max_insns) {
  const uint64_t stop = instructions_ + max_insns;
  StepStatus s = StepStatus::ok;
  ev_.resample_intr = false;
  time_stop_ = time_stop;
  lazy_if_ = eflags_ & flag::if_;
  unit_cycles_ = cycles_;
  unit_stall_ = stall_;
  uint32_t watch = watched_flags();
  while (instructions_ < stop && !hook_ && lazy_go_on()) {
    if (boundary_needs_step(watch)) [[unlikely]] {
      s = step();
      watch = watched_flags();
    } else {
      s = run_fast<true>(stop, watch, false);
    }
    if (s != StepStatus::ok || ev_.resample_intr) break;
  }
  time_stop_ = 0;
  return s;
}

}  // namespace minipc
