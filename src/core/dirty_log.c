#include "core/dirty_log.h"

#include <errno.h>
#include <linux/kvm.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#define BITS_PER_WORD (8 * sizeof(unsigned long))

static size_t region_words(const struct guest_mem_region *r)
{
	uint64_t pages = r->size / GUEST_PAGE_SIZE;

	/* KVM's bitmaps are a whole number of 64-bit words. */
	return (size_t)((pages + 63) / 64) * (64 / BITS_PER_WORD);
}

static int set_logging(struct dirty_log *d, bool on, struct error *err)
{
	struct guest_mem_region *r = d->r;
	uint32_t old = r->flags;

	r->flags = on ? old | KVM_MEM_LOG_DIRTY_PAGES : old & ~(uint32_t)KVM_MEM_LOG_DIRTY_PAGES;
	if (kvm_set_memory_region(d->kvm, r, r->size, err)) {
		r->flags = old;
		return -1;
	}
	return 0;
}

int dirty_log_open(struct dirty_log *d, struct kvm *kvm, struct guest_mem *gm,
		   struct guest_mem_region *r, struct error *err)
{
	int ret = -1;

	*d = (struct dirty_log){ .kvm = kvm, .gm = gm, .r = r, .words = region_words(r) };
	d->pending = calloc(d->words, sizeof(unsigned long));
	d->clear = calloc(d->words, sizeof(unsigned long));
	if (!d->pending || !d->clear) {
		free(d->pending);
		free(d->clear);
		d->pending = d->clear = NULL;
		return error_set(err, ENOMEM, "dirty log of %s: out of memory", r->name);
	}
	pthread_mutex_lock(&gm->log_lock);
	if (r->nr_log_users == DIRTY_LOG_MAX_USERS) {
		error_set(err, EBUSY, "dirty log of %s: %u users already", r->name,
			  DIRTY_LOG_MAX_USERS);
		goto out;
	}
	if (!r->vmm_dirty && !(r->vmm_dirty = calloc(d->words, sizeof(unsigned long)))) {
		error_set(err, ENOMEM, "dirty log of %s: out of memory", r->name);
		goto out;
	}
	if (r->nr_log_users == 0) {
		kvm_enable_manual_dirty_protect(kvm);
		if (set_logging(d, true, err))
			goto out;
		__atomic_store_n(&r->logging, true, __ATOMIC_RELEASE);
	}
	r->log_users[r->nr_log_users++] = d;
	ret = 0;
out:
	pthread_mutex_unlock(&gm->log_lock);
	if (ret) {
		free(d->pending);
		free(d->clear);
		d->pending = d->clear = NULL;
	}
	return ret;
}

/*
 * KVM's log and the VMM's writes since the last harvest, into every user's
 * record; the pages in @keep (NULL: none) are not protected again.
 */
static int harvest(struct dirty_log *d, unsigned long *scratch, const unsigned long *keep,
		   struct error *err)
{
	struct guest_mem_region *r = d->r;
	struct kvm_dirty_log log = { .slot = r->slot, .dirty_bitmap = scratch };
	unsigned long any = 0;
	size_t i;
	unsigned u;

	if (ioctl(d->kvm->vm_fd, KVM_GET_DIRTY_LOG, &log) < 0)
		return error_set(err, errno, "KVM_GET_DIRTY_LOG (%s): %s", r->name, strerror(errno));
	for (i = 0; i < d->words; i++) {
		d->clear[i] = keep ? scratch[i] & ~keep[i] : scratch[i];
		any |= d->clear[i];
	}
	/* Nothing written, nothing to protect again: a still screen costs one ioctl a sync. */
	if (any && d->kvm->manual_dirty > 0) {
		struct kvm_clear_dirty_log clear = {
			.slot = r->slot,
			.num_pages = (uint32_t)(r->size / GUEST_PAGE_SIZE),
			.dirty_bitmap = d->clear,
		};

		/* Write-protects the pages again, so that the next write is seen. */
		if (ioctl(d->kvm->vm_fd, KVM_CLEAR_DIRTY_LOG, &clear) < 0)
			return error_set(err, errno, "KVM_CLEAR_DIRTY_LOG (%s): %s", r->name,
					 strerror(errno));
	}
	for (i = 0; i < d->words; i++) {
		unsigned long bits = scratch[i] |
				     __atomic_exchange_n(&r->vmm_dirty[i], 0, __ATOMIC_RELAXED);

		for (u = 0; u < r->nr_log_users; u++)
			r->log_users[u]->pending[i] |= bits;
	}
	return 0;
}

int dirty_log_sync_keep(struct dirty_log *d, unsigned long *bitmap, const unsigned long *keep,
			struct error *err)
{
	int ret;

	memset(bitmap, 0, d->words * sizeof(unsigned long));
	pthread_mutex_lock(&d->gm->log_lock);
	ret = harvest(d, bitmap, keep, err);
	if (ret == 0) {
		memcpy(bitmap, d->pending, d->words * sizeof(unsigned long));
		memset(d->pending, 0, d->words * sizeof(unsigned long));
	}
	pthread_mutex_unlock(&d->gm->log_lock);
	return ret;
}

int dirty_log_sync(struct dirty_log *d, unsigned long *bitmap, struct error *err)
{
	return dirty_log_sync_keep(d, bitmap, NULL, err);
}

void dirty_log_close(struct dirty_log *d)
{
	struct guest_mem_region *r = d->r;
	unsigned u;

	if (!d->pending)
		return;
	pthread_mutex_lock(&d->gm->log_lock);
	for (u = 0; u < r->nr_log_users; u++)
		if (r->log_users[u] == d)
			break;
	if (u < r->nr_log_users) {
		r->log_users[u] = r->log_users[--r->nr_log_users];
		if (r->nr_log_users == 0) {
			__atomic_store_n(&r->logging, false, __ATOMIC_RELEASE);
			set_logging(d, false, NULL);
		}
	}
	pthread_mutex_unlock(&d->gm->log_lock);
	free(d->pending);
	free(d->clear);
	d->pending = d->clear = NULL;
}
