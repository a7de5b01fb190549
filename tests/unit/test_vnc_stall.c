/* When a viewer's update is sent, skipped, or the viewer let go (desktop/vnc_stall.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "desktop/vnc_stall.h"

#define ROOM	65536
#define SEC	1000000000ull

/* An empty socket takes anything, even more than it holds; a filling one what fits. */
static void test_send_when_it_fits(void **state)
{
	struct vnc_stall st = { 0 };

	(void)state;
	assert_int_equal(vnc_stall_judge(&st, 0, ROOM, 4 * ROOM, 1 * SEC), VNC_STALL_SEND);
	assert_int_equal(vnc_stall_judge(&st, ROOM / 2, ROOM, ROOM / 2, 1 * SEC), VNC_STALL_SEND);
	assert_int_equal(vnc_stall_judge(&st, ROOM / 2, ROOM, ROOM / 2 + 1, 1 * SEC),
			 VNC_STALL_SKIP);
	assert_int_equal(vnc_stall_judge(&st, 2 * ROOM, ROOM, 1, 1 * SEC), VNC_STALL_SKIP);
	/* However large the kernel's buffer, a viewer that far behind waits. */
	assert_int_equal(vnc_stall_judge(&st, VNC_STALL_QUEUE_MAX, 64 << 20, 1, 1 * SEC),
			 VNC_STALL_SKIP);
	assert_int_equal(vnc_stall_judge(&st, VNC_STALL_QUEUE_MAX - 100, 64 << 20, 100, 1 * SEC),
			 VNC_STALL_SEND);
}

/* A socket that stays full is skipped, then let go VNC_STALL_DROP_NS after the first skip. */
static void test_drop_after_stall(void **state)
{
	struct vnc_stall st = { 0 };
	uint64_t t = 10 * SEC;

	(void)state;
	assert_int_equal(vnc_stall_judge(&st, ROOM, ROOM, 100, t), VNC_STALL_SKIP);
	assert_int_equal(vnc_stall_judge(&st, ROOM, ROOM, 100, t + VNC_STALL_DROP_NS - 1),
			 VNC_STALL_SKIP);
	assert_int_equal(vnc_stall_judge(&st, ROOM, ROOM, 100, t + VNC_STALL_DROP_NS),
			 VNC_STALL_DROP);
}

/* A queue that shrinks is a slow viewer, not a stuck one; an update sent starts afresh. */
static void test_progress_restarts_the_clock(void **state)
{
	struct vnc_stall st = { 0 };
	uint64_t t = 10 * SEC;

	(void)state;
	assert_int_equal(vnc_stall_judge(&st, ROOM, ROOM, 100, t), VNC_STALL_SKIP);
	assert_int_equal(vnc_stall_judge(&st, ROOM - 1, ROOM, 100, t + 4 * SEC), VNC_STALL_SKIP);
	assert_int_equal(vnc_stall_judge(&st, ROOM - 1, ROOM, 100, t + 8 * SEC), VNC_STALL_SKIP);
	assert_int_equal(vnc_stall_judge(&st, ROOM - 1, ROOM, 100, t + 4 * SEC + VNC_STALL_DROP_NS),
			 VNC_STALL_DROP);
	assert_int_equal(vnc_stall_judge(&st, 0, ROOM, 100, t + 20 * SEC), VNC_STALL_SEND);
	assert_int_equal(vnc_stall_judge(&st, ROOM, ROOM, 100, t + 21 * SEC), VNC_STALL_SKIP);
	assert_int_equal(vnc_stall_judge(&st, ROOM, ROOM, 100, t + 25 * SEC), VNC_STALL_SKIP);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_send_when_it_fits),
		cmocka_unit_test(test_drop_after_stall),
		cmocka_unit_test(test_progress_restarts_the_clock),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
