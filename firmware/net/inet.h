// Ethernet, ARP, IPv4, ICMP and UDP: wire formats and the protocol entry
// points (Linux: if_ether.h, ip.h, udp.h, icmp.h and their .c files).
//
// Wire structures are in network byte order; addresses are kept that way
// (as Linux's __be32), ports and lengths are converted at use.
#ifndef MINIPC_FW_NET_INET_H
#define MINIPC_FW_NET_INET_H

#include <stdint.h>

#include "net/netdevice.h"
#include "net/skbuff.h"

static inline uint16_t htons(uint16_t v) { return (uint16_t)(v << 8 | v >> 8); }
static inline uint16_t ntohs(uint16_t v) { return htons(v); }
static inline uint32_t htonl(uint32_t v) {
  return v << 24 | (v & 0xFF00u) << 8 | (v >> 8 & 0xFF00u) | v >> 24;
}
static inline uint32_t ntohl(uint32_t v) { return htonl(v); }

// ---- Ethernet -----------------------------------------------------------
#define ETH_HLEN 14
#define ETH_ZLEN 60           // shortest frame without FCS
#define ETH_P_IP 0x0800
#define ETH_P_ARP 0x0806

#define PACKET_HOST 0
#define PACKET_BROADCAST 1
#define PACKET_MULTICAST 2
#define PACKET_OTHERHOST 3

struct ethhdr {
  uint8_t h_dest[ETH_ALEN];
  uint8_t h_source[ETH_ALEN];
  uint16_t h_proto;
} __attribute__((packed));

// Sets skb->pkt_type from the destination MAC, strips the header and
// returns the ethertype (host order). 0 for a frame shorter than a header.
uint16_t eth_type_trans(struct sk_buff* skb, struct net_device* dev);
// Prepends the Ethernet header (source: the device's address).
void eth_header(struct sk_buff* skb, struct net_device* dev, uint16_t proto, const uint8_t* dest);

// ---- our address ------------------------------------------------------------
extern uint32_t inet_addr_local;  // 10.0.2.15 unless cmdline ip= says otherwise
// "a.b.c.d" -> network-order address; 0 for a malformed string.
uint32_t in_aton(const char* s);
// Formats a network-order address into buf (16 bytes).
char* in_ntoa(uint32_t addr, char* buf);

// ---- ARP ---------------------------------------------------------------------
#define ARPHRD_ETHER 1
#define ARPOP_REQUEST 1
#define ARPOP_REPLY 2

struct arphdr_eth {
  uint16_t ar_hrd, ar_pro;
  uint8_t ar_hln, ar_pln;
  uint16_t ar_op;
  uint8_t ar_sha[ETH_ALEN];
  uint32_t ar_sip;
  uint8_t ar_tha[ETH_ALEN];
  uint32_t ar_tip;
} __attribute__((packed));

void arp_rcv(struct sk_buff* skb);
// The neighbour's MAC if known: 1 and *mac filled; else 0 (and a request
// for it goes out).
int neigh_resolve(struct net_device* dev, uint32_t ip, uint8_t* mac);

// ---- IPv4 --------------------------------------------------------------------
#define IPPROTO_ICMP 1
#define IPPROTO_UDP 17
#define IP_DF 0x4000
#define IP_MF 0x2000
#define IP_OFFSET 0x1FFF

struct iphdr {
  uint8_t ihl_version;  // version << 4 | IHL (32-bit words)
  uint8_t tos;
  uint16_t tot_len;
  uint16_t id;
  uint16_t frag_off;
  uint8_t ttl;
  uint8_t protocol;
  uint16_t check;
  uint32_t saddr;
  uint32_t daddr;
} __attribute__((packed));

static inline struct iphdr* ip_hdr(const struct sk_buff* skb) { return (struct iphdr*)skb->network_header; }

// The Internet checksum (RFC 1071) of len bytes, folded and complemented;
// 0 over data that carries a correct checksum. `sum` seeds it (pseudo
// header).
uint16_t ip_compute_csum(const void* data, uint32_t len, uint32_t sum);
uint32_t csum_partial(const void* data, uint32_t len, uint32_t sum);

void ip_rcv(struct sk_buff* skb);
// Prepends the IP header to a transport packet at skb->data and sends it
// to daddr (resolving the next hop's MAC); consumes the skb.
int ip_send_skb(struct sk_buff* skb, uint32_t daddr, uint8_t protocol);

// Headroom a transmit skb needs below its payload.
#define MAX_HEADER_LEN (ETH_HLEN + 20 + 8)

// ---- ICMP ----------------------------------------------------------------------
#define ICMP_ECHOREPLY 0
#define ICMP_ECHO 8

struct icmphdr {
  uint8_t type, code;
  uint16_t checksum;
  uint16_t id, sequence;
} __attribute__((packed));

void icmp_rcv(struct sk_buff* skb);

// ---- UDP ------------------------------------------------------------------------
struct udphdr {
  uint16_t source, dest, len, check;
} __attribute__((packed));

// What udp_rcv leaves in skb->cb for recvfrom.
struct udp_skb_cb {
  uint32_t saddr;
  uint16_t source, dest;  // network order
};
#define UDP_SKB_CB(skb) ((struct udp_skb_cb*)(skb)->cb)

void udp_rcv(struct sk_buff* skb);
// Sends len bytes from a kernel buffer as one datagram; consumes nothing
// of the caller's. Returns len or a negative error.
int udp_sendmsg(uint16_t sport, uint32_t daddr, uint16_t dport, const void* data, uint32_t len);

// Frames the stack itself answered or absorbed (ARP, ICMP echo): with the
// socket deliveries and the drops they account for every received frame.
extern uint32_t net_stack_consumed;
// Called when the stack answers someone (0 = nobody listens): what it
// sent ("arp reply", "icmp echo reply"), to whom, and the ICMP sequence
// number (-1 for ARP). Runs in the receive path's context (hard IRQ,
// softirq or the netpoll thread): it must not block.
extern void (*net_event_hook)(const char* what, uint32_t addr, int seq);

#endif  // MINIPC_FW_NET_INET_H
