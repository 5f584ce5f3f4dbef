// 16550A UART on COM1, polled, by port I/O.
#ifndef MINIPC_FW_DRIVERS_UART_H
#define MINIPC_FW_DRIVERS_UART_H

#include <stdint.h>

#define UART_COM1 0x3F8

// Programs COM1 for `baud` (a divisor of 115200), 8 data bits, no parity,
// 1 stop bit, FIFOs on, interrupts off.
void uart_init(uint32_t baud);

// Sends one byte once the transmitter can take it.
void uart_putc(char c);

// The next received byte, or -1 if none is waiting.
int uart_getc_nonblock(void);

#endif  // MINIPC_FW_DRIVERS_UART_H
