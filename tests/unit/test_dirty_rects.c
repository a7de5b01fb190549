/* Dirty framebuffer pages to the rectangles of the mode they hold. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "desktop/dirty_rects.h"

#define WORDS	((16u << 20) / 4096 / 64)	/* a 16 MiB framebuffer's bitmap */
#define BITS	(8 * sizeof(unsigned long))

static unsigned long bitmap[WORDS];

static void dirty(unsigned long page)
{
	bitmap[page / BITS] |= 1ul << (page % BITS);
}

static struct display_scanout mode(unsigned w, unsigned h, uint64_t offset)
{
	return (struct display_scanout){ .enabled = true, .width = w, .height = h,
					 .stride = w * 4, .offset = offset };
}

static int setup(void **state)
{
	(void)state;
	memset(bitmap, 0, sizeof(bitmap));
	return 0;
}

/* 1024 wide: a row is exactly a page; 32 rows of a square are 32 pages, one rectangle. */
static void test_rows_of_pages(void **state)
{
	struct display_scanout s = mode(1024, 768, 0);
	struct fb_rect r[DIRTY_RECTS_MAX];
	unsigned y;

	(void)state;
	assert_int_equal(dirty_rects(bitmap, WORDS, &s, r, DIRTY_RECTS_MAX), 0);
	for (y = 32; y < 64; y++)
		dirty(y);
	assert_int_equal(dirty_rects(bitmap, WORDS, &s, r, DIRTY_RECTS_MAX), 1);
	assert_int_equal(r[0].x, 0);
	assert_int_equal(r[0].y, 32);
	assert_int_equal(r[0].w, 1024);
	assert_int_equal(r[0].h, 32);
	/* Two runs of rows: two rectangles. */
	dirty(700);
	assert_int_equal(dirty_rects(bitmap, WORDS, &s, r, DIRTY_RECTS_MAX), 2);
	assert_int_equal(r[1].y, 700);
	assert_int_equal(r[1].h, 1);
}

/* 1280 wide: a row is 5120 bytes, a page holds part of a row: the columns it covers. */
static void test_partial_rows(void **state)
{
	struct display_scanout s = mode(1280, 720, 0);
	struct fb_rect r[DIRTY_RECTS_MAX];

	(void)state;
	dirty(1);	/* bytes 4096..8191: row 0 from x 1024, row 1 up to x 768 */
	assert_int_equal(dirty_rects(bitmap, WORDS, &s, r, DIRTY_RECTS_MAX), 1);
	assert_int_equal(r[0].y, 0);
	assert_int_equal(r[0].h, 2);
	assert_int_equal(r[0].x, 0);
	assert_int_equal(r[0].w, 1280);
	setup(NULL);
	dirty(0);	/* row 0, x 0..1023 only */
	assert_int_equal(dirty_rects(bitmap, WORDS, &s, r, DIRTY_RECTS_MAX), 1);
	assert_int_equal(r[0].x, 0);
	assert_int_equal(r[0].w, 1024);
	assert_int_equal(r[0].h, 1);
}

/* A panned mode (the second buffer): pages before the offset are not on the screen. */
static void test_offset_and_bounds(void **state)
{
	struct display_scanout s = mode(1024, 768, 768ull * 4096);
	struct fb_rect r[DIRTY_RECTS_MAX];

	(void)state;
	dirty(10);
	assert_int_equal(dirty_rects(bitmap, WORDS, &s, r, DIRTY_RECTS_MAX), 0);
	dirty(768 + 5);
	assert_int_equal(dirty_rects(bitmap, WORDS, &s, r, DIRTY_RECTS_MAX), 1);
	assert_int_equal(r[0].y, 5);
	/* A bitmap shorter than the mode: the rest reads as clean. */
	assert_int_equal(dirty_rects(bitmap, 1, &s, r, DIRTY_RECTS_MAX), 0);
	s.enabled = false;
	assert_int_equal(dirty_rects(bitmap, WORDS, &s, r, DIRTY_RECTS_MAX), 0);
}

/* More runs than rectangles: the last one grows to hold the rest. */
static void test_merge_when_full(void **state)
{
	struct display_scanout s = mode(1024, 768, 0);
	struct fb_rect r[4];
	unsigned y;

	(void)state;
	for (y = 0; y < 768; y += 2)
		dirty(y);
	assert_int_equal(dirty_rects(bitmap, WORDS, &s, r, 4), 4);
	assert_int_equal(r[0].y, 0);
	assert_int_equal(r[0].h, 1);
	assert_int_equal(r[3].y, 6);
	assert_int_equal(r[3].y + r[3].h, 767);
	assert_int_equal(r[3].w, 1024);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_rows_of_pages, setup),
		cmocka_unit_test_setup(test_partial_rows, setup),
		cmocka_unit_test_setup(test_offset_and_bounds, setup),
		cmocka_unit_test_setup(test_merge_when_full, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
