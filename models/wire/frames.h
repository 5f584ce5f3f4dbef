// Ethernet frame builders and checkers: ARP, IPv4 + UDP and ICMP echo with
// correct checksums, as the generator sends them and as the NIC tests and the
// QEMU comparison expect them. Frames are as a pcap holds them: destination
// MAC first, no preamble, no FCS, padded to the 60-byte minimum.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace minipc::wire {

using Mac = std::array<uint8_t, 6>;
// An IPv4 address in host order: 10.0.2.15 is 0x0A00020F.
using Ipv4 = uint32_t;

constexpr Ipv4 make_ipv4(uint8_t a, uint8_t b, uint8_t c, uint8_t d) {
  return (uint32_t{a} << 24) | (uint32_t{b} << 16) | (uint32_t{c} << 8) | d;
}
constexpr Mac kBroadcastMac = {0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF};

// "52:54:00:12:34:56" (also with '-'); nullopt when malformed.
std::optional<Mac> parse_mac(const std::string& text);
std::string format_mac(const Mac& mac);
// Dotted quad "10.0.2.15"; nullopt when malformed.
std::optional<Ipv4> parse_ipv4(const std::string& text);
std::string format_ipv4(Ipv4 ip);

// Frame lengths without preamble and FCS.
constexpr size_t kEthHeaderBytes = 14;
constexpr size_t kMinFrameBytes = 60;       // 64 on the wire with the FCS
constexpr size_t kMaxFrameBytes = 1514;     // 1500-byte MTU
constexpr size_t kMaxVlanFrameBytes = 1518; // with one 802.1Q tag
// What a frame costs on the wire besides its bytes: preamble and SFD (8),
// FCS (4), inter-frame gap (12).
constexpr size_t kWireOverheadBytes = 24;

constexpr uint16_t kEtherTypeIpv4 = 0x0800;
constexpr uint16_t kEtherTypeArp = 0x0806;
constexpr uint16_t kEtherTypeVlan = 0x8100;
constexpr uint8_t kIpProtoIcmp = 1;
constexpr uint8_t kIpProtoUdp = 17;
constexpr size_t kIpv4HeaderBytes = 20;  // no options
constexpr size_t kUdpHeaderBytes = 8;
constexpr size_t kIcmpEchoHeaderBytes = 8;
constexpr size_t kArpBytes = 28;         // Ethernet/IPv4 ARP packet
constexpr uint16_t kArpRequest = 1;
constexpr uint16_t kArpReply = 2;
constexpr uint8_t kIcmpEchoReply = 0;
constexpr uint8_t kIcmpEchoRequest = 8;
// Bytes in front of a UDP payload in an untagged frame (14 + 20 + 8).
constexpr size_t kUdpPayloadOffset = kEthHeaderBytes + kIpv4HeaderBytes + kUdpHeaderBytes;

// RFC 1071: the ones' complement of the ones' complement sum of the 16-bit
// big-endian words of data (an odd last byte padded with zero), starting from
// partial_sum. Over a header that holds its correct checksum the result is 0.
uint16_t inet_checksum(const uint8_t* data, size_t len, uint32_t partial_sum = 0);
// The UDP checksum over the IPv4 pseudo-header and the UDP header + payload
// (whose checksum field is taken as zero); 0 is sent as 0xFFFF.
uint16_t udp_checksum(Ipv4 src, Ipv4 dst, const uint8_t* udp, size_t udp_len);

// Who talks to whom in an IPv4 frame.
struct IpEndpoints {
  Mac src_mac{};
  Mac dst_mac{};
  Ipv4 src_ip = 0;
  Ipv4 dst_ip = 0;
};

// Ethernet II frame; padded with zeros to kMinFrameBytes.
std::vector<uint8_t> ethernet_frame(const Mac& dst, const Mac& src, uint16_t ethertype, const uint8_t* payload,
                                    size_t len);
// Broadcast "who has target_ip? tell sender_ip".
std::vector<uint8_t> arp_request(const Mac& sender_mac, Ipv4 sender_ip, Ipv4 target_ip);
// Unicast "sender_ip is at sender_mac" to the asker.
std::vector<uint8_t> arp_reply(const Mac& sender_mac, Ipv4 sender_ip, const Mac& target_mac, Ipv4 target_ip);
// IPv4 (DF, TTL 64, identification ip_id) + UDP, both checksums set.
std::vector<uint8_t> udp_frame(const IpEndpoints& ends, uint16_t src_port, uint16_t dst_port, const uint8_t* payload,
                               size_t len, uint16_t ip_id = 0);
// IPv4 + ICMP echo request (type 8) or reply (type 0), both checksums set.
std::vector<uint8_t> icmp_echo_request(const IpEndpoints& ends, uint16_t id, uint16_t seq, const uint8_t* payload,
                                       size_t len, uint16_t ip_id = 0);
std::vector<uint8_t> icmp_echo_reply(const IpEndpoints& ends, uint16_t id, uint16_t seq, const uint8_t* payload,
                                     size_t len, uint16_t ip_id = 0);

// ---- checkers: each refuses a frame that is not what it says, and tells why.

struct UdpInfo {
  IpEndpoints ends;
  uint16_t src_port = 0;
  uint16_t dst_port = 0;
  size_t payload_offset = 0;  // into the frame
  size_t payload_len = 0;
};
// An untagged IPv4 frame without options carrying UDP whose lengths fit the
// frame and whose IPv4 header checksum and UDP checksum (unless 0: none) are
// right. On refusal *why (if given) says what is wrong.
std::optional<UdpInfo> parse_udp(const uint8_t* frame, size_t len, std::string* why = nullptr);
inline bool is_valid_udp(const uint8_t* frame, size_t len, std::string* why = nullptr) {
  return parse_udp(frame, len, why).has_value();
}
inline bool is_valid_udp(const std::vector<uint8_t>& frame, std::string* why = nullptr) {
  return is_valid_udp(frame.data(), frame.size(), why);
}

struct IcmpEchoInfo {
  IpEndpoints ends;
  uint8_t type = 0;  // kIcmpEchoRequest or kIcmpEchoReply
  uint16_t id = 0;
  uint16_t seq = 0;
  size_t payload_offset = 0;
  size_t payload_len = 0;
};
// An IPv4 ICMP echo request or reply with right IPv4 and ICMP checksums.
std::optional<IcmpEchoInfo> parse_icmp_echo(const uint8_t* frame, size_t len, std::string* why = nullptr);
inline bool is_valid_icmp_echo(const std::vector<uint8_t>& frame, std::string* why = nullptr) {
  return parse_icmp_echo(frame.data(), frame.size(), why).has_value();
}

struct ArpInfo {
  uint16_t op = 0;  // kArpRequest or kArpReply
  Mac sender_mac{};
  Ipv4 sender_ip = 0;
  Mac target_mac{};
  Ipv4 target_ip = 0;
};
// An Ethernet/IPv4 ARP request or reply.
std::optional<ArpInfo> parse_arp(const uint8_t* frame, size_t len, std::string* why = nullptr);

}  // namespace minipc::wire
