// GdbStub: a GDB remote serial protocol server for one CPU (loopback only).
//
// The stub listens on 127.0.0.1 (nothing else is accepted) and serves one
// client at a time. It never owns a thread: the simulation calls it.
//
//   while the target runs   the simulation calls before_instruction(eip)
//                           before every instruction (or poll() now and then
//                           when per_instruction() is false). Non-blocking:
//                           it accepts a client and reads Ctrl-C (0x03) with
//                           MSG_DONTWAIT, at most once per kPollInterval calls.
//   when it must stop       (breakpoint, single-step done, Ctrl-C, a client
//                           just attached, or stopped() for a fatal error)
//                           the call blocks, serving packets, until the
//                           client resumes (c, s), detaches (D), kills (k) or
//                           disconnects. Only then does the simulation block.
//
// Packets: qSupported (PacketSize, QStartNoAckMode, swbreak, hwbreak,
// qXfer:features:read), QStartNoAckMode, ?, g, G, p, P, m, M, X, c [addr],
// s [addr], Z0/z0 and Z1/z1 (kept in the stub: an address set checked before
// each instruction, so guest memory is never patched), k, D, H, T, qC,
// qfThreadInfo/qsThreadInfo, qAttached, qSymbol, vCont? (empty: GDB then
// uses c/s), qXfer:features:read:target.xml (architecture i386). Anything
// else gets the empty reply (unsupported).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <set>
#include <stdexcept>
#include <string>

#include "debug/debug_target.h"

namespace minipc::debug {

class GdbStubError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class GdbStub {
 public:
  enum class Action : uint8_t {
    run,   // execute the instruction / keep going
    kill,  // the client sent 'k': the owner ends the simulation
  };
  // Calls to before_instruction() between two looks at the socket while the
  // target runs (Ctrl-C latency: a few microseconds of host time).
  static constexpr unsigned kPollInterval = 4096;
  static constexpr size_t kPacketSize = 0x4000;

  explicit GdbStub(DebugTarget& target);
  ~GdbStub();
  GdbStub(const GdbStub&) = delete;
  GdbStub& operator=(const GdbStub&) = delete;

  // Listens on host:port. host must be loopback: "127.0.0.1" or
  // "localhost" (anything else throws GdbStubError). Port 0 picks a free
  // port; port() tells which.
  void listen(uint16_t port, const std::string& host = "127.0.0.1");
  uint16_t port() const { return port_; }
  bool listening() const { return listen_fd_ >= 0; }
  bool connected() const { return client_fd_ >= 0; }

  // Stop before the next instruction and wait there for a client (the
  // "start halted until GDB attaches" mode; like qemu -S).
  void stop_at_next_instruction(bool wait_for_client = true);
  // Blocks until a client connects; timeout_ms < 0 waits forever.
  bool wait_for_client(int timeout_ms = -1);

  // ---- called by the simulation thread --------------------------------
  // Non-blocking look at the sockets: accept a client, read Ctrl-C.
  void poll();
  // True when before_instruction() must see every instruction (stepping,
  // breakpoints set, a stop pending). Otherwise poll() now and then is enough.
  bool per_instruction() const {
    return stop_pending_ || interrupt_pending_ || (connected() && (stepping_ || !breakpoints_.empty()));
  }
  // Before the instruction at eip; may block (target stopped).
  Action before_instruction(uint32_t eip);
  // The target stopped on its own (fatal error): report sig, serve until the
  // client resumes. The target will not run again; the owner ends the run.
  Action stopped(StopSignal sig);
  // The program ended: tells the client (W code / X signal) and closes it.
  void exited(int code);
  void terminated(StopSignal sig);

  // Diagnostics ("gdb: client connected"...), e.g. to stderr.
  void set_log(std::function<void(const std::string&)> log) { log_ = std::move(log); }
  // Called once when the client sends 'k'.
  void set_on_kill(std::function<void()> f) { on_kill_ = std::move(f); }

  const std::set<uint32_t>& breakpoints() const { return breakpoints_; }
  uint64_t packets_handled() const { return packets_; }

 private:
  enum class Serve : uint8_t { resume, detach, kill };
  void accept_client();
  void close_client(const char* why);
  void log(const std::string& s) {
    if (log_) log_(s);
  }
  Action stop_and_serve(StopSignal sig, bool send_reply, const char* reason);
  Serve serve();  // blocking packet loop while stopped
  bool read_some(int timeout_ms);  // appends to in_; false on EOF/error/timeout
  // Takes one complete packet (checksum verified, unescaped) from in_.
  // Returns 1 packet, 0 need more, handles acks/NAKs/0x03 in between.
  int next_packet(std::string& out);
  void send_packet(const std::string& payload);
  void send_raw(const std::string& s);
  // Handles one packet; returns true when the target resumes/detaches/dies.
  bool handle(const std::string& p, Serve& result);
  std::string stop_reply() const;
  std::string read_registers();
  bool write_registers(const std::string& hex);
  std::string read_memory(const std::string& args);
  std::string write_memory(const std::string& args, bool binary);
  std::string breakpoint(const std::string& p, bool insert);
  std::string qxfer(const std::string& p);

  DebugTarget& target_;
  int listen_fd_ = -1;
  int client_fd_ = -1;
  uint16_t port_ = 0;
  bool no_ack_ = false;
  bool client_swbreak_ = false, client_hwbreak_ = false;
  std::string in_;
  std::string last_sent_;
  std::set<uint32_t> breakpoints_;     // Z0
  std::set<uint32_t> hw_breakpoints_;  // Z1 (same mechanism, own kind in the stop reply)
  bool stepping_ = false;
  bool stop_pending_ = false;        // stop at the next instruction (attach, stop_at_next_instruction)
  bool wait_for_client_on_stop_ = false;
  bool interrupt_pending_ = false;   // Ctrl-C while running
  bool killed_ = false;
  bool ended_ = false;               // exited()/terminated() was reported
  StopSignal last_signal_ = StopSignal::sigtrap;
  std::string last_stop_kind_;       // "swbreak" / "hwbreak" / ""
  unsigned poll_countdown_ = 0;
  uint64_t packets_ = 0;
  std::function<void(const std::string&)> log_;
  std::function<void()> on_kill_;
};

}  // namespace minipc::debug
