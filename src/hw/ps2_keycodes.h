/*
 * Linux key codes (KEY_*, linux/input-event-codes.h) as a PS/2 keyboard
 * sends them: scan code set 2, the keyboard's own (Microsoft's Keyboard Scan
 * Code Specification, rev. 1.3a), and the i8042's translation of set 2 to
 * set 1, which is what the controller hands the CPU while its command byte
 * has the translation bit (IBM PS/2 Technical Reference, 8042 translation).
 */
#ifndef VESSEL_HW_PS2_KEYCODES_H
#define VESSEL_HW_PS2_KEYCODES_H

#include <stdbool.h>
#include <stdint.h>

#define PS2_SEQ_MAX	8	/* Pause's make code is the longest sequence */

#define KEY_SYSRQ	99	/* Print Screen */
#define KEY_PAUSE	119

/*
 * The set 2 bytes the keyboard sends as key @code goes down (@down) or up;
 * returns their number, 0 for a code it has no key for (Pause sends nothing
 * when it is released).
 */
unsigned ps2_set2_sequence(unsigned code, bool down, uint8_t seq[PS2_SEQ_MAX]);

/* One byte through the controller's translation (break prefixes are the caller's). */
uint8_t ps2_translate(uint8_t set2);

#endif
