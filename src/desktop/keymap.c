/*
 * Keysym to Linux key code. Keysyms are X11's (X11/keysymdef.h, through
 * libvncserver's rfb/keysym.h); codes are linux/input-event-codes.h's.
 */
#include "desktop/keymap.h"

#include <linux/input-event-codes.h>
#include <rfb/keysym.h>

#include <stddef.h>

struct keymap_entry {
	uint32_t keysym;
	uint16_t key;
};

/* Keys whose keysyms are not one of the runs handled in keymap_keysym_to_key. */
static const struct keymap_entry keymap[] = {
	/* Latin-1 punctuation, unshifted and shifted (US layout). */
	{ XK_space, KEY_SPACE },
	{ XK_exclam, KEY_1 }, { XK_at, KEY_2 }, { XK_numbersign, KEY_3 },
	{ XK_dollar, KEY_4 }, { XK_percent, KEY_5 }, { XK_asciicircum, KEY_6 },
	{ XK_ampersand, KEY_7 }, { XK_asterisk, KEY_8 }, { XK_parenleft, KEY_9 },
	{ XK_parenright, KEY_0 },
	{ XK_minus, KEY_MINUS }, { XK_underscore, KEY_MINUS },
	{ XK_equal, KEY_EQUAL }, { XK_plus, KEY_EQUAL },
	{ XK_bracketleft, KEY_LEFTBRACE }, { XK_braceleft, KEY_LEFTBRACE },
	{ XK_bracketright, KEY_RIGHTBRACE }, { XK_braceright, KEY_RIGHTBRACE },
	{ XK_semicolon, KEY_SEMICOLON }, { XK_colon, KEY_SEMICOLON },
	{ XK_apostrophe, KEY_APOSTROPHE }, { XK_quotedbl, KEY_APOSTROPHE },
	{ XK_grave, KEY_GRAVE }, { XK_asciitilde, KEY_GRAVE },
	{ XK_backslash, KEY_BACKSLASH }, { XK_bar, KEY_BACKSLASH },
	{ XK_comma, KEY_COMMA }, { XK_less, KEY_COMMA },
	{ XK_period, KEY_DOT }, { XK_greater, KEY_DOT },
	{ XK_slash, KEY_SLASH }, { XK_question, KEY_SLASH },
	/* TTY functions. */
	{ XK_BackSpace, KEY_BACKSPACE }, { XK_Tab, KEY_TAB }, { XK_ISO_Left_Tab, KEY_TAB },
	{ XK_Return, KEY_ENTER }, { XK_Escape, KEY_ESC }, { XK_Delete, KEY_DELETE },
	{ XK_Pause, KEY_PAUSE }, { XK_Scroll_Lock, KEY_SCROLLLOCK }, { XK_Sys_Req, KEY_SYSRQ },
	{ XK_Print, KEY_SYSRQ },
	/* Modifiers. */
	{ XK_Shift_L, KEY_LEFTSHIFT }, { XK_Shift_R, KEY_RIGHTSHIFT },
	{ XK_Control_L, KEY_LEFTCTRL }, { XK_Control_R, KEY_RIGHTCTRL },
	{ XK_Alt_L, KEY_LEFTALT }, { XK_Alt_R, KEY_RIGHTALT },
	{ XK_ISO_Level3_Shift, KEY_RIGHTALT }, { XK_Mode_switch, KEY_RIGHTALT },
	{ XK_Meta_L, KEY_LEFTMETA }, { XK_Meta_R, KEY_RIGHTMETA },
	{ XK_Super_L, KEY_LEFTMETA }, { XK_Super_R, KEY_RIGHTMETA },
	{ XK_Caps_Lock, KEY_CAPSLOCK }, { XK_Num_Lock, KEY_NUMLOCK }, { XK_Menu, KEY_COMPOSE },
	/* Cursor control and editing. */
	{ XK_Home, KEY_HOME }, { XK_End, KEY_END },
	{ XK_Left, KEY_LEFT }, { XK_Up, KEY_UP }, { XK_Right, KEY_RIGHT }, { XK_Down, KEY_DOWN },
	{ XK_Page_Up, KEY_PAGEUP }, { XK_Page_Down, KEY_PAGEDOWN }, { XK_Insert, KEY_INSERT },
	/* Keypad: with Num Lock on and off. */
	{ XK_KP_0, KEY_KP0 }, { XK_KP_1, KEY_KP1 }, { XK_KP_2, KEY_KP2 }, { XK_KP_3, KEY_KP3 },
	{ XK_KP_4, KEY_KP4 }, { XK_KP_5, KEY_KP5 }, { XK_KP_6, KEY_KP6 }, { XK_KP_7, KEY_KP7 },
	{ XK_KP_8, KEY_KP8 }, { XK_KP_9, KEY_KP9 },
	{ XK_KP_Insert, KEY_KP0 }, { XK_KP_End, KEY_KP1 }, { XK_KP_Down, KEY_KP2 },
	{ XK_KP_Page_Down, KEY_KP3 }, { XK_KP_Left, KEY_KP4 }, { XK_KP_Begin, KEY_KP5 },
	{ XK_KP_Right, KEY_KP6 }, { XK_KP_Home, KEY_KP7 }, { XK_KP_Up, KEY_KP8 },
	{ XK_KP_Page_Up, KEY_KP9 },
	{ XK_KP_Decimal, KEY_KPDOT }, { XK_KP_Delete, KEY_KPDOT },
	{ XK_KP_Separator, KEY_KPCOMMA },
	{ XK_KP_Divide, KEY_KPSLASH }, { XK_KP_Multiply, KEY_KPASTERISK },
	{ XK_KP_Subtract, KEY_KPMINUS }, { XK_KP_Add, KEY_KPPLUS },
	{ XK_KP_Enter, KEY_KPENTER }, { XK_KP_Equal, KEY_KPEQUAL },
};

/* Digits 1-9 then 0 are consecutive codes; F1-F10, then F11 and F12 elsewhere. */
static unsigned run_key(uint32_t ks)
{
	static const uint16_t letters[26] = {
		KEY_A, KEY_B, KEY_C, KEY_D, KEY_E, KEY_F, KEY_G, KEY_H, KEY_I, KEY_J, KEY_K,
		KEY_L, KEY_M, KEY_N, KEY_O, KEY_P, KEY_Q, KEY_R, KEY_S, KEY_T, KEY_U, KEY_V,
		KEY_W, KEY_X, KEY_Y, KEY_Z,
	};

	if (ks >= XK_a && ks <= XK_z)
		return letters[ks - XK_a];
	if (ks >= XK_A && ks <= XK_Z)
		return letters[ks - XK_A];
	if (ks == XK_0)
		return KEY_0;
	if (ks >= XK_1 && ks <= XK_9)
		return KEY_1 + (ks - XK_1);
	if (ks >= XK_F1 && ks <= XK_F10)
		return KEY_F1 + (ks - XK_F1);
	if (ks == XK_F11)
		return KEY_F11;
	if (ks == XK_F12)
		return KEY_F12;
	return 0;
}

unsigned keymap_keysym_to_key(uint32_t keysym)
{
	unsigned key = run_key(keysym);
	size_t i;

	if (key)
		return key;
	for (i = 0; i < sizeof(keymap) / sizeof(keymap[0]); i++)
		if (keymap[i].keysym == keysym)
			return keymap[i].key;
	return 0;
}
