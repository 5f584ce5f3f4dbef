// PCI configuration space through mechanism #1 (docs/pci.md, "Firmware
// driver"): CONFIG_ADDRESS at 0xCF8, CONFIG_DATA at 0xCFC-0xCFF, bus 0.
//
// The BIOS (minipc's platform, or SeaBIOS on QEMU) has assigned the BARs and
// interrupt lines and enabled I/O and memory decoding; a driver finds its
// function by class or by vendor:device, reads its BARs and interrupt line
// here, and sets Bus Master Enable itself before it lets the device DMA.
#ifndef MINIPC_FW_DRIVERS_PCI_H
#define MINIPC_FW_DRIVERS_PCI_H

#include <stdint.h>

#define PCI_CONFIG_ADDRESS 0xCF8
#define PCI_CONFIG_DATA 0xCFC
#define PCI_CONFIG_ENABLE 0x80000000u

// Type-0 header offsets (PCI Local Bus Specification 2.x, §6.1).
#define PCI_VENDOR_ID 0x00
#define PCI_DEVICE_ID 0x02
#define PCI_COMMAND 0x04
#define PCI_STATUS 0x06
#define PCI_REVISION_ID 0x08
#define PCI_CLASS_CODE 0x09  // 3 bytes: prog-if, sub-class, base class
#define PCI_HEADER_TYPE 0x0E
#define PCI_BAR0 0x10
#define PCI_CAP_PTR 0x34
#define PCI_INTERRUPT_LINE 0x3C
#define PCI_INTERRUPT_PIN 0x3D

#define PCI_COMMAND_IO 0x0001
#define PCI_COMMAND_MEMORY 0x0002
#define PCI_COMMAND_MASTER 0x0004
#define PCI_STATUS_CAP_LIST 0x0010
#define PCI_CAP_ID_MSI 0x05
#define PCI_HEADER_MULTI_FUNCTION 0x80
#define PCI_BAR_IO 0x1u
#define PCI_BAR_IO_MASK 0xFFFFFFFCu
#define PCI_BAR_MEM_MASK 0xFFFFFFF0u

#define PCI_DEVICES 32
#define PCI_FUNCTIONS 8
#define PCI_NONE 0xFFFFFFFFu  // what an absent function reads

// A function on bus 0: device 0-31, function 0-7.
struct pci_dev {
  uint8_t device, function;
  uint16_t vendor_id, device_id;
  uint32_t class_code;  // base << 16 | sub << 8 | prog-if
};

// The CONFIG_ADDRESS value for a register of bus 0's device/function.
static inline uint32_t pci_address(uint8_t device, uint8_t function, uint8_t offset) {
  return PCI_CONFIG_ENABLE | (uint32_t)device << 11 | (uint32_t)function << 8 | (offset & 0xFCu);
}

// Configuration reads and writes of 1, 2 or 4 bytes, naturally aligned.
uint32_t pci_read32(uint8_t device, uint8_t function, uint8_t offset);
uint16_t pci_read16(uint8_t device, uint8_t function, uint8_t offset);
uint8_t pci_read8(uint8_t device, uint8_t function, uint8_t offset);
void pci_write32(uint8_t device, uint8_t function, uint8_t offset, uint32_t value);
void pci_write16(uint8_t device, uint8_t function, uint8_t offset, uint16_t value);
void pci_write8(uint8_t device, uint8_t function, uint8_t offset, uint8_t value);

// Calls fn for every function present on bus 0, in device/function order
// (functions 1-7 only of multi-function devices). Returns how many.
int pci_enumerate(void (*fn)(const struct pci_dev* dev, void* arg), void* arg);
// The first function of that class (base << 16 | sub << 8, prog-if ignored
// when match_prog_if is 0) or vendor:device. 0 when found, -1 otherwise.
int pci_find_class(uint32_t class_code, int match_prog_if, struct pci_dev* out);
int pci_find_device(uint16_t vendor_id, uint16_t device_id, struct pci_dev* out);

// BAR n's base address (type bits cleared), whether it is I/O, and its size
// by sizing (write all ones with decoding off, read back, restore). Size 0:
// BAR not implemented.
uint32_t pci_bar_base(const struct pci_dev* dev, int bar, int* is_io);
uint32_t pci_bar_size(const struct pci_dev* dev, int bar);
uint8_t pci_interrupt_line(const struct pci_dev* dev);
uint8_t pci_interrupt_pin(const struct pci_dev* dev);
// The config-space offset of the function's first capability with that ID
// (walking the list from PCI_CAP_PTR), or 0 when it has none.
uint8_t pci_find_capability(const struct pci_dev* dev, uint8_t cap_id);
// Sets bits in the Command register (e.g. PCI_COMMAND_MASTER before DMA).
void pci_enable(const struct pci_dev* dev, uint16_t command_bits);

#endif  // MINIPC_FW_DRIVERS_PCI_H
