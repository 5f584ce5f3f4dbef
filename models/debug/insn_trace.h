// InsnTrace: the instruction trace of `minipc run --trace-insn FILE`.
//
// One line per retired instruction:
//
//   <index> <cycles> <eip> <bytes> <disassembly (Intel)> <changes>
//          7         23  00100019  89 e5    mov ebp, esp        ebp=0010fff8
//
// index is the CPU's instruction count before the instruction (the same
// count as the stats' cpu0.instructions), cycles its cycle count before the
// instruction; changes lists the general registers, segment selectors and
// EFLAGS (with the status/control flags that flipped) whose values differ
// after it. An interrupt or exception delivery gets a line of its own
// ("event: ..."), a fatal stop a "fatal: ..." line. Only the window
// START:COUNT (instruction indices) is written, so the file stays bounded;
// the last line always says why the trace stopped.
//
// Fed by the core's per-step hook: before(core) ahead of Ia32Core::step(),
// after(core, status) once it returned. Instruction bytes are read through a
// side-effect-free reader (TLM debug transport), never through the bus.
#pragma once

#include <cstdint>
#include <cstdio>
#include <functional>
#include <stdexcept>
#include <string>

#include "cpu/ia32_core.h"

namespace minipc::debug {

// The part of the core's state the trace compares.
struct CoreState {
  uint32_t gpr[8] = {};
  uint32_t eip = 0, eflags = 0;
  uint16_t seg[6] = {};
  uint64_t instructions = 0, cycles = 0;
  static CoreState of(const Ia32Core& core);
};

class InsnTrace {
 public:
  // Reads len bytes at a linear address without side effects; returns how
  // many bytes from the start it could read.
  using MemoryReader = std::function<size_t(uint32_t addr, uint8_t* data, size_t len)>;

  struct Window {
    uint64_t start = 0;
    uint64_t count = 1000000;
  };
  // "START:COUNT", each a decimal number with an optional k/M/G suffix
  // (powers of 1000); COUNT >= 1. Throws std::invalid_argument.
  static Window parse_window(const std::string& text);

  // Opens (truncates) path; throws std::runtime_error when it cannot.
  InsnTrace(const std::string& path, Window window, MemoryReader reader, const std::string& cpu_name = "cpu0");
  ~InsnTrace();  // finish("the simulation ended") unless already finished
  InsnTrace(const InsnTrace&) = delete;
  InsnTrace& operator=(const InsnTrace&) = delete;

  // The hook.
  void before(const Ia32Core& core);
  void after(const Ia32Core& core, StepStatus status);

  // Writes the last line ("# trace stopped: <why> ...") and closes the file.
  void finish(const std::string& why);
  // After finish(): the file could not all be written (a full disk).
  bool write_failed() const { return write_failed_; }
  // False once the window is over (the owner may unhook the trace).
  bool active() const { return file_ != nullptr; }
  // The next instruction index the trace wants (for owners that skip ahead).
  uint64_t window_start() const { return window_.start; }
  uint64_t lines_written() const { return traced_; }
  const std::string& path() const { return path_; }

 private:
  void write_line(const CoreState& before, const CoreState& after, const char* note);
  void write_changes(const CoreState& b, const CoreState& a);
  size_t disassemble(uint32_t eip, char* text, size_t text_len, uint8_t* bytes);

  std::string path_;
  Window window_;
  MemoryReader reader_;
  std::FILE* file_ = nullptr;
  char* buffer_ = nullptr;
  CoreState before_;
  bool pending_ = false;   // before_ holds the state of an instruction in flight
  uint64_t traced_ = 0;    // instruction lines written
  uint64_t events_ = 0;    // event lines written
  size_t cs_handle_ = 0;   // capstone handle (csh), 0 when unavailable
  void* cs_insn_ = nullptr;
  bool write_failed_ = false;
};

}  // namespace minipc::debug
