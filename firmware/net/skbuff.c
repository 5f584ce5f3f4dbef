// The sk_buff pool (skbuff.h).
#include "net/skbuff.h"

#include "kernel/x86.h"
#include "lib/trace.h"
#include "net/netdevice.h"

static struct sk_buff skbs[NR_SKBS];
static uint8_t skb_data[NR_SKBS][SKB_DATA_SIZE] __attribute__((aligned(16)));
static struct sk_buff* free_list;
static uint32_t in_use;
static int pool_ready;
static uint32_t drops[SKB_DROP_REASON_MAX];

static const char* const drop_names[SKB_DROP_REASON_MAX] = {
    [SKB_DROP_REASON_RX_ERROR] = "rx_error",
    [SKB_DROP_REASON_NOMEM] = "nomem",
    [SKB_DROP_REASON_BACKLOG_FULL] = "backlog_full",
    [SKB_DROP_REASON_PKT_TOO_SMALL] = "too_small",
    [SKB_DROP_REASON_UNHANDLED_PROTO] = "unhandled_proto",
    [SKB_DROP_REASON_OTHERHOST] = "not_for_us",
    [SKB_DROP_REASON_IP_HDR] = "ip_hdr",
    [SKB_DROP_REASON_IP_CSUM] = "ip_csum",
    [SKB_DROP_REASON_ICMP_CSUM] = "icmp_csum",
    [SKB_DROP_REASON_UDP_CSUM] = "udp_csum",
    [SKB_DROP_REASON_NO_SOCKET] = "no_socket",
    [SKB_DROP_REASON_SOCKET_RCVBUFF] = "sock_full",
    [SKB_DROP_REASON_QUEUE_PURGE] = "purged",
    [SKB_DROP_REASON_TX_RING_FULL] = "tx_ring_full",
    [SKB_DROP_REASON_NEIGH_FAILED] = "no_neigh",
};

// The pool is built on first use, so no init call has to come first.
static void pool_init(void) {
  for (int i = NR_SKBS - 1; i >= 0; i--) {
    skbs[i].head = skb_data[i];
    skbs[i].next = free_list;
    free_list = &skbs[i];
  }
  pool_ready = 1;
}

struct sk_buff* alloc_skb(uint32_t size) {
  if (size > SKB_DATA_SIZE)
    return 0;
  uint32_t flags = irq_save();
  if (!pool_ready)
    pool_init();
  struct sk_buff* skb = free_list;
  if (skb) {
    free_list = skb->next;
    in_use++;
  }
  irq_restore(flags);
  if (!skb)
    return 0;
  uint8_t* head = skb->head;
  // Everything but the data area goes back to a known state.
  *skb = (struct sk_buff){0};
  // Every buffer has the whole data area (as Linux rounds a request up to
  // what the allocator gave): a driver may pad a short frame in place.
  skb->head = skb->data = skb->tail = head;
  skb->end = head + SKB_DATA_SIZE;
  skb->truesize = SKB_DATA_SIZE;
  return skb;
}

struct sk_buff* netdev_alloc_skb(struct net_device* dev, uint32_t len) {
  struct sk_buff* skb = alloc_skb(NET_SKB_PAD + len);
  if (skb) {
    skb_reserve(skb, NET_SKB_PAD);
    skb->dev = dev;
  }
  return skb;
}

static void free_skb(struct sk_buff* skb) {
  uint32_t flags = irq_save();
  skb->next = free_list;
  free_list = skb;
  in_use--;
  irq_restore(flags);
}

void consume_skb(struct sk_buff* skb) {
  free_skb(skb);
}

void skb_count_drop(enum skb_drop_reason reason) {
  uint32_t flags = irq_save();
  drops[reason]++;
  irq_restore(flags);
  net_mark(TRACE_NET_DROP, (uint32_t)reason);
}

void kfree_skb_reason(struct sk_buff* skb, enum skb_drop_reason reason) {
  skb_count_drop(reason);
  free_skb(skb);
}

uint32_t skb_in_use(void) {
  return in_use;
}

uint32_t skb_drops(enum skb_drop_reason reason) {
  return drops[reason];
}

const char* skb_drop_reason_name(enum skb_drop_reason reason) {
  return (unsigned)reason < SKB_DROP_REASON_MAX ? drop_names[reason] : "?";
}

uint8_t* skb_put(struct sk_buff* skb, uint32_t len) {
  uint8_t* start = skb->tail;
  skb->tail += len;
  skb->len += len;
  return start;
}

uint8_t* skb_push(struct sk_buff* skb, uint32_t len) {
  skb->data -= len;
  skb->len += len;
  return skb->data;
}

uint8_t* skb_pull(struct sk_buff* skb, uint32_t len) {
  if (len > skb->len)
    return 0;
  skb->data += len;
  skb->len -= len;
  return skb->data;
}

void skb_trim(struct sk_buff* skb, uint32_t len) {
  if (len < skb->len) {
    skb->len = len;
    skb->tail = skb->data + len;
  }
}

void skb_queue_head_init(struct sk_buff_head* q) {
  q->head = q->tail = 0;
  q->qlen = 0;
}

void skb_queue_tail(struct sk_buff_head* q, struct sk_buff* skb) {
  skb->next = 0;
  if (q->tail)
    q->tail->next = skb;
  else
    q->head = skb;
  q->tail = skb;
  q->qlen++;
}

struct sk_buff* skb_dequeue(struct sk_buff_head* q) {
  struct sk_buff* skb = q->head;
  if (skb) {
    q->head = skb->next;
    if (!q->head)
      q->tail = 0;
    q->qlen--;
    skb->next = 0;
  }
  return skb;
}

int skb_unlink(struct sk_buff_head* q, struct sk_buff* skb) {
  struct sk_buff* prev = 0;
  for (struct sk_buff* p = q->head; p; prev = p, p = p->next) {
    if (p != skb)
      continue;
    if (prev)
      prev->next = p->next;
    else
      q->head = p->next;
    if (q->tail == p)
      q->tail = prev;
    q->qlen--;
    p->next = 0;
    return 1;
  }
  return 0;
}

uint32_t skb_queue_purge_reason(struct sk_buff_head* q, enum skb_drop_reason reason) {
  uint32_t n = 0;
  for (;;) {
    uint32_t flags = irq_save();
    struct sk_buff* skb = skb_dequeue(q);
    irq_restore(flags);
    if (!skb)
      return n;
    kfree_skb_reason(skb, reason);
    n++;
  }
}
