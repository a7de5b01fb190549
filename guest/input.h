/*
 * Viewer input as the built-in guest sees it: virtio-input keyboards and
 * tablets (PCI 1af4:1052) and the i8042's PS/2 keyboard and mouse, each
 * interrupting the CPU, which halts while none has an event.
 */
#ifndef VESSEL_GUEST_INPUT_H
#define VESSEL_GUEST_INPUT_H

#include "guest.h"

#define GUEST_INPUT_ABS_MAX	0x7fff	/* each pointer axis, as the VMM's router has it */
#define GUEST_KEY_ESC		1	/* the default quit key (vessel.quitkey=CODE) */

/*
 * Find the input devices, then report each event on the console until key
 * @quit_key goes down, and return:
 *   vessel-guest: input: key CODE down|up via virtio|ps2
 *   vessel-guest: input: pointer X Y buttons B via virtio|ps2
 * CODE is a Linux KEY_* code; X and Y are 0 .. GUEST_INPUT_ABS_MAX (the PS/2
 * mouse's relative motion summed from 0,0, at 32 units a count); B is the
 * VMM's INPUT_BTN_* mask (1 left, 2 middle, 4 right, 8 wheel up, 16 wheel
 * down). @pointer_moved, if not NULL, is called with each new position.
 */
void input_report_until_quit(const struct acpi_info *acpi, unsigned quit_key,
			     void (*pointer_moved)(unsigned x, unsigned y, void *arg), void *arg);

/* Between input.c and ps2.c: one report of an event, and the i8042 side. */
struct input_report {
	unsigned quit_key;
	int quit;		/* the quit key went down */
	void (*pointer_moved)(unsigned x, unsigned y, void *arg);
	void *arg;
};

void input_key(struct input_report *r, unsigned code, int down, const char *via);
void input_pointer(struct input_report *r, unsigned x, unsigned y, unsigned buttons,
		   const char *via);
/*
 * Enable the i8042's keyboard and mouse (translation on, stream mode), their
 * interrupts (IRQ 1 and 12) routed to this CPU.
 */
int ps2_start(void);
/* Take one byte from the i8042, if it has one, into the reports; returns whether it had one. */
int ps2_poll(struct input_report *r);

#endif
