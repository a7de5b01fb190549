#include "hw/i8042.h"
#include "acpi/aml.h"
#include "core/io_bus.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* Status register bits. */
#define STS_OBF		0x01	/* output buffer full */
#define STS_SYS		0x04	/* system flag: self test passed */
#define STS_CMD		0x08	/* last write was to the command port */
#define STS_UNLOCKED	0x10	/* the keyboard inhibit switch is off */
#define STS_AUX_OBF	0x20

/* Command byte bits. */
#define CB_KBD_INT	0x01
#define CB_SYS		0x04
#define CB_KBD_DISABLE	0x10
#define CB_AUX_DISABLE	0x20
#define CB_XLATE	0x40

/* Controller commands (written to port 0x64). */
#define CMD_READ_CB	0x20
#define CMD_WRITE_CB	0x60
#define CMD_AUX_DISABLE	0xa7
#define CMD_AUX_ENABLE	0xa8
#define CMD_SELF_TEST	0xaa
#define CMD_KBD_TEST	0xab
#define CMD_KBD_DISABLE	0xad
#define CMD_KBD_ENABLE	0xae
#define CMD_READ_OUTP	0xd0
#define CMD_WRITE_OUTP	0xd1
#define CMD_WRITE_KBD_OBUF 0xd2
#define CMD_PULSE_RESET	0xfe

/* Keyboard commands (written to port 0x60). */
#define KBD_SET_LEDS	0xed
#define KBD_ECHO	0xee
#define KBD_SCANCODE	0xf0
#define KBD_IDENTIFY	0xf2
#define KBD_TYPEMATIC	0xf3
#define KBD_RESET	0xff
#define KBD_ACK		0xfa
#define KBD_BAT_OK	0xaa

#define SELF_TEST_OK	0x55
#define OUTP_RESET_BIT	0x01	/* output port bit 0 low holds the CPU in reset */
#define QUEUE_SIZE	16

struct i8042 {
	pthread_mutex_t lock;
	struct irq_line irq;
	void (*reset)(void *opaque);
	void *reset_opaque;

	uint8_t status, cb, outp;
	uint8_t pending_cmd;	/* controller command awaiting its data byte */
	uint8_t kbd_pending;	/* keyboard command awaiting its parameter */
	uint8_t scancode_set;
	uint8_t queue[QUEUE_SIZE];
	unsigned q_head, q_count;
	int level;
};

static void update_irq(struct i8042 *k)
{
	int level = (k->status & STS_OBF) && (k->cb & CB_KBD_INT);

	if (level != k->level) {
		k->level = level;
		irq_line_set(&k->irq, level);
	}
}

static void push(struct i8042 *k, uint8_t b)
{
	if (k->q_count == QUEUE_SIZE)
		return;
	k->queue[(k->q_head + k->q_count) % QUEUE_SIZE] = b;
	k->q_count++;
	k->status |= STS_OBF;
}

static uint8_t pop(struct i8042 *k)
{
	uint8_t b;

	if (!k->q_count)
		return 0;
	b = k->queue[k->q_head];
	k->q_head = (k->q_head + 1) % QUEUE_SIZE;
	if (!--k->q_count)
		k->status &= (uint8_t)~STS_OBF;
	return b;
}

static void do_reset(struct i8042 *k)
{
	if (k->reset)
		k->reset(k->reset_opaque);
}

static void controller_cmd(struct i8042 *k, uint8_t cmd)
{
	switch (cmd) {
	case CMD_READ_CB:
		push(k, k->cb);
		break;
	case CMD_WRITE_CB:
	case CMD_WRITE_OUTP:
	case CMD_WRITE_KBD_OBUF:
		k->pending_cmd = cmd;
		break;
	case CMD_AUX_DISABLE:
		k->cb |= CB_AUX_DISABLE;
		break;
	case CMD_AUX_ENABLE:
		k->cb &= (uint8_t)~CB_AUX_DISABLE;
		break;
	case CMD_SELF_TEST:
		push(k, SELF_TEST_OK);
		break;
	case CMD_KBD_TEST:
		push(k, 0x00);
		break;
	case CMD_KBD_DISABLE:
		k->cb |= CB_KBD_DISABLE;
		break;
	case CMD_KBD_ENABLE:
		k->cb &= (uint8_t)~CB_KBD_DISABLE;
		break;
	case CMD_READ_OUTP:
		push(k, k->outp);
		break;
	default:
		/* 0xf0-0xff pulse output port lines; bit 0 low resets the CPU. */
		if ((cmd & 0xf0) == 0xf0 && !(cmd & OUTP_RESET_BIT))
			do_reset(k);
		break;
	}
}

static void keyboard_cmd(struct i8042 *k, uint8_t val)
{
	uint8_t pending = k->kbd_pending;

	k->kbd_pending = 0;
	if (pending == KBD_SCANCODE && val == 0) {
		push(k, KBD_ACK);
		push(k, k->scancode_set);
		return;
	}
	if (pending == KBD_SCANCODE && val <= 3) {
		k->scancode_set = val;
		push(k, KBD_ACK);
		return;
	}
	if (pending) {
		push(k, KBD_ACK);	/* parameter of LEDs or typematic rate */
		return;
	}
	switch (val) {
	case KBD_ECHO:
		push(k, KBD_ECHO);
		break;
	case KBD_IDENTIFY:
		push(k, KBD_ACK);
		push(k, 0xab);	/* MF2 keyboard */
		push(k, 0x83);
		break;
	case KBD_RESET:
		push(k, KBD_ACK);
		push(k, KBD_BAT_OK);
		break;
	case KBD_SET_LEDS:
	case KBD_SCANCODE:
	case KBD_TYPEMATIC:
		k->kbd_pending = val;
		push(k, KBD_ACK);
		break;
	default:
		push(k, KBD_ACK);
		break;
	}
}

static void data_write(struct i8042 *k, uint8_t val)
{
	uint8_t cmd = k->pending_cmd;

	k->pending_cmd = 0;
	switch (cmd) {
	case CMD_WRITE_CB:
		k->cb = val;
		k->status = (uint8_t)((k->status & ~STS_SYS) | (val & CB_SYS));
		break;
	case CMD_WRITE_OUTP:
		k->outp = val;
		if (!(val & OUTP_RESET_BIT))
			do_reset(k);
		break;
	case CMD_WRITE_KBD_OBUF:
		push(k, val);
		break;
	default:
		keyboard_cmd(k, val);
		break;
	}
}

uint8_t i8042_read(struct i8042 *k, uint16_t port)
{
	uint8_t v;

	pthread_mutex_lock(&k->lock);
	v = port == I8042_DATA_PORT ? pop(k) : k->status;
	update_irq(k);
	pthread_mutex_unlock(&k->lock);
	return v;
}

void i8042_write(struct i8042 *k, uint16_t port, uint8_t val)
{
	pthread_mutex_lock(&k->lock);
	if (port == I8042_CMD_PORT) {
		k->status |= STS_CMD;
		controller_cmd(k, val);
	} else {
		k->status &= (uint8_t)~STS_CMD;
		data_write(k, val);
	}
	update_irq(k);
	pthread_mutex_unlock(&k->lock);
}

void i8042_key(struct i8042 *k, uint8_t scancode)
{
	pthread_mutex_lock(&k->lock);
	if (!(k->cb & CB_KBD_DISABLE))
		push(k, scancode);
	update_irq(k);
	pthread_mutex_unlock(&k->lock);
}

static void fill_read(struct i8042 *k, uint16_t port, void *data, unsigned len)
{
	uint8_t *d = data;
	unsigned i;

	d[0] = i8042_read(k, port);
	for (i = 1; i < len; i++)
		d[i] = 0xff;
}

static void data_read(void *opaque, uint64_t off, void *data, unsigned len)
{
	(void)off;
	fill_read(opaque, I8042_DATA_PORT, data, len);
}

static void data_port_write(void *opaque, uint64_t off, const void *data, unsigned len)
{
	(void)off;
	(void)len;
	i8042_write(opaque, I8042_DATA_PORT, *(const uint8_t *)data);
}

static void cmd_read(void *opaque, uint64_t off, void *data, unsigned len)
{
	(void)off;
	fill_read(opaque, I8042_CMD_PORT, data, len);
}

static void cmd_write(void *opaque, uint64_t off, const void *data, unsigned len)
{
	(void)off;
	(void)len;
	i8042_write(opaque, I8042_CMD_PORT, *(const uint8_t *)data);
}

static const struct io_dev_ops data_ops = {
	.read = data_read,
	.write = data_port_write,
};

static const struct io_dev_ops cmd_ops = {
	.read = cmd_read,
	.write = cmd_write,
};

/* As firmware leaves it: self test passed, keyboard interrupt on, translation on. */
static void power_on(struct i8042 *k)
{
	k->status = STS_SYS | STS_UNLOCKED;
	k->cb = CB_KBD_INT | CB_SYS | CB_XLATE;
	k->outp = OUTP_RESET_BIT | 0x02;	/* reset line high, A20 enabled */
	k->pending_cmd = k->kbd_pending = 0;
	k->scancode_set = 2;
	k->q_head = k->q_count = 0;
}

struct i8042 *i8042_create(const struct irq_line *kbd_irq, void (*reset)(void *opaque),
			   void *reset_opaque)
{
	struct i8042 *k = calloc(1, sizeof(*k));

	if (!k)
		return NULL;
	pthread_mutex_init(&k->lock, NULL);
	k->irq = *kbd_irq;
	k->reset = reset;
	k->reset_opaque = reset_opaque;
	power_on(k);
	return k;
}

void i8042_destroy(struct i8042 *k)
{
	if (!k)
		return;
	pthread_mutex_destroy(&k->lock);
	free(k);
}

int i8042_attach(struct i8042 *k, struct io_bus *pio)
{
	/* Ports 0x60 and 0x64; 0x61 (system control port B) belongs elsewhere. */
	if (io_bus_register(pio, I8042_DATA_PORT, 1, &data_ops, k))
		return -1;
	return io_bus_register(pio, I8042_CMD_PORT, 1, &cmd_ops, k);
}

static void kbc_acpi(void *dev, struct aml *a)
{
	const struct aml_io_range io[] = { { I8042_DATA_PORT, 1 }, { I8042_CMD_PORT, 1 } };

	(void)dev;
	aml_fixed_device(a, "PS2K", "PNP0303", -1, io, 2, I8042_KBD_IRQ);
}

static void kbc_reset(void *dev)
{
	struct i8042 *k = dev;

	pthread_mutex_lock(&k->lock);
	power_on(k);
	update_irq(k);
	pthread_mutex_unlock(&k->lock);
}

/* Version 1: status, command byte, output port, pending commands, the output queue in order. */
static int kbc_save(void *dev, struct state_writer *w)
{
	struct i8042 *k = dev;
	unsigned i;

	pthread_mutex_lock(&k->lock);
	state_put_u8(w, k->status);
	state_put_u8(w, k->cb);
	state_put_u8(w, k->outp);
	state_put_u8(w, k->pending_cmd);
	state_put_u8(w, k->kbd_pending);
	state_put_u8(w, k->scancode_set);
	state_put_u8(w, (uint8_t)k->q_count);
	for (i = 0; i < k->q_count; i++)
		state_put_u8(w, k->queue[(k->q_head + i) % QUEUE_SIZE]);
	pthread_mutex_unlock(&k->lock);
	return 0;
}

static int kbc_restore(void *dev, struct state_reader *r, uint32_t version)
{
	struct i8042 *k = dev;
	uint8_t regs[6], queue[QUEUE_SIZE];
	unsigned count;

	(void)version;
	state_get(r, regs, sizeof(regs));
	count = state_get_u8(r);
	if (count > QUEUE_SIZE || regs[5] < 1 || regs[5] > 3)
		state_reject(r);
	else
		state_get(r, queue, count);
	if (state_reader_done(r))
		return -1;
	pthread_mutex_lock(&k->lock);
	k->status = regs[0];
	k->cb = regs[1];
	k->outp = regs[2];
	k->pending_cmd = regs[3];
	k->kbd_pending = regs[4];
	k->scancode_set = regs[5];
	memcpy(k->queue, queue, count);
	k->q_head = 0;
	k->q_count = count;
	update_irq(k);
	pthread_mutex_unlock(&k->lock);
	return 0;
}

static void kbc_destroy(void *dev)
{
	i8042_destroy(dev);
}

const struct device_ops i8042_device_ops = {
	.kind = "i8042",
	.state_version = 1,
	.reset = kbc_reset,
	.save = kbc_save,
	.restore = kbc_restore,
	.acpi = kbc_acpi,
	.destroy = kbc_destroy,
};
