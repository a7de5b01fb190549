/*
 * What vessel's virtio-input devices tell their driver (input_config.h). The
 * tablet is what QEMU's virtio-tablet exposes: ABS_X/ABS_Y with absinfo,
 * three buttons, a wheel, and no INPUT_PROP_DIRECT (with it, evdev and X take
 * the device for a touchscreen; without it, for an absolute pointer).
 */
#include "virtio/input_config.h"
#include "core/input.h"

#include <stdio.h>
#include <string.h>

#define BUS_VIRTUAL		0x06
#define DEVIDS_VENDOR		0x1af4	/* virtio's PCI vendor */
#define DEVIDS_KEYBOARD		0x0001
#define DEVIDS_TABLET		0x0003
#define DEVIDS_VERSION		0x0001
#define REP_DELAY		0x00
#define REP_PERIOD		0x01
#define KEYBOARD_KEY_LAST	0xff	/* the keyboard's keys: KEY_ESC .. 0xff, below BTN_MISC */

int virtio_input_has_key(unsigned code)
{
	return code >= 1 && code <= KEYBOARD_KEY_LAST;
}

static void set_bit(uint8_t *u, unsigned bit, uint8_t *size)
{
	u[bit / 8] |= (uint8_t)(1u << (bit % 8));
	if (bit / 8 + 1 > *size)
		*size = (uint8_t)(bit / 8 + 1);
}

static void put_le16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put_le32(uint8_t *p, uint32_t v)
{
	put_le16(p, (uint16_t)v);
	put_le16(p + 2, (uint16_t)(v >> 16));
}

static uint8_t fill_string(uint8_t *u, const char *s)
{
	size_t n = strlen(s);

	memcpy(u, s, n);
	return (uint8_t)n;
}

static uint8_t keyboard_ev_bits(uint8_t subsel, uint8_t *u)
{
	uint8_t size = 0;
	unsigned code;

	switch (subsel) {
	case EV_KEY:
		for (code = 1; code <= KEYBOARD_KEY_LAST; code++)
			set_bit(u, code, &size);
		break;
	case EV_REP:
		set_bit(u, REP_DELAY, &size);
		set_bit(u, REP_PERIOD, &size);
		break;
	case EV_LED:
		set_bit(u, LED_NUML, &size);
		set_bit(u, LED_CAPSL, &size);
		set_bit(u, LED_SCROLLL, &size);
		break;
	}
	return size;
}

static uint8_t tablet_ev_bits(uint8_t subsel, uint8_t *u)
{
	uint8_t size = 0;

	switch (subsel) {
	case EV_KEY:
		set_bit(u, BTN_LEFT, &size);
		set_bit(u, BTN_RIGHT, &size);
		set_bit(u, BTN_MIDDLE, &size);
		break;
	case EV_REL:
		set_bit(u, REL_WHEEL, &size);
		break;
	case EV_ABS:
		set_bit(u, ABS_X, &size);
		set_bit(u, ABS_Y, &size);
		break;
	}
	return size;
}

/* struct virtio_input_absinfo: min, max, fuzz, flat, res (5.8.4). */
static uint8_t tablet_abs_info(uint8_t axis, uint8_t *u)
{
	if (axis != ABS_X && axis != ABS_Y)
		return 0;
	put_le32(u, 0);
	put_le32(u + 4, INPUT_ABS_MAX);
	return 20;
}

/* The union's bytes and size for the current select/subsel; unknown ones have size 0. */
static uint8_t answer(const struct virtio_input_config *c, uint8_t *u)
{
	bool kbd = c->kind == VIRTIO_INPUT_KEYBOARD;
	char serial[32];

	switch (c->select) {
	case VIRTIO_INPUT_CFG_ID_NAME:
		if (c->subsel)
			return 0;
		return fill_string(u, kbd ? "vessel virtio keyboard" : "vessel virtio tablet");
	case VIRTIO_INPUT_CFG_ID_SERIAL:
		if (c->subsel)
			return 0;
		snprintf(serial, sizeof(serial), "%s%u", kbd ? "keyboard" : "tablet", c->index);
		return fill_string(u, serial);
	case VIRTIO_INPUT_CFG_ID_DEVIDS:
		if (c->subsel)
			return 0;
		put_le16(u, BUS_VIRTUAL);
		put_le16(u + 2, DEVIDS_VENDOR);
		put_le16(u + 4, kbd ? DEVIDS_KEYBOARD : DEVIDS_TABLET);
		put_le16(u + 6, DEVIDS_VERSION);
		return 8;
	case VIRTIO_INPUT_CFG_PROP_BITS:
		return 0;	/* no properties: see the top of this file */
	case VIRTIO_INPUT_CFG_EV_BITS:
		return kbd ? keyboard_ev_bits(c->subsel, u) : tablet_ev_bits(c->subsel, u);
	case VIRTIO_INPUT_CFG_ABS_INFO:
		return kbd ? 0 : tablet_abs_info(c->subsel, u);
	default:
		return 0;
	}
}

static void refresh(struct virtio_input_config *c)
{
	memset(c->bytes, 0, sizeof(c->bytes));
	c->bytes[0] = c->select;
	c->bytes[1] = c->subsel;
	c->bytes[2] = answer(c, c->bytes + VIRTIO_INPUT_CFG_UNION);
}

void virtio_input_config_init(struct virtio_input_config *c, enum virtio_input_kind kind,
			      unsigned index)
{
	memset(c, 0, sizeof(*c));
	c->kind = kind;
	c->index = index;
	refresh(c);
}

void virtio_input_config_read(const struct virtio_input_config *c, uint64_t off, void *data,
			      unsigned len)
{
	uint8_t *d = data;
	unsigned i;

	for (i = 0; i < len; i++)
		d[i] = off + i < sizeof(c->bytes) ? c->bytes[off + i] : 0;
}

/* Only select and subsel are the driver's to write (5.8.4). */
void virtio_input_config_write(struct virtio_input_config *c, uint64_t off, const void *data,
			       unsigned len)
{
	const uint8_t *d = data;
	unsigned i;

	for (i = 0; i < len; i++) {
		if (off + i == 0)
			c->select = d[i];
		else if (off + i == 1)
			c->subsel = d[i];
	}
	refresh(c);
}
