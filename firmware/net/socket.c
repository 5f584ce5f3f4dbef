// UDP sockets and their system calls (socket.h).
#include "net/socket.h"

#include "kernel/syscall.h"
#include "kernel/x86.h"
#include "lib/string.h"
#include "lib/trace.h"
#include "net/netdevice.h"
#include "net/inet.h"

uint32_t sock_rcvbuf_default = 65536;
struct sock_stat sock_stat;
static struct sock socks[NR_SOCKETS];

// Ring 3 shares the flat address space; a buffer must at least not wrap
// around or sit in the first page (as kernel/syscall.c checks).
static int user_range_ok(uint32_t addr, uint32_t len) {
  return addr + len >= addr && addr >= 0x1000;
}

struct sock* udp_sock_lookup(uint16_t port) {
  for (int i = 0; i < NR_SOCKETS; i++)
    if (socks[i].used && socks[i].port == port)
      return &socks[i];
  return 0;
}

int sock_count(void) {
  int n = 0;
  for (int i = 0; i < NR_SOCKETS; i++)
    n += socks[i].used;
  return n;
}

void sock_queue_rcv_skb(struct sock* sk, struct sk_buff* skb) {
  uint32_t flags = irq_save();
  if (sk->rmem_alloc + skb->truesize > sk->rcvbuf) {
    irq_restore(flags);
    kfree_skb_reason(skb, SKB_DROP_REASON_SOCKET_RCVBUFF);
    return;
  }
  sk->rmem_alloc += skb->truesize;
  skb_queue_tail(&sk->receive_queue, skb);
  net_mark(TRACE_SOCK_ENQUEUE, sk->port);
  if (sk->wq.head) {
    net_mark(TRACE_SOCK_WAKE, sk->port);
    wake_up(&sk->wq);
  }
  irq_restore(flags);
}

// Sleeps until a datagram is queued, then takes it off the queue.
static struct sk_buff* skb_recv_datagram(struct sock* sk) {
  uint32_t flags = irq_save();
  struct sk_buff* skb;
  while (!(skb = skb_dequeue(&sk->receive_queue)))
    sleep_on(&sk->wq, 0);
  sk->rmem_alloc -= skb->truesize;
  sock_stat.delivered++;
  irq_restore(flags);
  return skb;
}

// Two readers may count at once.
static void stat_add(uint32_t* counter, uint32_t n) {
  uint32_t flags = irq_save();
  *counter += n;
  irq_restore(flags);
}

static void fill_sockaddr(struct sockaddr_in* sin, const struct sk_buff* skb) {
  sin->sin_family = AF_INET;
  sin->sin_port = UDP_SKB_CB(skb)->source;
  sin->sin_addr = UDP_SKB_CB(skb)->saddr;
}

static struct sock* sock_from_fd(uint32_t fd) {
  return fd < NR_SOCKETS && socks[fd].used ? &socks[fd] : 0;
}

static int sys_socket(struct trapframe* tf) {
  uint16_t port = (uint16_t)tf->ebx;
  if (!port || tf->ebx > 0xFFFF)
    return -EINVAL;
  uint32_t flags = irq_save();
  int fd = -EMFILE;
  if (udp_sock_lookup(port)) {
    fd = -EADDRINUSE;
  } else {
    for (int i = 0; i < NR_SOCKETS; i++) {
      if (!socks[i].used) {
        struct sock* sk = &socks[i];
        *sk = (struct sock){0};
        sk->used = 1;
        sk->port = port;
        sk->rcvbuf = sock_rcvbuf_default;
        skb_queue_head_init(&sk->receive_queue);
        skb_queue_head_init(&sk->zc_lent);
        fd = i;
        break;
      }
    }
  }
  irq_restore(flags);
  return fd;
}

static int sys_recvfrom(struct trapframe* tf) {
  struct sock* sk = sock_from_fd(tf->ebx);
  uint8_t* buf = (uint8_t*)tf->ecx;
  uint32_t len = tf->edx;
  struct sockaddr_in* from = (struct sockaddr_in*)tf->esi;
  if (!sk)
    return -EBADF;
  if (!user_range_ok((uint32_t)buf, len) || (from && !user_range_ok((uint32_t)from, sizeof *from)))
    return -EFAULT;
  struct sk_buff* skb = skb_recv_datagram(sk);
  uint32_t n = skb->len < len ? skb->len : len;  // the rest is lost, as with UDP
  net_mark(TRACE_COPY_TO_USER_ENTER, n);
  memcpy(buf, skb->data, n);
  net_mark(TRACE_COPY_TO_USER_EXIT, n);
  stat_add(&sock_stat.copied_bytes, n);
  if (from)
    fill_sockaddr(from, skb);
  consume_skb(skb);
  return (int)n;
}

static int sys_recv_zc(struct trapframe* tf) {
  struct sock* sk = sock_from_fd(tf->ebx);
  struct zc_msg* msg = (struct zc_msg*)tf->ecx;
  if (!sk)
    return -EBADF;
  if (!user_range_ok((uint32_t)msg, sizeof *msg))
    return -EFAULT;
  struct sk_buff* skb = skb_recv_datagram(sk);
  // The task now holds the buffer until SYS_recv_done.
  uint32_t flags = irq_save();
  skb_queue_tail(&sk->zc_lent, skb);
  irq_restore(flags);
  stat_add(&sock_stat.zc_bytes, skb->len);
  msg->data = skb->data;
  msg->len = skb->len;
  msg->handle = (uint32_t)skb;
  fill_sockaddr(&msg->from, skb);
  return (int)skb->len;
}

static int sys_recv_done(struct trapframe* tf) {
  struct sk_buff* skb = (struct sk_buff*)tf->ebx;
  // Only a buffer a socket lent out may come back.
  uint32_t flags = irq_save();
  int lent = 0;
  for (int i = 0; i < NR_SOCKETS && !lent; i++)
    lent = socks[i].used && skb_unlink(&socks[i].zc_lent, skb);
  irq_restore(flags);
  if (!lent)
    return -EINVAL;
  consume_skb(skb);
  return 0;
}

static int sys_sendto(struct trapframe* tf) {
  struct sock* sk = sock_from_fd(tf->ebx);
  const uint8_t* buf = (const uint8_t*)tf->ecx;
  uint32_t len = tf->edx;
  const struct sockaddr_in* to = (const struct sockaddr_in*)tf->esi;
  if (!sk)
    return -EBADF;
  if (!user_range_ok((uint32_t)buf, len) || !to || !user_range_ok((uint32_t)to, sizeof *to))
    return -EFAULT;
  if (to->sin_family != AF_INET)
    return -EINVAL;
  int ret = udp_sendmsg(sk->port, to->sin_addr, ntohs(to->sin_port), buf, len);
  if (ret >= 0)
    stat_add(&sock_stat.sent, 1);
  return ret;
}

void net_syscalls_init(void) {
  syscall_register(SYS_socket, sys_socket);
  syscall_register(SYS_recvfrom, sys_recvfrom);
  syscall_register(SYS_sendto, sys_sendto);
  syscall_register(SYS_recv_zc, sys_recv_zc);
  syscall_register(SYS_recv_done, sys_recv_done);
}

void sock_purge_all(void) {
  for (int i = 0; i < NR_SOCKETS; i++) {
    if (!socks[i].used)
      continue;
    skb_queue_purge_reason(&socks[i].receive_queue, SKB_DROP_REASON_QUEUE_PURGE);
    socks[i].rmem_alloc = 0;
  }
}
