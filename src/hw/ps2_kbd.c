/* The PS/2 keyboard (ps2_kbd.h). */
#include "hw/ps2_kbd.h"
#include "hw/ps2_keycodes.h"

#define KBD_SET_LEDS	0xed
#define KBD_ECHO	0xee
#define KBD_SCANCODE	0xf0
#define KBD_IDENTIFY	0xf2
#define KBD_TYPEMATIC	0xf3
#define KBD_ENABLE	0xf4
#define KBD_DISABLE	0xf5	/* and defaults */
#define KBD_DEFAULTS	0xf6
#define KBD_RESEND	0xfe
#define KBD_RESET	0xff
#define KBD_ACK		0xfa
#define KBD_BAT_OK	0xaa
#define KBD_ID_MF2	0xab, 0x83
#define KBD_SET1_BREAK	0x80

static void send(struct ps2_kbd *k, uint8_t v)
{
	ps2_queue_push(&k->out, v);
}

static void defaults(struct ps2_kbd *k)
{
	k->set = 2;
	k->pending = 0;
}

void ps2_kbd_reset(struct ps2_kbd *k)
{
	ps2_queue_clear(&k->out);
	defaults(k);
	k->leds = 0;
	k->last = 0;
	k->scanning = true;
}

/* The parameter byte of ED, F0 or F3. */
static void parameter(struct ps2_kbd *k, uint8_t cmd, uint8_t v)
{
	switch (cmd) {
	case KBD_SET_LEDS:
		k->leds = v & 7;
		send(k, KBD_ACK);
		break;
	case KBD_SCANCODE:
		if (v == 0) {
			send(k, KBD_ACK);
			send(k, k->set);
		} else if (v <= 2) {
			k->set = v;
			send(k, KBD_ACK);
		} else {
			send(k, KBD_RESEND);	/* set 3 is not offered */
		}
		break;
	default:
		send(k, KBD_ACK);	/* the typematic rate: nothing repeats here */
		break;
	}
}

void ps2_kbd_write(struct ps2_kbd *k, uint8_t v)
{
	static const uint8_t id[] = { KBD_ID_MF2 };
	uint8_t cmd = k->pending;

	k->pending = 0;
	if (cmd) {
		parameter(k, cmd, v);
		return;
	}
	switch (v) {
	case KBD_SET_LEDS:
	case KBD_SCANCODE:
	case KBD_TYPEMATIC:
		k->pending = v;
		send(k, KBD_ACK);
		break;
	case KBD_ECHO:
		send(k, KBD_ECHO);
		break;
	case KBD_IDENTIFY:
		send(k, KBD_ACK);
		send(k, id[0]);
		send(k, id[1]);
		break;
	case KBD_ENABLE:
		ps2_queue_clear(&k->out);
		k->scanning = true;
		send(k, KBD_ACK);
		break;
	case KBD_DISABLE:
		defaults(k);
		k->scanning = false;
		send(k, KBD_ACK);
		break;
	case KBD_DEFAULTS:
		defaults(k);
		send(k, KBD_ACK);
		break;
	case KBD_RESEND:
		send(k, k->last);
		break;
	case KBD_RESET:
		ps2_kbd_reset(k);
		send(k, KBD_ACK);
		send(k, KBD_BAT_OK);
		break;
	default:
		/* F7-FD configure set 3's keys: acknowledged, like any keyboard in set 2. */
		send(k, v >= 0xf7 ? KBD_ACK : KBD_RESEND);
		break;
	}
}

/* Set 1 is set 2 translated, with each F0 prefix folded into the next byte's top bit. */
static unsigned to_set1(uint8_t *seq, unsigned n)
{
	unsigned i, o = 0;
	bool brk = false;

	for (i = 0; i < n; i++) {
		if (seq[i] == 0xf0) {
			brk = true;
			continue;
		}
		seq[o++] = (uint8_t)(ps2_translate(seq[i]) | (brk ? KBD_SET1_BREAK : 0));
		brk = false;
	}
	return o;
}

void ps2_kbd_key(struct ps2_kbd *k, unsigned code, bool down)
{
	uint8_t seq[PS2_SEQ_MAX];
	unsigned n = ps2_set2_sequence(code, down, seq), i;

	if (!k->scanning || !n)
		return;
	if (k->set == 1)
		n = to_set1(seq, n);
	/* All of a key's bytes or none: half a sequence would be another key. */
	if (ps2_queue_room(&k->out) < n) {
		__atomic_add_fetch(&k->dropped, 1, __ATOMIC_RELAXED);
		return;
	}
	for (i = 0; i < n; i++)
		send(k, seq[i]);
}

bool ps2_kbd_read(struct ps2_kbd *k, uint8_t *v)
{
	if (!ps2_queue_pop(&k->out, v))
		return false;
	k->last = *v;
	return true;
}

/* Its part of the i8042's record: pending command, set, LEDs, last byte, scanning, queue. */
void ps2_kbd_save(const struct ps2_kbd *kb, struct state_writer *w)
{
	state_put_u8(w, kb->pending);
	state_put_u8(w, kb->set);
	state_put_u8(w, kb->leds);
	state_put_u8(w, kb->last);
	state_put_bool(w, kb->scanning);
	ps2_queue_save(w, &kb->out);
}

void ps2_kbd_restore(struct ps2_kbd *kb, struct state_reader *r)
{
	kb->pending = state_get_u8(r);
	kb->set = state_get_u8(r);
	kb->leds = state_get_u8(r);
	kb->last = state_get_u8(r);
	kb->scanning = state_get_bool(r);
	ps2_queue_restore(r, &kb->out, PS2_QUEUE_SIZE);
	if (kb->set < 1 || kb->set > 2)
		state_reject(r);
}
