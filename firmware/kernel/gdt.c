// GDT and TSS.
//
// The TSS is used for one thing only, as in every x86 kernel that switches
// tasks in software: when an interrupt, exception or INT n arrives in ring
// 3, the CPU loads SS:ESP from TSS.SS0/ESP0 before it pushes the frame.
#include "kernel/gdt.h"

#include "kernel/x86.h"
#include "lib/string.h"

// Access byte bits.
#define SEG_P 0x80        // present
#define SEG_S 0x10        // code/data (not system)
#define SEG_EXEC 0x08     // code
#define SEG_RW 0x02       // readable code / writable data
#define SEG_TSS32 0x09    // 32-bit available TSS (system type)
// Flags nibble.
#define SEG_G 0x8         // limit in 4 KiB pages
#define SEG_DB 0x4        // 32-bit default operand size

struct __attribute__((packed)) segdesc {
  uint16_t limit_lo;
  uint16_t base_lo;
  uint8_t base_mid;
  uint8_t access;
  uint8_t limit_hi_flags;  // limit 19:16 | flags << 4
  uint8_t base_hi;
};

// The 32-bit TSS; only SS0/ESP0 and the I/O map base matter here.
struct __attribute__((packed)) tss {
  uint32_t link;
  uint32_t esp0;
  uint16_t ss0, pad0;
  uint32_t esp1;
  uint16_t ss1, pad1;
  uint32_t esp2;
  uint16_t ss2, pad2;
  uint32_t cr3, eip, eflags, eax, ecx, edx, ebx, esp, ebp, esi, edi;
  uint16_t es, pad3, cs, pad4, ss, pad5, ds, pad6, fs, pad7, gs, pad8, ldt, pad9;
  uint16_t trap;
  uint16_t iomap_base;  // beyond the limit: no I/O bitmap, ring 3 has no ports
};

static struct segdesc gdt[NSEGS];
static struct tss tss;

static struct segdesc make_seg(uint32_t base, uint32_t limit, uint8_t access, uint8_t flags) {
  struct segdesc d;
  d.limit_lo = limit & 0xFFFF;
  d.base_lo = base & 0xFFFF;
  d.base_mid = (base >> 16) & 0xFF;
  d.access = access;
  d.limit_hi_flags = (uint8_t)(((limit >> 16) & 0x0F) | (flags << 4));
  d.base_hi = (base >> 24) & 0xFF;
  return d;
}

void gdt_init(void) {
  // Flat: base 0, limit 0xFFFFF pages = 4 GiB.
  gdt[SEG_NULL] = make_seg(0, 0, 0, 0);
  gdt[SEG_KCODE] = make_seg(0, 0xFFFFF, SEG_P | SEG_S | SEG_EXEC | SEG_RW | (DPL_KERNEL << 5), SEG_G | SEG_DB);
  gdt[SEG_KDATA] = make_seg(0, 0xFFFFF, SEG_P | SEG_S | SEG_RW | (DPL_KERNEL << 5), SEG_G | SEG_DB);
  gdt[SEG_UCODE] = make_seg(0, 0xFFFFF, SEG_P | SEG_S | SEG_EXEC | SEG_RW | (DPL_USER << 5), SEG_G | SEG_DB);
  gdt[SEG_UDATA] = make_seg(0, 0xFFFFF, SEG_P | SEG_S | SEG_RW | (DPL_USER << 5), SEG_G | SEG_DB);

  memset(&tss, 0, sizeof tss);
  tss.ss0 = KERNEL_DS;
  tss.iomap_base = sizeof tss;
  gdt[SEG_TSS] = make_seg((uint32_t)&tss, sizeof tss - 1, SEG_P | SEG_TSS32, 0);

  lgdt(gdt, sizeof gdt);
  // A far jump reloads CS; the data segment registers are reloaded by MOV.
  __asm__ volatile(
      "ljmp %0, $1f\n"
      "1:\n"
      "movw %1, %%ax\n"
      "movw %%ax, %%ds\n"
      "movw %%ax, %%es\n"
      "movw %%ax, %%fs\n"
      "movw %%ax, %%gs\n"
      "movw %%ax, %%ss\n"
      :
      : "i"(KERNEL_CS), "i"(KERNEL_DS)
      : "eax", "memory");
  ltr(TSS_SEL);
}

void tss_set_kernel_stack(uint32_t esp0) {
  tss.esp0 = esp0;
}
