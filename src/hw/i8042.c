#include "hw/i8042.h"
#include "acpi/aml.h"
#include "core/io_bus.h"
#include "hw/ps2_kbd.h"
#include "hw/ps2_keycodes.h"
#include "hw/ps2_mouse.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* Status register bits. */
#define STS_OBF		0x01	/* output buffer full */
#define STS_SYS		0x04	/* system flag: self test passed */
#define STS_CMD		0x08	/* last write was to the command port */
#define STS_UNLOCKED	0x10	/* the keyboard inhibit switch is off */
#define STS_AUX_OBF	0x20	/* the output buffer holds a byte from the aux port */

/* Command byte bits. */
#define CB_KBD_INT	0x01
#define CB_AUX_INT	0x02
#define CB_SYS		0x04
#define CB_KBD_DISABLE	0x10
#define CB_AUX_DISABLE	0x20
#define CB_XLATE	0x40

/* Controller commands (written to port 0x64). */
#define CMD_READ_CB	0x20
#define CMD_WRITE_CB	0x60
#define CMD_AUX_DISABLE	0xa7
#define CMD_AUX_ENABLE	0xa8
#define CMD_AUX_TEST	0xa9
#define CMD_SELF_TEST	0xaa
#define CMD_KBD_TEST	0xab
#define CMD_KBD_DISABLE	0xad
#define CMD_KBD_ENABLE	0xae
#define CMD_READ_OUTP	0xd0
#define CMD_WRITE_OUTP	0xd1
#define CMD_WRITE_KBD_OBUF 0xd2
#define CMD_WRITE_AUX_OBUF 0xd3
#define CMD_WRITE_AUX	0xd4
#define CMD_PULSE_RESET	0xfe

#define SELF_TEST_OK	0x55
#define PORT_TEST_OK	0x00
#define OUTP_RESET_BIT	0x01	/* output port bit 0 low holds the CPU in reset */
#define SET2_BREAK	0xf0
#define SET1_BREAK	0x80

struct i8042 {
	pthread_mutex_t lock;
	struct irq_line kbd_irq, aux_irq;
	void (*reset)(void *opaque);
	void *reset_opaque;

	uint8_t status, cb, outp;
	uint8_t pending_cmd;	/* controller command awaiting its data byte */
	uint8_t obuf;		/* the output buffer: valid while STS_OBF */
	struct ps2_queue ctrl;	/* the controller's own replies, before the devices' bytes */
	struct ps2_queue ctrl_aux;	/* 0xd3's bytes: as from the mouse, past its disable bit */
	bool xlate_break;	/* translating: an F0 from the keyboard awaits its code */
	struct ps2_kbd kbd;
	struct ps2_mouse mouse;
	int kbd_level, aux_level;
};

static void set_level(struct irq_line *l, int *cur, int level)
{
	if (level != *cur) {
		*cur = level;
		irq_line_set(l, level);
	}
}

static void update_irq(struct i8042 *k)
{
	bool full = k->status & STS_OBF, aux = k->status & STS_AUX_OBF;

	set_level(&k->kbd_irq, &k->kbd_level, full && !aux && (k->cb & CB_KBD_INT));
	set_level(&k->aux_irq, &k->aux_level, full && aux && (k->cb & CB_AUX_INT));
}

/* The keyboard's next byte as the CPU sees it: translated to set 1 while CB_XLATE. */
static bool kbd_byte(struct i8042 *k, uint8_t *v)
{
	uint8_t b;

	while (ps2_kbd_read(&k->kbd, &b)) {
		if (!(k->cb & CB_XLATE)) {
			*v = b;
			return true;
		}
		if (b == SET2_BREAK) {
			k->xlate_break = true;
			continue;
		}
		*v = (uint8_t)(ps2_translate(b) | (k->xlate_break ? SET1_BREAK : 0));
		k->xlate_break = false;
		return true;
	}
	return false;
}

/* An empty output buffer takes the next byte: the controller's, the keyboard's, the mouse's. */
static void refill(struct i8042 *k)
{
	uint8_t v;

	if (k->status & STS_OBF)
		return;
	if (ps2_queue_pop(&k->ctrl, &v) ||
	    (!(k->cb & CB_KBD_DISABLE) && kbd_byte(k, &v))) {
		k->status = (uint8_t)((k->status | STS_OBF) & ~STS_AUX_OBF);
	} else if (ps2_queue_pop(&k->ctrl_aux, &v) ||
		   (!(k->cb & CB_AUX_DISABLE) && ps2_mouse_read(&k->mouse, &v))) {
		k->status |= STS_OBF | STS_AUX_OBF;
	} else {
		return;
	}
	k->obuf = v;
}

static void reply(struct i8042 *k, uint8_t v)
{
	ps2_queue_push(&k->ctrl, v);
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
		reply(k, k->cb);
		break;
	case CMD_WRITE_CB:
	case CMD_WRITE_OUTP:
	case CMD_WRITE_KBD_OBUF:
	case CMD_WRITE_AUX_OBUF:
	case CMD_WRITE_AUX:
		k->pending_cmd = cmd;
		break;
	case CMD_AUX_DISABLE:
		k->cb |= CB_AUX_DISABLE;
		break;
	case CMD_AUX_ENABLE:
		k->cb &= (uint8_t)~CB_AUX_DISABLE;
		break;
	case CMD_AUX_TEST:
	case CMD_KBD_TEST:
		reply(k, PORT_TEST_OK);
		break;
	case CMD_SELF_TEST:
		reply(k, SELF_TEST_OK);
		break;
	case CMD_KBD_DISABLE:
		k->cb |= CB_KBD_DISABLE;
		break;
	case CMD_KBD_ENABLE:
		k->cb &= (uint8_t)~CB_KBD_DISABLE;
		break;
	case CMD_READ_OUTP:
		reply(k, k->outp);
		break;
	default:
		/* 0xf0-0xff pulse output port lines; bit 0 low resets the CPU. */
		if ((cmd & 0xf0) == 0xf0 && !(cmd & OUTP_RESET_BIT))
			do_reset(k);
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
		reply(k, val);
		break;
	case CMD_WRITE_AUX_OBUF:
		/*
		 * As if the mouse sent it (AUXDATA set), but written by the controller,
		 * so not held by the aux port's disable bit: Linux's AUX_LOOP probe
		 * runs with the port disabled.
		 */
		ps2_queue_push(&k->ctrl_aux, val);
		break;
	case CMD_WRITE_AUX:
		ps2_mouse_write(&k->mouse, val);
		break;
	default:
		ps2_kbd_write(&k->kbd, val);
		break;
	}
}

uint8_t i8042_read(struct i8042 *k, uint16_t port)
{
	uint8_t v;

	pthread_mutex_lock(&k->lock);
	if (port == I8042_DATA_PORT) {
		v = k->obuf;
		k->status &= (uint8_t)~(STS_OBF | STS_AUX_OBF);
		/* The line drops before the next byte raises it: a new edge for the IOAPIC. */
		update_irq(k);
		refill(k);
	} else {
		v = k->status;
	}
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
	refill(k);
	update_irq(k);
	pthread_mutex_unlock(&k->lock);
}

static bool keyboard_ready(void *dev)
{
	struct i8042 *k = dev;
	bool ready;

	pthread_mutex_lock(&k->lock);
	ready = k->kbd.scanning && !(k->cb & CB_KBD_DISABLE);
	pthread_mutex_unlock(&k->lock);
	return ready;
}

static void keyboard_key(void *dev, unsigned code, bool down)
{
	struct i8042 *k = dev;

	pthread_mutex_lock(&k->lock);
	ps2_kbd_key(&k->kbd, code, down);
	refill(k);
	update_irq(k);
	pthread_mutex_unlock(&k->lock);
}

static bool mouse_ready(void *dev)
{
	struct i8042 *k = dev;
	bool ready;

	pthread_mutex_lock(&k->lock);
	ready = k->mouse.enabled && !(k->cb & CB_AUX_DISABLE);
	pthread_mutex_unlock(&k->lock);
	return ready;
}

static void mouse_pointer(void *dev, unsigned x, unsigned y, unsigned buttons)
{
	struct i8042 *k = dev;

	pthread_mutex_lock(&k->lock);
	ps2_mouse_move(&k->mouse, x, y, buttons);
	refill(k);
	update_irq(k);
	pthread_mutex_unlock(&k->lock);
}

const struct input_sink_ops i8042_keyboard_sink = {
	.ready = keyboard_ready,
	.key = keyboard_key,
};

const struct input_sink_ops i8042_mouse_sink = {
	.ready = mouse_ready,
	.pointer = mouse_pointer,
};

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

/* As firmware leaves it: self test passed, keyboard interrupt on, translation on, aux off. */
static void power_on(struct i8042 *k)
{
	k->status = STS_SYS | STS_UNLOCKED;
	k->cb = CB_KBD_INT | CB_SYS | CB_AUX_DISABLE | CB_XLATE;
	k->outp = OUTP_RESET_BIT | 0x02;	/* reset line high, A20 enabled */
	k->pending_cmd = 0;
	k->obuf = 0;
	k->xlate_break = false;
	ps2_queue_clear(&k->ctrl);
	ps2_queue_clear(&k->ctrl_aux);
	ps2_kbd_reset(&k->kbd);
	ps2_mouse_reset(&k->mouse);
}

struct i8042 *i8042_create(const struct irq_line *kbd_irq, const struct irq_line *aux_irq,
			   void (*reset)(void *opaque), void *reset_opaque)
{
	struct i8042 *k = calloc(1, sizeof(*k));

	if (!k)
		return NULL;
	pthread_mutex_init(&k->lock, NULL);
	k->kbd_irq = *kbd_irq;
	k->aux_irq = *aux_irq;
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
	aml_fixed_device(a, "PS2M", "PNP0F13", -1, NULL, 0, I8042_AUX_IRQ);
}

static void kbc_reset(void *dev)
{
	struct i8042 *k = dev;

	pthread_mutex_lock(&k->lock);
	power_on(k);
	update_irq(k);
	pthread_mutex_unlock(&k->lock);
}

static void kbc_metrics(void *dev, device_metric_fn emit, void *opaque)
{
	struct i8042 *k = dev;

	emit(opaque, "kbd_dropped", __atomic_load_n(&k->kbd.dropped, __ATOMIC_RELAXED));
}

static void kbc_destroy(void *dev)
{
	i8042_destroy(dev);
}

/*
 * Version 2: the controller (status, command byte, output port, pending
 * command, output buffer, a pending translated break, its reply queues), then
 * the keyboard and the mouse, each with its own queue.
 */
static int kbc_save(void *dev, struct state_writer *w)
{
	struct i8042 *k = dev;

	pthread_mutex_lock(&k->lock);
	state_put_u8(w, k->status);
	state_put_u8(w, k->cb);
	state_put_u8(w, k->outp);
	state_put_u8(w, k->pending_cmd);
	state_put_u8(w, k->obuf);
	state_put_bool(w, k->xlate_break);
	ps2_queue_save(w, &k->ctrl);
	ps2_queue_save(w, &k->ctrl_aux);
	ps2_kbd_save(&k->kbd, w);
	ps2_mouse_save(&k->mouse, w);
	pthread_mutex_unlock(&k->lock);
	return 0;
}

/*
 * Version 1 (one output queue, no mouse): its queue holds the controller's
 * and the keyboard's bytes as the CPU reads them, so they become the
 * controller's replies; the mouse starts as at power-on.
 */
static void get_v1(struct state_reader *r, struct i8042 *k)
{
	k->status = state_get_u8(r);
	k->cb = state_get_u8(r);
	k->outp = state_get_u8(r);
	k->pending_cmd = state_get_u8(r);
	k->kbd.pending = state_get_u8(r);
	k->kbd.set = state_get_u8(r);
	ps2_queue_restore(r, &k->ctrl, 16);
	k->status &= (uint8_t)~(STS_OBF | STS_AUX_OBF);
	if (k->kbd.set < 1 || k->kbd.set > 2)
		state_reject(r);
}

static void get_v2(struct state_reader *r, struct i8042 *k)
{
	k->status = state_get_u8(r);
	k->cb = state_get_u8(r);
	k->outp = state_get_u8(r);
	k->pending_cmd = state_get_u8(r);
	k->obuf = state_get_u8(r);
	k->xlate_break = state_get_bool(r);
	ps2_queue_restore(r, &k->ctrl, PS2_QUEUE_SIZE);
	ps2_queue_restore(r, &k->ctrl_aux, PS2_QUEUE_SIZE);
	ps2_kbd_restore(&k->kbd, r);
	ps2_mouse_restore(&k->mouse, r);
}

static int kbc_restore(void *dev, struct state_reader *r, uint32_t version)
{
	struct i8042 *k = dev, *tmp = calloc(1, sizeof(*tmp));

	if (!tmp)
		return -1;
	/* Read into a scratch device: a refused record leaves this one as it was. */
	power_on(tmp);
	if (version == 1)
		get_v1(r, tmp);
	else
		get_v2(r, tmp);
	if (state_reader_done(r)) {
		free(tmp);
		return -1;
	}
	pthread_mutex_lock(&k->lock);
	k->status = tmp->status;
	k->cb = tmp->cb;
	k->outp = tmp->outp;
	k->pending_cmd = tmp->pending_cmd;
	k->obuf = tmp->obuf;
	k->xlate_break = tmp->xlate_break;
	k->ctrl = tmp->ctrl;
	k->ctrl_aux = tmp->ctrl_aux;
	k->kbd = tmp->kbd;
	k->mouse = tmp->mouse;
	refill(k);
	update_irq(k);
	pthread_mutex_unlock(&k->lock);
	free(tmp);
	return 0;
}

const struct device_ops i8042_device_ops = {
	.kind = "i8042",
	.state_version = 2,
	.reset = kbc_reset,
	.save = kbc_save,
	.restore = kbc_restore,
	.acpi = kbc_acpi,
	.metrics = kbc_metrics,
	.destroy = kbc_destroy,
};
