// Ethernet framing and the local address (inet.h).
#include "lib/printf.h"
#include "lib/string.h"
#include "net/inet.h"

uint32_t inet_addr_local;
uint32_t net_stack_consumed;
void (*net_event_hook)(const char* what, uint32_t addr, int seq);

static const uint8_t eth_broadcast[ETH_ALEN] = {0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF};

uint16_t eth_type_trans(struct sk_buff* skb, struct net_device* dev) {
  const struct ethhdr* eth = (const struct ethhdr*)skb->data;
  if (!skb_pull(skb, ETH_HLEN))
    return 0;
  if (eth->h_dest[0] & 1)
    skb->pkt_type = memcmp(eth->h_dest, eth_broadcast, ETH_ALEN) == 0 ? PACKET_BROADCAST : PACKET_MULTICAST;
  else if (memcmp(eth->h_dest, dev->dev_addr, ETH_ALEN) == 0)
    skb->pkt_type = PACKET_HOST;
  else
    // The NIC's filter should not pass these, but a MAC in promiscuous
    // mode (or QEMU's multicast hash) may; IP and ARP drop them.
    skb->pkt_type = PACKET_OTHERHOST;
  skb->dev = dev;
  return ntohs(eth->h_proto);
}

void eth_header(struct sk_buff* skb, struct net_device* dev, uint16_t proto, const uint8_t* dest) {
  struct ethhdr* eth = (struct ethhdr*)skb_push(skb, ETH_HLEN);
  memcpy(eth->h_dest, dest, ETH_ALEN);
  memcpy(eth->h_source, dev->dev_addr, ETH_ALEN);
  eth->h_proto = htons(proto);
  skb->dev = dev;
}

uint32_t in_aton(const char* s) {
  uint32_t parts[4];
  for (int i = 0; i < 4; i++) {
    if (*s < '0' || *s > '9')
      return 0;
    uint32_t v = 0;
    while (*s >= '0' && *s <= '9')
      v = v * 10 + (uint32_t)(*s++ - '0');
    if (v > 255 || (i < 3 && *s++ != '.'))
      return 0;
    parts[i] = v;
  }
  if (*s)
    return 0;
  return htonl(parts[0] << 24 | parts[1] << 16 | parts[2] << 8 | parts[3]);
}

char* in_ntoa(uint32_t addr, char* buf) {
  uint32_t a = ntohl(addr);
  snprintf(buf, 16, "%u.%u.%u.%u", a >> 24, (a >> 16) & 0xFF, (a >> 8) & 0xFF, a & 0xFF);
  return buf;
}
