// pci: enumerates bus 0 through configuration mechanism #1 and checks the
// mechanism's behaviour (docs/pci.md, "The pci scenario").
//
// Prints one "pci: B:D.F vendor:device class ..." line per function, its
// BARs (base and size by sizing) and its interrupt pin/line; then checks
// what every PC chipset does: CONFIG_ADDRESS reads back (reserved bits 0),
// an absent function reads all ones, CONFIG_DATA byte and word accesses
// reach the addressed bytes, a misaligned dword at 0xCFD is split into bus
// cycles (minipc, as a Pentium does) or dropped (QEMU), CONFIG_DATA reads all
// ones while the
// enable bit is clear, read-only registers ignore writes, and the host
// bridge, the PIIX3 ISA bridge and its IDE function are where a PC has them.
// Lines starting "pci: check" and the function lines of those three are the
// same on minipc and on qemu-system-i386 (testbench/qemu/expected/pci.txt);
// "pci: info" lines differ (devices, addresses the BIOS chose).
#include <stdint.h>

#include "drivers/pci.h"
#include "lib/console.h"
#include "lib/io.h"
#include "lib/printf.h"

static int failures;

static void check(int ok, const char* what) {
  printf("pci: check %s %s\n", what, ok ? "ok" : "FAIL");
  if (!ok) failures++;
}

static void show(const struct pci_dev* d, void* arg) {
  (void)arg;
  printf("pci: info 00:%02x.%x %04x:%04x class %06x\n", d->device, d->function, d->vendor_id, d->device_id,
         d->class_code);
  for (int bar = 0; bar < 6; bar++) {
    uint32_t size = pci_bar_size(d, bar);
    if (!size) continue;
    int io;
    uint32_t base = pci_bar_base(d, bar, &io);
    printf("pci: info 00:%02x.%x BAR%d %s 0x%08x size %u\n", d->device, d->function, bar, io ? "io" : "mem", base,
           size);
  }
  uint8_t pin = pci_interrupt_pin(d);
  if (pin) printf("pci: info 00:%02x.%x INT%c line %u\n", d->device, d->function, 'A' + pin - 1, pci_interrupt_line(d));
}

// The function lines both PCs print: the chipset's three functions.
static void expect_function(uint8_t device, uint8_t function, uint16_t vendor, uint16_t dev, uint32_t class_code) {
  uint32_t id = pci_read32(device, function, PCI_VENDOR_ID);
  uint32_t cls = pci_read32(device, function, PCI_REVISION_ID) >> 8;
  printf("pci: 00:%02x.%x %04x:%04x class %06x\n", device, function, id & 0xFFFF, id >> 16, cls);
  if ((id & 0xFFFF) != vendor || id >> 16 != dev || cls != class_code) failures++;
}

int main(void) {
  console_init();
  printf("pci: configuration mechanism #1 on bus 0\n");
  int n = pci_enumerate(show, 0);
  printf("pci: info %d functions\n", n);

  expect_function(0, 0, 0x8086, 0x1237, 0x060000);  // i440FX host bridge
  expect_function(1, 0, 0x8086, 0x7000, 0x060100);  // PIIX3 PCI-to-ISA bridge
  expect_function(1, 1, 0x8086, 0x7010, 0x010180);  // PIIX3 IDE, bus master, legacy mode
  check((pci_read8(1, 0, PCI_HEADER_TYPE) & PCI_HEADER_MULTI_FUNCTION) != 0, "PIIX3 is multi-function");

  // The IDE function: BAR4 is 16 bytes of I/O, decoded.
  struct pci_dev ide;
  int found = pci_find_class(0x010100, 0, &ide) == 0 && ide.device == 1 && ide.function == 1;
  check(found, "find IDE by class 01 01 at 00:01.1");
  struct pci_dev by_id;
  check(pci_find_device(0x8086, 0x7010, &by_id) == 0 && by_id.device == 1 && by_id.function == 1,
        "find 8086:7010 by vendor:device");
  int io = 0;
  uint32_t bmiba = found ? pci_bar_base(&ide, 4, &io) : 0;
  check(found && io && bmiba != 0 && (bmiba & 0xF) == 0, "IDE BAR4 is an assigned I/O BAR");
  check(found && pci_bar_size(&ide, 4) == 16, "IDE BAR4 sizes to 16 bytes");
  check(found && pci_bar_base(&ide, 4, 0) == bmiba, "IDE BAR4 restored after sizing");
  check(found && (pci_read16(1, 1, PCI_COMMAND) & PCI_COMMAND_IO), "IDE I/O decoding enabled by the BIOS");
  check(found && inb((uint16_t)(bmiba + 2)) != 0xFF, "IDE BMISTA answers at BAR4 + 2");

  // CONFIG_ADDRESS: a dword register that reads back.
  uint32_t a = pci_address(1, 1, 0x3C);
  outl(PCI_CONFIG_ADDRESS, a);
  check(inl(PCI_CONFIG_ADDRESS) == a, "CONFIG_ADDRESS reads back");
  outl(PCI_CONFIG_ADDRESS, 0);
  check(inl(PCI_CONFIG_ADDRESS) == 0, "CONFIG_ADDRESS reads back 0");

  // Absent functions: master abort, all ones (dword, word, byte).
  check(pci_read32(31, 0, PCI_VENDOR_ID) == PCI_NONE, "absent 00:1f.0 reads ffffffff");
  check(pci_read16(31, 0, PCI_DEVICE_ID) == 0xFFFF, "absent 00:1f.0 word reads ffff");
  check(pci_read8(0, 7, PCI_CLASS_CODE) == 0xFF, "absent 00:00.7 byte reads ff");

  // CONFIG_DATA bytes and words are the addressed bytes of the dword.
  uint32_t id = pci_read32(0, 0, PCI_VENDOR_ID);
  check(pci_read16(0, 0, PCI_VENDOR_ID) == (id & 0xFFFF) && pci_read16(0, 0, PCI_DEVICE_ID) == id >> 16,
        "word reads at 0xCFC and 0xCFE");
  uint32_t cls = pci_read32(0, 0, PCI_REVISION_ID);
  check(pci_read8(0, 0, 0x09) == ((cls >> 8) & 0xFF) && pci_read8(0, 0, 0x0A) == ((cls >> 16) & 0xFF) &&
            pci_read8(0, 0, 0x0B) == cls >> 24,
        "byte reads at 0xCFD-0xCFF");

  // A dword at 0xCFD. A Pentium splits it into a cycle at 0xCFC with bytes
  // 1-3 enabled and a byte cycle at 0xD00 nothing claims: bytes 1-3 of the
  // dword and 0xFF (minipc). QEMU's memory core rejects the unaligned access
  // to its 4-byte CONFIG_DATA region and reads 0. Either way it must not
  // reach another register.
  outl(PCI_CONFIG_ADDRESS, pci_address(0, 0, PCI_VENDOR_ID));
  uint32_t mis = inl(0xCFD);
  printf("pci: info misaligned inl(0xCFD) = 0x%08x (%s)\n", mis,
         mis == ((id >> 8) | 0xFF000000u) ? "split into bus cycles" : mis == 0 ? "dropped" : "?");
  check(mis == ((id >> 8) | 0xFF000000u) || mis == 0, "misaligned dword at 0xCFD split or dropped");
  check(inl(PCI_CONFIG_ADDRESS) == pci_address(0, 0, PCI_VENDOR_ID), "misaligned dword leaves CONFIG_ADDRESS");

  // A byte write to 0xCF8-0xCFB is not CONFIG_ADDRESS.
  outl(PCI_CONFIG_ADDRESS, pci_address(1, 0, 0));
  outb(0xCFB, 0x12);
  check(inl(PCI_CONFIG_ADDRESS) == pci_address(1, 0, 0), "byte write to 0xCFB leaves CONFIG_ADDRESS");

  // Enable bit clear: CONFIG_DATA is not a configuration cycle.
  outl(PCI_CONFIG_ADDRESS, pci_address(0, 0, 0) & ~PCI_CONFIG_ENABLE);
  check(inl(PCI_CONFIG_DATA) == PCI_NONE, "CONFIG_DATA with enable clear reads ffffffff");

  // Read-only and read/write header registers.
  pci_write16(0, 0, PCI_VENDOR_ID, 0x1234);
  check(pci_read16(0, 0, PCI_VENDOR_ID) == 0x8086, "vendor ID is read-only");
  uint8_t line = pci_read8(1, 1, PCI_INTERRUPT_LINE);
  pci_write8(1, 1, PCI_INTERRUPT_LINE, 0x5A);
  check(pci_read8(1, 1, PCI_INTERRUPT_LINE) == 0x5A, "interrupt line is read/write");
  pci_write8(1, 1, PCI_INTERRUPT_LINE, line);
  uint8_t pin = pci_read8(1, 1, PCI_INTERRUPT_PIN);
  pci_write8(1, 1, PCI_INTERRUPT_PIN, (uint8_t)(pin ^ 1));
  check(pci_read8(1, 1, PCI_INTERRUPT_PIN) == pin, "interrupt pin is read-only");

  // PIIX3 PIRQ route control registers: 0x60-0x63 hold an IRQ or 0x80.
  uint32_t pirq = pci_read32(1, 0, 0x60);
  printf("pci: info PIRQRC[A:D] = %02x %02x %02x %02x\n", pirq & 0xFF, (pirq >> 8) & 0xFF, (pirq >> 16) & 0xFF,
         pirq >> 24);

  printf("pci: %s\n", failures ? "FAIL" : "PASS");
  return failures ? 1 : 0;
}
