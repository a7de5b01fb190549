/*
 * RFB key events carry X11 keysyms (RFC 6143, 7.5.4); the guest's input
 * devices take Linux key codes (linux/input-event-codes.h). The table is a
 * US keyboard's: a shifted symbol is the key that makes it (the viewer
 * sends the Shift key on its own).
 */
#ifndef VESSEL_DESKTOP_KEYMAP_H
#define VESSEL_DESKTOP_KEYMAP_H

#include <stdint.h>

/* The KEY_* code of @keysym, or 0 (KEY_RESERVED) for a keysym with no key. */
unsigned keymap_keysym_to_key(uint32_t keysym);

#endif
