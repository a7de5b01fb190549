/*
 * Device memory that moves: a BAR the guest placed elsewhere takes its KVM
 * slot along (guest_mem.c itself knows nothing of KVM).
 */
#include "core/guest_mem.h"
#include "core/kvm.h"

#include <errno.h>

int guest_mem_move_device(struct guest_mem *gm, struct kvm *kvm, struct guest_mem_region *r,
			  uint64_t gpa, struct error *err)
{
	uint64_t old = r->gpa;
	unsigned i;
	int ret = -1;

	if (r->kind != GUEST_MEM_DEVICE || gpa & (GUEST_PAGE_SIZE - 1) || gpa + r->size < gpa)
		return error_set(err, EINVAL, "%s: cannot move to 0x%llx", r->name,
				 (unsigned long long)gpa);
	for (i = 0; i < gm->nr_regions; i++)
		if (&gm->regions[i] != r && gpa < gm->regions[i].gpa + gm->regions[i].size &&
		    gm->regions[i].gpa < gpa + r->size)
			return error_set(err, EEXIST, "%s: 0x%llx overlaps %s", r->name,
					 (unsigned long long)gpa, gm->regions[i].name);
	/* Under the log's lock: a dirty-log user changing the slot's flags waits. */
	pthread_mutex_lock(&gm->log_lock);
	if (kvm_set_memory_region(kvm, r, 0, err))
		goto out;
	__atomic_store_n(&r->gpa, gpa, __ATOMIC_RELEASE);
	ret = kvm_set_memory_region(kvm, r, r->size, err);
	if (ret) {
		__atomic_store_n(&r->gpa, old, __ATOMIC_RELEASE);
		kvm_set_memory_region(kvm, r, r->size, NULL);
	}
out:
	pthread_mutex_unlock(&gm->log_lock);
	return ret;
}
