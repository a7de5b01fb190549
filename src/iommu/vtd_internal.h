/* What the VT-d files share; every function here runs with vtd.lock held. */
#ifndef VESSEL_IOMMU_VTD_INTERNAL_H
#define VESSEL_IOMMU_VTD_INTERNAL_H

#include "iommu/vtd.h"

/* Take the unit's lock; translations that read without it see seq odd and retry. */
static inline void vtd_lock(struct vtd *v)
{
	pthread_mutex_lock(&v->lock);
	__atomic_store_n(&v->seq, v->seq + 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
}

static inline void vtd_unlock(struct vtd *v)
{
	__atomic_store_n(&v->seq, v->seq + 1, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&v->lock);
}

/* Log a primary fault (7.2.1) and raise the fault event. */
void vtd_fault(struct vtd *v, uint16_t sid, uint8_t reason, uint64_t addr, bool write);

/* Invalidate cached translations: @gran is DMA_GRAN_*; @am is the page-selective mask. */
void vtd_iotlb_invalidate(struct vtd *v, unsigned gran, uint16_t did, uint64_t addr,
			  unsigned am);
/* Invalidate cached context entries: @gran is DMA_GRAN_* (PAGE meaning one device). */
void vtd_ctx_invalidate(struct vtd *v, unsigned gran, uint16_t did, uint16_t sid, unsigned fm);

/* Process the invalidation queue from head to tail. */
void vtd_qi_process(struct vtd *v);

/* Send one of the unit's own interrupts, or leave it pending while masked. */
void vtd_event(struct vtd *v, uint32_t *ctl, uint32_t addr, uint32_t data);

#endif
