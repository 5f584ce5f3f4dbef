// GdbStub against a fake DebugTarget, driven by a real TCP client: framing,
// checksums and acks, registers, memory, breakpoints, single-step, Ctrl-C,
// detach, kill, exit reports, loopback-only listening.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "debug/gdb_stub.h"

namespace minipc::debug {
namespace {

// 64 KiB of memory at 0 and the 16 i386 registers. Each "instruction" is
// one byte: it adds 1 to EAX and moves EIP on by one.
class FakeTarget : public DebugTarget {
 public:
  uint32_t regs[gdb_reg::count] = {};
  std::vector<uint8_t> mem = std::vector<uint8_t>(0x10000, 0);
  uint32_t read_register(unsigned n) override { return regs[n]; }
  bool write_register(unsigned n, uint32_t v) override {
    if (n >= gdb_reg::cs) return false;  // selectors are read-only here
    regs[n] = v;
    return true;
  }
  size_t read_memory(uint32_t a, uint8_t* d, size_t n) override {
    if (a >= mem.size()) return 0;
    n = std::min<size_t>(n, mem.size() - a);
    std::memcpy(d, &mem[a], n);
    return n;
  }
  size_t write_memory(uint32_t a, const uint8_t* d, size_t n) override {
    if (a >= mem.size()) return 0;
    n = std::min<size_t>(n, mem.size() - a);
    std::memcpy(&mem[a], d, n);
    return n;
  }
};

// The simulation thread: the stub sees every instruction.
struct Sim {
  FakeTarget target;
  GdbStub stub{target};
  std::atomic<bool> quit{false};
  std::atomic<bool> killed{false};
  std::atomic<uint64_t> executed{0};
  std::thread thread;
  explicit Sim(bool wait_at_start) {
    target.regs[gdb_reg::eip] = 0x1000;
    target.regs[gdb_reg::cs] = 0x08;
    target.regs[gdb_reg::ss] = 0x10;
    target.regs[gdb_reg::eflags] = 0x2;
    stub.listen(0);
    if (wait_at_start) stub.stop_at_next_instruction(true);
  }
  void start() {
    thread = std::thread([this] {
      while (!quit) {
        if (stub.before_instruction(target.regs[gdb_reg::eip]) == GdbStub::Action::kill) killed = true;
        if (killed) break;
        target.regs[gdb_reg::eip] = 0x1000 + ((target.regs[gdb_reg::eip] + 1 - 0x1000) & 0xFFF);
        target.regs[gdb_reg::eax] += 1;
        ++executed;
      }
    });
  }
  ~Sim() {
    quit = true;
    if (thread.joinable()) thread.join();
  }
};

class Client {
 public:
  explicit Client(uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    timeval tv{5, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  }
  ~Client() { ::close(fd_); }
  bool connected() const { return connected_; }
  bool no_ack = false;

  static std::string frame(const std::string& payload) {
    unsigned sum = 0;
    for (unsigned char c : payload) sum += c;
    char cs[4];
    std::snprintf(cs, sizeof cs, "%02x", sum & 0xFF);
    return "$" + payload + "#" + cs;
  }
  void raw(const std::string& s) { ASSERT_EQ(::send(fd_, s.data(), s.size(), 0), static_cast<ssize_t>(s.size())); }
  int getc() {
    if (!pending_.empty()) {
      const int c = static_cast<unsigned char>(pending_[0]);
      pending_.erase(0, 1);
      return c;
    }
    char c;
    return ::recv(fd_, &c, 1, 0) == 1 ? static_cast<unsigned char>(c) : -1;
  }
  // Reads one packet ($...#xx), checks its checksum, acks it.
  std::string packet() {
    int c;
    while ((c = getc()) != '$')
      if (c < 0) return "<timeout>";
    std::string body;
    while ((c = getc()) != '#') {
      if (c < 0) return "<timeout>";
      body += static_cast<char>(c);
    }
    const int h = getc(), l = getc();
    unsigned sum = 0;
    for (unsigned char ch : body) sum += ch;
    char cs[3] = {static_cast<char>(h), static_cast<char>(l), 0};
    EXPECT_EQ(std::strtoul(cs, nullptr, 16), sum & 0xFF) << body;
    if (!no_ack) raw("+");
    return body;
  }
  // Sends a packet, expects the '+' ack (unless no-ack mode), returns the reply.
  std::string ask(const std::string& payload) {
    raw(frame(payload));
    if (!no_ack) {
      const int c = getc();
      EXPECT_EQ(c, '+') << payload;
    }
    return packet();
  }
  // Sends a packet that has no reply (k).
  void tell(const std::string& payload) {
    raw(frame(payload));
    if (!no_ack) {
      EXPECT_EQ(getc(), '+');
    }
  }

 private:
  int fd_ = -1;
  bool connected_ = false;
  std::string pending_;
};

std::string le32(uint32_t v) {
  char b[9];
  std::snprintf(b, sizeof b, "%02x%02x%02x%02x", v & 0xFF, (v >> 8) & 0xFF, (v >> 16) & 0xFF, v >> 24);
  return b;
}
uint32_t reg_of(const std::string& g, unsigned n) {
  const std::string s = g.substr(n * 8, 8);
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = v << 8 | std::stoul(s.substr(i * 2, 2), nullptr, 16);
  return v;
}

TEST(GdbStub, ListensOnLoopbackOnly) {
  FakeTarget t;
  GdbStub a{t};
  EXPECT_THROW(a.listen(0, "0.0.0.0"), GdbStubError);
  EXPECT_THROW(a.listen(0, "192.168.1.10"), GdbStubError);
  EXPECT_FALSE(a.listening());
  GdbStub b{t};
  b.listen(0, "localhost");
  EXPECT_TRUE(b.listening());
  EXPECT_NE(b.port(), 0);
}

TEST(GdbStub, HandshakeRegistersAndMemory) {
  Sim sim(true);
  sim.start();
  Client c(sim.stub.port());
  ASSERT_TRUE(c.connected());
  const std::string sup = c.ask("qSupported:multiprocess+;swbreak+;hwbreak+");
  EXPECT_NE(sup.find("PacketSize="), std::string::npos);
  EXPECT_NE(sup.find("swbreak+"), std::string::npos);
  EXPECT_EQ(c.ask("?"), "S05");
  EXPECT_EQ(c.ask("vCont?"), "");  // unsupported: GDB uses c/s
  EXPECT_EQ(c.ask("qAttached"), "1");
  EXPECT_EQ(c.ask("Hg0"), "OK");
  EXPECT_EQ(c.ask("qXfer:features:read:target.xml:0,fff").substr(0, 1), "l");
  EXPECT_EQ(sim.executed, 0u) << "stopped before the first instruction";

  // Registers: g is the 16 core registers in GDB's i386 order.
  const std::string g = c.ask("g");
  ASSERT_EQ(g.size(), 16u * 8);
  EXPECT_EQ(reg_of(g, gdb_reg::eip), 0x1000u);
  EXPECT_EQ(reg_of(g, gdb_reg::cs), 0x08u);
  EXPECT_EQ(c.ask("P0=" + le32(0x12345678)), "OK");
  EXPECT_EQ(c.ask("p0"), le32(0x12345678));
  EXPECT_EQ(c.ask("P3=" + le32(0xCAFEBABE)), "OK");
  EXPECT_EQ(c.ask("Pa=" + le32(0x1B)), "E02") << "selectors are read-only";
  EXPECT_EQ(c.ask("p20"), "xxxxxxxx") << "x87 registers: unavailable";
  std::string g2 = c.ask("g");
  g2.replace(gdb_reg::ecx * 8, 8, le32(0x11111111));
  EXPECT_EQ(c.ask("G" + g2), "OK");
  EXPECT_EQ(c.ask("p1"), le32(0x11111111));
  EXPECT_EQ(c.ask("p3"), le32(0xCAFEBABE));

  // Memory: M / m, binary X with escapes, errors.
  EXPECT_EQ(c.ask("M2000,4:deadbeef"), "OK");
  EXPECT_EQ(c.ask("m2000,4"), "deadbeef");
  EXPECT_EQ(c.ask("m1fff,3"), "00dead");
  const std::string bin = std::string("X2100,4:") + std::string("\x01}\x03\x7f\x00", 5);  // '}' 0x03 = '#' escaped
  EXPECT_EQ(c.ask(bin), "OK");
  EXPECT_EQ(c.ask("m2100,3"), "01237f");
  EXPECT_EQ(c.ask("X2100,0:"), "OK");
  EXPECT_EQ(c.ask("m20000,4"), "E14");
  EXPECT_EQ(c.ask("mzz"), "E01");
  EXPECT_EQ(c.ask("qUnknownThing"), "");

  // A bad checksum is NAKed and not executed.
  c.raw("$m2000,4#00");
  EXPECT_EQ(c.getc(), '-');
  EXPECT_EQ(c.ask("m2000,1"), "de");

  // No-ack mode.
  EXPECT_EQ(c.ask("QStartNoAckMode"), "OK");
  c.no_ack = true;
  EXPECT_EQ(c.ask("m2001,1"), "ad");

  c.tell("k");
  sim.thread.join();
  EXPECT_TRUE(sim.killed);
  EXPECT_EQ(sim.executed, 0u);
}

TEST(GdbStub, BreakpointStepInterruptDetach) {
  Sim sim(true);
  sim.start();
  Client c(sim.stub.port());
  ASSERT_TRUE(c.connected());
  c.ask("qSupported:swbreak+;hwbreak+");
  EXPECT_EQ(c.ask("?"), "S05");
  EXPECT_EQ(c.ask("Z0,1005,1"), "OK");
  EXPECT_EQ(c.ask("Z1,1007,1"), "OK");
  EXPECT_EQ(c.ask("Z2,2000,4"), "") << "watchpoints unsupported";

  EXPECT_EQ(c.ask("c"), "T05swbreak:;");
  EXPECT_EQ(c.ask("p8"), le32(0x1005));
  EXPECT_EQ(sim.target.regs[gdb_reg::eax], 5u);
  // Continue from a breakpoint: the instruction there runs.
  EXPECT_EQ(c.ask("c"), "T05hwbreak:;");
  EXPECT_EQ(c.ask("p8"), le32(0x1007));

  // Single-step: exactly one instruction.
  EXPECT_EQ(c.ask("s"), "S05");
  EXPECT_EQ(c.ask("p8"), le32(0x1008));
  EXPECT_EQ(c.ask("s"), "S05");
  EXPECT_EQ(c.ask("p8"), le32(0x1009));
  // c with an address.
  EXPECT_EQ(c.ask("c1003"), "T05swbreak:;");
  EXPECT_EQ(c.ask("p8"), le32(0x1005));

  // Remove both; run free; Ctrl-C stops with SIGINT.
  EXPECT_EQ(c.ask("z0,1005,1"), "OK");
  EXPECT_EQ(c.ask("z1,1007,1"), "OK");
  c.raw(Client::frame("c"));
  EXPECT_EQ(c.getc(), '+');
  const uint64_t before = sim.executed;
  while (sim.executed < before + 100000) std::this_thread::yield();
  c.raw("\x03");
  EXPECT_EQ(c.packet(), "S02");
  const uint64_t stopped_at = sim.executed;
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_EQ(sim.executed, stopped_at) << "stopped means stopped";

  // Detach: the target runs on without the debugger.
  EXPECT_EQ(c.ask("D"), "OK");
  while (sim.executed < stopped_at + 100000) std::this_thread::yield();
  EXPECT_FALSE(sim.stub.connected());
}

TEST(GdbStub, AttachWhileRunningAndExitReport) {
  Sim sim(false);
  sim.start();
  while (sim.executed < 1000) std::this_thread::yield();
  Client c(sim.stub.port());
  ASSERT_TRUE(c.connected());
  // The stub stops the target when a client attaches.
  EXPECT_EQ(c.ask("?"), "S05");
  const uint64_t at = sim.executed;
  EXPECT_GE(at, 1000u);
  EXPECT_EQ(c.ask("qfThreadInfo"), "m1");
  EXPECT_EQ(c.ask("qsThreadInfo"), "l");
  // A second client is refused while the first is served.
  {
    Client second(sim.stub.port());
    // (the refusal happens at the stub's next poll; the first client is unaffected)
  }
  EXPECT_EQ(c.ask("m1000,1"), "00");
  EXPECT_EQ(c.ask("s"), "S05");
  EXPECT_EQ(sim.executed, at + 1);
  // Let it run, then the program "exits": the client gets W.
  c.raw(Client::frame("c"));
  EXPECT_EQ(c.getc(), '+');
  while (sim.executed < at + 10000) std::this_thread::yield();
  sim.quit = true;
  sim.thread.join();
  sim.stub.exited(3);
  EXPECT_EQ(c.packet(), "W03");
  EXPECT_FALSE(sim.stub.connected());
}

TEST(GdbStub, DisconnectWhileStoppedResumes) {
  Sim sim(true);
  sim.start();
  {
    Client c(sim.stub.port());
    ASSERT_TRUE(c.connected());
    EXPECT_EQ(c.ask("Z0,1002,1"), "OK");
    EXPECT_EQ(c.ask("c"), "S05");  // no swbreak+ from this client: plain S05
  }
  while (sim.executed < 10000) std::this_thread::yield();
  EXPECT_TRUE(sim.stub.breakpoints().empty());
}

}  // namespace
}  // namespace minipc::debug
