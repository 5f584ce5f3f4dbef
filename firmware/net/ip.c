// IPv4 receive and send (Linux: net/ipv4/ip_input.c, ip_output.c), and the
// Internet checksum. No options are interpreted, no fragments reassembled,
// no routing: one interface, every destination is on its link.
#include "kernel/x86.h"
#include "lib/string.h"
#include "lib/trace.h"
#include "net/netdevice.h"
#include "net/inet.h"

#define IP_TTL 64
#define INADDR_BROADCAST 0xFFFFFFFFu

static uint16_t ip_ident;

uint32_t csum_partial(const void* data, uint32_t len, uint32_t sum) {
  const uint8_t* p = data;
  for (; len > 1; len -= 2, p += 2)
    sum += (uint32_t)p[0] << 8 | p[1];
  if (len)
    sum += (uint32_t)p[0] << 8;
  return sum;
}

uint16_t ip_compute_csum(const void* data, uint32_t len, uint32_t sum) {
  sum = csum_partial(data, len, sum);
  while (sum >> 16)
    sum = (sum & 0xFFFF) + (sum >> 16);
  return (uint16_t)~sum;
}

// Linux's ip_rcv_core checks, in its order, then the local delivery.
void ip_rcv(struct sk_buff* skb) {
  if (skb->pkt_type == PACKET_OTHERHOST) {
    kfree_skb_reason(skb, SKB_DROP_REASON_OTHERHOST);
    return;
  }
  if (skb->len < sizeof(struct iphdr)) {
    kfree_skb_reason(skb, SKB_DROP_REASON_PKT_TOO_SMALL);
    return;
  }
  struct iphdr* iph = (struct iphdr*)skb->data;
  uint32_t ihl = (iph->ihl_version & 0x0F) * 4u;
  if (iph->ihl_version >> 4 != 4 || ihl < sizeof(struct iphdr) || skb->len < ihl) {
    kfree_skb_reason(skb, SKB_DROP_REASON_IP_HDR);
    return;
  }
  if (ip_compute_csum(iph, ihl, 0) != 0) {
    kfree_skb_reason(skb, SKB_DROP_REASON_IP_CSUM);
    return;
  }
  uint32_t tot_len = ntohs(iph->tot_len);
  if (tot_len > skb->len || tot_len < ihl) {
    kfree_skb_reason(skb, SKB_DROP_REASON_IP_HDR);
    return;
  }
  net_mark(TRACE_IP_RCV, tot_len);
  // Frames shorter than 60 bytes arrive padded: the IP length is the truth.
  skb_trim(skb, tot_len);
  if (iph->daddr != inet_addr_local && iph->daddr != INADDR_BROADCAST) {
    kfree_skb_reason(skb, SKB_DROP_REASON_OTHERHOST);
    return;
  }
  if (ntohs(iph->frag_off) & (IP_MF | IP_OFFSET)) {
    // A fragment: there is no reassembly here.
    kfree_skb_reason(skb, SKB_DROP_REASON_IP_HDR);
    return;
  }
  skb->network_header = skb->data;
  skb_pull(skb, ihl);
  switch (iph->protocol) {
    case IPPROTO_ICMP:
      icmp_rcv(skb);
      break;
    case IPPROTO_UDP:
      udp_rcv(skb);
      break;
    default:
      kfree_skb_reason(skb, SKB_DROP_REASON_UNHANDLED_PROTO);
      break;
  }
}

int ip_send_skb(struct sk_buff* skb, uint32_t daddr, uint8_t protocol) {
  struct net_device* dev = net_dev;
  struct iphdr* iph = (struct iphdr*)skb_push(skb, sizeof *iph);
  iph->ihl_version = 4 << 4 | sizeof *iph / 4;
  iph->tos = 0;
  iph->tot_len = htons((uint16_t)skb->len);
  uint32_t flags = irq_save();
  iph->id = htons(++ip_ident);
  irq_restore(flags);
  iph->frag_off = htons(IP_DF);  // never fragmented: path MTU discovery, as Linux
  iph->ttl = IP_TTL;
  iph->protocol = protocol;
  iph->check = 0;
  iph->saddr = inet_addr_local;
  iph->daddr = daddr;
  iph->check = htons(ip_compute_csum(iph, sizeof *iph, 0));
  skb->network_header = skb->data;

  uint8_t dest[ETH_ALEN];
  if (daddr == INADDR_BROADCAST) {
    memset(dest, 0xFF, ETH_ALEN);
  } else if (!neigh_resolve(dev, daddr, dest)) {
    kfree_skb_reason(skb, SKB_DROP_REASON_NEIGH_FAILED);
    return -1;
  }
  eth_header(skb, dev, ETH_P_IP, dest);
  return dev_queue_xmit(skb);
}
