/*
 * The framebuffer pages the guest keeps drawing on: left writable by the
 * dirty log (dirty_log_sync_keep), so that each frame of an animation
 * costs no write-protection and no fault, and compared with the server's
 * copy at every frame instead (they are reported dirty at every sync while
 * kept). A page whose pixels changed is kept at the next sync: if the
 * guest wrote it again by then, it stays writable (a page drawn once is
 * protected as before). A hot page whose pixels stayed the same for
 * @cool_frames frames is protected again, so a still screen goes back to
 * costing nothing.
 */
#ifndef VESSEL_DESKTOP_HOT_PAGES_H
#define VESSEL_DESKTOP_HOT_PAGES_H

#include <stddef.h>
#include <stdint.h>

struct hot_pages {
	size_t words;			/* of the bitmaps: one bit a page */
	unsigned long *keep;		/* the hot pages: what the next sync leaves writable */
	uint8_t *still;			/* frames in a row each hot page did not change */
	unsigned cool_frames;
};

/* For a region of @words bitmap words; -1 when out of memory. */
int hot_pages_init(struct hot_pages *h, size_t words, unsigned cool_frames);
/*
 * After a frame: @dirty the pages the sync reported, @changed those whose
 * pixels differed from the copy. Only a reported page can stay hot: one
 * that was not (another user of the log protected it) is writable no more.
 */
void hot_pages_update(struct hot_pages *h, const unsigned long *dirty,
		      const unsigned long *changed);
void hot_pages_free(struct hot_pages *h);

#endif
