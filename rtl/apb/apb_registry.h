// The rtl_apb modules of this build: one entry per minipc_add_rtl_block()
// call (rtl/apb/rtl_apb.cmake), added by its generated registration file. The
// rtl_apb block type (blocks.cpp) finds the config's `module:` here.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "apb/apb_model.h"

namespace minipc {

struct RtlApbModule {
  std::string name;  // the NAME of minipc_add_rtl_block (the config's `module:`)
  std::string top;   // the SystemVerilog top module
  // A fresh Verilated instance named `instance` (its scope in the VCD).
  std::function<std::unique_ptr<ApbModel>(const std::string& instance)> make;
};

class RtlApbModules {
 public:
  static RtlApbModules& instance();
  void add(RtlApbModule m);  // a second module of the same name replaces nothing: idempotent
  const RtlApbModule* find(const std::string& name) const;
  std::vector<std::string> names() const;

 private:
  std::vector<RtlApbModule> modules_;
};

}  // namespace minipc
