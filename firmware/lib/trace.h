// Trace markers: events the firmware shows the host.
//
// A marker is two port writes: the argument (a dword) to TRACE_ARG_PORT,
// then the event id (a word) to TRACE_EVENT_PORT. The write of the event id
// is what the platform acts on: it turns the pair into a Perfetto event and
// a VCD value. On a PC without the trace device (qemu-system-i386) nothing
// decodes these ports and the writes are ignored, so markers are harmless.
//
// Ids: ENTER/EXIT pairs share the upper bits and differ in bit 0 (even =
// enter, odd = exit), so the host can pair them without a table.
#ifndef MINIPC_FW_LIB_TRACE_H
#define MINIPC_FW_LIB_TRACE_H

#include <stdint.h>

#include "lib/io.h"

#define TRACE_EVENT_PORT 0x4F0  // word: event id
#define TRACE_ARG_PORT 0x4F4    // dword: argument, written first
#define TRACE_NAME_PORT 0x4F8   // byte: appends to the metric name (0 clears)

enum trace_event {
  TRACE_ISR_ENTER = 0x0010,      // arg: vector
  TRACE_ISR_EXIT = 0x0011,       // arg: vector
  TRACE_EXC_ENTER = 0x0012,      // arg: vector (exceptions 0-31)
  TRACE_EXC_EXIT = 0x0013,       // arg: vector
  TRACE_SYSCALL_ENTER = 0x0014,  // arg: system call number
  TRACE_SYSCALL_EXIT = 0x0015,   // arg: system call number
  TRACE_SOFTIRQ_ENTER = 0x0020,  // arg: softirq number
  TRACE_SOFTIRQ_EXIT = 0x0021,   // arg: softirq number
  TRACE_TASKLET_ENTER = 0x0022,  // arg: tasklet address
  TRACE_TASKLET_EXIT = 0x0023,   // arg: tasklet address
  TRACE_WORK_ENTER = 0x0024,     // arg: work item address
  TRACE_WORK_EXIT = 0x0025,      // arg: work item address
  TRACE_TASK_SWITCH = 0x0030,    // arg: pid of the task switched to
  TRACE_TASK_WAKE = 0x0031,      // arg: pid of the task woken
  TRACE_TICK = 0x0032,           // arg: jiffies (low 32 bits)
  TRACE_KBD_SCANCODE = 0x0040,   // arg: scan code read from port 0x60
  TRACE_KBD_KEY = 0x0041,        // arg: decoded ASCII character
  // The network receive path, in the order a frame meets them (docs/net.md).
  TRACE_NET_IRQ_ENTER = 0x0050,  // arg: ICR read by the NIC's hard IRQ handler
  TRACE_NET_IRQ_EXIT = 0x0051,   // arg: ICR
  TRACE_NAPI_POLL_ENTER = 0x0052,  // arg: weight (frames the poll may take)
  TRACE_NAPI_POLL_EXIT = 0x0053,   // arg: frames done
  TRACE_NETIF_RX = 0x0054,       // arg: backlog length after the enqueue (mode=classic)
  TRACE_NETIF_RECEIVE = 0x0055,  // arg: frame length (netif_receive_skb)
  TRACE_IP_RCV = 0x0056,         // arg: IP total length
  TRACE_UDP_RCV = 0x0057,        // arg: destination port
  TRACE_SOCK_ENQUEUE = 0x0058,   // arg: destination port
  TRACE_SOCK_WAKE = 0x0059,      // arg: destination port
  TRACE_COPY_TO_USER_ENTER = 0x005A,  // arg: bytes to copy
  TRACE_COPY_TO_USER_EXIT = 0x005B,   // arg: bytes copied
  TRACE_NET_DROP = 0x005C,       // arg: enum skb_drop_reason (net/skbuff.h)
  TRACE_NET_XMIT = 0x005D,       // arg: frame length handed to the NIC
  TRACE_NET_TX_DONE = 0x005E,    // arg: descriptors the NIC finished
  TRACE_APP = 0x0100,            // arg: scenario-defined; 0x0100-0x01FF for apps
  TRACE_METRIC = 0x0200,         // arg: value of the metric named through TRACE_NAME_PORT
};

// The two writes must not be split by an ISR's own marker (it would replace
// the argument): interrupts are held off between them.
static inline uint32_t trace_irq_save(void) {
  uint32_t flags;
  __asm__ volatile("pushfl; popl %0; cli" : "=r"(flags)::"memory");
  return flags;
}
static inline void trace_irq_restore(uint32_t flags) {
  if (flags & 0x200) __asm__ volatile("sti" ::: "memory");
}

static inline void trace_mark(uint16_t event, uint32_t arg) {
  uint32_t flags = trace_irq_save();
  outl(TRACE_ARG_PORT, arg);
  outw(TRACE_EVENT_PORT, event);
  trace_irq_restore(flags);
}

// Reports a figure to the host: the stats JSON gets "fw.<name>" = value
// (name: a-z, 0-9, '_', '.'). Interrupts are held off for the few port
// writes, because an ISR's trace_mark would overwrite the argument between
// them. Ignored on a PC without the trace device.
static inline void trace_metric(const char* name, uint32_t value) {
  uint32_t flags = trace_irq_save();
  outb(TRACE_NAME_PORT, 0);
  for (const char* p = name; *p; ++p) outb(TRACE_NAME_PORT, (uint8_t)*p);
  outl(TRACE_ARG_PORT, value);
  outw(TRACE_EVENT_PORT, TRACE_METRIC);
  trace_irq_restore(flags);
}

#endif  // MINIPC_FW_LIB_TRACE_H
