// UDP receive and send (Linux: net/ipv4/udp.c).
#include "lib/string.h"
#include "lib/trace.h"
#include "net/netdevice.h"
#include "net/inet.h"
#include "net/socket.h"

// The pseudo header's sum (RFC 768): addresses, protocol, UDP length.
static uint32_t udp_pseudo_sum(uint32_t saddr, uint32_t daddr, uint16_t ulen) {
  uint32_t sum = csum_partial(&saddr, 4, 0);
  sum = csum_partial(&daddr, 4, sum);
  return sum + IPPROTO_UDP + ulen;
}

void udp_rcv(struct sk_buff* skb) {
  if (skb->len < sizeof(struct udphdr)) {
    kfree_skb_reason(skb, SKB_DROP_REASON_PKT_TOO_SMALL);
    return;
  }
  const struct udphdr* uh = (const struct udphdr*)skb->data;
  uint16_t ulen = ntohs(uh->len);
  if (ulen < sizeof *uh || ulen > skb->len) {
    kfree_skb_reason(skb, SKB_DROP_REASON_PKT_TOO_SMALL);
    return;
  }
  skb_trim(skb, ulen);
  const struct iphdr* iph = ip_hdr(skb);
  net_mark(TRACE_UDP_RCV, ntohs(uh->dest));
  // A zero checksum field means the sender computed none (IPv4 allows it).
  if (uh->check && ip_compute_csum(uh, ulen, udp_pseudo_sum(iph->saddr, iph->daddr, ulen)) != 0) {
    kfree_skb_reason(skb, SKB_DROP_REASON_UDP_CSUM);
    return;
  }
  struct sock* sk = udp_sock_lookup(ntohs(uh->dest));
  if (!sk) {
    kfree_skb_reason(skb, SKB_DROP_REASON_NO_SOCKET);
    return;
  }
  struct udp_skb_cb* cb = UDP_SKB_CB(skb);
  cb->saddr = iph->saddr;
  cb->source = uh->source;
  cb->dest = uh->dest;
  skb_pull(skb, sizeof *uh);
  sock_queue_rcv_skb(sk, skb);
}

int udp_sendmsg(uint16_t sport, uint32_t daddr, uint16_t dport, const void* data, uint32_t len) {
  if (len > SKB_RX_BUF_LEN - MAX_HEADER_LEN)
    return -EMSGSIZE;
  struct sk_buff* skb = alloc_skb(NET_SKB_PAD + MAX_HEADER_LEN + len);
  if (!skb)
    return -ENOBUFS;
  skb_reserve(skb, NET_SKB_PAD + MAX_HEADER_LEN);
  memcpy(skb_put(skb, len), data, len);
  struct udphdr* uh = (struct udphdr*)skb_push(skb, sizeof *uh);
  uint16_t ulen = (uint16_t)skb->len;
  uh->source = htons(sport);
  uh->dest = htons(dport);
  uh->len = htons(ulen);
  uh->check = 0;
  uint16_t sum = ip_compute_csum(uh, ulen, udp_pseudo_sum(inet_addr_local, daddr, ulen));
  uh->check = htons(sum ? sum : 0xFFFF);  // 0 would mean "no checksum"
  ip_send_skb(skb, daddr, IPPROTO_UDP);
  return (int)len;
}
