/*
 * The PS/2 keyboard behind the i8042's first port: its commands (IBM PS/2
 * Technical Reference, keyboard commands), and Linux key codes sent as scan
 * code set 2 (or set 1 when the guest asks for it; set 3 is refused).
 */
#ifndef VESSEL_HW_PS2_KBD_H
#define VESSEL_HW_PS2_KBD_H

#include "hw/ps2_queue.h"

#include <stdbool.h>
#include <stdint.h>

struct ps2_kbd {
	struct ps2_queue out;
	uint8_t pending;	/* command awaiting its parameter */
	uint8_t set;		/* scan code set: 1 or 2 */
	uint8_t leds;		/* ED's parameter: scroll, num, caps lock */
	uint8_t last;		/* the last byte sent, for a resend */
	bool scanning;		/* F4 on, F5 off: keys are sent */
	uint64_t dropped;	/* key events with no room in the buffer */
};

void ps2_kbd_reset(struct ps2_kbd *k);
/* A byte the host sent the keyboard (the i8042's data port). */
void ps2_kbd_write(struct ps2_kbd *k, uint8_t v);
/* Key @code (a KEY_* code) went down or up. */
void ps2_kbd_key(struct ps2_kbd *k, unsigned code, bool down);
/* The keyboard's next byte for the controller; false if it has none. */
bool ps2_kbd_read(struct ps2_kbd *k, uint8_t *v);

/* Its part of the i8042's saved record; restore rejects values it cannot have. */
void ps2_kbd_save(const struct ps2_kbd *kb, struct state_writer *w);
void ps2_kbd_restore(struct ps2_kbd *kb, struct state_reader *r);

#endif
