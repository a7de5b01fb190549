/*
 * The i8042's keyboard and mouse: the keyboard in set 2 through the
 * controller's translation (so the CPU reads set 1), the mouse in stream
 * mode with the IntelliMouse wheel unlocked. Set up by polling, then each
 * byte raises IRQ 1 (keyboard) or IRQ 12 (mouse), edge-triggered on the
 * IOAPIC: the line rises when a byte fills the output buffer.
 */
#include "input.h"

#define DATA		0x60
#define STATUS		0x64
#define STS_OBF		0x01
#define STS_IBF		0x02
#define STS_AUX		0x20
#define CB_KBD_INT	0x01
#define CB_AUX_INT	0x02
#define CB_KBD_DIS	0x10
#define CB_AUX_DIS	0x20
#define CB_XLATE	0x40
#define ACK		0xfa
#define SPINS		100000
#define KBD_GSI		1	/* ISA IRQs are GSIs 0-15 unchanged: vessel's MADT has no overrides */
#define AUX_GSI		12
#define KBD_VECTOR	37
#define AUX_VECTOR	38

static uint8_t packet[4];
static unsigned packet_len = 3, packet_got;
static unsigned e0, e1_left;
static int mouse_x, mouse_y;	/* counts, from 0,0 */

static int wait_read(uint8_t *v)
{
	unsigned i;

	for (i = 0; i < SPINS; i++) {
		if (inb(STATUS) & STS_OBF) {
			*v = inb(DATA);
			return 0;
		}
		cpu_relax();
	}
	return -1;
}

static void wait_write(void)
{
	unsigned i;

	for (i = 0; i < SPINS && (inb(STATUS) & STS_IBF); i++)
		cpu_relax();
}

static void command(uint8_t cmd)
{
	wait_write();
	outb(STATUS, cmd);
}

static void data(uint8_t v)
{
	wait_write();
	outb(DATA, v);
}

/* A byte to the mouse (through 0xd4), and its acknowledgement. */
static int mouse_cmd(uint8_t v)
{
	uint8_t r;

	command(0xd4);
	data(v);
	return wait_read(&r) || r != ACK ? -1 : 0;
}

static int mouse_param(uint8_t cmd, uint8_t v)
{
	return mouse_cmd(cmd) || mouse_cmd(v) ? -1 : 0;
}

int ps2_start(void)
{
	uint8_t cb, r[2], id;
	unsigned i;

	for (i = 0; i < 64 && (inb(STATUS) & STS_OBF); i++)
		inb(DATA);
	command(0x20);
	if (wait_read(&cb))
		return -1;
	cb = (uint8_t)((cb | CB_XLATE) & ~(CB_KBD_INT | CB_AUX_INT | CB_KBD_DIS | CB_AUX_DIS));
	command(0x60);
	data(cb);
	command(0xa8);	/* aux port on */
	if (mouse_cmd(0xff) || wait_read(&r[0]) || wait_read(&r[1]) || r[0] != 0xaa || r[1])
		return -1;
	/* The IntelliMouse knock: sample rates 200, 100, 80, then the id says 3. */
	if (mouse_param(0xf3, 200) || mouse_param(0xf3, 100) || mouse_param(0xf3, 80) ||
	    mouse_cmd(0xf2) || wait_read(&id))
		return -1;
	packet_len = id == 3 ? 4 : 3;
	if (mouse_cmd(0xf4))
		return -1;
	/* Routed before the controller raises them, so no first edge is lost at a masked pin. */
	irq_route(KBD_GSI, KBD_VECTOR, lapic_id());
	irq_route(AUX_GSI, AUX_VECTOR, lapic_id());
	command(0x60);
	data((uint8_t)(cb | CB_KBD_INT | CB_AUX_INT));
	con_printf("vessel-guest: input: ps2 keyboard and mouse (id %u) ready\n", id);
	return 0;
}

/* Set 1 codes after E0, as Linux numbers those keys. */
static unsigned e0_key(uint8_t code)
{
	static const struct { uint8_t code, key; } keys[] = {
		{ 0x1c, 96 }, { 0x1d, 97 }, { 0x35, 98 }, { 0x37, 99 }, { 0x38, 100 },
		{ 0x47, 102 }, { 0x48, 103 }, { 0x49, 104 }, { 0x4b, 105 }, { 0x4d, 106 },
		{ 0x4f, 107 }, { 0x50, 108 }, { 0x51, 109 }, { 0x52, 110 }, { 0x53, 111 },
		{ 0x20, 113 }, { 0x2e, 114 }, { 0x30, 115 }, { 0x5e, 116 },
		{ 0x5b, 125 }, { 0x5c, 126 }, { 0x5d, 127 }, { 0x5f, 142 }, { 0x63, 143 },
	};
	unsigned i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (keys[i].code == code)
			return keys[i].key;
	return 0;
}

/* Plain set 1 codes are Linux's key codes, but for the Japanese keys. */
static unsigned plain_key(uint8_t code)
{
	switch (code) {
	case 0x70: return 93;
	case 0x73: return 89;
	case 0x79: return 92;
	case 0x7b: return 94;
	case 0x7d: return 124;
	default: return code;
	}
}

static void kbd_byte(struct input_report *r, uint8_t b)
{
	unsigned key;

	if (e1_left) {
		/* Pause: E1 1D 45 E1 9D C5, a make code only. */
		if (!--e1_left)
			input_key(r, 119, 1, "ps2");
		return;
	}
	if (b == 0xe1) {
		e1_left = 5;
		return;
	}
	if (b == 0xe0) {
		e0 = 1;
		return;
	}
	if (e0 && ((b & 0x7f) == 0x2a || (b & 0x7f) == 0x36)) {
		e0 = 0;	/* Print Screen's fake shift */
		return;
	}
	key = e0 ? e0_key(b & 0x7f) : plain_key(b & 0x7f);
	e0 = 0;
	if (key)
		input_key(r, key, !(b & 0x80), "ps2");
}

static int clamp(int v, int max)
{
	return v < 0 ? 0 : v > max ? max : v;
}

static void mouse_packet(struct input_report *r)
{
	int dx = packet[1] - (packet[0] & 0x10 ? 256 : 0);
	int dy = packet[2] - (packet[0] & 0x20 ? 256 : 0);
	int dz = packet_len == 4 ? (int8_t)packet[3] : 0;
	unsigned buttons = (packet[0] & 1 ? 1u : 0) | (packet[0] & 4 ? 2u : 0) |
			   (packet[0] & 2 ? 4u : 0) | (dz < 0 ? 8u : 0) | (dz > 0 ? 16u : 0);

	mouse_x = clamp(mouse_x + dx, GUEST_INPUT_ABS_MAX / 32);
	mouse_y = clamp(mouse_y - dy, GUEST_INPUT_ABS_MAX / 32);	/* PS/2's y grows upwards */
	input_pointer(r, (unsigned)mouse_x * 32, (unsigned)mouse_y * 32, buttons, "ps2");
}

static void mouse_byte(struct input_report *r, uint8_t b)
{
	if (!packet_got && !(b & 0x08))
		return;	/* not a first byte: wait for the next packet */
	packet[packet_got++] = b;
	if (packet_got == packet_len) {
		packet_got = 0;
		mouse_packet(r);
	}
}

int ps2_poll(struct input_report *r)
{
	uint8_t st = inb(STATUS);

	if (!(st & STS_OBF))
		return 0;
	if (st & STS_AUX)
		mouse_byte(r, inb(DATA));
	else
		kbd_byte(r, inb(DATA));
	return 1;
}
