// Intel 82540EM (8254x family) Gigabit Ethernet controller, PCI 8086:100E
// (Intel PCI/PCI-X Family of Gigabit Ethernet Controllers Software
// Developer's Manual, "8254x SDM" below; docs/net.md).
//
// Registers through BAR0 (128 KiB memory) or, with io=port, the BAR1 I/O
// window (IOADDR at +0 selects a register, IODATA at +4 reads/writes it).
// Legacy receive and transmit descriptors, 2048-byte receive buffers.
// The driver is a net_device (net/netdevice.h): the receive mode decides
// what its interrupt handler does.
#ifndef MINIPC_FW_DRIVERS_E1000_H
#define MINIPC_FW_DRIVERS_E1000_H

#include <stdint.h>

#include "drivers/pci.h"
#include "net/netdevice.h"

#define E1000_VENDOR_ID 0x8086
#define E1000_DEV_ID_82540EM 0x100E

// Register offsets (8254x SDM, table 13-2).
#define E1000_CTRL 0x00000
#define E1000_STATUS 0x00008
#define E1000_EECD 0x00010
#define E1000_EERD 0x00014
#define E1000_MDIC 0x00020
#define E1000_ICR 0x000C0
#define E1000_ITR 0x000C4
#define E1000_ICS 0x000C8
#define E1000_IMS 0x000D0
#define E1000_IMC 0x000D8
#define E1000_RCTL 0x00100
#define E1000_TCTL 0x00400
#define E1000_TIPG 0x00410
#define E1000_RDBAL 0x02800
#define E1000_RDBAH 0x02804
#define E1000_RDLEN 0x02808
#define E1000_RDH 0x02810
#define E1000_RDT 0x02818
#define E1000_RDTR 0x02820
#define E1000_RADV 0x0282C
#define E1000_TDBAL 0x03800
#define E1000_TDBAH 0x03804
#define E1000_TDLEN 0x03808
#define E1000_TDH 0x03810
#define E1000_TDT 0x03818
#define E1000_TIDV 0x03820
#define E1000_TADV 0x0382C
#define E1000_CRCERRS 0x04000  // frames with a CRC error (bad FCS)
#define E1000_MPC 0x04010    // missed packets (no room in the receive FIFO)
#define E1000_GPRC 0x04074   // good packets received
#define E1000_GPTC 0x04080   // good packets transmitted
#define E1000_RNBC 0x040A0   // receive no buffers (no free descriptor)
#define E1000_TPR 0x040D0    // total packets received
#define E1000_TPT 0x040D4    // total packets transmitted
#define E1000_MTA 0x05200    // multicast table, 128 dwords
#define E1000_RAL0 0x05400
#define E1000_RAH0 0x05404

// I/O window (BAR1).
#define E1000_IOADDR 0x00
#define E1000_IODATA 0x04

// CTRL
#define E1000_CTRL_FD 0x00000001u
#define E1000_CTRL_SLU 0x00000040u
#define E1000_CTRL_RST 0x04000000u
#define E1000_CTRL_PHY_RST 0x80000000u
// STATUS
#define E1000_STATUS_FD 0x00000001u
#define E1000_STATUS_LU 0x00000002u
// EERD (82540EM layout)
#define E1000_EERD_START 0x00000001u
#define E1000_EERD_DONE 0x00000010u
#define E1000_EERD_ADDR_SHIFT 8
#define E1000_EERD_DATA_SHIFT 16
// MDIC
#define E1000_MDIC_REG_SHIFT 16
#define E1000_MDIC_PHY_SHIFT 21
#define E1000_MDIC_OP_READ 0x08000000u
#define E1000_MDIC_READY 0x10000000u
#define E1000_MDIC_ERROR 0x40000000u
// Interrupt causes (ICR, ICS, IMS, IMC)
#define E1000_ICR_TXDW 0x00000001u    // transmit descriptor written back
#define E1000_ICR_TXQE 0x00000002u
#define E1000_ICR_LSC 0x00000004u     // link status change
#define E1000_ICR_RXSEQ 0x00000008u
#define E1000_ICR_RXDMT0 0x00000010u  // receive descriptors below threshold
#define E1000_ICR_RXO 0x00000040u     // receiver overrun
#define E1000_ICR_RXT0 0x00000080u    // receiver timer (a frame arrived)
// RCTL
#define E1000_RCTL_EN 0x00000002u
#define E1000_RCTL_SBP 0x00000004u
#define E1000_RCTL_UPE 0x00000008u
#define E1000_RCTL_MPE 0x00000010u
#define E1000_RCTL_LPE 0x00000020u
#define E1000_RCTL_RDMTS_HALF 0x00000000u
#define E1000_RCTL_BAM 0x00008000u
#define E1000_RCTL_SZ_2048 0x00000000u  // BSIZE 00, BSEX 0
#define E1000_RCTL_SECRC 0x04000000u
// TCTL
#define E1000_TCTL_EN 0x00000002u
#define E1000_TCTL_PSP 0x00000008u
#define E1000_TCTL_CT_SHIFT 4
#define E1000_TCTL_COLD_SHIFT 12
#define E1000_COLLISION_THRESHOLD 0x0F
#define E1000_COLLISION_DISTANCE_FD 0x40  // full duplex (8254x SDM 13.4.33)
// TIPG for the 82540EM's copper PHY (8254x SDM 13.4.34): IPGT 10, IPGR1 8, IPGR2 6.
#define E1000_TIPG_COPPER (10u | 8u << 10 | 6u << 20)
// RAH
#define E1000_RAH_AV 0x80000000u

// Legacy receive descriptor (8254x SDM 3.2.3).
struct e1000_rx_desc {
  uint64_t buffer_addr;
  uint16_t length;
  uint16_t csum;
  uint8_t status;
  uint8_t errors;
  uint16_t special;
} __attribute__((packed));
#define E1000_RXD_STAT_DD 0x01
#define E1000_RXD_STAT_EOP 0x02

// Legacy transmit descriptor (8254x SDM 3.3.3).
struct e1000_tx_desc {
  uint64_t buffer_addr;
  uint16_t length;
  uint8_t cso;
  uint8_t cmd;
  uint8_t status;
  uint8_t css;
  uint16_t special;
} __attribute__((packed));
#define E1000_TXD_CMD_EOP 0x01
#define E1000_TXD_CMD_IFCS 0x02
#define E1000_TXD_CMD_RS 0x08
#define E1000_TXD_STAT_DD 0x01

// Ring sizes: RDLEN and TDLEN must be multiples of 128 bytes (8 descriptors).
#define E1000_RX_RING 64
#define E1000_TX_RING 32

// The card's statistics registers clear on read: these accumulate them.
struct e1000_hw_stats {
  uint32_t mpc, rnbc, gprc, gptc, tpr, tpt, crcerrs;
};

struct e1000_adapter {
  struct net_device netdev;
  struct pci_dev pdev;
  uint32_t mmio;                      // BAR0 base
  uint16_t io;                        // BAR1 base
  int use_io;                         // registers through the I/O window
  int irq;
  int msi;                            // MSI in use (else INTx)
  uint32_t itr;                       // ITR value (256 ns units), 0 = off
  volatile struct e1000_rx_desc* rx_ring;
  struct sk_buff* rx_skb[E1000_RX_RING];
  unsigned rx_next;                   // next descriptor to look at
  volatile struct e1000_tx_desc* tx_ring;
  struct sk_buff* tx_skb[E1000_TX_RING];
  unsigned tx_next;                   // next free descriptor (TDT)
  unsigned tx_clean;                  // oldest descriptor not yet given back
  uint32_t irqs;                      // hard IRQs that were ours
  int link_up;                        // STATUS.LU as last seen (at probe, then at each LSC)
  uint32_t link_downs, link_ups;      // changes of STATUS.LU seen on LSC
  struct e1000_hw_stats hw;
};

struct e1000_config {
  enum net_rx_mode mode;
  int use_io;   // io=port
  int msi;      // msi=1: use MSI if the function has it
  uint32_t itr; // itr=N
};

// Finds the first 82540EM on bus 0, enables bus mastering, resets it,
// reads its MAC from the EEPROM and registers it as the net device.
// Returns 0, or -1 (no card, BAR missing) after a console line.
int e1000_probe(struct e1000_adapter* a, const struct e1000_config* cfg);

uint32_t e1000_read(struct e1000_adapter* a, uint32_t reg);
void e1000_write(struct e1000_adapter* a, uint32_t reg, uint32_t value);
// A PHY register through MDIC (PHY address 1); -1 on error.
int e1000_read_phy(struct e1000_adapter* a, unsigned reg);
// Adds the statistics registers into a->hw (they clear on read).
void e1000_update_stats(struct e1000_adapter* a);

#endif  // MINIPC_FW_DRIVERS_E1000_H
