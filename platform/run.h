// The `minipc` command line: `minipc run`, `minipc params`.
#pragma once

namespace minipc {

// Parses the command line, runs, prints the console and a summary; returns
// the process exit status (see the README's table).
int minipc_main(int argc, char** argv);

}  // namespace minipc
