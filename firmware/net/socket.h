// UDP sockets for ring-3 tasks: bounded receive queues, blocking recvfrom
// on a wait queue, sendto, and zero-copy receive (Linux: net/core/sock.c,
// net/core/datagram.c, net/ipv4/udp.c's socket half).
//
// The system calls (int 0x80, numbers from the scenario range 16-31,
// registered by net_syscalls_init):
//
//   SYS_socket   (port)                        -> fd: a UDP socket bound to port
//   SYS_recvfrom (fd, buf, len, sockaddr_in*)  -> bytes copied (the datagram,
//                cut to len); sleeps until a datagram is queued
//   SYS_sendto   (fd, buf, len, sockaddr_in*)  -> len, or a negative error
//   SYS_recv_zc  (fd, zc_msg*)                 -> datagram length; msg->data
//                points at the payload inside the kernel's buffer (the flat
//                address space lets ring 3 read it), msg->handle names it
//   SYS_recv_done (handle)                     -> 0: gives that buffer back
//
// A socket's receive buffer counts each queued buffer's truesize (as Linux
// does); a datagram that would exceed `rcvbuf` bytes is dropped.
#ifndef MINIPC_FW_NET_SOCKET_H
#define MINIPC_FW_NET_SOCKET_H

#include <stdint.h>

#define SYS_socket 16
#define SYS_recvfrom 17
#define SYS_sendto 18
#define SYS_recv_zc 19
#define SYS_recv_done 20

#define AF_INET 2
#define EADDRINUSE 98
#define EMFILE 24
#define EINVAL 22
#define ENOBUFS 105
#define EMSGSIZE 90

struct sockaddr_in {
  uint16_t sin_family;  // AF_INET
  uint16_t sin_port;    // network order
  uint32_t sin_addr;    // network order
};

struct zc_msg {
  const uint8_t* data;  // the payload, in the kernel's buffer
  uint32_t len;
  uint32_t handle;      // for SYS_recv_done
  struct sockaddr_in from;
};

// ---- the kernel's side ----

#include "kernel/task.h"
#include "net/skbuff.h"

#define NR_SOCKETS 8

struct sock {
  int used;
  uint16_t port;                    // host order
  struct sk_buff_head receive_queue;
  struct sk_buff_head zc_lent;      // handed to the task by SYS_recv_zc
  uint32_t rmem_alloc;              // truesize of the queued buffers
  uint32_t rcvbuf;
  struct waitq wq;
};

extern uint32_t sock_rcvbuf_default;  // bytes (cmdline rcvbuf=)

struct sock_stat {
  uint32_t delivered;               // datagrams handed to a reader (copy or zero-copy)
  uint32_t copied_bytes;            // bytes memcpy'd to user buffers
  uint32_t zc_bytes;                // bytes handed over without a copy
  uint32_t sent;                    // datagrams sendto passed down
};
extern struct sock_stat sock_stat;

// The socket bound to a port (host order), or 0.
struct sock* udp_sock_lookup(uint16_t port);
// Queues a datagram (data = payload, cb = sender) and wakes the reader, or
// drops it when the receive buffer is full. Consumes the skb.
void sock_queue_rcv_skb(struct sock* sk, struct sk_buff* skb);
// Registers the system calls.
void net_syscalls_init(void);
// Number of sockets bound.
int sock_count(void);
// Frees what waits in the receive queues (the stack is going down).
void sock_purge_all(void);

#endif  // MINIPC_FW_NET_SOCKET_H
