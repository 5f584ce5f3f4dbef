#include "debug/insn_trace.h"

#include <cerrno>
#include <cctype>
#include <cstring>

#ifdef MINIPC_HAVE_CAPSTONE
#include <capstone/capstone.h>
#endif

namespace minipc::debug {

namespace {

constexpr size_t kMaxInsnBytes = 15;
constexpr size_t kFileBuffer = 1 << 20;

const char* const kGprNames[8] = {"eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi"};
const char* const kSegNames[6] = {"es", "cs", "ss", "ds", "fs", "gs"};

struct FlagName {
  uint32_t bit;
  const char* name;
};
const FlagName kFlags[] = {{flag::cf, "CF"}, {flag::pf, "PF"}, {flag::af, "AF"}, {flag::zf, "ZF"},
                           {flag::sf, "SF"}, {flag::tf, "TF"}, {flag::if_, "IF"}, {flag::df, "DF"},
                           {flag::of, "OF"}, {flag::nt, "NT"}, {flag::rf, "RF"}, {flag::ac, "AC"},
                           {flag::id, "ID"}};

uint64_t parse_count(const std::string& s, const std::string& whole) {
  // std::stoull would take "-1" as 2^64-1: a count has no sign.
  if (s.empty() || !std::isdigit(static_cast<unsigned char>(s[0])))
    throw std::invalid_argument("bad instruction window '" + whole + "' (expected START:COUNT, unsigned)");
  size_t pos = 0;
  unsigned long long v = 0;
  try {
    v = std::stoull(s, &pos, 10);
  } catch (const std::exception&) {
    throw std::invalid_argument("bad instruction window '" + whole + "' (expected START:COUNT)");
  }
  const std::string suffix = s.substr(pos);
  uint64_t mult = 1;
  if (suffix == "k" || suffix == "K") mult = 1000;
  else if (suffix == "M") mult = 1000000;
  else if (suffix == "G") mult = 1000000000;
  else if (!suffix.empty())
    throw std::invalid_argument("bad instruction window '" + whole + "' (expected START:COUNT)");
  return v * mult;
}

}  // namespace

CoreState CoreState::of(const Ia32Core& core) {
  CoreState s;
  for (unsigned r = 0; r < 8; ++r) s.gpr[r] = core.gpr(r);
  s.eip = core.eip();
  s.eflags = core.eflags();
  for (unsigned g = 0; g < 6; ++g) s.seg[g] = core.seg(g).selector;
  s.instructions = core.instructions();
  s.cycles = core.cycles();
  return s;
}

InsnTrace::Window InsnTrace::parse_window(const std::string& text) {
  const size_t colon = text.find(':');
  if (colon == std::string::npos)
    throw std::invalid_argument("bad instruction window '" + text + "' (expected START:COUNT)");
  Window w;
  w.start = parse_count(text.substr(0, colon), text);
  w.count = parse_count(text.substr(colon + 1), text);
  if (w.count == 0) throw std::invalid_argument("instruction window '" + text + "': COUNT must be at least 1");
  return w;
}

InsnTrace::InsnTrace(const std::string& path, Window window, MemoryReader reader, const std::string& cpu_name)
    : path_(path), window_(window), reader_(std::move(reader)) {
  file_ = std::fopen(path.c_str(), "w");
  if (!file_) throw std::runtime_error("cannot write instruction trace '" + path + "': " + std::strerror(errno));
  buffer_ = new char[kFileBuffer];
  std::setvbuf(file_, buffer_, _IOFBF, kFileBuffer);
#ifdef MINIPC_HAVE_CAPSTONE
  csh h = 0;
  if (cs_open(CS_ARCH_X86, CS_MODE_32, &h) == CS_ERR_OK) {
    cs_option(h, CS_OPT_SYNTAX, CS_OPT_SYNTAX_INTEL);
    cs_handle_ = h;
    cs_insn_ = cs_malloc(h);
  }
#endif
  std::fprintf(file_, "# minipc instruction trace: %s, window %llu:%llu (instruction indices), %s\n",
               cpu_name.c_str(), static_cast<unsigned long long>(window_.start),
               static_cast<unsigned long long>(window_.count),
               cs_handle_ ? "Intel syntax (capstone)" : "no disassembler (built without capstone)");
  std::fprintf(file_, "# %8s %10s  %-8s  %-24s %-36s %s\n", "index", "cycles", "eip", "bytes", "instruction",
               "changed (after)");
}

InsnTrace::~InsnTrace() {
  if (file_) finish("the simulation ended");
#ifdef MINIPC_HAVE_CAPSTONE
  if (cs_insn_) cs_free(static_cast<cs_insn*>(cs_insn_), 1);
  if (cs_handle_) {
    csh h = cs_handle_;
    cs_close(&h);
  }
#endif
  delete[] buffer_;
}

void InsnTrace::finish(const std::string& why) {
  if (!file_) return;
  std::fprintf(file_, "# trace stopped: %s; %llu instructions and %llu events traced (window %llu:%llu)\n",
               why.c_str(), static_cast<unsigned long long>(traced_), static_cast<unsigned long long>(events_),
               static_cast<unsigned long long>(window_.start), static_cast<unsigned long long>(window_.count));
  const bool flushed = std::fflush(file_) == 0 && !std::ferror(file_);
  write_failed_ = (std::fclose(file_) != 0) || !flushed;
  file_ = nullptr;
}

void InsnTrace::before(const Ia32Core& core) {
  if (!file_ || pending_) return;  // pending: a REP string still running keeps its first snapshot
  const uint64_t index = core.instructions();
  if (index < window_.start) return;
  if (index - window_.start >= window_.count) {
    finish("end of the window");
    return;
  }
  before_ = CoreState::of(core);
  pending_ = true;
}

void InsnTrace::after(const Ia32Core& core, StepStatus status) {
  if (!file_ || !pending_) return;
  const CoreState now = CoreState::of(core);
  if (status == StepStatus::fatal) {
    pending_ = false;
    write_line(before_, now, "fatal");
    std::fprintf(file_, "# fatal: %s\n", core.fatal_message().c_str());
    finish("CPU fatal error");
    return;
  }
  if (now.instructions > before_.instructions) {
    pending_ = false;
    write_line(before_, now, nullptr);
    return;
  }
  if (now.eip != before_.eip) {  // an interrupt or exception was delivered
    pending_ = false;
    write_line(before_, now, "event");
    return;
  }
  // Nothing retired and EIP unchanged: a REP string yielded (keep the first
  // snapshot, the line comes when it completes) or the core is halted.
  if (status == StepStatus::halted) pending_ = false;
}

size_t InsnTrace::disassemble(uint32_t eip, char* text, size_t text_len, uint8_t* bytes) {
  const size_t avail = reader_ ? reader_(eip, bytes, kMaxInsnBytes) : 0;
  text[0] = 0;
#ifdef MINIPC_HAVE_CAPSTONE
  if (cs_handle_ && avail > 0) {
    const uint8_t* code = bytes;
    size_t size = avail;
    uint64_t address = eip;
    cs_insn* insn = static_cast<cs_insn*>(cs_insn_);
    if (cs_disasm_iter(cs_handle_, &code, &size, &address, insn)) {
      if (insn->op_str[0]) std::snprintf(text, text_len, "%s %s", insn->mnemonic, insn->op_str);
      else std::snprintf(text, text_len, "%s", insn->mnemonic);
      return insn->size;
    }
  }
#endif
  std::snprintf(text, text_len, avail ? "(unknown)" : "(unreadable)");
  return avail ? 1 : 0;
}

void InsnTrace::write_line(const CoreState& b, const CoreState& a, const char* note) {
  if (note && std::strcmp(note, "event") == 0) {
    ++events_;
    std::fprintf(file_, "  %8llu %10llu  %08x  event: interrupt or exception, EIP %08x -> %08x  ",
                 static_cast<unsigned long long>(b.instructions), static_cast<unsigned long long>(b.cycles), b.eip,
                 b.eip, a.eip);
    write_changes(b, a);
    std::fputc('\n', file_);
    return;
  }
  uint8_t bytes[kMaxInsnBytes];
  char text[160];
  size_t len = disassemble(b.eip, text, sizeof text, bytes);
  // Without a disassembler, a sequential EIP tells the length.
  if (!cs_handle_ && a.eip > b.eip && a.eip - b.eip <= kMaxInsnBytes) len = a.eip - b.eip;
  char hex[3 * kMaxInsnBytes + 1];
  size_t h = 0;
  for (size_t i = 0; i < len; ++i) h += std::snprintf(hex + h, sizeof hex - h, i ? " %02x" : "%02x", bytes[i]);
  hex[h] = 0;
  if (note) ++events_;
  else ++traced_;
  std::fprintf(file_, "  %8llu %10llu  %08x  %-24s %-36s ", static_cast<unsigned long long>(b.instructions),
               static_cast<unsigned long long>(b.cycles), b.eip, hex, text);
  write_changes(b, a);
  std::fputc('\n', file_);
}

void InsnTrace::write_changes(const CoreState& b, const CoreState& a) {
  for (unsigned r = 0; r < 8; ++r)
    if (a.gpr[r] != b.gpr[r]) std::fprintf(file_, " %s=%08x", kGprNames[r], a.gpr[r]);
  for (unsigned s = 0; s < 6; ++s)
    if (a.seg[s] != b.seg[s]) std::fprintf(file_, " %s=%04x", kSegNames[s], a.seg[s]);
  if (a.eflags != b.eflags) {
    std::fprintf(file_, " eflags=%08x", a.eflags);
    const uint32_t diff = a.eflags ^ b.eflags;
    const char* sep = " (";
    for (const FlagName& f : kFlags) {
      if (!(diff & f.bit)) continue;
      std::fprintf(file_, "%s%c%s", sep, (a.eflags & f.bit) ? '+' : '-', f.name);
      sep = " ";
    }
    if (sep[0] == ' ' && sep[1] == 0) std::fputc(')', file_);
  }
}

}  // namespace minipc::debug
