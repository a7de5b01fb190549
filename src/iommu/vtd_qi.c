/* Queued invalidation (6.5.2): descriptors the guest puts in a ring in its memory. */
#include "iommu/vtd.h"
#include "iommu/vtd_internal.h"
#include "core/log.h"

#define DESC_SIZE	16
#define TYPE_MASK	0xfull
#define TYPE_HI_MASK	0xe00ull	/* descriptor types above 15: none legacy */

static int do_wait(struct vtd *v, const uint64_t d[2])
{
	uint32_t status = (uint32_t)(d[0] >> 32);

	if ((d[0] & VTD_INV_WAIT_SW) && gm_write(v->mem, d[1] & ~3ull, &status, sizeof(status)))
		return -1;
	if (d[0] & VTD_INV_WAIT_IF) {
		v->ics |= DMA_ICS_IWC;
		vtd_event(v, &v->iectl, v->ieaddr, v->iedata);
	}
	return 0;
}

/* Carry out one descriptor; -1 marks it invalid (an IQE). */
static int run_desc(struct vtd *v, const uint64_t d[2])
{
	unsigned gran = (d[0] >> 4) & 3, am = d[1] & 0x3f;

	if (d[0] & TYPE_HI_MASK)
		return -1;
	switch (d[0] & TYPE_MASK) {
	case VTD_INV_DESC_CC:
		if (!gran)
			return -1;
		vtd_ctx_invalidate(v, gran, (uint16_t)(d[0] >> 16), (uint16_t)(d[0] >> 32),
				   (d[0] >> 48) & 3);
		return 0;
	case VTD_INV_DESC_IOTLB:
		if (!gran || am > ((v->cap >> DMA_CAP_MAMV_SHIFT) & 0x3f))
			return -1;
		vtd_iotlb_invalidate(v, gran, (uint16_t)(d[0] >> 16), d[1] & ~0xfffull, am);
		return 0;
	case VTD_INV_DESC_IEC:
		/* Remapped routes are KVM's cache of IRTEs: they are looked up again. */
		v->ir_changed = true;
		return 0;
	case VTD_INV_DESC_WAIT:
		return do_wait(v, d);
	default:
		return -1;	/* device-TLB and scalable-mode types are not offered */
	}
}

void vtd_qi_process(struct vtd *v)
{
	uint64_t base = v->iqa & ~0xfffull;
	unsigned entries = (4096u << (v->iqa & DMA_IQA_QS_MASK)) / DESC_SIZE;

	if (v->fsts & DMA_FSTS_IQE)
		return;		/* stopped until software clears the error */

	/* 256-bit descriptors belong to scalable mode, which is not offered. */
	if (v->iqa & DMA_IQA_DW) {
		v->fsts |= DMA_FSTS_IQE;
		vtd_event(v, &v->fectl, v->feaddr, v->fedata);
		return;
	}
	/* A tail beyond the queue would never be reached: an IQE (10.4.9, FSTS.IQE). */
	if (v->iqt / DESC_SIZE >= entries) {
		pr_debug("VT-d: invalidation queue tail %#llx beyond the queue",
			 (unsigned long long)v->iqt);
		v->fsts |= DMA_FSTS_IQE;
		vtd_event(v, &v->fectl, v->feaddr, v->fedata);
		return;
	}
	while (v->iqh != v->iqt) {
		unsigned idx = (unsigned)(v->iqh / DESC_SIZE) % entries;
		uint64_t d[2] = { 0, 0 };

		if (gm_read(v->mem, base + (uint64_t)idx * DESC_SIZE, d, sizeof(d)) || run_desc(v, d)) {
			/* IQH stays on the bad descriptor for software to inspect (6.5.2.10). */
			pr_debug("VT-d: invalid invalidation descriptor %u: %016llx %016llx", idx,
				 (unsigned long long)d[0], (unsigned long long)d[1]);
			v->fsts |= DMA_FSTS_IQE;
			vtd_event(v, &v->fectl, v->feaddr, v->fedata);
			return;
		}
		v->iqh = (uint64_t)((idx + 1) % entries) * DESC_SIZE;
	}
}
