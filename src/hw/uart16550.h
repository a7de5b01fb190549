/* A 16550A UART (National Semiconductor PC16550D data sheet). */
#ifndef VESSEL_HW_UART16550_H
#define VESSEL_HW_UART16550_H

#include "core/device.h"
#include "hw/irq.h"

#include <stddef.h>
#include <stdint.h>

#define COM1_PORT	0x3f8
#define COM1_IRQ	4
#define UART_NR_PORTS	8
#define UART_FIFO_SIZE	16

struct aml;
struct io_bus;
struct uart16550;

/* Where transmitted bytes go. */
struct uart_sink {
	void (*write)(void *opaque, const uint8_t *buf, size_t len);
	void *opaque;
};

struct uart16550 *uart16550_create(const struct irq_line *irq, const struct uart_sink *sink);
void uart16550_destroy(struct uart16550 *u);
int uart16550_attach(struct uart16550 *u, struct io_bus *pio, uint16_t base);

/* Register access, as the guest sees it (@off 0-7). */
uint8_t uart16550_read(struct uart16550 *u, unsigned off);
void uart16550_write(struct uart16550 *u, unsigned off, uint8_t val);

/* Host input: queue up to @len bytes; returns how many fit in the receive FIFO. */
size_t uart16550_receive(struct uart16550 *u, const uint8_t *buf, size_t len);
size_t uart16550_rx_room(struct uart16550 *u);

/* An eventfd that becomes readable when the guest makes room in the receive FIFO. */
int uart16550_rx_room_fd(struct uart16550 *u);

/* Its registry hooks: reset, save/restore, its DSDT entry (COM1, PNP0501), destroy. */
extern const struct device_ops uart16550_device_ops;

#endif
