// System tests: the `minipc` command as a user runs it. Each case starts the
// simulator as a child process (a SystemC world per run) and checks the exit
// status, the console (stdout) and the diagnostics (stderr).
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "minipc_process.h"

namespace fs = std::filesystem;
using minipc_test::has;
using minipc_test::minipc;
using minipc_test::RunResult;
using minipc_test::scratch;
using minipc_test::slurp;

namespace {
void expect_hello(const RunResult& r, const char* compiler) {
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(has(r.out, "minipc hello: IA-32 firmware running\n")) << r.out;
  EXPECT_TRUE(has(r.out, std::string("compiler: ") + compiler + "\n")) << r.out;
  EXPECT_TRUE(has(r.out, "multiboot: magic=0x2badb002 ok\n")) << r.out;
  EXPECT_TRUE(has(r.out, "checksum: crc32=0x54bc875d sum64=6789170814472722500\n")) << r.out;
  EXPECT_TRUE(has(r.out, "hello: PASS\n")) << r.out;
  EXPECT_FALSE(has(r.out, "SystemC")) << "stdout must hold only the firmware console";
}
}  // namespace

TEST(Hello, DefaultDemoRunsWithNoArguments) {
  const fs::path d = scratch();
  const RunResult r = minipc("", d);
  expect_hello(r, "clang");
  EXPECT_TRUE(has(r.err, "exit code 0 (firmware exit port)")) << r.err;
  EXPECT_TRUE(fs::exists(d / "traces" / "hello-clang.vcd")) << "default VCD under ./traces";
  EXPECT_TRUE(fs::exists(d / "traces" / "hello-clang.stats.json"));
}

TEST(Hello, BuiltByClang) { expect_hello(minipc("run --firmware " HELLO_CLANG " --no-vcd", scratch()), "clang"); }

TEST(Hello, BuiltByGcc) { expect_hello(minipc("run --firmware " HELLO_GCC " --no-vcd", scratch()), "gcc"); }

TEST(Hello, AccurateModeGivesSameConsole) {
  expect_hello(minipc("--firmware " HELLO_GCC " --no-vcd --set cpu0.mode=accurate", scratch()), "gcc");
}

TEST(Hello, VcdParsesWithGtkwaveTools) {
  const fs::path d = scratch();
  const RunResult r = minipc("--vcd wave.vcd", d);
  ASSERT_EQ(r.status, 0) << r.err;
  const std::string vcd = slurp(d / "wave.vcd");
  for (const char* sig : {"owner", "irq0", "irq4", "halted", " if ", "intr", "inta_vector", "isr_depth", "irr", "ppr"})
    EXPECT_TRUE(has(vcd, sig)) << sig;
  const std::string cmd = "'" VCD2FST "' '" + (d / "wave.vcd").string() + "' '" + (d / "wave.fst").string() +
                          "' >/dev/null 2>&1";
  EXPECT_EQ(std::system(cmd.c_str()), 0) << "vcd2fst rejected the VCD";
  EXPECT_GT(fs::file_size(d / "wave.fst"), 0u);
}

TEST(Hello, StatsJsonHasCpuBusAndUartFigures) {
  const fs::path d = scratch();
  ASSERT_EQ(minipc("--no-vcd --stats s.json", d).status, 0);
  const std::string s = slurp(d / "s.json");
  for (const char* key : {"\"instructions\"", "\"cycles\"", "\"wait_ns\"", "\"tx_bytes\"", "\"simulated_ns\""})
    EXPECT_TRUE(has(s, key)) << key;
}

TEST(Hello, SameConfigGivesByteIdenticalOutputs) {
  const fs::path a = scratch() / "a", b = a.parent_path() / "b";
  fs::create_directories(a);
  fs::create_directories(b);
  ASSERT_EQ(minipc("--vcd w.vcd --stats s.json", a).status, 0);
  ASSERT_EQ(minipc("--vcd w.vcd --stats s.json", b).status, 0);
  EXPECT_EQ(slurp(a / "w.vcd"), slurp(b / "w.vcd"));
  EXPECT_EQ(slurp(a / "s.json"), slurp(b / "s.json"));
  EXPECT_EQ(slurp(a / "stdout.txt"), slurp(b / "stdout.txt"));
}

// The DMAC and the disk are on every platform: their bus masters, stats and
// HOLD/HLDA signals show in the outputs.
TEST(Platform, DmaAndDiskAreBusMastersInStatsAndVcd) {
  const fs::path d = scratch();
  ASSERT_EQ(minipc("--vcd w.vcd --stats s.json", d).status, 0);
  const std::string s = slurp(d / "s.json");
  for (const char* key : {"\"dma\"", "\"disk0\"", "\"ch0\"", "\"sectors_read\""}) EXPECT_TRUE(has(s, key)) << key;
  const std::string v = slurp(d / "w.vcd");
  // Dotted names become VCD scopes: dma -> ch0..ch3 -> hold, hlda.
  for (const char* sig : {"$scope module dma $end", "$scope module ch0 $end", "$scope module ch3 $end", " hold ",
                          " hlda ", " dack ", " txrdy ", " rxrdy ", " irq10 ", " irq14 "})
    EXPECT_TRUE(has(v, sig)) << sig;
}

TEST(BadInput, DiskImageThatDoesNotExistIs66AndNamesKey) {
  const RunResult r = minipc("--no-vcd --set disk0.image=/nonexistent/disk.img", scratch());
  EXPECT_EQ(r.status, 66) << r.err;
  EXPECT_TRUE(has(r.err, "disk0.image")) << r.err;
  EXPECT_TRUE(has(r.err, "/nonexistent/disk.img")) << r.err;
}

TEST(BadInput, DeviceIrqOutOfRangeIs64) {
  const RunResult r = minipc("--no-vcd --set dma.irq=16", scratch());
  EXPECT_EQ(r.status, 64) << r.err;
  EXPECT_TRUE(has(r.err, "dma.irq: IRQ 16 is not 0..15")) << r.err;
}

TEST(BadInput, OverlappingDeviceWindowsAre64AndNameBoth) {
  const RunResult r = minipc("--no-vcd --set dma.io_base=0x3F8", scratch());
  EXPECT_EQ(r.status, 64) << r.err;
  EXPECT_TRUE(has(r.err, "overlaps")) << r.err;
  EXPECT_TRUE(has(r.err, "dma")) << r.err;
}

TEST(BadInput, TraceRtlWithoutRtlBlockIs64) {
  const RunResult r = minipc("--no-vcd --trace-rtl t.vcd", scratch());
  EXPECT_EQ(r.status, 64) << r.err;
  EXPECT_TRUE(has(r.err, "platform.trace_rtl: no block is RTL")) << r.err;
}

// ---- bad input: one line naming the thing, a distinct status, no crash ----

TEST(BadInput, MissingFirmwareIs66) {
  const RunResult r = minipc("--firmware no-such.elf", scratch());
  EXPECT_EQ(r.status, 66);
  EXPECT_TRUE(has(r.err, "firmware 'no-such.elf': no such file")) << r.err;
}

TEST(BadInput, NotAnElfIs65) {
  const fs::path d = scratch();
  std::ofstream(d / "notes.txt") << "hello\n";
  const RunResult r = minipc("--firmware notes.txt", d);
  EXPECT_EQ(r.status, 65);
  EXPECT_TRUE(has(r.err, "not an ELF file")) << r.err;
}

TEST(BadInput, ElfForAnotherArchitectureIs65) {
  const RunResult r = minipc("--firmware '" MINIPC_EXE "'", scratch());
  EXPECT_EQ(r.status, 65);
  EXPECT_TRUE(has(r.err, "expected i386")) << r.err;
}

TEST(BadInput, SegmentOutsideRamIs65) {
  const RunResult r = minipc("--set ram.size=1M", scratch());
  EXPECT_EQ(r.status, 65);
  EXPECT_TRUE(has(r.err, "lies outside RAM")) << r.err;
}

TEST(BadInput, UnknownConfigKeyIs64AndNamesKeyAndFile) {
  const fs::path d = scratch();
  std::ofstream(d / "my.yaml") << "cpu0:\n  mode: fast\nuart0:\n  baud: 9600\n";
  const RunResult r = minipc("--config my.yaml", d);
  EXPECT_EQ(r.status, 64);
  EXPECT_TRUE(has(r.err, "unknown config key 'uart0.baud' (my.yaml:4)")) << r.err;
}

TEST(BadInput, UnknownKeyInSetIs64) {
  const RunResult r = minipc("--set cpu0.mdoe=accurate", scratch());
  EXPECT_EQ(r.status, 64);
  EXPECT_TRUE(has(r.err, "unknown config key 'cpu0.mdoe' (--set)")) << r.err;
}

TEST(BadInput, BadSetSyntaxIs64) {
  const RunResult r = minipc("--set cpu0.mode", scratch());
  EXPECT_EQ(r.status, 64);
  EXPECT_TRUE(has(r.err, "bad --set 'cpu0.mode': expected key=value")) << r.err;
}

TEST(BadInput, BadValueIs64AndNamesKey) {
  const RunResult r = minipc("--set ram.size=lots", scratch());
  EXPECT_EQ(r.status, 64);
  EXPECT_TRUE(has(r.err, "ram.size")) << r.err;
}

TEST(BadInput, MalformedYamlIs64) {
  const fs::path d = scratch();
  std::ofstream(d / "bad.yaml") << "cpu0:\n  mode: [fast\n";
  const RunResult r = minipc("--config bad.yaml", d);
  EXPECT_EQ(r.status, 64);
  EXPECT_TRUE(has(r.err, "bad.yaml")) << r.err;
}

TEST(BadInput, MissingConfigIs64) {
  const RunResult r = minipc("--config nowhere.yaml", scratch());
  EXPECT_EQ(r.status, 64);
  EXPECT_TRUE(has(r.err, "nowhere.yaml")) << r.err;
}

TEST(BadInput, UnknownOptionIs64) { EXPECT_EQ(minipc("--frobnicate", scratch()).status, 64); }

TEST(BadInput, ExecutingUnmappedMemoryIs91) {
  const RunResult r = minipc("--firmware " JUMP_UNMAPPED " --no-vcd", scratch());
  EXPECT_EQ(r.status, 91) << r.err;
  EXPECT_TRUE(has(r.out, "faults: jumping to unmapped memory")) << r.out;
  EXPECT_TRUE(has(r.err, "unmapped")) << r.err;
  EXPECT_TRUE(has(r.err, "0xF0000000") || has(r.err, "0xf0000000")) << r.err;
}

// bus.unmapped=error (docs/bus.md): the same jump is a machine check raised
// by the bus, naming the master, its EIP and the address; firmware that
// touches nothing unmapped runs as before.
TEST(BadInput, StrictUnmappedAccessIsAMachineCheck91) {
  const RunResult r = minipc("--firmware " JUMP_UNMAPPED " --no-vcd --set bus.unmapped=error", scratch());
  EXPECT_EQ(r.status, 91) << r.err;
  EXPECT_TRUE(has(r.out, "faults: jumping to unmapped memory")) << r.out;
  EXPECT_TRUE(has(r.err, "bus: machine check: 4-byte read by cpu0 (EIP=0xF0000000) at unmapped memory address "
                         "0xf0000000 (bus.unmapped=error)"))
      << r.err;
  expect_hello(minipc("--firmware " HELLO_CLANG " --no-vcd --set bus.unmapped=error", scratch()), "clang");
  const RunResult bad = minipc("--firmware " HELLO_CLANG " --no-vcd --set bus.unmapped=zeros", scratch());
  EXPECT_EQ(bad.status, 64);
  EXPECT_TRUE(has(bad.err, "bus.unmapped: 'zeros' is not an unmapped-access policy (ones, error)")) << bad.err;
}

TEST(BadInput, UnsupportedOpcodeIs90AndNamesEipAndBytes) {
  const RunResult r = minipc("--firmware " BAD_OPCODE " --no-vcd", scratch());
  EXPECT_EQ(r.status, 90) << r.err;
  EXPECT_TRUE(has(r.err, "EIP=")) << r.err;
  EXPECT_TRUE(has(r.err, "0F FF") || has(r.err, "0f ff")) << r.err;
}

TEST(BadInput, TimeLimitWithoutExitIs92) {
  const RunResult r = minipc("--firmware " SPIN " --no-vcd --time 2ms", scratch());
  EXPECT_EQ(r.status, 92) << r.err;
  EXPECT_TRUE(has(r.err, "time limit 2 ms reached without the firmware exiting (cpu0 at EIP=0x")) << r.err;
}

// A CPU halted with IF=0 and no NMI source armed can never run again: the
// run stops at once (exit 94), naming the CPU, its EIP and why, instead of
// simulating to the time limit (issue: faults on purpose and by accident).
TEST(BadInput, HaltWithInterruptsOffAndNoNmiSourceIsADeadlock94) {
  const RunResult r = minipc("--firmware " HALT_FOREVER " --no-vcd --time 1e6s", scratch());
  EXPECT_EQ(r.status, 94) << r.err;
  EXPECT_TRUE(has(r.out, "faults: halting with interrupts disabled")) << r.out;
  EXPECT_TRUE(has(r.err, "cpu0: deadlock: halted at EIP=0x")) << r.err;
  EXPECT_TRUE(has(r.err, "interrupts disabled (IF=0) and no NMI source armed")) << r.err;
  EXPECT_TRUE(has(r.err, "exit code 94 (deadlock)")) << r.err;
}

// The same halt with LINT1 armed for NMI is not a deadlock (an NMI could
// still come): the run goes on to the time limit. cpu0.deadlock_stop=false
// turns the check off.
TEST(BadInput, HaltWithAnNmiSourceArmedRunsToTheTimeLimit) {
  RunResult r = minipc("--firmware " HALT_FOREVER " --no-vcd --time 20ms --set platform.cmdline=nmi=1", scratch());
  EXPECT_EQ(r.status, 92) << r.err;
  EXPECT_TRUE(has(r.out, "faults: LINT1 armed for NMI")) << r.out;
  r = minipc("--firmware " HALT_FOREVER " --no-vcd --time 20ms --set cpu0.deadlock_stop=false", scratch());
  EXPECT_EQ(r.status, 92) << r.err;
}

// A LAPIC timer with count 1 and divide 1 interrupts faster than any ISR
// runs: the storm detector stops the run within a few simulated ms (exit 95)
// naming the vector and its source, where the time limit would never come
// in host time. The wall limit is only a guard for the test.
TEST(BadInput, LapicTimerStormIsStopped95NamingVectorAndSource) {
  const RunResult r = minipc("--firmware " IRQ_STORM " --no-vcd --time 1s --wall-limit 60", scratch());
  EXPECT_EQ(r.status, 95) << r.err;
  EXPECT_TRUE(has(r.out, "irq-storm: LAPIC timer periodic, count 1, divide 1")) << r.out;
  EXPECT_TRUE(has(r.err, "interrupt storm: from ")) << r.err;
  EXPECT_TRUE(has(r.err, "no instruction outside interrupt handlers); vector 0xEF")) << r.err;
  EXPECT_TRUE(has(r.err, "the local APIC timer (LVT timer vector 0x")) << r.err;
  EXPECT_TRUE(has(r.err, "initial count 1")) << r.err;
  EXPECT_TRUE(has(r.err, "exit code 95 (interrupt storm)")) << r.err;
  // The limit is a setting: far above the storm's rate, the guard ends it.
  const RunResult off = minipc("--firmware " IRQ_STORM " --no-vcd --time 1s --wall-limit 2 --set platform.irq_storm_time=0s", scratch());
  EXPECT_EQ(off.status, 93) << off.err;
}

TEST(BadInput, UnwritableVcdIs66) {
  const RunResult r = minipc("--vcd /proc/minipc/x.vcd", scratch());
  EXPECT_EQ(r.status, 66);
  EXPECT_TRUE(has(r.err, "platform.vcd: cannot create folder '/proc/minipc'")) << r.err;
}

// A device as the VCD (/dev/full takes nothing; SystemC would have written
// /dev/full.vcd beside it) is refused before the run, 66.
TEST(BadInput, ADeviceAsTheVcdIs66) {
  const RunResult r = minipc("--vcd /dev/full --no-stats", scratch());
  EXPECT_EQ(r.status, 66) << r.err;
  EXPECT_TRUE(has(r.err, "platform.vcd: '/dev/full' is not a regular file")) << r.err;
  EXPECT_FALSE(std::filesystem::exists("/dev/full.vcd"));
}

// ---- debugging and tracing outputs ----

TEST(Debug, GdbBatchSessionBreaksStepsAndContinues) {
  const fs::path d = scratch();
  const int port = 20000 + static_cast<int>(getpid() % 20000);
  const std::string gdb_cmds = (d / "cmds.gdb").string();
  std::ofstream(gdb_cmds) << "set architecture i386\n"
                          << "target remote 127.0.0.1:" << port << "\n"
                          << "break main\ncontinue\ninfo registers eip\nstepi\ncontinue\n";
  // minipc in the background waits for GDB; gdb drives it to the end.
  const std::string cmd = "cd '" + d.string() + "' && ('" MINIPC_EXE "' --gdb " + std::to_string(port) +
                          " --no-vcd --no-stats >minipc.out 2>minipc.err & sleep 1; timeout 60 gdb -batch -nx -x '" +
                          gdb_cmds + "' '" HELLO_CLANG "' >gdb.out 2>&1; wait)";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  const std::string gdb = slurp(d / "gdb.out");
  EXPECT_TRUE(has(gdb, "Breakpoint 1, main")) << gdb;
  EXPECT_TRUE(has(gdb, "eip            0x")) << gdb;
  EXPECT_TRUE(has(gdb, "exited normally")) << gdb;
  EXPECT_TRUE(has(slurp(d / "minipc.out"), "hello: PASS"));
}

// GDB's `kill` ends the run labelled as such, not as a firmware exit.
TEST(Debug, GdbKillEndsTheRunLabelledKilledByTheDebugger) {
  const fs::path d = scratch();
  const int port = 20000 + static_cast<int>((getpid() + 7919) % 20000);
  const std::string gdb_cmds = (d / "cmds.gdb").string();
  std::ofstream(gdb_cmds) << "set architecture i386\n"
                          << "set confirm off\n"
                          << "target remote 127.0.0.1:" << port << "\n"
                          << "break main\ncontinue\nkill\n";
  const std::string cmd = "cd '" + d.string() + "' && ('" MINIPC_EXE "' --gdb " + std::to_string(port) +
                          " --no-vcd --no-stats >minipc.out 2>minipc.err & sleep 1; timeout 60 gdb -batch -nx -x '" +
                          gdb_cmds + "' '" HELLO_CLANG "' >gdb.out 2>&1; wait)";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  const std::string err = slurp(d / "minipc.err");
  EXPECT_TRUE(has(err, "exit code 0 (killed by the debugger)")) << err << slurp(d / "gdb.out");
  EXPECT_FALSE(has(slurp(d / "minipc.out"), "hello: PASS"));
}

TEST(Debug, InstructionTraceIsBoundedByItsWindow) {
  const fs::path d = scratch();
  ASSERT_EQ(minipc("--no-vcd --trace-insn t.txt --trace-insn-window 10:5", d).status, 0);
  const std::string t = slurp(d / "t.txt");
  size_t lines = 0;
  for (size_t p = 0; (p = t.find('\n', p)) != std::string::npos; ++p) ++lines;
  EXPECT_EQ(lines, 2u + 5u + 1u) << t;  // header, 5 instructions, closing line
  EXPECT_TRUE(has(t, "trace stopped: end of the window")) << t;
}

TEST(Debug, PerfettoTraceIsChromeTraceEventJson) {
  const fs::path d = scratch();
  ASSERT_EQ(minipc("--firmware " BOTTOM_HALVES " --no-vcd --time 20s --perfetto p.json", d).status, 0);
  const std::string j = slurp(d / "p.json");
  EXPECT_TRUE(has(j, "\"traceEvents\"")) << j.substr(0, 200);
  // The schema check: every event has ph, pid, ts (or is metadata), and
  // every B has its E. Done with python3's json module.
  const std::string check = "python3 -c \"import json,sys; d=json.load(open(sys.argv[1])); ev=d['traceEvents'];"
                            "assert all('ph' in e and 'pid' in e for e in ev);"
                            "assert all('ts' in e for e in ev if e['ph']!='M');"
                            "b=sum(e['ph']=='B' for e in ev); e=sum(e['ph']=='E' for e in ev);"
                            "assert b>0 and abs(b-e)<=2, (b,e);"
                            "names={x['cat'] for x in ev if 'cat' in x};"
                            "assert {'isr','softirq','tasklet','work'} <= names, names\" '" +
                            (d / "p.json").string() + "'";
  EXPECT_EQ(std::system(check.c_str()), 0);
}
