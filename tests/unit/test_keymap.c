/* Keysyms (X11 keysymdef.h) to Linux key codes (input-event-codes.h), a US keyboard's. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <linux/input-event-codes.h>
#include <rfb/keysym.h>

#include "desktop/keymap.h"

struct pair {
	uint32_t keysym;
	unsigned key;
};

static void check(const struct pair *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (keymap_keysym_to_key(p[i].keysym) != p[i].key)
			fail_msg("keysym 0x%x: key %u, expected %u", p[i].keysym,
				 keymap_keysym_to_key(p[i].keysym), p[i].key);
	}
}

static void test_letters_digits(void **state)
{
	static const struct pair p[] = {
		{ XK_a, KEY_A }, { XK_A, KEY_A }, { XK_q, KEY_Q }, { XK_m, KEY_M },
		{ XK_z, KEY_Z }, { XK_Z, KEY_Z }, { XK_1, KEY_1 }, { XK_9, KEY_9 },
		{ XK_0, KEY_0 }, { XK_exclam, KEY_1 }, { XK_parenright, KEY_0 },
		{ XK_at, KEY_2 }, { XK_asciicircum, KEY_6 },
	};

	(void)state;
	check(p, sizeof(p) / sizeof(p[0]));
}

static void test_punctuation(void **state)
{
	static const struct pair p[] = {
		{ XK_space, KEY_SPACE }, { XK_minus, KEY_MINUS }, { XK_underscore, KEY_MINUS },
		{ XK_equal, KEY_EQUAL }, { XK_plus, KEY_EQUAL }, { XK_bracketleft, KEY_LEFTBRACE },
		{ XK_braceright, KEY_RIGHTBRACE }, { XK_semicolon, KEY_SEMICOLON },
		{ XK_colon, KEY_SEMICOLON }, { XK_apostrophe, KEY_APOSTROPHE },
		{ XK_quotedbl, KEY_APOSTROPHE }, { XK_grave, KEY_GRAVE },
		{ XK_asciitilde, KEY_GRAVE }, { XK_backslash, KEY_BACKSLASH }, { XK_bar, KEY_BACKSLASH },
		{ XK_comma, KEY_COMMA }, { XK_less, KEY_COMMA }, { XK_period, KEY_DOT },
		{ XK_greater, KEY_DOT }, { XK_slash, KEY_SLASH }, { XK_question, KEY_SLASH },
	};

	(void)state;
	check(p, sizeof(p) / sizeof(p[0]));
}

static void test_function_and_modifiers(void **state)
{
	static const struct pair p[] = {
		{ XK_F1, KEY_F1 }, { XK_F5, KEY_F5 }, { XK_F10, KEY_F10 }, { XK_F11, KEY_F11 },
		{ XK_F12, KEY_F12 }, { XK_Escape, KEY_ESC }, { XK_Return, KEY_ENTER },
		{ XK_BackSpace, KEY_BACKSPACE }, { XK_Tab, KEY_TAB }, { XK_Delete, KEY_DELETE },
		{ XK_Shift_L, KEY_LEFTSHIFT }, { XK_Shift_R, KEY_RIGHTSHIFT },
		{ XK_Control_L, KEY_LEFTCTRL }, { XK_Control_R, KEY_RIGHTCTRL },
		{ XK_Alt_L, KEY_LEFTALT }, { XK_Alt_R, KEY_RIGHTALT },
		{ XK_ISO_Level3_Shift, KEY_RIGHTALT }, { XK_Super_L, KEY_LEFTMETA },
		{ XK_Caps_Lock, KEY_CAPSLOCK }, { XK_Num_Lock, KEY_NUMLOCK },
		{ XK_Scroll_Lock, KEY_SCROLLLOCK }, { XK_Print, KEY_SYSRQ }, { XK_Pause, KEY_PAUSE },
		{ XK_Menu, KEY_COMPOSE },
	};

	(void)state;
	check(p, sizeof(p) / sizeof(p[0]));
}

static void test_navigation_keypad(void **state)
{
	static const struct pair p[] = {
		{ XK_Home, KEY_HOME }, { XK_End, KEY_END }, { XK_Page_Up, KEY_PAGEUP },
		{ XK_Page_Down, KEY_PAGEDOWN }, { XK_Insert, KEY_INSERT }, { XK_Left, KEY_LEFT },
		{ XK_Right, KEY_RIGHT }, { XK_Up, KEY_UP }, { XK_Down, KEY_DOWN },
		{ XK_KP_0, KEY_KP0 }, { XK_KP_5, KEY_KP5 }, { XK_KP_9, KEY_KP9 },
		{ XK_KP_Home, KEY_KP7 }, { XK_KP_Insert, KEY_KP0 }, { XK_KP_Begin, KEY_KP5 },
		{ XK_KP_Enter, KEY_KPENTER }, { XK_KP_Add, KEY_KPPLUS },
		{ XK_KP_Subtract, KEY_KPMINUS }, { XK_KP_Multiply, KEY_KPASTERISK },
		{ XK_KP_Divide, KEY_KPSLASH }, { XK_KP_Decimal, KEY_KPDOT },
		{ XK_KP_Delete, KEY_KPDOT },
	};

	(void)state;
	check(p, sizeof(p) / sizeof(p[0]));
}

static void test_unmapped(void **state)
{
	(void)state;
	assert_int_equal(keymap_keysym_to_key(0), 0);
	assert_int_equal(keymap_keysym_to_key(XK_F13), 0);
	assert_int_equal(keymap_keysym_to_key(0x20ac), 0);	/* EuroSign */
	assert_int_equal(keymap_keysym_to_key(0xffffffff), 0);
	assert_int_equal(keymap_keysym_to_key(XK_z + 5), 0);	/* 0x7f: nothing */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_letters_digits),
		cmocka_unit_test(test_punctuation),
		cmocka_unit_test(test_function_and_modifiers),
		cmocka_unit_test(test_navigation_keypad),
		cmocka_unit_test(test_unmapped),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
