// main() for GoogleTest binaries that use SystemC.
//
// SystemC owns main() and calls sc_main(). A SystemC world can be elaborated
// only once per process, so every test case that builds modules runs in its
// own process: CTest (gtest_discover_tests) starts one process per case. Run a
// binary by hand with --gtest_filter=Suite.Case for the same effect.
#include <gtest/gtest.h>

#include <cstdlib>
#include <systemc>

int sc_main(int argc, char* argv[]) {
  ::testing::InitGoogleTest(&argc, argv);
  // Quiet the SystemC banner and the deprecation chatter in test output.
  sc_core::sc_report_handler::set_actions("/IEEE_Std_1666/deprecated", sc_core::SC_DO_NOTHING);
  return RUN_ALL_TESTS();
}

// SystemC prints its banner before sc_main unless told not to.
int main(int argc, char* argv[]) {
  setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 1);
  return sc_core::sc_elab_and_sim(argc, argv);
}
