// ARP (RFC 826) for Ethernet/IPv4: answers requests for our address and
// keeps a small neighbour table (Linux: net/ipv4/arp.c, net/core/neighbour.c).
//
// Like Linux, a request for our address teaches us the sender (it is about
// to talk to us), and so does any reply. A transmit to an unknown
// neighbour sends a request and drops the packet (Linux queues a few
// packets on the unresolved entry; dropping keeps this stack small).
#include "kernel/x86.h"
#include "lib/string.h"
#include "net/inet.h"

#define NEIGH_ENTRIES 8

struct neighbour {
  uint32_t ip;  // 0 = free
  uint8_t ha[ETH_ALEN];
};

static struct neighbour neigh_table[NEIGH_ENTRIES];
static unsigned neigh_next;  // round-robin replacement
static const uint8_t eth_broadcast[ETH_ALEN] = {0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF};

static void neigh_update(uint32_t ip, const uint8_t* ha) {
  uint32_t flags = irq_save();
  struct neighbour* n = 0;
  for (int i = 0; i < NEIGH_ENTRIES && !n; i++)
    if (neigh_table[i].ip == ip)
      n = &neigh_table[i];
  if (!n)
    n = &neigh_table[neigh_next++ % NEIGH_ENTRIES];
  n->ip = ip;
  memcpy(n->ha, ha, ETH_ALEN);
  irq_restore(flags);
}

static int neigh_lookup(uint32_t ip, uint8_t* ha) {
  uint32_t flags = irq_save();
  int found = 0;
  for (int i = 0; i < NEIGH_ENTRIES && !found; i++) {
    if (neigh_table[i].ip == ip) {
      memcpy(ha, neigh_table[i].ha, ETH_ALEN);
      found = 1;
    }
  }
  irq_restore(flags);
  return found;
}

// Returns 0 when the packet went to the device.
static int arp_send(struct net_device* dev, uint16_t op, uint32_t tip, const uint8_t* dest_hw,
                    const uint8_t* target_hw) {
  struct sk_buff* skb = alloc_skb(NET_SKB_PAD + sizeof(struct arphdr_eth));
  if (!skb)
    return -1;
  skb_reserve(skb, NET_SKB_PAD);
  struct arphdr_eth* arp = (struct arphdr_eth*)skb_put(skb, sizeof *arp);
  arp->ar_hrd = htons(ARPHRD_ETHER);
  arp->ar_pro = htons(ETH_P_IP);
  arp->ar_hln = ETH_ALEN;
  arp->ar_pln = 4;
  arp->ar_op = htons(op);
  memcpy(arp->ar_sha, dev->dev_addr, ETH_ALEN);
  arp->ar_sip = inet_addr_local;
  memcpy(arp->ar_tha, target_hw, ETH_ALEN);
  arp->ar_tip = tip;
  eth_header(skb, dev, ETH_P_ARP, dest_hw);
  return dev_queue_xmit(skb);
}

void arp_rcv(struct sk_buff* skb) {
  const struct arphdr_eth* arp = (const struct arphdr_eth*)skb->data;
  if (skb->len < sizeof *arp) {
    kfree_skb_reason(skb, SKB_DROP_REASON_PKT_TOO_SMALL);
    return;
  }
  if (arp->ar_hrd != htons(ARPHRD_ETHER) || arp->ar_pro != htons(ETH_P_IP) || arp->ar_hln != ETH_ALEN ||
      arp->ar_pln != 4) {
    kfree_skb_reason(skb, SKB_DROP_REASON_UNHANDLED_PROTO);
    return;
  }
  uint16_t op = ntohs(arp->ar_op);
  if (skb->pkt_type == PACKET_OTHERHOST || arp->ar_tip != inet_addr_local ||
      (op != ARPOP_REQUEST && op != ARPOP_REPLY)) {
    kfree_skb_reason(skb, SKB_DROP_REASON_OTHERHOST);
    return;
  }
  neigh_update(arp->ar_sip, arp->ar_sha);
  if (op == ARPOP_REQUEST && arp_send(skb->dev, ARPOP_REPLY, arp->ar_sip, arp->ar_sha, arp->ar_sha) == 0 &&
      net_event_hook)
    net_event_hook("arp reply", arp->ar_sip, -1);
  net_stack_consumed++;
  consume_skb(skb);
}

int neigh_resolve(struct net_device* dev, uint32_t ip, uint8_t* mac) {
  if (neigh_lookup(ip, mac))
    return 1;
  static const uint8_t unknown[ETH_ALEN];
  arp_send(dev, ARPOP_REQUEST, ip, eth_broadcast, unknown);
  return 0;
}
