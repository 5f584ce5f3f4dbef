// Intel 82540EM driver (e1000.h), after the 8254x SDM: initialisation
// (14.3 general configuration, 14.4 receive, 14.5 transmit), legacy
// descriptors, and the receive modes of net/netdevice.h.
#include "drivers/e1000.h"

#include "drivers/lapic.h"
#include "kernel/irq.h"
#include "kernel/kernel.h"
#include "kernel/task.h"
#include "kernel/trap.h"
#include "kernel/x86.h"
#include "lib/io.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "lib/trace.h"
#include "net/netdevice.h"
#include "net/inet.h"

// The causes the driver serves: a frame arrived (RXT0), the ring runs low
// (RXDMT0) or overran (RXO), a transmit buffer came back (TXDW), the link
// changed (LSC).
#define E1000_IMS_ENABLE_MASK \
  (E1000_ICR_RXT0 | E1000_ICR_RXDMT0 | E1000_ICR_RXO | E1000_ICR_TXDW | E1000_ICR_LSC)

#define E1000_PHY_ADDR 1
#define E1000_MSI_VECTOR 0x91  // beside the IOAPIC's line vectors (multiples of 8)

// Descriptor rings: 16-byte aligned bases (8254x SDM 3.2.6, 3.4).
static volatile struct e1000_rx_desc rx_ring[E1000_RX_RING] __attribute__((aligned(16)));
static volatile struct e1000_tx_desc tx_ring[E1000_TX_RING] __attribute__((aligned(16)));
static struct e1000_adapter* msi_adapter;

// ---- register access: MMIO or the I/O window ----------------------------

uint32_t e1000_read(struct e1000_adapter* a, uint32_t reg) {
  if (a->use_io) {
    // IOADDR then IODATA: one register access is two port accesses, so
    // nothing may come between them (an interrupt handler uses the window).
    uint32_t flags = irq_save();
    outl((uint16_t)(a->io + E1000_IOADDR), reg);
    uint32_t v = inl((uint16_t)(a->io + E1000_IODATA));
    irq_restore(flags);
    return v;
  }
  return *(volatile uint32_t*)(a->mmio + reg);
}

void e1000_write(struct e1000_adapter* a, uint32_t reg, uint32_t value) {
  if (a->use_io) {
    uint32_t flags = irq_save();
    outl((uint16_t)(a->io + E1000_IOADDR), reg);
    outl((uint16_t)(a->io + E1000_IODATA), value);
    irq_restore(flags);
    return;
  }
  *(volatile uint32_t*)(a->mmio + reg) = value;
}

// ---- EEPROM, PHY, statistics ---------------------------------------------

// One EEPROM word through EERD (82540EM: START bit 0, DONE bit 4, address
// in 15:8, data in 31:16). -1 when DONE never comes.
static int e1000_read_eeprom(struct e1000_adapter* a, unsigned word) {
  e1000_write(a, E1000_EERD, (uint32_t)word << E1000_EERD_ADDR_SHIFT | E1000_EERD_START);
  for (int i = 0; i < 100000; i++) {
    uint32_t v = e1000_read(a, E1000_EERD);
    if (v & E1000_EERD_DONE)
      return (int)(v >> E1000_EERD_DATA_SHIFT);
  }
  return -1;
}

int e1000_read_phy(struct e1000_adapter* a, unsigned reg) {
  e1000_write(a, E1000_MDIC,
              (uint32_t)reg << E1000_MDIC_REG_SHIFT | E1000_PHY_ADDR << E1000_MDIC_PHY_SHIFT | E1000_MDIC_OP_READ);
  for (int i = 0; i < 100000; i++) {
    uint32_t v = e1000_read(a, E1000_MDIC);
    if (v & E1000_MDIC_READY)
      return (v & E1000_MDIC_ERROR) ? -1 : (int)(v & 0xFFFF);
  }
  return -1;
}

void e1000_update_stats(struct e1000_adapter* a) {
  a->hw.mpc += e1000_read(a, E1000_MPC);
  a->hw.rnbc += e1000_read(a, E1000_RNBC);
  a->hw.gprc += e1000_read(a, E1000_GPRC);
  a->hw.gptc += e1000_read(a, E1000_GPTC);
  a->hw.tpr += e1000_read(a, E1000_TPR);
  a->hw.tpt += e1000_read(a, E1000_TPT);
  a->hw.crcerrs += e1000_read(a, E1000_CRCERRS);
}

// ICR.LSC: the link changed (or the MAC's link setup did). STATUS.LU says
// which way; a change is counted and printed. From the hard IRQ handler, so
// the line may land inside a line a task is printing.
static void e1000_check_link(struct e1000_adapter* a) {
  int up = (e1000_read(a, E1000_STATUS) & E1000_STATUS_LU) != 0;
  if (up == a->link_up)
    return;
  a->link_up = up;
  if (up)
    a->link_ups++;
  else
    a->link_downs++;
  printf("e1000: link %s\n", up ? "up" : "down");
}

// ---- transmit --------------------------------------------------------------

// Gives back the buffers of descriptors the NIC wrote back (DD, asked for
// by RS). Any context: the ring indices are shared with the transmit path.
static int e1000_clean_tx(struct e1000_adapter* a) {
  int n = 0;
  uint32_t flags = irq_save();
  while (a->tx_clean != a->tx_next && (a->tx_ring[a->tx_clean].status & E1000_TXD_STAT_DD)) {
    consume_skb(a->tx_skb[a->tx_clean]);
    a->tx_skb[a->tx_clean] = 0;
    a->tx_clean = (a->tx_clean + 1) % E1000_TX_RING;
    n++;
  }
  a->netdev.stats.tx_completed += (uint32_t)n;
  irq_restore(flags);
  if (n)
    net_mark(TRACE_NET_TX_DONE, (uint32_t)n);
  return n;
}

static int e1000_xmit_frame(struct sk_buff* skb, struct net_device* dev) {
  struct e1000_adapter* a = dev->priv;
  // The 82540EM pads short frames itself with TCTL.PSP, but not every
  // implementation does (QEMU ignores PSP): pad to the minimum here.
  if (skb->len < ETH_ZLEN) {
    uint32_t pad = ETH_ZLEN - skb->len;
    memset(skb_put(skb, pad), 0, pad);
  }
  uint32_t flags = irq_save();
  unsigned next = (a->tx_next + 1) % E1000_TX_RING;
  if (next == a->tx_clean) {
    // Full (one slot stays empty so TDH == TDT means empty): take back
    // what the NIC finished, then look again.
    irq_restore(flags);
    e1000_clean_tx(a);
    flags = irq_save();
    if (next == a->tx_clean) {
      irq_restore(flags);
      return NETDEV_TX_BUSY;
    }
  }
  volatile struct e1000_tx_desc* d = &a->tx_ring[a->tx_next];
  d->buffer_addr = (uint32_t)skb->data;
  d->length = (uint16_t)skb->len;
  d->cso = 0;
  d->css = 0;
  d->special = 0;
  d->status = 0;
  d->cmd = E1000_TXD_CMD_EOP | E1000_TXD_CMD_IFCS | E1000_TXD_CMD_RS;
  a->tx_skb[a->tx_next] = skb;
  a->tx_next = next;
  dev->stats.tx_packets++;
  dev->stats.tx_bytes += skb->len;
  net_mark(TRACE_NET_XMIT, skb->len);
  barrier();  // the descriptor is in memory before the NIC is told
  e1000_write(a, E1000_TDT, next);
  irq_restore(flags);
  return NETDEV_TX_OK;
}

// ---- receive ---------------------------------------------------------------

// Takes up to `budget` received frames off the ring, handing each to
// `deliver` (netif_receive_skb, or netif_rx in mode=classic), and gives
// the refilled descriptors back to the NIC with one RDT write.
static int e1000_clean_rx(struct e1000_adapter* a, int budget, void (*deliver)(struct sk_buff*)) {
  struct net_device* dev = &a->netdev;
  int work = 0;
  int refilled = -1;
  while (work < budget) {
    unsigned i = a->rx_next;
    volatile struct e1000_rx_desc* d = &a->rx_ring[i];
    if (!(d->status & E1000_RXD_STAT_DD))
      break;
    barrier();  // read the rest of the descriptor after DD
    struct sk_buff* skb = a->rx_skb[i];
    uint32_t len = d->length;
    uint8_t status = d->status, errors = d->errors;
    work++;
    dev->stats.rx_packets++;
    dev->stats.rx_bytes += len;
    // A fresh buffer for the ring first: without one the frame is dropped
    // and its buffer goes straight back (the ring never runs dry).
    struct sk_buff* fresh = netdev_alloc_skb(dev, SKB_RX_BUF_LEN);
    if (!fresh) {
      skb_count_drop(SKB_DROP_REASON_NOMEM);
      fresh = skb;
    } else if (errors || !(status & E1000_RXD_STAT_EOP)) {
      // Frames never span buffers here (2048-byte buffers, RCTL.LPE off).
      kfree_skb_reason(skb, SKB_DROP_REASON_RX_ERROR);
    } else if (len < ETH_HLEN) {
      kfree_skb_reason(skb, SKB_DROP_REASON_PKT_TOO_SMALL);
    } else {
      skb_put(skb, len);
      skb->protocol = eth_type_trans(skb, dev);
      deliver(skb);
    }
    a->rx_skb[i] = fresh;
    d->buffer_addr = (uint32_t)fresh->data;
    // The NIC ORs status bits into what is there (QEMU only ever sets
    // DD|EOP|IXSM): every descriptor goes back with status and errors 0.
    d->length = 0;
    d->status = 0;
    d->errors = 0;
    refilled = (int)i;
    a->rx_next = (i + 1) % E1000_RX_RING;
  }
  if (refilled >= 0) {
    barrier();
    // The NIC owns RDH..RDT-1: RDT = the last refilled descriptor gives
    // back the ones before it and keeps one slot empty.
    e1000_write(a, E1000_RDT, (uint32_t)refilled);
  }
  return work;
}

static void e1000_irq_enable(struct e1000_adapter* a) {
  e1000_write(a, E1000_IMS, E1000_IMS_ENABLE_MASK);
}

static void e1000_irq_disable(struct e1000_adapter* a) {
  e1000_write(a, E1000_IMC, 0xFFFFFFFFu);
}

// NAPI poll (mode=napi), from the NET_RX softirq.
static int e1000_napi_poll(struct napi_struct* napi, int budget) {
  struct e1000_adapter* a = napi->dev->priv;
  if (!a->netdev.up) {
    napi_complete_done(napi, 0);
    return 0;
  }
  e1000_clean_tx(a);
  int work = e1000_clean_rx(a, budget, netif_receive_skb);
  if (work < budget) {
    // Ring empty: interrupts back on. A frame that arrived since the last
    // look has set ICR.RXT0 already, so unmasking raises the interrupt.
    napi_complete_done(napi, work);
    e1000_irq_enable(a);
  }
  return work;
}

// mode=poll, from the netpoll thread.
static int e1000_poll_controller(struct net_device* dev, int budget) {
  struct e1000_adapter* a = dev->priv;
  e1000_clean_tx(a);
  return e1000_clean_rx(a, budget, netif_receive_skb);
}

// The hard IRQ handler. Reading ICR clears it and drops the interrupt
// request; 0 means the interrupt on a shared line was someone else's.
static int e1000_intr(int irq, void* arg) {
  (void)irq;
  struct e1000_adapter* a = arg;
  uint32_t icr = e1000_read(a, E1000_ICR);
  if (!icr)
    return IRQ_NONE;
  a->irqs++;
  if (!a->netdev.up) {
    // Going down (dev_close clears up before the driver masks the card):
    // the read has ended the request, a level-triggered line would
    // otherwise interrupt again at once.
    e1000_irq_disable(a);
    return IRQ_HANDLED;
  }
  net_mark(TRACE_NET_IRQ_ENTER, icr);
  if (icr & E1000_ICR_LSC)
    e1000_check_link(a);
  switch (a->netdev.rx_mode) {
    case NET_RX_NAPI:
      // Quiet the card until the poll has emptied the ring.
      e1000_irq_disable(a);
      napi_schedule(&a->netdev.napi);
      break;
    case NET_RX_IRQ:
      // At most one ring's worth per interrupt: frames arriving meanwhile
      // have set ICR again and interrupt once this one is ended.
      e1000_clean_tx(a);
      e1000_clean_rx(a, E1000_RX_RING, netif_receive_skb);
      break;
    case NET_RX_CLASSIC:
      e1000_clean_tx(a);
      e1000_clean_rx(a, E1000_RX_RING, netif_rx);
      break;
    case NET_RX_POLL:
      break;  // never unmasked in this mode
  }
  net_mark(TRACE_NET_IRQ_EXIT, icr);
  return IRQ_HANDLED;
}

// MSI arrives on its own vector, through the local APIC: no line, no
// 8259A; the LAPIC wants its EOI.
static void e1000_msi_interrupt(struct trapframe* tf) {
  (void)tf;
  e1000_intr(-1, msi_adapter);
  lapic_eoi();
}

// Message Address / Data of the MSI capability (PCI 2.2 §6.8.1): fixed
// delivery to this CPU's LAPIC, edge, E1000_MSI_VECTOR.
static void e1000_enable_msi(struct e1000_adapter* a, uint8_t cap) {
  const struct pci_dev* p = &a->pdev;
  uint16_t control = pci_read16(p->device, p->function, (uint8_t)(cap + 2));
  pci_write32(p->device, p->function, (uint8_t)(cap + 4), LAPIC_BASE | lapic_id() << 12);
  uint8_t data = (control & 0x0080) ? cap + 12 : cap + 8;  // 64-bit address capable: data moves up
  if (control & 0x0080)
    pci_write32(p->device, p->function, (uint8_t)(cap + 8), 0);
  pci_write16(p->device, p->function, data, E1000_MSI_VECTOR);
  msi_adapter = a;
  trap_set_handler(E1000_MSI_VECTOR, e1000_msi_interrupt);
  // MSI Enable, one message (Multiple Message Enable 000).
  pci_write16(p->device, p->function, (uint8_t)(cap + 2), (uint16_t)((control & ~0x0070) | 0x0001));
}

// ---- open / stop -------------------------------------------------------------

static void e1000_configure_rx(struct e1000_adapter* a) {
  for (unsigned i = 0; i < E1000_RX_RING; i++) {
    // open() checked the pool has enough for the ring.
    struct sk_buff* skb = netdev_alloc_skb(&a->netdev, SKB_RX_BUF_LEN);
    a->rx_skb[i] = skb;
    a->rx_ring[i].buffer_addr = (uint32_t)skb->data;
    a->rx_ring[i].length = 0;
    a->rx_ring[i].status = 0;
    a->rx_ring[i].errors = 0;
  }
  a->rx_next = 0;
  e1000_write(a, E1000_RDBAL, (uint32_t)a->rx_ring);
  e1000_write(a, E1000_RDBAH, 0);
  e1000_write(a, E1000_RDLEN, E1000_RX_RING * sizeof(struct e1000_rx_desc));
  e1000_write(a, E1000_RDH, 0);
  e1000_write(a, E1000_RDT, E1000_RX_RING - 1);
  // No receive delay: RXT0 as soon as a frame is stored (interrupt
  // moderation is ITR's job, itr=).
  e1000_write(a, E1000_RDTR, 0);
  e1000_write(a, E1000_RADV, 0);
}

// The receiver on: RCTL written once, after everything else (on QEMU every
// RCTL write holds reception off for a second of virtual time; on minipc
// the wire may start sending at RCTL.EN). Broadcasts accepted (ARP),
// 2048-byte buffers, the FCS stripped so lengths are the frame's.
static void e1000_rx_enable(struct e1000_adapter* a) {
  e1000_write(a, E1000_RCTL,
              E1000_RCTL_EN | E1000_RCTL_BAM | E1000_RCTL_SZ_2048 | E1000_RCTL_SECRC | E1000_RCTL_RDMTS_HALF);
}

static void e1000_configure_tx(struct e1000_adapter* a) {
  memset((void*)a->tx_ring, 0, E1000_TX_RING * sizeof(struct e1000_tx_desc));
  a->tx_next = a->tx_clean = 0;
  e1000_write(a, E1000_TDBAL, (uint32_t)a->tx_ring);
  e1000_write(a, E1000_TDBAH, 0);
  e1000_write(a, E1000_TDLEN, E1000_TX_RING * sizeof(struct e1000_tx_desc));
  e1000_write(a, E1000_TDH, 0);
  e1000_write(a, E1000_TDT, 0);
  e1000_write(a, E1000_TIDV, 0);
  e1000_write(a, E1000_TADV, 0);
  e1000_write(a, E1000_TIPG, E1000_TIPG_COPPER);
  e1000_write(a, E1000_TCTL,
              E1000_TCTL_EN | E1000_TCTL_PSP | E1000_COLLISION_THRESHOLD << E1000_TCTL_CT_SHIFT |
                  E1000_COLLISION_DISTANCE_FD << E1000_TCTL_COLD_SHIFT);
}

static int e1000_open(struct net_device* dev) {
  struct e1000_adapter* a = dev->priv;
  if (NR_SKBS - skb_in_use() < E1000_RX_RING) {
    printf("e1000: %u free buffers, the ring needs %u\n", NR_SKBS - skb_in_use(), E1000_RX_RING);
    return -1;
  }
  e1000_configure_tx(a);
  e1000_configure_rx(a);
  e1000_write(a, E1000_ITR, a->itr);
  if (dev->rx_mode != NET_RX_POLL) {
    if (dev->rx_mode == NET_RX_NAPI)
      netif_napi_add(dev, &dev->napi, e1000_napi_poll, dev_weight);
    if (!a->msi && request_irq(a->irq, e1000_intr, a, "e1000") != 0) {
      printf("e1000: no handler slot for IRQ %d\n", a->irq);
      return -1;
    }
    // Old causes cleared before the receiver runs: clearing them after
    // could lose the RXT0 of a frame that had just arrived.
    e1000_read(a, E1000_ICR);
    e1000_irq_enable(a);
  }
  e1000_rx_enable(a);
  return 0;
}

static void e1000_stop(struct net_device* dev) {
  struct e1000_adapter* a = dev->priv;
  e1000_irq_disable(a);
  // Let the transmit ring drain (the NIC may still be sending replies).
  for (int t = 0; t < 100 && a->tx_clean != a->tx_next; t++) {
    if (!e1000_clean_tx(a))
      task_sleep_ticks(1);
  }
  e1000_write(a, E1000_RCTL, 0);
  e1000_write(a, E1000_TCTL, 0);
  e1000_read(a, E1000_ICR);
  for (unsigned i = 0; i < E1000_RX_RING; i++) {
    if (a->rx_skb[i])
      consume_skb(a->rx_skb[i]);
    a->rx_skb[i] = 0;
  }
  for (unsigned i = 0; i < E1000_TX_RING; i++) {
    if (a->tx_skb[i])
      consume_skb(a->tx_skb[i]);
    a->tx_skb[i] = 0;
  }
  e1000_update_stats(a);
}

// ---- probe -------------------------------------------------------------------

int e1000_probe(struct e1000_adapter* a, const struct e1000_config* cfg) {
  memset(a, 0, sizeof *a);
  if (pci_find_device(E1000_VENDOR_ID, E1000_DEV_ID_82540EM, &a->pdev) != 0) {
    printf("e1000: no 8086:100e on bus 0\n");
    return -1;
  }
  int bar0_io = 0, bar1_io = 0;
  a->mmio = pci_bar_base(&a->pdev, 0, &bar0_io);
  uint32_t io = pci_bar_base(&a->pdev, 1, &bar1_io);
  a->io = (uint16_t)io;
  a->irq = pci_interrupt_line(&a->pdev);
  a->use_io = cfg->use_io;
  a->itr = cfg->itr;
  if (bar0_io || !a->mmio || (a->use_io && (!bar1_io || !io))) {
    printf("e1000: BAR0 0x%08x BAR1 0x%08x: %s missing\n", a->mmio, io, a->use_io ? "I/O window" : "MMIO");
    return -1;
  }
  // The BIOS enabled decoding; DMA (descriptors, buffers) needs bus master.
  pci_enable(&a->pdev, PCI_COMMAND_MASTER | (a->use_io ? PCI_COMMAND_IO : PCI_COMMAND_MEMORY));

  // Reset (8254x SDM 14.3): interrupts masked before and after, because
  // the reset does not necessarily clear IMS (QEMU keeps every register).
  e1000_write(a, E1000_IMC, 0xFFFFFFFFu);
  e1000_write(a, E1000_CTRL, e1000_read(a, E1000_CTRL) | E1000_CTRL_RST);
  task_sleep_ticks(5);  // Linux waits 5 ms for the 82540's reset
  e1000_write(a, E1000_IMC, 0xFFFFFFFFu);
  e1000_read(a, E1000_ICR);
  // Link up: SLU lets the MAC take the link the internal PHY negotiated
  // (8254x SDM 14.3); PHY_RST must be clear for the PHY to run.
  uint32_t ctrl = e1000_read(a, E1000_CTRL);
  e1000_write(a, E1000_CTRL, (ctrl | E1000_CTRL_SLU) & ~E1000_CTRL_PHY_RST);
  a->link_up = (e1000_read(a, E1000_STATUS) & E1000_STATUS_LU) != 0;

  for (unsigned w = 0; w < 3; w++) {
    int v = e1000_read_eeprom(a, w);
    if (v < 0) {
      printf("e1000: EEPROM word %u: EERD.DONE never set\n", w);
      return -1;
    }
    a->netdev.dev_addr[2 * w] = (uint8_t)v;
    a->netdev.dev_addr[2 * w + 1] = (uint8_t)(v >> 8);
  }
  const uint8_t* m = a->netdev.dev_addr;
  e1000_write(a, E1000_RAL0, (uint32_t)m[0] | m[1] << 8 | m[2] << 16 | (uint32_t)m[3] << 24);
  e1000_write(a, E1000_RAH0, (uint32_t)m[4] | m[5] << 8 | E1000_RAH_AV);
  for (unsigned i = 0; i < 128; i++)
    e1000_write(a, E1000_MTA + 4 * i, 0);
  // The statistics registers clear on read: start from zero.
  e1000_update_stats(a);
  memset(&a->hw, 0, sizeof a->hw);

  a->msi = 0;
  if (cfg->msi) {
    uint8_t cap = pci_find_capability(&a->pdev, PCI_CAP_ID_MSI);
    if (!cap)
      printf("e1000: msi: 00:%02x.%x has no MSI capability, using INTx\n", a->pdev.device, a->pdev.function);
    else if (kernel_irq_mode != KERNEL_APIC)
      printf("e1000: msi: the kernel runs in 8259A mode (no local APIC), using INTx\n");
    else {
      e1000_enable_msi(a, cap);
      a->msi = 1;
    }
  }

  a->netdev.name = "eth0";
  a->netdev.rx_mode = cfg->mode;
  a->netdev.priv = a;
  a->netdev.ndo_open = e1000_open;
  a->netdev.ndo_stop = e1000_stop;
  a->netdev.ndo_start_xmit = e1000_xmit_frame;
  a->netdev.ndo_poll = e1000_poll_controller;
  a->rx_ring = rx_ring;
  a->tx_ring = tx_ring;
  register_netdev(&a->netdev);
  return 0;
}
