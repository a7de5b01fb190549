/* Which framebuffer pages stay writable: one bit and one age a page. */
#include "desktop/hot_pages.h"

#include <stdlib.h>
#include <string.h>

#define BITS_PER_WORD	(8 * sizeof(unsigned long))

int hot_pages_init(struct hot_pages *h, size_t words, unsigned cool_frames)
{
	h->words = words;
	h->cool_frames = cool_frames < UINT8_MAX ? cool_frames : UINT8_MAX;
	h->keep = calloc(words, sizeof(unsigned long));
	h->still = calloc(words * BITS_PER_WORD, 1);
	if (h->keep && h->still)
		return 0;
	hot_pages_free(h);
	return -1;
}

/*
 * Per word: a page that changed is (or stays) hot, its age back to 0; a
 * hot page reported but unchanged ages, and cools at cool_frames.
 */
static unsigned long update_word(struct hot_pages *h, size_t i, unsigned long dirty,
				 unsigned long changed)
{
	unsigned long hot = dirty & changed, aging = dirty & ~changed & h->keep[i], bits;
	size_t page;

	for (bits = hot; bits; bits &= bits - 1) {
		page = i * BITS_PER_WORD + (size_t)__builtin_ctzl(bits);
		h->still[page] = 0;
	}
	for (bits = aging; bits; bits &= bits - 1) {
		page = i * BITS_PER_WORD + (size_t)__builtin_ctzl(bits);
		if (++h->still[page] < h->cool_frames)
			hot |= bits & -bits;
	}
	return hot;
}

void hot_pages_update(struct hot_pages *h, const unsigned long *dirty,
		      const unsigned long *changed)
{
	size_t i;

	for (i = 0; i < h->words; i++)
		if (dirty[i] | h->keep[i])
			h->keep[i] = update_word(h, i, dirty[i], changed[i]);
}

void hot_pages_free(struct hot_pages *h)
{
	free(h->keep);
	free(h->still);
	h->keep = NULL;
	h->still = NULL;
}
