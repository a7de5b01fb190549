/* Which framebuffer pages the display keeps writable, and when they cool. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "desktop/hot_pages.h"

#define WORDS	4
#define BITS	(8 * sizeof(unsigned long))
#define COOL	3

static unsigned long dirty[WORDS], changed[WORDS];

static void set(unsigned long *bm, size_t page)
{
	bm[page / BITS] |= 1ul << (page % BITS);
}

static int kept(const struct hot_pages *h, size_t page)
{
	return h->keep[page / BITS] >> (page % BITS) & 1;
}

/* One frame: @d pages reported dirty, @c of them changed. */
static void frame(struct hot_pages *h, const size_t *d, size_t nd, const size_t *c, size_t nc)
{
	size_t i;

	memset(dirty, 0, sizeof(dirty));
	memset(changed, 0, sizeof(changed));
	for (i = 0; i < nd; i++)
		set(dirty, d[i]);
	for (i = 0; i < nc; i++)
		set(changed, c[i]);
	hot_pages_update(h, dirty, changed);
}

/* A page that changed is kept; one drawn once and not reported again is not. */
static void test_changed_page_kept(void **state)
{
	static const size_t pages[] = { 0, 63, 64, 255 };
	struct hot_pages h;
	size_t i;

	(void)state;
	assert_int_equal(hot_pages_init(&h, WORDS, COOL), 0);
	frame(&h, pages, 4, pages, 4);
	for (i = 0; i < 4; i++)
		assert_true(kept(&h, pages[i]));
	assert_false(kept(&h, 1));
	/* Not reported: protected by then (drawn once, or by another user's sync). */
	frame(&h, pages, 2, NULL, 0);
	assert_true(kept(&h, 0));
	assert_true(kept(&h, 63));
	assert_false(kept(&h, 64));
	assert_false(kept(&h, 255));
	hot_pages_free(&h);
}

/* A hot page unchanged for COOL frames is protected again; a change resets its age. */
static void test_still_page_cools(void **state)
{
	static const size_t page[] = { 70 };
	struct hot_pages h;
	unsigned i;

	(void)state;
	assert_int_equal(hot_pages_init(&h, WORDS, COOL), 0);
	frame(&h, page, 1, page, 1);
	for (i = 0; i < COOL - 1; i++) {
		frame(&h, page, 1, NULL, 0);
		assert_true(kept(&h, 70));
	}
	frame(&h, page, 1, page, 1);	/* changed again: a full COOL frames more */
	for (i = 0; i < COOL - 1; i++) {
		frame(&h, page, 1, NULL, 0);
		assert_true(kept(&h, 70));
	}
	frame(&h, page, 1, NULL, 0);
	assert_false(kept(&h, 70));
	/* Cooled, still reported (the sync that protects it): it stays cool. */
	frame(&h, page, 1, NULL, 0);
	assert_false(kept(&h, 70));
	hot_pages_free(&h);
}

/* A page reported but unchanged and not hot never turns hot. */
static void test_unchanged_page_not_kept(void **state)
{
	static const size_t page[] = { 5 };
	struct hot_pages h;

	(void)state;
	assert_int_equal(hot_pages_init(&h, WORDS, COOL), 0);
	frame(&h, page, 1, NULL, 0);
	assert_false(kept(&h, 5));
	hot_pages_free(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_changed_page_kept),
		cmocka_unit_test(test_still_page_cools),
		cmocka_unit_test(test_unchanged_page_not_kept),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
