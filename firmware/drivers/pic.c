// 8259A PIC pair (Intel 8259A datasheet; PC wiring: slave on master IR2).
//
// Priority is fixed, IR0 highest. Because the slave sits on IR2, the order
// of the PC's lines is 0, 1, 8-15, 3-7. An in-service line blocks its own
// and lower priorities until its EOI (fully nested mode).
#include "drivers/pic.h"

#include "kernel/irq.h"
#include "lib/io.h"

// ICW1
#define ICW1_IC4 0x01     // ICW4 follows
#define ICW1_INIT 0x10    // this is ICW1 (with A0 = 0)
// ICW4
#define ICW4_8086 0x01    // 8086/88 mode: the chip supplies the vector
// OCW2
#define OCW2_SPECIFIC_EOI 0x60  // | level
#define OCW2_NONSPECIFIC_EOI 0x20
// OCW3
#define OCW3 0x08
#define OCW3_READ_IRR 0x02
#define OCW3_READ_ISR 0x03

#define SPURIOUS_LEVEL 7  // a vanished request is reported as IR7 of the chip

static uint16_t imr = 0xFFFF;  // slave << 8 | master; 1 = masked

static void write_imr(void) {
  outb(PIC_MASTER_DATA, imr & 0xFF);
  outb(PIC_SLAVE_DATA, imr >> 8);
}

void pic_init(void) {
  // ICW1: start initialisation, edge triggered, cascade, ICW4 needed.
  outb(PIC_MASTER_CMD, ICW1_INIT | ICW1_IC4);
  outb(PIC_SLAVE_CMD, ICW1_INIT | ICW1_IC4);
  // ICW2: vector base (the low three bits are the line).
  outb(PIC_MASTER_DATA, PIC_VECTOR_BASE);
  outb(PIC_SLAVE_DATA, PIC_VECTOR_BASE + 8);
  // ICW3: master: bit mask of lines with a slave; slave: its cascade id.
  outb(PIC_MASTER_DATA, 1 << PIC_CASCADE_IRQ);
  outb(PIC_SLAVE_DATA, PIC_CASCADE_IRQ);
  // ICW4: 8086 mode, normal EOI, not buffered, not special fully nested.
  outb(PIC_MASTER_DATA, ICW4_8086);
  outb(PIC_SLAVE_DATA, ICW4_8086);
  // OCW1: everything masked but the cascade.
  imr = (uint16_t)~(1u << PIC_CASCADE_IRQ);
  write_imr();
}

void pic_disable(void) {
  imr = 0xFFFF;
  write_imr();
}

void pic_mask(int irq) {
  imr |= (uint16_t)(1u << irq);
  write_imr();
}

void pic_unmask(int irq) {
  imr &= (uint16_t)~(1u << irq);
  write_imr();
}

void pic_eoi(int irq) {
  if (irq >= 8) {
    outb(PIC_SLAVE_CMD, OCW2_SPECIFIC_EOI | (irq - 8));
    outb(PIC_MASTER_CMD, OCW2_SPECIFIC_EOI | PIC_CASCADE_IRQ);
  } else {
    outb(PIC_MASTER_CMD, OCW2_SPECIFIC_EOI | irq);
  }
}

static uint16_t read_reg(uint8_t ocw3) {
  outb(PIC_MASTER_CMD, OCW3 | ocw3);
  outb(PIC_SLAVE_CMD, OCW3 | ocw3);
  return (uint16_t)(inb(PIC_SLAVE_CMD) << 8 | inb(PIC_MASTER_CMD));
}

uint16_t pic_read_isr(void) {
  return read_reg(OCW3_READ_ISR);
}

uint16_t pic_read_irr(void) {
  uint16_t irr = read_reg(OCW3_READ_IRR);
  return irr;
}

uint16_t pic_read_imr(void) {
  return (uint16_t)(inb(PIC_SLAVE_DATA) << 8 | inb(PIC_MASTER_DATA));
}

// A request that goes away before INTA is answered with the chip's IR7
// vector but no ISR bit. Then there is nothing to end on that chip; a
// spurious IRQ 15 still set the master's IR2 in-service bit, which needs
// its EOI.
static int pic_spurious(int irq) {
  if ((irq & 7) != SPURIOUS_LEVEL)
    return 0;
  if (pic_read_isr() & (1u << irq))
    return 0;
  if (irq == 8 + SPURIOUS_LEVEL)
    outb(PIC_MASTER_CMD, OCW2_SPECIFIC_EOI | PIC_CASCADE_IRQ);
  return 1;
}

static int pic_vector(int irq) {
  return irq < 16 ? PIC_VECTOR_BASE + irq : -1;
}

const struct irq_chip pic_chip = {
    .name = "8259A",
    .init = pic_init,
    .shutdown = pic_disable,
    .mask = pic_mask,
    .unmask = pic_unmask,
    .eoi = pic_eoi,
    .spurious = pic_spurious,
    .vector = pic_vector,
};
