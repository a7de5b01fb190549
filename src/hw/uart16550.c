#include "hw/uart16550.h"
#include "acpi/aml.h"
#include "core/io_bus.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

/* Register offsets and bits: PC16550D data sheet, table II. */
#define UART_RBR 0	/* receive buffer (read, DLAB=0) */
#define UART_THR 0	/* transmit holding (write, DLAB=0) */
#define UART_DLL 0	/* divisor latch low (DLAB=1) */
#define UART_IER 1
#define UART_DLM 1
#define UART_IIR 2	/* read */
#define UART_FCR 2	/* write */
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define UART_MSR 6
#define UART_SCR 7

#define IER_RDI		0x01	/* received data available */
#define IER_THRI	0x02	/* transmitter holding register empty */
#define IER_RLSI	0x04	/* receiver line status */
#define IER_MSI		0x08	/* modem status */
#define IER_MASK	0x0f

#define IIR_NO_INT	0x01
#define IIR_MSI		0x00
#define IIR_THRI	0x02
#define IIR_RDI		0x04
#define IIR_RLSI	0x06
#define IIR_FIFO_ON	0xc0

#define FCR_ENABLE	0x01
#define FCR_CLEAR_RX	0x02
#define FCR_CLEAR_TX	0x04

#define LCR_DLAB	0x80

#define MCR_DTR		0x01
#define MCR_RTS		0x02
#define MCR_OUT1	0x04
#define MCR_OUT2	0x08
#define MCR_LOOP	0x10
#define MCR_MASK	0x1f

#define LSR_DR		0x01
#define LSR_OE		0x02
#define LSR_BI		0x10
#define LSR_THRE	0x20
#define LSR_TEMT	0x40
#define LSR_ERRORS	0x1e

#define MSR_DCTS	0x01
#define MSR_DDSR	0x02
#define MSR_TERI	0x04
#define MSR_DDCD	0x08
#define MSR_DELTAS	0x0f
#define MSR_CTS		0x10
#define MSR_DSR		0x20
#define MSR_RI		0x40
#define MSR_DCD		0x80

struct uart16550 {
	pthread_mutex_t lock;
	struct irq_line irq;
	struct uart_sink sink;
	int room_efd;

	uint8_t ier, lcr, mcr, lsr, msr, scr, dll, dlm, fcr;
	bool thri_pending;	/* THR-empty interrupt not yet acknowledged */
	int level;		/* last level driven on the IRQ line */

	uint8_t rx[UART_FIFO_SIZE];
	unsigned rx_head, rx_count;
	uint16_t base;		/* its I/O ports, once attached */
};

static unsigned rx_capacity(const struct uart16550 *u)
{
	return (u->fcr & FCR_ENABLE) ? UART_FIFO_SIZE : 1;
}

static uint8_t compute_iir(const struct uart16550 *u)
{
	uint8_t fifo = (u->fcr & FCR_ENABLE) ? IIR_FIFO_ON : 0;

	if ((u->ier & IER_RLSI) && (u->lsr & LSR_ERRORS))
		return fifo | IIR_RLSI;
	if ((u->ier & IER_RDI) && (u->lsr & LSR_DR))
		return fifo | IIR_RDI;
	if ((u->ier & IER_THRI) && u->thri_pending)
		return fifo | IIR_THRI;
	if ((u->ier & IER_MSI) && (u->msr & MSR_DELTAS))
		return fifo | IIR_MSI;
	return fifo | IIR_NO_INT;
}

static void update_irq(struct uart16550 *u)
{
	int level = !(compute_iir(u) & IIR_NO_INT);

	if (level == u->level)
		return;
	u->level = level;
	irq_line_set(&u->irq, level);
}

static void rx_push(struct uart16550 *u, uint8_t c)
{
	if (u->rx_count >= rx_capacity(u)) {
		u->lsr |= LSR_OE;
		return;
	}
	u->rx[(u->rx_head + u->rx_count) % UART_FIFO_SIZE] = c;
	u->rx_count++;
	u->lsr |= LSR_DR;
}

static uint8_t rx_pop(struct uart16550 *u)
{
	uint8_t c;
	uint64_t one = 1;

	if (!u->rx_count)
		return 0;
	c = u->rx[u->rx_head];
	u->rx_head = (u->rx_head + 1) % UART_FIFO_SIZE;
	u->rx_count--;
	if (!u->rx_count)
		u->lsr &= (uint8_t)~LSR_DR;
	if (u->room_efd >= 0) {
		/* Failure means the counter is already non-zero: the wakeup is pending. */
		ssize_t r = write(u->room_efd, &one, sizeof(one));

		(void)r;
	}
	return c;
}

static void rx_clear(struct uart16550 *u)
{
	u->rx_head = u->rx_count = 0;
	u->lsr &= (uint8_t)~LSR_DR;
}

/* In loopback the modem inputs follow the modem outputs (data sheet, MCR bit 4). */
static uint8_t loopback_msr(uint8_t mcr)
{
	return (uint8_t)(((mcr & MCR_RTS) ? MSR_CTS : 0) | ((mcr & MCR_DTR) ? MSR_DSR : 0) |
			 ((mcr & MCR_OUT1) ? MSR_RI : 0) | ((mcr & MCR_OUT2) ? MSR_DCD : 0));
}

static void write_mcr(struct uart16550 *u, uint8_t val)
{
	uint8_t old_in = u->msr & 0xf0, in, delta;

	u->mcr = val & MCR_MASK;
	in = (u->mcr & MCR_LOOP) ? loopback_msr(u->mcr) : (MSR_DCD | MSR_DSR | MSR_CTS);
	delta = old_in ^ in;
	u->msr = (uint8_t)(in | (u->msr & MSR_DELTAS));
	if (delta & MSR_CTS)
		u->msr |= MSR_DCTS;
	if (delta & MSR_DSR)
		u->msr |= MSR_DDSR;
	if (delta & MSR_DCD)
		u->msr |= MSR_DDCD;
	if ((old_in & MSR_RI) && !(in & MSR_RI))
		u->msr |= MSR_TERI;
}

static void transmit(struct uart16550 *u, uint8_t c)
{
	if (u->mcr & MCR_LOOP)
		rx_push(u, c);
	else if (u->sink.write)
		u->sink.write(u->sink.opaque, &c, 1);
	/* Transmission is instant: THR and the shift register are empty again. */
	u->lsr |= LSR_THRE | LSR_TEMT;
	u->thri_pending = true;
}

static void write_fcr(struct uart16550 *u, uint8_t val)
{
	if ((val ^ u->fcr) & FCR_ENABLE)
		rx_clear(u);	/* changing FIFO mode resets both FIFOs */
	if (val & FCR_CLEAR_RX)
		rx_clear(u);
	u->fcr = val & 0xc9;	/* enable, DMA mode, trigger level */
}

static void reg_write(struct uart16550 *u, unsigned off, uint8_t val)
{
	bool dlab = u->lcr & LCR_DLAB;

	switch (off) {
	case UART_THR:
		if (dlab) {
			u->dll = val;
			break;
		}
		u->thri_pending = false;
		transmit(u, val);
		break;
	case UART_IER:
		if (dlab) {
			u->dlm = val;
			break;
		}
		/* Enabling THRI while THR is empty raises it at once. */
		if (!(u->ier & IER_THRI) && (val & IER_THRI) && (u->lsr & LSR_THRE))
			u->thri_pending = true;
		u->ier = val & IER_MASK;
		break;
	case UART_FCR:
		write_fcr(u, val);
		break;
	case UART_LCR:
		u->lcr = val;
		break;
	case UART_MCR:
		write_mcr(u, val);
		break;
	case UART_SCR:
		u->scr = val;
		break;
	default:	/* LSR and MSR are read-only */
		break;
	}
	update_irq(u);
}

static uint8_t reg_read(struct uart16550 *u, unsigned off)
{
	bool dlab = u->lcr & LCR_DLAB;
	uint8_t v = 0;

	switch (off) {
	case UART_RBR:
		v = dlab ? u->dll : rx_pop(u);
		break;
	case UART_IER:
		v = dlab ? u->dlm : u->ier;
		break;
	case UART_IIR:
		v = compute_iir(u);
		/* Reading IIR acknowledges a THR-empty interrupt it reports. */
		if ((v & 0x0f) == IIR_THRI)
			u->thri_pending = false;
		break;
	case UART_LCR:
		v = u->lcr;
		break;
	case UART_MCR:
		v = u->mcr;
		break;
	case UART_LSR:
		v = u->lsr;
		u->lsr &= (uint8_t)~(LSR_OE | LSR_BI);	/* error bits clear on read */
		break;
	case UART_MSR:
		v = u->msr;
		u->msr &= (uint8_t)~MSR_DELTAS;
		break;
	case UART_SCR:
		v = u->scr;
		break;
	default:
		break;
	}
	update_irq(u);
	return v;
}

uint8_t uart16550_read(struct uart16550 *u, unsigned off)
{
	uint8_t v;

	pthread_mutex_lock(&u->lock);
	v = reg_read(u, off & 7);
	pthread_mutex_unlock(&u->lock);
	return v;
}

void uart16550_write(struct uart16550 *u, unsigned off, uint8_t val)
{
	pthread_mutex_lock(&u->lock);
	reg_write(u, off & 7, val);
	pthread_mutex_unlock(&u->lock);
}

static void pio_read(void *opaque, uint64_t off, void *data, unsigned len)
{
	uint8_t *d = data;
	unsigned i;

	for (i = 0; i < len; i++)
		d[i] = uart16550_read(opaque, (unsigned)off + i);
}

static void pio_write(void *opaque, uint64_t off, const void *data, unsigned len)
{
	const uint8_t *d = data;
	unsigned i;

	for (i = 0; i < len; i++)
		uart16550_write(opaque, (unsigned)off + i, d[i]);
}

static const struct io_dev_ops uart_ops = {
	.read = pio_read,
	.write = pio_write,
};

size_t uart16550_rx_room(struct uart16550 *u)
{
	size_t room;

	pthread_mutex_lock(&u->lock);
	room = (u->mcr & MCR_LOOP) ? 0 : rx_capacity(u) - u->rx_count;
	pthread_mutex_unlock(&u->lock);
	return room;
}

size_t uart16550_receive(struct uart16550 *u, const uint8_t *buf, size_t len)
{
	size_t n = 0;

	pthread_mutex_lock(&u->lock);
	/* In loopback the line is disconnected from the outside. */
	while (!(u->mcr & MCR_LOOP) && n < len && u->rx_count < rx_capacity(u))
		rx_push(u, buf[n++]);
	update_irq(u);
	pthread_mutex_unlock(&u->lock);
	return n;
}

int uart16550_rx_room_fd(struct uart16550 *u)
{
	return u->room_efd;
}

/* The registers at power-on (PC16550D, table IV: master reset), line status idle. */
static void power_on(struct uart16550 *u)
{
	u->ier = u->lcr = u->mcr = u->scr = u->dlm = u->fcr = 0;
	u->lsr = LSR_THRE | LSR_TEMT;
	u->msr = MSR_DCD | MSR_DSR | MSR_CTS;
	u->dll = 0x0c;	/* 9600 baud */
	u->thri_pending = false;
	u->rx_head = u->rx_count = 0;
}

struct uart16550 *uart16550_create(const struct irq_line *irq, const struct uart_sink *sink)
{
	struct uart16550 *u = calloc(1, sizeof(*u));

	if (!u)
		return NULL;
	pthread_mutex_init(&u->lock, NULL);
	u->irq = *irq;
	u->sink = *sink;
	u->room_efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	power_on(u);
	return u;
}

void uart16550_destroy(struct uart16550 *u)
{
	if (!u)
		return;
	if (u->room_efd >= 0)
		close(u->room_efd);
	pthread_mutex_destroy(&u->lock);
	free(u);
}

int uart16550_attach(struct uart16550 *u, struct io_bus *pio, uint16_t base)
{
	u->base = base;
	return io_bus_register(pio, base, UART_NR_PORTS, &uart_ops, u);
}

static void uart_acpi(void *dev, struct aml *a)
{
	struct uart16550 *u = dev;
	const struct aml_io_range io = { u->base, UART_NR_PORTS };

	aml_fixed_device(a, "COM1", "PNP0501", 1, &io, 1, (int)u->irq.gsi);
}

static void uart_reset(void *dev)
{
	struct uart16550 *u = dev;

	pthread_mutex_lock(&u->lock);
	power_on(u);
	update_irq(u);
	pthread_mutex_unlock(&u->lock);
}

/* Version 1: the registers, the pending THRE interrupt, the receive FIFO in order. */
static int uart_save(void *dev, struct state_writer *w)
{
	struct uart16550 *u = dev;
	const uint8_t regs[] = { u->ier, u->lcr, u->mcr, u->lsr, u->msr,
				 u->scr, u->dll, u->dlm, u->fcr };
	unsigned i;

	pthread_mutex_lock(&u->lock);
	state_put(w, regs, sizeof(regs));
	state_put_bool(w, u->thri_pending);
	state_put_u8(w, (uint8_t)u->rx_count);
	for (i = 0; i < u->rx_count; i++)
		state_put_u8(w, u->rx[(u->rx_head + i) % UART_FIFO_SIZE]);
	pthread_mutex_unlock(&u->lock);
	return 0;
}

static int uart_restore(void *dev, struct state_reader *r, uint32_t version)
{
	struct uart16550 *u = dev;
	uint8_t regs[9], rx[UART_FIFO_SIZE];
	unsigned count;
	bool thri;

	(void)version;
	state_get(r, regs, sizeof(regs));
	thri = state_get_bool(r);
	count = state_get_u8(r);
	if (count > UART_FIFO_SIZE)
		state_reject(r);
	else
		state_get(r, rx, count);
	pthread_mutex_lock(&u->lock);
	if (state_reader_done(r) == 0) {
		memcpy(u->rx, rx, count);
		u->ier = regs[0];
		u->lcr = regs[1];
		u->mcr = regs[2];
		u->lsr = regs[3];
		u->msr = regs[4];
		u->scr = regs[5];
		u->dll = regs[6];
		u->dlm = regs[7];
		u->fcr = regs[8];
		u->thri_pending = thri;
		u->rx_head = 0;
		u->rx_count = count;
		update_irq(u);
	}
	pthread_mutex_unlock(&u->lock);
	return state_reader_done(r);
}

static void uart_destroy(void *dev)
{
	uart16550_destroy(dev);
}

const struct device_ops uart16550_device_ops = {
	.kind = "uart16550",
	.state_version = 1,
	.reset = uart_reset,
	.save = uart_save,
	.restore = uart_restore,
	.acpi = uart_acpi,
	.destroy = uart_destroy,
};
