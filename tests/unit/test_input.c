/* The input router's policy: which device gets a viewer's event. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/input.h"

#include <string.h>

struct fake {
	bool ready;
	unsigned keys, pointers, last_code, last_x, last_y, last_buttons;
	bool last_down;
};

static bool fake_ready(void *dev)
{
	return ((struct fake *)dev)->ready;
}

static void fake_key(void *dev, unsigned code, bool down)
{
	struct fake *f = dev;

	f->keys++;
	f->last_code = code;
	f->last_down = down;
}

static void fake_pointer(void *dev, unsigned x, unsigned y, unsigned buttons)
{
	struct fake *f = dev;

	f->pointers++;
	f->last_x = x;
	f->last_y = y;
	f->last_buttons = buttons;
}

static const struct input_sink_ops keyboard = { fake_ready, fake_key, NULL };
static const struct input_sink_ops tablet = { fake_ready, NULL, fake_pointer };
static const struct input_sink_ops always_keyboard = { NULL, fake_key, NULL };

static void test_ready_by_priority(void **state)
{
	struct input_router r;
	struct fake ps2 = { .ready = true }, virtio = { .ready = true };

	(void)state;
	input_router_init(&r);
	/* Added low first: the order of registration must not matter. */
	assert_int_equal(input_router_add(&r, &keyboard, &ps2, 0), 0);
	assert_int_equal(input_router_add(&r, &keyboard, &virtio, 10), 0);
	input_route_key(&r, 30, true);
	assert_int_equal(virtio.keys, 1);
	assert_int_equal(ps2.keys, 0);
	assert_int_equal(virtio.last_code, 30);
	assert_true(virtio.last_down);
	/* The guest has not set virtio-input up (yet, or any more): the i8042 takes it. */
	virtio.ready = false;
	input_route_key(&r, 31, true);
	assert_int_equal(ps2.keys, 1);
	assert_int_equal(ps2.last_code, 31);
	assert_int_equal(r.routed, 2);
	assert_int_equal(r.dropped, 0);
}

static void test_none_ready_falls_back_to_first(void **state)
{
	struct input_router r;
	struct fake ps2 = { 0 }, virtio = { 0 };

	(void)state;
	input_router_init(&r);
	input_router_add(&r, &keyboard, &ps2, 0);
	input_router_add(&r, &keyboard, &virtio, 10);
	input_route_key(&r, 1, true);
	assert_int_equal(virtio.keys, 1);	/* early keys wait in the device the guest will use */
	assert_int_equal(ps2.keys, 0);
}

static void test_keys_and_pointer_kept_apart(void **state)
{
	struct input_router r;
	struct fake kbd = { .ready = true }, tab = { .ready = true };

	(void)state;
	input_router_init(&r);
	input_router_add(&r, &tablet, &tab, 10);
	input_router_add(&r, &keyboard, &kbd, 10);
	input_route_key(&r, 16, true);
	input_route_pointer(&r, 100, 200, INPUT_BTN_LEFT);
	assert_int_equal(kbd.keys, 1);
	assert_int_equal(kbd.pointers, 0);
	assert_int_equal(tab.keys, 0);
	assert_int_equal(tab.pointers, 1);
	assert_int_equal(tab.last_x, 100);
	assert_int_equal(tab.last_y, 200);
	assert_int_equal(tab.last_buttons, INPUT_BTN_LEFT);
}

static void test_clamp_and_drop(void **state)
{
	struct input_router r;
	struct fake tab = { .ready = true };

	(void)state;
	input_router_init(&r);
	input_route_key(&r, 30, true);	/* nothing registered */
	input_route_pointer(&r, 1, 1, 0);
	assert_int_equal(r.dropped, 2);
	input_router_add(&r, &tablet, &tab, 0);
	input_route_key(&r, 30, true);	/* a tablet has no keys */
	assert_int_equal(r.dropped, 3);
	input_route_pointer(&r, 100000, INPUT_ABS_MAX + 1, 0);
	assert_int_equal(tab.last_x, INPUT_ABS_MAX);
	assert_int_equal(tab.last_y, INPUT_ABS_MAX);
	assert_int_equal(r.routed, 1);
}

static void test_no_ready_hook_is_always_ready(void **state)
{
	struct input_router r;
	struct fake a = { 0 }, b = { .ready = true };

	(void)state;
	input_router_init(&r);
	input_router_add(&r, &always_keyboard, &a, 5);
	input_router_add(&r, &keyboard, &b, 1);
	input_route_key(&r, 2, true);
	assert_int_equal(a.keys, 1);
	assert_int_equal(b.keys, 0);
}

static void test_full(void **state)
{
	struct input_router r;
	struct fake f = { 0 };
	unsigned i;

	(void)state;
	input_router_init(&r);
	for (i = 0; i < INPUT_MAX_SINKS; i++)
		assert_int_equal(input_router_add(&r, &keyboard, &f, (int)i), 0);
	assert_int_equal(input_router_add(&r, &keyboard, &f, 0), -1);
	assert_int_equal(r.nr, INPUT_MAX_SINKS);
}

/* The guest's virtio driver comes up between a press and its release. */
static void test_release_follows_press(void **state)
{
	struct input_router r;
	struct fake ps2 = { .ready = true }, virtio = { 0 };

	(void)state;
	input_router_init(&r);
	input_router_add(&r, &keyboard, &ps2, 0);
	input_router_add(&r, &keyboard, &virtio, 10);
	input_route_key(&r, 42, true);
	assert_int_equal(ps2.keys, 1);
	virtio.ready = true;
	input_route_key(&r, 42, false);	/* to the i8042, which has the key down */
	assert_int_equal(ps2.keys, 2);
	assert_false(ps2.last_down);
	assert_int_equal(virtio.keys, 0);
	input_route_key(&r, 42, false);	/* a release of a key not down: the ready device */
	assert_int_equal(virtio.keys, 1);
	input_route_key(&r, 0x2ff, true);	/* the last code tracked */
	input_route_key(&r, 0x300, true);	/* past it: routed, not tracked */
	virtio.ready = false;
	input_route_key(&r, 0x2ff, false);
	input_route_key(&r, 0x300, false);
	assert_int_equal(virtio.keys, 4);
	assert_int_equal(ps2.keys, 3);
	assert_int_equal(virtio.last_code, 0x2ff);
	assert_int_equal(ps2.last_code, 0x300);
}

static void test_pointer_switch_lets_go(void **state)
{
	struct input_router r;
	struct fake ps2 = { .ready = true }, virtio = { 0 };

	(void)state;
	input_router_init(&r);
	input_router_add(&r, &tablet, &ps2, 0);
	input_router_add(&r, &tablet, &virtio, 10);
	input_route_pointer(&r, 10, 20, INPUT_BTN_LEFT);
	assert_int_equal(ps2.pointers, 1);
	virtio.ready = true;
	input_route_pointer(&r, 30, 40, INPUT_BTN_LEFT);
	assert_int_equal(ps2.pointers, 2);	/* the i8042's mouse lets go of the button */
	assert_int_equal(ps2.last_buttons, 0);
	assert_int_equal(ps2.last_x, 30);
	assert_int_equal(virtio.pointers, 1);
	assert_int_equal(virtio.last_buttons, INPUT_BTN_LEFT);
	virtio.ready = false;
	input_route_pointer(&r, 50, 60, 0);	/* back: virtio-input lets go */
	assert_int_equal(virtio.pointers, 2);
	assert_int_equal(virtio.last_buttons, 0);
	assert_int_equal(ps2.pointers, 3);
	virtio.ready = true;
	input_route_pointer(&r, 70, 80, 0);	/* nothing held: no extra event */
	assert_int_equal(ps2.pointers, 3);
	assert_int_equal(virtio.pointers, 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ready_by_priority),
		cmocka_unit_test(test_none_ready_falls_back_to_first),
		cmocka_unit_test(test_keys_and_pointer_kept_apart),
		cmocka_unit_test(test_clamp_and_drop),
		cmocka_unit_test(test_no_ready_hook_is_always_ready),
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_release_follows_press),
		cmocka_unit_test(test_pointer_switch_lets_go),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
