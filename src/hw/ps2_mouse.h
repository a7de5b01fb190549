/*
 * The PS/2 mouse behind the i8042's aux port: its commands (IBM PS/2
 * Technical Reference, pointing device commands; Microsoft's IntelliMouse
 * wheel extension) and its movement packets. The viewer's pointer is
 * absolute; the mouse reports how far it moved since its last packet, in
 * counts of PS2_MOUSE_UNIT pointer units, so a driver that sums the packets
 * (from 0,0 at start) is where the viewer's pointer is, at 1024 counts per
 * axis. Motion is held until the controller has room for a packet and split
 * over as many packets as it needs, so nothing overflows and nothing is lost.
 */
#ifndef VESSEL_HW_PS2_MOUSE_H
#define VESSEL_HW_PS2_MOUSE_H

#include "hw/ps2_queue.h"

#include <stdbool.h>
#include <stdint.h>

#define PS2_MOUSE_UNIT		32	/* INPUT_ABS_MAX + 1 = 1024 counts */
#define PS2_MOUSE_ID		0x00
#define PS2_MOUSE_ID_WHEEL	0x03	/* IntelliMouse: 4-byte packets, the wheel in the 4th */

struct ps2_mouse {
	struct ps2_queue out;
	uint8_t pending;	/* command awaiting its parameter */
	uint8_t id;
	uint8_t rate, resolution;
	uint8_t knock[3];	/* the last sample rates set: 200, 100, 80 unlocks the wheel */
	bool enabled;		/* F4: streaming reports */
	bool remote;		/* F0: reports only when asked (EB) */
	bool wrap;		/* EE: echo everything back */
	bool scaling21;		/* E7; reported by E9, not applied: counts stay exact */
	/* Where the viewer's pointer is and where the reports so far put it, in counts. */
	int x, y, reported_x, reported_y;
	int wheel;		/* notches not reported yet: + is towards the user */
	unsigned held;		/* the viewer's INPUT_BTN_* mask last seen */
	uint8_t buttons, reported_buttons;	/* PS/2 order: bit 0 left, 1 right, 2 middle */
};

void ps2_mouse_reset(struct ps2_mouse *m);
void ps2_mouse_write(struct ps2_mouse *m, uint8_t v);
/* The viewer's pointer: absolute (core/input.h), INPUT_BTN_* buttons. */
void ps2_mouse_move(struct ps2_mouse *m, unsigned x, unsigned y, unsigned buttons);
/* The next byte for the controller: a command's reply, or a movement packet in stream mode. */
bool ps2_mouse_read(struct ps2_mouse *m, uint8_t *v);

/* Its part of the i8042's saved record; restore rejects values it cannot have. */
void ps2_mouse_save(const struct ps2_mouse *m, struct state_writer *w);
void ps2_mouse_restore(struct ps2_mouse *m, struct state_reader *r);

#endif
