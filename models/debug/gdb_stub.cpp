#include "debug/gdb_stub.h"

#include <arpa/inet.h>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <vector>

namespace minipc::debug {

namespace {

const char kHex[] = "0123456789abcdef";

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void put_hex8(std::string& s, uint8_t b) {
  s += kHex[b >> 4];
  s += kHex[b & 15];
}

// Target byte order (little endian), as 'g' and 'p' want it.
std::string le32_hex(uint32_t v) {
  std::string s;
  for (int i = 0; i < 4; ++i) put_hex8(s, static_cast<uint8_t>(v >> (8 * i)));
  return s;
}

bool parse_le32_hex(const std::string& s, size_t pos, uint32_t& v) {
  if (pos + 8 > s.size()) return false;
  v = 0;
  for (int i = 0; i < 4; ++i) {
    const int hi = hex_digit(s[pos + 2 * i]), lo = hex_digit(s[pos + 2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    v |= static_cast<uint32_t>(hi << 4 | lo) << (8 * i);
  }
  return true;
}

// A big-endian hex number (addresses, lengths, register numbers); advances pos.
bool parse_hex(const std::string& s, size_t& pos, uint64_t& v) {
  const size_t start = pos;
  v = 0;
  while (pos < s.size() && hex_digit(s[pos]) >= 0 && pos - start < 16) v = v << 4 | hex_digit(s[pos++]);
  return pos > start;
}

std::string hex_string(const std::string& s) {
  std::string out;
  for (unsigned char c : s) put_hex8(out, c);
  return out;
}

bool starts_with(const std::string& s, const char* prefix) { return s.rfind(prefix, 0) == 0; }

// GDB's minimal target description: the architecture is enough for GDB to
// pick its i386 register layout (the 'g' reply carries the 16 core registers;
// the x87/SSE registers GDB adds are reported unavailable).
const char kTargetXml[] =
    "<?xml version=\"1.0\"?><!DOCTYPE target SYSTEM \"gdb-target.dtd\">"
    "<target version=\"1.0\"><architecture>i386</architecture></target>";

}  // namespace

GdbStub::GdbStub(DebugTarget& target) : target_(target) {}

GdbStub::~GdbStub() {
  if (client_fd_ >= 0) ::close(client_fd_);
  if (listen_fd_ >= 0) ::close(listen_fd_);
}

void GdbStub::listen(uint16_t port, const std::string& host) {
  if (!(host.empty() || host == "127.0.0.1" || host == "localhost"))
    throw GdbStubError("gdb stub: listens on the loopback interface only (127.0.0.1); refusing '" + host + "'");
  if (listen_fd_ >= 0) throw GdbStubError("gdb stub: already listening");
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw GdbStubError(std::string("gdb stub: socket: ") + std::strerror(errno));
  const int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(fd, 1) != 0) {
    const std::string err = std::strerror(errno);
    ::close(fd);
    throw GdbStubError("gdb stub: cannot listen on 127.0.0.1:" + std::to_string(port) + ": " + err);
  }
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  port_ = ntohs(a.sin_port);
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
  listen_fd_ = fd;
}

void GdbStub::accept_client() {
  if (listen_fd_ < 0) return;
  sockaddr_in peer{};
  socklen_t len = sizeof peer;
  const int fd = ::accept4(listen_fd_, reinterpret_cast<sockaddr*>(&peer), &len, SOCK_CLOEXEC);
  if (fd < 0) return;
  // Bound to 127.0.0.1, so the peer is local; check anyway, and serve one
  // client at a time.
  const bool loopback = peer.sin_family == AF_INET && (ntohl(peer.sin_addr.s_addr) >> 24) == 127;
  if (!loopback || client_fd_ >= 0 || ended_) {
    ::close(fd);
    log(!loopback ? "gdb: refused a non-loopback connection" : "gdb: refused a second connection");
    return;
  }
  const int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  client_fd_ = fd;
  no_ack_ = false;
  client_swbreak_ = client_hwbreak_ = false;
  in_.clear();
  last_sent_.clear();
  char addr[INET_ADDRSTRLEN] = "?";
  ::inet_ntop(AF_INET, &peer.sin_addr, addr, sizeof addr);
  log("gdb: client connected from " + std::string(addr) + ":" + std::to_string(ntohs(peer.sin_port)));
  // GDB expects a stopped target after connecting: stop at the next
  // instruction and answer its '?' from there.
  stop_pending_ = true;
}

void GdbStub::close_client(const char* why) {
  if (client_fd_ < 0) return;
  ::close(client_fd_);
  client_fd_ = -1;
  in_.clear();
  // Without a debugger the target runs free.
  breakpoints_.clear();
  hw_breakpoints_.clear();
  stepping_ = false;
  interrupt_pending_ = false;
  stop_pending_ = false;
  log(std::string("gdb: client ") + why);
}

bool GdbStub::wait_for_client(int timeout_ms) {
  while (client_fd_ < 0 && listen_fd_ >= 0) {
    pollfd p{listen_fd_, POLLIN, 0};
    const int r = ::poll(&p, 1, timeout_ms);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    accept_client();
  }
  return client_fd_ >= 0;
}

void GdbStub::stop_at_next_instruction(bool wait_for_client) {
  stop_pending_ = true;
  wait_for_client_on_stop_ = wait_for_client;
}

void GdbStub::poll() {
  if (client_fd_ < 0) {
    accept_client();
    return;
  }
  char buf[256];
  for (;;) {
    const ssize_t n = ::recv(client_fd_, buf, sizeof buf, MSG_DONTWAIT);
    if (n > 0) {
      for (ssize_t i = 0; i < n; ++i) {
        if (buf[i] == 0x03) interrupt_pending_ = true;
        else in_ += buf[i];
      }
      continue;
    }
    if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) close_client("disconnected");
    break;
  }
  // Acks of our last stop reply may sit in in_; packets while running (not
  // expected outside non-stop mode) wait for the next stop.
}

GdbStub::Action GdbStub::before_instruction(uint32_t eip) {
  if (killed_) return Action::run;
  if (poll_countdown_ == 0) {
    poll_countdown_ = kPollInterval;
    poll();
  }
  --poll_countdown_;
  if (stop_pending_) {
    stop_pending_ = false;
    if (client_fd_ < 0 && wait_for_client_on_stop_) {
      log("gdb: waiting for a connection on 127.0.0.1:" + std::to_string(port_));
      wait_for_client();
    }
    wait_for_client_on_stop_ = false;
    stop_pending_ = false;
    if (client_fd_ < 0) return Action::run;
    return stop_and_serve(StopSignal::sigtrap, false, "");  // the client asks with '?'
  }
  if (client_fd_ < 0) return Action::run;
  if (interrupt_pending_) {
    interrupt_pending_ = false;
    return stop_and_serve(StopSignal::sigint, true, "");
  }
  if (stepping_) return stop_and_serve(StopSignal::sigtrap, true, "");
  if (!breakpoints_.empty() && breakpoints_.count(eip))
    return stop_and_serve(StopSignal::sigtrap, true, "swbreak");
  if (!hw_breakpoints_.empty() && hw_breakpoints_.count(eip))
    return stop_and_serve(StopSignal::sigtrap, true, "hwbreak");
  return Action::run;
}

GdbStub::Action GdbStub::stopped(StopSignal sig) {
  if (killed_ || client_fd_ < 0) return killed_ ? Action::kill : Action::run;
  return stop_and_serve(sig, true, "");
}

GdbStub::Action GdbStub::stop_and_serve(StopSignal sig, bool send_reply, const char* reason) {
  last_signal_ = sig;
  last_stop_kind_ = reason;
  stepping_ = false;
  if (send_reply) send_packet(stop_reply());
  const Serve s = serve();
  // The instruction at the stop address (or at c/s addr) now runs without
  // another look: resuming from a breakpoint steps over it.
  poll_countdown_ = kPollInterval;
  if (s == Serve::kill) {
    killed_ = true;
    if (on_kill_) on_kill_();
    return Action::kill;
  }
  return Action::run;
}

void GdbStub::exited(int code) {
  ended_ = true;
  if (client_fd_ < 0) return;
  char b[8];
  std::snprintf(b, sizeof b, "W%02x", code & 0xFF);
  send_packet(b);
  close_client("closed: the program exited");
}

void GdbStub::terminated(StopSignal sig) {
  ended_ = true;
  if (client_fd_ < 0) return;
  char b[8];
  std::snprintf(b, sizeof b, "X%02x", static_cast<unsigned>(sig));
  send_packet(b);
  close_client("closed: the program terminated");
}

std::string GdbStub::stop_reply() const {
  char b[8];
  std::snprintf(b, sizeof b, "%02x", static_cast<unsigned>(last_signal_));
  if (last_stop_kind_ == "swbreak" && client_swbreak_) return std::string("T") + b + "swbreak:;";
  if (last_stop_kind_ == "hwbreak" && client_hwbreak_) return std::string("T") + b + "hwbreak:;";
  return std::string("S") + b;
}

// ---- transport ----------------------------------------------------------

bool GdbStub::read_some(int timeout_ms) {
  if (client_fd_ < 0) return false;
  pollfd p{client_fd_, POLLIN, 0};
  int r;
  do r = ::poll(&p, 1, timeout_ms);
  while (r < 0 && errno == EINTR);
  if (r <= 0) return false;
  char buf[4096];
  const ssize_t n = ::recv(client_fd_, buf, sizeof buf, 0);
  if (n <= 0) {
    close_client("disconnected");
    return false;
  }
  in_.append(buf, static_cast<size_t>(n));
  return true;
}

int GdbStub::next_packet(std::string& out) {
  for (;;) {
    // Skip acks, NAKs (resend) and Ctrl-C (already stopped) before '$'.
    size_t i = 0;
    for (; i < in_.size() && in_[i] != '$'; ++i) {
      if (in_[i] == '-' && !no_ack_ && !last_sent_.empty()) send_raw(last_sent_);
    }
    in_.erase(0, i);
    if (in_.empty()) return 0;
    const size_t hash = in_.find('#');
    if (hash == std::string::npos || hash + 2 >= in_.size()) {
      if (in_.size() > 2 * kPacketSize + 8) in_.clear();  // garbage: drop it
      return 0;
    }
    uint8_t sum = 0;
    for (size_t k = 1; k < hash; ++k) sum = static_cast<uint8_t>(sum + static_cast<uint8_t>(in_[k]));
    const int hi = hex_digit(in_[hash + 1]), lo = hex_digit(in_[hash + 2]);
    const std::string body = in_.substr(1, hash - 1);
    in_.erase(0, hash + 3);
    if (hi < 0 || lo < 0 || static_cast<uint8_t>(hi << 4 | lo) != sum) {
      if (!no_ack_) send_raw("-");
      continue;
    }
    if (!no_ack_) send_raw("+");
    // Unescape binary data ('}' then byte ^ 0x20); GDB sends no run-length
    // encoding to stubs.
    out.clear();
    for (size_t k = 0; k < body.size(); ++k) {
      if (body[k] == '}' && k + 1 < body.size()) out += static_cast<char>(body[++k] ^ 0x20);
      else out += body[k];
    }
    return 1;
  }
}

void GdbStub::send_raw(const std::string& s) {
  size_t off = 0;
  while (client_fd_ >= 0 && off < s.size()) {
    const ssize_t n = ::send(client_fd_, s.data() + off, s.size() - off, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      pollfd p{client_fd_, POLLOUT, 0};
      ::poll(&p, 1, 1000);
      continue;
    }
    if (n <= 0) {
      close_client("disconnected (write failed)");
      return;
    }
    off += static_cast<size_t>(n);
  }
}

void GdbStub::send_packet(const std::string& payload) {
  std::string s = "$";
  uint8_t sum = 0;
  for (char c : payload) {
    // Escape what the framing reserves ('#', '$', '}', '*').
    if (c == '#' || c == '$' || c == '}' || c == '*') {
      s += '}';
      sum = static_cast<uint8_t>(sum + '}');
      c = static_cast<char>(c ^ 0x20);
    }
    s += c;
    sum = static_cast<uint8_t>(sum + static_cast<uint8_t>(c));
  }
  s += '#';
  put_hex8(s, sum);
  last_sent_ = s;
  send_raw(s);
}

GdbStub::Serve GdbStub::serve() {
  std::string p;
  for (;;) {
    while (next_packet(p) == 1) {
      ++packets_;
      Serve result = Serve::resume;
      if (handle(p, result)) {
        if (result == Serve::detach) close_client("detached");
        if (result == Serve::kill) close_client("killed the target");
        return result;
      }
      if (client_fd_ < 0) return Serve::detach;
    }
    if (!read_some(-1)) {
      if (client_fd_ < 0) return Serve::detach;  // disconnected: run free
    }
  }
}

// ---- packets --------------------------------------------------------------

bool GdbStub::handle(const std::string& p, Serve& result) {
  if (p.empty()) {
    send_packet("");
    return false;
  }
  const char c = p[0];
  switch (c) {
    case '?':
      send_packet(stop_reply());
      return false;
    case 'g':
      send_packet(read_registers());
      return false;
    case 'G':
      send_packet(write_registers(p.substr(1)) ? "OK" : "E01");
      return false;
    case 'p': {
      size_t pos = 1;
      uint64_t n;
      if (!parse_hex(p, pos, n)) {
        send_packet("E01");
      } else if (n < gdb_reg::count) {
        send_packet(le32_hex(target_.read_register(static_cast<unsigned>(n))));
      } else {
        send_packet("xxxxxxxx");  // x87/SSE registers GDB knows of: unavailable
      }
      return false;
    }
    case 'P': {
      size_t pos = 1;
      uint64_t n;
      uint32_t v;
      if (!parse_hex(p, pos, n) || pos >= p.size() || p[pos] != '=' || !parse_le32_hex(p, pos + 1, v) ||
          n >= gdb_reg::count) {
        send_packet("E01");
      } else {
        send_packet(target_.write_register(static_cast<unsigned>(n), v) ? "OK" : "E02");
      }
      return false;
    }
    case 'm':
      send_packet(read_memory(p.substr(1)));
      return false;
    case 'M':
      send_packet(write_memory(p.substr(1), false));
      return false;
    case 'X':
      send_packet(write_memory(p.substr(1), true));
      return false;
    case 'c':
    case 's': {
      if (p.size() > 1) {
        size_t pos = 1;
        uint64_t addr;
        if (parse_hex(p, pos, addr)) target_.write_register(gdb_reg::eip, static_cast<uint32_t>(addr));
      }
      stepping_ = c == 's';
      result = Serve::resume;
      return true;
    }
    case 'Z':
    case 'z':
      send_packet(breakpoint(p, c == 'Z'));
      return false;
    case 'k':
      result = Serve::kill;
      return true;
    case 'D':
      send_packet("OK");
      result = Serve::detach;
      return true;
    case 'H':
      send_packet("OK");  // one thread
      return false;
    case 'T':
      send_packet("OK");  // thread alive
      return false;
    case 'q':
      if (starts_with(p, "qSupported")) {
        client_swbreak_ = p.find("swbreak+") != std::string::npos;
        client_hwbreak_ = p.find("hwbreak+") != std::string::npos;
        char b[128];
        std::snprintf(b, sizeof b,
                      "PacketSize=%zx;QStartNoAckMode+;swbreak+;hwbreak+;qXfer:features:read+", kPacketSize);
        send_packet(b);
      } else if (p == "qAttached") {
        send_packet("1");  // attached to an existing process: 'quit' detaches
      } else if (p == "qC") {
        send_packet("QC1");
      } else if (p == "qfThreadInfo") {
        send_packet("m1");
      } else if (p == "qsThreadInfo") {
        send_packet("l");
      } else if (starts_with(p, "qSymbol")) {
        send_packet("OK");
      } else if (starts_with(p, "qXfer:features:read:")) {
        send_packet(qxfer(p));
      } else if (starts_with(p, "qRcmd,")) {
        send_packet(hex_string("minipc gdb stub: no monitor commands\n"));
      } else {
        send_packet("");
      }
      return false;
    case 'Q':
      if (p == "QStartNoAckMode") {
        send_packet("OK");
        no_ack_ = true;
      } else {
        send_packet("");
      }
      return false;
    case 'v':
      send_packet("");  // vCont? / vMustReplyEmpty / vKill...: unsupported, GDB falls back
      return false;
    default:
      send_packet("");
      return false;
  }
}

std::string GdbStub::read_registers() {
  std::string s;
  s.reserve(gdb_reg::count * 8);
  for (unsigned r = 0; r < gdb_reg::count; ++r) s += le32_hex(target_.read_register(r));
  return s;
}

bool GdbStub::write_registers(const std::string& hex) {
  bool ok = true;
  for (unsigned r = 0; r < gdb_reg::count; ++r) {
    uint32_t v;
    if (!parse_le32_hex(hex, r * 8, v)) break;  // a shorter G writes fewer registers
    // GDB writes every register back; unchanged selectors are fine.
    if (v == target_.read_register(r)) continue;
    ok = target_.write_register(r, v) && ok;
  }
  return ok;
}

std::string GdbStub::read_memory(const std::string& args) {
  size_t pos = 0;
  uint64_t addr, len;
  if (!parse_hex(args, pos, addr) || pos >= args.size() || args[pos++] != ',' || !parse_hex(args, pos, len))
    return "E01";
  len = std::min<uint64_t>(len, (kPacketSize - 4) / 2);
  std::vector<uint8_t> buf(len);
  const size_t n = len ? target_.read_memory(static_cast<uint32_t>(addr), buf.data(), len) : 0;
  if (n == 0 && len > 0) return "E14";  // EFAULT
  std::string s;
  s.reserve(2 * n);
  for (size_t i = 0; i < n; ++i) put_hex8(s, buf[i]);
  return s;
}

std::string GdbStub::write_memory(const std::string& args, bool binary) {
  size_t pos = 0;
  uint64_t addr, len;
  if (!parse_hex(args, pos, addr) || pos >= args.size() || args[pos++] != ',' || !parse_hex(args, pos, len) ||
      pos >= args.size() || args[pos++] != ':')
    return "E01";
  std::vector<uint8_t> data;
  if (binary) {
    if (args.size() - pos != len) return "E01";
    data.assign(args.begin() + static_cast<long>(pos), args.end());
  } else {
    if (args.size() - pos != 2 * len) return "E01";
    for (uint64_t i = 0; i < len; ++i) {
      const int hi = hex_digit(args[pos + 2 * i]), lo = hex_digit(args[pos + 2 * i + 1]);
      if (hi < 0 || lo < 0) return "E01";
      data.push_back(static_cast<uint8_t>(hi << 4 | lo));
    }
  }
  if (data.empty()) return "OK";  // X probe
  return target_.write_memory(static_cast<uint32_t>(addr), data.data(), data.size()) == data.size() ? "OK"
                                                                                                     : "E14";
}

std::string GdbStub::breakpoint(const std::string& p, bool insert) {
  // Z<type>,<addr>,<kind>
  if (p.size() < 4 || p[2] != ',') return "E01";
  const char type = p[1];
  if (type != '0' && type != '1') return "";  // watchpoints: unsupported
  size_t pos = 3;
  uint64_t addr;
  if (!parse_hex(p, pos, addr)) return "E01";
  auto& set = type == '0' ? breakpoints_ : hw_breakpoints_;
  if (insert) set.insert(static_cast<uint32_t>(addr));
  else set.erase(static_cast<uint32_t>(addr));
  return "OK";
}

std::string GdbStub::qxfer(const std::string& p) {
  // qXfer:features:read:<annex>:<offset>,<length>
  const std::string prefix = "qXfer:features:read:";
  const size_t colon = p.find(':', prefix.size());
  if (colon == std::string::npos) return "E01";
  const std::string annex = p.substr(prefix.size(), colon - prefix.size());
  if (annex != "target.xml") return "E00";
  size_t pos = colon + 1;
  uint64_t off, len;
  if (!parse_hex(p, pos, off) || pos >= p.size() || p[pos++] != ',' || !parse_hex(p, pos, len)) return "E01";
  const std::string doc = kTargetXml;
  if (off >= doc.size()) return "l";
  const std::string part = doc.substr(off, len);
  return (off + part.size() >= doc.size() ? "l" : "m") + part;
}

}  // namespace minipc::debug
