// libFuzzer target for the IA-32 interpreter (Ia32Core) and its decoder.
//
// The input is machine code placed at 0x1000 in 1 MiB of flat RAM (the rest
// zero; I/O reads return input bytes). The core runs from there for at most
// kMaxSteps steps. Property: every byte string ends in retired
// instructions, an architectural exception (#UD, #GP... through the zeroed
// IDT, escalating to a triple fault) or a fatal status with a message -- never
// a crash, a hang (steps are bounded; a step must end) or an out-of-bounds access (AddressSanitizer).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "cpu/ia32_core.h"

namespace {

constexpr uint32_t kRamSize = 1u << 20;
constexpr uint32_t kCode = 0x1000;
constexpr unsigned kMaxSteps = 2000;
// A long REP string yields (step() returns without retiring) every 65536
// iterations; ECX can be 4G. Steps that retire nothing are bounded apart.
constexpr unsigned kMaxIdleSteps = 4;

class FuzzBus : public minipc::CpuBus {
 public:
  std::vector<uint8_t> mem = std::vector<uint8_t>(kRamSize, 0);
  const uint8_t* io = nullptr;
  size_t io_len = 0, io_pos = 0;
  bool read_mem(uint32_t a, void* d, unsigned n) override {
    if (uint64_t{a} + n > mem.size()) return false;
    std::memcpy(d, &mem[a], n);
    return true;
  }
  bool write_mem(uint32_t a, const void* d, unsigned n) override {
    if (uint64_t{a} + n > mem.size()) return false;
    std::memcpy(&mem[a], d, n);
    return true;
  }
  bool read_io(uint16_t, void* d, unsigned n) override {
    auto* out = static_cast<uint8_t*>(d);
    for (unsigned i = 0; i < n; ++i) out[i] = io_len ? io[io_pos++ % io_len] : 0xFF;
    return true;
  }
  bool write_io(uint16_t, const void*, unsigned) override { return true; }
  uint8_t* direct_ptr(uint32_t a, bool) override { return a < mem.size() ? &mem[a] : nullptr; }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > kRamSize - kCode) size = kRamSize - kCode;
  static FuzzBus* bus = new FuzzBus;  // reused: 1 MiB per run is slow to allocate
  std::memset(bus->mem.data(), 0, bus->mem.size());
  std::memcpy(&bus->mem[kCode], data, size);
  bus->io = data;
  bus->io_len = size;
  bus->io_pos = 0;

  minipc::Ia32Core core(*bus);
  core.set_entry_state(kCode, 0x2BADB002, 0x500);
  core.set_gpr(minipc::reg::esp, 0x80000);

  // The decoder alone, on the input as it is.
  minipc::Insn insn;
  std::string error;
  if (core.decode_at(kCode, insn, &error)) {
    if (insn.length == 0 || insn.length > 15) std::abort();
  }

  unsigned idle = 0;
  for (unsigned i = 0; i < kMaxSteps; ++i) {
    const uint64_t before = core.instructions();
    const minipc::StepStatus s = core.step();
    if (core.instructions() == before && ++idle > kMaxIdleSteps) break;
    if (s == minipc::StepStatus::fatal) {
      if (core.fatal_message().empty()) std::abort();  // a fatal stop always says why
      break;
    }
    if (s == minipc::StepStatus::halted) break;
  }
  return 0;
}
