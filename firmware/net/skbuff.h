// Socket buffers: one frame and its metadata, as in Linux's sk_buff.
//
// A fixed pool of NR_SKBS buffers, each SKB_DATA_SIZE bytes of data area.
// The frame lives in [data, tail) inside [head, end):
//
//   head          data              tail           end
//   | headroom    | frame bytes      | tailroom     |
//
// skb_reserve() moves data and tail down (leaves headroom for headers a
// transmit path will push), skb_put() extends the frame at the tail,
// skb_pull() strips a header at the front (receive path), skb_push()
// prepends one (transmit path).
//
// Ownership is passed along the path: whoever holds the pointer frees it,
// exactly once, with consume_skb() (done with it: delivered, transmitted)
// or kfree_skb_reason() (dropped; the reason is counted). skb_in_use() is
// the number of buffers out of the pool; a run that lost none ends at 0.
#ifndef MINIPC_FW_NET_SKBUFF_H
#define MINIPC_FW_NET_SKBUFF_H

#include <stdint.h>

#define NR_SKBS 256
#define NET_SKB_PAD 64          // headroom netdev_alloc_skb leaves
#define SKB_RX_BUF_LEN 2048     // receive buffer the NIC writes (RCTL.BSIZE=00)
#define SKB_DATA_SIZE (NET_SKB_PAD + SKB_RX_BUF_LEN)

// Why a buffer was dropped (Linux: enum skb_drop_reason). The receive
// reasons come first: their sum is what the conservation check adds to
// the delivered frames.
enum skb_drop_reason {
  SKB_DROP_REASON_RX_ERROR,        // the NIC flagged the frame (descriptor errors)
  SKB_DROP_REASON_NOMEM,           // no buffer to refill the ring: the frame's buffer was reused
  SKB_DROP_REASON_BACKLOG_FULL,    // mode=classic: netif_rx backlog full (Linux: CPU_BACKLOG)
  SKB_DROP_REASON_PKT_TOO_SMALL,   // shorter than the header it claims to carry
  SKB_DROP_REASON_UNHANDLED_PROTO, // ethertype, IP protocol or ICMP type we do not serve
  SKB_DROP_REASON_OTHERHOST,       // not for us: another MAC, IP address or ARP target
  SKB_DROP_REASON_IP_HDR,          // bad IP version, IHL, total length or fragment
  SKB_DROP_REASON_IP_CSUM,         // bad IP header checksum
  SKB_DROP_REASON_ICMP_CSUM,       // bad ICMP checksum
  SKB_DROP_REASON_UDP_CSUM,        // bad UDP checksum (non-zero checksum field)
  SKB_DROP_REASON_NO_SOCKET,       // no socket bound to the UDP port (Linux sends port unreachable)
  SKB_DROP_REASON_SOCKET_RCVBUFF,  // the socket's receive buffer is full
  SKB_DROP_REASON_QUEUE_PURGE,     // still queued (backlog, socket) when the stack went down
  SKB_DROP_REASON_RX_MAX,          // -- transmit reasons below: not part of the receive sum
  SKB_DROP_REASON_TX_RING_FULL = SKB_DROP_REASON_RX_MAX,  // no free transmit descriptor
  SKB_DROP_REASON_NEIGH_FAILED,    // no ARP entry for the next hop (an ARP request went out)
  SKB_DROP_REASON_MAX,
};

struct net_device;

struct sk_buff {
  struct sk_buff* next;          // queue link (sk_buff_head) or pool free list
  struct net_device* dev;
  uint8_t *head, *data, *tail, *end;
  uint32_t len;                  // tail - data
  uint32_t truesize;             // what the buffer costs a socket's rcvbuf
  uint16_t protocol;             // ethertype, host order (eth_type_trans)
  uint8_t pkt_type;              // PACKET_* (if_ether.h)
  uint8_t* network_header;
  // Per-layer scratch space (Linux: skb->cb): UDP keeps the sender here.
  uint8_t cb[16];
};

struct sk_buff_head {
  struct sk_buff *head, *tail;
  uint32_t qlen;
};

// A buffer for `size` bytes (at most SKB_DATA_SIZE; the data area is
// always SKB_DATA_SIZE), data = head, len 0; 0 when the pool is empty or
// size too large. Any context.
struct sk_buff* alloc_skb(uint32_t size);
// A receive buffer: NET_SKB_PAD of headroom and `len` bytes of room.
struct sk_buff* netdev_alloc_skb(struct net_device* dev, uint32_t len);
// Frees a buffer that did its job.
void consume_skb(struct sk_buff* skb);
// Frees a buffer that is dropped, counting `reason`.
void kfree_skb_reason(struct sk_buff* skb, enum skb_drop_reason reason);
// Counts a dropped frame whose buffer is reused, not freed (a driver that
// could not refill its ring).
void skb_count_drop(enum skb_drop_reason reason);

uint32_t skb_in_use(void);
uint32_t skb_drops(enum skb_drop_reason reason);
const char* skb_drop_reason_name(enum skb_drop_reason reason);

static inline void skb_reserve(struct sk_buff* skb, uint32_t len) {
  skb->data += len;
  skb->tail += len;
}
// Extends the frame by len bytes at the tail; returns where they start.
uint8_t* skb_put(struct sk_buff* skb, uint32_t len);
// Prepends len bytes; returns the new start.
uint8_t* skb_push(struct sk_buff* skb, uint32_t len);
// Strips len bytes from the front; returns the new start, or 0 (and
// leaves the buffer alone) when the frame is shorter than len.
uint8_t* skb_pull(struct sk_buff* skb, uint32_t len);
// Cuts the frame to len bytes (drops link-layer padding).
void skb_trim(struct sk_buff* skb, uint32_t len);

// Queues. Callers that share a queue with an interrupt handler hold
// interrupts off around these (irq_save).
void skb_queue_head_init(struct sk_buff_head* q);
void skb_queue_tail(struct sk_buff_head* q, struct sk_buff* skb);
struct sk_buff* skb_dequeue(struct sk_buff_head* q);
// Takes skb out of q if it is there: 1, else 0.
int skb_unlink(struct sk_buff_head* q, struct sk_buff* skb);
// Frees every queued buffer with `reason`; returns how many.
uint32_t skb_queue_purge_reason(struct sk_buff_head* q, enum skb_drop_reason reason);

#endif  // MINIPC_FW_NET_SKBUFF_H
