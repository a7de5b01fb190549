#include "hw/ioapic.h"

#include <string.h>

#define IOREGSEL		0x00
#define IOWIN			0x10
#define IOEOI			0x40
#define REG_ID			0x00
#define REG_VER			0x01
#define REG_ARB			0x02
#define REG_RTE			0x10
#define IOAPIC_VERSION		0x20

/* Redirection entry bits (82093AA, 3.2.4). */
#define RTE_VECTOR		0xffull
#define RTE_DELIVERY_STATUS	(1ull << 12)
#define RTE_REMOTE_IRR		(1ull << 14)
#define RTE_LEVEL		(1ull << 15)
#define RTE_MASKED		(1ull << 16)
#define RTE_REMAPPABLE		(1ull << 48)	/* VT-d 5.1.5.1 */
#define RTE_RO_BITS		(RTE_DELIVERY_STATUS | RTE_REMOTE_IRR)

/* The message a redirection entry makes (compatibility, or VT-d remappable format). */
static void rte_message(uint64_t rte, uint64_t *addr, uint32_t *data)
{
	uint32_t trigger = rte & RTE_LEVEL ? 3u << 14 : 0;

	if (rte & RTE_REMAPPABLE) {
		uint32_t handle = (uint32_t)((rte >> 49) & 0x7fff) | (uint32_t)((rte >> 11) & 1) << 15;

		*addr = 0xfee00000u | (handle & 0x7fff) << 5 | 1u << 4 | (handle >> 15) << 2;
		*data = (uint32_t)(rte & RTE_VECTOR) | trigger;
		return;
	}
	*addr = 0xfee00000u | (uint32_t)((rte >> 56) & 0xff) << 12 | (uint32_t)((rte >> 11) & 1) << 2;
	*data = (uint32_t)(rte & RTE_VECTOR) | (uint32_t)((rte >> 8) & 7) << 8 | trigger;
}

static void deliver(struct ioapic *io, unsigned pin)
{
	uint64_t addr;
	uint32_t data;

	if (io->rte[pin] & RTE_LEVEL)
		io->rte[pin] |= RTE_REMOTE_IRR;
	rte_message(io->rte[pin], &addr, &data);
	io->sink.send(io->sink.opaque, addr, data);
}

/* Edge pins fire on a rising edge; level pins while asserted and not awaiting EOI. */
static void service(struct ioapic *io, unsigned pin, bool rising)
{
	uint64_t rte = io->rte[pin];

	if (!io->line[pin] || (rte & RTE_MASKED))
		return;
	if (rte & RTE_LEVEL) {
		if (!(rte & RTE_REMOTE_IRR))
			deliver(io, pin);
	} else if (rising) {
		deliver(io, pin);
	}
}

static void route(struct ioapic *io, unsigned pin)
{
	uint64_t addr;
	uint32_t data;

	rte_message(io->rte[pin], &addr, &data);
	io->sink.route(io->sink.opaque, pin, addr, data);
}

static uint32_t read_reg(struct ioapic *io)
{
	unsigned r = io->regsel;

	if (r == REG_ID)
		return (uint32_t)io->id << 24;
	if (r == REG_VER)
		return IOAPIC_VERSION | (IOAPIC_PINS - 1) << 16;
	if (r == REG_ARB)
		return (uint32_t)io->id << 24;
	if (r >= REG_RTE && r < REG_RTE + 2 * IOAPIC_PINS)
		return (uint32_t)(io->rte[(r - REG_RTE) / 2] >> (32 * (r & 1)));
	return 0;
}

static void write_rte(struct ioapic *io, unsigned pin, bool high, uint32_t val)
{
	uint64_t rte = io->rte[pin];

	if (high)
		rte = (rte & 0xffffffffull) | (uint64_t)val << 32;
	else
		rte = (rte & ~0xffffffffull & ~RTE_RO_BITS) | (val & ~(uint32_t)RTE_RO_BITS) |
		      (rte & RTE_RO_BITS);
	if (!(rte & RTE_LEVEL))
		rte &= ~RTE_REMOTE_IRR;
	io->rte[pin] = rte;
	route(io, pin);
	service(io, pin, false);
}

static void mmio_read(void *opaque, uint64_t off, void *data, unsigned len)
{
	struct ioapic *io = opaque;
	uint32_t v = 0;

	pthread_mutex_lock(&io->lock);
	if (off == IOREGSEL)
		v = io->regsel;
	else if (off == IOWIN)
		v = read_reg(io);
	pthread_mutex_unlock(&io->lock);
	memcpy(data, &v, len > 4 ? 4 : len);
}

static void eoi_locked(struct ioapic *io, uint8_t vector)
{
	unsigned pin;

	for (pin = 0; pin < IOAPIC_PINS; pin++) {
		uint64_t rte = io->rte[pin];

		if (!(rte & RTE_LEVEL) || !(rte & RTE_REMOTE_IRR) || (rte & RTE_VECTOR) != vector)
			continue;
		io->rte[pin] &= ~RTE_REMOTE_IRR;
		service(io, pin, false);
	}
}

static void mmio_write(void *opaque, uint64_t off, const void *data, unsigned len)
{
	struct ioapic *io = opaque;
	uint32_t v = 0;

	memcpy(&v, data, len > 4 ? 4 : len);
	pthread_mutex_lock(&io->lock);
	if (off == IOREGSEL) {
		io->regsel = v & 0xff;
	} else if (off == IOWIN) {
		unsigned r = io->regsel;

		if (r == REG_ID)
			io->id = (uint8_t)((v >> 24) & 0xf);
		else if (r >= REG_RTE && r < REG_RTE + 2 * IOAPIC_PINS)
			write_rte(io, (r - REG_RTE) / 2, r & 1, v);
	} else if (off == IOEOI) {
		eoi_locked(io, (uint8_t)v);
	}
	pthread_mutex_unlock(&io->lock);
}

static const struct io_dev_ops ioapic_ops = { mmio_read, mmio_write };

void ioapic_init(struct ioapic *io, uint8_t id, const struct ioapic_msi_sink *sink)
{
	unsigned pin;

	memset(io, 0, sizeof(*io));
	pthread_mutex_init(&io->lock, NULL);
	io->id = id;
	io->reset_id = id;
	io->sink = *sink;
	for (pin = 0; pin < IOAPIC_PINS; pin++)
		io->rte[pin] = RTE_MASKED;
}

int ioapic_attach(struct ioapic *io, struct io_bus *mmio, uint64_t addr)
{
	return io_bus_register(mmio, addr, IOAPIC_MMIO_SIZE, &ioapic_ops, io);
}

void ioapic_set_irq(struct ioapic *io, unsigned pin, bool level)
{
	bool rising;

	if (pin >= IOAPIC_PINS)
		return;
	pthread_mutex_lock(&io->lock);
	rising = level && !io->line[pin];
	io->line[pin] = level;
	service(io, pin, rising);
	pthread_mutex_unlock(&io->lock);
}

void ioapic_eoi(struct ioapic *io, uint8_t vector)
{
	pthread_mutex_lock(&io->lock);
	eoi_locked(io, vector);
	pthread_mutex_unlock(&io->lock);
}

void ioapic_refresh_routes(struct ioapic *io)
{
	unsigned pin;

	pthread_mutex_lock(&io->lock);
	for (pin = 0; pin < IOAPIC_PINS; pin++)
		route(io, pin);
	pthread_mutex_unlock(&io->lock);
}

static void ioapic_reset(void *dev)
{
	struct ioapic *io = dev;
	unsigned pin;

	pthread_mutex_lock(&io->lock);
	io->id = io->reset_id;
	io->regsel = 0;
	for (pin = 0; pin < IOAPIC_PINS; pin++) {
		io->rte[pin] = RTE_MASKED;
		route(io, pin);
	}
	pthread_mutex_unlock(&io->lock);
}

static int ioapic_save(void *dev, struct state_writer *w)
{
	struct ioapic *io = dev;
	uint32_t lines = 0;
	unsigned pin;

	pthread_mutex_lock(&io->lock);
	state_put_u8(w, io->id);
	state_put_u8(w, (uint8_t)io->regsel);
	for (pin = 0; pin < IOAPIC_PINS; pin++) {
		state_put_u64(w, io->rte[pin]);
		lines |= (uint32_t)io->line[pin] << pin;
	}
	state_put_u32(w, lines);
	pthread_mutex_unlock(&io->lock);
	return 0;
}

/* Bits the guest cannot set: delivery status (never busy here), remote IRR on an edge pin. */
static bool rte_reachable(uint64_t rte)
{
	return !(rte & RTE_DELIVERY_STATUS) && (!(rte & RTE_REMOTE_IRR) || (rte & RTE_LEVEL));
}

static int ioapic_restore(void *dev, struct state_reader *r, uint32_t version)
{
	struct ioapic *io = dev;
	uint64_t rte[IOAPIC_PINS];
	uint8_t id = state_get_u8(r), regsel = state_get_u8(r);
	uint32_t lines;
	unsigned pin;

	(void)version;
	for (pin = 0; pin < IOAPIC_PINS; pin++) {
		rte[pin] = state_get_u64(r);
		if (!r->failed && !rte_reachable(rte[pin])) {
			state_invalid(r, "IOAPIC pin %u: entry 0x%llx", pin,
				      (unsigned long long)rte[pin]);
			return -1;
		}
	}
	lines = state_get_u32(r);
	if (!r->failed && (id > 0xf || lines >> IOAPIC_PINS))
		state_invalid(r, "IOAPIC id %u, pin levels 0x%x", id, lines);
	if (state_reader_done(r))
		return -1;
	pthread_mutex_lock(&io->lock);
	io->id = id;
	io->regsel = regsel;
	/* The messages are KVM's to watch for EOIs: each route set anew, nothing delivered. */
	for (pin = 0; pin < IOAPIC_PINS; pin++) {
		io->rte[pin] = rte[pin];
		io->line[pin] = lines >> pin & 1;
		route(io, pin);
	}
	pthread_mutex_unlock(&io->lock);
	return 0;
}

const struct device_ops ioapic_device_ops = {
	.kind = "ioapic",
	.state_version = 1,
	.reset = ioapic_reset,
	.save = ioapic_save,
	.restore = ioapic_restore,
};
