// Network devices and the receive core: NAPI, the backlog, the NET_RX
// softirq (Linux: net/core/dev.c), in one of four receive modes.
//
//   poll     no interrupts: the "netpoll" kernel thread calls the driver's
//            ndo_poll over and over (yielding when the ring is empty)
//   irq      one interrupt per frame (or per ITR interval); the hard IRQ
//            handler takes every frame up the stack itself
//   napi     the hard IRQ handler masks the card and schedules its NAPI
//            context; the NET_RX softirq polls it, `weight` frames per
//            poll and `budget` frames per softirq run; interrupts come
//            back when the ring is empty
//   classic  the hard IRQ handler copies every frame into the bounded
//            backlog queue (netif_rx, before NAPI); the softirq takes them
//            up the stack; a full backlog drops
//
// One device at a time (minipc has one NIC).
#ifndef MINIPC_FW_NET_NETDEVICE_H
#define MINIPC_FW_NET_NETDEVICE_H

#include <stdint.h>

#include "kernel/softirq.h"
#include "lib/trace.h"
#include "net/skbuff.h"

#define ETH_ALEN 6

// The last softirq number: applications keep APP_SOFTIRQ and up.
#define NET_RX_SOFTIRQ (NR_SOFTIRQS - 1)

enum net_rx_mode { NET_RX_POLL, NET_RX_IRQ, NET_RX_NAPI, NET_RX_CLASSIC };

#define NAPI_STATE_SCHED 0x1  // on the poll list, its poll will be called

struct napi_struct {
  struct napi_struct* poll_next;   // poll list link
  int (*poll)(struct napi_struct* napi, int budget);  // returns frames done (<= budget)
  int weight;
  uint32_t state;
  struct net_device* dev;
};

struct net_device_stats {
  uint32_t rx_packets, rx_bytes;   // frames taken from the receive ring
  uint32_t tx_packets, tx_bytes;   // frames handed to the transmit ring
  uint32_t tx_completed;           // transmit buffers the NIC gave back
};

#define NETDEV_TX_OK 0
#define NETDEV_TX_BUSY 1  // ring full: the caller still owns the skb

struct net_device {
  const char* name;
  uint8_t dev_addr[ETH_ALEN];
  enum net_rx_mode rx_mode;
  volatile int up;                 // between ndo_open and ndo_stop
  struct napi_struct napi;         // mode=napi
  int (*ndo_open)(struct net_device* dev);
  void (*ndo_stop)(struct net_device* dev);
  // Takes the skb (NETDEV_TX_OK) or leaves it with the caller (BUSY).
  int (*ndo_start_xmit)(struct sk_buff* skb, struct net_device* dev);
  // mode=poll: clean the rings without interrupts, at most budget frames.
  int (*ndo_poll)(struct net_device* dev, int budget);
  struct net_device_stats stats;
  void* priv;                      // the driver's adapter
};

// Receive tuning (set before dev_open; Linux's sysctl names).
extern int dev_weight;             // frames per NAPI poll (default 64)
extern int netdev_budget;          // frames per NET_RX softirq run (default 300, 0 = unlimited)
extern uint32_t netdev_max_backlog;  // mode=classic backlog length (default 128)

// What the core counted (besides the drop reasons, skbuff.h).
struct softnet_stat {
  uint32_t processed;              // frames through netif_receive_skb
  uint32_t time_squeeze;           // NET_RX runs that ended with work left (budget spent)
  uint32_t backlog_max;            // longest backlog seen (mode=classic)
  uint32_t net_rx_runs;            // NET_RX softirq runs
};
extern struct softnet_stat softnet_stat;

void netif_napi_add(struct net_device* dev, struct napi_struct* napi,
                    int (*poll)(struct napi_struct*, int), int weight);
// Makes dev the stack's device (the one the transmit path uses).
void register_netdev(struct net_device* dev);
extern struct net_device* net_dev;

// Brings the device up in its rx_mode (opens the NET_RX softirq, starts the
// netpoll thread for mode=poll); 0 or the driver's error.
int dev_open(struct net_device* dev);
// Stops the device and frees what waits in the backlog.
void dev_close(struct net_device* dev);

// NAPI: from the hard IRQ handler (the card is masked first).
void napi_schedule(struct napi_struct* napi);
// From poll when it did less than its budget: leaves the poll list. The
// driver unmasks its interrupts after this.
void napi_complete_done(struct napi_struct* napi, int work_done);

// mode=classic, from the hard IRQ handler: queues the frame on the backlog
// (or drops it when full) and raises NET_RX.
void netif_rx(struct sk_buff* skb);
// Takes a frame (after eth_type_trans) up the stack; always consumes it.
void netif_receive_skb(struct sk_buff* skb);
// Sends a complete Ethernet frame; always consumes it.
int dev_queue_xmit(struct sk_buff* skb);

// The receive path's trace markers (lib/trace.h 0x50-0x5E) go through
// net_mark: net_trace = 0 (cmdline trace=0) leaves them out, so a sweep
// measures the stack without the two port writes each marker costs.
extern int net_trace;
static inline void net_mark(uint16_t event, uint32_t arg) {
  if (net_trace)
    trace_mark(event, arg);
}

#endif  // MINIPC_FW_NET_NETDEVICE_H
