// minipc's entry point. SystemC prints its banner before sc_main runs unless
// told not to, so main() sets that first and then hands over to SystemC,
// which calls sc_main.
#include <cstdlib>
#include <systemc>

#include "run.h"

int sc_main(int argc, char* argv[]) { return minipc::minipc_main(argc, argv); }

int main(int argc, char* argv[]) {
  setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 1);  // stdout is the firmware's console
  return sc_core::sc_elab_and_sim(argc, argv);
}
