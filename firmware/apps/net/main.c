// net: the e1000 driver and the stack under a stream of frames
// (docs/net.md).
//
// Brings up the 82540EM in the receive mode the command line asks for,
// starts ring-3 reader tasks (one UDP socket each, ports port..port+ports-1)
// and a ring-3 busy task that only counts loop iterations (the CPU left to
// a user task), then prints "net: ready" (a peer must not send before: on
// QEMU the receiver is held off for a second after RCTL is written).
// Every datagram a reader gets is printed (up to print=N) as
//
//   net: udp 10.0.2.2:40000 -> 5000 len 18 sum 0x1234abcd
//
// (sum: FNV-1a over the payload), and echoed back when its port is echo=.
// ARP requests and ICMP echo requests are answered by the stack. The run
// ends when frames=N frames are accounted for (delivered to a reader,
// answered by the stack, dropped for a counted reason, or missed by the
// NIC: MPC) or after duration_ms= of jiffies; then the device goes down
// and the counters are printed with the checks: every frame taken from
// the ring is accounted for, and every buffer is back in the pool.
//
// For the receive-livelock sweep (docs/experiments/receive_livelock.md):
// busy=0 leaves the busy task out; trace=0 leaves the network markers out;
// window_ms=W (with warmup_ms=U, default 10) measures, from the tick, the
// datagrams the readers finished and the busy task's loops over the W ms
// that start U ms after the device opens; calib_ms=C (default 20) first
// lets the busy task run alone for C ms (its loops per ms with the whole
// CPU), so the window's CPU share left to it is loops / (rate x W). The
// figures go to the stats as fw.net.* (trace port metrics).
//
// disk=1 (the soak's disk traffic, testbench/scenarios/soak.py): a kernel
// task reads 8 sectors by bus-master DMA with IRQ 14 every 10 ms, walking
// the disk, while the network runs; its reads and errors are printed at the
// end and go to the stats (fw.net.disk_reads, fw.net.disk_errors).
#include <stdint.h>

#include "drivers/ata.h"
#include "drivers/e1000.h"
#include "drivers/pci.h"
#include "kernel/check.h"
#include "kernel/kernel.h"
#include "kernel/task.h"
#include "kernel/timer.h"
#include "kernel/user.h"
#include "kernel/x86.h"
#include "lib/cmdline.h"
#include "lib/console.h"
#include "lib/exit.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "lib/trace.h"
#include "net/inet.h"
#include "net/netdevice.h"
#include "net/socket.h"
#include "net/usernet.h"

#define MAX_PORTS 4  // reader tasks: the task table has room for four more

static struct e1000_adapter nic;

// Shared with the ring-3 tasks (one flat address space).
static uint16_t base_port, echo_port;
static uint32_t nports, print_limit;
static int zerocopy;
static volatile uint32_t next_reader;
static volatile uint32_t udp_seen;      // datagrams the readers got
static volatile uint32_t udp_done;      // ... and finished with (printed, echoed, given back)
static volatile uint32_t disk_reads, disk_errors;
static uint8_t disk_buf[8 * 512] __attribute__((aligned(4)));

static void disk_main(void* arg) {
  uint32_t sectors = (uint32_t)(uintptr_t)arg, lba = 0;
  for (;;) {
    if (ata_read_dma(lba, 8, disk_buf) == 0)
      disk_reads++;
    else
      disk_errors++;
    lba = (lba + 8) % (sectors - 8);
    task_sleep_ticks(10 * HZ / 1000 ? 10 * HZ / 1000 : 1);
  }
}

static volatile uint32_t busy_loops;
static volatile int busy_stop;
static uint8_t reader_buf[MAX_PORTS][SKB_RX_BUF_LEN];

// FNV-1a: a payload checksum the host script can compute too.
static uint32_t payload_sum(const uint8_t* p, uint32_t n) {
  uint32_t h = 0x811C9DC5u;
  for (uint32_t i = 0; i < n; i++) {
    h ^= p[i];
    h *= 16777619u;
  }
  return h;
}

static void reader_main(void) {
  uint32_t idx = __atomic_fetch_add(&next_reader, 1, __ATOMIC_SEQ_CST);
  uint16_t port = (uint16_t)(base_port + idx);
  int fd = u_socket(port);
  if (fd < 0) {
    u_printf("net: socket(%u) failed: %d\n", port, fd);
    u_exit(1);
  }
  for (;;) {
    struct sockaddr_in from;
    const uint8_t* data = reader_buf[idx];
    uint32_t handle = 0;
    int n;
    if (zerocopy) {
      struct zc_msg msg;
      n = u_recv_zc(fd, &msg);
      data = msg.data;
      handle = msg.handle;
      from = msg.from;
    } else {
      n = u_recvfrom(fd, reader_buf[idx], sizeof reader_buf[idx], &from);
    }
    if (n < 0) {
      u_printf("net: recv on %u failed: %d\n", port, n);
      u_exit(1);
    }
    uint32_t seq = __atomic_fetch_add(&udp_seen, 1, __ATOMIC_SEQ_CST);
    if (seq < print_limit) {
      uint32_t a = ntohl(from.sin_addr);
      u_printf("net: udp %u.%u.%u.%u:%u -> %u len %d sum 0x%08x\n", a >> 24, (a >> 16) & 0xFF, (a >> 8) & 0xFF,
               a & 0xFF, ntohs(from.sin_port), port, n, payload_sum(data, (uint32_t)n));
    }
    if (port == echo_port)
      u_sendto(fd, data, (uint32_t)n, &from);
    if (zerocopy)
      u_recv_done(handle);
    __atomic_fetch_add(&udp_done, 1, __ATOMIC_SEQ_CST);
  }
}

// The measurement window, taken by the tick (it runs whatever the tasks
// get of the CPU).
static uint32_t win_start, win_end;  // jiffies
static volatile uint32_t win_done[2], win_loops[2], win_rx[2], win_taken;

static void window_tick(void) {
  uint32_t now = jiffies;
  int i = now == win_start ? 0 : now == win_end ? 1 : -1;
  if (i < 0 || (win_taken & (1u << i)))
    return;
  win_done[i] = udp_done;
  win_loops[i] = busy_loops;
  win_rx[i] = nic.netdev.stats.rx_packets;
  win_taken |= 1u << i;
}

static void busy_main(void) {
  while (!busy_stop)
    busy_loops++;
  u_exit(0);
}

// What the stack answered (ARP, ICMP). The stack runs in interrupt and
// softirq context, where a console line could land in the middle of a
// reader's; the events wait here and main prints them.
#define NR_EVENTS 32
static struct {
  const char* what;
  uint32_t addr;
  int seq;
} events[NR_EVENTS];
static volatile uint32_t events_head, events_tail, events_lost;

static void record_event(const char* what, uint32_t addr, int seq) {
  uint32_t flags = irq_save();
  if (events_head - events_tail < NR_EVENTS) {
    uint32_t i = events_head++ % NR_EVENTS;
    events[i].what = what;
    events[i].addr = addr;
    events[i].seq = seq;
  } else {
    events_lost++;
  }
  irq_restore(flags);
}

static void print_events(void) {
  while (events_tail != events_head) {
    uint32_t i = events_tail % NR_EVENTS;
    char ip[16];
    in_ntoa(events[i].addr, ip);
    preempt_count++;  // the whole line before a reader writes its own
    if (events[i].seq >= 0)
      printf("net: %s to %s seq %d\n", events[i].what, ip, events[i].seq);
    else
      printf("net: %s to %s\n", events[i].what, ip);
    preempt_count--;
    events_tail++;
  }
}

static uint32_t rx_drops(void) {
  uint32_t n = 0;
  for (int r = 0; r < SKB_DROP_REASON_RX_MAX; r++)
    n += skb_drops((enum skb_drop_reason)r);
  return n;
}

// Frames whose fate is known: with the NIC's missed packets and the frames
// it dropped for a bad FCS (CRCERRS; the driver leaves RCTL.SBP clear), what
// frames= counts. Datagrams count once their reader is done with them.
// Frames lost on the wire never reach the card: no one here can count them.
static uint32_t frames_accounted(void) {
  e1000_update_stats(&nic);
  return udp_done + net_stack_consumed + rx_drops() + nic.hw.mpc + nic.hw.crcerrs;
}

static const char* const mode_names[] = {"poll", "irq", "napi", "classic"};

int main(void) {
  console_init();
  char buf[16];
  const char* mode_name = cmdline_str("mode", "napi", buf, sizeof buf);
  struct e1000_config cfg = {0};
  int mode_ok = 0;
  for (int m = 0; m < 4; m++) {
    if (strcmp(mode_name, mode_names[m]) == 0) {
      cfg.mode = (enum net_rx_mode)m;
      mode_ok = 1;
    }
  }
  cfg.use_io = cmdline_is("io", "port");
  cfg.msi = cmdline_uint("msi", 0) != 0;
  cfg.itr = cmdline_uint("itr", 0);
  dev_weight = (int)cmdline_uint("weight", (uint32_t)dev_weight);
  netdev_budget = (int)cmdline_uint("budget", (uint32_t)netdev_budget);
  netdev_max_backlog = cmdline_uint("backlog", netdev_max_backlog);
  sock_rcvbuf_default = cmdline_uint("rcvbuf", sock_rcvbuf_default);
  base_port = (uint16_t)cmdline_uint("port", 5000);
  nports = cmdline_uint("ports", 1);
  echo_port = (uint16_t)cmdline_uint("echo", 0);
  print_limit = cmdline_uint("print", 100);
  zerocopy = cmdline_uint("zerocopy", 0) != 0;
  int with_busy = cmdline_uint("busy", 1) != 0;
  net_trace = cmdline_uint("trace", 1) != 0;
  uint32_t window_ms = cmdline_uint("window_ms", 0);
  uint32_t warmup_ms = cmdline_uint("warmup_ms", 10);
  uint32_t calib_ms = with_busy ? cmdline_uint("calib_ms", 20) : 0;
  uint32_t frames = cmdline_uint("frames", 0);
  uint32_t duration_ms = cmdline_uint("duration_ms", frames ? 0 : 10000);
  char ipbuf[16];
  const char* ip_str = cmdline_str("ip", "10.0.2.15", ipbuf, sizeof ipbuf);
  inet_addr_local = in_aton(ip_str);
  if (!mode_ok || !inet_addr_local || nports < 1 || nports > MAX_PORTS || dev_weight < 1) {
    printf("net: bad command line (mode=%s ip=%s ports=%u weight=%d): mode=poll|irq|napi|classic, "
           "ports=1..%d\n", mode_name, ip_str, nports, dev_weight, MAX_PORTS);
    exit_to_host(10);
  }

  // MSI arrives through the local APIC, so it needs the APIC interrupt
  // mode; INTx (a level-triggered PCI line) needs the 8259A mode.
  struct pci_dev probe;
  int apic = cfg.msi && pci_find_device(E1000_VENDOR_ID, E1000_DEV_ID_82540EM, &probe) == 0 &&
             pci_find_capability(&probe, PCI_CAP_ID_MSI) != 0;
  kernel_init(apic ? KERNEL_APIC : KERNEL_PIC);

  char ip[16];
  printf("net: mode %s io %s weight %d budget %d backlog %u rcvbuf %u zerocopy %d\n", mode_names[cfg.mode],
         cfg.use_io ? "port" : "mmio", dev_weight, netdev_budget, netdev_max_backlog, sock_rcvbuf_default,
         zerocopy);
  if (e1000_probe(&nic, &cfg) != 0)
    kernel_exit(11);
  const uint8_t* m = nic.netdev.dev_addr;
  printf("net: e1000 at 00:%02x.%x mac %02x:%02x:%02x:%02x:%02x:%02x ip %s\n", nic.pdev.device, nic.pdev.function,
         m[0], m[1], m[2], m[3], m[4], m[5], in_ntoa(inet_addr_local, ip));
  printf("net: info BAR0 0x%08x BAR1 0x%04x irq %d %s itr %u phy status 0x%04x\n", nic.mmio, nic.io, nic.irq,
         nic.msi ? "msi" : "intx", nic.itr, e1000_read_phy(&nic, 1) & 0xFFFF);
  printf("net: link %s\n", (e1000_read(&nic, E1000_STATUS) & E1000_STATUS_LU) ? "up" : "down");

  // Sockets before the device: a wire that starts sending as soon as
  // RCTL.EN is set (minipc's default) must find the ports bound.
  net_syscalls_init();
  net_event_hook = record_event;
  for (uint32_t i = 0; i < nports; i++)
    task_create_user("reader", reader_main);
  int busy = with_busy ? task_create_user("busy", busy_main) : -1;
  if (cmdline_uint("disk", 0)) {
    uint32_t sectors = 0;
    if (ata_init(ATA_INTERRUPT, ATA_BM_PORT) != 0 || ata_identify((uint16_t*)disk_buf, &sectors) != 0 || sectors < 16) {
      printf("net: disk=1 but no ATA disk answers\n");
      kernel_exit(14);
    }
    task_create_kernel("disk", disk_main, (void*)(uintptr_t)sectors);
  }
  // A woken reader runs before the round robin goes on (kernel/task.h), as
  // Linux's scheduler lets a sleeper preempt a CPU hog; wakeup_preempt=0
  // gives the plain round robin.
  sched_wakeup_preempt = cmdline_uint("wakeup_preempt", 1) != 0;
  // The readers bind their ports first thing; one that failed said why.
  for (uint32_t t = 0; sock_count() < (int)nports; t++) {
    if (t == HZ) {
      printf("net: %d of %u sockets bound after 1 s\n", sock_count(), nports);
      kernel_exit(13);
    }
    task_sleep_ticks(1);
  }
  // The busy task alone (readers blocked, main asleep): its loops per ms.
  uint32_t calib_loops = 0;
  if (calib_ms) {
    uint32_t before = busy_loops;
    task_sleep_ticks(calib_ms * HZ / 1000);
    calib_loops = busy_loops - before;
  }
  // The receive phase starts with the device: on minipc the wire does.
  uint32_t start = uptime_ms();
  if (window_ms) {
    win_start = jiffies + warmup_ms * HZ / 1000;
    win_end = win_start + window_ms * HZ / 1000;
    timer_tick_hook = window_tick;
  }
  if (dev_open(&nic.netdev) != 0) {
    printf("net: dev_open failed\n");
    kernel_exit(12);
  }
  // Frames may already be arriving: the line must not be cut by a reader's.
  preempt_count++;
  printf("net: ready\n");
  preempt_count--;

  int timed_out = 0;
  for (;;) {
    task_sleep_ticks(1);
    print_events();
    // Stop once every counted frame's reader is done with it (the echo is
    // sent), or at the deadline.
    if (frames && frames_accounted() >= frames && udp_done == sock_stat.delivered)
      break;
    if (duration_ms && uptime_ms() - start >= duration_ms) {
      timed_out = frames != 0;
      break;
    }
  }
  uint32_t elapsed = uptime_ms() - start;
  timer_tick_hook = 0;
  busy_stop = 1;
  if (busy >= 0)
    task_wait(busy);
  dev_close(&nic.netdev);
  sock_purge_all();
  print_events();
  if (events_lost)
    printf("net: %u stack events not printed (log full)\n", events_lost);

  const struct net_device_stats* st = &nic.netdev.stats;
  uint32_t dropped = rx_drops();
  printf("net: rx %u delivered %u stack %u dropped %u mpc %u\n", st->rx_packets, sock_stat.delivered,
         net_stack_consumed, dropped, nic.hw.mpc);
  for (int r = 0; r < SKB_DROP_REASON_MAX; r++)
    printf("net: drop %s %u\n", skb_drop_reason_name((enum skb_drop_reason)r), skb_drops((enum skb_drop_reason)r));
  printf("net: tx %u completed %u sent %u\n", st->tx_packets, st->tx_completed, sock_stat.sent);
  printf("net: nic gprc %u gptc %u tpr %u tpt %u mpc %u rnbc %u\n", nic.hw.gprc, nic.hw.gptc, nic.hw.tpr, nic.hw.tpt,
         nic.hw.mpc, nic.hw.rnbc);
  printf("net: info %u ms, irqs %u, processed %u, net_rx runs %u, time_squeeze %u, backlog max %u, "
         "ksoftirqd handovers %u\n",
         elapsed, nic.irqs, softnet_stat.processed, softnet_stat.net_rx_runs, softnet_stat.time_squeeze,
         softnet_stat.backlog_max, softirq_deferred);
  printf("net: info link downs %u ups %u crcerrs %u\n", nic.link_downs, nic.link_ups, nic.hw.crcerrs);
  if (cmdline_uint("disk", 0))
    printf("net: info disk reads %u errors %u\n", disk_reads, disk_errors);
  printf("net: info rx %u bytes, tx %u bytes, copied %u bytes, zero-copy %u bytes, busy task loops %u\n",
         st->rx_bytes, st->tx_bytes, sock_stat.copied_bytes, sock_stat.zc_bytes, busy_loops);

  // For sweeps on minipc (stats JSON "fw.net.*"); ignored on QEMU.
  trace_metric("net.elapsed_ms", elapsed);
  trace_metric("net.disk_reads", disk_reads);
  trace_metric("net.disk_errors", disk_errors);
  trace_metric("net.rx", st->rx_packets);
  trace_metric("net.delivered", sock_stat.delivered);
  trace_metric("net.dropped", dropped);
  trace_metric("net.stack", net_stack_consumed);
  trace_metric("net.skb_in_use", (uint32_t)skb_in_use());
  trace_metric("net.drop_sock_full", skb_drops(SKB_DROP_REASON_SOCKET_RCVBUFF));
  trace_metric("net.drop_no_socket", skb_drops(SKB_DROP_REASON_NO_SOCKET));
  trace_metric("net.drop_backlog_full", skb_drops(SKB_DROP_REASON_BACKLOG_FULL));
  trace_metric("net.mpc", nic.hw.mpc);
  trace_metric("net.crcerrs", nic.hw.crcerrs);
  trace_metric("net.link_downs", nic.link_downs);
  trace_metric("net.link_ups", nic.link_ups);
  trace_metric("net.irqs", nic.irqs);
  trace_metric("net.time_squeeze", softnet_stat.time_squeeze);
  trace_metric("net.copied_bytes", sock_stat.copied_bytes);
  trace_metric("net.busy_loops", busy_loops);
  if (window_ms) {
    // (a tick the run ended before leaves the window unmeasured: no figures)
    if (win_taken == 3) {
      uint32_t done = win_done[1] - win_done[0], loops = win_loops[1] - win_loops[0];
      trace_metric("net.window_ms", window_ms);
      trace_metric("net.window_delivered", done);
      trace_metric("net.window_rx", win_rx[1] - win_rx[0]);
      trace_metric("net.delivered_fps", (uint32_t)((uint64_t)done * 1000 / window_ms));
      trace_metric("net.stack_fps", (uint32_t)((uint64_t)(win_rx[1] - win_rx[0]) * 1000 / window_ms));
      if (calib_loops) {
        uint64_t full = (uint64_t)calib_loops * window_ms / calib_ms;
        trace_metric("net.cpu_left_permille", (uint32_t)((uint64_t)loops * 1000 / full));
      }
      printf("net: window %u ms: delivered %u (%u/s), stack took %u, busy loops %u of %u alone\n", window_ms, done,
             (uint32_t)((uint64_t)done * 1000 / window_ms), win_rx[1] - win_rx[0], loops,
             calib_ms ? (uint32_t)((uint64_t)calib_loops * window_ms / calib_ms) : 0);
    } else {
      printf("net: window %u ms not measured (the run ended first)\n", window_ms);
    }
  }

  if (frames)
    check(1, !timed_out, "net: %u frames accounted for before the deadline", frames);
  check(2, st->rx_packets == sock_stat.delivered + net_stack_consumed + dropped,
        "net: conservation rx %u = delivered %u + stack %u + dropped %u", st->rx_packets, sock_stat.delivered,
        net_stack_consumed, dropped);
  check(3, skb_in_use() == 0, "net: skb pool back to 0 in use");
  check_exit("net");
}
