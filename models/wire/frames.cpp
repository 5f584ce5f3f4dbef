#include "wire/frames.h"

#include <algorithm>
#include <cstdio>

namespace minipc::wire {

namespace {
void put16(uint8_t* p, uint16_t v) {
  p[0] = static_cast<uint8_t>(v >> 8);
  p[1] = static_cast<uint8_t>(v);
}
void put32(uint8_t* p, uint32_t v) {
  put16(p, static_cast<uint16_t>(v >> 16));
  put16(p + 2, static_cast<uint16_t>(v));
}
uint16_t get16(const uint8_t* p) { return static_cast<uint16_t>(p[0] << 8 | p[1]); }
uint32_t get32(const uint8_t* p) { return uint32_t{get16(p)} << 16 | get16(p + 2); }
Mac get_mac(const uint8_t* p) {
  Mac m;
  for (size_t i = 0; i < m.size(); ++i) m[i] = p[i];
  return m;
}

// Ones' complement sum of big-endian 16-bit words, not yet folded.
uint32_t ones_sum(const uint8_t* data, size_t len, uint32_t sum) {
  for (size_t i = 0; i + 1 < len; i += 2) sum += get16(data + i);
  if (len & 1) sum += uint32_t{data[len - 1]} << 8;
  return sum;
}
uint16_t fold(uint32_t sum) {
  while (sum >> 16) sum = (sum & 0xFFFF) + (sum >> 16);
  return static_cast<uint16_t>(~sum);
}

// A checker's refusal, with the reason for the caller who asked.
std::nullopt_t refuse(std::string* why, const std::string& text) {
  if (why) *why = text;
  return std::nullopt;
}

// IPv4 header (no options) for a payload of l4_len bytes of protocol proto.
std::vector<uint8_t> ipv4_packet(const IpEndpoints& ends, uint8_t proto, uint16_t ip_id, const uint8_t* l4,
                                 size_t l4_len) {
  std::vector<uint8_t> ip(kIpv4HeaderBytes + l4_len, 0);
  ip[0] = 0x45;  // version 4, 5 words
  put16(&ip[2], static_cast<uint16_t>(ip.size()));
  put16(&ip[4], ip_id);
  put16(&ip[6], 0x4000);  // DF: the generator never fragments
  ip[8] = 64;             // TTL
  ip[9] = proto;
  put32(&ip[12], ends.src_ip);
  put32(&ip[16], ends.dst_ip);
  put16(&ip[10], inet_checksum(ip.data(), kIpv4HeaderBytes));
  std::copy(l4, l4 + l4_len, ip.begin() + kIpv4HeaderBytes);
  return ip;
}

std::vector<uint8_t> arp_frame(uint16_t op, const Mac& eth_dst, const Mac& sender_mac, Ipv4 sender_ip,
                               const Mac& target_mac, Ipv4 target_ip) {
  uint8_t arp[kArpBytes] = {};
  put16(arp + 0, 1);  // hardware: Ethernet
  put16(arp + 2, kEtherTypeIpv4);
  arp[4] = 6;
  arp[5] = 4;
  put16(arp + 6, op);
  std::copy(sender_mac.begin(), sender_mac.end(), arp + 8);
  put32(arp + 14, sender_ip);
  std::copy(target_mac.begin(), target_mac.end(), arp + 18);
  put32(arp + 24, target_ip);
  return ethernet_frame(eth_dst, sender_mac, kEtherTypeArp, arp, sizeof arp);
}

std::vector<uint8_t> icmp_echo(uint8_t type, const IpEndpoints& ends, uint16_t id, uint16_t seq,
                               const uint8_t* payload, size_t len, uint16_t ip_id) {
  std::vector<uint8_t> icmp(kIcmpEchoHeaderBytes + len, 0);
  icmp[0] = type;
  put16(&icmp[4], id);
  put16(&icmp[6], seq);
  std::copy(payload, payload + len, icmp.begin() + kIcmpEchoHeaderBytes);
  put16(&icmp[2], inet_checksum(icmp.data(), icmp.size()));
  const auto ip = ipv4_packet(ends, kIpProtoIcmp, ip_id, icmp.data(), icmp.size());
  return ethernet_frame(ends.dst_mac, ends.src_mac, kEtherTypeIpv4, ip.data(), ip.size());
}

// The IPv4 part of an untagged frame: header checks and the layer-4 extent.
struct Ipv4View {
  IpEndpoints ends;
  size_t l4_offset = 0;
  size_t l4_len = 0;
};
std::optional<Ipv4View> parse_ipv4_frame(const uint8_t* f, size_t len, uint8_t proto, std::string* why) {
  if (len < kEthHeaderBytes + kIpv4HeaderBytes) return refuse(why, "shorter than Ethernet + IPv4 headers");
  if (get16(f + 12) != kEtherTypeIpv4) return refuse(why, "EtherType is not IPv4");
  const uint8_t* ip = f + kEthHeaderBytes;
  if (ip[0] != 0x45) return refuse(why, "not IPv4 with a 20-byte header");
  const size_t total = get16(ip + 2);
  if (total < kIpv4HeaderBytes || kEthHeaderBytes + total > len)
    return refuse(why, "IPv4 total length " + std::to_string(total) + " does not fit the frame");
  if (inet_checksum(ip, kIpv4HeaderBytes) != 0) return refuse(why, "bad IPv4 header checksum");
  if ((get16(ip + 6) & 0x3FFF) != 0) return refuse(why, "IPv4 fragment");
  if (ip[9] != proto)
    return refuse(why, "IPv4 protocol " + std::to_string(ip[9]) + ", expected " + std::to_string(proto));
  Ipv4View v;
  v.ends = {get_mac(f + 6), get_mac(f), get32(ip + 12), get32(ip + 16)};
  v.l4_offset = kEthHeaderBytes + kIpv4HeaderBytes;
  v.l4_len = total - kIpv4HeaderBytes;
  return v;
}
}  // namespace

std::optional<Mac> parse_mac(const std::string& text) {
  if (text.size() != 17) return std::nullopt;
  auto hex = [](char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  Mac m;
  for (size_t i = 0; i < m.size(); ++i) {
    const int hi = hex(text[3 * i]), lo = hex(text[3 * i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    if (i > 0 && text[3 * i - 1] != text[2]) return std::nullopt;  // one separator throughout
    m[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  if (text[2] != ':' && text[2] != '-') return std::nullopt;
  return m;
}

std::string format_mac(const Mac& mac) {
  char s[18];
  std::snprintf(s, sizeof s, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
  return s;
}

std::optional<Ipv4> parse_ipv4(const std::string& text) {
  Ipv4 ip = 0;
  size_t i = 0;
  for (int part = 0; part < 4; ++part) {
    if (part > 0) {
      if (i >= text.size() || text[i] != '.') return std::nullopt;
      ++i;
    }
    unsigned v = 0;
    size_t digits = 0;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9' && digits < 3) v = v * 10 + unsigned(text[i++] - '0'), ++digits;
    if (digits == 0 || v > 255) return std::nullopt;
    ip = ip << 8 | v;
  }
  if (i != text.size()) return std::nullopt;
  return ip;
}

std::string format_ipv4(Ipv4 ip) {
  return std::to_string(ip >> 24) + "." + std::to_string((ip >> 16) & 0xFF) + "." + std::to_string((ip >> 8) & 0xFF) +
         "." + std::to_string(ip & 0xFF);
}

uint16_t inet_checksum(const uint8_t* data, size_t len, uint32_t partial_sum) {
  return fold(ones_sum(data, len, partial_sum));
}

uint16_t udp_checksum(Ipv4 src, Ipv4 dst, const uint8_t* udp, size_t udp_len) {
  uint32_t sum = (src >> 16) + (src & 0xFFFF) + (dst >> 16) + (dst & 0xFFFF) + kIpProtoUdp + uint32_t(udp_len);
  sum = ones_sum(udp, 6, sum);  // ports and length; the checksum field counts as zero
  const uint16_t c = fold(ones_sum(udp + kUdpHeaderBytes, udp_len - kUdpHeaderBytes, sum));
  return c == 0 ? 0xFFFF : c;
}

std::vector<uint8_t> ethernet_frame(const Mac& dst, const Mac& src, uint16_t ethertype, const uint8_t* payload,
                                    size_t len) {
  std::vector<uint8_t> f(std::max(kEthHeaderBytes + len, kMinFrameBytes), 0);
  std::copy(dst.begin(), dst.end(), f.begin());
  std::copy(src.begin(), src.end(), f.begin() + 6);
  put16(&f[12], ethertype);
  std::copy(payload, payload + len, f.begin() + kEthHeaderBytes);
  return f;
}

std::vector<uint8_t> arp_request(const Mac& sender_mac, Ipv4 sender_ip, Ipv4 target_ip) {
  return arp_frame(kArpRequest, kBroadcastMac, sender_mac, sender_ip, Mac{}, target_ip);
}

std::vector<uint8_t> arp_reply(const Mac& sender_mac, Ipv4 sender_ip, const Mac& target_mac, Ipv4 target_ip) {
  return arp_frame(kArpReply, target_mac, sender_mac, sender_ip, target_mac, target_ip);
}

std::vector<uint8_t> udp_frame(const IpEndpoints& ends, uint16_t src_port, uint16_t dst_port, const uint8_t* payload,
                               size_t len, uint16_t ip_id) {
  std::vector<uint8_t> udp(kUdpHeaderBytes + len, 0);
  put16(&udp[0], src_port);
  put16(&udp[2], dst_port);
  put16(&udp[4], static_cast<uint16_t>(udp.size()));
  std::copy(payload, payload + len, udp.begin() + kUdpHeaderBytes);
  put16(&udp[6], udp_checksum(ends.src_ip, ends.dst_ip, udp.data(), udp.size()));
  const auto ip = ipv4_packet(ends, kIpProtoUdp, ip_id, udp.data(), udp.size());
  return ethernet_frame(ends.dst_mac, ends.src_mac, kEtherTypeIpv4, ip.data(), ip.size());
}

std::vector<uint8_t> icmp_echo_request(const IpEndpoints& ends, uint16_t id, uint16_t seq, const uint8_t* payload,
                                       size_t len, uint16_t ip_id) {
  return icmp_echo(kIcmpEchoRequest, ends, id, seq, payload, len, ip_id);
}

std::vector<uint8_t> icmp_echo_reply(const IpEndpoints& ends, uint16_t id, uint16_t seq, const uint8_t* payload,
                                     size_t len, uint16_t ip_id) {
  return icmp_echo(kIcmpEchoReply, ends, id, seq, payload, len, ip_id);
}

std::optional<UdpInfo> parse_udp(const uint8_t* frame, size_t len, std::string* why) {
  const auto ip = parse_ipv4_frame(frame, len, kIpProtoUdp, why);
  if (!ip) return std::nullopt;
  const uint8_t* udp = frame + ip->l4_offset;
  if (ip->l4_len < kUdpHeaderBytes) return refuse(why, "shorter than a UDP header");
  const size_t udp_len = get16(udp + 4);
  if (udp_len < kUdpHeaderBytes || udp_len > ip->l4_len)
    return refuse(why, "UDP length " + std::to_string(udp_len) + " does not fit the IPv4 packet");
  const uint16_t sent = get16(udp + 6);
  if (sent != 0 && udp_checksum(ip->ends.src_ip, ip->ends.dst_ip, udp, udp_len) != sent)
    return refuse(why, "bad UDP checksum");
  UdpInfo u;
  u.ends = ip->ends;
  u.src_port = get16(udp);
  u.dst_port = get16(udp + 2);
  u.payload_offset = ip->l4_offset + kUdpHeaderBytes;
  u.payload_len = udp_len - kUdpHeaderBytes;
  return u;
}

std::optional<IcmpEchoInfo> parse_icmp_echo(const uint8_t* frame, size_t len, std::string* why) {
  const auto ip = parse_ipv4_frame(frame, len, kIpProtoIcmp, why);
  if (!ip) return std::nullopt;
  const uint8_t* icmp = frame + ip->l4_offset;
  if (ip->l4_len < kIcmpEchoHeaderBytes) return refuse(why, "shorter than an ICMP echo header");
  if (icmp[0] != kIcmpEchoRequest && icmp[0] != kIcmpEchoReply)
    return refuse(why, "ICMP type " + std::to_string(icmp[0]) + " is not an echo");
  if (icmp[1] != 0) return refuse(why, "ICMP echo code is not 0");
  if (inet_checksum(icmp, ip->l4_len) != 0) return refuse(why, "bad ICMP checksum");
  IcmpEchoInfo e;
  e.ends = ip->ends;
  e.type = icmp[0];
  e.id = get16(icmp + 4);
  e.seq = get16(icmp + 6);
  e.payload_offset = ip->l4_offset + kIcmpEchoHeaderBytes;
  e.payload_len = ip->l4_len - kIcmpEchoHeaderBytes;
  return e;
}

std::optional<ArpInfo> parse_arp(const uint8_t* frame, size_t len, std::string* why) {
  if (len < kEthHeaderBytes + kArpBytes) return refuse(why, "shorter than Ethernet + ARP");
  if (get16(frame + 12) != kEtherTypeArp) return refuse(why, "EtherType is not ARP");
  const uint8_t* a = frame + kEthHeaderBytes;
  if (get16(a) != 1 || get16(a + 2) != kEtherTypeIpv4 || a[4] != 6 || a[5] != 4)
    return refuse(why, "not Ethernet/IPv4 ARP");
  ArpInfo r;
  r.op = get16(a + 6);
  if (r.op != kArpRequest && r.op != kArpReply)
    return refuse(why, "ARP operation " + std::to_string(r.op));
  r.sender_mac = get_mac(a + 8);
  r.sender_ip = get32(a + 14);
  r.target_mac = get_mac(a + 18);
  r.target_ip = get32(a + 24);
  return r;
}

}  // namespace minipc::wire
