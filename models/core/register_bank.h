// Register bank: a peripheral's registers declared as members, in datasheet
// order, each with its offset, width, reset value, access rights and optional
// read/write callbacks (named member functions of the model).
//
//   Register RBR{bank, "RBR", 0, 1, 0x00, Access::read_only};
//   ...
//   RBR.on_read = [this] { return pop_rx(); };
//
// Several registers may share an offset (a 16550's RBR/THR/DLL at 0): the
// bank picks the one whose direction matches and whose `selected` predicate
// (e.g. "DLAB is clear") holds. Accesses must fall inside one register; a
// narrower access reads or writes the addressed bytes of it (little endian).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <systemc>
#include <tlm>

namespace minipc {

enum class Access : uint8_t { read_write, read_only, write_only };

class RegisterBank;

struct RegisterField {
  std::string name;
  unsigned lsb;
  unsigned width;
  uint64_t mask() const { return (width >= 64 ? ~0ull : ((1ull << width) - 1)) << lsb; }
};

class Register {
 public:
  Register(RegisterBank& bank, std::string name, uint64_t offset, unsigned size_bytes,
           uint64_t reset_value, Access access = Access::read_write);
  Register(const Register&) = delete;
  Register& operator=(const Register&) = delete;

  // Called on a bus read; returns the register's value (default: stored value).
  std::function<uint64_t()> on_read;
  // Called on a bus write with the merged new value (default: store it,
  // keeping bits outside write_mask).
  std::function<void(uint64_t)> on_write;
  // When set, the register answers only while this returns true.
  std::function<bool()> selected;
  // Bits a default write may change (others keep their value).
  uint64_t write_mask = ~0ull;

  // Declares a named field (for tracing, tests and documentation).
  Register& field(const std::string& field_name, unsigned lsb, unsigned width);
  uint64_t get_field(const std::string& field_name) const;

  uint64_t get() const { return value_; }
  void set(uint64_t v) { value_ = v & size_mask(); }
  void reset() { value_ = reset_value_; }
  operator uint64_t() const { return value_; }

  const std::string& name() const { return name_; }
  uint64_t offset() const { return offset_; }
  unsigned size() const { return size_; }
  Access access() const { return access_; }
  uint64_t reset_value() const { return reset_value_; }
  const std::vector<RegisterField>& fields() const { return fields_; }
  uint64_t size_mask() const { return size_ >= 8 ? ~0ull : ((1ull << (8 * size_)) - 1); }

  bool readable() const { return access_ != Access::write_only; }
  bool writable() const { return access_ != Access::read_only; }
  bool is_selected() const { return !selected || selected(); }

 private:
  std::string name_;
  uint64_t offset_;
  unsigned size_;
  uint64_t reset_value_;
  Access access_;
  uint64_t value_;
  std::vector<RegisterField> fields_;
};

class RegisterBank {
 public:
  // owner names the bank in warnings ("uart0").
  explicit RegisterBank(std::string owner) : owner_(std::move(owner)) {}

  void add(Register* r) { regs_.push_back(r); }
  void reset();

  // Outcome of a register access.
  enum class Result { ok, unmapped, read_only, write_only, misaligned };

  // Reads/writes `len` bytes at `offset`; calls the register's callbacks.
  // Writes to read-only registers and reads of write-only registers are
  // ignored with a SystemC warning naming the register and value, as a real
  // part ignores them (reads return 0).
  Result read(uint64_t offset, uint8_t* data, unsigned len);
  Result write(uint64_t offset, const uint8_t* data, unsigned len);

  // Serves a TLM payload whose address is the offset into this bank.
  // Unmapped offsets answer TLM_ADDRESS_ERROR_RESPONSE; read-only/write-only
  // violations still answer OK (the bus saw a cycle, the part ignored it).
  void transport(tlm::tlm_generic_payload& p);

  // The register answering at offset for a read (write=false) or write.
  Register* find(uint64_t offset, bool write) const;
  const std::vector<Register*>& registers() const { return regs_; }
  const std::string& owner() const { return owner_; }

 private:
  std::string owner_;
  std::vector<Register*> regs_;
};

}  // namespace minipc
