// The ring-3 side of the socket calls (socket.h), like kernel/user.h.
#ifndef MINIPC_FW_NET_USERNET_H
#define MINIPC_FW_NET_USERNET_H

#include <stdint.h>

#include "kernel/user.h"
#include "net/socket.h"

static inline int u_socket(uint16_t port) { return syscall4(SYS_socket, port, 0, 0, 0); }
static inline int u_recvfrom(int fd, void* buf, uint32_t len, struct sockaddr_in* from) {
  return syscall4(SYS_recvfrom, (uint32_t)fd, (uint32_t)buf, len, (uint32_t)from);
}
static inline int u_sendto(int fd, const void* buf, uint32_t len, const struct sockaddr_in* to) {
  return syscall4(SYS_sendto, (uint32_t)fd, (uint32_t)buf, len, (uint32_t)to);
}
static inline int u_recv_zc(int fd, struct zc_msg* msg) {
  return syscall4(SYS_recv_zc, (uint32_t)fd, (uint32_t)msg, 0, 0);
}
static inline int u_recv_done(uint32_t handle) { return syscall4(SYS_recv_done, handle, 0, 0, 0); }

#endif  // MINIPC_FW_NET_USERNET_H
