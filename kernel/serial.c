/*
 * COM1 16550 UART console.  Many modern PCs have no COM1: the probe checks
 * the scratch register and a loopback round trip before the port is used,
 * and a missing port just leaves the console disabled (no hang, no
 * writes to nothing).
 */
#include <asm/processor.h>
#include <kernel/console.h>

#define COM1		0x3f8
#define UART_THR	0	/* transmit holding (DLAB=0) */
#define UART_RBR	0	/* receive buffer (DLAB=0) */
#define UART_DLL	0	/* divisor low (DLAB=1) */
#define UART_IER	1
#define UART_DLM	1	/* divisor high (DLAB=1) */
#define UART_FCR	2
#define UART_LCR	3
#define UART_MCR	4
#define UART_LSR	5
#define UART_SCR	7

#define LCR_8N1		0x03
#define LCR_DLAB	0x80
#define MCR_DTR_RTS_OUT2 0x0b
#define MCR_LOOP	0x10
#define LSR_THRE	0x20
#define LSR_DR		0x01
#define FCR_ENABLE_CLEAR 0x07

#define BAUD_DIVISOR	1	/* 115200 */
#define TX_SPIN_LIMIT	100000

static bool serial_probe(void)
{
	outb(COM1 + UART_SCR, 0x5a);
	if (inb(COM1 + UART_SCR) != 0x5a)
		return false;
	outb(COM1 + UART_IER, 0);
	outb(COM1 + UART_LCR, LCR_DLAB);
	outb(COM1 + UART_DLL, BAUD_DIVISOR & 0xff);
	outb(COM1 + UART_DLM, BAUD_DIVISOR >> 8);
	outb(COM1 + UART_LCR, LCR_8N1);
	outb(COM1 + UART_FCR, FCR_ENABLE_CLEAR);
	/* Loopback: a byte sent must come back. */
	outb(COM1 + UART_MCR, MCR_LOOP | MCR_DTR_RTS_OUT2);
	outb(COM1 + UART_THR, 0xae);
	for (int i = 0; i < TX_SPIN_LIMIT && !(inb(COM1 + UART_LSR) & LSR_DR); i++)
		cpu_relax();
	if (inb(COM1 + UART_RBR) != 0xae)
		return false;
	outb(COM1 + UART_MCR, MCR_DTR_RTS_OUT2);
	return true;
}

static void serial_putc(char c)
{
	/* Bounded wait: a wedged UART must not hang the run. */
	for (int i = 0; i < TX_SPIN_LIMIT && !(inb(COM1 + UART_LSR) & LSR_THRE); i++)
		cpu_relax();
	outb(COM1 + UART_THR, c);
}

static void serial_write(const char *s, size_t n)
{
	while (n--) {
		if (*s == '\n')
			serial_putc('\r');
		serial_putc(*s++);
	}
}

struct console serial_console = {
	.name = "serial",
	.mask = CONSOLE_SERIAL,
	.probe = serial_probe,
	.write = serial_write,
};
