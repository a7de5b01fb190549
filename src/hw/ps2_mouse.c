/* The PS/2 mouse (ps2_mouse.h). */
#include "hw/ps2_mouse.h"
#include "core/input.h"

#define MOUSE_SCALING_11	0xe6
#define MOUSE_SCALING_21	0xe7
#define MOUSE_RESOLUTION	0xe8
#define MOUSE_STATUS		0xe9
#define MOUSE_STREAM		0xea
#define MOUSE_READ_DATA		0xeb
#define MOUSE_RESET_WRAP	0xec
#define MOUSE_WRAP		0xee
#define MOUSE_REMOTE		0xf0
#define MOUSE_GET_ID		0xf2
#define MOUSE_SAMPLE_RATE	0xf3
#define MOUSE_ENABLE		0xf4
#define MOUSE_DISABLE		0xf5
#define MOUSE_DEFAULTS		0xf6
#define MOUSE_RESEND		0xfe
#define MOUSE_RESET		0xff
#define MOUSE_ACK		0xfa
#define MOUSE_ERROR		0xfc
#define MOUSE_NAK		0xfe
#define MOUSE_BAT_OK		0xaa

/* Packet byte 0 (and the status report's byte 0). */
#define PKT_LEFT		0x01
#define PKT_RIGHT		0x02
#define PKT_MIDDLE		0x04
#define PKT_ALWAYS1		0x08
#define PKT_X_SIGN		0x10
#define PKT_Y_SIGN		0x20
#define STATUS_SCALING21	0x10
#define STATUS_ENABLED		0x20
#define STATUS_REMOTE		0x40
#define DELTA_MAX		255	/* 9-bit two's complement with the sign bit in byte 0 */

static void send(struct ps2_mouse *m, uint8_t v)
{
	ps2_queue_push(&m->out, v);
}

static void defaults(struct ps2_mouse *m)
{
	m->rate = 100;
	m->resolution = 2;	/* 4 counts per mm */
	m->scaling21 = false;
	m->enabled = false;
	m->remote = false;
	m->pending = 0;
}

void ps2_mouse_reset(struct ps2_mouse *m)
{
	ps2_queue_clear(&m->out);
	defaults(m);
	m->id = PS2_MOUSE_ID;
	m->wrap = false;
	m->knock[0] = m->knock[1] = m->knock[2] = 0;
	/* The pointer stays where it is; the driver learns of it by the next motion. */
	m->reported_x = m->x;
	m->reported_y = m->y;
	m->wheel = 0;
	m->reported_buttons = m->buttons;
}

static int clamp(int v)
{
	return v > DELTA_MAX ? DELTA_MAX : v < -DELTA_MAX ? -DELTA_MAX : v;
}

/* One packet of what moved since the last one (3 bytes, or 4 with the wheel). */
static void send_packet(struct ps2_mouse *m)
{
	int dx = clamp(m->x - m->reported_x);
	int dy = clamp(m->reported_y - m->y);	/* PS/2's y grows upwards, the screen's down */
	int dz = m->wheel > 7 ? 7 : m->wheel < -8 ? -8 : m->wheel;

	send(m, (uint8_t)(PKT_ALWAYS1 | m->buttons | (dx < 0 ? PKT_X_SIGN : 0) |
			  (dy < 0 ? PKT_Y_SIGN : 0)));
	send(m, (uint8_t)dx);
	send(m, (uint8_t)dy);
	m->reported_x += dx;
	m->reported_y -= dy;
	m->reported_buttons = m->buttons;
	if (m->id == PS2_MOUSE_ID_WHEEL) {
		send(m, (uint8_t)dz);
		m->wheel -= dz;
	}
}

static bool moved(const struct ps2_mouse *m)
{
	return m->x != m->reported_x || m->y != m->reported_y ||
	       m->buttons != m->reported_buttons || (m->id == PS2_MOUSE_ID_WHEEL && m->wheel);
}

static void status_report(struct ps2_mouse *m)
{
	send(m, (uint8_t)((m->remote ? STATUS_REMOTE : 0) | (m->enabled ? STATUS_ENABLED : 0) |
			  (m->scaling21 ? STATUS_SCALING21 : 0) |
			  /* status byte order: left 2, middle 1, right 0 */
			  (m->buttons & PKT_LEFT ? 4 : 0) | (m->buttons & PKT_MIDDLE ? 2 : 0) |
			  (m->buttons & PKT_RIGHT ? 1 : 0)));
	send(m, m->resolution);
	send(m, m->rate);
}

static void sample_rate(struct ps2_mouse *m, uint8_t rate)
{
	m->rate = rate;
	m->knock[0] = m->knock[1];
	m->knock[1] = m->knock[2];
	m->knock[2] = rate;
	if (m->knock[0] == 200 && m->knock[1] == 100 && m->knock[2] == 80)
		m->id = PS2_MOUSE_ID_WHEEL;
}

static void parameter(struct ps2_mouse *m, uint8_t cmd, uint8_t v)
{
	if (cmd == MOUSE_RESOLUTION && v > 3) {
		send(m, MOUSE_ERROR);
		return;
	}
	if (cmd == MOUSE_RESOLUTION)
		m->resolution = v;
	else
		sample_rate(m, v);
	send(m, MOUSE_ACK);
}

static void command(struct ps2_mouse *m, uint8_t v)
{
	switch (v) {
	case MOUSE_SCALING_11:
	case MOUSE_SCALING_21:
		m->scaling21 = v == MOUSE_SCALING_21;
		send(m, MOUSE_ACK);
		break;
	case MOUSE_RESOLUTION:
	case MOUSE_SAMPLE_RATE:
		m->pending = v;
		send(m, MOUSE_ACK);
		break;
	case MOUSE_STATUS:
		send(m, MOUSE_ACK);
		status_report(m);
		break;
	case MOUSE_STREAM:
	case MOUSE_REMOTE:
		m->remote = v == MOUSE_REMOTE;
		send(m, MOUSE_ACK);
		break;
	case MOUSE_READ_DATA:
		send(m, MOUSE_ACK);
		send_packet(m);
		break;
	case MOUSE_WRAP:
		m->wrap = true;
		send(m, MOUSE_ACK);
		break;
	case MOUSE_RESET_WRAP:
		send(m, MOUSE_ACK);
		break;
	case MOUSE_GET_ID:
		send(m, MOUSE_ACK);
		send(m, m->id);
		break;
	case MOUSE_ENABLE:
	case MOUSE_DISABLE:
		m->enabled = v == MOUSE_ENABLE;
		send(m, MOUSE_ACK);
		break;
	case MOUSE_DEFAULTS:
		defaults(m);
		send(m, MOUSE_ACK);
		break;
	case MOUSE_RESET:
		ps2_mouse_reset(m);
		send(m, MOUSE_ACK);
		send(m, MOUSE_BAT_OK);
		send(m, PS2_MOUSE_ID);
		break;
	default:
		send(m, MOUSE_NAK);
		break;
	}
}

void ps2_mouse_write(struct ps2_mouse *m, uint8_t v)
{
	uint8_t cmd = m->pending;

	m->pending = 0;
	if (m->wrap && v != MOUSE_RESET_WRAP && v != MOUSE_RESET) {
		send(m, v);
		return;
	}
	if (m->wrap) {
		m->wrap = false;
		command(m, v);
		return;
	}
	if (cmd)
		parameter(m, cmd, v);
	else
		command(m, v);
}

void ps2_mouse_move(struct ps2_mouse *m, unsigned x, unsigned y, unsigned buttons)
{
	unsigned pressed = buttons & ~m->held;

	/* A wheel button's press is a notch; IntelliMouse counts up as negative. */
	if (m->id == PS2_MOUSE_ID_WHEEL && (pressed & INPUT_BTN_WHEEL_UP) && m->wheel > -127)
		m->wheel--;
	if (m->id == PS2_MOUSE_ID_WHEEL && (pressed & INPUT_BTN_WHEEL_DOWN) && m->wheel < 127)
		m->wheel++;
	m->held = buttons;
	m->x = (int)((x > INPUT_ABS_MAX ? INPUT_ABS_MAX : x) / PS2_MOUSE_UNIT);
	m->y = (int)((y > INPUT_ABS_MAX ? INPUT_ABS_MAX : y) / PS2_MOUSE_UNIT);
	m->buttons = (uint8_t)((buttons & INPUT_BTN_LEFT ? PKT_LEFT : 0) |
			       (buttons & INPUT_BTN_RIGHT ? PKT_RIGHT : 0) |
			       (buttons & INPUT_BTN_MIDDLE ? PKT_MIDDLE : 0));
}

bool ps2_mouse_read(struct ps2_mouse *m, uint8_t *v)
{
	if (!m->out.count && m->enabled && !m->remote && !m->wrap && moved(m))
		send_packet(m);
	return ps2_queue_pop(&m->out, v);
}

/*
 * Its part of the i8042's record: pending command, id, rate, resolution, the
 * knock, the modes, the pointer and what was reported of it, the buttons, queue.
 */
void ps2_mouse_save(const struct ps2_mouse *m, struct state_writer *w)
{
	state_put_u8(w, m->pending);
	state_put_u8(w, m->id);
	state_put_u8(w, m->rate);
	state_put_u8(w, m->resolution);
	state_put(w, m->knock, sizeof(m->knock));
	state_put_u8(w, (uint8_t)(m->enabled | m->remote << 1 | m->wrap << 2 | m->scaling21 << 3));
	state_put_u16(w, (uint16_t)m->x);
	state_put_u16(w, (uint16_t)m->y);
	state_put_u16(w, (uint16_t)m->reported_x);
	state_put_u16(w, (uint16_t)m->reported_y);
	state_put_u8(w, (uint8_t)(int8_t)m->wheel);
	state_put_u8(w, (uint8_t)m->held);
	state_put_u8(w, m->buttons);
	state_put_u8(w, m->reported_buttons);
	ps2_queue_save(w, &m->out);
}

void ps2_mouse_restore(struct ps2_mouse *m, struct state_reader *r)
{
	uint8_t modes;

	m->pending = state_get_u8(r);
	m->id = state_get_u8(r);
	m->rate = state_get_u8(r);
	m->resolution = state_get_u8(r);
	state_get(r, m->knock, sizeof(m->knock));
	modes = state_get_u8(r);
	m->enabled = modes & 1;
	m->remote = modes & 2;
	m->wrap = modes & 4;
	m->scaling21 = modes & 8;
	m->x = state_get_u16(r);
	m->y = state_get_u16(r);
	m->reported_x = state_get_u16(r);
	m->reported_y = state_get_u16(r);
	m->wheel = (int8_t)state_get_u8(r);
	m->held = state_get_u8(r);
	m->buttons = state_get_u8(r);
	m->reported_buttons = state_get_u8(r);
	ps2_queue_restore(r, &m->out, PS2_QUEUE_SIZE);
	if ((m->id != PS2_MOUSE_ID && m->id != PS2_MOUSE_ID_WHEEL) || m->resolution > 3 ||
	    m->x > INPUT_ABS_MAX / PS2_MOUSE_UNIT || m->y > INPUT_ABS_MAX / PS2_MOUSE_UNIT ||
	    m->reported_x > INPUT_ABS_MAX / PS2_MOUSE_UNIT ||
	    m->reported_y > INPUT_ABS_MAX / PS2_MOUSE_UNIT || m->wheel < -127 || modes > 15 ||
	    m->buttons > 7 || m->reported_buttons > 7)
		state_reject(r);
}
