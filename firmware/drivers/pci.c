// PCI configuration mechanism #1 (pci.h).
#include "drivers/pci.h"

#include "lib/io.h"

// CONFIG_DATA's byte n is byte n of the dword CONFIG_ADDRESS selects: a byte
// or word access goes to 0xCFC + (offset & 3).
uint32_t pci_read32(uint8_t device, uint8_t function, uint8_t offset) {
  outl(PCI_CONFIG_ADDRESS, pci_address(device, function, offset));
  return inl(PCI_CONFIG_DATA);
}

uint16_t pci_read16(uint8_t device, uint8_t function, uint8_t offset) {
  outl(PCI_CONFIG_ADDRESS, pci_address(device, function, offset));
  return inw((uint16_t)(PCI_CONFIG_DATA + (offset & 2)));
}

uint8_t pci_read8(uint8_t device, uint8_t function, uint8_t offset) {
  outl(PCI_CONFIG_ADDRESS, pci_address(device, function, offset));
  return inb((uint16_t)(PCI_CONFIG_DATA + (offset & 3)));
}

void pci_write32(uint8_t device, uint8_t function, uint8_t offset, uint32_t value) {
  outl(PCI_CONFIG_ADDRESS, pci_address(device, function, offset));
  outl(PCI_CONFIG_DATA, value);
}

void pci_write16(uint8_t device, uint8_t function, uint8_t offset, uint16_t value) {
  outl(PCI_CONFIG_ADDRESS, pci_address(device, function, offset));
  outw((uint16_t)(PCI_CONFIG_DATA + (offset & 2)), value);
}

void pci_write8(uint8_t device, uint8_t function, uint8_t offset, uint8_t value) {
  outl(PCI_CONFIG_ADDRESS, pci_address(device, function, offset));
  outb((uint16_t)(PCI_CONFIG_DATA + (offset & 3)), value);
}

static int read_dev(uint8_t device, uint8_t function, struct pci_dev* d) {
  uint32_t id = pci_read32(device, function, PCI_VENDOR_ID);
  if ((id & 0xFFFF) == 0xFFFF) return 0;  // master abort: nothing there
  d->device = device;
  d->function = function;
  d->vendor_id = (uint16_t)id;
  d->device_id = (uint16_t)(id >> 16);
  d->class_code = pci_read32(device, function, PCI_REVISION_ID) >> 8;
  return 1;
}

int pci_enumerate(void (*fn)(const struct pci_dev* dev, void* arg), void* arg) {
  int found = 0;
  for (uint8_t device = 0; device < PCI_DEVICES; device++) {
    struct pci_dev d;
    if (!read_dev(device, 0, &d)) continue;
    int functions = (pci_read8(device, 0, PCI_HEADER_TYPE) & PCI_HEADER_MULTI_FUNCTION) ? PCI_FUNCTIONS : 1;
    for (uint8_t f = 0; f < functions; f++) {
      if (f && !read_dev(device, f, &d)) continue;
      found++;
      if (fn) fn(&d, arg);
    }
  }
  return found;
}

struct find_arg {
  uint32_t class_code, class_mask;
  uint16_t vendor_id, device_id;
  int by_class, done;
  struct pci_dev* out;
};

static void find_one(const struct pci_dev* d, void* arg) {
  struct find_arg* a = arg;
  if (a->done) return;
  int hit = a->by_class ? (d->class_code & a->class_mask) == a->class_code
                        : d->vendor_id == a->vendor_id && d->device_id == a->device_id;
  if (hit) {
    *a->out = *d;
    a->done = 1;
  }
}

int pci_find_class(uint32_t class_code, int match_prog_if, struct pci_dev* out) {
  struct find_arg a = {0};
  a.class_mask = match_prog_if ? 0xFFFFFFu : 0xFFFF00u;
  a.class_code = class_code & a.class_mask;
  a.by_class = 1;
  a.out = out;
  pci_enumerate(find_one, &a);
  return a.done ? 0 : -1;
}

int pci_find_device(uint16_t vendor_id, uint16_t device_id, struct pci_dev* out) {
  struct find_arg a = {0};
  a.vendor_id = vendor_id;
  a.device_id = device_id;
  a.out = out;
  pci_enumerate(find_one, &a);
  return a.done ? 0 : -1;
}

uint32_t pci_bar_base(const struct pci_dev* dev, int bar, int* is_io) {
  uint32_t v = pci_read32(dev->device, dev->function, (uint8_t)(PCI_BAR0 + 4 * bar));
  int io = v & PCI_BAR_IO;
  if (is_io) *is_io = io;
  return v & (io ? PCI_BAR_IO_MASK : PCI_BAR_MEM_MASK);
}

uint32_t pci_bar_size(const struct pci_dev* dev, int bar) {
  uint8_t off = (uint8_t)(PCI_BAR0 + 4 * bar);
  uint16_t cmd = pci_read16(dev->device, dev->function, PCI_COMMAND);
  uint32_t old = pci_read32(dev->device, dev->function, off);
  // Decoding off while the BAR holds the sizing pattern.
  pci_write16(dev->device, dev->function, PCI_COMMAND, (uint16_t)(cmd & ~(PCI_COMMAND_IO | PCI_COMMAND_MEMORY)));
  pci_write32(dev->device, dev->function, off, 0xFFFFFFFFu);
  uint32_t mask = pci_read32(dev->device, dev->function, off);
  pci_write32(dev->device, dev->function, off, old);
  pci_write16(dev->device, dev->function, PCI_COMMAND, cmd);
  if (!mask) return 0;
  mask &= (mask & PCI_BAR_IO) ? PCI_BAR_IO_MASK : PCI_BAR_MEM_MASK;
  if ((old & PCI_BAR_IO) && !(mask & 0xFFFF0000u)) mask |= 0xFFFF0000u;  // 16-bit I/O decoders
  return ~mask + 1;
}

uint8_t pci_interrupt_line(const struct pci_dev* dev) {
  return pci_read8(dev->device, dev->function, PCI_INTERRUPT_LINE);
}

uint8_t pci_interrupt_pin(const struct pci_dev* dev) {
  return pci_read8(dev->device, dev->function, PCI_INTERRUPT_PIN);
}

uint8_t pci_find_capability(const struct pci_dev* dev, uint8_t cap_id) {
  if (!(pci_read16(dev->device, dev->function, PCI_STATUS) & PCI_STATUS_CAP_LIST)) return 0;
  uint8_t pos = pci_read8(dev->device, dev->function, PCI_CAP_PTR) & 0xFC;
  // At most 48 capabilities fit in the 192 bytes above the header: a
  // bound against a looping list.
  for (int n = 0; pos >= 0x40 && n < 48; n++) {
    if (pci_read8(dev->device, dev->function, pos) == cap_id) return pos;
    pos = pci_read8(dev->device, dev->function, (uint8_t)(pos + 1)) & 0xFC;
  }
  return 0;
}

void pci_enable(const struct pci_dev* dev, uint16_t command_bits) {
  uint16_t cmd = pci_read16(dev->device, dev->function, PCI_COMMAND);
  pci_write16(dev->device, dev->function, PCI_COMMAND, (uint16_t)(cmd | command_bits));
}
