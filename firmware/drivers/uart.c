// 16550A UART (National Semiconductor PC16550D datasheet), polled; COM1 is
// the PC's console (console_init() registers it as a console backend).
#include "drivers/uart.h"

#include "lib/console.h"
#include "lib/io.h"

// Register offsets from the base port. With LCR.DLAB set, offsets 0 and 1
// are the divisor latch instead of the data and interrupt-enable registers.
#define RBR 0  // receiver buffer (read)
#define THR 0  // transmitter holding (write)
#define DLL 0  // divisor latch, low byte (DLAB=1)
#define IER 1  // interrupt enable
#define DLM 1  // divisor latch, high byte (DLAB=1)
#define IIR 2  // interrupt identification (read)
#define FCR 2  // FIFO control (write)
#define LCR 3  // line control
#define MCR 4  // modem control
#define LSR 5  // line status
#define MSR 6  // modem status
#define SCR 7  // scratch

#define LCR_WLS_8  0x03  // 8 data bits; STB=0 (1 stop), PEN=0 (no parity)
#define LCR_DLAB   0x80  // divisor latch access

#define FCR_ENABLE   0x01
#define FCR_RX_RESET 0x02
#define FCR_TX_RESET 0x04

#define MCR_DTR 0x01
#define MCR_RTS 0x02

#define LSR_DR   0x01  // a received byte is waiting in RBR
#define LSR_THRE 0x20  // THR (or the TX FIFO) is empty: room for a byte
#define LSR_TEMT 0x40  // THR and the shift register are both empty

// The divisor divides the 1.8432 MHz crystal / 16.
#define UART_BASE_BAUD 115200

static const uint16_t port = UART_COM1;

void uart_init(uint32_t baud) {
  uint32_t divisor = baud ? UART_BASE_BAUD / baud : 1;
  if (divisor == 0)
    divisor = 1;

  outb(port + IER, 0);  // polled: no interrupts
  outb(port + LCR, LCR_DLAB);
  outb(port + DLL, (uint8_t)divisor);
  outb(port + DLM, (uint8_t)(divisor >> 8));
  outb(port + LCR, LCR_WLS_8);  // clears DLAB too
  outb(port + FCR, FCR_ENABLE | FCR_RX_RESET | FCR_TX_RESET);
  outb(port + MCR, MCR_DTR | MCR_RTS);
}

// Bytes go out as they are: '\n' is sent as '\n', not "\r\n". The host side
// (minipc's console, QEMU's -serial stdio) prints the byte stream unchanged,
// so the console output is the same text the program printed.
void uart_putc(char c) {
  while (!(inb(port + LSR) & LSR_THRE))
    ;
  outb(port + THR, (uint8_t)c);
}

int uart_getc_nonblock(void) {
  if (!(inb(port + LSR) & LSR_DR))
    return -1;
  return inb(port + RBR);
}

// The PC's console: COM1, the port QEMU's -serial stdio shows as well.
static struct console uart_console = {"ttyS0", uart_putc, 0};

void console_init(void) {
  uart_init(115200);
  console_register(&uart_console);
}
