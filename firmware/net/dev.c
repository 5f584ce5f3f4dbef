// The receive core (netdevice.h): NAPI poll list, backlog, NET_RX softirq,
// the poll-mode thread and the transmit entry.
#include "kernel/softirq.h"
#include "kernel/task.h"
#include "kernel/x86.h"
#include "lib/trace.h"
#include "net/inet.h"
#include "net/netdevice.h"

int dev_weight = 64;
int netdev_budget = 300;
int net_trace = 1;
// The backlog default keeps the receive ring (64), a full backlog and two
// sockets' default receive buffers (31 buffers each) within the 256-buffer
// pool, so a flood in classic mode drops at the backlog, not for want of
// buffers (Linux's 1000 assumes far more memory).
uint32_t netdev_max_backlog = 128;
struct softnet_stat softnet_stat;
struct net_device* net_dev;

// One CPU: one poll list and one backlog (Linux: struct softnet_data).
static struct napi_struct* poll_list;
static struct sk_buff_head backlog_queue;
static struct napi_struct backlog_napi;
static int netpoll_pid = -1;

void netif_napi_add(struct net_device* dev, struct napi_struct* napi,
                    int (*poll)(struct napi_struct*, int), int weight) {
  napi->dev = dev;
  napi->poll = poll;
  napi->weight = weight;
  napi->state = 0;
  napi->poll_next = 0;
}

void register_netdev(struct net_device* dev) {
  net_dev = dev;
}

// Appends to the poll list; interrupts are off.
static void list_add_tail(struct napi_struct* napi) {
  struct napi_struct** link = &poll_list;
  while (*link)
    link = &(*link)->poll_next;
  napi->poll_next = 0;
  *link = napi;
}

void napi_schedule(struct napi_struct* napi) {
  uint32_t flags = irq_save();
  if (!(napi->state & NAPI_STATE_SCHED)) {
    napi->state |= NAPI_STATE_SCHED;
    list_add_tail(napi);
    raise_softirq(NET_RX_SOFTIRQ);
  }
  irq_restore(flags);
}

void napi_complete_done(struct napi_struct* napi, int work_done) {
  (void)work_done;
  uint32_t flags = irq_save();
  for (struct napi_struct** link = &poll_list; *link; link = &(*link)->poll_next) {
    if (*link == napi) {
      *link = napi->poll_next;
      break;
    }
  }
  napi->state &= ~NAPI_STATE_SCHED;
  irq_restore(flags);
}

// Linux's net_rx_action: poll each scheduled context with its weight
// until the list is empty or the run's budget is spent. A context that
// used its whole weight still has work: it goes to the back of the list.
// With the budget spent the softirq raises itself again, so the rest
// runs on a later pass or, after MAX_SOFTIRQ_RESTART passes, in ksoftirqd,
// between the tasks, instead of starving them.
static void net_rx_action(void) {
  int budget = netdev_budget;
  softnet_stat.net_rx_runs++;
  for (;;) {
    uint32_t flags = irq_save();
    struct napi_struct* napi = poll_list;
    irq_restore(flags);
    if (!napi)
      return;
    net_mark(TRACE_NAPI_POLL_ENTER, (uint32_t)napi->weight);
    int work = napi->poll(napi, napi->weight);
    net_mark(TRACE_NAPI_POLL_EXIT, (uint32_t)work);
    flags = irq_save();
    if (work >= napi->weight && poll_list == napi && napi->poll_next) {
      // Still scheduled, and others are waiting: round robin.
      poll_list = napi->poll_next;
      list_add_tail(napi);
    }
    irq_restore(flags);
    if (netdev_budget) {
      budget -= work;
      if (budget <= 0 && poll_list) {
        softnet_stat.time_squeeze++;
        raise_softirq(NET_RX_SOFTIRQ);
        return;
      }
    }
  }
}

// The backlog's NAPI poll (Linux: process_backlog): up to `budget` queued
// frames go up the stack.
static int process_backlog(struct napi_struct* napi, int budget) {
  int work = 0;
  while (work < budget) {
    uint32_t flags = irq_save();
    struct sk_buff* skb = skb_dequeue(&backlog_queue);
    if (!skb) {
      // Empty: leave the poll list with interrupts still off, so a
      // netif_rx from the next interrupt schedules us again.
      napi_complete_done(napi, work);
      irq_restore(flags);
      return work;
    }
    irq_restore(flags);
    netif_receive_skb(skb);
    work++;
  }
  return work;
}

void netif_rx(struct sk_buff* skb) {
  uint32_t flags = irq_save();
  if (backlog_queue.qlen >= netdev_max_backlog) {
    irq_restore(flags);
    kfree_skb_reason(skb, SKB_DROP_REASON_BACKLOG_FULL);
    return;
  }
  skb_queue_tail(&backlog_queue, skb);
  if (backlog_queue.qlen > softnet_stat.backlog_max)
    softnet_stat.backlog_max = backlog_queue.qlen;
  net_mark(TRACE_NETIF_RX, backlog_queue.qlen);
  napi_schedule(&backlog_napi);
  irq_restore(flags);
}

void netif_receive_skb(struct sk_buff* skb) {
  net_mark(TRACE_NETIF_RECEIVE, skb->len);
  softnet_stat.processed++;
  switch (skb->protocol) {
    case ETH_P_IP:
      ip_rcv(skb);
      break;
    case ETH_P_ARP:
      arp_rcv(skb);
      break;
    default:
      kfree_skb_reason(skb, SKB_DROP_REASON_UNHANDLED_PROTO);
      break;
  }
}

int dev_queue_xmit(struct sk_buff* skb) {
  struct net_device* dev = skb->dev;
  if (!dev || !dev->up || dev->ndo_start_xmit(skb, dev) != NETDEV_TX_OK) {
    kfree_skb_reason(skb, SKB_DROP_REASON_TX_RING_FULL);
    return -1;
  }
  return 0;
}

// mode=poll: the device is polled from a kernel thread, like a driver
// without interrupts. When the ring is empty it yields, so the other
// tasks run their timeslices before it looks again.
static void netpoll_thread(void* arg) {
  struct net_device* dev = arg;
  while (dev->up) {
    int work = dev->ndo_poll(dev, dev_weight);
    if (work < dev_weight)
      task_yield();
  }
}

int dev_open(struct net_device* dev) {
  skb_queue_head_init(&backlog_queue);
  netif_napi_add(dev, &backlog_napi, process_backlog, dev_weight);
  open_softirq(NET_RX_SOFTIRQ, net_rx_action);
  // Up before the driver unmasks its interrupts: its handler checks it.
  dev->up = 1;
  int err = dev->ndo_open(dev);
  if (err) {
    dev->up = 0;
    return err;
  }
  if (dev->rx_mode == NET_RX_POLL) {
    netpoll_pid = task_create_kernel("netpoll", netpoll_thread, dev);
    if (netpoll_pid < 0) {
      dev_close(dev);
      return -1;
    }
  }
  return 0;
}

void dev_close(struct net_device* dev) {
  dev->up = 0;
  if (netpoll_pid >= 0) {
    task_wait(netpoll_pid);
    netpoll_pid = -1;
  }
  dev->ndo_stop(dev);
  skb_queue_purge_reason(&backlog_queue, SKB_DROP_REASON_QUEUE_PURGE);
}
