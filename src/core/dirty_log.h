/*
 * Which guest pages were written: KVM's dirty log of a memory slot
 * (KVM_GET_DIRTY_LOG, and KVM_CLEAR_DIRTY_LOG with manual protection where
 * the kernel has it), merged with the writes the VMM's own devices made
 * (which KVM does not see). Each user (a display, a migration) has its own
 * view of a region: one user's sync never hides pages from another.
 */
#ifndef VESSEL_CORE_DIRTY_LOG_H
#define VESSEL_CORE_DIRTY_LOG_H

#include "core/error.h"
#include "core/guest_mem.h"
#include "core/kvm.h"

#include <stddef.h>

struct dirty_log {
	struct kvm *kvm;
	struct guest_mem *gm;
	struct guest_mem_region *r;
	size_t words;			/* of the bitmaps: one bit a page */
	unsigned long *pending;		/* gathered for this user, not handed out yet */
	unsigned long *clear;		/* the pages a sync write-protects again */
};

/* Start logging @r's writes for a new user; its first sync shows what came after. */
int dirty_log_open(struct dirty_log *d, struct kvm *kvm, struct guest_mem *gm,
		   struct guest_mem_region *r, struct error *err);
/*
 * The pages written since the last sync (or the open) into @bitmap
 * (dirty_log_words(d) words); this user's record then starts afresh.
 */
int dirty_log_sync(struct dirty_log *d, unsigned long *bitmap, struct error *err);
/*
 * dirty_log_sync, leaving the pages set in @keep writable: with manual
 * protection KVM does not log the writes to a page until it is protected
 * again, so it keeps reporting a kept page dirty, at every sync of every
 * user, until a sync that does not keep it (write-protecting a page is
 * what costs, on a host that shadows the guest's page tables most of all).
 * For a user that looks at the same pages again and again, as a display
 * does where the guest keeps drawing. @keep may be NULL.
 */
int dirty_log_sync_keep(struct dirty_log *d, unsigned long *bitmap, const unsigned long *keep,
			struct error *err);
/* The last user gone, the slot stops logging. */
void dirty_log_close(struct dirty_log *d);

static inline size_t dirty_log_words(const struct dirty_log *d)
{
	return d->words;
}

#endif
