// ICMP: echo requests are answered, everything else is dropped (Linux:
// net/ipv4/icmp.c). The reply is a new buffer; the request is consumed.
#include "lib/string.h"
#include "net/inet.h"

void icmp_rcv(struct sk_buff* skb) {
  if (skb->len < sizeof(struct icmphdr)) {
    kfree_skb_reason(skb, SKB_DROP_REASON_PKT_TOO_SMALL);
    return;
  }
  if (ip_compute_csum(skb->data, skb->len, 0) != 0) {
    kfree_skb_reason(skb, SKB_DROP_REASON_ICMP_CSUM);
    return;
  }
  const struct icmphdr* icmph = (const struct icmphdr*)skb->data;
  const struct iphdr* iph = ip_hdr(skb);
  // Echo to a broadcast address is ignored (icmp_echo_ignore_broadcasts).
  if (icmph->type != ICMP_ECHO || icmph->code != 0 || iph->daddr != inet_addr_local) {
    kfree_skb_reason(skb, SKB_DROP_REASON_UNHANDLED_PROTO);
    return;
  }
  struct sk_buff* reply = alloc_skb(NET_SKB_PAD + MAX_HEADER_LEN + skb->len);
  if (reply) {
    skb_reserve(reply, NET_SKB_PAD + MAX_HEADER_LEN);
    struct icmphdr* r = (struct icmphdr*)skb_put(reply, skb->len);
    memcpy(r, skb->data, skb->len);  // same id, sequence and data
    r->type = ICMP_ECHOREPLY;
    r->checksum = 0;
    r->checksum = htons(ip_compute_csum(r, reply->len, 0));
    if (ip_send_skb(reply, iph->saddr, IPPROTO_ICMP) == 0 && net_event_hook)
      net_event_hook("icmp echo reply", iph->saddr, ntohs(icmph->sequence));
  }
  // The request was answered (or, without a buffer, not: the reply is
  // what is lost then, the request was still handled here).
  net_stack_consumed++;
  consume_skb(skb);
}
